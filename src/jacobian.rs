//! Jacobians and Hessians of array functions, as JAX builds them: `jacfwd`
//! is `vmap` of a JVP over the input's basis vectors, `jacrev` is `vmap` of
//! one linearization's transpose over the output's basis vectors.

use crate::numpy as jnp;
use crate::{Array, TreeOutput, lax};
use rjax_ir::{Error, ErrorKind, Result};
use std::panic::Location;

/// The basis vectors of arrays shaped like `like`, stacked: `[n, like...]`.
fn basis(like: &rjax_ir::AVal) -> Array {
    let n = like.size();
    let shape: Vec<i64> = std::iter::once(n as i64)
        .chain(like.shape.iter().map(|&d| d as i64))
        .collect();
    jnp::eye(n, None, 0, like.dtype).reshape(&shape)
}

fn dims(shape: &[usize]) -> Vec<i64> {
    shape.iter().map(|&d| d as i64).collect()
}

fn float_input(op: &str, x: &Array) -> Result<rjax_ir::AVal> {
    let a = x.aval()?;
    if !a.dtype.is_float() {
        return Err(Error::new(
            ErrorKind::DType,
            op,
            format!("needs a float input, got {a}"),
        )
        .with_operands(vec![a]));
    }
    Ok(a)
}

/// The Jacobian by forward mode: `jacfwd(f)(x)` has shape
/// `f(x).shape ++ x.shape`.
///
/// ```
/// use rjax::{jacfwd, Array};
/// let j = jacfwd(|x: Array| &x * &x)(Array::from_slice(&[1.0f32, 2.0], &[2])).unwrap();
/// assert_eq!(j.to_vec::<f32>().unwrap(), vec![2.0, 0.0, 0.0, 4.0]);
/// ```
#[track_caller]
pub fn jacfwd<R: TreeOutput<Tree = Array>>(
    f: impl Fn(Array) -> R,
) -> impl Fn(Array) -> Result<Array> {
    let location = Location::caller();
    move |x: Array| {
        let run = || -> Result<Array> {
            let a = float_input("jacfwd", &x)?;
            let pushforward = |t: Array| crate::jvp(&f, x.clone(), t).map(|(_, dy)| dy);
            // [n, out...] -> [out..., n] -> [out..., in...]
            let columns = crate::vmap(pushforward)(basis(&a))?;
            let out_shape = &columns.aval()?.shape[1..];
            let out_rank = out_shape.len();
            let moved = lax::transpose(&columns, &(1..=out_rank).chain([0]).collect::<Vec<_>>());
            Ok(moved.reshape(&[dims(out_shape), dims(&a.shape)].concat()))
        };
        run().map_err(|e| e.at(location))
    }
}

/// The Jacobian by reverse mode: one linearization, then one transpose per
/// output element. Same shape as [`jacfwd`].
///
/// ```
/// use rjax::{jacrev, Array};
/// let j = jacrev(|x: Array| x.sin())(Array::from_slice(&[0.0f32, 0.0], &[2])).unwrap();
/// assert_eq!(j.to_vec::<f32>().unwrap(), vec![1.0, 0.0, 0.0, 1.0]);
/// ```
#[track_caller]
pub fn jacrev<R: TreeOutput<Tree = Array>>(
    f: impl Fn(Array) -> R,
) -> impl Fn(Array) -> Result<Array> {
    let location = Location::caller();
    move |x: Array| {
        let run = || -> Result<Array> {
            let a = float_input("jacrev", &x)?;
            let (y, pullback) = crate::vjp(&f, x.clone())?;
            let ya = y.aval()?;
            let rows = crate::vmap(|ct: Array| pullback.call(ct))(basis(&ya))?;
            Ok(rows.reshape(&[dims(&ya.shape), dims(&a.shape)].concat()))
        };
        run().map_err(|e| e.at(location))
    }
}

/// The Hessian, `jacfwd(jacrev(f))`.
///
/// ```
/// use rjax::{hessian, Array};
/// let h = hessian(|x: Array| x.tanh())(Array::scalar(1.0f32)).unwrap();
/// assert!((h.item::<f32>().unwrap() + 0.63969994).abs() < 1e-6);
/// ```
#[track_caller]
pub fn hessian<R: TreeOutput<Tree = Array>>(
    f: impl Fn(Array) -> R,
) -> impl Fn(Array) -> Result<Array> {
    jacfwd(jacrev(f))
}
