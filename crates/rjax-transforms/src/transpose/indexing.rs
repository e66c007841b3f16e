//! Transposes of gathers and scatters: a gather is linear in its
//! operand, a scatter-add in its operand and updates, a scatter-multiply
//! in its operand (the updates known).

use super::{Operand, not_linear};
use rjax_ir::{IndexDims, Primitive, Result, ScatterOp, Value};

/// The cotangent scattered back (added) where the gather read.
pub(super) fn gather(
    dims: &IndexDims,
    slice_sizes: &[usize],
    prim: &Primitive,
    x: &[Operand],
    ct: &Value,
) -> Result<Vec<Option<Value>>> {
    let indices = x[1].known(prim)?;
    let t = crate::gather::gather_transpose(dims, slice_sizes, ct, &x[0].aval(), indices)?;
    Ok(vec![Some(t), None])
}

pub(super) fn scatter(
    dims: &IndexDims,
    op: ScatterOp,
    prim: &Primitive,
    x: &[Operand],
    ct: &Value,
) -> Result<Vec<Option<Value>>> {
    let indices = x[1].known(prim)?;
    match op {
        ScatterOp::Add => {
            let updates = x[2]
                .is_linear()
                .then(|| {
                    crate::gather::scatter_add_updates_transpose(dims, ct, indices, &x[2].aval())
                })
                .transpose()?;
            Ok(vec![x[0].is_linear().then(|| ct.clone()), None, updates])
        }
        ScatterOp::Mul if !x[2].is_linear() => {
            let updates = x[2].known(prim)?;
            let t = crate::gather::scatter_mul_transpose(dims, ct, indices, updates)?;
            Ok(vec![Some(t), None, None])
        }
        ScatterOp::Mul | ScatterOp::Set | ScatterOp::Min | ScatterOp::Max => Err(not_linear(prim)),
    }
}
