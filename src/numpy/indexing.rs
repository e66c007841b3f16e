//! `take` and `take_along_axis`: gathers along one axis.

use super::shape::axis_of;
use super::{fallible, ravel};
use crate::indexing::{Index, IndexMode, read};
use crate::{Array, Error, ErrorKind, lax, location};
use rjax_ir::DType;
use rjax_ir::broadcast_shapes;

/// Elements of `a` at `indices` along `axis` (of the flattened array for
/// `None`); the indices' axes replace that axis. Negative indices count
/// from the end. JAX's default mode is [`IndexMode::Fill`].
///
/// ```
/// use rjax::{Array, numpy as jnp, indexing::IndexMode};
/// let x = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]);
/// let i = Array::from_slice(&[1i32, -1, 5], &[3]);
/// let y = jnp::take(&x, &i, Some(1), IndexMode::Fill);
/// assert_eq!(y.shape().unwrap(), [2, 3]);
/// assert!(y.to_vec::<f32>().unwrap()[2].is_nan());
/// ```
#[track_caller]
pub fn take(a: &Array, indices: &Array, axis: Option<i64>, mode: IndexMode) -> Array {
    fallible(|| {
        let (a, axis) = match axis {
            None => (ravel(a), 0),
            Some(axis) => (a.clone(), axis_of("take", a, axis)?),
        };
        let mut index = vec![Index::from(..); axis];
        index.push(Index::Array(indices.clone()));
        Ok(read(&a, &index, mode))
    })
}

/// Elements of `arr` at `indices` along `axis`, the other axes matched up
/// (broadcasting): `out[i, j] = arr[i, indices[i, j]]` for `axis = 1`.
///
/// ```
/// use rjax::{Array, numpy as jnp, indexing::IndexMode};
/// let x = Array::from_slice(&[10.0f32, 20.0, 30.0, 40.0], &[2, 2]);
/// let i = Array::from_slice(&[1i32, 0], &[2, 1]);
/// let y = jnp::take_along_axis(&x, &i, 1, IndexMode::Fill);
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![20.0, 30.0]);
/// ```
#[track_caller]
pub fn take_along_axis(arr: &Array, indices: &Array, axis: i64, mode: IndexMode) -> Array {
    fallible(|| {
        let axis = axis_of("take_along_axis", arr, axis)?;
        let (a, i) = (arr.aval()?, indices.aval()?);
        let mismatch = || {
            Error::new(
                ErrorKind::Shape,
                "take_along_axis",
                format!(
                    "indices {:?} do not match array {:?} outside axis {axis}",
                    i.shape, a.shape
                ),
            )
            .with_operands(vec![a.clone(), i.clone()])
            .at(location::current())
        };
        if i.rank() != a.rank() {
            return Err(mismatch());
        }
        let mut index = Vec::new();
        for d in 0..a.rank() {
            if d == axis {
                index.push(Index::Array(indices.clone()));
                continue;
            }
            let n = broadcast_shapes(&[a.shape[d]], &[i.shape[d]]).ok_or_else(mismatch)?[0];
            let mut shape = vec![1; a.rank()];
            shape[d] = n;
            // Every position along an axis of the array's full length; the
            // only position of a length-1 axis broadcast against the indices.
            let positions = if a.shape[d] == n {
                lax::iota(DType::I32, &[n], 0)
            } else {
                lax::broadcast_in_dim(&Array::scalar(0i32), &[n], &[])
            };
            index.push(Index::Array(lax::reshape(&positions, &shape)));
        }
        Ok(read(arr, &index, mode))
    })
}
