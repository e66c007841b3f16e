//! Batching of the elementwise primitives.

use super::{Batched, moveaxis, with_batch_axis};
use crate::ops::broadcast;
use rjax_ir::{Primitive, Result, Value};

/// Elementwise primitives: batched operands share one batch axis position;
/// unbatched ones broadcast (rank-0 ones stay scalars, except the cases of
/// a select, which must all have the result's shape).
pub(super) fn elementwise(
    prim: &Primitive,
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Batched> {
    let rank_of = |i: usize| x[i].aval().rank() - usize::from(d[i].is_some());
    let stays_scalar = |i: usize| rank_of(i) == 0 && (i == 0 || *prim != Primitive::Select);
    let out_rank = (0..x.len()).map(rank_of).max().unwrap_or(0);
    let target = (0..x.len())
        .find(|&i| d[i].is_some() && rank_of(i) == out_rank)
        .and_then(|i| d[i])
        .unwrap_or(0);
    let out_shape = {
        let i = (0..x.len()).find(|&i| rank_of(i) == out_rank).unwrap_or(0);
        let mut s = x[i].aval().shape;
        if let Some(b) = d[i] {
            s.remove(b);
        }
        s.insert(target, size);
        s
    };
    let args = (0..x.len())
        .map(|i| match d[i] {
            Some(b) if rank_of(i) == out_rank => moveaxis(&x[i], b, target),
            Some(_) => broadcast(&x[i], &out_shape, &[target]),
            None if stays_scalar(i) => Ok(x[i].clone()),
            None => with_batch_axis(&x[i], None, size, target),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(rjax_ir::bind(prim, &args)?
        .into_iter()
        .map(|v| (v, Some(target)))
        .collect())
}
