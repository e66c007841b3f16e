//! Lowering of products, convolutions and triangular linear algebra.

use super::Site;
use crate::emitter::Emitter;
use crate::rules::list;
use crate::types::tensor_type;
use rjax_ir::{AVal, ConvParams, DotDims, TriangularSolveParams};

pub(super) fn dot_general(e: &mut Emitter, s: &Site, dims: &DotDims) -> String {
    if dims.lhs_contracting.iter().all(|&d| s.ins[0].shape[d] == 1) {
        return outer_product(e, s.operands, s.ins, dims, s.out);
    }
    let batch = if dims.lhs_batch.is_empty() {
        String::new()
    } else {
        format!(
            "batching_dims = {} x {}, ",
            list(&dims.lhs_batch),
            list(&dims.rhs_batch)
        )
    };
    e.op(format!(
        "stablehlo.dot_general {}, {}, {batch}contracting_dims = {} x {} : {}",
        s.x,
        s.operands[1],
        list(&dims.lhs_contracting),
        list(&dims.rhs_contracting),
        s.sig()
    ))
}

pub(super) fn conv(e: &mut Emitter, s: &Site, p: &ConvParams) -> String {
    let d = &p.dims;
    let pads: Vec<String> = p
        .padding
        .iter()
        .map(|(l, h)| format!("[{l}, {h}]"))
        .collect();
    e.op(format!(
        "stablehlo.convolution({}, {}) dim_numbers = {}x{}->{}, window = {{stride = {}, pad = [{}], lhs_dilate = {}, rhs_dilate = {}}} {{batch_group_count = {} : i64, feature_group_count = {} : i64}} : {}",
        s.x,
        s.operands[1],
        d.lhs.mlir('b', 'f'),
        d.rhs.mlir('o', 'i'),
        d.out.mlir('b', 'f'),
        list(&p.window_strides),
        pads.join(", "),
        list(&p.lhs_dilation),
        list(&p.rhs_dilation),
        p.batch_group_count,
        p.feature_group_count,
        s.sig()
    ))
}

pub(super) fn triangular_solve(e: &mut Emitter, s: &Site, p: &TriangularSolveParams) -> String {
    let TriangularSolveParams {
        left_side,
        lower,
        transpose_a,
        unit_diagonal,
    } = p;
    e.op(format!(
        "\"stablehlo.triangular_solve\"({}, {}) {{left_side = {left_side}, lower = {lower}, unit_diagonal = {unit_diagonal}, transpose_a = #stablehlo<transpose {}>}} : {}",
        s.x,
        s.operands[1],
        if *transpose_a { "TRANSPOSE" } else { "NO_TRANSPOSE" },
        s.sig()
    ))
}

/// A dot_general that contracts nothing (or only size-1 axes) is an outer
/// product: lower it to broadcasts and one multiply, which XLA fuses into a
/// single loop, instead of a matrix product with an inner dimension of 1
/// (slow on XLA's CPU backend; per-example gradients are full of them).
fn outer_product(
    e: &mut Emitter,
    operands: &[String],
    ins: &[AVal],
    dims: &DotDims,
    out: &AVal,
) -> String {
    let nb = dims.lhs_batch.len();
    let lhs_free = (0..ins[0].rank())
        .filter(|i| !dims.lhs_batch.contains(i) && !dims.lhs_contracting.contains(i))
        .count();
    let side = |e: &mut Emitter,
                i: usize,
                batch: &[usize],
                contracting: &[usize],
                placed: Vec<usize>|
     -> String {
        let a = &ins[i];
        let free: Vec<usize> = (0..a.rank())
            .filter(|d| !batch.contains(d) && !contracting.contains(d))
            .collect();
        let order: Vec<usize> = batch
            .iter()
            .chain(&free)
            .chain(contracting)
            .copied()
            .collect();
        let mut v = operands[i].clone();
        let mut cur = a.clone();
        if order.iter().enumerate().any(|(k, &d)| k != d) {
            let t = cur.with_shape(order.iter().map(|&d| a.shape[d]).collect());
            v = e.op(format!(
                "stablehlo.transpose {v}, dims = {} : ({}) -> {}",
                list(&order),
                tensor_type(&cur),
                tensor_type(&t)
            ));
            cur = t;
        }
        let kept = cur.with_shape(cur.shape[..batch.len() + free.len()].to_vec());
        if kept.shape != cur.shape {
            v = e.reshape(&v, &cur, &kept);
            cur = kept;
        }
        let target = out.with_dtype(cur.dtype);
        e.op(format!(
            "stablehlo.broadcast_in_dim {v}, dims = {} : ({}) -> {}",
            list(&placed),
            tensor_type(&cur),
            tensor_type(&target)
        ))
    };
    let lhs_placed: Vec<usize> = (0..nb + lhs_free).collect();
    let rhs_free = out.rank() - nb - lhs_free;
    let rhs_placed: Vec<usize> = (0..nb)
        .chain(nb + lhs_free..nb + lhs_free + rhs_free)
        .collect();
    let l = side(e, 0, &dims.lhs_batch, &dims.lhs_contracting, lhs_placed);
    let r = side(e, 1, &dims.rhs_batch, &dims.rhs_contracting, rhs_placed);
    let (l, r) = if ins[0].dtype == out.dtype {
        (l, r)
    } else {
        let from = out.with_dtype(ins[0].dtype);
        let conv = |e: &mut Emitter, v: String| {
            e.op(format!(
                "stablehlo.convert {v} : ({}) -> {}",
                tensor_type(&from),
                tensor_type(out)
            ))
        };
        (conv(e, l), conv(e, r))
    };
    e.op(format!(
        "stablehlo.multiply {l}, {r} : {}",
        tensor_type(out)
    ))
}
