//! The singular value decomposition by one-sided Jacobi (Hestenes): the
//! columns of `a` are rotated in pairs until they are orthogonal; their
//! norms are the singular values and the accumulated rotations `V`. The
//! derivative is JAX's closed form, given as a custom JVP rule.

use super::jacobi::{Lines, Sweep, angle, off_diagonal, turn};
use super::native::{self, Factorization};
use super::{per_matrix, qr};
use crate::indexing::IndexMode;
use crate::numpy as jnp;
use crate::{AVal, Array, DType, Error, ErrorKind, Result, custom_jvp, lax, location};

/// The singular value decomposition `a = U diag(s) Vᵀ` of each matrix
/// (`[..., m, n]`, `k = min(m, n)`): `(s, U, Vᵀ)` with `s` descending, `U`
/// `[..., m, k]` and `Vᵀ` `[..., k, n]`, or with `full_matrices` `U`
/// `[..., m, m]` and `Vᵀ` `[..., n, n]`. Each pair of singular vectors has
/// an arbitrary sign (LAPACK's differ); with zero singular values the
/// matching columns of `U` are zero. JAX's `lax.linalg.svd`; as in JAX,
/// the derivative of the full (non-square) form is an error.
///
/// ```
/// use rjax::{Array, lax};
/// let a = Array::from_slice(&[3.0f32, 0.0, 4.0, 5.0], &[2, 2]);
/// let (s, _, _) = lax::linalg::svd(&a, false);
/// let s = s.to_vec::<f32>().unwrap();
/// assert!((s[0] - 45f32.sqrt()).abs() < 1e-5 && (s[1] - 5f32.sqrt()).abs() < 1e-5);
/// ```
#[track_caller]
pub fn svd(a: &Array, full_matrices: bool) -> (Array, Array, Array) {
    let location = location::current();
    match per_matrix("svd", a, |m| differentiable(m, full_matrices)) {
        Ok((s, u, vt)) => (
            s.located(location),
            u.located(location),
            vt.located(location),
        ),
        Err(e) => {
            let e = Array::from_error(e.at(location));
            (e.clone(), e.clone(), e)
        }
    }
}

/// [`svd`] of one matrix, with JAX's JVP (reduced or square).
fn differentiable(a: &Array, full_matrices: bool) -> (Array, Array, Array) {
    let Ok(shape) = a.shape() else {
        return (a.clone(), a.clone(), a.clone());
    };
    let (m, n) = (shape[0], shape[1]);
    let rule = custom_jvp(
        move |a: Array| decompose(&a, full_matrices),
        move |a: Array, da: Array| {
            let (s, u, vt) = decompose(&a, full_matrices);
            if full_matrices && m != n {
                let e = Array::from_error(Error::new(
                    ErrorKind::Param,
                    "svd",
                    "the derivative of the full decomposition of a non-square matrix is not \
                     implemented (as in JAX); use full_matrices = false",
                ));
                return ((s, u, vt), (e.clone(), e.clone(), e));
            }
            // Here the decomposition is the reduced one.
            let tangents = tangent(&s, &u, &vt, &da).unwrap_or_else(|e| {
                let e = Array::from_error(e);
                (e.clone(), e.clone(), e)
            });
            ((s, u, vt), tangents)
        },
    );
    rule.call(a.clone()).unwrap_or_else(|e| {
        let e = Array::from_error(e);
        (e.clone(), e.clone(), e)
    })
}

/// The tangents `(ds, dU, dVᵀ)` of the reduced decomposition for `da`.
fn tangent(s: &Array, u: &Array, vt: &Array, da: &Array) -> Result<(Array, Array, Array)> {
    let (m, n) = (u.shape()?[0], vt.shape()?[1]);
    let AVal { shape, dtype, .. } = s.aval()?;
    let k = shape[0];
    let v = vt.t();
    let projected = jnp::matmul(&jnp::matmul(&u.t(), da), &v);
    let ds = jnp::diagonal(&projected, 0, 0, 1);
    let row = jnp::expand_dims(s, 0);
    let eye = jnp::eye(k, None, 0, dtype);
    // F_ij = 1 / (s_j² - s_i²) off the diagonal, 0 on it.
    let gaps = &(&row + &row.t()) * &(&row - &row.t());
    let f = &(1.0 / &(&gaps + &eye)) - &eye;
    let inverse = |x: &Array| {
        let zero = jnp::equal(x, &Array::weak(0.0)).astype(dtype);
        &(1.0 / &(x + &zero)) - &zero
    };
    let ps = &row * &projected;
    let sp = &row.t() * &projected;
    let skew = &(&(&projected - &projected.t()) * 0.5) * &jnp::diag(&inverse(s), 0);
    let mut du = jnp::matmul(u, &(&(&f * &(&ps + &ps.t())) + &skew));
    let mut dv = jnp::matmul(&v, &(&f * &(&sp + &sp.t())));
    if m > n {
        let dav = jnp::matmul(da, &v);
        du = &du + &(&(&dav - &jnp::matmul(u, &jnp::matmul(&u.t(), &dav))) / &row);
    }
    if n > m {
        let dau = jnp::matmul(&da.t(), u);
        dv = &dv + &(&(&dau - &jnp::matmul(&v, &jnp::matmul(vt, &dau))) / &row);
    }
    Ok((ds, du, dv.t()))
}

/// `(s, U, Vᵀ)`: on the host where the custom call serves it, by
/// [`one_sided_jacobi`] elsewhere.
fn decompose(a: &Array, full_matrices: bool) -> (Array, Array, Array) {
    match native::try_factor(Factorization::Svd { full_matrices }, a).as_deref() {
        Some([s, u, vt]) => (s.clone(), u.clone(), vt.clone()),
        _ => one_sided_jacobi(a, full_matrices),
    }
}

/// `(s, U, Vᵀ)` by one-sided Jacobi on the columns (of `aᵀ` when `a` is
/// wide).
fn one_sided_jacobi(a: &Array, full_matrices: bool) -> (Array, Array, Array) {
    let Ok(AVal { shape, dtype, .. }) = a.aval() else {
        return (a.clone(), a.clone(), a.clone());
    };
    let (m, n) = (shape[0], shape[1]);
    if m < n {
        let (s, u, vt) = one_sided_jacobi(&a.t(), full_matrices);
        return (s, vt.t(), u.t());
    }
    let eps = jnp::finfo(dtype).map_or(f64::EPSILON, |f| f.eps);
    // Rotating columns p and q of U by the angle that diagonalizes their
    // 2 × 2 Gram matrix makes them orthogonal.
    let rotate = |p: &Array, q: &Array, (u, v): (Array, Array)| {
        let column = |i: &Array| {
            let at = [
                lax::convert_element_type(&Array::scalar(0i32), DType::I32),
                i.clone(),
            ];
            lax::dynamic_slice(&u, &at, &[m, 1])
        };
        let (up, uq) = (column(p), column(q));
        let dot = |x: &Array, y: &Array| jnp::sum(&(x * y), (), false);
        let (_, c, s) = angle(&dot(&up, &up), &dot(&uq, &uq), &dot(&up, &uq));
        let u = turn(&u, Lines::Columns, p, q, &c, &s);
        (u, turn(&v, Lines::Columns, p, q, &c, &s))
    };
    let gram = |u: &Array| jnp::matmul(&u.t(), u);
    let tolerance = &jnp::sum(&jnp::square(&gram(a)), (), false) * (eps * eps);
    let off = |(u, _): &(Array, Array)| off_diagonal(&gram(u));
    let start = (a.clone(), jnp::eye(n, None, 0, dtype));
    let (u, v) = match Sweep::new(n).run(start, &tolerance, off, rotate) {
        Ok(out) => out,
        Err(e) => {
            let e = Array::from_error(e);
            return (e.clone(), e.clone(), e);
        }
    };
    let norms = jnp::sum(&jnp::square(&u), 0, false).sqrt();
    let order = jnp::argsort(&-&norms, Some(0));
    let s = jnp::take(&norms, &order, Some(0), IndexMode::Clip);
    let nonzero = jnp::where_(&jnp::equal(&s, &Array::weak(0.0)), &Array::weak(1.0), &s);
    let u = &jnp::take(&u, &order, Some(1), IndexMode::Clip) / &jnp::expand_dims(&nonzero, 0);
    let v = jnp::take(&v, &order, Some(1), IndexMode::Clip);
    if !full_matrices || m == n {
        return (s, u, v.t());
    }
    // Complete U with an orthonormal basis of the complement of its columns.
    let (q, _) = qr(&u, true);
    let rest = lax::slice(&q, &[0, n], &[m, m], None);
    (s, jnp::concatenate(&[u, rest], 1), v.t())
}
