//! `gather` and `scatter` as `stablehlo.gather` / `stablehlo.scatter`.

use crate::emitter::Emitter;
use crate::rules::list;
use crate::types::tensor_type;
use rjax_ir::primitive::ReduceOp;
use rjax_ir::{AVal, IndexDims, ScatterOp};

/// The dimension-number fields in StableHLO's order, with StableHLO's names
/// (`fields[i]` names the `i`-th of window, collapsed, operand batching,
/// indices batching, index map); empty lists are left out.
fn dimension_numbers(d: &IndexDims, fields: [&str; 5]) -> String {
    let values = [
        &d.window_dims,
        &d.collapsed_dims,
        &d.operand_batching_dims,
        &d.indices_batching_dims,
        &d.index_map,
    ];
    let mut parts: Vec<String> = fields
        .iter()
        .zip(values)
        .filter(|(_, v)| !v.is_empty())
        .map(|(f, v)| format!("{f} = {}", list(v)))
        .collect();
    parts.push(format!("index_vector_dim = {}", d.index_vector_dim));
    parts.join(", ")
}

pub(crate) fn gather(
    e: &mut Emitter,
    operands: &[String],
    ins: &[AVal],
    out: &AVal,
    dims: &IndexDims,
    slice_sizes: &[usize],
) -> String {
    let numbers = dimension_numbers(
        dims,
        [
            "offset_dims",
            "collapsed_slice_dims",
            "operand_batching_dims",
            "start_indices_batching_dims",
            "start_index_map",
        ],
    );
    let sizes: Vec<String> = slice_sizes.iter().map(usize::to_string).collect();
    e.op(format!(
        "\"stablehlo.gather\"({}, {}) {{dimension_numbers = #stablehlo.gather<{numbers}>, slice_sizes = array<i64: {}>, indices_are_sorted = false}} : ({}, {}) -> {}",
        operands[0],
        operands[1],
        sizes.join(", "),
        tensor_type(&ins[0]),
        tensor_type(&ins[1]),
        tensor_type(out)
    ))
}

pub(crate) fn scatter(
    e: &mut Emitter,
    operands: &[String],
    ins: &[AVal],
    dims: &IndexDims,
    op: ScatterOp,
) -> String {
    let numbers = dimension_numbers(
        dims,
        [
            "update_window_dims",
            "inserted_window_dims",
            "input_batching_dims",
            "scatter_indices_batching_dims",
            "scatter_dims_to_operand_dims",
        ],
    );
    let scalar = tensor_type(&AVal::scalar(ins[0].dtype));
    let combine = match op {
        ScatterOp::Set => None,
        ScatterOp::Add => Some(ReduceOp::Sum),
        ScatterOp::Mul => Some(ReduceOp::Prod),
        ScatterOp::Min => Some(ReduceOp::Min),
        ScatterOp::Max => Some(ReduceOp::Max),
    };
    let result = e.fresh();
    e.line(format!(
        "{result} = \"stablehlo.scatter\"({}) ({{",
        operands.join(", ")
    ));
    e.line(format!("^bb0(%old: {scalar}, %new: {scalar}):"));
    let value = match combine {
        None => "%new",
        Some(r) => {
            let body = crate::rules::reduce_body(r, ins[0].dtype);
            e.line(format!("  %combined = {body} %old, %new : {scalar}"));
            "%combined"
        }
    };
    e.line(format!("  stablehlo.return {value} : {scalar}"));
    let types: Vec<String> = ins.iter().map(tensor_type).collect();
    e.line(format!(
        "}}) {{scatter_dimension_numbers = #stablehlo.scatter<{numbers}>, indices_are_sorted = false, unique_indices = false}} : ({}) -> {}",
        types.join(", "),
        tensor_type(&ins[0])
    ));
    result
}
