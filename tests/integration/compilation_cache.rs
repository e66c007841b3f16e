//! The persistent compilation cache across processes. Each case re-runs
//! this test binary on one test (a child) with `RJAX_CACHE_DIR` set to a
//! fresh temporary directory; the child compiles and runs programs and
//! prints their results and the cache's counters, which the parent checks.

use rjax::compilation_cache::{Stats, stats};
use rjax::numpy as jnp;
use rjax::{Array, jit};
use std::path::{Path, PathBuf};
use std::process::Command;

const CHILD_VAR: &str = "RJAX_COMPILATION_CACHE_TEST_CHILD";
/// Set in a child: its first program factors matrices on the host (a
/// custom call to `rjax_linalg`).
const LINALG_VAR: &str = "RJAX_COMPILATION_CACHE_TEST_LINALG";
/// Set in a child: its first program is partitioned over 8 devices and
/// its result's sharding is the partitioner's choice, printed with it.
const SHARDED_VAR: &str = "RJAX_COMPILATION_CACHE_TEST_SHARDED";

/// In a child (`CHILD_VAR` set to how many extra programs to compile):
/// run a jitted program and that many distinct ones, then print the
/// results and the counters. Returns whether this is a child.
fn child() -> bool {
    let Ok(extra) = std::env::var(CHILD_VAR) else {
        return false;
    };
    let run = || -> rjax::Result<String> {
        let x = jnp::linspace(-2.0, 2.0, 7);
        let y = if std::env::var_os(SHARDED_VAR).is_some() {
            let mesh = rjax::Mesh::new(&[8], &["data"])?;
            let rows = rjax::NamedSharding::new(&mesh, rjax::P!["data", None])?;
            let x = rjax::device_put(&jnp::linspace(-2.0, 2.0, 16).reshape(&[8, 2]), &rows);
            let y = jit(|x: Array| x.tanh() * 3.0).call(x)?;
            let shards = y.addressable_shards()?;
            println!("sharding: {} {:?}", y.sharding()?, shards[3].index);
            y
        } else if std::env::var_os(LINALG_VAR).is_some() {
            let spd = |x: Array| jnp::outer(&x, &x) + jnp::eye(7, None, 0, rjax::DType::F32) * 4.0;
            jit(move |x: Array| jnp::linalg::eigvalsh(&spd(x))).call(x.clone())?
        } else {
            jit(|x: Array| (x.tanh() * 3.0 + 1.0).exp()).call(x.clone())?
        };
        let mut out = format!("{:?}", y.to_vec::<f32>()?);
        for k in 0..extra.parse::<usize>().unwrap() {
            let z = jit(move |x: Array| &x * (k as f64 + 0.5)).call(x.clone())?;
            out += &format!(" {:?}", z.to_vec::<f32>()?);
        }
        Ok(out)
    };
    match run() {
        Ok(result) => println!("result: {result}"),
        Err(e) => println!("error: {e}"),
    }
    let Stats {
        hits,
        misses,
        stores,
        rejected,
        evicted,
    } = stats();
    println!("stats: {hits} {misses} {stores} {rejected} {evicted}");
    true
}

/// What a child printed: its result line and its counters.
struct Child {
    result: String,
    stats: Stats,
    /// The `sharding: ` line, if any.
    sharding: String,
}

/// Run the test `test` as a child with the cache in `dir`, `extra`
/// programs beyond the first, and the variables `env`.
fn run_child(test: &str, dir: &Path, extra: usize, env: &[(&str, &str)]) -> Child {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, extra.to_string())
        .env("RJAX_CACHE_DIR", dir)
        .env("RJAX_COMPILATION_CACHE", "1")
        .env_remove("RJAX_COMPILATION_CACHE_MAX_BYTES");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stdout}\n{stderr}");
    // The test harness prints `test <name> ... ` before the child's lines.
    let line = |prefix: &str| {
        stdout
            .lines()
            .find_map(|l| l.find(prefix).map(|i| &l[i..]))
            .unwrap_or_else(|| panic!("no {prefix:?} line in\n{stdout}\n{stderr}"))
            .to_string()
    };
    let n: Vec<u64> = line("stats: ")["stats: ".len()..]
        .split(' ')
        .map(|v| v.parse().unwrap())
        .collect();
    let result = if stdout.contains("error: ") {
        line("error: ")
    } else {
        line("result: ")
    };
    let sharding = stdout
        .lines()
        .find_map(|l| l.find("sharding: ").map(|i| l[i..].to_string()))
        .unwrap_or_default();
    Child {
        result,
        sharding,
        stats: Stats {
            hits: n[0],
            misses: n[1],
            stores: n[2],
            rejected: n[3],
            evicted: n[4],
        },
    }
}

/// A fresh directory for one test's cache, removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "rjax-compilation-cache-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        TempDir(dir)
    }

    /// The cache's entries.
    fn entries(&self) -> Vec<PathBuf> {
        let mut list: Vec<PathBuf> = std::fs::read_dir(self.0.join("compiled"))
            .map(|d| d.map(|e| e.unwrap().path()).collect())
            .unwrap_or_default();
        list.sort();
        list
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

#[test]
fn a_second_process_loads_what_the_first_compiled() {
    if child() {
        return;
    }
    let dir = TempDir::new("second");
    let test = "compilation_cache::a_second_process_loads_what_the_first_compiled";
    let first = run_child(test, &dir.0, 0, &[]);
    assert!(first.result.starts_with("result: "), "{}", first.result);
    let s = first.stats;
    assert!(s.misses > 0 && s.hits == 0 && s.stores == s.misses, "{s:?}");
    assert_eq!(dir.entries().len() as u64, s.stores);
    let second = run_child(test, &dir.0, 0, &[]);
    assert_eq!(second.result, first.result, "same numbers from the cache");
    assert_eq!(
        second.stats,
        Stats {
            hits: s.misses,
            ..Stats::default()
        }
    );
}

#[test]
fn programs_with_host_linear_algebra_load_from_the_cache() {
    if child() {
        return;
    }
    let dir = TempDir::new("linalg");
    let test = "compilation_cache::programs_with_host_linear_algebra_load_from_the_cache";
    loaded_by_a_second_process(test, &dir, &[(LINALG_VAR, "1")]);
}

/// Run `test` as a child twice with the cache in `dir`: the first stores
/// its programs, the second loads every one of them and gets the same
/// result. Returns both.
fn loaded_by_a_second_process(test: &str, dir: &TempDir, env: &[(&str, &str)]) -> (Child, Child) {
    let first = run_child(test, &dir.0, 0, env);
    assert!(first.result.starts_with("result: "), "{}", first.result);
    assert!(first.stats.stores > 0, "{:?}", first.stats);
    let second = run_child(test, &dir.0, 0, env);
    assert_eq!(second.result, first.result);
    assert_eq!(second.stats.hits, first.stats.misses, "{:?}", second.stats);
    assert_eq!(second.stats.misses, 0);
    (first, second)
}

#[test]
fn partitioned_programs_load_with_their_output_shardings() {
    if child() {
        return;
    }
    if !crate::common::has_devices(8) {
        return;
    }
    let dir = TempDir::new("sharded");
    let test = "compilation_cache::partitioned_programs_load_with_their_output_shardings";
    let (first, second) = loaded_by_a_second_process(test, &dir, &[(SHARDED_VAR, "1")]);
    // Loaded from disk, the program reports the sharding the first
    // process compiled.
    let line = |c: &Child| c.sharding.clone();
    assert_eq!(line(&second), line(&first));
    assert_eq!(
        line(&first),
        "sharding: NamedSharding(mesh[data=8], P[\"data\", None]) [3..4, 0..2]"
    );
}

#[test]
fn corrupt_truncated_and_foreign_entries_are_replaced() {
    if child() {
        return;
    }
    let dir = TempDir::new("corrupt");
    let test = "compilation_cache::corrupt_truncated_and_foreign_entries_are_replaced";
    let first = run_child(test, &dir.0, 2, &[]);
    let entries = dir.entries();
    assert!(entries.len() >= 3, "{entries:?}");
    let other = std::fs::read(&entries[0]).unwrap();
    for (i, path) in entries.iter().enumerate() {
        let mut bytes = std::fs::read(path).unwrap();
        match i % 4 {
            // A flipped bit in the program.
            0 => *bytes.last_mut().unwrap() ^= 1,
            // Cut short, as by a crash without the rename's protection.
            1 => bytes.truncate(bytes.len() / 2),
            // Another program's entry under this name.
            2 => bytes = other.clone(),
            // Not an entry at all.
            _ => bytes = b"garbage".to_vec(),
        }
        std::fs::write(path, bytes).unwrap();
    }
    let second = run_child(test, &dir.0, 2, &[]);
    assert_eq!(second.result, first.result);
    let s = second.stats;
    assert_eq!((s.hits, s.rejected), (0, entries.len() as u64), "{s:?}");
    assert_eq!(s.stores, s.misses);
    let third = run_child(test, &dir.0, 2, &[]);
    assert_eq!(third.result, first.result);
    assert_eq!((third.stats.hits, third.stats.rejected), (s.misses, 0));
}

#[test]
fn turned_off_by_the_environment() {
    if child() {
        return;
    }
    let dir = TempDir::new("off");
    let test = "compilation_cache::turned_off_by_the_environment";
    let off = run_child(test, &dir.0, 1, &[("RJAX_COMPILATION_CACHE", "0")]);
    assert!(off.result.starts_with("result: "), "{}", off.result);
    assert_eq!(off.stats, Stats::default());
    assert!(!dir.0.exists());
    let bad = run_child(test, &dir.0, 0, &[("RJAX_COMPILATION_CACHE", "yes")]);
    assert!(
        bad.result
            .contains("RJAX_COMPILATION_CACHE=\"yes\" is not valid"),
        "{}",
        bad.result
    );
}

#[test]
fn the_least_recently_used_entries_are_evicted_past_the_bound() {
    if child() {
        return;
    }
    let dir = TempDir::new("evict");
    let test = "compilation_cache::the_least_recently_used_entries_are_evicted_past_the_bound";
    let unbounded = run_child(test, &dir.0, 12, &[]);
    let sizes: Vec<u64> = dir
        .entries()
        .iter()
        .map(|p| p.metadata().unwrap().len())
        .collect();
    let total: u64 = sizes.iter().sum();
    let bound = total / 2;
    std::fs::remove_dir_all(&dir.0).unwrap();
    let bounded = run_child(
        test,
        &dir.0,
        12,
        &[("RJAX_COMPILATION_CACHE_MAX_BYTES", &bound.to_string())],
    );
    assert_eq!(bounded.result, unbounded.result);
    assert!(bounded.stats.evicted > 0, "{:?}", bounded.stats);
    let kept: u64 = dir
        .entries()
        .iter()
        .map(|p| p.metadata().unwrap().len())
        .sum();
    assert!(kept <= bound, "{kept} bytes kept, bound {bound}");
    assert_eq!(
        dir.entries().len() as u64,
        bounded.stats.stores - bounded.stats.evicted
    );
}
