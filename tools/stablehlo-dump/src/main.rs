//! `stablehlo-dump`: inspect rjax programs.
//!
//! - `stablehlo-dump list` — the built-in catalogue of programs;
//! - `stablehlo-dump show NAME [--stage jaxpr|stablehlo]` — a program's IR;
//! - `stablehlo-dump run FILE.mlir [--input 1,2,3]... [--seed N] [--iters N]
//!   [--max-input-bytes N]` — compile any StableHLO module and run it on
//!   given or seeded inputs, refusing modules whose inputs would take more
//!   than `--max-input-bytes` (default [`DEFAULT_MAX_INPUT_BYTES`]).

mod signature;

use clap::{Parser, Subcommand, ValueEnum};
use rjax::{Array, catalogue, compile_module};
use std::process::ExitCode;
use std::time::Instant;

#[derive(Parser)]
#[command(
    version,
    about = "Inspect rjax programs: Jaxpr, StableHLO, and running modules through PJRT"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// The most bytes `run` makes inputs of unless told otherwise: 256 MiB
/// (the host builds them in f64 first, so it needs a few times more).
const DEFAULT_MAX_INPUT_BYTES: usize = 256 << 20;

#[derive(Subcommand)]
enum Command {
    /// List the built-in catalogue of programs.
    List,
    /// Print a catalogue program's Jaxpr or StableHLO.
    Show {
        name: String,
        #[arg(long, value_enum, default_value_t = Stage::Stablehlo)]
        stage: Stage,
    },
    /// Compile a StableHLO module with the PJRT plugin and run it.
    Run {
        file: std::path::PathBuf,
        /// Comma-separated values for one argument, in order; arguments not
        /// given are filled with seeded random values.
        #[arg(long)]
        input: Vec<String>,
        #[arg(long, default_value_t = 0)]
        seed: u64,
        /// How many timed executions after the first.
        #[arg(long, default_value_t = 10)]
        iters: usize,
        /// Refuse modules whose inputs together take more bytes than this.
        #[arg(long, default_value_t = DEFAULT_MAX_INPUT_BYTES)]
        max_input_bytes: usize,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Stage {
    Jaxpr,
    Stablehlo,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {}", e.lines().next().unwrap_or_default());
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::List => {
            for p in catalogue::programs() {
                println!("{:<18} {}", p.name, p.description);
            }
            Ok(())
        }
        Command::Show { name, stage } => {
            let p = catalogue::find(&name)
                .ok_or_else(|| format!("no program named `{name}`; try `stablehlo-dump list`"))?;
            let text = match stage {
                Stage::Jaxpr => p.jaxpr().map_err(|e| e.to_string())?.to_string(),
                Stage::Stablehlo => p.lower().map_err(|e| e.to_string())?.as_text().to_string(),
            };
            println!("{}", text.trim_end());
            Ok(())
        }
        Command::Run {
            file,
            input,
            seed,
            iters,
            max_input_bytes,
        } => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| format!("cannot read {}: {e}", file.display()))?;
            let params = signature::main_params(&text)?;
            let input_bytes = params
                .iter()
                .try_fold(0usize, |n, p| n.checked_add(p.bytes))
                .unwrap_or(usize::MAX);
            if input_bytes > max_input_bytes {
                return Err(format!(
                    "the inputs of @main take {input_bytes} bytes, more than --max-input-bytes {max_input_bytes}"
                ));
            }
            let args = params
                .iter()
                .enumerate()
                .map(|(i, p)| match input.get(i) {
                    Some(values) => p.parse_input(values),
                    None => Ok(p.random(seed + i as u64)),
                })
                .collect::<Result<Vec<Array>, String>>()?;
            let t = Instant::now();
            let module = compile_module(&text).map_err(|e| e.to_string())?;
            let compile = t.elapsed();
            let outs = module.run(&args).map_err(|e| e.to_string())?;
            for (i, o) in outs.iter().enumerate() {
                o.block_until_ready().map_err(|e| e.to_string())?;
                println!("output {i}: {} {}", o.aval().map_err(|e| e.to_string())?, o);
            }
            let mut times: Vec<f64> = (0..iters)
                .map(|_| {
                    let t = Instant::now();
                    let outs = module.run(&args).map_err(|e| e.to_string())?;
                    for o in &outs {
                        o.block_until_ready().map_err(|e| e.to_string())?;
                    }
                    Ok(t.elapsed().as_secs_f64() * 1e6)
                })
                .collect::<Result<_, String>>()?;
            times.sort_by(f64::total_cmp);
            println!("compile: {:.2} ms", compile.as_secs_f64() * 1e3);
            if let Some(median) = times.get(times.len() / 2) {
                println!("execute: {median:.1} us (median of {iters})");
            }
            Ok(())
        }
    }
}
