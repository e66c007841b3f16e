//! Functions that apply other functions: `apply_along_axis`,
//! `apply_over_axes`, `vectorize` and `fromfunction`. Each takes a
//! closure, so each returns a `Result`.

use super::shape::axis_of;
use super::{broadcast_arrays, ravel};
use crate::{Array, DType, Result, VmapSpec, lax, vmap_with};

/// `func1d` applied to every 1-d slice of `arr` along `axis`, through
/// `vmap`; the slices' results take the place of that axis.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let x = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
/// let s = jnp::apply_along_axis(|r: Array| jnp::sum(&r, (), false), 1, &x).unwrap();
/// assert_eq!(s.to_vec::<f32>().unwrap(), vec![6.0, 15.0]);
/// ```
#[track_caller]
pub fn apply_along_axis(func1d: impl Fn(Array) -> Array, axis: i64, arr: &Array) -> Result<Array> {
    let rank = arr.ndim()?;
    let ax = axis_of("apply_along_axis", arr, axis)?;
    // The slice's axis goes last, every other axis is mapped over in order.
    let moved = super::moveaxis(arr, ax as i64, -1);
    let lead: usize = moved.shape()?[..rank - 1].iter().product();
    let mut shape: Vec<i64> = vec![lead as i64];
    shape.push(*moved.shape()?.last().unwrap_or(&0) as i64);
    let flat = moved.reshape(&shape);
    let mapped = vmap_with(|row: Array| func1d(row), VmapSpec::default())(flat)?;
    let out_tail: Vec<i64> = mapped.shape()?[1..].iter().map(|&d| d as i64).collect();
    let mut out_shape: Vec<i64> = arr.shape()?[..rank].iter().map(|&d| d as i64).collect();
    out_shape.remove(ax);
    let kept = out_shape.len();
    out_shape.extend(&out_tail);
    let out = mapped.reshape(&out_shape);
    // Move the function's axes to where the input axis stood.
    let mut order: Vec<usize> = (0..ax).collect();
    order.extend(kept..kept + out_tail.len());
    order.extend(ax..kept);
    Ok(lax::transpose(&out, &order))
}

/// `func(a, axis)` applied for each of `axes` in turn, keeping each
/// reduced axis with length 1.
#[track_caller]
pub fn apply_over_axes(
    func: impl Fn(&Array, i64) -> Array,
    a: &Array,
    axes: &[i64],
) -> Result<Array> {
    let mut out = a.clone();
    for &axis in axes {
        let rank = out.ndim()?;
        let ax = axis_of("apply_over_axes", &out, axis)?;
        let next = func(&out, ax as i64);
        out = if next.ndim()? == rank {
            next
        } else {
            lax::expand_dims(&next, &[ax])
        };
        out.check()?;
    }
    Ok(out)
}

/// `f` of scalars made elementwise over arrays: the arguments broadcast
/// together and `f` is mapped over every element (through `vmap`).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let clamp = jnp::vectorize(|v: Vec<Array>| jnp::minimum(&v[0], &v[1]));
/// let x = Array::from_slice(&[1.0f32, 5.0, 3.0], &[3]);
/// let y = clamp(&[x, Array::scalar(2.0f32)]).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 2.0]);
/// ```
pub fn vectorize(f: impl Fn(Vec<Array>) -> Array) -> impl Fn(&[Array]) -> Result<Array> {
    move |args: &[Array]| {
        let args = broadcast_arrays(args);
        let shape = match args.first() {
            Some(a) => a.shape()?,
            None => return Ok(f(vec![])),
        };
        let flat: Vec<Array> = args.iter().map(ravel).collect();
        let mapped = vmap_with(|xs: Vec<Array>| f(xs), VmapSpec::default())(flat)?;
        let mut out: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        out.extend(mapped.shape()?[1..].iter().map(|&d| d as i64));
        Ok(mapped.reshape(&out))
    }
}

/// `f` called on the index grids of an array of `shape` (numpy's
/// `fromfunction`): `f(&[i, j, ...])` with each grid of `dtype`.
///
/// ```
/// use rjax::{DType, numpy as jnp};
/// let m = jnp::fromfunction(|ij| &ij[0] * 10.0 + &ij[1], &[2, 3], DType::F32).unwrap();
/// assert_eq!(m.to_vec::<f32>().unwrap(), vec![0.0, 1.0, 2.0, 10.0, 11.0, 12.0]);
/// ```
pub fn fromfunction(f: impl Fn(&[Array]) -> Array, shape: &[usize], dtype: DType) -> Result<Array> {
    let grids: Vec<Array> = (0..shape.len())
        .map(|i| lax::iota(dtype, shape, i))
        .collect();
    let out = f(&grids);
    out.check()?;
    Ok(out)
}
