//! Dump on compile: every program `jit`, `jit_static` or `pmap` compiles
//! written to a directory, for `stablehlo-dump` (or a person) to inspect.
//!
//! Turned on by `RJAX_DUMP_DIR=dir` (read when the runtime starts) or by
//! [`enable`] / [`enable_with`]. For each program it writes
//! `NNNN-NAME.jaxpr.txt`, `NNNN-NAME.stablehlo.mlir`,
//! `NNNN-NAME.options.json` and, when asked for (`RJAX_DUMP_OPTIMIZED=1`,
//! [`DumpOptions::optimized_hlo`]), XLA's HLO before and after
//! optimization and its memory-usage report; and it appends one JSON line
//! to `manifest.jsonl`: the program's name, the Rust function's type name,
//! where `jit` was made and called, its input and output types, a cache
//! key, the compile time and the devices.
//!
//! Writing is bounded: after [`DumpOptions::max_programs`] programs or
//! [`DumpOptions::max_bytes`] bytes, one last manifest line says so and
//! nothing more is written. The one-primitive programs that eager
//! operations compile are left out unless [`DumpOptions::eager`] is set.
//!
//! ```
//! let dir = std::env::temp_dir().join(format!("rjax-dump-doc-{}", std::process::id()));
//! rjax::dump::enable(&dir).unwrap();
//! let f = rjax::jit(|x: rjax::Array| &x * 2.0);
//! f.call(rjax::Array::from_slice(&[1.0f32, 2.0], &[2])).unwrap();
//! rjax::dump::disable();
//! let manifest = std::fs::read_to_string(dir.join("manifest.jsonl")).unwrap();
//! assert!(manifest.contains("\"inputs\":[\"f32[2]\"]"));
//! # std::fs::remove_dir_all(&dir).ok();
//! ```

use rjax_ir::{AVal, Error, ErrorKind, Jaxpr, Result};
use rjax_pjrt::{CompileOptions, Executable};
use std::cell::Cell;
use std::fmt::Write as _;
use std::io::Write as _;
use std::panic::Location;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

/// What to dump, where, and how much at most.
#[derive(Clone, Debug)]
pub struct DumpOptions {
    /// The directory (created if missing).
    pub dir: PathBuf,
    /// Also XLA's HLO before and after optimization, and its memory-usage
    /// report. XLA reads this setting once, when the plugin loads, so it
    /// must be asked for before the first program runs.
    pub optimized_hlo: bool,
    /// Also the one-primitive programs eager operations compile.
    pub eager: bool,
    /// The most programs to write.
    pub max_programs: usize,
    /// The most bytes to write (files and manifest together).
    pub max_bytes: u64,
}

impl DumpOptions {
    /// Dump Jaxpr, StableHLO and options of `jit` and `pmap` programs into
    /// `dir`: at most 1000 programs and 256 MiB.
    pub fn new(dir: impl Into<PathBuf>) -> DumpOptions {
        DumpOptions {
            dir: dir.into(),
            optimized_hlo: false,
            eager: false,
            max_programs: 1000,
            max_bytes: 256 << 20,
        }
    }
}

/// Dump every program compiled from now on into `dir`, with
/// [`DumpOptions::new`]'s defaults.
pub fn enable(dir: impl AsRef<Path>) -> Result<()> {
    enable_with(DumpOptions::new(dir.as_ref()))
}

/// Dump every program compiled from now on as `options` says. Fails if
/// the directory cannot be created, or if optimized HLO is asked for after
/// the plugin has loaded without it.
pub fn enable_with(options: DumpOptions) -> Result<()> {
    std::fs::create_dir_all(&options.dir).map_err(|e| io_error(&options.dir, e))?;
    let mut state = lock();
    if options.optimized_hlo && state.xla_dir.as_deref() != Some(&xla_dir(&options.dir)) {
        if state.plugin_loaded {
            return Err(Error::new(
                ErrorKind::Param,
                "dump",
                "optimized HLO must be asked for before the first program runs \
                 (or with RJAX_DUMP_DIR and RJAX_DUMP_OPTIMIZED=1)",
            ));
        }
        state.xla_dir = Some(xla_dir(&options.dir));
    }
    state.dumper = Some(Dumper {
        options,
        programs: 0,
        bytes: 0,
        full: false,
    });
    ENABLED.store(true, Ordering::Release);
    Ok(())
}

/// Stop dumping.
pub fn disable() {
    lock().dumper = None;
    ENABLED.store(false, Ordering::Release);
}

/// Whether programs are being dumped.
pub fn is_enabled() -> bool {
    ENABLED.load(Ordering::Acquire)
}

/// Read `RJAX_DUMP_DIR`, `RJAX_DUMP_OPTIMIZED` and `RJAX_DUMP_EAGER` (unless
/// [`enable`] came first), and tell XLA where to write optimized HLO.
/// Called by the runtime once, before it loads the plugin.
pub(crate) fn before_plugin_load() -> Result<()> {
    let env = |name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
    let optimized = flag("RJAX_DUMP_OPTIMIZED", env("RJAX_DUMP_OPTIMIZED"))?;
    let eager = flag("RJAX_DUMP_EAGER", env("RJAX_DUMP_EAGER"))?;
    let dir = match env("RJAX_DUMP_DIR") {
        Some(d) if d.trim().is_empty() => {
            return Err(crate::runtime::bad_env("RJAX_DUMP_DIR", &d, "a directory"));
        }
        d => d,
    };
    if let (Some(dir), false) = (dir, is_enabled()) {
        enable_with(DumpOptions {
            optimized_hlo: optimized,
            eager,
            ..DumpOptions::new(dir)
        })?;
    }
    let mut state = lock();
    state.plugin_loaded = true;
    if let Some(dir) = &state.xla_dir {
        let mut flags = std::env::var("XLA_FLAGS").unwrap_or_default();
        write!(
            flags,
            " --xla_dump_to={} --xla_dump_hlo_as_text",
            dir.display()
        )
        .ok();
        if !state.dumper.as_ref().is_some_and(|d| d.options.eager) {
            flags.push_str(" --xla_dump_hlo_module_re=^(jit_|pmap_)");
        }
        // SAFETY: called once, under the state lock, before the plugin is
        // loaded, so no C code of ours reads the environment concurrently;
        // Rust's own environment accesses are serialized by std.
        unsafe { std::env::set_var("XLA_FLAGS", flags.trim_start()) };
    }
    Ok(())
}

/// `0` or `1` (the default: `0`).
fn flag(name: &str, value: Option<String>) -> Result<bool> {
    match value.as_deref().map(str::trim) {
        None | Some("0") => Ok(false),
        Some("1") => Ok(true),
        Some(text) => Err(crate::runtime::bad_env(name, text, "0 or 1")),
    }
}

/// Where a program is compiled from: what `jit`/`pmap` know and the
/// runtime does not.
#[derive(Clone, Copy)]
pub(crate) struct Site {
    /// `jit` or `pmap`.
    pub kind: &'static str,
    /// The Rust type name of the function.
    pub function: &'static str,
    /// Where the `jit` (or `pmap`) was made, if known.
    pub defined_at: Option<&'static Location<'static>>,
    /// The call that compiled it.
    pub called_at: &'static Location<'static>,
}

thread_local! {
    static SITE: Cell<Option<Site>> = const { Cell::new(None) };
}

/// Run `compile` with `site` as the origin of what it compiles.
pub(crate) fn at_site<T>(site: Site, compile: impl FnOnce() -> T) -> T {
    let outer = SITE.with(|s| s.replace(Some(site)));
    let out = compile();
    SITE.with(|s| s.set(outer));
    out
}

/// A program just compiled, as the runtime's compile path sees it.
pub(crate) struct Compiled<'a> {
    pub jaxpr: &'a Jaxpr,
    pub name: &'a str,
    pub stablehlo: &'a str,
    pub options: &'a CompileOptions,
    pub executable: &'a Executable,
    pub compile_time: Duration,
    /// The devices the client has.
    pub devices: usize,
}

/// Dump `program` if dumping is on (and delete XLA's files of it, if XLA
/// was told to write them).
pub(crate) fn compiled(program: &Compiled) -> Result<()> {
    let site = SITE.with(Cell::get);
    let mut state = lock();
    let hlo = match &state.xla_dir {
        Some(dir) => take_xla_files(dir, program.name),
        None => Vec::new(),
    };
    let Some(dumper) = state.dumper.as_mut() else {
        return Ok(());
    };
    if site.is_none() && !dumper.options.eager {
        return Ok(());
    }
    dumper.write(program, site, hlo)
}

static ENABLED: AtomicBool = AtomicBool::new(false);

#[derive(Default)]
struct State {
    dumper: Option<Dumper>,
    /// Where XLA writes its HLO dumps, if it was told to.
    xla_dir: Option<PathBuf>,
    plugin_loaded: bool,
}

static STATE: Mutex<State> = Mutex::new(State {
    dumper: None,
    xla_dir: None,
    plugin_loaded: false,
});

fn lock() -> std::sync::MutexGuard<'static, State> {
    STATE.lock().unwrap_or_else(|p| p.into_inner())
}

fn xla_dir(dir: &Path) -> PathBuf {
    dir.join("xla")
}

struct Dumper {
    options: DumpOptions,
    programs: usize,
    bytes: u64,
    /// The cap was reached (and said so in the manifest).
    full: bool,
}

impl Dumper {
    fn write(
        &mut self,
        p: &Compiled,
        site: Option<Site>,
        hlo: Vec<(&'static str, String)>,
    ) -> Result<()> {
        if self.full {
            return Ok(());
        }
        let options = options_json(p.options);
        let mut files: Vec<(&str, String)> = vec![
            ("jaxpr.txt", p.jaxpr.to_string()),
            ("stablehlo.mlir", p.stablehlo.to_string()),
            ("options.json", options.clone()),
        ];
        files.extend(hlo);
        let size: u64 = files.iter().map(|(_, t)| t.len() as u64).sum::<u64>() + 1024;
        if self.programs >= self.options.max_programs
            || self.bytes.saturating_add(size) > self.options.max_bytes
        {
            self.full = true;
            return self.append_manifest(&format!(
                "{{\"capped\":true,\"programs\":{},\"bytes\":{},\"max_programs\":{},\"max_bytes\":{}}}",
                self.programs, self.bytes, self.options.max_programs, self.options.max_bytes
            ));
        }
        let stem = self.free_stem(p.name)?;
        let mut names = String::new();
        for (suffix, text) in &files {
            let file = format!("{stem}.{suffix}");
            std::fs::write(self.options.dir.join(&file), text)
                .map_err(|e| io_error(&self.options.dir.join(&file), e))?;
            let key = suffix.split('.').next().unwrap_or(suffix);
            write!(names, "{}:{},", json_string(key), json_string(&file)).ok();
        }
        names.pop();
        let avals = |list: Vec<AVal>| {
            let items: Vec<String> = list.iter().map(|a| json_string(&a.to_string())).collect();
            format!("[{}]", items.join(","))
        };
        let location = |l: &Location| json_string(&l.to_string());
        let line = format!(
            "{{\"program\":{},\"name\":{},\"kind\":{},\"function\":{},\"defined_at\":{},\"called_at\":{},\"inputs\":{},\"outputs\":{},\"cache_key\":{},\"compile_ms\":{:.3},\"devices\":{},\"replicas\":{},\"partitions\":{},\"cost\":{},\"files\":{{{names}}}}}",
            json_string(&stem),
            json_string(p.name),
            json_string(site.map_or("eager", |s| s.kind)),
            site.map_or("null".into(), |s| json_string(s.function)),
            site.and_then(|s| s.defined_at)
                .map_or("null".into(), location),
            site.map_or("null".into(), |s| location(s.called_at)),
            avals(p.jaxpr.invars.iter().map(|v| v.aval.clone()).collect()),
            avals(p.jaxpr.out_avals()),
            json_string(&format!("{:016x}", fnv1a(&[p.stablehlo, &options]))),
            p.compile_time.as_secs_f64() * 1e3,
            p.devices,
            p.options.num_replicas,
            p.options.num_partitions,
            cost_json(p.executable),
        );
        self.append_manifest(&line)?;
        self.programs += 1;
        self.bytes += size;
        Ok(())
    }

    /// `NNNN-NAME`, the first number whose Jaxpr file does not exist yet
    /// (so that two processes dumping into one directory do not collide).
    fn free_stem(&self, name: &str) -> Result<String> {
        let safe: String = name
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '_' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let mut n = self.programs;
        loop {
            let stem = format!("{n:04}-{safe}");
            let file = self.options.dir.join(format!("{stem}.jaxpr.txt"));
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&file)
            {
                Ok(_) => return Ok(stem),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => n += 1,
                Err(e) => return Err(io_error(&file, e)),
            }
        }
    }

    fn append_manifest(&self, line: &str) -> Result<()> {
        let path = self.options.dir.join("manifest.jsonl");
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&path)
            .and_then(|mut f| f.write_all(format!("{line}\n").as_bytes()))
            .map_err(|e| io_error(&path, e))
    }
}

/// The HLO files XLA wrote for the module `name` (the oldest such module
/// not yet taken), read and then deleted: `(suffix, text)` for the HLO
/// before and after optimization and the memory-usage report.
fn take_xla_files(dir: &Path, name: &str) -> Vec<(&'static str, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    files.sort();
    let module = files.iter().find_map(|f| {
        let file = f.file_name()?.to_str()?;
        let (prefix, rest) = file.split_once('.')?;
        (rest.starts_with(&format!("{name}.")) && rest.ends_with("before_optimizations.txt"))
            .then(|| format!("{prefix}.{name}."))
    });
    let Some(module) = module else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for f in &files {
        let Some(file) = f.file_name().and_then(|n| n.to_str()) else {
            continue;
        };
        let Some(stage) = file.strip_prefix(&module) else {
            continue;
        };
        let suffix = if stage == "before_optimizations.txt" {
            Some("hlo.txt")
        } else if stage.ends_with("_after_optimizations.txt") {
            Some("optimized_hlo.txt")
        } else if stage.ends_with("_after_optimizations-memory-usage-report.txt") {
            Some("memory_report.txt")
        } else {
            None
        };
        if let (Some(suffix), Ok(text)) = (suffix, std::fs::read_to_string(f)) {
            out.push((suffix, text));
        }
        std::fs::remove_file(f).ok();
    }
    out
}

/// XLA's FLOPs and bytes accessed and the compiled memory sizes, as far as
/// the plugin reports them.
fn cost_json(exe: &Executable) -> String {
    let mut fields = Vec::new();
    for (name, value) in exe.cost_analysis().unwrap_or_default() {
        if let Some(key) = match name.as_str() {
            "flops" => Some("flops"),
            "bytes accessed" => Some("bytes_accessed"),
            "transcendentals" => Some("transcendentals"),
            _ => None,
        } && value.is_finite()
        {
            fields.push(format!("\"{key}\":{value}"));
        }
    }
    if let Ok(m) = exe.memory_stats() {
        fields.push(format!(
            "\"argument_bytes\":{},\"output_bytes\":{},\"alias_bytes\":{},\"temp_bytes\":{}",
            m.argument_bytes, m.output_bytes, m.alias_bytes, m.temp_bytes
        ));
    }
    format!("{{{}}}", fields.join(","))
}

fn options_json(o: &CompileOptions) -> String {
    let assignment = o.device_assignment.as_ref().map_or("null".into(), |d| {
        format!(
            "[{}]",
            d.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        )
    });
    format!(
        "{{\"num_replicas\":{},\"num_partitions\":{},\"device_assignment\":{assignment}}}\n",
        o.num_replicas, o.num_partitions
    )
}

/// 64-bit FNV-1a of the parts, each followed by a zero byte: a stable
/// fingerprint (the same program and options give the same key in every
/// run and build).
fn fnv1a(parts: &[&str]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for part in parts {
        for &b in part.as_bytes().iter().chain(&[0]) {
            h = (h ^ u64::from(b)).wrapping_mul(0x100000001b3);
        }
    }
    h
}

/// `s` as a JSON string literal.
fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 0x20 => {
                write!(out, "\\u{:04x}", c as u32).ok();
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn io_error(path: &Path, e: std::io::Error) -> Error {
    Error::new(
        ErrorKind::Runtime,
        "dump",
        format!("cannot write {}: {e}", path.display()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_are_escaped() {
        assert_eq!(json_string("a\"b\\c\nd\u{1}"), "\"a\\\"b\\\\c\\nd\\u0001\"");
    }

    #[test]
    fn fingerprints_are_stable() {
        assert_eq!(fnv1a(&[]), 0xcbf29ce484222325);
        assert_ne!(fnv1a(&["ab", "c"]), fnv1a(&["a", "bc"]));
    }
}
