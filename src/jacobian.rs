//! Jacobians and Hessians of array functions, as JAX builds them: `jacfwd`
//! is `vmap` of a JVP over the input's basis vectors, `jacrev` is `vmap` of
//! one linearization's transpose over the output's basis vectors.

use crate::numpy as jnp;
use crate::{Array, lax};
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
/// let j = jacfwd(|x: Array| &x * &x)(Array::from_slice(&[1.0f32, 2.0], &[2]));
/// assert_eq!(j.to_vec::<f32>().unwrap(), vec![2.0, 0.0, 0.0, 4.0]);
/// ```
#[track_caller]
pub fn jacfwd(f: impl Fn(Array) -> Array) -> impl Fn(Array) -> Array {
    let location = Location::caller();
    move |x: Array| {
        let run = || -> Result<Array> {
            let a = float_input("jacfwd", &x)?;
            let pushforward =
                |t: Array| Array::from_result(crate::jvp(&f, x.clone(), t).map(|(_, dy)| dy));
            // [n, out...] -> [out..., n] -> [out..., in...]
            let columns = crate::vmap(pushforward)(basis(&a));
            let out_rank = columns.ndim() - 1;
            let moved = lax::transpose(&columns, &(1..=out_rank).chain([0]).collect::<Vec<_>>());
            let out_shape = &columns.shape()[1..];
            Ok(moved.reshape(&[dims(out_shape), dims(&a.shape)].concat()))
        };
        run().unwrap_or_else(|e| Array::from_error(e.at(location)))
    }
}

/// The Jacobian by reverse mode: one linearization, then one transpose per
/// output element. Same shape as [`jacfwd`].
///
/// ```
/// use rjax::{jacrev, Array};
/// let j = jacrev(|x: Array| x.sin())(Array::from_slice(&[0.0f32, 0.0], &[2]));
/// assert_eq!(j.to_vec::<f32>().unwrap(), vec![1.0, 0.0, 0.0, 1.0]);
/// ```
#[track_caller]
pub fn jacrev(f: impl Fn(Array) -> Array) -> impl Fn(Array) -> Array {
    let location = Location::caller();
    move |x: Array| {
        let run = || -> Result<Array> {
            let a = float_input("jacrev", &x)?;
            let (y, pullback) = crate::vjp(&f, x.clone())?;
            let ya = y.aval()?;
            let rows = crate::vmap(|ct: Array| Array::from_result(pullback.call(ct)))(basis(&ya));
            Ok(rows.reshape(&[dims(&ya.shape), dims(&a.shape)].concat()))
        };
        run().unwrap_or_else(|e| Array::from_error(e.at(location)))
    }
}

/// The Hessian, `jacfwd(jacrev(f))`.
///
/// ```
/// use rjax::{hessian, Array};
/// let h = hessian(|x: Array| x.tanh())(Array::scalar(1.0f32));
/// assert!((h.item::<f32>().unwrap() + 0.63969994).abs() < 1e-6);
/// ```
#[track_caller]
pub fn hessian(f: impl Fn(Array) -> Array) -> impl Fn(Array) -> Array {
    jacfwd(jacrev(f))
}
