//! Index arrays: the triangles and diagonals of matrices (`tril_indices`,
//! `triu_indices`, `diag_indices`, `mask_indices` and their `_from`
//! forms), `indices`, `ix_`, `unravel_index`, `ravel_multi_index`, and
//! `diagflat` and `fill_diagonal`.

use super::searching::nonzero;
use super::{cast, fallible, floor_divide, ravel, remainder, where_};
use crate::indexing::Index;
use crate::{Array, lax, location};
use rjax_ir::{DType, Error, ErrorKind};

#[track_caller]
fn shape_error(op: &str, x: &Array, message: &str) -> Error {
    let operands = x.aval().map(|a| vec![a]).unwrap_or_default();
    Error::new(ErrorKind::Shape, op, message)
        .with_operands(operands)
        .at(location::current())
}

/// How many positions of an `n x m` matrix lie on or below diagonal `k`.
fn lower_count(n: usize, m: usize, k: i64) -> usize {
    (0..n as i64)
        .map(|i| (i + k + 1).clamp(0, m as i64) as usize)
        .sum()
}

/// The row and column indices of the lower triangle of an `n x m` matrix
/// (`m = n` by default), on and below diagonal `k`, row by row.
///
/// ```
/// use rjax::numpy as jnp;
/// let (i, j) = jnp::tril_indices(3, 0, None);
/// assert_eq!(i.to_vec::<i32>().unwrap(), vec![0, 1, 1, 2, 2, 2]);
/// assert_eq!(j.to_vec::<i32>().unwrap(), vec![0, 0, 1, 0, 1, 2]);
/// ```
#[track_caller]
pub fn tril_indices(n: usize, k: i64, m: Option<usize>) -> (Array, Array) {
    let m = m.unwrap_or(n);
    let mask = super::tri(n, Some(m), k, DType::Bool);
    pair(nonzero(&mask, lower_count(n, m, k), None))
}

/// The row and column indices of the upper triangle, on and above diagonal
/// `k` (see [`tril_indices`]).
#[track_caller]
pub fn triu_indices(n: usize, k: i64, m: Option<usize>) -> (Array, Array) {
    let m = m.unwrap_or(n);
    let mask = super::logical_not(&super::tri(n, Some(m), k - 1, DType::Bool));
    pair(nonzero(&mask, n * m - lower_count(n, m, k - 1), None))
}

fn pair(mut ij: Vec<Array>) -> (Array, Array) {
    match ij.len() {
        2 => {
            let j = ij.pop().unwrap_or_else(|| unreachable!());
            (ij.swap_remove(0), j)
        }
        _ => {
            let e = ij.swap_remove(0);
            (e.clone(), e)
        }
    }
}

/// The matrix's shape, checked to be 2-d.
#[track_caller]
fn matrix_shape(op: &str, arr: &Array) -> Result<(usize, usize), Error> {
    match arr.shape()?.as_slice() {
        [n, m] => Ok((*n, *m)),
        _ => Err(shape_error(op, arr, "only 2-d inputs are accepted")),
    }
}

/// [`tril_indices`] for the shape of the 2-d `arr`.
#[track_caller]
pub fn tril_indices_from(arr: &Array, k: i64) -> (Array, Array) {
    match matrix_shape("tril_indices_from", arr) {
        Ok((n, m)) => tril_indices(n, k, Some(m)),
        Err(e) => pair(vec![Array::from_error(e)]),
    }
}

/// [`triu_indices`] for the shape of the 2-d `arr`.
#[track_caller]
pub fn triu_indices_from(arr: &Array, k: i64) -> (Array, Array) {
    match matrix_shape("triu_indices_from", arr) {
        Ok((n, m)) => triu_indices(n, k, Some(m)),
        Err(e) => pair(vec![Array::from_error(e)]),
    }
}

/// The indices of the main diagonal of an `n x ... x n` array of rank
/// `ndim`: `ndim` copies of `0..n`.
pub fn diag_indices(n: usize, ndim: usize) -> Vec<Array> {
    vec![lax::iota(DType::I32, &[n], 0); ndim]
}

/// [`diag_indices`] for `arr`, whose axes must all be as long.
#[track_caller]
pub fn diag_indices_from(arr: &Array) -> Vec<Array> {
    let _scope = location::scope();
    match arr.shape() {
        Ok(s) if s.len() >= 2 && s.iter().all(|&d| d == s[0]) => diag_indices(s[0], s.len()),
        Ok(_) => vec![Array::from_error(shape_error(
            "diag_indices_from",
            arr,
            "needs an array of rank >= 2 with axes of equal length",
        ))],
        Err(e) => vec![Array::from_error(e)],
    }
}

/// The indices where `mask_fn(ones((n, n)), k)` is nonzero, `size` of
/// them (numpy's `mask_indices`, e.g. with [`super::triu`]).
#[track_caller]
pub fn mask_indices(
    n: usize,
    mask_fn: impl Fn(&Array, i64) -> Array,
    k: i64,
    size: usize,
) -> (Array, Array) {
    let mask = mask_fn(&super::ones(&[n, n], DType::I32), k);
    pair(nonzero(&mask, size, None))
}

/// A grid of indices: an array of shape `(len(dimensions), *dimensions)`
/// whose `i`-th entry holds each position's index along axis `i` (int32).
///
/// ```
/// use rjax::numpy as jnp;
/// let g = jnp::indices(&[2, 3]);
/// assert_eq!(g.to_vec::<i32>().unwrap(), vec![0, 0, 0, 1, 1, 1, 0, 1, 2, 0, 1, 2]);
/// ```
pub fn indices(dimensions: &[usize]) -> Array {
    let grids: Vec<Array> = (0..dimensions.len())
        .map(|i| lax::iota(DType::I32, dimensions, i))
        .collect();
    if grids.is_empty() {
        return super::zeros(&[0], DType::I32);
    }
    super::stack(&grids, 0)
}

/// An open mesh from 1-d index arrays: the `i`-th result has the `i`-th
/// array along axis `i` and length 1 elsewhere, so that together they
/// index the cross product (numpy's `ix_`).
#[track_caller]
pub fn ix_(args: &[Array]) -> Vec<Array> {
    let n = args.len();
    args.iter()
        .enumerate()
        .map(|(i, a)| {
            fallible(|| {
                let len = match a.shape()?.as_slice() {
                    [len] => *len,
                    _ => return Err(shape_error("ix_", a, "arguments must be 1-dimensional")),
                };
                let mut shape = vec![1; n];
                shape[i] = len;
                Ok(lax::broadcast_in_dim(a, &shape, &[i]))
            })
        })
        .collect()
}

/// The multi-indices into an array of `shape` of the flat `indices`
/// (out-of-range indices clip to the first or last position, as in JAX).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let ij = jnp::unravel_index(&Array::from_slice(&[5i32, 7], &[2]), &[2, 4]);
/// assert_eq!(ij[0].to_vec::<i32>().unwrap(), vec![1, 1]);
/// assert_eq!(ij[1].to_vec::<i32>().unwrap(), vec![1, 3]);
/// ```
#[track_caller]
pub fn unravel_index(indices: &Array, shape: &[usize]) -> Vec<Array> {
    let mut rest = indices.clone();
    let mut out = vec![rest.clone(); shape.len()];
    for (i, &s) in shape.iter().enumerate().rev() {
        out[i] = remainder(&rest, s as i32);
        rest = floor_divide(&rest, s as i32);
    }
    let above = rest.gt(0);
    let below = rest.lt(-1);
    shape
        .iter()
        .zip(out)
        .map(|(&s, i)| where_(&above, (s as i32) - 1, where_(&below, 0, &i)))
        .collect()
}

/// How [`ravel_multi_index`] treats out-of-range indices.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RavelMode {
    /// Clip into range.
    Clip,
    /// Wrap around.
    Wrap,
}

/// The flat (row-major) indices of the multi-indices `multi_index` into an
/// array of `dims`.
#[track_caller]
pub fn ravel_multi_index(multi_index: &[Array], dims: &[usize], mode: RavelMode) -> Array {
    fallible(|| {
        if multi_index.len() != dims.len() {
            return Err(Error::new(
                ErrorKind::Param,
                "ravel_multi_index",
                format!(
                    "{} index arrays for {} dimensions",
                    multi_index.len(),
                    dims.len()
                ),
            )
            .at(location::current()));
        }
        let mut flat = Array::scalar(0i32);
        for (i, &d) in multi_index.iter().zip(dims) {
            if !i.dtype()?.is_int() {
                return Err(shape_error("ravel_multi_index", i, "only integer indices"));
            }
            let i = cast(i, DType::I32, false);
            let i = match mode {
                RavelMode::Clip => super::clip(
                    &i,
                    Some(&Array::scalar(0i32)),
                    Some(&Array::scalar(d as i32 - 1)),
                ),
                RavelMode::Wrap => remainder(&i, d as i32),
            };
            flat = flat * (d as i32) + i;
        }
        Ok(flat)
    })
}

/// The 2-d array with the flattened `v` on diagonal `k`.
#[track_caller]
pub fn diagflat(v: &Array, k: i64) -> Array {
    super::diag(&ravel(v), k)
}

/// `a` with its main diagonal set to `val` (a scalar, or values repeated
/// along the diagonal); all of `a`'s axes must be as long if it has more
/// than two.
#[track_caller]
pub fn fill_diagonal(a: &Array, val: &Array) -> Array {
    fallible(|| {
        let shape = a.shape()?;
        if shape.len() < 2 || (shape.len() > 2 && shape.iter().any(|&d| d != shape[0])) {
            return Err(shape_error(
                "fill_diagonal",
                a,
                "needs a 2-d array or one with axes of equal length",
            ));
        }
        let n = *shape.iter().min().unwrap_or(&0);
        let index: Vec<Index> = diag_indices(n, shape.len())
            .into_iter()
            .map(Index::Array)
            .collect();
        let values = if val.ndim()? == 0 {
            val.clone()
        } else {
            let flat = ravel(val);
            let len = flat.shape()?[0].max(1);
            super::tile(&flat, &[n.div_ceil(len)]).get(crate::idx![..n as i64])
        };
        Ok(a.at(index).set(&values))
    })
}
