//! Lowering of reductions: `reduce` with its monoid, and argmax/argmin.

use super::Site;
use crate::emitter::Emitter;
use crate::rules::{comparison_type, list};
use crate::types::tensor_type;
use rjax_ir::primitive::{ArgOp, ReduceOp};
use rjax_ir::{AVal, DType, Literal};

pub(super) fn reduce(e: &mut Emitter, s: &Site, op: ReduceOp, axes: &[usize]) -> String {
    let x = &s.x;
    let init = e.constant(&reduce_init(op, s.ins[0].dtype));
    let t_init = tensor_type(&AVal::scalar(s.ins[0].dtype));
    e.op(format!(
        "stablehlo.reduce({x} init: {init}) applies {} across dimensions = {} : ({}, {t_init}) -> {}",
        reduce_body(op, s.ins[0].dtype),
        list(axes),
        tensor_type(&s.ins[0]),
        s.t_out
    ))
}

/// The identity of a reduction's monoid.
fn reduce_init(op: ReduceOp, d: DType) -> Literal {
    let extreme = |max: bool| match d {
        DType::Bool => Literal::bool(max),
        d if d.is_float() => Literal::float(
            if max {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            },
            d,
            false,
        ),
        d if d.is_unsigned_int() => {
            if max {
                Literal {
                    dtype: d,
                    weak: false,
                    value: rjax_ir::Scalar::UInt(u64::MAX),
                }
                .cast(d)
            } else {
                Literal::int(0, d, false)
            }
        }
        d => {
            // The dtype's own extremes: i64's, cast, would wrap to -1 and 0.
            let (lowest, highest) = match d {
                DType::I8 => (i8::MIN as i64, i8::MAX as i64),
                DType::I16 => (i16::MIN as i64, i16::MAX as i64),
                DType::I32 => (i32::MIN as i64, i32::MAX as i64),
                _ => (i64::MIN, i64::MAX),
            };
            Literal::int(if max { highest } else { lowest }, d, false)
        }
    };
    match op {
        ReduceOp::Sum => Literal::int(0, d, false),
        ReduceOp::Prod => Literal::int(1, d, false),
        ReduceOp::Max => extreme(false),
        ReduceOp::Min => extreme(true),
        ReduceOp::Or | ReduceOp::Xor => Literal::int(0, d, false).cast(d),
        // All bits set.
        ReduceOp::And => Literal::int(-1, d, false).cast(d),
    }
}

/// The combining operation of a reduction (bool sums are `or`, products
/// `and`), shared by reductions and all-reduces.
pub(crate) fn reduce_body(op: ReduceOp, d: DType) -> &'static str {
    match (op, d) {
        (ReduceOp::Sum, DType::Bool) | (ReduceOp::Max, DType::Bool) => "stablehlo.or",
        (ReduceOp::Prod, DType::Bool) | (ReduceOp::Min, DType::Bool) => "stablehlo.and",
        (ReduceOp::Sum, _) => "stablehlo.add",
        (ReduceOp::Prod, _) => "stablehlo.multiply",
        (ReduceOp::Max, _) => "stablehlo.maximum",
        (ReduceOp::Min, _) => "stablehlo.minimum",
        (ReduceOp::And, _) => "stablehlo.and",
        (ReduceOp::Or, _) => "stablehlo.or",
        (ReduceOp::Xor, _) => "stablehlo.xor",
    }
}

/// argmax/argmin: a two-operand reduce over (value, index) that keeps the
/// first extreme index, with NaN counting as the extreme (as JAX does).
pub(super) fn arg_reduce(
    e: &mut Emitter,
    x: &str,
    xa: &AVal,
    op: ArgOp,
    axis: usize,
    index_dtype: DType,
    out: &AVal,
) -> String {
    let idx_aval = xa.with_dtype(index_dtype);
    let iota = e.op(format!(
        "stablehlo.iota dim = {axis} : {}",
        tensor_type(&idx_aval)
    ));
    let init_v = e.constant(&reduce_init(
        if op == ArgOp::ArgMax {
            ReduceOp::Max
        } else {
            ReduceOp::Min
        },
        xa.dtype,
    ));
    let init_i = e.constant(&Literal::int(0, index_dtype, false));
    let (tv, ti) = (
        tensor_type(&AVal::scalar(xa.dtype)),
        tensor_type(&AVal::scalar(index_dtype)),
    );
    let bool_t = "tensor<i1>";
    let result = e.fresh();
    let dir = if op == ArgOp::ArgMax { "GT" } else { "LT" };
    let cmp_ty = comparison_type(xa.dtype);
    let mut body = vec![format!(
        "%better = stablehlo.compare  {dir}, %a, %b,  {cmp_ty} : ({tv}, {tv}) -> {bool_t}"
    )];
    if xa.dtype.is_float() {
        body.push(format!(
            "%nan = stablehlo.compare  NE, %a, %a,  FLOAT : ({tv}, {tv}) -> {bool_t}"
        ));
        body.push(format!("%pick0 = stablehlo.or %better, %nan : {bool_t}"));
    } else {
        body.push(format!("%pick0 = stablehlo.or %better, %better : {bool_t}"));
    }
    body.extend([
        format!("%eq = stablehlo.compare  EQ, %a, %b,  {cmp_ty} : ({tv}, {tv}) -> {bool_t}"),
        format!(
            "%first = stablehlo.compare  LT, %ia, %ib,  {} : ({ti}, {ti}) -> {bool_t}",
            comparison_type(index_dtype)
        ),
        format!("%tie = stablehlo.and %eq, %first : {bool_t}"),
        format!("%pick = stablehlo.or %pick0, %tie : {bool_t}"),
        format!("%v = stablehlo.select %pick, %a, %b : {bool_t}, {tv}"),
        format!("%i = stablehlo.select %pick, %ia, %ib : {bool_t}, {ti}"),
        format!("stablehlo.return %v, %i : {tv}, {ti}"),
    ]);
    let out_v = out.with_dtype(xa.dtype);
    e.line(format!(
        "{result}:2 = stablehlo.reduce({x} init: {init_v}), ({iota} init: {init_i}) across dimensions = [{axis}] : ({}, {}, {tv}, {ti}) -> ({}, {})",
        tensor_type(xa),
        tensor_type(&idx_aval),
        tensor_type(&out_v),
        tensor_type(out)
    ));
    e.line(format!(
        " reducer(%a: {tv}, %b: {tv}) (%ia: {ti}, %ib: {ti}) {{"
    ));
    for l in body {
        e.line(format!("  {l}"));
    }
    e.line(" }");
    format!("{result}#1")
}
