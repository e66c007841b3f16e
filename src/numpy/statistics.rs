//! numpy's covariance and correlation matrices, `cov` and `corrcoef`, and
//! the NaN-ignoring quantiles `nanquantile`, `nanpercentile`, `nanmedian`.

use super::shape::axis_of;
use super::{
    atleast_2d, ceil, fallible, floor, isnan, logical_not, matmul, mean, ravel, sqrt, sum,
    swapaxes, take_along_axis, to_float, zeros_like,
};
use crate::indexing::IndexMode;
use crate::{Array, DType, lax};

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

/// The `q`-th quantile along `axis` (of the flattened array for `None`)
/// ignoring NaNs, with linear interpolation; NaN where a slice is all NaN.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let x = Array::from_slice(&[1.0f32, f32::NAN, 3.0, 2.0], &[4]);
/// assert_eq!(jnp::nanquantile(&x, 0.5, None, false).item::<f32>().unwrap(), 2.0);
/// ```
#[track_caller]
pub fn nanquantile(x: &Array, q: f64, axis: Option<i64>, keepdims: bool) -> Array {
    fallible(|| {
        let x = to_float(x);
        let (a, ax) = match axis {
            None => (ravel(&x), 0),
            Some(ax) => (x.clone(), axis_of("nanquantile", &x, ax)?),
        };
        // NaN sorts last: the first `count` elements of each slice are numbers.
        let sorted_x = lax::sort(std::slice::from_ref(&a), ax, true, 1).swap_remove(0);
        let count = sum(
            &logical_not(&isnan(&sorted_x)).astype(a.dtype()?),
            ax as i32,
            true,
        );
        let pos = (&count - 1.0) * q;
        let (low, high) = (floor(&pos), ceil(&pos));
        let high_weight = &pos - &low;
        let last = &count - 1.0;
        let index =
            |p: &Array| lax::max(&lax::min(p, &last), &zeros_like(p, None)).astype(DType::I32);
        let low_value = take_along_axis(&sorted_x, &index(&low), ax as i64, IndexMode::Clip);
        let high_value = take_along_axis(&sorted_x, &index(&high), ax as i64, IndexMode::Clip);
        let result = low_value * (1.0 - &high_weight) + high_value * &high_weight;
        Ok(match (keepdims, axis) {
            (true, Some(_)) => result,
            (false, _) => lax::squeeze(&result, &[ax]),
            (true, None) => lax::reshape(&result, &vec![1; x.ndim()?]),
        })
    })
}

/// The `q`-th percentile (`0..=100`) ignoring NaNs, see [`nanquantile`].
#[track_caller]
pub fn nanpercentile(x: &Array, q: f64, axis: Option<i64>, keepdims: bool) -> Array {
    nanquantile(x, q / 100.0, axis, keepdims)
}

/// The median ignoring NaNs, see [`nanquantile`].
#[track_caller]
pub fn nanmedian(x: &Array, axis: Option<i64>, keepdims: bool) -> Array {
    nanquantile(x, 0.5, axis, keepdims)
}
