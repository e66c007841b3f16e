//! Norms: `linalg.norm`, `linalg.vector_norm` and `linalg.matrix_norm`,
//! with numpy's orders.

use super::{
    Axes, abs, expand_dims, fallible, max, min, normalize_axes, power, sqrt, squeeze, sum,
};
use crate::{Array, lax};
use rjax_ir::{Error, ErrorKind, Result};

/// The order of a matrix norm, numpy's `ord` over two axes. A number
/// converts: `1.0`, `-1.0`, `2.0`, `-2.0`, `f64::INFINITY`,
/// `f64::NEG_INFINITY`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum MatrixOrd {
    /// The Frobenius norm, `sqrt(sum |a|²)` (`'fro'`, the default).
    Fro,
    /// The nuclear norm, the sum of the singular values (`'nuc'`).
    Nuc,
    /// An induced norm: `1` / `-1` the largest / smallest column sum of
    /// `|a|`, `inf` / `-inf` the largest / smallest row sum, `2` / `-2` the
    /// largest / smallest singular value.
    P(f64),
}

impl From<f64> for MatrixOrd {
    fn from(p: f64) -> MatrixOrd {
        MatrixOrd::P(p)
    }
}

/// The norm of `x` over `axis`: a vector norm over one axis (`ord`: 2 by
/// default, any p, ±inf, 0), a matrix norm over two (`ord`: Frobenius by
/// default, or 1, -1, 2, -2, ±inf; see [`MatrixOrd`]). With no axis, the
/// 2-norm of all elements when `ord` is `None`, else the vector or matrix
/// norm of a 1-D or 2-D `x`. JAX's `jnp.linalg.norm`.
///
/// ```
/// use rjax::{numpy as jnp, Array};
/// let a = Array::from_slice(&[3.0f32, 0.0, 0.0, -4.0], &[2, 2]);
/// let norm = |ord| jnp::linalg::norm(&a, ord, (), false).item::<f32>().unwrap();
/// assert_eq!(norm(None), 5.0); // Frobenius
/// assert_eq!(norm(Some(1.0)), 4.0); // largest column sum
/// assert_eq!(norm(Some(2.0)), 4.0); // largest singular value
/// assert_eq!(norm(Some(-2.0)), 3.0); // smallest singular value
/// ```
#[track_caller]
pub fn norm(x: &Array, ord: Option<f64>, axis: impl Into<Axes>, keepdims: bool) -> Array {
    let axis = axis.into();
    fallible(|| {
        let x = super::to_float(x);
        if axis == Axes::All && ord.is_none() {
            return Ok(vector(&x, None, Axes::All, keepdims));
        }
        let axes = normalize_axes("norm", &axis, x.ndim()?)?;
        match axes[..] {
            [a] => Ok(vector(&x, ord, Axes::from(a as i64), keepdims)),
            [row, col] => matrix(
                &x,
                ord.map_or(MatrixOrd::Fro, MatrixOrd::P),
                row,
                col,
                keepdims,
            ),
            _ => Err(Error::new(
                ErrorKind::Param,
                "norm",
                format!(
                    "takes one axis (a vector norm) or two (a matrix norm), not {}",
                    axes.len()
                ),
            )
            .with_operands(vec![x.aval()?])),
        }
    })
}

/// The vector norm of `x` over `axis` (all elements, flattened, by
/// default), of order `ord` (2: Euclidean; any p, ±inf, 0). JAX's
/// `jnp.linalg.vector_norm`.
///
/// ```
/// use rjax::{numpy as jnp, Array};
/// let x = Array::from_slice(&[3.0f32, 0.0, 0.0, -4.0], &[2, 2]);
/// assert_eq!(jnp::linalg::vector_norm(&x, 2.0, (), false).item::<f32>().unwrap(), 5.0);
/// assert_eq!(jnp::linalg::vector_norm(&x, 1.0, (), false).item::<f32>().unwrap(), 7.0);
/// ```
#[track_caller]
pub fn vector_norm(x: &Array, ord: f64, axis: impl Into<Axes>, keepdims: bool) -> Array {
    let axis = axis.into();
    fallible(|| Ok(vector(&super::to_float(x), Some(ord), axis, keepdims)))
}

/// The matrix norm of each matrix in the last two axes of `x`. JAX's
/// `jnp.linalg.matrix_norm`.
///
/// ```
/// use rjax::{numpy as jnp, Array};
/// use rjax::numpy::linalg::MatrixOrd;
/// let a = Array::from_slice(&[3.0f32, 0.0, 0.0, -4.0], &[2, 2]);
/// assert_eq!(jnp::linalg::matrix_norm(&a, MatrixOrd::Nuc, false).item::<f32>().unwrap(), 7.0);
/// assert_eq!(jnp::linalg::matrix_norm(&a, f64::INFINITY.into(), false).item::<f32>().unwrap(), 4.0);
/// ```
#[track_caller]
pub fn matrix_norm(x: &Array, ord: MatrixOrd, keepdims: bool) -> Array {
    fallible(|| {
        let x = super::to_float(x);
        let rank = x.ndim()?;
        if rank < 2 {
            return Err(Error::new(
                ErrorKind::Shape,
                "matrix_norm",
                format!("needs at least 2 dimensions, got {rank}"),
            )
            .with_operands(vec![x.aval()?]));
        }
        matrix(&x, ord, rank - 2, rank - 1, keepdims)
    })
}

/// The vector norm of order `ord` (2 when `None`) of float `x` over `axis`.
fn vector(x: &Array, ord: Option<f64>, axis: Axes, keepdims: bool) -> Array {
    let x = abs(x);
    match ord {
        None | Some(2.0) => sqrt(&sum(&(&x * &x), axis, keepdims)),
        Some(f64::INFINITY) => max(&x, axis, keepdims),
        Some(f64::NEG_INFINITY) => min(&x, axis, keepdims),
        Some(0.0) => Array::from_result(
            x.dtype()
                .map(|d| sum(&super::cast(&x.gt(0.0), d, false), axis, keepdims)),
        ),
        Some(1.0) => sum(&x, axis, keepdims),
        Some(p) => power(
            &sum(&power(&x, &Array::weak(p)), axis, keepdims),
            &Array::weak(1.0 / p),
        ),
    }
}

/// The matrix norm of float `x` over the axes `row` and `col`.
fn matrix(x: &Array, ord: MatrixOrd, row: usize, col: usize, keepdims: bool) -> Result<Array> {
    let both = Axes::Some(vec![row as i64, col as i64]);
    let a = abs(x);
    let squeezed = |r: Array| {
        if keepdims {
            r
        } else {
            squeeze(&r, both.clone())
        }
    };
    // An induced norm: sum `|a|` over one axis, then pick over the other.
    let induced = |summed: usize, pick: fn(&Array, Axes, bool) -> Array| {
        let other = row + col - summed;
        squeezed(pick(
            &sum(&a, summed as i64, true),
            Axes::from(other as i64),
            true,
        ))
    };
    let spectral = |reduce: fn(&Array, Axes, bool) -> Array| -> Result<Array> {
        let rank = x.ndim()?;
        let mut perm: Vec<usize> = (0..rank).filter(|&d| d != row && d != col).collect();
        perm.extend([row, col]);
        let s = crate::linalg::svd(&lax::transpose(x, &perm), false).0;
        let r = reduce(&s, Axes::from(-1i64), false);
        Ok(if keepdims {
            let (first, second) = (row.min(col), row.max(col));
            expand_dims(&expand_dims(&r, first as i64), second as i64)
        } else {
            r
        })
    };
    Ok(match ord {
        MatrixOrd::Fro => sqrt(&sum(&(&a * &a), both, keepdims)),
        MatrixOrd::Nuc => spectral(sum)?,
        MatrixOrd::P(1.0) => induced(row, max),
        MatrixOrd::P(-1.0) => induced(row, min),
        MatrixOrd::P(f64::INFINITY) => induced(col, max),
        MatrixOrd::P(f64::NEG_INFINITY) => induced(col, min),
        MatrixOrd::P(2.0) => spectral(max)?,
        MatrixOrd::P(-2.0) => spectral(min)?,
        MatrixOrd::P(p) => {
            return Err(Error::new(
                ErrorKind::Param,
                "norm",
                format!("a matrix norm's ord is 1, -1, 2, -2, ±inf, Fro or Nuc, not {p}"),
            )
            .with_operands(vec![x.aval()?]));
        }
    })
}
