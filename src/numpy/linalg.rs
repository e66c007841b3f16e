//! `jnp.linalg`: `cholesky`, `qr`, `eigh`, `eigvalsh`, `svd`, `svdvals`,
//! `pinv`, `matrix_rank`, `solve`, `inv`, `det`, `slogdet` (through
//! `lax.linalg`'s Cholesky, QR, Jacobi eigensolver and SVD, LU and
//! triangular solves) and `norm`.

pub use super::norms::{MatrixOrd, matrix_norm, norm, vector_norm};
use super::{expand_dims, fallible, prod, sum, swapaxes, take_along_axis};
use crate::indexing::IndexMode;
use crate::lax::linalg::{self as lax_linalg, SolveOptions};
use crate::{Array, DType, Error, ErrorKind, lax, location};

/// The lower Cholesky factor of each matrix, `a = L Lᵀ`, computed from the
/// symmetrized `(a + aᵀ) / 2` as JAX does (so the derivative is symmetric).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let a = Array::from_slice(&[4.0f32, 2.0, 2.0, 5.0], &[2, 2]);
/// assert_eq!(jnp::linalg::cholesky(&a).to_vec::<f32>().unwrap(), vec![2.0, 0.0, 1.0, 2.0]);
/// ```
#[track_caller]
pub fn cholesky(a: &Array) -> Array {
    fallible(|| {
        square_matrices("cholesky", a)?;
        let symmetric = &(a + &swapaxes(a, -1, -2)) * 0.5;
        Ok(lax_linalg::cholesky(&symmetric))
    })
}

/// Which factors [`qr`] returns: `Q` of `[..., m, k]` and `R` of `[..., k,
/// n]` (`Reduced`, JAX's default, `k = min(m, n)`), or `Q` square and `R`
/// of `a`'s shape (`Complete`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum QrMode {
    #[default]
    Reduced,
    Complete,
}

/// The QR decomposition `a = Q R` of each matrix, by Householder
/// reflections with LAPACK's signs (as JAX's).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let a = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]);
/// let (q, r) = jnp::linalg::qr(&a, jnp::linalg::QrMode::Reduced);
/// assert_eq!((q.shape().unwrap(), r.shape().unwrap()), (vec![3, 2], vec![2, 2]));
/// let back = jnp::matmul(&q, &r).to_vec::<f32>().unwrap();
/// assert!(back.iter().zip(1..=6).all(|(x, y)| (x - y as f32).abs() < 1e-5));
/// ```
#[track_caller]
pub fn qr(a: &Array, mode: QrMode) -> (Array, Array) {
    lax_linalg::qr(a, mode == QrMode::Complete)
}

/// Eigenvalues (ascending) and eigenvectors of each symmetric matrix,
/// `(w, V)` with `a = V diag(w) Vᵀ` (JAX's `jnp.linalg.eigh` order;
/// [`crate::lax::linalg::eigh`] returns `(V, w)`). `a` is symmetrized
/// first, as JAX does; each eigenvector's sign is arbitrary.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let a = Array::from_slice(&[2.0f32, 0.0, 0.0, -1.0], &[2, 2]);
/// let (w, _) = jnp::linalg::eigh(&a);
/// assert_eq!(w.to_vec::<f32>().unwrap(), vec![-1.0, 2.0]);
/// ```
#[track_caller]
pub fn eigh(a: &Array) -> (Array, Array) {
    let (v, w) = lax_linalg::eigh(a);
    (w, v)
}

/// The eigenvalues and right eigenvectors `(w, V)` of each general square
/// matrix, complex (JAX's `jnp.linalg.eig`; see
/// [`crate::linalg::eig`]). CPU only; not differentiable (as in JAX; see
/// [`eigvals`]).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let a = Array::from_slice(&[0.0f32, -1.0, 1.0, 0.0], &[2, 2]);
/// let (w, _) = jnp::linalg::eig(&a);
/// let mut im: Vec<f32> = w.to_vec::<rjax::Complex<f32>>().unwrap().iter().map(|z| z.im).collect();
/// im.sort_by(f32::total_cmp);
/// assert!((im[0] + 1.0).abs() < 1e-6 && (im[1] - 1.0).abs() < 1e-6);
/// ```
#[track_caller]
pub fn eig(a: &Array) -> (Array, Array) {
    crate::linalg::eig(a)
}

/// The eigenvalues of each general square matrix, complex; differentiable
/// as in JAX (`dw = diag(V⁻¹ da V)`, `V` the eigenvectors).
///
/// ```
/// use rjax::{Array, grad, numpy as jnp};
/// // The eigenvalues sum to the trace, whose gradient is the identity.
/// let a = Array::from_slice(&[2.0f32, 1.0, -1.0, 3.0], &[2, 2]);
/// let g = grad(|a: Array| jnp::linalg::eigvals(&a).real().sum())(a).unwrap();
/// let g = g.to_vec::<f32>().unwrap();
/// let want = [1.0f32, 0.0, 0.0, 1.0];
/// assert!(g.iter().zip(want).all(|(g, w)| (g - w).abs() < 1e-5), "{g:?}");
/// ```
#[track_caller]
pub fn eigvals(a: &Array) -> Array {
    crate::linalg::eigvals(a)
}

/// The eigenvalues of each symmetric matrix, ascending.
#[track_caller]
pub fn eigvalsh(a: &Array) -> Array {
    lax_linalg::eigh(a).1
}

/// The singular value decomposition `(U, s, Vᵀ)` of each matrix, `s`
/// descending (JAX's `jnp.linalg.svd` order; [`crate::lax::linalg::svd`]
/// has the details). JAX's default is `full_matrices = true`.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let a = Array::from_slice(&[2.0f32, 0.0, 0.0, 0.0, -3.0, 0.0], &[2, 3]);
/// let (u, s, vt) = jnp::linalg::svd(&a, false);
/// assert_eq!((u.shape().unwrap(), vt.shape().unwrap()), (vec![2, 2], vec![2, 3]));
/// assert_eq!(s.to_vec::<f32>().unwrap(), vec![3.0, 2.0]);
/// ```
#[track_caller]
pub fn svd(a: &Array, full_matrices: bool) -> (Array, Array, Array) {
    let (s, u, vt) = lax_linalg::svd(a, full_matrices);
    (u, s, vt)
}

/// The singular values of each matrix, descending.
#[track_caller]
pub fn svdvals(a: &Array) -> Array {
    lax_linalg::svd(a, false).0
}

/// The pseudo-inverse of each matrix: `V diag(1/s) Uᵀ` over the singular
/// values above `rtol · max(s)` (default `rtol`: `10 · max(m, n) · eps`, as
/// JAX's).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let a = Array::from_slice(&[1.0f32, 2.0, 2.0, 4.0], &[2, 2]);
/// let p = jnp::linalg::pinv(&a, None).to_vec::<f32>().unwrap();
/// let want = [0.04f32, 0.08, 0.08, 0.16];
/// assert!(p.iter().zip(want).all(|(x, y)| (x - y).abs() < 1e-6));
/// ```
#[track_caller]
pub fn pinv(a: &Array, rtol: Option<f64>) -> Array {
    fallible(|| {
        let (shape, dtype) = (a.shape()?, a.dtype()?);
        let (u, s, vt) = svd(a, false);
        let rtol = rtol.unwrap_or_else(|| default_rtol(dtype, &shape));
        let cutoff = &jnp_max_last(&s) * rtol;
        let kept = s.gt(&cutoff);
        let inverse = lax::select(&kept, &(1.0 / &s), &super::zeros_like(&s, None));
        let scaled = &swapaxes(&vt, -1, -2) * &expand_dims(&inverse, -2);
        Ok(super::matmul(&scaled, &swapaxes(&u, -1, -2)))
    })
}

/// The number of singular values of each matrix above `rtol · max(s)`
/// (default `rtol`: `max(m, n) · eps`, as JAX's), as int32.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let a = Array::from_slice(&[1.0f32, 2.0, 2.0, 4.0], &[2, 2]);
/// assert_eq!(jnp::linalg::matrix_rank(&a, None).item::<i32>().unwrap(), 1);
/// ```
#[track_caller]
pub fn matrix_rank(a: &Array, rtol: Option<f64>) -> Array {
    fallible(|| {
        let (shape, dtype) = (a.shape()?, a.dtype()?);
        let s = svdvals(a);
        let rtol = rtol.unwrap_or_else(|| default_rtol(dtype, &shape) / 10.0);
        let above = s.gt(&(&jnp_max_last(&s) * rtol));
        Ok(sum(&above.astype(DType::I32), -1, false))
    })
}

/// `10 · max(m, n) · eps` for matrices of `shape`.
fn default_rtol(dtype: DType, shape: &[usize]) -> f64 {
    let eps = super::finfo(dtype).map_or(f64::EPSILON, |f| f.eps);
    let r = shape.len();
    10.0 * shape[r.saturating_sub(2)..]
        .iter()
        .copied()
        .max()
        .unwrap_or(1) as f64
        * eps
}

/// The largest singular value, kept as a trailing axis of length 1.
fn jnp_max_last(s: &Array) -> Array {
    super::max(s, -1, true)
}

/// The solution `x` of `a x = b`: `b` is `[..., m]` (one right-hand side)
/// or `[..., m, k]`.
#[track_caller]
pub fn solve(a: &Array, b: &Array) -> Array {
    fallible(|| {
        let (ra, rb) = (square_matrices("solve", a)?.len(), b.ndim()?);
        if rb != ra && rb + 1 != ra {
            return Err(Error::new(
                ErrorKind::Shape,
                "solve",
                "a must be [..., m, m] and b [..., m] or [..., m, k]",
            )
            .with_operands(vec![a.aval()?, b.aval()?])
            .at(location::current()));
        }
        if rb + 1 == ra {
            let x = solve(a, &expand_dims(b, -1));
            return Ok(lax::squeeze(&x, &[ra - 1]));
        }
        let (lu, _, permutation) = lax_linalg::lu(a);
        let rows = expand_dims(&permutation, -1);
        let permuted = take_along_axis(b, &rows, -2, IndexMode::Clip);
        let lower = SolveOptions {
            left_side: true,
            lower: true,
            unit_diagonal: true,
            ..SolveOptions::default()
        };
        let y = lax_linalg::triangular_solve(&lu, &permuted, lower);
        let upper = SolveOptions {
            left_side: true,
            ..SolveOptions::default()
        };
        Ok(lax_linalg::triangular_solve(&lu, &y, upper))
    })
}

/// The inverse of each matrix.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let a = Array::from_slice(&[2.0f32, 0.0, 0.0, 4.0], &[2, 2]);
/// assert_eq!(jnp::linalg::inv(&a).to_vec::<f32>().unwrap(), vec![0.5, 0.0, 0.0, 0.25]);
/// ```
#[track_caller]
pub fn inv(a: &Array) -> Array {
    fallible(|| {
        let shape = square_matrices("inv", a)?;
        let n = shape[shape.len() - 1];
        let eye = super::eye(n, None, 0, a.dtype()?);
        Ok(solve(a, &super::broadcast_to(&eye, &shape)))
    })
}

/// The sign (±1, or 0 for a singular matrix) and the log of the absolute
/// value of each matrix's determinant.
#[track_caller]
pub fn slogdet(a: &Array) -> (Array, Array) {
    let found = square_matrices("slogdet", a).and_then(|_| lu_diagonal(a));
    let (diagonal, parity) = match found {
        Ok(found) => found,
        Err(e) => return (Array::from_error(e.clone()), Array::from_error(e)),
    };
    let sign = &prod(&lax::sign(&diagonal), -1, false) * &parity;
    let logabsdet = sum(&lax::log(&lax::abs(&diagonal)), -1, false);
    (sign, logabsdet)
}

/// The determinant of each matrix: the product of `U`'s diagonal, negated
/// for an odd number of row swaps.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let a = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]);
/// assert!((jnp::linalg::det(&a).item::<f32>().unwrap() + 2.0).abs() < 1e-6);
/// ```
#[track_caller]
pub fn det(a: &Array) -> Array {
    fallible(|| {
        square_matrices("det", a)?;
        let (diagonal, parity) = lu_diagonal(a)?;
        Ok(&prod(&diagonal, -1, false) * &parity)
    })
}

/// `a`'s shape, checked to be a stack of square matrices `[..., n, n]`;
/// the error names `op` and the caller's line.
#[track_caller]
fn square_matrices(op: &str, a: &Array) -> Result<Vec<usize>, Error> {
    let shape = a.shape()?;
    match shape.as_slice() {
        [.., m, n] if m == n => Ok(shape),
        _ => Err(Error::new(
            ErrorKind::Shape,
            op,
            "the argument must be a stack of square matrices [..., n, n]",
        )
        .with_operands(vec![a.aval()?])
        .at(location::current())),
    }
}

/// `U`'s diagonal of the LU decomposition, and `(-1)^(row swaps)`.
#[track_caller]
fn lu_diagonal(a: &Array) -> Result<(Array, Array), Error> {
    let (lu, pivots, _) = lax_linalg::lu(a);
    let r = lu.ndim()?;
    let diagonal = super::diagonal(&lu, 0, r as i64 - 2, r as i64 - 1);
    let pivots_shape = pivots.shape()?;
    let k = pivots_shape.last().copied().unwrap_or(0);
    let steps = lax::iota(DType::I32, &[k], 0);
    let steps = lax::broadcast_in_dim(
        &steps,
        &pivots_shape,
        &[pivots_shape.len().saturating_sub(1)],
    );
    let swaps = sum(&lax::ne(&pivots, &steps).astype(DType::I32), -1, false);
    let odd = lax::eq(&(&swaps % 2), &Array::scalar(1i32));
    let one = lax::convert_element_type(&Array::scalar(1.0f32), a.dtype()?);
    let parity = crate::numpy::where_(&odd, &lax::neg(&one), &one);
    Ok((diagonal, parity))
}

/// The least-squares solution `x` of `a x ≈ b` for an `(m, n)` matrix `a`
/// and `b` of `(m,)` or `(m, k)`, through the SVD: `(x, residuals, rank,
/// singular values)`. Singular values below `rcond · s_max` (default
/// `max(m, n) · eps`) count as zero; the residuals are the squared norms of
/// `b - a x` per column (JAX's default, not numpy's empty array).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let a = Array::from_slice(&[1.0f32, 0.0, 1.0, 1.0, 1.0, 2.0], &[3, 2]);
/// let b = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
/// let (x, _, rank, _) = jnp::linalg::lstsq(&a, &b, None);
/// let x = x.to_vec::<f32>().unwrap();
/// assert!((x[0] - 1.0).abs() < 1e-5 && (x[1] - 1.0).abs() < 1e-5);
/// assert_eq!(rank.item::<i32>().unwrap(), 2);
/// ```
#[track_caller]
pub fn lstsq(a: &Array, b: &Array, rcond: Option<f64>) -> (Array, Array, Array, Array) {
    let _scope = location::scope();
    let result = (|| {
        let (a, b) = super::promote_broadcast_dtype_only(&super::to_float(a), &super::to_float(b))?;
        let (sa, sb) = (a.shape()?, b.shape()?);
        if sa.len() != 2 || !(1..=2).contains(&sb.len()) || sa[0] != sb[0] {
            return Err(Error::new(
                ErrorKind::Shape,
                "lstsq",
                "a must be (m, n) and b (m,) or (m, k)",
            )
            .with_operands(vec![a.aval()?, b.aval()?])
            .at(location::current()));
        }
        let vector = sb.len() == 1;
        let b = if vector { expand_dims(&b, -1) } else { b };
        let (m, n) = (sa[0], sa[1]);
        let dtype = a.dtype()?;
        let eps = super::finfo(dtype)?.eps;
        let rcond = match rcond {
            None => eps * m.max(n) as f64,
            Some(r) if r < 0.0 => eps,
            Some(r) => r,
        };
        let (u, s, vt) = svd(&a, false);
        let first = s.get(crate::idx![0]);
        let kept = super::logical_and(s.gt(0.0), s.ge(&first * rcond));
        let rank = sum(&kept.astype(DType::I32), (), false);
        let safe = super::where_(&kept, &s, 1.0);
        let inverse = super::where_(&kept, 1.0 / &safe, 0.0);
        let utb = super::matmul(&swapaxes(&u, 0, 1), &b);
        let x = super::matmul(&swapaxes(&vt, 0, 1), &(expand_dims(&inverse, -1) * utb));
        let misfit = &b - &super::matmul(&a, &x);
        let residuals = sum(&(&misfit * &misfit), 0, false);
        let x = if vector { lax::squeeze(&x, &[1]) } else { x };
        Ok((x, residuals, rank, s))
    })();
    result.unwrap_or_else(|e| {
        let e = Array::from_error(e);
        (e.clone(), e.clone(), e.clone(), e)
    })
}

/// Each square matrix raised to the integer power `n` by repeated squaring
/// (`n < 0` inverts first; `n == 0` gives identities).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let a = Array::from_slice(&[1.0f32, 1.0, 0.0, 1.0], &[2, 2]);
/// assert_eq!(jnp::linalg::matrix_power(&a, 3).to_vec::<f32>().unwrap(), vec![1.0, 3.0, 0.0, 1.0]);
/// ```
#[track_caller]
pub fn matrix_power(a: &Array, n: i64) -> Array {
    fallible(|| {
        let shape = square_matrices("matrix_power", a)?;
        let k = shape[shape.len() - 1];
        if n == 0 {
            let eye = super::eye(k, None, 0, a.dtype()?);
            return Ok(super::broadcast_to(&eye, &shape));
        }
        let mut base = if n < 0 { inv(a) } else { a.clone() };
        let mut n = n.unsigned_abs();
        let mut result: Option<Array> = None;
        loop {
            if n % 2 == 1 {
                result = Some(match result {
                    None => base.clone(),
                    Some(r) => super::matmul(&r, &base),
                });
            }
            n /= 2;
            if n == 0 {
                break;
            }
            base = super::matmul(&base, &base);
        }
        Ok(result.unwrap_or(base))
    })
}

/// The tensor `x` with `tensordot(a, x, x.ndim) == b`: `a`'s leading axes
/// match `b`, its trailing ones give `x`'s shape.
#[track_caller]
pub fn tensorsolve(a: &Array, b: &Array) -> Array {
    fallible(|| {
        let (sa, sb) = (a.shape()?, b.shape()?);
        let out: Vec<usize> = sa.get(sb.len()..).unwrap_or(&[]).to_vec();
        let (rows, cols) = (sb.iter().product::<usize>(), out.iter().product::<usize>());
        if sa.len() < sb.len() || sa[..sb.len()] != sb[..] || rows != cols {
            return Err(Error::new(
                ErrorKind::Shape,
                "tensorsolve",
                "a's leading axes must be b's shape and the rest as large",
            )
            .with_operands(vec![a.aval()?, b.aval()?])
            .at(location::current()));
        }
        let x = solve(&lax::reshape(a, &[rows, cols]), &lax::reshape(b, &[rows]));
        Ok(lax::reshape(&x, &out))
    })
}
