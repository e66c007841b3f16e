//! Creation and shape conveniences over `broadcast_in_dim`, `reshape`,
//! `slice` and `concatenate`: `full`, `broadcast`, `collapse`, `tile`,
//! `split`, `stack` and `unstack`.

use crate::numpy::{Axes, cast, fallible, normalize_axes};
use crate::{Array, lax, location};
use rjax_ir::{DType, Error, ErrorKind};

/// `axis` (negative from the end) of an array of `rank`.
#[track_caller]
pub(crate) fn axis_in(op: &str, axis: i64, rank: usize) -> Result<usize, Error> {
    Ok(normalize_axes(op, &Axes::Some(vec![axis]), rank)?[0])
}

/// An array of `shape` filled with the rank-0 `fill_value`, converted to
/// `dtype` if given (a weakly typed fill value stays weak otherwise).
///
/// ```
/// use rjax::{lax, Array, DType};
/// let x = lax::full(&[2, 2], &Array::scalar(7i32), Some(DType::F32));
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![7.0; 4]);
/// ```
#[track_caller]
pub fn full(shape: &[usize], fill_value: &Array, dtype: Option<DType>) -> Array {
    fallible(|| {
        let v = fill_value.aval()?;
        if v.rank() != 0 {
            return Err(Error::new(
                ErrorKind::Shape,
                "full",
                "the fill value must be a scalar (rank 0)",
            )
            .with_operands(vec![v])
            .at(location::current()));
        }
        let value = match dtype {
            Some(d) => cast(fill_value, d, false),
            None => fill_value.clone(),
        };
        Ok(lax::broadcast_in_dim(&value, shape, &[]))
    })
}

/// [`full`] with the dtype (and weakness) of `x` unless `dtype` is given,
/// and its shape unless `shape` is.
///
/// ```
/// use rjax::{lax, Array};
/// let x = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
/// let y = lax::full_like(&x, &Array::weak(0.5), None, None);
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.5; 3]);
/// ```
#[track_caller]
pub fn full_like(
    x: &Array,
    fill_value: &Array,
    dtype: Option<DType>,
    shape: Option<&[usize]>,
) -> Array {
    fallible(|| {
        let a = x.aval()?;
        let weak = dtype.is_none() && a.weak;
        let value = cast(fill_value, dtype.unwrap_or(a.dtype), weak);
        Ok(full(shape.unwrap_or(&a.shape), &value, None))
    })
}

/// An array of `shape` and `dtype` whose values are not to be relied on
/// (zeros here, as in JAX).
///
/// ```
/// use rjax::{lax, DType};
/// assert_eq!(lax::empty(&[2, 3], DType::I32).shape().unwrap(), [2, 3]);
/// ```
#[track_caller]
pub fn empty(shape: &[usize], dtype: DType) -> Array {
    full(shape, &cast(&Array::scalar(0i32), dtype, false), None)
}

/// The shape NumPy's broadcasting gives arrays of `shapes`.
///
/// ```
/// use rjax::lax;
/// assert_eq!(lax::broadcast_shapes(&[&[2, 1, 3], &[4, 3]]).unwrap(), vec![2, 4, 3]);
/// assert!(lax::broadcast_shapes(&[&[2], &[3]]).is_err());
/// ```
#[track_caller]
pub fn broadcast_shapes(shapes: &[&[usize]]) -> Result<Vec<usize>, Error> {
    shapes.iter().try_fold(Vec::new(), |acc, s| {
        rjax_ir::broadcast_shapes(&acc, s).ok_or_else(|| {
            Error::new(
                ErrorKind::Shape,
                "broadcast_shapes",
                format!("shapes {shapes:?} do not broadcast together"),
            )
            .at(location::current())
        })
    })
}

/// `x` with new leading axes of `sizes`.
///
/// ```
/// use rjax::{lax, Array};
/// let x = Array::from_slice(&[1i32, 2, 3], &[3]);
/// assert_eq!(lax::broadcast(&x, &[2]).to_vec::<i32>().unwrap(), vec![1, 2, 3, 1, 2, 3]);
/// ```
#[track_caller]
pub fn broadcast(x: &Array, sizes: &[usize]) -> Array {
    let Ok(x_shape) = x.shape() else {
        return x.clone();
    };
    let shape = [sizes, &x_shape].concat();
    let dims: Vec<usize> = (sizes.len()..shape.len()).collect();
    lax::broadcast_in_dim(x, &shape, &dims)
}

/// `0, 1, 2, ...` along `dimension` of an array of `shape` (the same as
/// [`lax::iota`], whose result is already of any shape).
///
/// ```
/// use rjax::{lax, DType};
/// let i = lax::broadcasted_iota(DType::I32, &[2, 3], 1);
/// assert_eq!(i.to_vec::<i32>().unwrap(), vec![0, 1, 2, 0, 1, 2]);
/// ```
#[track_caller]
pub fn broadcasted_iota(dtype: DType, shape: &[usize], dimension: usize) -> Array {
    lax::iota(dtype, shape, dimension)
}

/// `x` with leading axes of size 1 added up to `rank` (unchanged if it
/// has that many already).
///
/// ```
/// use rjax::{lax, Array};
/// let x = lax::broadcast_to_rank(&Array::from_slice(&[1.0f32, 2.0], &[2]), 3);
/// assert_eq!(x.shape().unwrap(), [1, 1, 2]);
/// ```
#[track_caller]
pub fn broadcast_to_rank(x: &Array, rank: usize) -> Array {
    match x.ndim().map(|r| rank.checked_sub(r)) {
        Ok(Some(extra)) if extra > 0 => broadcast(x, &vec![1; extra]),
        _ => x.clone(),
    }
}

/// Merge axes `start..stop` (Python slice bounds: negative from the end,
/// `None` for the last axis) into one.
///
/// ```
/// use rjax::{lax, numpy as jnp, DType};
/// let x = jnp::zeros(&[2, 3, 4], DType::F32);
/// assert_eq!(lax::collapse(&x, 0, Some(2)).shape().unwrap(), [6, 4]);
/// assert_eq!(lax::collapse(&x, -2, None).shape().unwrap(), [2, 12]);
/// ```
#[track_caller]
pub fn collapse(x: &Array, start: i64, stop: Option<i64>) -> Array {
    fallible(|| {
        let shape = x.aval()?.shape;
        let n = shape.len() as i64;
        let bound = |i: i64| (if i < 0 { i + n } else { i }).clamp(0, n) as usize;
        let (lo, hi) = (bound(start), bound(stop.unwrap_or(n)));
        if hi < lo {
            return Err(Error::new(
                ErrorKind::Axis,
                "collapse",
                format!("axes {start}..{stop:?} of an array of rank {n} are an empty range"),
            )
            .at(location::current()));
        }
        let merged = shape[lo..hi].iter().product();
        let new_shape = [&shape[..lo], &[merged], &shape[hi..]].concat();
        Ok(lax::reshape(x, &new_shape))
    })
}

/// `x` repeated `reps[i]` times along each axis `i` (one entry per axis).
///
/// ```
/// use rjax::{lax, Array};
/// let x = Array::from_slice(&[1i32, 2], &[1, 2]);
/// assert_eq!(lax::tile(&x, &[2, 2]).to_vec::<i32>().unwrap(), vec![1, 2, 1, 2, 1, 2, 1, 2]);
/// ```
#[track_caller]
pub fn tile(x: &Array, reps: &[usize]) -> Array {
    fallible(|| {
        let a = x.aval()?;
        if reps.len() != a.rank() {
            return Err(Error::new(
                ErrorKind::Shape,
                "tile",
                format!(
                    "{} repetitions for an array of rank {}",
                    reps.len(),
                    a.rank()
                ),
            )
            .with_operands(vec![a])
            .at(location::current()));
        }
        // Broadcast to (r0, s0, r1, s1, ...), then merge each pair.
        let wide: Vec<usize> = reps
            .iter()
            .zip(&a.shape)
            .flat_map(|(&r, &s)| [r, s])
            .collect();
        let dims: Vec<usize> = (0..a.rank()).map(|i| 2 * i + 1).collect();
        let out: Vec<usize> = reps.iter().zip(&a.shape).map(|(r, s)| r * s).collect();
        Ok(lax::reshape(&lax::broadcast_in_dim(x, &wide, &dims), &out))
    })
}

/// Consecutive pieces of `sizes` along `axis` (the sizes must add up to
/// the axis).
///
/// ```
/// use rjax::{lax, Array};
/// let x = Array::from_slice(&[1i32, 2, 3, 4, 5], &[5]);
/// let parts = lax::split(&x, &[2, 0, 3], 0);
/// assert_eq!(parts[2].to_vec::<i32>().unwrap(), vec![3, 4, 5]);
/// ```
#[track_caller]
pub fn split(x: &Array, sizes: &[usize], axis: i64) -> Vec<Array> {
    let _scope = location::scope();
    let location = location::current();
    let pieces = || -> Result<Vec<Array>, Error> {
        let a = x.aval()?;
        let axis = axis_in("split", axis, a.rank())?;
        if sizes.iter().sum::<usize>() != a.shape[axis] {
            return Err(Error::new(
                ErrorKind::Shape,
                "split",
                format!(
                    "sizes {sizes:?} do not add up to axis {axis} of size {}",
                    a.shape[axis]
                ),
            )
            .with_operands(vec![a]));
        }
        let mut start = 0;
        Ok(sizes
            .iter()
            .map(|&size| {
                let piece =
                    lax::slice_in_dim(x, Some(start), Some(start + size as i64), 1, axis as i64);
                start += size as i64;
                piece
            })
            .collect())
    };
    pieces().unwrap_or_else(|e| vec![Array::from_error(e.at(location)); sizes.len().max(1)])
}

/// Arrays of one shape and dtype joined along a new axis.
///
/// ```
/// use rjax::{lax, Array};
/// let (a, b) = (Array::from_slice(&[1i32, 2], &[2]), Array::from_slice(&[3i32, 4], &[2]));
/// assert_eq!(lax::stack(&[a, b], 1).to_vec::<i32>().unwrap(), vec![1, 3, 2, 4]);
/// ```
#[track_caller]
pub fn stack(xs: &[Array], axis: i64) -> Array {
    fallible(|| {
        let first = xs
            .first()
            .ok_or_else(|| Error::new(ErrorKind::Param, "stack", "needs at least one array"))?;
        let axis = axis_in("stack", axis, first.aval()?.rank() + 1)?;
        let expanded: Vec<Array> = xs.iter().map(|x| lax::expand_dims(x, &[axis])).collect();
        Ok(lax::concatenate(&expanded, axis))
    })
}

/// The slices of `x` along `axis`, that axis removed.
///
/// ```
/// use rjax::{lax, Array};
/// let x = Array::from_slice(&[1i32, 2, 3, 4], &[2, 2]);
/// let columns = lax::unstack(&x, 1);
/// assert_eq!(columns[0].to_vec::<i32>().unwrap(), vec![1, 3]);
/// ```
#[track_caller]
pub fn unstack(x: &Array, axis: i64) -> Vec<Array> {
    let _scope = location::scope();
    let location = location::current();
    let slices = || -> Result<Vec<Array>, Error> {
        let a = x.aval()?;
        let axis = axis_in("unstack", axis, a.rank())?;
        Ok((0..a.shape[axis] as i64)
            .map(|i| lax::index_in_dim(x, i, axis as i64, false))
            .collect())
    };
    slices().unwrap_or_else(|e| vec![Array::from_error(e.at(location))])
}
