//! Slicing along one axis (static and dynamic), `index_take` and
//! `scatter_sub`: conveniences over `slice`, `dynamic_slice`,
//! `dynamic_update_slice`, `gather` and `scatter_add`.

use super::shape::axis_in;
use crate::numpy::{self as jnp, cast, fallible};
use crate::{Array, lax, location};
use rjax_ir::DType;
use rjax_ir::{Error, ErrorKind, IndexDims};

/// Elements `start, start + stride, ...` below `limit` along `axis`
/// (`None`: the whole axis; negative bounds and axis count from the end).
///
/// ```
/// use rjax::{lax, Array};
/// let x = Array::from_slice(&[0i32, 1, 2, 3, 4, 5], &[6]);
/// assert_eq!(lax::slice_in_dim(&x, Some(1), Some(-1), 2, 0).to_vec::<i32>().unwrap(), vec![1, 3]);
/// ```
#[track_caller]
pub fn slice_in_dim(
    x: &Array,
    start: Option<i64>,
    limit: Option<i64>,
    stride: usize,
    axis: i64,
) -> Array {
    fallible(|| {
        let shape = x.aval()?.shape;
        let axis = axis_in("slice_in_dim", axis, shape.len())?;
        let n = shape[axis] as i64;
        let wrap = |i: i64| if i < 0 { i + n } else { i };
        let (lo, hi) = (wrap(start.unwrap_or(0)), wrap(limit.unwrap_or(n)));
        if lo < 0 || hi < 0 {
            return Err(Error::new(
                ErrorKind::Param,
                "slice_in_dim",
                format!("bounds {start:?}..{limit:?} are out of range for an axis of size {n}"),
            )
            .at(location::current()));
        }
        let mut starts = vec![0; shape.len()];
        let mut strides = vec![1; shape.len()];
        let mut limits = shape;
        (starts[axis], limits[axis], strides[axis]) = (lo as usize, hi as usize, stride);
        Ok(lax::slice(x, &starts, &limits, Some(&strides)))
    })
}

/// Element `index` along `axis` (negative from the end), the axis kept as
/// size 1 if `keepdims`.
///
/// ```
/// use rjax::{lax, Array};
/// let x = Array::from_slice(&[1i32, 2, 3, 4], &[2, 2]);
/// assert_eq!(lax::index_in_dim(&x, -1, 0, false).to_vec::<i32>().unwrap(), vec![3, 4]);
/// ```
#[track_caller]
pub fn index_in_dim(x: &Array, index: i64, axis: i64, keepdims: bool) -> Array {
    fallible(|| {
        let shape = x.aval()?.shape;
        let axis = axis_in("index_in_dim", axis, shape.len())?;
        let n = shape[axis] as i64;
        let i = if index < 0 { index + n } else { index };
        if !(0..n).contains(&i) {
            return Err(Error::new(
                ErrorKind::Shape,
                "index_in_dim",
                format!("index {index} is out of bounds for axis {axis} of size {n}"),
            )
            .at(location::current()));
        }
        let row = slice_in_dim(x, Some(i), Some(i + 1), 1, axis as i64);
        Ok(if keepdims {
            row
        } else {
            lax::squeeze(&row, &[axis])
        })
    })
}

/// Start indices for a dynamic slice along `axis` only: `start` there
/// (negative from the end, as JAX allows), zeros elsewhere.
fn starts_along(
    op: &str,
    x: &Array,
    start: &Array,
    axis: i64,
) -> Result<(usize, Vec<Array>), Error> {
    let (shape, s) = (x.aval()?.shape, start.aval()?);
    let axis = axis_in(op, axis, shape.len())?;
    if s.rank() != 0 || !s.dtype.is_int() {
        return Err(Error::new(
            ErrorKind::DType,
            op,
            "the start index must be an integer scalar",
        )
        .with_operands(vec![s]));
    }
    let of_dtype = |v: i64| cast(&Array::scalar(v), s.dtype, false);
    let start = if s.dtype.is_signed_int() {
        let wrapped = lax::add(start, &of_dtype(shape[axis] as i64));
        lax::select(&lax::lt(start, &of_dtype(0)), &wrapped, start)
    } else {
        start.clone()
    };
    let starts = (0..shape.len())
        .map(|i| {
            if i == axis {
                start.clone()
            } else {
                of_dtype(0)
            }
        })
        .collect();
    Ok((axis, starts))
}

/// `size` elements along `axis` from the traced `start` (clamped so that
/// the slice fits; negative from the end).
///
/// ```
/// use rjax::{lax, Array};
/// let x = Array::from_slice(&[0i32, 1, 2, 3, 4], &[5]);
/// let y = lax::dynamic_slice_in_dim(&x, &Array::scalar(3i32), 2, 0);
/// assert_eq!(y.to_vec::<i32>().unwrap(), vec![3, 4]);
/// ```
#[track_caller]
pub fn dynamic_slice_in_dim(x: &Array, start: &Array, size: usize, axis: i64) -> Array {
    fallible(|| {
        let (axis, starts) = starts_along("dynamic_slice_in_dim", x, start, axis)
            .map_err(|e| e.at(location::current()))?;
        let mut sizes = x.shape()?;
        sizes[axis] = size;
        Ok(lax::dynamic_slice(x, &starts, &sizes))
    })
}

/// Element `index` (traced) along `axis`, the axis kept as size 1 if
/// `keepdims`.
///
/// ```
/// use rjax::{lax, Array};
/// let x = Array::from_slice(&[1i32, 2, 3, 4], &[2, 2]);
/// let y = lax::dynamic_index_in_dim(&x, &Array::scalar(1i32), 1, false);
/// assert_eq!(y.to_vec::<i32>().unwrap(), vec![2, 4]);
/// ```
#[track_caller]
pub fn dynamic_index_in_dim(x: &Array, index: &Array, axis: i64, keepdims: bool) -> Array {
    fallible(|| {
        let axis = axis_in("dynamic_index_in_dim", axis, x.aval()?.rank())?;
        let row = dynamic_slice_in_dim(x, index, 1, axis as i64);
        Ok(if keepdims {
            row
        } else {
            lax::squeeze(&row, &[axis])
        })
    })
}

/// `x` with `update` written along `axis` from the traced `start`
/// (clamped so that it fits; negative from the end).
///
/// ```
/// use rjax::{lax, numpy as jnp, Array, DType};
/// let x = jnp::zeros(&[5], DType::F32);
/// let y = lax::dynamic_update_slice_in_dim(&x, &jnp::ones(&[2], DType::F32), &Array::scalar(1i32), 0);
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 1.0, 1.0, 0.0, 0.0]);
/// ```
#[track_caller]
pub fn dynamic_update_slice_in_dim(x: &Array, update: &Array, start: &Array, axis: i64) -> Array {
    fallible(|| {
        let (_, starts) = starts_along("dynamic_update_slice_in_dim", x, start, axis)
            .map_err(|e| e.at(location::current()))?;
        Ok(lax::dynamic_update_slice(x, update, &starts))
    })
}

/// `x` with `update` written at the traced `index` along `axis`; `update`
/// may lack that axis.
///
/// ```
/// use rjax::{lax, numpy as jnp, Array, DType};
/// let x = jnp::zeros(&[2, 2], DType::F32);
/// let y = lax::dynamic_update_index_in_dim(&x, &jnp::ones(&[2], DType::F32), &Array::scalar(1i32), 0);
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 0.0, 1.0, 1.0]);
/// ```
#[track_caller]
pub fn dynamic_update_index_in_dim(x: &Array, update: &Array, index: &Array, axis: i64) -> Array {
    fallible(|| {
        let rank = x.aval()?.rank();
        let axis = axis_in("dynamic_update_index_in_dim", axis, rank)?;
        let update = if update.aval()?.rank() + 1 == rank {
            lax::expand_dims(update, &[axis])
        } else {
            update.clone()
        };
        Ok(dynamic_update_slice_in_dim(x, &update, index, axis as i64))
    })
}

/// The elements of `src` at the points whose coordinates along `axes` are
/// given by `indices` (one integer vector per axis, all of one length;
/// negative coordinates wrap), the other axes kept whole.
///
/// ```
/// use rjax::{lax, Array};
/// let x = Array::from_slice(&[1i32, 2, 3, 4, 5, 6], &[3, 2]);
/// let rows = Array::from_slice(&[2i32, 0], &[2]);
/// let cols = Array::from_slice(&[1i32, -1], &[2]);
/// assert_eq!(lax::index_take(&x, &[rows, cols], &[0, 1]).to_vec::<i32>().unwrap(), vec![6, 2]);
/// ```
#[track_caller]
pub fn index_take(src: &Array, indices: &[Array], axes: &[usize]) -> Array {
    fallible(|| {
        let shape = src.aval()?.shape;
        if indices.len() != axes.len() || axes.iter().any(|&a| a >= shape.len()) {
            return Err(Error::new(
                ErrorKind::Axis,
                "index_take",
                format!(
                    "{} index vectors for axes {axes:?} of an array of rank {}",
                    indices.len(),
                    shape.len()
                ),
            )
            .at(location::current()));
        }
        let columns: Vec<Array> = indices.iter().map(|i| lax::expand_dims(i, &[1])).collect();
        let points = lax::concatenate(&columns, 1);
        let sizes: Vec<i64> = axes.iter().map(|&a| shape[a] as i64).collect();
        let bounds = Array::from_slice(&sizes, &[1, sizes.len()]).astype(points.dtype()?);
        let points = jnp::remainder(&points, &bounds);
        let mut slice_sizes = shape.clone();
        for &a in axes {
            slice_sizes[a] = 1;
        }
        let dims = IndexDims {
            window_dims: (1..=shape.len() - axes.len()).collect(),
            collapsed_dims: axes.to_vec(),
            operand_batching_dims: vec![],
            indices_batching_dims: vec![],
            index_map: axes.to_vec(),
            index_vector_dim: 1,
        };
        Ok(lax::gather(src, &points, &dims, &slice_sizes))
    })
}

/// Scatter subtracting the updates (see [`lax::scatter_add`]).
///
/// ```
/// use rjax::{lax, Array, lax::IndexDims};
/// let x = Array::from_slice(&[10i32, 20, 30], &[3]);
/// let at = Array::from_slice(&[2i32, 2], &[2, 1]);
/// let dims = IndexDims {
///     window_dims: vec![],
///     collapsed_dims: vec![0],
///     operand_batching_dims: vec![],
///     indices_batching_dims: vec![],
///     index_map: vec![0],
///     index_vector_dim: 1,
/// };
/// let y = lax::scatter_sub(&x, &at, &Array::from_slice(&[1i32, 2], &[2]), &dims);
/// assert_eq!(y.to_vec::<i32>().unwrap(), vec![10, 20, 27]);
/// ```
#[track_caller]
pub fn scatter_sub(x: &Array, indices: &Array, updates: &Array, dims: &IndexDims) -> Array {
    lax::scatter_add(x, indices, &lax::neg(updates), dims)
}

/// `x` with the elementwise `func` applied at the windows that `indices`
/// and `dims` select, as often as they are selected (XLA's scatter with
/// `func` as its update computation; `update_shape` is the shape the
/// updates of such a scatter would have). Differentiable in forward mode
/// only: the repeated applications are a `while_loop`.
///
/// ```
/// use rjax::{lax, Array, lax::IndexDims};
/// let x = Array::from_slice(&[1.0f32, 1.0, 1.0], &[3]);
/// let at = Array::from_slice(&[2i32, 0, 2], &[3, 1]);
/// let dims = IndexDims {
///     window_dims: vec![],
///     collapsed_dims: vec![0],
///     operand_batching_dims: vec![],
///     indices_batching_dims: vec![],
///     index_map: vec![0],
///     index_vector_dim: 1,
/// };
/// let y = lax::scatter_apply(&x, &at, |v| v * 10.0, &dims, &[3]);
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![10.0, 1.0, 100.0]);
/// ```
#[track_caller]
pub fn scatter_apply(
    x: &Array,
    indices: &Array,
    func: impl Fn(&Array) -> Array,
    dims: &IndexDims,
    update_shape: &[usize],
) -> Array {
    fallible(|| {
        let shape = x.aval()?.shape;
        let ones = jnp::ones(update_shape, DType::I32);
        let hits = lax::scatter_add(&jnp::zeros(&shape, DType::I32), indices, &ones, dims);
        let rounds = lax::reduce_max(&hits, &(0..shape.len()).collect::<Vec<_>>());
        let (_, y) = lax::while_loop(
            |(round, _): &(Array, Array)| round.lt(&rounds),
            |(round, y): (Array, Array)| {
                let applied = lax::select(&hits.gt(&round), &func(&y), &y);
                (&round + 1, applied)
            },
            (Array::scalar(0i32), x.clone()),
        )?;
        Ok(y)
    })
}
