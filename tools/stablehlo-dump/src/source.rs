//! Where a program comes from: a `.mlir` file, an entry of a dump
//! directory (`DIR/NNNN-NAME`, `DIR/NNNN`, `DIR/NAME`), or a catalogue
//! program; and its stages, compiling it when XLA's HLO is asked for.

use crate::failure::{Failure, Outcome};
use clap::ValueEnum;
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A stage of a program's compilation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Stage {
    /// rjax's Jaxpr (dump entries and catalogue programs only).
    Jaxpr,
    /// The StableHLO module.
    Stablehlo,
    /// XLA's HLO before optimization.
    Hlo,
    /// XLA's HLO after optimization and fusion.
    OptimizedHlo,
}

/// A program to inspect.
pub struct Program {
    /// How to name it to the user.
    pub label: String,
    pub stablehlo: String,
    pub jaxpr: Option<String>,
    /// Its manifest entry, for dump entries.
    pub entry: Option<Value>,
    /// Its dump directory, for dump entries.
    dump_dir: Option<PathBuf>,
}

/// XLA's view of a compiled program.
pub struct Compiled {
    pub module: rjax::Module,
    pub hlo: Option<String>,
    pub optimized_hlo: Option<String>,
    pub memory_report: Option<String>,
}

/// The manifest entries of a dump directory, in order (the last line may
/// say the dump was capped).
pub fn manifest(dir: &Path) -> Outcome<Vec<Value>> {
    let path = dir.join("manifest.jsonl");
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Failure::input(format!(
            "{} is not a dump directory: cannot read {}: {e}",
            dir.display(),
            path.display()
        ))
    })?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .enumerate()
        .map(|(i, l)| {
            serde_json::from_str(l)
                .map_err(|e| Failure::input(format!("{} line {}: {e}", path.display(), i + 1)))
        })
        .collect()
}

/// Find the program `target` names.
pub fn resolve(target: &str) -> Outcome<Program> {
    let path = Path::new(target);
    if path.is_file() {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Failure::input(format!("cannot read {target}: {e}")))?;
        return Ok(Program {
            label: target.to_string(),
            stablehlo: text,
            jaxpr: None,
            entry: None,
            dump_dir: None,
        });
    }
    let dir = path.parent().filter(|d| d.join("manifest.jsonl").is_file());
    if let (Some(dir), Some(key)) = (dir, path.file_name().and_then(|n| n.to_str())) {
        return dump_entry(dir, key);
    }
    if let Some(p) = rjax::catalogue::find(target) {
        return Ok(Program {
            label: target.to_string(),
            stablehlo: p.lower()?.as_text().to_string(),
            jaxpr: Some(p.jaxpr()?.to_string()),
            entry: None,
            dump_dir: None,
        });
    }
    if path.components().count() > 1 || target.ends_with(".mlir") {
        return Err(Failure::input(format!(
            "cannot read {target}: no such file"
        )));
    }
    Err(Failure::input(format!(
        "no file, dump entry or catalogue program named `{target}`; try `stablehlo-dump list`"
    )))
}

/// The entry `key` of the dump in `dir`: its full name `NNNN-NAME`, its
/// number, or the name of its program (the latest one of that name).
fn dump_entry(dir: &Path, key: &str) -> Outcome<Program> {
    let entries = manifest(dir)?;
    let field = |e: &Value, f: &str| e.get(f).and_then(Value::as_str).map(str::to_string);
    let number = |e: &Value| {
        field(e, "program").and_then(|p| p.split('-').next().and_then(|n| n.parse::<usize>().ok()))
    };
    let entry = entries
        .iter()
        .rev()
        .find(|e| {
            field(e, "program").as_deref() == Some(key)
                || key
                    .parse::<usize>()
                    .ok()
                    .is_some_and(|n| number(e) == Some(n))
                || field(e, "name").as_deref() == Some(key)
        })
        .ok_or_else(|| {
            Failure::input(format!(
                "no program `{key}` in the dump {}; try `stablehlo-dump ls {}`",
                dir.display(),
                dir.display()
            ))
        })?
        .clone();
    let read = |stage: &str| -> Outcome<Option<String>> {
        let Some(file) = entry["files"].get(stage).and_then(Value::as_str) else {
            return Ok(None);
        };
        std::fs::read_to_string(dir.join(file))
            .map(Some)
            .map_err(|e| Failure::input(format!("cannot read {}: {e}", dir.join(file).display())))
    };
    let stablehlo = read("stablehlo")?
        .ok_or_else(|| Failure::input(format!("the dump entry `{key}` has no StableHLO file")))?;
    Ok(Program {
        label: field(&entry, "program").unwrap_or_else(|| key.to_string()),
        stablehlo,
        jaxpr: read("jaxpr")?,
        entry: Some(entry),
        dump_dir: Some(dir.to_path_buf()),
    })
}

impl Program {
    /// The text of `stage`, compiling the program if XLA's HLO is asked
    /// for and the dump does not hold it.
    pub fn stage(&self, stage: Stage) -> Outcome<String> {
        match stage {
            Stage::Jaxpr => self.jaxpr.clone().ok_or_else(|| {
                Failure::usage(format!(
                    "{} has no Jaxpr: only dump entries and catalogue programs do",
                    self.label
                ))
            }),
            Stage::Stablehlo => Ok(self.stablehlo.clone()),
            Stage::Hlo | Stage::OptimizedHlo => {
                let key = if stage == Stage::Hlo {
                    "hlo"
                } else {
                    "optimized_hlo"
                };
                if let Some(text) = self.dumped(key) {
                    return Ok(text);
                }
                let c = self.compile()?;
                let text = if stage == Stage::Hlo {
                    c.hlo
                } else {
                    c.optimized_hlo
                };
                text.ok_or_else(|| Failure::xla("XLA wrote no HLO for this module"))
            }
        }
    }

    /// A file the dump holds for this program, if any.
    fn dumped(&self, key: &str) -> Option<String> {
        let file = self.entry.as_ref()?["files"].get(key)?.as_str()?;
        std::fs::read_to_string(self.dump_dir.as_ref()?.join(file)).ok()
    }

    /// Compile with the plugin; with [`capture_xla_dumps`] on, also read
    /// what XLA wrote about it.
    pub fn compile(&self) -> Outcome<Compiled> {
        crate::ir::parse_mlir(&self.stablehlo)
            .map_err(|e| Failure::input(format!("{}: {e}", self.label)))?;
        let devices = rjax::module_devices(&self.stablehlo);
        let module = rjax::compile_module_on(&self.stablehlo, devices)?;
        let mut compiled = Compiled {
            module,
            hlo: None,
            optimized_hlo: None,
            memory_report: None,
        };
        if let Some(dir) = XLA_DIR.get() {
            for (stage, text) in take_latest_module(dir) {
                match stage.as_str() {
                    "before_optimizations.txt" => compiled.hlo = Some(text),
                    s if s.ends_with("_after_optimizations.txt") => {
                        compiled.optimized_hlo = Some(text)
                    }
                    s if s.ends_with("_after_optimizations-memory-usage-report.txt") => {
                        compiled.memory_report = Some(text)
                    }
                    _ => {}
                }
            }
        }
        Ok(compiled)
    }
}

static XLA_DIR: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();

/// Ask XLA to write the HLO of what it compiles into a private temporary
/// directory (removed by [`remove_xla_dumps`]). Call before anything
/// starts the plugin.
pub fn capture_xla_dumps() {
    let dir = std::env::temp_dir().join(format!("stablehlo-dump-xla-{}", std::process::id()));
    let mut flags = std::env::var("XLA_FLAGS").unwrap_or_default();
    flags.push_str(&format!(
        " --xla_dump_to={} --xla_dump_hlo_as_text",
        dir.display()
    ));
    // SAFETY: called from `main` before any other thread exists and
    // before the plugin (the only C code reading the environment) loads.
    unsafe { std::env::set_var("XLA_FLAGS", flags.trim_start()) };
    XLA_DIR.set(dir).ok();
}

/// Remove what [`capture_xla_dumps`] made XLA write.
pub fn remove_xla_dumps() {
    if let Some(dir) = XLA_DIR.get() {
        std::fs::remove_dir_all(dir).ok();
    }
}

/// The files of the most recently compiled module in XLA's dump
/// directory, as (stage suffix, text); they are deleted.
fn take_latest_module(dir: &Path) -> Vec<(String, String)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let files: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
    let name = |p: &PathBuf| p.file_name().and_then(|n| n.to_str()).map(str::to_string);
    let latest = files
        .iter()
        .filter_map(name)
        .filter(|n| n.ends_with(".before_optimizations.txt"))
        .max();
    let Some(latest) = latest else {
        return Vec::new();
    };
    let prefix = latest
        .trim_end_matches("before_optimizations.txt")
        .to_string();
    let mut out = Vec::new();
    for f in &files {
        if let Some(stage) = name(f).and_then(|n| n.strip_prefix(&prefix).map(str::to_string)) {
            if let Ok(text) = std::fs::read_to_string(f) {
                out.push((stage, text));
            }
            std::fs::remove_file(f).ok();
        }
    }
    out
}
