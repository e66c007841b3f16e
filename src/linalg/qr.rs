//! The QR decomposition by Householder reflections, as LAPACK's `geqrf`
//! computes it (and so with its signs: `R`'s diagonal is `-sign(a_jj) ‖x‖`
//! for each reflected column `x`), written as a loop of rank-1 updates so
//! that every transformation applies to it.

use super::native::{self, Factorization};
use super::{SolveOptions, per_matrix, triangular_solve};
use crate::lax;
use crate::numpy as jnp;
use crate::{AVal, Array, DType, control, custom_jvp, location};

/// The QR decomposition of each matrix `a` (`[..., m, n]`): `a = Q R` with
/// `Q` orthonormal and `R` upper triangular. With `full_matrices`, `Q` is
/// `[..., m, m]` and `R` `[..., m, n]`; otherwise (`k = min(m, n)`) `Q` is
/// `[..., m, k]` and `R` `[..., k, n]`. JAX's `lax.linalg.qr`.
///
/// ```
/// use rjax::{Array, lax};
/// let a = Array::from_slice(&[3.0f32, 1.0, 4.0, 2.0], &[2, 2]);
/// let (q, r) = lax::linalg::qr(&a, false);
/// let close = |x: Vec<f32>, y: &[f32]| x.iter().zip(y).all(|(a, b)| (a - b).abs() < 1e-6);
/// assert!(close(q.to_vec().unwrap(), &[-0.6, -0.8, -0.8, 0.6]));
/// assert!(close(r.to_vec().unwrap(), &[-5.0, -2.2, 0.0, 0.4]));
/// ```
#[track_caller]
pub fn qr(a: &Array, full_matrices: bool) -> (Array, Array) {
    let location = location::current();
    match per_matrix("qr", a, |m| qr_of_matrix(m, full_matrices)) {
        Ok((q, r)) => (q.located(location), r.located(location)),
        Err(e) => {
            let e = Array::from_error(e.at(location));
            (e.clone(), e)
        }
    }
}

fn qr_of_matrix(a: &Array, full_matrices: bool) -> (Array, Array) {
    let Ok(AVal { shape, dtype, .. }) = a.aval() else {
        return (a.clone(), a.clone());
    };
    let (m, n) = (shape[0], shape[1]);
    // JAX's closed-form derivative covers tall and square matrices (the
    // loop below differentiates the other shapes too).
    if m >= n && (!full_matrices || m == n) && native::enabled(dtype) {
        return on_host(a, full_matrices);
    }
    householder(a, full_matrices)
}

/// [`qr`] of one matrix (`m ≥ n`, `Q` `[m, n]` and `R` `[n, n]`) through
/// the host custom call, with JAX's JVP.
fn on_host(a: &Array, full_matrices: bool) -> (Array, Array) {
    let factor = move |a: &Array| match native::try_factor(Factorization::Qr { full_matrices }, a)
        .as_deref()
    {
        Some([q, r]) => (q.clone(), r.clone()),
        _ => householder(a, full_matrices),
    };
    let rule = custom_jvp(
        move |a: Array| factor(&a),
        move |a: Array, da: Array| {
            let (q, r) = factor(&a);
            let tangents = tangent(&q, &r, &da);
            ((q, r), tangents)
        },
    );
    rule.call(a.clone()).unwrap_or_else(|e| {
        let e = Array::from_error(e);
        (e.clone(), e)
    })
}

/// The tangents `(dQ, dR)` of `a = Q R` along `da` (`R` square):
/// with `X = Qᵀ da R⁻¹` and `Ω` the skew-symmetric matrix of `X`'s strict
/// lower triangle, `dQ = Q (Ω - X) + da R⁻¹` and `dR = (X - Ω) R`.
fn tangent(q: &Array, r: &Array, da: &Array) -> (Array, Array) {
    let right_upper = SolveOptions {
        left_side: false,
        lower: false,
        ..SolveOptions::default()
    };
    let da_rinv = triangular_solve(r, da, right_upper);
    let x = jnp::matmul(&q.t(), &da_rinv);
    let lower = jnp::tril(&x, -1);
    let omega = &lower - &lower.t();
    let dq = &jnp::matmul(q, &(&omega - &x)) + &da_rinv;
    let dr = jnp::matmul(&(&x - &omega), r);
    (dq, dr)
}

/// [`qr`] of one matrix by Householder reflections.
fn householder(a: &Array, full_matrices: bool) -> (Array, Array) {
    let Ok(AVal { shape, dtype, .. }) = a.aval() else {
        return (a.clone(), a.clone());
    };
    let (m, n) = (shape[0], shape[1]);
    let k = m.min(n);
    let rows = lax::iota(DType::I32, &[m], 0);
    let zeros = jnp::zeros(&[m], dtype);
    let step = |j: Array, (a, q): (Array, Array)| {
        let column = lax::reshape(
            &lax::dynamic_slice(&a, &[Array::scalar(0i32), j.clone()], &[m, 1]),
            &[m],
        );
        let at_j = lax::eq(&rows, &j);
        let alpha = jnp::sum(&jnp::where_(&at_j, &column, &zeros), (), false);
        let below = jnp::where_(&lax::gt(&rows, &j), &column, &zeros);
        let norm_below = jnp::sum(&(&below * &below), (), false).sqrt();
        // LAPACK's dlarfg: H = I - tau v vᵀ maps the column to beta e_j.
        let untouched = jnp::equal(&norm_below, &Array::weak(0.0));
        let beta = -&jnp::copysign(&jnp::hypot(&alpha, &norm_below), &alpha);
        let safe = |x: Array| jnp::where_(&untouched, &Array::weak(1.0), &x);
        let tau = jnp::where_(
            &untouched,
            &Array::weak(0.0),
            &(&(&beta - &alpha) / &safe(beta.clone())),
        );
        let v = jnp::where_(&at_j, &Array::weak(1.0), &(&below / &safe(&alpha - &beta)));
        let a = &a - &(&tau * &jnp::outer(&v, &jnp::matmul(&v, &a)));
        let q = &q - &(&tau * &jnp::outer(&jnp::matmul(&q, &v), &v));
        // The reflected column is exactly beta e_j.
        let diagonal = jnp::where_(&untouched, &alpha, &beta);
        let reflected = jnp::where_(&at_j, &diagonal, &zeros);
        let in_column =
            lax::broadcast_in_dim(&lax::eq(&lax::iota(DType::I32, &[n], 0), &j), &[m, n], &[1]);
        let a = jnp::where_(
            &lax::bitwise_and(
                &in_column,
                &lax::broadcast_in_dim(&lax::ge(&rows, &j), &[m, n], &[0]),
            ),
            &lax::broadcast_in_dim(&reflected, &[m, n], &[0]),
            &a,
        );
        (a, q)
    };
    let init = (a.clone(), jnp::eye(m, None, 0, dtype));
    let (r, q) = match control::fori_loop(0, k as i32, step, init) {
        Ok(out) => out,
        Err(e) => {
            let e = Array::from_error(e);
            return (e.clone(), e);
        }
    };
    let r = jnp::triu(&r, 0);
    if full_matrices {
        (q, r)
    } else {
        (
            lax::slice(&q, &[0, 0], &[m, k], None),
            lax::slice(&r, &[0, 0], &[k, n], None),
        )
    }
}
