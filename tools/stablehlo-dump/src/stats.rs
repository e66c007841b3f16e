//! `stats`: what a program is made of and what XLA says it costs.

use crate::cost;
use crate::failure::{Failure, Outcome};
use crate::ir::{self, Function};
use crate::source::Program;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// The statistics of `program` as JSON (what `--json` prints and the text
/// report is made from).
pub fn stats(program: &Program) -> Outcome<Value> {
    let functions = ir::parse_mlir(&program.stablehlo)
        .map_err(|e| Failure::input(format!("{}: {e}", program.label)))?;
    let main = functions
        .iter()
        .find(|f| f.name == "main")
        .ok_or_else(|| Failure::input(format!("{}: the module has no @main", program.label)))?;
    let mut ops: BTreeMap<String, usize> = BTreeMap::new();
    for op in functions.iter().flat_map(|f| &f.ops) {
        *ops.entry(op.name.clone()).or_default() += 1;
    }
    let compiled = program.compile()?;
    let mut cost: Map<String, Value> = compiled
        .module
        .cost_analysis()
        .unwrap_or_default()
        .into_iter()
        .filter(|(name, v)| {
            let plain = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            (plain || name == "bytes accessed") && v.is_finite()
        })
        .map(|(name, v)| (name.replace(' ', "_"), json!(v)))
        .collect();
    let optimized = compiled.optimized_hlo.as_deref().map(ir::parse_hlo);
    if cost.contains_key("flops") {
        cost.insert("source".into(), json!("xla"));
    } else {
        let (flops, transcendentals) = cost::flops(&functions);
        cost.insert("flops".into(), json!(flops));
        cost.insert("transcendentals".into(), json!(transcendentals));
        if let Some(bytes) = optimized.as_deref().and_then(cost::bytes_accessed) {
            cost.insert("bytes_accessed".into(), json!(bytes));
        }
        cost.insert("source".into(), json!("estimate"));
    }
    let memory = compiled.module.memory_stats()?;
    let report_total = compiled
        .memory_report
        .as_deref()
        .and_then(report_total_bytes);
    let fusions = optimized.as_deref().map(fusions).unwrap_or_default();
    Ok(json!({
        "program": program.label,
        "entry": program.entry,
        "params": main.params.iter().map(|(_, t)| t).collect::<Vec<_>>(),
        "results": main.results,
        "ops": ops,
        "cost": cost,
        "memory": {
            "argument_bytes": memory.argument_bytes,
            "output_bytes": memory.output_bytes,
            "alias_bytes": memory.alias_bytes,
            "temp_bytes": memory.temp_bytes,
            "generated_code_bytes": memory.generated_code_bytes,
            "peak_bytes": if memory.peak_bytes > 0 { Some(memory.peak_bytes) } else { report_total },
        },
        "fusions": fusions,
    }))
}

/// The fusions of optimized HLO, largest (most result bytes, then most
/// fused operations) first.
fn fusions(computations: &[Function]) -> Vec<Value> {
    let Some(entry) = computations.iter().find(|c| c.entry) else {
        return Vec::new();
    };
    let mut out: Vec<((u64, usize), Value)> = entry
        .ops
        .iter()
        .filter(|op| op.name == "fusion")
        .map(|op| {
            let body = op
                .calls
                .as_deref()
                .and_then(|c| computations.iter().find(|f| f.name == c));
            let fused = body.map_or(0, |b| {
                b.ops.iter().filter(|o| o.name != "parameter").count()
            });
            (
                (ir::hlo_shape_bytes(&op.ty), fused),
                json!({
                    "name": op.results[0],
                    "ops": fused,
                    "type": op.ty,
                    "bytes": ir::hlo_shape_bytes(&op.ty),
                }),
            )
        })
        .collect();
    out.sort_by_key(|f| std::cmp::Reverse(f.0));
    out.into_iter().map(|(_, v)| v).collect()
}

/// `Total bytes: N` of XLA's memory-usage report.
fn report_total_bytes(report: &str) -> Option<i64> {
    report
        .lines()
        .find_map(|l| l.trim().strip_prefix("Total bytes:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse().ok())
}

/// The text report of [`stats`]' JSON.
pub fn print(s: &Value, bold: impl Fn(&str) -> String) {
    let list = |v: &Value| {
        v.as_array()
            .map(|a| {
                a.iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .unwrap_or_default()
    };
    println!(
        "{} {}",
        bold("program"),
        s["program"].as_str().unwrap_or("")
    );
    if let Some(at) = s["entry"]["called_at"].as_str() {
        println!("{} {at}", bold("called at"));
    }
    println!("{} {}", bold("params"), list(&s["params"]));
    println!("{} {}", bold("results"), list(&s["results"]));
    let mut ops: Vec<(&String, u64)> = s["ops"]
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| (k, v.as_u64().unwrap_or(0)))
                .collect()
        })
        .unwrap_or_default();
    ops.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    let total: u64 = ops.iter().map(|o| o.1).sum();
    println!("{} {total}", bold("ops"));
    for (name, n) in ops {
        println!("  {n:>6}  {name}");
    }
    let cost = &s["cost"];
    if let Some(f) = cost["flops"].as_f64() {
        let source = match cost["source"].as_str() {
            Some("estimate") => ", estimated from the module",
            _ => ", XLA's cost analysis",
        };
        println!("{} {} ({f}{source})", bold("flops"), si(f, ""));
    }
    if let Some(b) = cost["bytes_accessed"].as_f64() {
        println!("{} {}", bold("bytes accessed"), si(b, "B"));
    }
    if let Some(t) = cost["transcendentals"].as_f64() {
        println!("{} {}", bold("transcendentals"), si(t, ""));
    }
    let m = &s["memory"];
    let bytes = |k: &str| si(m[k].as_f64().unwrap_or(0.0), "B");
    println!(
        "{} arguments {}, outputs {}, aliased {}, temporaries {}, code {}",
        bold("memory"),
        bytes("argument_bytes"),
        bytes("output_bytes"),
        bytes("alias_bytes"),
        bytes("temp_bytes"),
        bytes("generated_code_bytes"),
    );
    if m["peak_bytes"].is_number() {
        println!("{} {}", bold("memory peak"), bytes("peak_bytes"));
    }
    if let Some(fusions) = s["fusions"].as_array().filter(|f| !f.is_empty()) {
        println!("{} {}", bold("fusions"), fusions.len());
        for f in fusions.iter().take(5) {
            println!(
                "  {:>10}  {} {} ({} ops)",
                si(f["bytes"].as_f64().unwrap_or(0.0), "B"),
                f["name"].as_str().unwrap_or(""),
                f["type"].as_str().unwrap_or(""),
                f["ops"]
            );
        }
    }
}

/// `x` with an SI prefix: `35.5M`, `2.1 kB`.
fn si(x: f64, unit: &str) -> String {
    let (v, p) = [(1e12, "T"), (1e9, "G"), (1e6, "M"), (1e3, "k")]
        .into_iter()
        .find(|(scale, _)| x.abs() >= *scale)
        .map_or((x, ""), |(scale, p)| (x / scale, p));
    let sep = if unit.is_empty() { "" } else { " " };
    if p.is_empty() {
        format!("{v}{sep}{unit}")
    } else {
        format!("{v:.2}{sep}{p}{unit}")
    }
}
