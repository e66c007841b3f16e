//! The symmetric eigendecomposition by cyclic Jacobi rotations: sweeps over
//! every pair `(p, q)` of the upper triangle, each rotation zeroing
//! `a[p, q]`, until the off-diagonal part is negligible. Like QR, it is a
//! loop of rank-one updates, so it runs on every backend; its derivative
//! is JAX's closed form, given as a custom JVP rule.

use super::jacobi::{Lines, Sweep, angle, entry, off_diagonal, set_entry, turn};
use super::native::{self, Factorization};
use super::per_matrix;
use crate::indexing::IndexMode;
use crate::numpy as jnp;
use crate::{AVal, Array, DType, Error, ErrorKind, custom_jvp, location};

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
    // An error `a` holds comes out of `per_matrix`.
    if let Ok(shape) = a.shape()
        && shape.len() >= 2
        && shape[shape.len() - 1] != shape[shape.len() - 2]
    {
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
    let Ok(shape) = a.shape() else {
        return (a.clone(), a.clone());
    };
    let n = shape[0];
    let rule = custom_jvp(
        |a: Array| decompose(&symmetrize(&a)),
        move |a: Array, da: Array| {
            let (v, w) = decompose(&symmetrize(&a));
            let da = symmetrize(&da);
            let projected = jnp::matmul(&jnp::matmul(&v.t(), &da), &v);
            let dw = jnp::diagonal(&projected, 0, 0, 1);
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

/// `(V, w)` of a symmetric matrix: on the host where the custom call
/// serves it, by [`jacobi`] elsewhere.
fn decompose(a: &Array) -> (Array, Array) {
    match native::try_factor(Factorization::Eigh, a).as_deref() {
        Some([v, w]) => (v.clone(), w.clone()),
        _ => jacobi(a),
    }
}

/// Cyclic Jacobi on a symmetric matrix: `(V, w)` sorted by `w`. Each
/// rotation is `A ← Jᵀ A J`, `V ← V J`, with the rotated 2 × 2 block set
/// exactly; sweeps stop when the off-diagonal part is below rounding of
/// the whole.
fn jacobi(a: &Array) -> (Array, Array) {
    let Ok(AVal { shape, dtype, .. }) = a.aval() else {
        return (a.clone(), a.clone());
    };
    let n = shape[0];
    let eps = jnp::finfo(dtype).map_or(f64::EPSILON, |f| f.eps);
    let rotate = |p: &Array, q: &Array, (a, v): (Array, Array)| {
        let (app, aqq, apq) = (entry(&a, p, p), entry(&a, q, q), entry(&a, p, q));
        let (t, c, s) = angle(&app, &aqq, &apq);
        let a = turn(
            &turn(&a, Lines::Rows, p, q, &c, &s),
            Lines::Columns,
            p,
            q,
            &c,
            &s,
        );
        let cleared = jnp::zeros_like(&apq, None);
        let a = set_entry(&set_entry(&a, p, q, &cleared), q, p, &cleared);
        let a = set_entry(&a, p, p, &(&app - &(&t * &apq)));
        let a = set_entry(&a, q, q, &(&aqq + &(&t * &apq)));
        (a, turn(&v, Lines::Columns, p, q, &c, &s))
    };
    let tolerance = &jnp::sum(&(a * a), (), false) * (eps * eps);
    let start = (a.clone(), jnp::eye(n, None, 0, dtype));
    let off = |(a, _): &(Array, Array)| off_diagonal(a);
    let (d, v) = match Sweep::new(n).run(start, &tolerance, off, rotate) {
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
