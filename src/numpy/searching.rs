//! Finding elements: `nonzero` and its relatives with a static `size`
//! (JAX needs one to trace them), `searchsorted`, `digitize`, `bincount`,
//! `compress` and `extract`.

use super::shape::axis_of;
use super::{cast, cumsum, fallible, moveaxis, ravel, sum, where_};
use crate::{Array, idx, lax, location};
use rjax_ir::{DType, Error, ErrorKind};

/// Which of equal elements `searchsorted` returns the position of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Side {
    /// The first position where the value could be inserted.
    Left,
    /// The last.
    Right,
}

#[track_caller]
fn param_error(op: &str, x: &Array, message: String) -> Error {
    let operands = x.aval().map(|a| vec![a]).unwrap_or_default();
    Error::new(ErrorKind::Param, op, message)
        .with_operands(operands)
        .at(location::current())
}

/// The flat positions of the first `size` true elements of the 1-d
/// boolean `mask`; positions past the count are `mask`'s length (JAX's
/// construction: a cumulative sum of counts).
fn first_true(mask: &Array, size: usize) -> Array {
    let running = lax::cumsum(&cast(mask, DType::I32, false), 0, false);
    cumsum(&bincount(&running, None, size), Some(0))
}

/// The indices of the nonzero elements of `a`, one array per axis, each of
/// length `size` (JAX requires a static size under `jit`): the first
/// `size` in row-major order, padded with `fill_value` (or zeros).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let x = Array::from_slice(&[0.0f32, 3.0, 0.0, 5.0], &[2, 2]);
/// let ij = jnp::nonzero(&x, 3, Some(-1));
/// assert_eq!(ij[0].to_vec::<i32>().unwrap(), vec![0, 1, -1]);
/// assert_eq!(ij[1].to_vec::<i32>().unwrap(), vec![1, 1, -1]);
/// ```
#[track_caller]
pub fn nonzero(a: &Array, size: usize, fill_value: Option<i64>) -> Vec<Array> {
    let _scope = location::scope();
    let result = (|| {
        let shape = a.shape()?;
        if shape.is_empty() {
            return Err(param_error(
                "nonzero",
                a,
                "needs an array of rank >= 1".into(),
            ));
        }
        let mask = if a.dtype()?.is_bool() {
            ravel(a)
        } else {
            ravel(&a.ne(0))
        };
        let flat = first_true(&mask, size);
        let count = sum(&cast(&mask, DType::I32, false), (), false);
        let padding = lax::iota(DType::I32, &[size], 0).ge(&count);
        let mut stride = 1i64;
        let mut out = vec![];
        for &d in shape.iter().rev() {
            let i = super::floor_divide(&flat, stride as i32) % (d.max(1) as i32);
            stride *= d as i64;
            out.push(match fill_value {
                Some(v) => where_(&padding, Array::scalar(v as i32), &i),
                None => i,
            });
        }
        out.reverse();
        Ok(out)
    })();
    result.unwrap_or_else(|e| vec![Array::from_error(e)])
}

/// The flat indices of the nonzero elements of `a`, `size` of them (see
/// [`nonzero`]).
#[track_caller]
pub fn flatnonzero(a: &Array, size: usize, fill_value: Option<i64>) -> Array {
    nonzero(&ravel(a), size, fill_value).swap_remove(0)
}

/// The indices of the nonzero elements of `a` as rows of a `(size, ndim)`
/// array (see [`nonzero`]).
#[track_caller]
pub fn argwhere(a: &Array, size: usize, fill_value: Option<i64>) -> Array {
    fallible(|| {
        let ndim = a.ndim()?;
        if ndim == 0 {
            return Ok(lax::empty(&[size, 0], DType::I32));
        }
        Ok(super::stack(&nonzero(a, size, fill_value), 1))
    })
}

/// `a < v` in numpy's sort order, where NaN is above every number.
fn sorts_before(a: &Array, v: &Array) -> Array {
    let nan_v = v.ne(v);
    let nan_a = a.ne(a);
    super::logical_or(
        a.lt(v),
        super::logical_and(&nan_v, super::logical_not(&nan_a)),
    )
}

/// Where the elements of `v` would be inserted into the sorted 1-d `a` to
/// keep it sorted: before equal elements for [`Side::Left`], after them for
/// [`Side::Right`] (int32; NaN sorts last, as in numpy).
///
/// ```
/// use rjax::{Array, numpy::{self as jnp, Side}};
/// let a = Array::from_slice(&[1.0f32, 2.0, 2.0, 3.0], &[4]);
/// let v = Array::from_slice(&[2.0f32, 0.0, 9.0], &[3]);
/// assert_eq!(jnp::searchsorted(&a, &v, Side::Left).to_vec::<i32>().unwrap(), vec![1, 0, 4]);
/// assert_eq!(jnp::searchsorted(&a, &v, Side::Right).to_vec::<i32>().unwrap(), vec![3, 0, 4]);
/// ```
#[track_caller]
pub fn searchsorted(a: &Array, v: &Array, side: Side) -> Array {
    fallible(|| {
        if a.ndim()? != 1 {
            return Err(param_error(
                "searchsorted",
                a,
                "a should be 1-dimensional".into(),
            ));
        }
        let (a, v) = super::promote_broadcast_dtype_only(a, v)?;
        let rank = v.ndim()?;
        // Compare every query with every element: a along a new last axis.
        let ve = lax::expand_dims(&v, &[rank]);
        let before = match side {
            Side::Left => sorts_before(&a, &ve),
            Side::Right => super::logical_not(&sorts_before(&ve, &a)),
        };
        Ok(sum(&cast(&before, DType::I32, false), rank as i32, false))
    })
}

/// The index of the bin of `bins` (increasing or decreasing) each element
/// of `x` falls in; `right` says whether a bin includes its right edge.
#[track_caller]
pub fn digitize(x: &Array, bins: &Array, right: bool) -> Array {
    fallible(|| {
        let n = bins.shape()?;
        if n.len() != 1 {
            return Err(param_error(
                "digitize",
                bins,
                "bins must be 1-dimensional".into(),
            ));
        }
        if n[0] == 0 {
            return Ok(super::zeros_like(x, Some(DType::I32)));
        }
        let side = if right { Side::Left } else { Side::Right };
        let increasing = bins.get(idx![-1]).ge(bins.get(idx![0]));
        let reversed = super::flip(bins, 0);
        let down = (n[0] as i32) - searchsorted(&reversed, x, side);
        Ok(where_(&increasing, searchsorted(bins, x, side), &down))
    })
}

/// How often each value `0..length` occurs in the 1-d integer array `x`
/// (negative values count as 0, values from `length` on are dropped), or
/// the sum of their `weights`. JAX needs the static `length` under `jit`.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let x = Array::from_slice(&[0i32, 1, 1, 3], &[4]);
/// assert_eq!(jnp::bincount(&x, None, 5).to_vec::<i32>().unwrap(), vec![1, 2, 0, 1, 0]);
/// ```
#[track_caller]
pub fn bincount(x: &Array, weights: Option<&Array>, length: usize) -> Array {
    fallible(|| {
        let a = x.aval()?;
        let x = if a.dtype.is_bool() {
            cast(x, DType::I32, false)
        } else {
            x.clone()
        };
        if !a.dtype.is_int() && !a.dtype.is_bool() {
            return Err(
                Error::new(ErrorKind::DType, "bincount", "x must have an integer dtype")
                    .with_operands(vec![a])
                    .at(location::current()),
            );
        }
        if a.rank() != 1 {
            return Err(param_error(
                "bincount",
                &x,
                "only 1-dimensional input supported".into(),
            ));
        }
        let at = lax::max(&x, &super::zeros_like(&x, None));
        match weights {
            None => Ok(super::zeros(&[length], DType::I32).at(idx![&at]).add(1)),
            Some(w) => {
                if w.shape()? != a.shape {
                    return Err(param_error(
                        "bincount",
                        w,
                        "weights must have x's shape".into(),
                    ));
                }
                Ok(super::zeros(&[length], w.dtype()?).at(idx![&at]).add(w))
            }
        }
    })
}

/// The slices of `a` along `axis` (of the flattened array for `None`)
/// where `condition` is true, the first `size` of them, padded with
/// `fill_value` (JAX needs the static `size` under `jit`).
#[track_caller]
pub fn compress(
    condition: &Array,
    a: &Array,
    axis: Option<i64>,
    size: usize,
    fill_value: f64,
) -> Array {
    fallible(|| {
        if condition.ndim()? != 1 {
            return Err(param_error(
                "compress",
                condition,
                "condition must be 1-d".into(),
            ));
        }
        let (arr, axis) = match axis {
            None => (ravel(a), 0),
            Some(ax) => {
                let ax = axis_of("compress", a, ax)?;
                (moveaxis(a, ax as i64, 0), ax)
            }
        };
        let n = arr.shape()?[0].min(condition.shape()?[0]);
        if size > n {
            return Err(param_error(
                "compress",
                a,
                format!("size {size} is larger than the {n} selectable slices"),
            ));
        }
        let arr = super::shape::slice_along(&arr, 0, 0, n, 1);
        let keep = cast(
            &super::shape::slice_along(condition, 0, 0, n, 1),
            DType::Bool,
            false,
        );
        let mask = lax::broadcast_in_dim(&keep, &arr.shape()?, &[0]);
        let filled = where_(&mask, &arr, Array::weak(fill_value));
        let filled = cast(&filled, arr.dtype()?, false);
        // True entries first, in order: a stable sort on "not kept".
        let order = super::argsort(
            &cast(&super::logical_not(&keep), DType::I32, false),
            Some(0),
        );
        let picked = filled.get(idx![&order]);
        let picked = super::shape::slice_along(&picked, 0, 0, size, 1);
        Ok(moveaxis(&picked, 0, axis as i64))
    })
}

/// The elements of `arr` where `condition` is true, flattened, the first
/// `size` of them padded with `fill_value` (see [`compress`]).
#[track_caller]
pub fn extract(condition: &Array, arr: &Array, size: usize, fill_value: f64) -> Array {
    compress(&ravel(condition), &ravel(arr), None, size, fill_value)
}
