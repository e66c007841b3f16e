//! numpy's covariance and correlation matrices: `cov` and `corrcoef`.

use super::{atleast_2d, fallible, matmul, mean, sqrt, swapaxes, to_float};
use crate::Array;

/// The covariance matrix of the variables in the rows of `m` (the columns
/// when `rowvar` is false), normalized by `N - ddof` (numpy's default
/// `ddof` is 1).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let m = Array::from_slice(&[0.0f32, 1.0, 2.0, 2.0, 1.0, 0.0], &[2, 3]);
/// assert_eq!(jnp::cov(&m, true, 1).to_vec::<f32>().unwrap(), vec![1.0, -1.0, -1.0, 1.0]);
/// ```
#[track_caller]
pub fn cov(m: &Array, rowvar: bool, ddof: usize) -> Array {
    fallible(|| {
        let m = atleast_2d(&to_float(m));
        let x = if rowvar { m } else { swapaxes(&m, 0, 1) };
        let n = x.shape()?[1];
        let centred = &x - &mean(&x, 1, true);
        let products = matmul(&centred, &swapaxes(&centred, 0, 1));
        Ok(&products / (n as f64 - ddof as f64))
    })
}

/// The correlation coefficients: [`cov`] scaled by the standard
/// deviations, clipped to `[-1, 1]`.
#[track_caller]
pub fn corrcoef(x: &Array, rowvar: bool) -> Array {
    fallible(|| {
        let c = cov(x, rowvar, 1);
        let d = sqrt(&super::diagonal(&c, 0, 0, 1));
        let scaled = &(&c / &super::expand_dims(&d, 1)) / &super::expand_dims(&d, 0);
        Ok(super::clip(
            &scaled,
            Some(&Array::weak(-1.0)),
            Some(&Array::weak(1.0)),
        ))
    })
}
