//! Jacobians and Hessians of array functions. Until `vmap` exists they
//! push (or pull) one basis vector at a time: `jacfwd` runs one JVP per
//! input element, `jacrev` one linearization and one transpose per output
//! element.

use crate::Array;
use crate::numpy as jnp;
use rjax_ir::{Error, ErrorKind, Result};
use std::panic::Location;

/// The `i`-th basis vector of arrays shaped like `like`.
fn basis(i: usize, like: &rjax_ir::AVal) -> Array {
    let n = like.size();
    let mut e = vec![0.0f64; n];
    e[i] = 1.0;
    let shape: Vec<i64> = like.shape.iter().map(|&d| d as i64).collect();
    Array::from_slice(&e, &[n])
        .astype(like.dtype)
        .reshape(&shape)
}

/// Stack `parts` (each shaped `inner`) into an array shaped `outer ++ inner`
/// or `inner ++ outer`.
fn assemble(parts: Vec<Array>, outer: &[usize], inner: &[usize], outer_first: bool) -> Array {
    let axis = if outer_first { 0 } else { -1 };
    let flat: Vec<Array> = parts.iter().map(|p| p.reshape(&[-1])).collect();
    let stacked = jnp::stack(&flat, axis);
    let shape: Vec<i64> = if outer_first {
        [outer, inner].concat()
    } else {
        [inner, outer].concat()
    }
    .iter()
    .map(|&d| d as i64)
    .collect();
    stacked.reshape(&shape)
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
            let mut columns = Vec::with_capacity(a.size());
            let mut out_shape = Vec::new();
            for i in 0..a.size() {
                let (y, dy) = crate::jvp(&f, x.clone(), basis(i, &a))?;
                out_shape = y.shape();
                columns.push(dy);
            }
            Ok(assemble(columns, &a.shape, &out_shape, false))
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
            let rows = (0..ya.size())
                .map(|j| pullback.call(basis(j, &ya)))
                .collect::<Result<Vec<Array>>>()?;
            Ok(assemble(rows, &ya.shape, &a.shape, true))
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
