//! `jax.scipy.linalg`: triangular and factored solves, LU and Cholesky
//! factors in SciPy's form, `block_diag`, the matrix exponential, and
//! SciPy's names for the `jnp.linalg` decompositions.

use crate::lax::linalg::{self as lax_linalg, SolveOptions};
use crate::numpy::{self as jnp, fallible, to_float};
use crate::{Array, DType, Error, ErrorKind, Result, lax, location};

pub use crate::numpy::linalg::{det, eigh, inv, svd};

/// Solve `a x = b` (or `aᵀ x = b` with `trans`) for triangular `a`
/// (`[..., n, n]`, its `lower` or upper triangle read); `b` is `[..., n]`
/// or `[..., n, k]`.
///
/// ```
/// use rjax::{Array, scipy::linalg};
/// let a = Array::from_slice(&[2.0f32, 0.0, 1.0, 1.0], &[2, 2]);
/// let x = linalg::solve_triangular(&a, &Array::from_slice(&[2.0f32, 3.0], &[2]), false, true, false);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![1.0, 2.0]);
/// ```
#[track_caller]
pub fn solve_triangular(
    a: &Array,
    b: &Array,
    trans: bool,
    lower: bool,
    unit_diagonal: bool,
) -> Array {
    fallible(|| {
        let options = SolveOptions {
            left_side: true,
            lower,
            transpose_a: trans,
            unit_diagonal,
        };
        let vector = b.ndim()? + 1 == a.ndim()?;
        let rhs = if vector {
            jnp::expand_dims(b, -1)
        } else {
            b.clone()
        };
        let x = lax_linalg::triangular_solve(a, &rhs, options);
        Ok(if vector { jnp::squeeze(&x, -1) } else { x })
    })
}

/// The Cholesky factor of `a` and which triangle it is: `L` with `a = L
/// Lᵀ` when `lower`, else `U = Lᵀ` (the other triangle zero).
#[track_caller]
pub fn cho_factor(a: &Array, lower: bool) -> (Array, bool) {
    let l = jnp::linalg::cholesky(a);
    let c = if lower { l } else { jnp::swapaxes(&l, -1, -2) };
    (c, lower)
}

/// Solve `a x = b` from `a`'s [`cho_factor`].
///
/// ```
/// use rjax::{Array, scipy::linalg};
/// let a = Array::from_slice(&[4.0f64, 2.0, 2.0, 3.0], &[2, 2]);
/// let x = linalg::cho_solve(&linalg::cho_factor(&a, true), &Array::from_slice(&[6.0f64, 5.0], &[2]));
/// let x = x.to_vec::<f64>().unwrap();
/// assert!((x[0] - 1.0).abs() < 1e-12 && (x[1] - 1.0).abs() < 1e-12);
/// ```
#[track_caller]
pub fn cho_solve(factor: &(Array, bool), b: &Array) -> Array {
    let (c, lower) = (&factor.0, factor.1);
    // a = L Lᵀ: solve L y = b, then Lᵀ x = y; with `c = U = Lᵀ` the same
    // two solves read U transposed first.
    let y = solve_triangular(c, b, !lower, lower, false);
    solve_triangular(c, &y, lower, lower, false)
}

/// The LU factors of `a` packed in one matrix (unit lower `L` below the
/// diagonal, `U` on and above) and LAPACK's pivots: row `i` was swapped
/// with row `piv[i]`.
#[track_caller]
pub fn lu_factor(a: &Array) -> (Array, Array) {
    let (lu, pivots, _) = lax_linalg::lu(a);
    (lu, pivots)
}

/// Solve `a x = b` from `a`'s [`lu_factor`] (one matrix `a`; `b` is `[n]`
/// or `[n, k]`).
///
/// ```
/// use rjax::{Array, scipy::linalg};
/// let a = Array::from_slice(&[0.0f64, 2.0, 1.0, 1.0], &[2, 2]);
/// let x = linalg::lu_solve(&linalg::lu_factor(&a), &Array::from_slice(&[4.0f64, 3.0], &[2]));
/// assert_eq!(x.to_vec::<f64>().unwrap(), vec![1.0, 2.0]);
/// ```
#[track_caller]
pub fn lu_solve(factors: &(Array, Array), b: &Array) -> Array {
    let (lu, pivots) = factors;
    fallible(|| {
        let permutation = pivots_to_permutation(pivots)?;
        let rows = jnp::take(b, &permutation, Some(0), crate::indexing::IndexMode::Clip);
        let y = solve_triangular(lu, &rows, false, true, true);
        Ok(solve_triangular(lu, &y, false, false, false))
    })
}

/// The row permutation that LAPACK's sequence of swaps makes.
#[track_caller]
fn pivots_to_permutation(pivots: &Array) -> Result<Array> {
    let shape = pivots.shape()?;
    if shape.len() != 1 {
        return Err(Error::new(
            ErrorKind::Shape,
            "lu_solve",
            "needs the pivots of one matrix",
        )
        .with_operands(vec![pivots.aval()?])
        .at(location::current()));
    }
    let n = shape[0];
    let swap = |i: Array, perm: Array| {
        let j = lax::dynamic_index_in_dim(pivots, &i, 0, false);
        let (at_i, at_j) = (
            lax::dynamic_index_in_dim(&perm, &i, 0, true),
            lax::dynamic_index_in_dim(&perm, &j, 0, true),
        );
        let perm = lax::dynamic_update_index_in_dim(&perm, &at_j, &i, 0);
        lax::dynamic_update_index_in_dim(&perm, &at_i, &j, 0)
    };
    crate::control::fori_loop(0, n as i32, swap, lax::iota(DType::I32, &[n], 0))
}

/// The matrices on the diagonal of one block matrix, zeros elsewhere; a
/// vector is one row, a scalar a 1×1 block.
///
/// ```
/// use rjax::{Array, scipy::linalg};
/// let d = linalg::block_diag(&[Array::scalar(1.0f32), Array::from_slice(&[2.0f32, 3.0], &[1, 2])]);
/// assert_eq!(d.to_vec::<f32>().unwrap(), vec![1.0, 0.0, 0.0, 0.0, 2.0, 3.0]);
/// ```
#[track_caller]
pub fn block_diag(blocks: &[Array]) -> Array {
    fallible(|| {
        let matrices = blocks
            .iter()
            .map(|b| Ok(jnp::atleast_2d(b)))
            .collect::<Result<Vec<_>>>()?;
        let widths = matrices
            .iter()
            .map(|m| Ok(m.shape()?[1] as i64))
            .collect::<Result<Vec<_>>>()?;
        let total: i64 = widths.iter().sum();
        let mut offset = 0;
        let mut rows = Vec::with_capacity(matrices.len());
        for (m, w) in matrices.iter().zip(&widths) {
            let zero = jnp::zeros_like(&Array::scalar(0.0f32), None).astype(m.dtype()?);
            rows.push(lax::pad(
                m,
                &zero,
                &[(0, 0, 0), (offset, total - offset - w, 0)],
            ));
            offset += w;
        }
        Ok(jnp::concatenate(&rows, 0))
    })
}

/// The matrix exponential `e^A` of each matrix, by the degree-13 Padé
/// approximant with scaling and squaring (Higham 2005): `A` is scaled by
/// `2^-s` to a 1-norm below 5.37, and the result squared `s` times.
///
/// ```
/// use rjax::{Array, scipy::linalg};
/// let a = Array::from_slice(&[0.0f64, 1.0, 0.0, 0.0], &[2, 2]);
/// let e = linalg::expm(&a).to_vec::<f64>().unwrap();
/// assert!(e.iter().zip([1.0, 1.0, 0.0, 1.0]).all(|(x, y)| (x - y).abs() < 1e-12));
/// ```
#[track_caller]
pub fn expm(a: &Array) -> Array {
    const THETA_13: f64 = 5.371920351148152;
    const B: [f64; 14] = [
        64764752532480000.0,
        32382376266240000.0,
        7771770303897600.0,
        1187353796428800.0,
        129060195264000.0,
        10559470521600.0,
        670442572800.0,
        33522128640.0,
        1323241920.0,
        40840800.0,
        960960.0,
        16380.0,
        182.0,
        1.0,
    ];
    fallible(|| {
        let a = to_float(a);
        let shape = a.shape()?;
        let n = match shape.as_slice() {
            [.., m, n] if m == n => *n,
            _ => {
                return Err(Error::new(
                    ErrorKind::Shape,
                    "expm",
                    "the argument must be a stack of square matrices [..., n, n]",
                )
                .with_operands(vec![a.aval()?])
                .at(location::current()));
            }
        };
        if shape.len() != 2 {
            return crate::vmap(|m: Array| expm(&m))(a);
        }
        let norm = jnp::max(&jnp::sum(&jnp::abs(&a), 0, false), (), false);
        let squarings = jnp::maximum(&jnp::ceil(&jnp::log2(&(&norm / THETA_13))), 0.0);
        let scaled = &a / &jnp::exp2(&squarings);
        let mm = |x: &Array, y: &Array| jnp::matmul(x, y);
        let eye = jnp::eye(n, None, 0, a.dtype()?);
        let a2 = mm(&scaled, &scaled);
        let a4 = mm(&a2, &a2);
        let a6 = mm(&a4, &a2);
        let sum =
            |c: [f64; 4]| &(&(&(&a6 * c[3]) + &(&a4 * c[2])) + &(&a2 * c[1])) + &(&eye * c[0]);
        let inner_u = &mm(&a6, &(&(&(&a6 * B[13]) + &(&a4 * B[11])) + &(&a2 * B[9])))
            + &sum([B[1], B[3], B[5], B[7]]);
        let u = mm(&scaled, &inner_u);
        let v = &mm(&a6, &(&(&(&a6 * B[12]) + &(&a4 * B[10])) + &(&a2 * B[8])))
            + &sum([B[0], B[2], B[4], B[6]]);
        let r = jnp::linalg::solve(&(&v - &u), &(&v + &u));
        let count = squarings.astype(DType::I32);
        crate::control::fori_loop_dynamic(&Array::scalar(0i32), &count, |_, r: Array| mm(&r, &r), r)
    })
}

/// The Cholesky factor of each matrix: `L` (`a = L Lᵀ`) when `lower`,
/// else `U = Lᵀ` (SciPy's default is upper).
#[track_caller]
pub fn cholesky(a: &Array, lower: bool) -> Array {
    cho_factor(a, lower).0
}

/// `(P, L, U)` with `a = P L U`: a permutation matrix, unit lower
/// triangular `L` and upper triangular `U`.
///
/// ```
/// use rjax::{Array, numpy as jnp, scipy::linalg};
/// let a = Array::from_slice(&[0.0f64, 2.0, 1.0, 1.0], &[2, 2]);
/// let (p, l, u) = linalg::lu(&a);
/// let back = jnp::matmul(&p, &jnp::matmul(&l, &u));
/// assert_eq!(back.to_vec::<f64>().unwrap(), vec![0.0, 2.0, 1.0, 1.0]);
/// ```
#[track_caller]
pub fn lu(a: &Array) -> (Array, Array, Array) {
    let (packed, _, permutation) = lax_linalg::lu(a);
    let result = (|| -> Result<(Array, Array, Array)> {
        let shape = packed.shape()?;
        let (m, n) = (shape[shape.len() - 2], shape[shape.len() - 1]);
        let k = m.min(n);
        let dtype = packed.dtype()?;
        let unit = jnp::eye(m, Some(k), 0, dtype);
        let l = &jnp::tril(&lax::slice_in_dim(&packed, None, Some(k as i64), 1, -1), -1) + &unit;
        let u = jnp::triu(&lax::slice_in_dim(&packed, None, Some(k as i64), 1, -2), 0);
        // Row i of `a` is row permutation[i] of `L U`: P has ones at
        // (permutation[i], i).
        let rows = jnp::eye(m, None, 0, dtype);
        let p = jnp::swapaxes(
            &jnp::take(
                &rows,
                &permutation,
                Some(-2),
                crate::indexing::IndexMode::Clip,
            ),
            -1,
            -2,
        );
        Ok((p, l, u))
    })();
    match result {
        Ok(plu) => plu,
        Err(e) => (
            Array::from_error(e.clone()),
            Array::from_error(e.clone()),
            Array::from_error(e),
        ),
    }
}

/// The solution of `a x = b`, as `jnp.linalg.solve`.
#[track_caller]
pub fn solve(a: &Array, b: &Array) -> Array {
    jnp::linalg::solve(a, b)
}

/// The Toeplitz matrix with first column `c` and first row `r` (`r[0]` is
/// ignored; `c` alone gives the symmetric one).
///
/// ```
/// use rjax::{Array, scipy::linalg};
/// let t = linalg::toeplitz(&Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]), None);
/// assert_eq!(t.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]);
/// ```
#[track_caller]
pub fn toeplitz(c: &Array, r: Option<&Array>) -> Array {
    fallible(|| {
        let c = jnp::ravel(c);
        let r = r.map_or_else(|| c.clone(), jnp::ravel);
        let (m, n) = (c.shape()?[0], r.shape()?[0]);
        // Entry (i, j) is c[i - j] below the diagonal, r[j - i] above:
        // index the concatenation [c reversed, r[1:]] at (m - 1) - i + j.
        let values = jnp::concatenate(
            &[jnp::flip(&c, 0), lax::slice_in_dim(&r, Some(1), None, 1, 0)],
            0,
        );
        let i = lax::broadcasted_iota(DType::I32, &[m, n], 0);
        let j = lax::broadcasted_iota(DType::I32, &[m, n], 1);
        let index = &(&j - &i) + (m as i32 - 1);
        Ok(jnp::take(
            &values,
            &index,
            Some(0),
            crate::indexing::IndexMode::Clip,
        ))
    })
}
