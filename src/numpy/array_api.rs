//! Functions of the Python array API standard that JAX's numpy exports:
//! `matrix_transpose`, `vecdot`, `matvec`, `vecmat`, `cumulative_sum` and
//! `cumulative_prod`.

use super::{
    concatenate, cumprod, cumsum, expand_dims, fallible, matmul, squeeze, sum, swapaxes, zeros_like,
};
use crate::{Array, lax};

/// Swap the last two axes.
#[track_caller]
pub fn matrix_transpose(x: &Array) -> Array {
    swapaxes(x, -1, -2)
}

/// `Σ x · y` along `axis`, broadcasting the other axes.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let a = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
/// assert_eq!(jnp::vecdot(&a, &a, -1).item::<f32>().unwrap(), 14.0);
/// ```
#[track_caller]
pub fn vecdot(x: &Array, y: &Array, axis: i64) -> Array {
    sum(&(x * y), axis, false)
}

/// The matrix-vector product over the last axes: `[..., m, n] × [..., n]
/// → [..., m]`.
#[track_caller]
pub fn matvec(a: &Array, v: &Array) -> Array {
    squeeze(&matmul(a, &expand_dims(v, -1)), -1)
}

/// The vector-matrix product over the last axes: `[..., m] × [..., m, n]
/// → [..., n]`.
#[track_caller]
pub fn vecmat(v: &Array, a: &Array) -> Array {
    squeeze(&matmul(&expand_dims(v, -2), a), -2)
}

/// The running sum along `axis`, with a leading 0 when `include_initial`.
#[track_caller]
pub fn cumulative_sum(x: &Array, axis: i64, include_initial: bool) -> Array {
    with_initial(&cumsum(x, Some(axis)), axis, include_initial, 0.0)
}

/// The running product along `axis`, with a leading 1 when
/// `include_initial`.
#[track_caller]
pub fn cumulative_prod(x: &Array, axis: i64, include_initial: bool) -> Array {
    with_initial(&cumprod(x, Some(axis)), axis, include_initial, 1.0)
}

#[track_caller]
fn with_initial(running: &Array, axis: i64, include_initial: bool, initial: f64) -> Array {
    if !include_initial {
        return running.clone();
    }
    fallible(|| {
        let first = lax::index_in_dim(running, 0, axis, true);
        let initial = &zeros_like(&first, None) + initial;
        Ok(concatenate(&[initial, running.clone()], axis))
    })
}
