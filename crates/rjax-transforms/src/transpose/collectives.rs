//! Transposes of the data-movement collectives, all linear: each moves
//! the cotangent back the way the value came.

use super::not_linear;
use crate::ops::reshape;
use rjax_ir::primitive::ReduceOp;
use rjax_ir::{AVal, Primitive, Result, Value, bind1};

/// A `psum` is its own transpose; the other all-reduces are not linear.
pub(super) fn all_reduce(op: ReduceOp, prim: &Primitive, ct: &Value) -> Result<Value> {
    match op {
        ReduceOp::Sum => bind1(prim, std::slice::from_ref(ct)),
        ReduceOp::Max
        | ReduceOp::Min
        | ReduceOp::Prod
        | ReduceOp::And
        | ReduceOp::Or
        | ReduceOp::Xor => Err(not_linear(prim)),
    }
}

/// Send each member's cotangent back to where its value came from.
pub(super) fn ppermute(axis_name: &str, perm: &[(usize, usize)], ct: &Value) -> Result<Value> {
    let back = Primitive::Ppermute {
        axis_name: axis_name.to_string(),
        perm: perm.iter().map(|&(s, d)| (d, s)).collect(),
    };
    bind1(&back, std::slice::from_ref(ct))
}

/// An all-to-all with the split and concat axes exchanged.
pub(super) fn all_to_all(
    axis_name: &str,
    (split_axis, concat_axis): (usize, usize),
    axis_size: usize,
    ct: &Value,
) -> Result<Value> {
    let back = Primitive::AllToAll {
        axis_name: axis_name.to_string(),
        split_axis: concat_axis,
        concat_axis: split_axis,
        axis_size,
    };
    bind1(&back, std::slice::from_ref(ct))
}

/// Every member's chunk of the cotangent gathered back together.
pub(super) fn psum_scatter(
    axis_name: &str,
    scatter_dimension: usize,
    axis_size: usize,
    ct: &Value,
) -> Result<Value> {
    let back = Primitive::AllGather {
        axis_name: axis_name.to_string(),
        axis: scatter_dimension,
        tiled: true,
        axis_size,
    };
    bind1(&back, std::slice::from_ref(ct))
}

/// The cotangent summed over the members, each keeping its own chunk.
pub(super) fn all_gather(
    axis_name: &str,
    axis: usize,
    axis_size: usize,
    operand: &AVal,
    ct: &Value,
) -> Result<Value> {
    let back = Primitive::PsumScatter {
        axis_name: axis_name.to_string(),
        scatter_dimension: axis,
        axis_size,
    };
    let scattered = bind1(&back, std::slice::from_ref(ct))?;
    reshape(&scattered, &operand.shape)
}
