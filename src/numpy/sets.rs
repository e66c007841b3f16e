//! Set operations on flattened arrays: `unique` and the array API's
//! `unique_*`, `isin`, `union1d`, `intersect1d`, `setdiff1d`, `setxor1d`.
//! Their results have data-dependent lengths, so each takes a static
//! `size` (JAX requires one under `jit`): the first `size` results, padded
//! with `fill_value` (or, without one, as JAX pads).

use super::searching::nonzero;
use super::{cast, concatenate, diff, fallible, ravel, sum, where_};
use crate::{Array, idx, lax, location};
use rjax_ir::{DType, Error};

/// The parts of [`unique_all`]'s answer.
#[derive(Clone, Debug)]
pub struct UniqueAll {
    /// The sorted distinct values.
    pub values: Array,
    /// Where each value first occurs in the flattened input.
    pub indices: Array,
    /// For each input element, the index of its value (shaped like the input).
    pub inverse_indices: Array,
    /// How often each value occurs.
    pub counts: Array,
}

/// `0..n` as int32.
fn positions(n: usize) -> Array {
    lax::iota(DType::I32, &[n], 0)
}

/// The sorted flat input, the sort's permutation and the mask of the first
/// element of each run of equal values.
fn sorted_runs(x: &Array, equal_nan: bool) -> Result<(Array, Array, Array), Error> {
    let flat = ravel(x);
    let n = flat.shape()?[0];
    let perm = super::argsort(&flat, Some(0));
    let aux = flat.get(idx![&perm]);
    let (tail, head) = (aux.get(idx![1..]), aux.get(idx![..(n as i64 - 1)]));
    let mut differs = tail.ne(&head);
    if equal_nan && aux.dtype()?.is_float() {
        let both_nan = super::logical_and(tail.ne(&tail), head.ne(&head));
        differs = super::logical_and(&differs, super::logical_not(&both_nan));
    }
    let mask = concatenate(&[Array::from_slice(&[true], &[1]), differs], 0);
    Ok((aux, perm, mask))
}

/// All of [`unique_all`], for a non-empty input.
fn unique_parts(
    x: &Array,
    size: usize,
    fill_value: Option<f64>,
    equal_nan: bool,
) -> Result<UniqueAll, Error> {
    let shape = x.shape()?;
    let n: usize = shape.iter().product();
    if n == 0 {
        let fill = Array::weak(fill_value.unwrap_or(0.0));
        let values = cast(
            &lax::broadcast_in_dim(&fill, &[size], &[]),
            x.dtype()?,
            false,
        );
        let zeros = super::zeros(&[size], DType::I32);
        return Ok(UniqueAll {
            values,
            indices: zeros.clone(),
            inverse_indices: super::zeros(&shape, DType::I32),
            counts: zeros,
        });
    }
    let (aux, perm, mask) = sorted_runs(x, equal_nan)?;
    let ind = nonzero(&mask, size, None).swap_remove(0);
    let count = sum(&cast(&mask, DType::I32, false), (), false);
    let mut values = aux.get(idx![&ind]);
    if let Some(v) = fill_value {
        let fill = cast(&Array::weak(v), values.dtype()?, false);
        values = where_(positions(size).lt(&count), &values, &fill);
    }
    let indices = perm.get(idx![&ind]);
    let run = lax::cumsum(&cast(&mask, DType::I32, false), 0, false) - 1;
    let inverse = super::zeros(&[n], DType::I32).at(idx![&perm]).set(&run);
    let inverse_indices = inverse.reshape(&shape.iter().map(|&d| d as i64).collect::<Vec<_>>());
    let starts = nonzero(&mask, size + 1, None).swap_remove(0);
    let later = starts.get(idx![1..]);
    let starts = starts
        .at(idx![1..])
        .set(where_(later.ne(0), &later, n as i32));
    Ok(UniqueAll {
        values,
        indices,
        inverse_indices,
        counts: diff(&starts, 1, 0),
    })
}

#[track_caller]
fn unique_or_error(x: &Array, size: usize, fill_value: Option<f64>, equal_nan: bool) -> UniqueAll {
    let _scope = location::scope();
    unique_parts(x, size, fill_value, equal_nan).unwrap_or_else(|e| {
        let e = Array::from_error(e.at(location::current()));
        UniqueAll {
            values: e.clone(),
            indices: e.clone(),
            inverse_indices: e.clone(),
            counts: e,
        }
    })
}

/// The first `size` sorted distinct values of the flattened `x`, padded
/// with `fill_value` (without one, with the smallest value). NaNs count as
/// one value.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let x = Array::from_slice(&[3i32, 1, 3, 2, 1], &[5]);
/// assert_eq!(jnp::unique(&x, 4, Some(-1.0)).to_vec::<i32>().unwrap(), vec![1, 2, 3, -1]);
/// ```
#[track_caller]
pub fn unique(x: &Array, size: usize, fill_value: Option<f64>) -> Array {
    unique_or_error(x, size, fill_value, true).values
}

/// The array API's [`unique`]: NaNs are distinct values.
#[track_caller]
pub fn unique_values(x: &Array, size: usize, fill_value: Option<f64>) -> Array {
    unique_or_error(x, size, fill_value, false).values
}

/// The distinct values and how often each occurs (see [`unique`]).
#[track_caller]
pub fn unique_counts(x: &Array, size: usize, fill_value: Option<f64>) -> (Array, Array) {
    let u = unique_or_error(x, size, fill_value, false);
    (u.values, u.counts)
}

/// The distinct values, and for each element of `x` the index of its value.
#[track_caller]
pub fn unique_inverse(x: &Array, size: usize, fill_value: Option<f64>) -> (Array, Array) {
    let u = unique_or_error(x, size, fill_value, false);
    (u.values, u.inverse_indices)
}

/// The distinct values with their first indices, inverse indices and counts.
#[track_caller]
pub fn unique_all(x: &Array, size: usize, fill_value: Option<f64>) -> UniqueAll {
    unique_or_error(x, size, fill_value, false)
}

/// Whether each element of `element` occurs in `test_elements` (`invert`
/// negates), shaped like `element`.
#[track_caller]
pub fn isin(element: &Array, test_elements: &Array, invert: bool) -> Array {
    fallible(|| {
        let (e, t) = super::promote_broadcast_dtype_only(element, test_elements)?;
        let shape = e.shape()?;
        let e = lax::expand_dims(&ravel(&e), &[1]);
        let t = lax::expand_dims(&ravel(&t), &[0]);
        let found = super::any(&e.eq(&t), 1, false);
        let found = if invert {
            super::logical_not(&found)
        } else {
            found
        };
        Ok(lax::reshape(&found, &shape))
    })
}

/// The sorted distinct values of both arrays (see [`unique`]).
#[track_caller]
pub fn union1d(a: &Array, b: &Array, size: usize, fill_value: Option<f64>) -> Array {
    unique(&concatenate(&[ravel(a), ravel(b)], 0), size, fill_value)
}

/// The values at the `size` first true positions of `mask` over `aux`,
/// padded with `fill_value`, or as JAX pads: with the smallest result.
fn pick_results(aux: &Array, mask: &Array, size: usize, fill_value: Option<f64>) -> Array {
    fallible(|| {
        let n = aux.shape()?[0];
        let count = sum(&cast(mask, DType::I32, false), (), false);
        let at = nonzero(mask, size, Some(n as i64)).swap_remove(0);
        let vals = where_(at.lt(n as i32), aux.get(idx![&at]), 0);
        let vals = cast(&vals, aux.dtype()?, false);
        let valid = positions(size).lt(&count);
        Ok(match fill_value {
            Some(v) => cast(&where_(&valid, &vals, v), aux.dtype()?, false),
            None => {
                let vals = where_(&valid, &vals, super::max(&vals, (), false));
                where_(&valid, &vals, super::min(&vals, (), false))
            }
        })
    })
}

/// Both arrays' distinct values, side by side (zeros after them), and how
/// many there are.
fn concat_unique(a: &Array, b: &Array) -> Result<(Array, Array), Error> {
    let (a, b) = super::promote_broadcast_dtype_only(&ravel(a), &ravel(b))?;
    let (na, nb) = (a.shape()?[0], b.shape()?[0]);
    let count = |x: &Array| -> Result<Array, Error> {
        let (_, _, mask) = sorted_runs(x, true)?;
        Ok(sum(&cast(&mask, DType::I32, false), (), false))
    };
    let (ca, cb) = (count(&a)?, count(&b)?);
    let ua = unique(&a, na, Some(0.0));
    let ub = unique(&b, nb, Some(0.0));
    let both = super::zeros(&[na + nb], a.dtype()?);
    let both = lax::dynamic_update_slice(&both, &ua, &[Array::scalar(0i32)]);
    let both = lax::dynamic_update_slice(&both, &ub, std::slice::from_ref(&ca));
    Ok((both, ca + cb))
}

/// The sorted values in both `a` and `b` (see [`unique`]).
#[track_caller]
pub fn intersect1d(a: &Array, b: &Array, size: usize, fill_value: Option<f64>) -> Array {
    fallible(|| {
        let (both, count) = concat_unique(a, b)?;
        let n = both.shape()?[0];
        if n == 0 {
            return Ok(pick_results(&both, &both.ne(&both), size, fill_value));
        }
        let valid = positions(n).lt(&count);
        let invalid = cast(&super::logical_not(&valid), DType::I32, false);
        let aux = lax::sort(&[invalid, both], 0, true, 2).swap_remove(1);
        let last = n as i64 - 1;
        let repeated = aux.get(idx![1..]).eq(aux.get(idx![..last]));
        let mask = super::logical_and(&repeated, valid.get(idx![1..]));
        Ok(pick_results(&aux, &mask, size, fill_value))
    })
}

/// The sorted distinct values of `a` that are not in `b` (see [`unique`]).
#[track_caller]
pub fn setdiff1d(a: &Array, b: &Array, size: usize, fill_value: Option<f64>) -> Array {
    fallible(|| {
        let a = ravel(a);
        let n = a.shape()?[0];
        let fill = cast(&Array::weak(fill_value.unwrap_or(0.0)), a.dtype()?, false);
        if n == 0 {
            return Ok(lax::broadcast_in_dim(&fill, &[size], &[]));
        }
        let u = unique(&a, n, None);
        let kept = isin(&u, b, true);
        let repeats_first = sum(&cast(&u.eq(u.get(idx![0])), DType::I32, false), (), false);
        let distinct = (n as i32 + 1) - repeats_first;
        let mask = super::logical_and(&kept, positions(n).lt(&distinct));
        let count = sum(&cast(&mask, DType::I32, false), (), false);
        let at = nonzero(&mask, size, None).swap_remove(0);
        Ok(where_(positions(size).lt(&count), u.get(idx![&at]), &fill))
    })
}

/// The sorted values in exactly one of `a` and `b` (see [`unique`]).
#[track_caller]
pub fn setxor1d(a: &Array, b: &Array, size: usize, fill_value: Option<f64>) -> Array {
    fallible(|| {
        let (both, count) = concat_unique(a, b)?;
        let n = both.shape()?[0];
        if n == 0 {
            return Ok(pick_results(&both, &both.ne(&both), size, fill_value));
        }
        let in_range = positions(n + 1).lt(&(&count + 1));
        let invalid = cast(
            &super::logical_not(&in_range.get(idx![1..])),
            DType::I32,
            false,
        );
        let aux = lax::sort(&[invalid, both], 0, true, 2).swap_remove(1);
        let last = n as i64 - 1;
        let differs = aux.get(idx![1..]).ne(aux.get(idx![..last]));
        let edges = concatenate(
            &[
                Array::from_slice(&[true], &[1]),
                differs,
                Array::from_slice(&[false], &[1]),
            ],
            0,
        );
        let edges = lax::dynamic_update_slice(&edges, &Array::from_slice(&[true], &[1]), &[count]);
        let flag = super::logical_and(&in_range, &edges);
        let mask = super::logical_and(flag.get(idx![1..]), flag.get(idx![..(n as i64)]));
        Ok(pick_results(&aux, &mask, size, fill_value))
    })
}
