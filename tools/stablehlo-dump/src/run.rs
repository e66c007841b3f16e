//! `run`: compile a module and run it on given, loaded or seeded inputs,
//! timing the compile and the executions.

use crate::failure::{Failure, Outcome};
use crate::signature::{self, Param};
use rjax::{Array, DType};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Instant;

/// The most bytes `run` makes inputs of unless told otherwise: 256 MiB
/// (the host builds them in f64 first, so it needs a few times more).
const DEFAULT_MAX_INPUT_BYTES: usize = 256 << 20;

/// What `run` was asked to do.
#[derive(clap::Args)]
pub struct RunArgs {
    /// The .mlir file.
    pub file: PathBuf,
    /// Comma-separated values for one argument, in order (after those
    /// given with --input-npy); arguments not given are filled with
    /// seeded random values.
    #[arg(long)]
    pub input: Vec<String>,
    /// A .npy file for one argument, in order, from the first; its
    /// shape and dtype must be the parameter's.
    #[arg(long)]
    pub input_npy: Vec<PathBuf>,
    /// The seed of the random inputs.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// How many timed executions after the first.
    #[arg(long, default_value_t = 10)]
    pub iters: usize,
    /// Refuse modules whose inputs together take more bytes than this.
    #[arg(long, default_value_t = DEFAULT_MAX_INPUT_BYTES)]
    pub max_input_bytes: usize,
    /// Run over this many devices (default: the module's
    /// mhlo.num_replicas or mhlo.num_partitions). Every replica gets the
    /// same inputs; a partitioned module's inputs are split as its
    /// mhlo.sharding attributes say, and its outputs put back together.
    #[arg(long)]
    pub devices: Option<usize>,
    /// Print outputs and timings as JSON.
    #[arg(long)]
    pub json: bool,
}

/// The most output elements `--json` lists.
const MAX_JSON_VALUES: usize = 100_000;

pub fn run(a: RunArgs) -> Outcome {
    let text = std::fs::read_to_string(&a.file)
        .map_err(|e| Failure::input(format!("cannot read {}: {e}", a.file.display())))?;
    crate::ir::parse_mlir(&text).map_err(|e| format!("{}: {e}", a.file.display()))?;
    let params = signature::main_params(&text)?;
    let input_bytes = params
        .iter()
        .try_fold(0usize, |n, p| n.checked_add(p.bytes))
        .unwrap_or(usize::MAX);
    if input_bytes > a.max_input_bytes {
        return Err(Failure::input(format!(
            "the inputs of @main take {input_bytes} bytes, more than --max-input-bytes {}",
            a.max_input_bytes
        )));
    }
    if a.input_npy.len() + a.input.len() > params.len() {
        return Err(Failure::usage(format!(
            "{} inputs given for {} parameters",
            a.input_npy.len() + a.input.len(),
            params.len()
        )));
    }
    let args = params
        .iter()
        .enumerate()
        .map(
            |(i, p)| match (a.input_npy.get(i), i.checked_sub(a.input_npy.len())) {
                (Some(file), _) => load_npy(file, p, i),
                (None, Some(k)) if k < a.input.len() => Ok(p.parse_input(&a.input[k])?),
                _ => Ok(p.random(a.seed + i as u64)),
            },
        )
        .collect::<Outcome<Vec<Array>>>()?;
    let devices = a.devices.unwrap_or_else(|| rjax::module_devices(&text));
    let t = Instant::now();
    let module = rjax::compile_module_on(&text, devices)?;
    let compile_ms = t.elapsed().as_secs_f64() * 1e3;
    let outs = module.run(&args)?;
    let mut outputs = Vec::new();
    for (i, o) in outs.iter().enumerate() {
        o.block_until_ready()?;
        let aval = o.aval()?;
        if a.json {
            let values = (aval.size() <= MAX_JSON_VALUES)
                .then(|| o.astype(DType::F64).to_vec::<f64>())
                .transpose()?;
            outputs.push(json!({ "type": aval.to_string(), "values": values }));
        } else {
            println!("output {i}: {aval} {o}");
        }
    }
    let mut times: Vec<f64> = (0..a.iters)
        .map(|_| {
            let t = Instant::now();
            for o in module.run(&args)? {
                o.block_until_ready()?;
            }
            Ok(t.elapsed().as_secs_f64() * 1e6)
        })
        .collect::<Outcome<_>>()?;
    times.sort_by(f64::total_cmp);
    if a.json {
        let at = |q: usize| times.get(q).copied().map_or(Value::Null, |t| json!(t));
        let report = json!({
            "file": a.file.display().to_string(),
            "devices": devices,
            "outputs": outputs,
            "compile_ms": compile_ms,
            "execute_us": {
                "iters": a.iters,
                "min": at(0),
                "median": at(times.len() / 2),
                "max": at(times.len().saturating_sub(1)),
            },
        });
        println!("{report}");
        return Ok(());
    }
    println!("compile: {compile_ms:.2} ms");
    if let (Some(median), Some(min), Some(max)) =
        (times.get(times.len() / 2), times.first(), times.last())
    {
        println!(
            "execute: {median:.1} us (median of {}; min {min:.1} us, max {max:.1} us)",
            a.iters
        );
    }
    Ok(())
}

/// Parameter `i` from a `.npy` file, which must have its shape and dtype.
fn load_npy(file: &PathBuf, p: &Param, i: usize) -> Outcome<Array> {
    let x = rjax::numpy::load(file)
        .map_err(|e| Failure::input(format!("cannot load {}: {}", file.display(), e.message)))?;
    let aval = x.aval()?;
    if aval.shape != p.shape || aval.dtype != p.dtype {
        return Err(Failure::input(format!(
            "{} holds {aval}, but parameter {i} is {}",
            file.display(),
            rjax::AVal::new(p.shape.clone(), p.dtype)
        )));
    }
    Ok(x)
}
