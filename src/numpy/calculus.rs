//! Differences, integrals and interpolation of sampled functions, and
//! one-dimensional convolution: `convolve`, `correlate`, `cross`,
//! `ediff1d`, `gradient`, `trapezoid`, `interp`, `unwrap`.

use super::shape::{axis_of, slice_along};
use super::{Axes, cast, concatenate, fallible, moveaxis, normalize_axes, ravel, to_float, where_};
use crate::lax::{self, Padding};
use crate::{Array, idx, location};
use rjax_ir::{Error, ErrorKind};

/// How much of a full convolution [`convolve`] and [`correlate`] return.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvolveMode {
    /// Every overlap: `n + m - 1` values.
    Full,
    /// As many values as the longer input, centred.
    Same,
    /// Only complete overlaps: `max(n, m) - min(n, m) + 1` values.
    Valid,
}

#[track_caller]
fn shape_error(op: &str, xs: &[&Array], message: impl Into<String>) -> Error {
    let operands = xs.iter().filter_map(|x| x.aval().ok()).collect();
    Error::new(ErrorKind::Shape, op, message)
        .with_operands(operands)
        .at(location::current())
}

/// The 1-d convolution of `a` and `v` (correlation when `flip` is false).
fn conv1d(op: &str, a: &Array, v: &Array, mode: ConvolveMode, convolve: bool) -> Array {
    fallible(|| {
        if a.ndim()? != 1 || v.ndim()? != 1 {
            return Err(shape_error(
                op,
                &[a, v],
                "only supports 1-dimensional inputs",
            ));
        }
        let (x, y) = super::promote_broadcast_dtype_only(&to_float(a), &to_float(v))?;
        let (n, m) = (x.shape()?[0], y.shape()?[0]);
        if n == 0 || m == 0 {
            return Err(shape_error(op, &[a, v], "inputs cannot be empty"));
        }
        let (x, y, reverse) = if n < m {
            (y, x, !convolve)
        } else {
            (x, y, false)
        };
        let y = if convolve { super::flip(&y, 0) } else { y };
        let k = y.shape()?[0] as i64;
        let pads = match mode {
            ConvolveMode::Valid => (0, 0),
            ConvolveMode::Same => (k / 2, k - k / 2 - 1),
            ConvolveMode::Full => (k - 1, k - 1),
        };
        let out = lax::conv(
            &lax::expand_dims(&x, &[0, 1]),
            &lax::expand_dims(&y, &[0, 1]),
            &[1],
            Padding::Explicit(vec![pads]),
        );
        let out = lax::squeeze(&out, &[0, 1]);
        Ok(if reverse { super::flip(&out, 0) } else { out })
    })
}

/// The discrete convolution of two 1-d arrays.
///
/// ```
/// use rjax::{Array, numpy::{self as jnp, ConvolveMode}};
/// let a = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
/// let v = Array::from_slice(&[0.0f32, 1.0, 0.5], &[3]);
/// let c = jnp::convolve(&a, &v, ConvolveMode::Full);
/// assert_eq!(c.to_vec::<f32>().unwrap(), vec![0.0, 1.0, 2.5, 4.0, 1.5]);
/// ```
#[track_caller]
pub fn convolve(a: &Array, v: &Array, mode: ConvolveMode) -> Array {
    let _scope = location::scope();
    conv1d("convolve", a, v, mode, true)
}

/// The cross-correlation of two 1-d arrays (numpy's default mode is
/// [`ConvolveMode::Valid`]).
#[track_caller]
pub fn correlate(a: &Array, v: &Array, mode: ConvolveMode) -> Array {
    let _scope = location::scope();
    conv1d("correlate", a, v, mode, false)
}

/// The cross product of (arrays of) 2- or 3-vectors along `axis` of both
/// operands; 2-vectors give the scalar z component.
#[track_caller]
pub fn cross(a: &Array, b: &Array, axis: i64) -> Array {
    fallible(|| {
        let a = moveaxis(a, axis, -1);
        let b = moveaxis(b, axis, -1);
        let (na, nb) = (
            *a.shape()?.last().unwrap_or(&0),
            *b.shape()?.last().unwrap_or(&0),
        );
        if !(2..=3).contains(&na) || !(2..=3).contains(&nb) {
            return Err(shape_error(
                "cross",
                &[&a, &b],
                "vectors must have 2 or 3 elements",
            ));
        }
        let part = |x: &Array, n: usize, i: i64| {
            if (i as usize) < n {
                x.get(idx![crate::indexing::Index::Ellipsis, i])
            } else {
                super::zeros_like(&x.get(idx![crate::indexing::Index::Ellipsis, 0]), None)
            }
        };
        let (a0, a1, a2) = (part(&a, na, 0), part(&a, na, 1), part(&a, na, 2));
        let (b0, b1, b2) = (part(&b, nb, 0), part(&b, nb, 1), part(&b, nb, 2));
        if na == 2 && nb == 2 {
            return Ok(&a0 * &b1 - &a1 * &b0);
        }
        let c = super::stack(
            &[
                &a1 * &b2 - &a2 * &b1,
                &a2 * &b0 - &a0 * &b2,
                &a0 * &b1 - &a1 * &b0,
            ],
            -1,
        );
        Ok(moveaxis(&c, -1, axis))
    })
}

/// The differences of consecutive elements of the flattened array, with
/// `to_begin` and `to_end` (flattened, cast) around them.
#[track_caller]
pub fn ediff1d(ary: &Array, to_end: Option<&Array>, to_begin: Option<&Array>) -> Array {
    fallible(|| {
        let flat = ravel(ary);
        let n = flat.shape()?[0];
        let dtype = flat.dtype()?;
        let d = slice_along(&flat, 0, 1.min(n), n, 1) - slice_along(&flat, 0, 0, n.max(1) - 1, 1);
        let mut parts = vec![];
        if let Some(b) = to_begin {
            parts.push(cast(&ravel(b), dtype, false));
        }
        parts.push(d);
        if let Some(e) = to_end {
            parts.push(cast(&ravel(e), dtype, false));
        }
        Ok(concatenate(&parts, 0))
    })
}

/// The gradient along one axis by central differences inside and one-sided
/// differences at the edges, for samples `h` apart.
fn gradient_along(a: &Array, h: f64, axis: usize, n: usize) -> Array {
    let s = |lo: usize, hi: usize| slice_along(a, axis, lo, hi, 1);
    let upper = (s(1, 2) - s(0, 1)) / h;
    let lower = (s(n - 1, n) - s(n - 2, n - 1)) / h;
    let inner = (s(2, n) - s(0, n - 2)) * 0.5 / h;
    concatenate(&[upper, inner, lower], axis as i64)
}

/// The gradient of samples `f` along each of `axis` (all for `()`), by
/// central differences inside and one-sided ones at the edges. `spacing`
/// holds the distance between samples: none (1), one for every axis, or
/// one per axis.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let f = Array::from_slice(&[1.0f32, 2.0, 4.0, 7.0], &[4]);
/// let g = jnp::gradient(&f, &[], ());
/// assert_eq!(g[0].to_vec::<f32>().unwrap(), vec![1.0, 1.5, 2.5, 3.0]);
/// ```
#[track_caller]
pub fn gradient(f: &Array, spacing: &[f64], axis: impl Into<Axes>) -> Vec<Array> {
    let _scope = location::scope();
    let axis = axis.into();
    let result = (|| {
        let a = to_float(f);
        let shape = a.shape()?;
        let axes = normalize_axes("gradient", &axis, shape.len())?;
        if axes.iter().any(|&ax| shape[ax] < 2) {
            return Err(shape_error(
                "gradient",
                &[f],
                "needs at least 2 samples along each axis",
            ));
        }
        let h: Vec<f64> = match spacing.len() {
            0 => vec![1.0; axes.len()],
            1 => vec![spacing[0]; axes.len()],
            n if n == axes.len() => spacing.to_vec(),
            n => {
                return Err(Error::new(
                    ErrorKind::Param,
                    "gradient",
                    format!("{n} spacings for {} axes", axes.len()),
                )
                .at(location::current()));
            }
        };
        Ok(axes
            .iter()
            .zip(h)
            .map(|(&ax, h)| gradient_along(&a, h, ax, shape[ax]))
            .collect())
    })();
    result.unwrap_or_else(|e| vec![Array::from_error(e)])
}

/// The integral of samples `y` along `axis` by the trapezoidal rule, at
/// positions `x` (1-d, or shaped like `y`) or `dx` apart.
#[track_caller]
pub fn trapezoid(y: &Array, x: Option<&Array>, dx: f64, axis: i64) -> Array {
    fallible(|| {
        let y = moveaxis(&to_float(y), axis, -1);
        let n = *y.shape()?.last().unwrap_or(&0);
        let last = y.ndim()? - 1;
        let (lo, hi) = (
            slice_along(&y, last, 0, n.max(1) - 1, 1),
            slice_along(&y, last, 1.min(n), n, 1),
        );
        match x {
            None => {
                let ends = slice_along(&y, last, 0, 1, 1) + slice_along(&y, last, n - 1, n, 1);
                let ends = lax::squeeze(&ends, &[last]);
                Ok((super::sum(&y, -1, false) - ends * 0.5) * dx)
            }
            Some(x) => {
                let x = to_float(x);
                let d = if x.ndim()? == 1 {
                    super::diff(&x, 1, 0)
                } else {
                    moveaxis(&super::diff(&x, 1, axis), axis, -1)
                };
                Ok(super::sum(&((hi + lo) * d), -1, false) * 0.5)
            }
        }
    })
}

/// Linear interpolation of the samples `(xp, fp)` (`xp` increasing) at
/// `x`; `left` and `right` are the values outside (`fp`'s ends by default),
/// and with a `period` the samples repeat.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let xp = Array::from_slice(&[0.0f32, 1.0, 3.0], &[3]);
/// let fp = Array::from_slice(&[0.0f32, 10.0, 30.0], &[3]);
/// let x = Array::from_slice(&[-1.0f32, 0.5, 2.0, 5.0], &[4]);
/// let y = jnp::interp(&x, &xp, &fp, None, None, None);
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 5.0, 20.0, 30.0]);
/// ```
#[track_caller]
pub fn interp(
    x: &Array,
    xp: &Array,
    fp: &Array,
    left: Option<f64>,
    right: Option<f64>,
    period: Option<f64>,
) -> Array {
    fallible(|| {
        if xp.ndim()? != 1 || xp.shape()? != fp.shape()? {
            return Err(shape_error(
                "interp",
                &[xp, fp],
                "xp and fp must be one-dimensional arrays of equal size",
            ));
        }
        let (mut x, mut xp) = super::promote_broadcast_dtype_only(&to_float(x), &to_float(xp))?;
        let mut fp = to_float(fp);
        if let Some(p) = period {
            let p = p.abs();
            x = super::remainder(&x, p);
            xp = super::remainder(&xp, p);
            let (sx, sf) = lax::sort_key_val(&xp, &fp, 0);
            xp = concatenate(
                &[sx.get(idx![-1..]) - p, sx.clone(), sx.get(idx![..1]) + p],
                0,
            );
            fp = concatenate(&[sf.get(idx![-1..]), sf.clone(), sf.get(idx![..1])], 0);
        }
        let n = xp.shape()?[0] as i32;
        let i = super::searchsorted(&xp, &x, super::Side::Right);
        let i = super::clip(&i, Some(&Array::scalar(1i32)), Some(&Array::scalar(n - 1)));
        let before = &i - 1;
        let (f0, f1) = (fp.get(idx![&before]), fp.get(idx![&i]));
        let (x0, x1) = (xp.get(idx![&before]), xp.get(idx![&i]));
        let dx = &x1 - &x0;
        let eps = super::finfo(xp.dtype()?)?.eps;
        // numpy's `spacing(eps)`: the gap above eps, eps squared.
        let flat = lax::abs(&dx).le(eps * eps);
        let slope = (&f1 - &f0) / where_(&flat, 1.0, &dx);
        let mut f = where_(&flat, &f0, &f0 + (&x - &x0) * slope);
        if period.is_none() {
            let left = left.map_or_else(|| fp.get(idx![0]), Array::weak);
            let right = right.map_or_else(|| fp.get(idx![-1]), Array::weak);
            f = where_(x.lt(xp.get(idx![0])), &left, &f);
            f = where_(x.gt(xp.get(idx![-1])), &right, &f);
        }
        Ok(f)
    })
}

/// `p` with jumps larger than `discont` (half the `period` by default)
/// along `axis` replaced by their complements modulo `period` (numpy's
/// default period is 2π).
#[track_caller]
pub fn unwrap(p: &Array, discont: Option<f64>, axis: i64, period: f64) -> Array {
    fallible(|| {
        let ax = axis_of("unwrap", p, axis)?;
        let n = p.shape()?[ax];
        if n == 0 {
            return Ok(p.clone());
        }
        let p = to_float(p);
        let p = &p;
        let interval = period / 2.0;
        let discont = discont.unwrap_or(period / 2.0);
        let dd = super::diff(p, 1, ax as i64);
        let ddmod = super::remainder(&dd + interval, period) - interval;
        let at_edge = super::logical_and(ddmod.eq(-interval), dd.gt(0));
        let ddmod = where_(&at_edge, interval, &ddmod);
        let correct = where_(lax::abs(&dd).lt(discont), 0, &ddmod - &dd);
        let rest = slice_along(p, ax, 1, n, 1) + lax::cumsum(&correct, ax, false);
        Ok(concatenate(&[slice_along(p, ax, 0, 1, 1), rest], ax as i64))
    })
}
