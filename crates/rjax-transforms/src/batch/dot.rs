//! Batching of `dot_general`: batch axes become dot_general batch or free
//! dimensions.

use super::{Batched, bind1};
use rjax_ir::{DotDims, Primitive, Result, Value};

/// dot_general with batched operands, keeping batch axes in place: a
/// batched pair becomes a dot_general batch dimension; a one-sided batch
/// axis becomes a free dimension.
pub(super) fn dot_general(
    dims: &DotDims,
    pref: Option<rjax_ir::DType>,
    x: &[Value],
    d: &[Option<usize>],
) -> Result<Batched> {
    let shift = |v: &[usize], b: Option<usize>| -> Vec<usize> {
        v.iter()
            .map(|&i| match b {
                Some(b) if i >= b => i + 1,
                _ => i,
            })
            .collect()
    };
    let mut nd = DotDims {
        lhs_contracting: shift(&dims.lhs_contracting, d[0]),
        rhs_contracting: shift(&dims.rhs_contracting, d[1]),
        lhs_batch: shift(&dims.lhs_batch, d[0]),
        rhs_batch: shift(&dims.rhs_batch, d[1]),
    };
    let prim = |nd: DotDims| Primitive::DotGeneral {
        dims: nd,
        preferred_element_type: pref,
    };
    match (d[0], d[1]) {
        (Some(bl), Some(br)) => {
            nd.lhs_batch.insert(0, bl);
            nd.rhs_batch.insert(0, br);
            Ok(vec![(bind1(&prim(nd), x)?, Some(0))])
        }
        (Some(bl), None) => {
            let free_before = (0..bl)
                .filter(|i| !nd.lhs_contracting.contains(i) && !nd.lhs_batch.contains(i))
                .count();
            let out = nd.lhs_batch.len() + free_before;
            Ok(vec![(bind1(&prim(nd), x)?, Some(out))])
        }
        (None, Some(br)) => {
            let lhs_rank = x[0].aval().rank();
            let lhs_free = lhs_rank - nd.lhs_contracting.len() - nd.lhs_batch.len();
            let free_before = (0..br)
                .filter(|i| !nd.rhs_contracting.contains(i) && !nd.rhs_batch.contains(i))
                .count();
            let out = nd.lhs_batch.len() + lhs_free + free_before;
            Ok(vec![(bind1(&prim(nd), x)?, Some(out))])
        }
        (None, None) => Ok(vec![(bind1(&prim(nd), x)?, None)]),
    }
}
