//! Collectives over the batch axis itself: communication across the
//! members of the batch, which are all here, stacked.

use super::{Batched, bind1, moveaxis, with_batch_axis};
use crate::ops::{self, reduce_sum, reshape, zeros};
use rjax_ir::primitive::{BinaryOp, ReduceOp};
use rjax_ir::{DType, Primitive, Result, Value};

/// The reduction over the batch axis, the same for every member.
pub(super) fn all_reduce_here(
    op: ReduceOp,
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Batched> {
    let v = match (d[0], op) {
        (Some(b), op) => bind1(&Primitive::Reduce { op, axes: vec![b] }, &x[..1])?,
        (None, ReduceOp::Sum) => ops::mul(&x[0], &ops::scalar(size as f64, x[0].aval().dtype))?,
        (None, ReduceOp::Prod) => bind1(
            &Primitive::Binary(BinaryOp::Pow),
            &[x[0].clone(), ops::scalar(size as f64, x[0].aval().dtype)],
        )?,
        (None, ReduceOp::Max | ReduceOp::Min | ReduceOp::And | ReduceOp::Or | ReduceOp::Xor) => {
            x[0].clone()
        }
    };
    Ok(vec![(v, None)])
}

/// The members stacked (or concatenated, `tiled`) at `axis`, the same for
/// every member.
pub(super) fn all_gather_here(
    axis: usize,
    tiled: bool,
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Batched> {
    let v = with_batch_axis(&x[0], d[0], size, axis)?;
    let v = if tiled {
        let mut shape = v.aval().shape;
        let merged = shape[axis] * shape[axis + 1];
        shape.splice(axis..axis + 2, [merged]);
        reshape(&v, &shape)?
    } else {
        v
    };
    Ok(vec![(v, None)])
}

/// Each member's index: an iota along the batch axis.
pub(super) fn axis_index_here(size: usize) -> Result<Batched> {
    let iota = Primitive::Iota {
        dtype: DType::I32,
        shape: vec![size],
        dimension: 0,
    };
    Ok(vec![(bind1(&iota, &[])?, Some(0))])
}

/// The members stacked along axis 0 of `x[0]` (batched or not).
fn stacked(x: &[Value], d: &[Option<usize>], size: usize) -> Result<Value> {
    with_batch_axis(&x[0], d[0], size, 0)
}

/// Member `i` of the stack `v`, keeping its axis 0 (of length 1).
fn member(v: &Value, i: usize) -> Result<Value> {
    let a = v.aval();
    let mut start = vec![0; a.rank()];
    let mut limit = a.shape.clone();
    start[0] = i;
    limit[0] = i + 1;
    bind1(
        &Primitive::Slice {
            start,
            limit,
            strides: vec![1; a.rank()],
        },
        std::slice::from_ref(v),
    )
}

/// Member `dst` of each pair takes member `src`'s value; the others zeros.
pub(super) fn ppermute_here(
    perm: &[(usize, usize)],
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Batched> {
    let v = stacked(x, d, size)?;
    let a = v.aval();
    let parts = (0..size)
        .map(|dst| match perm.iter().find(|p| p.1 == dst) {
            Some(&(src, _)) => member(&v, src),
            None => zeros(&a.with_shape([&[1][..], &a.shape[1..]].concat())),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(vec![(
        bind1(&Primitive::Concatenate { dimension: 0 }, &parts)?,
        Some(0),
    )])
}

/// Chunk `j` of every member's split axis goes to member `j`, and the
/// chunks arriving concatenate along the concat axis.
pub(super) fn all_to_all_here(
    (split_axis, concat_axis): (usize, usize),
    x: &[Value],
    d: &[Option<usize>],
    n: usize,
) -> Result<Batched> {
    let v = stacked(x, d, n)?;
    // Member axis i, then the member's axes with the split axis cut into
    // (destination j, chunk): move j to the front, then i next to the
    // concat axis and merge them.
    let (s, c) = (split_axis + 1, concat_axis + 1);
    let mut shape = v.aval().shape;
    let chunk = shape[s] / n;
    shape.splice(s..=s, [n, chunk]);
    let y = moveaxis(&reshape(&v, &shape)?, s, 0)?;
    let y = moveaxis(&y, 1, c)?;
    let mut merged = y.aval().shape;
    let joined = merged[c] * merged[c + 1];
    merged.splice(c..=c + 1, [joined]);
    Ok(vec![(reshape(&y, &merged)?, Some(0))])
}

/// The sum over the members, of which member `j` keeps chunk `j`.
pub(super) fn psum_scatter_here(
    scatter_dimension: usize,
    x: &[Value],
    d: &[Option<usize>],
    n: usize,
) -> Result<Batched> {
    let total = reduce_sum(&stacked(x, d, n)?, &[0])?;
    let mut shape = total.aval().shape;
    let chunk = shape[scatter_dimension] / n;
    shape.splice(scatter_dimension..=scatter_dimension, [n, chunk]);
    let v = moveaxis(&reshape(&total, &shape)?, scatter_dimension, 0)?;
    Ok(vec![(v, Some(0))])
}
