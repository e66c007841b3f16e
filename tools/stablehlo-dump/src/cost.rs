//! An estimate of a program's FLOPs and bytes accessed, for plugins whose
//! `PJRT_Executable_GetCostAnalysis` is not implemented (the CPU plugin's
//! is not). It counts as XLA's `HloCostAnalysis` does: two FLOPs per
//! multiply-add of a matmul or convolution, one per element of an
//! elementwise or reduced operation, transcendental functions apart; and
//! bytes as what every top-level instruction of the optimized HLO reads
//! and writes.

use crate::ir::{Function, hlo_shape_bytes};
use std::collections::HashMap;

/// Ops costing one FLOP per result element.
const ELEMENTWISE: &[&str] = &[
    "add",
    "subtract",
    "multiply",
    "divide",
    "remainder",
    "maximum",
    "minimum",
    "negate",
    "abs",
    "sign",
    "compare",
    "select",
    "clamp",
    "and",
    "or",
    "xor",
    "not",
    "floor",
    "ceil",
    "round_nearest_even",
    "round_nearest_afz",
];

/// Ops costing one transcendental per result element.
const TRANSCENDENTAL: &[&str] = &[
    "exponential",
    "exponential_minus_one",
    "log",
    "log_plus_one",
    "logistic",
    "tanh",
    "sine",
    "cosine",
    "tan",
    "sqrt",
    "rsqrt",
    "cbrt",
    "power",
    "atan2",
    "erf",
];

/// (FLOPs, transcendentals) of the operations of a StableHLO module.
pub fn flops(functions: &[Function]) -> (f64, f64) {
    let (mut flops, mut transcendentals) = (0.0, 0.0);
    for op in functions.iter().flat_map(|f| &f.ops) {
        let name = op.name.strip_prefix("stablehlo.").unwrap_or(&op.name);
        let (operands, result) = types(&op.ty);
        let out = elements(result);
        match name {
            "dot_general" => {
                let lhs = operands.first().map_or(&[][..], Vec::as_slice);
                let k: f64 = dims_after(&op.line, "contracting_dims = [")
                    .iter()
                    .filter_map(|&d| lhs.get(d))
                    .product();
                flops += 2.0 * out * k;
            }
            "convolution" => {
                let kernel = operands.get(1).map_or(&[][..], Vec::as_slice);
                let out_features = kernel_output_dim(&op.line)
                    .and_then(|d| kernel.get(d))
                    .copied()
                    .unwrap_or(1.0);
                flops += 2.0 * out * kernel.iter().product::<f64>() / out_features.max(1.0);
            }
            "reduce" => flops += operands.first().map_or(0.0, |t| t.iter().product()),
            n if ELEMENTWISE.contains(&n) => flops += out,
            n if TRANSCENDENTAL.contains(&n) => transcendentals += out,
            _ => {}
        }
    }
    (flops, transcendentals)
}

/// Bytes read and written by the top-level instructions of the entry
/// computation of optimized HLO (a fusion counts its operands and result).
pub fn bytes_accessed(computations: &[Function]) -> Option<f64> {
    let entry = computations.iter().find(|c| c.entry)?;
    let types: HashMap<&str, &str> = entry
        .ops
        .iter()
        .map(|o| (o.results[0].as_str(), o.ty.as_str()))
        .collect();
    let free = [
        "parameter",
        "constant",
        "tuple",
        "get-tuple-element",
        "bitcast",
    ];
    Some(
        entry
            .ops
            .iter()
            .filter(|o| !free.contains(&o.name.as_str()))
            .map(|o| {
                let read: u64 = o
                    .operands
                    .iter()
                    .filter_map(|v| types.get(v.as_str()))
                    .map(|t| hlo_shape_bytes(t))
                    .sum();
                (read + hlo_shape_bytes(&o.ty)) as f64
            })
            .sum(),
    )
}

/// The dimensions of the operand tensor types and of the result type of
/// `(tensor<AxB>, ...) -> tensor<C>` (or of `tensor<C>` alone).
fn types(ty: &str) -> (Vec<Vec<f64>>, &str) {
    match ty.rsplit_once("->") {
        Some((operands, result)) => (
            operands
                .split("tensor<")
                .skip(1)
                .map(|t| dims(t.split('>').next().unwrap_or("")))
                .collect(),
            result,
        ),
        None => (vec![dims(ty.trim().trim_start_matches("tensor<"))], ty),
    }
}

/// The dimensions of a tensor type's body `AxBxf32`.
fn dims(body: &str) -> Vec<f64> {
    let mut parts: Vec<&str> = body.trim_end_matches('>').split('x').collect();
    parts.pop();
    parts.iter().filter_map(|d| d.parse().ok()).collect()
}

/// The element count of the first tensor type in `ty`.
fn elements(ty: &str) -> f64 {
    match ty.find("tensor<") {
        Some(at) => dims(ty[at + 7..].split('>').next().unwrap_or(""))
            .iter()
            .product(),
        None => 0.0,
    }
}

/// The list of integers after `key` in `line`: `[1, 2]` → `[1, 2]`.
fn dims_after(line: &str, key: &str) -> Vec<usize> {
    line.find(key)
        .map(|at| &line[at + key.len()..])
        .and_then(|rest| rest.split(']').next())
        .map(|list| {
            list.split(',')
                .filter_map(|d| d.trim().parse().ok())
                .collect()
        })
        .unwrap_or_default()
}

/// The position of `o` (output features) in a convolution's kernel layout
/// `dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[...]`.
fn kernel_output_dim(line: &str) -> Option<usize> {
    let kernel = line.split("]x[").nth(1)?.split(']').next()?;
    kernel.split(',').position(|d| d.trim() == "o")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matmul_and_convolution_flops() {
        let module = "module @m {\n  func.func public @main(%a: tensor<4x8xf32>, %b: tensor<8x3xf32>, %x: tensor<1x5x5x2xf32>, %w: tensor<3x3x2x6xf32>) -> tensor<4x3xf32> {\n    %0 = stablehlo.dot_general %a, %b, contracting_dims = [1] x [0] : (tensor<4x8xf32>, tensor<8x3xf32>) -> tensor<4x3xf32>\n    %1 = stablehlo.convolution(%x, %w) dim_numbers = [b, 0, 1, f]x[0, 1, i, o]->[b, 0, 1, f], window = {} : (tensor<1x5x5x2xf32>, tensor<3x3x2x6xf32>) -> tensor<1x5x5x6xf32>\n    %2 = stablehlo.tanh %0 : tensor<4x3xf32>\n    return %2 : tensor<4x3xf32>\n  }\n}\n";
        let f = crate::ir::parse_mlir(module).unwrap();
        assert_eq!(
            flops(&f),
            (2.0 * 4.0 * 3.0 * 8.0 + 2.0 * 150.0 * 18.0, 12.0)
        );
    }
}
