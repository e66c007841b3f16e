//! `stablehlo-dump`: inspect rjax programs and StableHLO modules.
//!
//! Programs are named by a `.mlir` file (rjax's, JAX's or anyone's), an
//! entry of a dump directory written with `RJAX_DUMP_DIR` (`DIR/NNNN-NAME`,
//! `DIR/NNNN` or `DIR/NAME`), or a catalogue program (`list`). See
//! docs/stablehlo-dump.md for a walkthrough.
//!
//! Exit status: 0 success, 1 `diff` found differences, 2 usage error,
//! 3 missing or bad input, 4 XLA refused or failed.

mod cost;
mod diff;
mod failure;
mod graph;
mod ir;
mod run;
mod signature;
mod source;
mod stats;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};
use failure::{DIFFERENT, Failure, Outcome};
use source::Stage;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    version,
    about = "Inspect rjax programs and StableHLO modules: dumps, IR stages, cost, memory, graphs, diffs, runs",
    after_help = "PROGRAM is a .mlir file, a dump entry (DIR/NNNN-NAME, DIR/NNNN or DIR/NAME of a directory written with RJAX_DUMP_DIR), or a catalogue program.\nExit status: 0 success, 1 diff found differences, 2 usage error, 3 missing or bad input, 4 XLA refused or failed."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the built-in catalogue of programs.
    List,
    /// List the programs of a dump directory with their call sites and shapes.
    Ls {
        /// A directory written with RJAX_DUMP_DIR (it holds manifest.jsonl).
        dir: PathBuf,
        /// Print the manifest entries as a JSON array.
        #[arg(long)]
        json: bool,
    },
    /// Print one stage of a program.
    Show {
        /// A .mlir file, dump entry or catalogue program.
        program: String,
        /// Which stage (hlo and optimized-hlo compile the program).
        #[arg(long, value_enum, default_value_t = Stage::Stablehlo)]
        stage: Stage,
    },
    /// Op histogram, parameter and result types, FLOPs, bytes accessed,
    /// memory and the largest fusions of a program (compiles it).
    Stats {
        /// A .mlir file, dump entry or catalogue program.
        program: String,
        /// Print the statistics as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Graphviz DOT of a program's dataflow (fusions grouped in optimized HLO).
    Graph {
        /// A .mlir file, dump entry or catalogue program.
        program: String,
        /// Draw the StableHLO module or XLA's optimized HLO.
        #[arg(long, value_enum, default_value_t = GraphStage::Stablehlo)]
        stage: GraphStage,
        /// Write to this file instead of printing DOT; .svg and .png are
        /// rendered with Graphviz's `dot`, anything else is DOT.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
    /// Structural diff of two programs, ignoring value names, locations
    /// and module names; exit status 1 if they differ.
    Diff {
        /// The first program.
        a: String,
        /// The second program.
        b: String,
        /// Which stage to compare.
        #[arg(long, value_enum, default_value_t = Stage::Stablehlo)]
        stage: Stage,
    },
    /// Compile a module without running it: exit status 0 if XLA accepts
    /// it, else the first line of XLA's error.
    Check {
        /// The .mlir file.
        file: PathBuf,
        /// Compile for this many devices (default: the module's
        /// mhlo.num_replicas or mhlo.num_partitions).
        #[arg(long)]
        devices: Option<usize>,
    },
    /// Compile a StableHLO module with the PJRT plugin, run it and time it.
    Run(run::RunArgs),
    /// Print a shell completion script.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum GraphStage {
    Stablehlo,
    OptimizedHlo,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let needs_hlo = match &cli.command {
        Command::Show { stage, .. } | Command::Diff { stage, .. } => {
            matches!(stage, Stage::Hlo | Stage::OptimizedHlo)
        }
        Command::Stats { .. } => true,
        Command::Graph { stage, .. } => *stage == GraphStage::OptimizedHlo,
        _ => false,
    };
    if needs_hlo {
        source::capture_xla_dumps();
    }
    let result = run(cli);
    source::remove_xla_dumps();
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => {
            if !f.message.is_empty() {
                eprintln!("error: {}", f.message.lines().next().unwrap_or_default());
            }
            ExitCode::from(f.code)
        }
    }
}

/// Whether to colour what goes to stdout: a terminal, and `NO_COLOR` unset.
fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

/// `text` in the ANSI colour `code` when colouring.
fn paint(text: &str, code: &str) -> String {
    if colour() {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

fn run(cli: Cli) -> Outcome {
    match cli.command {
        Command::List => {
            for p in rjax::catalogue::programs() {
                println!("{:<18} {}", p.name, p.description);
            }
            Ok(())
        }
        Command::Ls { dir, json } => ls(&dir, json),
        Command::Show { program, stage } => {
            let text = source::resolve(&program)?.stage(stage)?;
            println!("{}", text.trim_end());
            Ok(())
        }
        Command::Stats { program, json } => {
            let s = stats::stats(&source::resolve(&program)?)?;
            if json {
                println!("{s}");
            } else {
                stats::print(&s, |t| paint(t, "1"));
            }
            Ok(())
        }
        Command::Graph {
            program,
            stage,
            output,
        } => graph(&program, stage, output),
        Command::Diff { a, b, stage } => {
            let a = diff::normalize(&source::resolve(&a)?.stage(stage)?);
            let b = diff::normalize(&source::resolve(&b)?.stage(stage)?);
            let changes = diff::diff(&a, &b);
            for c in &changes {
                match c {
                    diff::Change::Removed(l) => println!("{}", paint(&format!("- {l}"), "31")),
                    diff::Change::Added(l) => println!("{}", paint(&format!("+ {l}"), "32")),
                }
            }
            match changes.is_empty() {
                true => Ok(()),
                false => Err(Failure {
                    code: DIFFERENT,
                    message: String::new(),
                }),
            }
        }
        Command::Check { file, devices } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| Failure::input(format!("cannot read {}: {e}", file.display())))?;
            ir::parse_mlir(&text).map_err(|e| format!("{}: {e}", file.display()))?;
            let devices = devices.unwrap_or_else(|| rjax::module_devices(&text));
            rjax::compile_module_on(&text, devices)?;
            println!("ok: {} compiles", file.display());
            Ok(())
        }
        Command::Run(args) => run::run(args),
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "stablehlo-dump",
                &mut std::io::stdout(),
            );
            Ok(())
        }
    }
}

/// `ls DIR`: one line per program of a dump.
fn ls(dir: &std::path::Path, json: bool) -> Outcome {
    let entries = source::manifest(dir)?;
    if json {
        println!("{}", serde_json::Value::Array(entries));
        return Ok(());
    }
    let s = |e: &serde_json::Value, k: &str| e[k].as_str().unwrap_or("-").to_string();
    let list = |e: &serde_json::Value, k: &str| {
        e[k].as_array()
            .map(|a| {
                a.iter()
                    .filter_map(|v| v.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    println!(
        "{}",
        paint(
            &format!(
                "{:<28} {:<5} {:<32} {:>10} {:>10}  SIGNATURE",
                "PROGRAM", "KIND", "CALLED AT", "COMPILE", "FLOPS"
            ),
            "1"
        )
    );
    for e in &entries {
        if e["capped"].as_bool() == Some(true) {
            println!(
                "(dumping stopped after {} programs, {} bytes: the cap was reached)",
                e["programs"], e["bytes"]
            );
            continue;
        }
        let flops = e["cost"]["flops"]
            .as_f64()
            .or_else(|| estimated_flops(dir, e))
            .map_or("-".to_string(), |f| format!("{f:.0}"));
        println!(
            "{:<28} {:<5} {:<32} {:>7.1} ms {:>10}  ({}) -> ({})",
            s(e, "program"),
            s(e, "kind"),
            s(e, "called_at"),
            e["compile_ms"].as_f64().unwrap_or(0.0),
            flops,
            list(e, "inputs"),
            list(e, "outputs"),
        );
    }
    Ok(())
}

/// FLOPs of a dump entry counted from its StableHLO file, where the
/// plugin had no cost analysis to record.
fn estimated_flops(dir: &std::path::Path, entry: &serde_json::Value) -> Option<f64> {
    let file = entry["files"]["stablehlo"].as_str()?;
    let text = std::fs::read_to_string(dir.join(file)).ok()?;
    Some(cost::flops(&ir::parse_mlir(&text).ok()?).0)
}

/// `graph`: DOT on stdout, or into a file, rendered by `dot` for .svg/.png.
fn graph(program: &str, stage: GraphStage, output: Option<PathBuf>) -> Outcome {
    let p = source::resolve(program)?;
    let dot = match stage {
        GraphStage::Stablehlo => {
            graph::mlir_dot(&ir::parse_mlir(&p.stablehlo).map_err(|e| format!("{}: {e}", p.label))?)
        }
        GraphStage::OptimizedHlo => graph::hlo_dot(&ir::parse_hlo(&p.stage(Stage::OptimizedHlo)?)),
    };
    let Some(output) = output else {
        print!("{dot}");
        return Ok(());
    };
    let format = output
        .extension()
        .and_then(|e| e.to_str())
        .filter(|e| ["svg", "png"].contains(e));
    let Some(format) = format else {
        return std::fs::write(&output, dot)
            .map_err(|e| Failure::input(format!("cannot write {}: {e}", output.display())));
    };
    let mut child = std::process::Command::new("dot")
        .arg(format!("-T{format}"))
        .arg("-o")
        .arg(&output)
        .stdin(std::process::Stdio::piped())
        .spawn()
        .map_err(|e| {
            Failure::usage(format!(
                "cannot run Graphviz `dot` to render {format} ({e}); install Graphviz, or write DOT with -o FILE.dot"
            ))
        })?;
    if let Some(mut stdin) = child.stdin.take() {
        std::io::Write::write_all(&mut stdin, dot.as_bytes())
            .map_err(|e| Failure::input(format!("cannot pipe DOT into `dot`: {e}")))?;
    }
    let status = child
        .wait()
        .map_err(|e| Failure::input(format!("`dot` failed: {e}")))?;
    if !status.success() {
        return Err(Failure::input(format!("`dot` failed with {status}")));
    }
    Ok(())
}
