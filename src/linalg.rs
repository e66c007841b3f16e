//! Linear algebra: `lax.linalg` (`cholesky`, `triangular_solve`, `lu`)
//! and `jnp.linalg` (`cholesky`, `solve`, `inv`, `det`, `slogdet`). Leading
//! axes are batch axes throughout.
//!
//! ```
//! use rjax::{Array, numpy as jnp};
//! let a = Array::from_slice(&[4.0f32, 2.0, 2.0, 3.0], &[2, 2]);
//! let b = Array::from_slice(&[2.0f32, 1.0], &[2]);
//! assert_eq!(jnp::linalg::solve(&a, &b).to_vec::<f32>().unwrap(), vec![0.5, 0.0]);
//! assert!((jnp::linalg::det(&a).item::<f32>().unwrap() - 8.0).abs() < 1e-5);
//! ```

use crate::lax::{self, bind1};
use crate::numpy as jnp;
use crate::{
    AVal, Array, DType, Error, ErrorKind, Result, Tree, control, custom_jvp, location, vmap,
};
use native::Factorization;
use rjax_ir::Primitive;

mod eigh;
mod jacobi;
mod native;
mod qr;
mod svd;
pub use eigh::eigh;
pub use qr::qr;
pub use svd::svd;

/// The options of [`triangular_solve`]; the default (all `false`) is
/// JAX's: solve `x a = b` with `a` upper triangular.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SolveOptions {
    /// Solve `op(a) x = b` rather than `x op(a) = b`.
    pub left_side: bool,
    /// `a` is lower (rather than upper) triangular.
    pub lower: bool,
    /// `op(a)` is `a`'s transpose.
    pub transpose_a: bool,
    /// `a`'s diagonal is taken as ones.
    pub unit_diagonal: bool,
}

/// The lower Cholesky factor `L` of symmetric positive definite matrices,
/// `a = L Lᵀ`; only `a`'s lower triangle is read. Not positive definite:
/// NaNs, as in JAX.
///
/// ```
/// use rjax::{Array, lax};
/// let a = Array::from_slice(&[4.0f32, 2.0, 2.0, 5.0], &[2, 2]);
/// assert_eq!(lax::linalg::cholesky(&a).to_vec::<f32>().unwrap(), vec![2.0, 0.0, 1.0, 2.0]);
/// ```
#[track_caller]
pub fn cholesky(a: &Array) -> Array {
    // The primitive checks the operand and reports what is wrong.
    let factor = match a.aval() {
        Ok(AVal { shape, dtype, .. })
            if shape.len() >= 2
                && shape[shape.len() - 1] == shape[shape.len() - 2]
                && native::enabled(dtype) =>
        {
            cholesky_on_host(a)
        }
        _ => bind1(Primitive::Cholesky, &[a]),
    };
    jnp::tril(&factor, 0)
}

/// The Cholesky factor through the host custom call, with the JVP of the
/// `cholesky` primitive.
fn cholesky_on_host(a: &Array) -> Array {
    let factor = |a: &Array| match native::try_factor(Factorization::Cholesky, a).as_deref() {
        Some([l]) => l.clone(),
        _ => bind1(Primitive::Cholesky, &[a]),
    };
    let rule = custom_jvp(
        move |a: Array| factor(&a),
        move |a: Array, da: Array| {
            let l = factor(&a);
            let dl = Array::from_value_result(
                l.value()
                    .and_then(|l| rjax_transforms::cholesky_jvp(l, da.value()?)),
            );
            (l, dl)
        },
    );
    rule.call(a.clone()).unwrap_or_else(Array::from_error)
}

/// Solve a triangular system (see [`SolveOptions`]): `a` is `[..., m, m]`,
/// `b` `[..., m, n]` (left side) or `[..., n, m]`.
///
/// ```
/// use rjax::{Array, lax::linalg::{triangular_solve, SolveOptions}};
/// let l = Array::from_slice(&[2.0f32, 0.0, 1.0, 4.0], &[2, 2]);
/// let b = Array::from_slice(&[2.0f32, 9.0], &[2, 1]);
/// let opts = SolveOptions { left_side: true, lower: true, ..SolveOptions::default() };
/// assert_eq!(triangular_solve(&l, &b, opts).to_vec::<f32>().unwrap(), vec![1.0, 2.0]);
/// ```
#[track_caller]
pub fn triangular_solve(a: &Array, b: &Array, opts: SolveOptions) -> Array {
    bind1(
        Primitive::TriangularSolve(rjax_ir::TriangularSolveParams {
            left_side: opts.left_side,
            lower: opts.lower,
            transpose_a: opts.transpose_a,
            unit_diagonal: opts.unit_diagonal,
        }),
        &[a, b],
    )
}

/// The LU decomposition with partial pivoting, as JAX's `lax.linalg.lu`:
/// `(lu, pivots, permutation)` with `L` (unit diagonal, below) and `U` (on
/// and above the diagonal) packed in `lu`, row `i` swapped with
/// `pivots[i]` at step `i`, and `a[permutation] = L U`.
///
/// ```
/// use rjax::{Array, lax};
/// let a = Array::from_slice(&[2.0f32, 1.0, 4.0, 3.0], &[2, 2]);
/// let (lu, pivots, perm) = lax::linalg::lu(&a);
/// assert_eq!(lu.to_vec::<f32>().unwrap(), vec![4.0, 3.0, 0.5, -0.5]);
/// assert_eq!(pivots.to_vec::<i32>().unwrap(), vec![1, 1]);
/// assert_eq!(perm.to_vec::<i32>().unwrap(), vec![1, 0]);
/// ```
#[track_caller]
pub fn lu(a: &Array) -> (Array, Array, Array) {
    let location = location::current();
    match per_matrix("lu", a, lu_of_matrix) {
        Ok((l, p, q)) => (
            l.located(location),
            p.located(location),
            q.located(location),
        ),
        Err(e) => {
            let e = Array::from_error(e.at(location));
            (e.clone(), e.clone(), e)
        }
    }
}

/// The eigenvalues `w` and right eigenvectors `V` (columns, `a V = V
/// diag(w)`) of general square matrices `[..., n, n]`, complex (`c64` for
/// f32, `c128` for f64), as JAX's `jnp.linalg.eig`: each eigenvector has
/// unit norm and its largest component real, as LAPACK's `geev` gives
/// them; their order is the solver's. It runs on the host on the CPU
/// platform (f32 and f64 only). As in JAX, only [`eigvals`] is
/// differentiable: a derivative of `eig` is a typed error.
#[track_caller]
pub fn eig(a: &Array) -> (Array, Array) {
    let location = location::current();
    let rule = custom_jvp(
        |a: Array| host_eig(&a),
        |_: Array, _: Array| {
            let e = Array::from_error(Error::new(
                ErrorKind::Param,
                "eig",
                "the derivatives of eigenvectors are not implemented; differentiate `eigvals` for those of the eigenvalues (as in JAX)",
            ));
            ((e.clone(), e.clone()), (e.clone(), e))
        },
    );
    match host_eig_operand("eig", a).and_then(|()| rule.call(a.clone())) {
        Ok((w, v)) => (w.located(location), v.located(location)),
        Err(e) => {
            let e = Array::from_error(e.at(location));
            (e.clone(), e)
        }
    }
}

/// The eigenvalues of general square matrices (the `w` of [`eig`]),
/// differentiable as in JAX: `dw = diag(V⁻¹ da V)`.
#[track_caller]
pub fn eigvals(a: &Array) -> Array {
    let location = location::current();
    let rule = custom_jvp(
        |a: Array| host_eig(&a).0,
        |a: Array, da: Array| {
            let (w, v) = host_eig(&a);
            let da = match v.dtype() {
                Ok(complex) => da.astype(complex),
                Err(e) => Array::from_error(e),
            };
            let vinv_da = jnp::linalg::solve(&v, &da);
            let dw = jnp::sum(&(vinv_da * jnp::swapaxes(&v, -1, -2)), -1, false);
            (w, dw)
        },
    );
    match host_eig_operand("eigvals", a).and_then(|()| rule.call(a.clone())) {
        Ok(w) => w.located(location),
        Err(e) => Array::from_error(e.at(location)),
    }
}

/// Whether `a` is what the host eigensolver takes: square f32 or f64
/// matrices, on a platform that runs it.
fn host_eig_operand(op: &str, a: &Array) -> Result<()> {
    let aval = a.aval()?;
    let r = aval.shape.len();
    let refuse =
        |kind, message: &str| Err(Error::new(kind, op, message).with_operands(vec![aval.clone()]));
    if r < 2 || aval.shape[r - 1] != aval.shape[r - 2] {
        return refuse(ErrorKind::Shape, "needs square matrices");
    }
    if !matches!(aval.dtype, DType::F32 | DType::F64) {
        return refuse(ErrorKind::DType, "takes f32 or f64 matrices");
    }
    if !native::enabled(aval.dtype) {
        return refuse(
            ErrorKind::Runtime,
            "the general eigendecomposition runs on the host, on the CPU platform only",
        );
    }
    Ok(())
}

/// The host custom call's eigenvalues and eigenvectors of `a`.
fn host_eig(a: &Array) -> (Array, Array) {
    match native::try_factor(Factorization::Eig, a).as_deref() {
        Some([w, v]) => (w.clone(), v.clone()),
        _ => {
            let e = Array::from_error(Error::new(ErrorKind::Runtime, "eig", "no host eig"));
            (e.clone(), e)
        }
    }
}

/// [`lu`] of a square matrix through the host custom call, with JAX's
/// JVP: for `P a = L U`, with `X = L⁻¹ P da U⁻¹`, `dL = L tril(X, -1)` and
/// `dU = triu(X) U`, packed as `lu` is.
fn lu_on_host(a: &Array) -> (Array, Array, Array) {
    let factor = |a: &Array| match native::try_factor(Factorization::Lu, a).as_deref() {
        Some([lu, pivots, perm]) => (lu.clone(), pivots.clone(), perm.clone()),
        _ => {
            let e = Array::from_error(Error::new(ErrorKind::Runtime, "lu", "no host LU"));
            (e.clone(), e.clone(), e)
        }
    };
    let rule = custom_jvp(
        move |a: Array| factor(&a),
        move |a: Array, da: Array| {
            let (lu, pivots, perm) = factor(&a);
            let (n, dtype) = match a.aval() {
                Ok(AVal { shape, dtype, .. }) => (shape[0], dtype),
                Err(_) => (0, DType::F32),
            };
            let permuted = jnp::take(&da, &perm, Some(0), crate::indexing::IndexMode::Clip);
            let l = &jnp::tril(&lu, -1) + &jnp::eye(n, None, 0, dtype);
            let u = jnp::triu(&lu, 0);
            let unit_lower = SolveOptions {
                left_side: true,
                lower: true,
                unit_diagonal: true,
                ..SolveOptions::default()
            };
            // x a = b with a upper triangular is the default solve.
            let x = triangular_solve(
                &u,
                &triangular_solve(&l, &permuted, unit_lower),
                SolveOptions::default(),
            );
            let dlu = &jnp::matmul(&l, &jnp::tril(&x, -1)) + &jnp::matmul(&jnp::triu(&x, 0), &u);
            let (dp, dq) = (jnp::zeros_like(&pivots, None), jnp::zeros_like(&perm, None));
            ((lu, pivots, perm), (dlu, dp, dq))
        },
    );
    rule.call(a.clone()).unwrap_or_else(|e| {
        let e = Array::from_error(e);
        (e.clone(), e.clone(), e)
    })
}

/// `f` applied to each matrix of `a` (its last two axes; leading axes are
/// batch axes, mapped with `vmap`), or a typed error naming `op` when `a`
/// has fewer than two axes.
pub(crate) fn per_matrix<T: Tree>(op: &str, a: &Array, f: impl Fn(&Array) -> T) -> Result<T> {
    let shape = a.shape()?;
    let r = shape.len();
    if r < 2 {
        return Err(
            Error::new(ErrorKind::Shape, op, "needs matrices in the last two axes")
                .with_operands(a.aval().into_iter().collect()),
        );
    }
    if r == 2 {
        return Ok(f(a));
    }
    let batch = &shape[..r - 2];
    let flat = a.reshape(&[-1, shape[r - 2] as i64, shape[r - 1] as i64]);
    let (leaves, def) = vmap(|m: Array| f(&m))(flat)?.flatten_tree();
    let unflattened = leaves
        .into_iter()
        .map(|x| {
            let dims: Vec<i64> = batch
                .iter()
                .chain(&x.shape()?[1..])
                .map(|&d| d as i64)
                .collect();
            Ok(x.reshape(&dims))
        })
        .collect::<Result<Vec<Array>>>()?;
    T::unflatten_tree(&def, unflattened)
}

/// [`lu`] of one matrix: square ones through the host custom call where
/// it serves them, the others (or elsewhere) by the loop below.
fn lu_of_matrix(a: &Array) -> (Array, Array, Array) {
    let Ok(AVal { shape, dtype, .. }) = a.aval() else {
        return (a.clone(), a.clone(), a.clone());
    };
    let (m, n) = (shape[0], shape[1]);
    if m == n && native::enabled(dtype) {
        return lu_on_host(a);
    }
    let rows = lax::iota(DType::I32, &[m], 0);
    let step = |k: Array, (a, pivots, perm): (Array, Array, Array)| {
        let below = lax::ge(&rows, &k);
        // The pivot: the largest magnitude on or below the diagonal.
        let column = lax::reshape(
            &lax::dynamic_slice(&a, &[Array::scalar(0i32), k.clone()], &[m, 1]),
            &[m],
        );
        let candidates = jnp::where_(&below, &lax::abs(&column), &Array::weak(-1.0));
        let p = lax::argmax(&candidates, 0, DType::I32);
        let swap = |x: &Array, width: usize| {
            let zero = Array::scalar(0i32);
            let at = |i: &Array| lax::dynamic_slice(x, &[i.clone(), zero.clone()], &[1, width]);
            let (row_k, row_p) = (at(&k), at(&p));
            let x = lax::dynamic_update_slice(x, &row_p, &[k.clone(), zero.clone()]);
            lax::dynamic_update_slice(&x, &row_k, &[p.clone(), zero])
        };
        let a = swap(&a, n);
        let perm = lax::reshape(&swap(&lax::reshape(&perm, &[m, 1]), 1), &[m]);
        let pivots =
            lax::dynamic_update_slice(&pivots, &lax::reshape(&p, &[1]), std::slice::from_ref(&k));
        // Eliminate below the pivot: multipliers into column k, then a
        // rank-1 update of the trailing block.
        let zero = Array::scalar(0i32);
        let column = lax::reshape(
            &lax::dynamic_slice(&a, &[zero.clone(), k.clone()], &[m, 1]),
            &[m],
        );
        let pivot_row = lax::reshape(&lax::dynamic_slice(&a, &[k.clone(), zero], &[1, n]), &[n]);
        let pivot = lax::reshape(
            &lax::dynamic_slice(&pivot_row, std::slice::from_ref(&k), &[1]),
            &[],
        );
        let strictly_below = lax::gt(&rows, &k);
        let multipliers = jnp::where_(
            &strictly_below,
            &(&column / &pivot),
            &jnp::zeros(&[m], dtype),
        );
        let right = lax::gt(&lax::iota(DType::I32, &[n], 0), &k);
        let trailing = jnp::where_(&right, &pivot_row, &jnp::zeros(&[n], dtype));
        let update = jnp::outer(&multipliers, &trailing);
        let is_k =
            lax::broadcast_in_dim(&lax::eq(&lax::iota(DType::I32, &[n], 0), &k), &[m, n], &[1]);
        let below_k = lax::broadcast_in_dim(&strictly_below, &[m, n], &[0]);
        let column_k = lax::broadcast_in_dim(&multipliers, &[m, n], &[0]);
        let a = jnp::where_(
            &lax::bitwise_and(&is_k, &below_k),
            &column_k,
            &(&a - &update),
        );
        (a, pivots, perm)
    };
    let k = m.min(n);
    let init = (a.clone(), jnp::zeros(&[k], DType::I32), rows.clone());
    control::fori_loop(0, k as i32, step, init).unwrap_or_else(|e| {
        let e = Array::from_error(e);
        (e.clone(), e.clone(), e)
    })
}
