//! Reductions beyond sum/prod/max/min/mean, cumulative reductions and
//! sorting, with numpy's axis conventions (`None` flattens).

use super::{
    Axes, Empty, cast, fallible, isnan, max, mean, min, normalize_axes, ravel, reduce, sum,
    take_slice, to_float, where_,
};
use crate::Array;
use crate::lax;
use rjax_ir::{DType, Error};

fn one_axis(op: &str, x: &Array, axis: i64) -> Result<usize, Error> {
    Ok(normalize_axes(op, &Axes::Some(vec![axis]), x.ndim()?)?[0])
}

/// `x` flattened when `axis` is `None`, with the axis to work along.
fn along(op: &str, x: &Array, axis: Option<i64>) -> Result<(Array, usize), Error> {
    match axis {
        None => Ok((ravel(x), 0)),
        Some(a) => Ok((x.clone(), one_axis(op, x, a)?)),
    }
}

/// Whether all elements over `axis` are true (nonzero); true when empty.
#[track_caller]
pub fn all(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    let x = cast(x, DType::Bool, false);
    reduce(
        "all",
        &x,
        axis.into(),
        keepdims,
        lax::reduce_min,
        Empty::Identity,
    )
}

/// Whether any element over `axis` is true (nonzero); false when empty.
#[track_caller]
pub fn any(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    let x = cast(x, DType::Bool, false);
    reduce(
        "any",
        &x,
        axis.into(),
        keepdims,
        lax::reduce_max,
        Empty::Identity,
    )
}

/// Same as [`max`].
#[track_caller]
pub fn amax(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    max(x, axis, keepdims)
}

/// Same as [`min`].
#[track_caller]
pub fn amin(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    min(x, axis, keepdims)
}

/// Variance over `axis` with `ddof` delta degrees of freedom.
#[track_caller]
pub fn var(x: &Array, axis: impl Into<Axes>, ddof: usize, keepdims: bool) -> Array {
    let axis = axis.into();
    fallible(|| {
        let x = to_float(x);
        let axes = normalize_axes("var", &axis, x.ndim()?)?;
        let shape = x.shape()?;
        let count: usize = axes.iter().map(|&i| shape[i]).product();
        let centered = &x - &mean(&x, axis.clone(), true);
        let squares = sum(&(&centered * &centered), axis.clone(), keepdims);
        Ok(squares / (count as f64 - ddof as f64))
    })
}

/// Standard deviation over `axis` with `ddof` delta degrees of freedom.
#[track_caller]
pub fn std(x: &Array, axis: impl Into<Axes>, ddof: usize, keepdims: bool) -> Array {
    lax::sqrt(&var(x, axis, ddof, keepdims))
}

/// `max - min` over `axis`.
#[track_caller]
pub fn ptp(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    let axis = axis.into();
    max(x, axis.clone(), keepdims) - min(x, axis, keepdims)
}

/// The number of nonzero elements over `axis` (int32).
#[track_caller]
pub fn count_nonzero(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    sum(&cast(x, DType::Bool, false), axis, keepdims)
}

/// Weighted mean over `axis` (`weights` of `x`'s shape).
#[track_caller]
pub fn average(x: &Array, axis: impl Into<Axes>, weights: Option<&Array>) -> Array {
    let axis = axis.into();
    match weights {
        None => mean(x, axis, false),
        Some(w) => sum(&(x * w), axis.clone(), false) / sum(w, axis, false),
    }
}

/// Sum over `axis` treating NaN as 0.
#[track_caller]
pub fn nansum(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    sum(&where_(&isnan(x), &Array::weak(0.0), x), axis, keepdims)
}

/// Mean over `axis` of the elements that are not NaN.
#[track_caller]
pub fn nanmean(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    let axis = axis.into();
    let count = sum(&lax::not(&isnan(x)), axis.clone(), keepdims);
    nansum(x, axis, keepdims) / Array::from_result(x.dtype().map(|d| cast(&count, d, false)))
}

/// Maximum over `axis` ignoring NaN.
#[track_caller]
pub fn nanmax(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    max(
        &where_(&isnan(x), &Array::weak(f64::NEG_INFINITY), x),
        axis,
        keepdims,
    )
}

/// Minimum over `axis` ignoring NaN.
#[track_caller]
pub fn nanmin(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    min(
        &where_(&isnan(x), &Array::weak(f64::INFINITY), x),
        axis,
        keepdims,
    )
}

/// `x` with NaN replaced by `value`.
#[track_caller]
fn nan_as(x: &Array, value: f64) -> Array {
    where_(&isnan(x), value, x)
}

/// Product over `axis` treating NaN as 1.
#[track_caller]
pub fn nanprod(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    super::prod(&nan_as(x, 1.0), axis, keepdims)
}

/// Variance over `axis` of the elements that are not NaN (`ddof` as in
/// [`var`]).
#[track_caller]
pub fn nanvar(x: &Array, axis: impl Into<Axes>, ddof: usize, keepdims: bool) -> Array {
    let axis = axis.into();
    let centred = x - &nanmean(x, axis.clone(), true);
    let count = sum(&lax::not(&isnan(x)), axis.clone(), keepdims);
    let count = Array::from_result(x.dtype().map(|d| cast(&count, d, false)));
    nansum(&(&centred * &centred), axis, keepdims) / (&count - ddof as f64)
}

/// Standard deviation over `axis` of the elements that are not NaN.
#[track_caller]
pub fn nanstd(x: &Array, axis: impl Into<Axes>, ddof: usize, keepdims: bool) -> Array {
    super::sqrt(&nanvar(x, axis, ddof, keepdims))
}

/// Index of the maximum along `axis` ignoring NaN (NaN where all are NaN
/// gives the first index, as JAX).
#[track_caller]
pub fn nanargmax(x: &Array, axis: Option<i64>, keepdims: bool) -> Array {
    super::argmax(&nan_as(x, f64::NEG_INFINITY), axis, keepdims)
}

/// Index of the minimum along `axis` ignoring NaN.
#[track_caller]
pub fn nanargmin(x: &Array, axis: Option<i64>, keepdims: bool) -> Array {
    super::argmin(&nan_as(x, f64::INFINITY), axis, keepdims)
}

/// Running sum along `axis` treating NaN as 0.
#[track_caller]
pub fn nancumsum(x: &Array, axis: Option<i64>) -> Array {
    cumsum(&nan_as(x, 0.0), axis)
}

/// Running product along `axis` treating NaN as 1.
#[track_caller]
pub fn nancumprod(x: &Array, axis: Option<i64>) -> Array {
    cumprod(&nan_as(x, 1.0), axis)
}

/// Running sum along `axis` (of the flattened array for `None`).
#[track_caller]
pub fn cumsum(x: &Array, axis: Option<i64>) -> Array {
    fallible(|| {
        let (x, a) = along("cumsum", x, axis)?;
        Ok(lax::cumsum(&super::sum_dtype(&x), a, false))
    })
}

/// Running product along `axis` (of the flattened array for `None`).
#[track_caller]
pub fn cumprod(x: &Array, axis: Option<i64>) -> Array {
    fallible(|| {
        let (x, a) = along("cumprod", x, axis)?;
        Ok(lax::cumprod(&super::sum_dtype(&x), a, false))
    })
}

/// Sorted copy along `axis` (of the flattened array for `None`); NaN last.
#[track_caller]
pub fn sort(x: &Array, axis: Option<i64>) -> Array {
    fallible(|| {
        let (x, a) = along("sort", x, axis)?;
        Ok(lax::sort(&[x], a, true, 1).swap_remove(0))
    })
}

/// The int32 indices that sort `x` along `axis` (stable).
#[track_caller]
pub fn argsort(x: &Array, axis: Option<i64>) -> Array {
    fallible(|| {
        let (x, a) = along("argsort", x, axis)?;
        let index = lax::iota(DType::I32, &x.shape()?, a);
        Ok(lax::sort_key_val(&x, &index, a).1)
    })
}

/// The median along `axis` (of the flattened array for `None`): the middle
/// element, or the mean of the two middle ones.
#[track_caller]
pub fn median(x: &Array, axis: Option<i64>, keepdims: bool) -> Array {
    fallible(|| {
        let (sorted_x, a) = along("median", &to_float(x), axis)?;
        let sorted_x = sort(&sorted_x, Some(a as i64));
        let n = sorted_x.shape()?[a];
        let lower = take_slice(&sorted_x, a, (n.max(1) - 1) / 2);
        let upper = take_slice(&sorted_x, a, n / 2);
        let m = (lower + upper) * 0.5;
        Ok(match (keepdims, axis) {
            (false, _) => m,
            (true, Some(_)) => lax::expand_dims(&m, &[a]),
            (true, None) => lax::reshape(&m, &vec![1; x.ndim()?]),
        })
    })
}

/// `q`-th quantile (`0 <= q <= 1`) along `axis` with linear interpolation.
#[track_caller]
pub fn quantile(x: &Array, q: f64, axis: Option<i64>) -> Array {
    fallible(|| {
        let (flat, a) = along("quantile", &to_float(x), axis)?;
        let sorted_x = sort(&flat, Some(a as i64));
        let n = sorted_x.shape()?[a];
        let pos = q.clamp(0.0, 1.0) * (n.max(1) - 1) as f64;
        let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
        let frac = pos - lo as f64;
        let low = take_slice(&sorted_x, a, lo);
        let high = take_slice(&sorted_x, a, hi);
        Ok(&low + &((high - &low) * frac))
    })
}

/// `q`-th percentile (`0..=100`), see [`quantile`].
#[track_caller]
pub fn percentile(x: &Array, q: f64, axis: Option<i64>) -> Array {
    quantile(x, q / 100.0, axis)
}
