//! The CPU plugin's large buffers are reused across calls rather than
//! mapped afresh each time (`RJAX_HOST_MALLOC`). Each case re-runs this
//! test binary on one test (a child) with the variable set, since the
//! allocator is tuned once, when the runtime starts.

use rjax::numpy as jnp;
use rjax::{Array, DType, jit};
use std::process::Command;

const CHILD_VAR: &str = "RJAX_HOST_MEMORY_TEST_CHILD";

/// Page faults this process has taken so far (field 10 of
/// `/proc/self/stat`, after the parenthesized command name).
fn minor_faults() -> u64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap();
    let after_name = &stat[stat.rfind(')').unwrap() + 2..];
    after_name.split(' ').nth(7).unwrap().parse().unwrap()
}

/// In a child: call a program with a 51.2 MB result five times after a
/// first call, and print the page faults those five calls took (or the
/// error the runtime gave).
fn child() -> bool {
    if std::env::var_os(CHILD_VAR).is_none() {
        return false;
    }
    let run = || -> rjax::Result<u64> {
        let x = jnp::zeros(&[12_800_000], DType::F32);
        let f = jit(|x: Array| &x + 1.0);
        f.call(x.clone())?.block_until_ready()?;
        let before = minor_faults();
        for _ in 0..5 {
            let y = f.call(x.clone())?;
            y.block_until_ready()?;
        }
        Ok(minor_faults() - before)
    };
    match run() {
        Ok(faults) => println!("faults: {faults}"),
        Err(e) => println!("error: {e}"),
    }
    true
}

/// What the child printed after `faults: ` or `error: `.
fn run_child(test: &str, host_malloc: Option<&str>) -> String {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([test, "--exact", "--nocapture", "--test-threads=1"])
        .env(CHILD_VAR, "1")
        .env("RJAX_COMPILATION_CACHE", "0")
        .env_remove("GLIBC_TUNABLES");
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("MALLOC_") {
            cmd.env_remove(name);
        }
    }
    match host_malloc {
        Some(v) => cmd.env("RJAX_HOST_MALLOC", v),
        None => cmd.env_remove("RJAX_HOST_MALLOC"),
    };
    let out = cmd.output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(out.status.code(), Some(0), "{stdout}");
    let line = stdout
        .lines()
        .find_map(|l| {
            ["faults: ", "error: "]
                .iter()
                .find_map(|p| l.find(p).map(|i| &l[i..]))
        })
        .unwrap_or_else(|| panic!("no result in the child's output: {stdout}"));
    line.to_string()
}

fn faults(line: &str) -> u64 {
    line.strip_prefix("faults: ")
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{line}"))
}

#[test]
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn large_results_reuse_their_memory_across_calls() {
    if child() {
        return;
    }
    let test = "host_memory::large_results_reuse_their_memory_across_calls";
    let retained = faults(&run_child(test, None));
    let system = faults(&run_child(test, Some("system")));
    // Mapped afresh, each 51.2 MB result is 12,500 new 4 KiB pages; a
    // kernel that backs fresh mappings with huge pages
    // (transparent_hugepage=always) faults far less, and there is nothing
    // to compare.
    if system < 5 * 12_000 {
        eprintln!("skipped: {system} faults with the system's settings (huge pages?)");
        return;
    }
    assert!(
        retained * 10 < system,
        "{retained} faults when retained, {system} with the system's settings"
    );
}

#[test]
fn a_bad_setting_is_a_typed_error() {
    if child() {
        return;
    }
    let test = "host_memory::a_bad_setting_is_a_typed_error";
    let line = run_child(test, Some("hoard"));
    assert!(
        line.contains("RJAX_HOST_MALLOC=\"hoard\" is not valid: expected retain or system"),
        "{line}"
    );
}
