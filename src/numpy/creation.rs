//! numpy's creation and conversion conveniences: `geomspace`, `empty`,
//! `empty_like`, `copy`, `asarray`, `astype` and `array_equiv`.

use super::{cast, fallible};
use crate::{Array, DType, lax};

/// `num` values from `start` to `stop` (included with `endpoint`) evenly
/// spaced on a log scale, as f32; `start` and `stop` must have the same
/// sign.
///
/// ```
/// use rjax::numpy as jnp;
/// let g = jnp::geomspace(1.0, 1000.0, 4, true).to_vec::<f32>().unwrap();
/// assert!(g.iter().zip([1.0f32, 10.0, 100.0, 1000.0]).all(|(a, b)| (a - b).abs() < 1e-3 * b));
/// ```
#[track_caller]
pub fn geomspace(start: f64, stop: f64, num: usize, endpoint: bool) -> Array {
    let sign = if start < 0.0 { -1.0 } else { 1.0 };
    let (lo, hi) = ((start * sign).log10(), (stop * sign).log10());
    let div = if endpoint { num.max(2) - 1 } else { num.max(1) } as f64;
    let step = lax::iota(DType::F32, &[num], 0) / div;
    let exponent = &step * (hi - lo) + lo;
    let out = super::power(10.0, &exponent) * sign;
    // The ends exactly, as numpy and JAX give them.
    if num == 0 {
        return out;
    }
    let out = out.at(crate::idx![0]).set(start);
    if endpoint && num > 1 {
        out.at(crate::idx![-1]).set(stop)
    } else {
        out
    }
}

/// An array of `shape` and `dtype` (XLA has no uninitialized memory: zeros).
pub fn empty(shape: &[usize], dtype: DType) -> Array {
    super::zeros(shape, dtype)
}

/// An array shaped like `x` (zeros, see [`empty`]).
#[track_caller]
pub fn empty_like(x: &Array, dtype: Option<DType>) -> Array {
    super::zeros_like(x, dtype)
}

/// A copy of `x` (arrays are immutable: the same array).
pub fn copy(x: &Array) -> Array {
    x.clone()
}

/// `x` as an array of `dtype` (unchanged for `None`).
#[track_caller]
pub fn asarray(x: &Array, dtype: Option<DType>) -> Array {
    match dtype {
        Some(d) => astype(x, d),
        None => x.clone(),
    }
}

/// `x` converted to `dtype`.
#[track_caller]
pub fn astype(x: &Array, dtype: DType) -> Array {
    cast(x, dtype, false)
}

/// Whether `a` and `b` broadcast together and are equal everywhere.
#[track_caller]
pub fn array_equiv(a: &Array, b: &Array) -> Array {
    fallible(|| {
        let (sa, sb) = (a.shape()?, b.shape()?);
        if rjax_ir::broadcast_shapes(&sa, &sb).is_none() {
            return Ok(Array::scalar(false));
        }
        Ok(super::all(&super::equal(a, b), (), false))
    })
}
