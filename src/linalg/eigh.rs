//! The symmetric eigendecomposition by cyclic Jacobi rotations: sweeps over
//! every pair `(p, q)` of the upper triangle, each rotation zeroing
//! `a[p, q]`, until the off-diagonal part is negligible. Like QR, it is a
//! loop of rank-one updates, so it runs on every backend; its derivative
//! is JAX's closed form, given as a custom JVP rule.

use super::per_matrix;
use crate::indexing::IndexMode;
use crate::numpy as jnp;
use crate::{Array, DType, Error, ErrorKind, control, custom_jvp, lax, location};

/// Eigenvalues (ascending) and eigenvectors (the columns of `V`, with
/// `a = V diag(w) Vᵀ`) of each symmetric matrix `a` (`[..., n, n]`),
/// symmetrized first as `(a + aᵀ) / 2` like JAX's `lax.linalg.eigh`.
/// Returns `(V, w)` in JAX's order. Each eigenvector's sign is arbitrary
/// (LAPACK's differ); `w` and `V Vᵀ`-like quantities match JAX's.
///
/// ```
/// use rjax::{Array, lax};
/// let a = Array::from_slice(&[2.0f32, 1.0, 1.0, 2.0], &[2, 2]);
/// let (v, w) = lax::linalg::eigh(&a);
/// let w = w.to_vec::<f32>().unwrap();
/// assert!((w[0] - 1.0).abs() < 1e-6 && (w[1] - 3.0).abs() < 1e-6);
/// let v = v.to_vec::<f32>().unwrap();
/// assert!((v[0].abs() - 0.5f32.sqrt()).abs() < 1e-6);
/// ```
#[track_caller]
pub fn eigh(a: &Array) -> (Array, Array) {
    let location = location::current();
    let shape = a.shape();
    if shape.len() >= 2 && shape[shape.len() - 1] != shape[shape.len() - 2] {
        let e = Error::new(ErrorKind::Shape, "eigh", "needs square matrices")
            .with_operands(a.aval().into_iter().collect())
            .at(location);
        return (Array::from_error(e.clone()), Array::from_error(e));
    }
    match per_matrix("eigh", a, differentiable) {
        Ok((v, w)) => (v.located(location), w.located(location)),
        Err(e) => {
            let e = Array::from_error(e.at(location));
            (e.clone(), e)
        }
    }
}

/// [`eigh`] of one matrix with JAX's JVP: `dw = diag(Vᵀ dA V)` and
/// `dV = V (F ∘ Vᵀ dA V)`, `F_ij = 1 / (w_j - w_i)` off the diagonal.
fn differentiable(a: &Array) -> (Array, Array) {
    let rule = custom_jvp(
        |a: Array| jacobi(&symmetrize(&a)),
        |a: Array, da: Array| {
            let (v, w) = jacobi(&symmetrize(&a));
            let da = symmetrize(&da);
            let projected = jnp::matmul(&jnp::matmul(&v.t(), &da), &v);
            let dw = jnp::diagonal(&projected, 0, 0, 1);
            let n = w.shape()[0];
            let gaps = &jnp::expand_dims(&w, 0) - &jnp::expand_dims(&w, 1);
            let off = jnp::logical_not(&jnp::eye(n, None, 0, DType::Bool));
            let inverse = jnp::where_(
                &off,
                &(1.0 / &jnp::where_(&off, &gaps, &Array::weak(1.0))),
                &Array::weak(0.0),
            );
            let dv = jnp::matmul(&v, &(&inverse * &projected));
            ((v, w), (dv, dw))
        },
    );
    rule.call(a.clone()).unwrap_or_else(|e| {
        let e = Array::from_error(e);
        (e.clone(), e)
    })
}

/// `(a + aᵀ) / 2`.
fn symmetrize(a: &Array) -> Array {
    &(a + &a.t()) * 0.5
}

/// Cyclic Jacobi on a symmetric matrix: `(V, w)` sorted by `w`.
fn jacobi(a: &Array) -> (Array, Array) {
    let n = a.shape()[0];
    let dtype = a.dtype();
    let eps = jnp::finfo(dtype).map_or(f64::EPSILON, |f| f.eps);
    let pairs: Vec<(i32, i32)> = (0..n as i32)
        .flat_map(|p| (p + 1..n as i32).map(move |q| (p, q)))
        .collect();
    let table = |side: fn(&(i32, i32)) -> i32| {
        let values: Vec<i32> = pairs.iter().map(side).collect();
        Array::from_slice(&values, &[pairs.len()])
    };
    let (ps, qs) = (table(|pq| pq.0), table(|pq| pq.1));
    let zero = lax::convert_element_type(&Array::scalar(0i32), DType::I32);
    let read = |m: &Array, at: [&Array; 2], size: [usize; 2]| {
        lax::dynamic_slice(m, &[at[0].clone(), at[1].clone()], &size)
    };
    let write = |m: &Array, at: [&Array; 2], x: &Array| {
        lax::dynamic_update_slice(m, x, &[at[0].clone(), at[1].clone()])
    };
    // Rows (or columns) p and q of `m` replaced by their rotation by (c, s).
    let turn = |m: &Array, p: &Array, q: &Array, c: &Array, s: &Array, rows: bool| {
        let at = |i| if rows { [i, &zero] } else { [&zero, i] };
        let size = if rows { [1, n] } else { [n, 1] };
        let (mp, mq) = (read(m, at(p), size), read(m, at(q), size));
        let m = write(m, at(p), &(&(c * &mp) - &(s * &mq)));
        write(&m, at(q), &(&(s * &mp) + &(c * &mq)))
    };
    let rotate = |k: Array, (a, v): (Array, Array)| {
        let pick = |table: &Array| {
            lax::reshape(
                &lax::dynamic_slice(table, std::slice::from_ref(&k), &[1]),
                &[],
            )
        };
        let (p, q) = (pick(&ps), pick(&qs));
        let entry = |i: &Array, j: &Array| lax::reshape(&read(&a, [i, j], [1, 1]), &[]);
        let (app, aqq, apq) = (entry(&p, &p), entry(&q, &q), entry(&p, &q));
        // The rotation J (J_pp = J_qq = c, J_pq = -J_qp = s) that zeroes
        // a[p, q], by the smaller angle.
        let is_zero = jnp::equal(&apq, &Array::weak(0.0));
        let tau = &(&aqq - &app) / &(&jnp::where_(&is_zero, &Array::weak(1.0), &apq) * 2.0);
        let sign = jnp::where_(&tau.lt(0.0), &Array::weak(-1.0), &Array::weak(1.0));
        let t = jnp::where_(
            &is_zero,
            &Array::weak(0.0),
            &(&sign / &(&tau.abs() + &(&(&tau * &tau) + 1.0).sqrt())),
        );
        let c = 1.0 / &(&(&t * &t) + 1.0).sqrt();
        let s = &t * &c;
        // Jᵀ A J, with the rotated 2 × 2 block set exactly.
        let a = turn(&turn(&a, &p, &q, &c, &s, true), &p, &q, &c, &s, false);
        let scalar = |x: &Array| lax::reshape(x, &[1, 1]);
        let cleared = scalar(&jnp::zeros_like(&apq, None));
        let a = write(&write(&a, [&p, &q], &cleared), [&q, &p], &cleared);
        let a = write(&a, [&p, &p], &scalar(&(&app - &(&t * &apq))));
        let a = write(&a, [&q, &q], &scalar(&(&aqq + &(&t * &apq))));
        (a, turn(&v, &p, &q, &c, &s, false))
    };
    let off_diagonal = |a: &Array| {
        let off = jnp::where_(&jnp::eye(n, None, 0, DType::Bool), &Array::weak(0.0), a);
        jnp::sum(&(&off * &off), (), false)
    };
    // Sweep until the off-diagonal part is below rounding of the whole (at
    // least once, at most MAX_SWEEPS times: convergence is quadratic).
    const MAX_SWEEPS: i32 = 20;
    let tolerance = &jnp::sum(&(a * a), (), false) * (eps * eps);
    let running = |(count, off, ..): &(Array, Array, Array, Array)| {
        let more = lax::bitwise_or(&jnp::equal(count, &Array::weak(0.0)), &off.gt(&tolerance));
        lax::bitwise_and(&more, &count.lt(MAX_SWEEPS as f64))
    };
    let sweep = |(count, _, a, v): (Array, Array, Array, Array)| {
        let rotated = control::fori_loop(0, pairs.len() as i32, rotate, (a, v));
        let (a, v) =
            rotated.unwrap_or_else(|e| (Array::from_error(e.clone()), Array::from_error(e)));
        (&count + 1, off_diagonal(&a), a, v)
    };
    let count = lax::convert_element_type(&Array::scalar(0i32), DType::I32);
    let start = (
        count,
        off_diagonal(a),
        a.clone(),
        jnp::eye(n, None, 0, dtype),
    );
    let (_, _, d, v) = match lax::while_loop(running, sweep, start) {
        Ok(out) => out,
        Err(e) => {
            let e = Array::from_error(e);
            return (e.clone(), e);
        }
    };
    let w = jnp::diagonal(&d, 0, 0, 1);
    let order = jnp::argsort(&w, Some(0));
    let v = jnp::take(&v, &order, Some(1), IndexMode::Clip);
    (v, jnp::take(&w, &order, Some(0), IndexMode::Clip))
}
