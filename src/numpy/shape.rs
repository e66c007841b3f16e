//! Creation from other arrays, shape manipulation, joining and splitting,
//! padding, and the triangles and diagonals of matrices.

use super::{Axes, cast, concatenate, fallible, normalize_axes, reshape, stack, transpose, zeros};
use crate::lax;
use crate::{Array, location};
use rjax_ir::{DType, Error, ErrorKind};

pub(crate) fn axis_of(op: &str, x: &Array, axis: i64) -> Result<usize, Error> {
    Ok(normalize_axes(op, &Axes::Some(vec![axis]), x.ndim()?)?[0])
}

/// `axis` normalized against `x`'s rank, and the length of that axis.
fn axis_and_len(op: &str, x: &Array, axis: i64) -> Result<(usize, usize), Error> {
    let a = axis_of(op, x, axis)?;
    Ok((a, x.shape()?[a]))
}

/// Element `index` along `axis`, that axis removed.
pub(crate) fn take_slice(x: &Array, axis: usize, index: usize) -> Array {
    lax::squeeze(&slice_along(x, axis, index, index + 1, 1), &[axis])
}

/// `x[i]` along the first axis, `i` negative from the end.
#[track_caller]
pub(crate) fn index_first(x: &Array, i: i64) -> Array {
    fallible(|| {
        let n = x.shape()?.first().copied().unwrap_or(0) as i64;
        if i < -n || i >= n {
            return Err(Error::new(
                ErrorKind::Shape,
                "index",
                format!("index {i} is out of bounds for an axis of size {n}"),
            )
            .with_operands(vec![x.aval()?])
            .at(location::current()));
        }
        Ok(take_slice(x, 0, i.rem_euclid(n) as usize))
    })
}

/// Elements `start, start + step, ...` below `stop` along `axis`.
pub(crate) fn slice_along(x: &Array, axis: usize, start: usize, stop: usize, step: usize) -> Array {
    Array::from_result(x.shape().map(|shape| {
        let mut lo = vec![0; shape.len()];
        let mut hi = shape;
        let mut strides = vec![1; lo.len()];
        lo[axis] = start.min(stop);
        hi[axis] = stop;
        strides[axis] = step;
        lax::slice(x, &lo, &hi, Some(&strides))
    }))
}

/// `start..stop` along `axis`.
fn range_along(x: &Array, axis: usize, start: usize, stop: usize) -> Array {
    slice_along(x, axis, start, stop, 1)
}

/// Zeros shaped like `x` (of `dtype`, or `x`'s).
#[track_caller]
pub fn zeros_like(x: &Array, dtype: Option<DType>) -> Array {
    fallible(|| {
        let a = x.aval()?;
        Ok(zeros(&a.shape, dtype.unwrap_or(a.dtype)))
    })
}

/// Ones shaped like `x` (of `dtype`, or `x`'s).
#[track_caller]
pub fn ones_like(x: &Array, dtype: Option<DType>) -> Array {
    fallible(|| {
        let a = x.aval()?;
        Ok(super::ones(&a.shape, dtype.unwrap_or(a.dtype)))
    })
}

/// `value` broadcast to `x`'s shape (of `dtype`, or `x`'s).
#[track_caller]
pub fn full_like(x: &Array, value: f64, dtype: Option<DType>) -> Array {
    fallible(|| {
        let a = x.aval()?;
        let d = dtype.unwrap_or(a.dtype);
        Ok(lax::broadcast_in_dim(
            &cast(&Array::scalar(value), d, false),
            &a.shape,
            &[],
        ))
    })
}

/// The `n x n` identity matrix.
#[track_caller]
pub fn identity(n: usize, dtype: DType) -> Array {
    super::eye(n, None, 0, dtype)
}

/// Ones on and below diagonal `k` of an `n x m` matrix.
#[track_caller]
pub fn tri(n: usize, m: Option<usize>, k: i64, dtype: DType) -> Array {
    let m = m.unwrap_or(n);
    let rows = lax::iota(DType::I64, &[n, m], 0);
    let cols = lax::iota(DType::I64, &[n, m], 1);
    cast(&lax::ge(&(&rows + &Array::weak(k)), &cols), dtype, false)
}

fn triangle(op: &str, x: &Array, k: i64, lower: bool) -> Array {
    fallible(|| {
        let shape = x.shape()?;
        if shape.len() < 2 {
            return Err(Error::new(ErrorKind::Shape, op, "needs at least 2 axes")
                .with_operands(vec![x.aval()?])
                .at(location::current()));
        }
        let (n, m) = (shape[shape.len() - 2], shape[shape.len() - 1]);
        let r = shape.len();
        let mask = tri(n, Some(m), if lower { k } else { k - 1 }, DType::Bool);
        let mask = lax::broadcast_in_dim(&mask, &shape, &[r - 2, r - 1]);
        let mask = if lower { mask } else { lax::not(&mask) };
        Ok(lax::select(&mask, x, &zeros_like(x, None)))
    })
}

/// The lower triangle (on and below diagonal `k`) of the last two axes.
#[track_caller]
pub fn tril(x: &Array, k: i64) -> Array {
    triangle("tril", x, k, true)
}

/// The upper triangle (on and above diagonal `k`) of the last two axes.
#[track_caller]
pub fn triu(x: &Array, k: i64) -> Array {
    triangle("triu", x, k, false)
}

/// Diagonal `offset` of the plane of `axis1` and `axis2`, as a new last
/// axis (numpy's `diagonal`).
#[track_caller]
pub fn diagonal(x: &Array, offset: i64, axis1: i64, axis2: i64) -> Array {
    fallible(|| {
        let (a1, a2) = (
            axis_of("diagonal", x, axis1)?,
            axis_of("diagonal", x, axis2)?,
        );
        let rest: Vec<usize> = (0..x.ndim()?).filter(|&i| i != a1 && i != a2).collect();
        let perm: Vec<i64> = rest.iter().chain(&[a1, a2]).map(|&i| i as i64).collect();
        let t = transpose(x, Some(&perm));
        let shape = t.shape()?;
        let r = shape.len();
        let (n, m) = (shape[r - 2] as i64, shape[r - 1] as i64);
        let (row0, col0) = if offset >= 0 {
            (0, offset)
        } else {
            (-offset, 0)
        };
        let len = (n - row0).min(m - col0).max(0) as usize;
        let mask = lax::eq(
            &(&lax::iota(DType::I64, &[n as usize, m as usize], 0) + &Array::weak(offset)),
            &lax::iota(DType::I64, &[n as usize, m as usize], 1),
        );
        let mask = lax::broadcast_in_dim(&mask, &shape, &[r - 2, r - 1]);
        let picked = lax::select(&mask, &t, &zeros_like(&t, None));
        // Each row holds at most one diagonal element: sum the columns out.
        let rows = lax::reduce_sum(&picked, &[r - 1]);
        Ok(range_along(
            &rows,
            r - 2,
            row0 as usize,
            row0 as usize + len,
        ))
    })
}

/// A 1-d `v` as the diagonal `k` of a square matrix; a 2-d `v`'s diagonal.
#[track_caller]
pub fn diag(v: &Array, k: i64) -> Array {
    fallible(|| match v.ndim()? {
        1 => {
            let n = v.shape()?[0] + k.unsigned_abs() as usize;
            let mask = super::eye(n, None, k, DType::Bool);
            let (row0, col0) = if k >= 0 {
                (0, k as usize)
            } else {
                ((-k) as usize, 0)
            };
            let padded = lax::pad(v, &zeros(&[], v.dtype()?), &[(col0 as i64, row0 as i64, 0)]);
            let rows = lax::broadcast_in_dim(&padded, &[n, n], &[1]);
            Ok(lax::select(&mask, &rows, &zeros(&[n, n], v.dtype()?)))
        }
        2 => Ok(diagonal(v, k, 0, 1)),
        _ => Err(
            Error::new(ErrorKind::Shape, "diag", "needs a 1-d or 2-d array")
                .with_operands(vec![v.aval()?])
                .at(location::current()),
        ),
    })
}

/// The sum of diagonal `offset` of the first two axes.
#[track_caller]
pub fn trace(x: &Array, offset: i64) -> Array {
    let d = diagonal(x, offset, 0, 1);
    super::sum(&d, -1, false)
}

/// Remove size-1 axes (`Axes::All`: every one of them).
#[track_caller]
pub fn squeeze(x: &Array, axis: impl Into<Axes>) -> Array {
    let axis = axis.into();
    fallible(|| {
        let shape = x.shape()?;
        let axes = match axis {
            Axes::All => (0..shape.len()).filter(|&i| shape[i] == 1).collect(),
            some => normalize_axes("squeeze", &some, shape.len())?,
        };
        Ok(lax::squeeze(x, &axes))
    })
}

/// Insert a size-1 axis at `axis` (negative counts from the end of the result).
#[track_caller]
pub fn expand_dims(x: &Array, axis: i64) -> Array {
    fallible(|| {
        let a = normalize_axes("expand_dims", &Axes::Some(vec![axis]), x.ndim()? + 1)?[0];
        Ok(lax::expand_dims(x, &[a]))
    })
}

/// Move axis `source` to position `destination`.
#[track_caller]
pub fn moveaxis(x: &Array, source: i64, destination: i64) -> Array {
    fallible(|| {
        let (s, d) = (
            axis_of("moveaxis", x, source)?,
            axis_of("moveaxis", x, destination)?,
        );
        let mut perm: Vec<usize> = (0..x.ndim()?).filter(|&i| i != s).collect();
        perm.insert(d, s);
        Ok(lax::transpose(x, &perm))
    })
}

/// Exchange two axes.
#[track_caller]
pub fn swapaxes(x: &Array, axis1: i64, axis2: i64) -> Array {
    fallible(|| {
        let (a, b) = (
            axis_of("swapaxes", x, axis1)?,
            axis_of("swapaxes", x, axis2)?,
        );
        let mut perm: Vec<usize> = (0..x.ndim()?).collect();
        perm.swap(a, b);
        Ok(lax::transpose(x, &perm))
    })
}

/// Reverse the order of elements along `axis` (all axes for `Axes::All`).
#[track_caller]
pub fn flip(x: &Array, axis: impl Into<Axes>) -> Array {
    let axis = axis.into();
    fallible(|| Ok(lax::rev(x, &normalize_axes("flip", &axis, x.ndim()?)?)))
}

/// Reverse the columns (axis 1).
#[track_caller]
pub fn fliplr(x: &Array) -> Array {
    flip(x, 1)
}

/// Reverse the rows (axis 0).
#[track_caller]
pub fn flipud(x: &Array) -> Array {
    flip(x, 0)
}

/// Rotate by 90° `k` times in the plane of the first two axes.
#[track_caller]
pub fn rot90(x: &Array, k: i64) -> Array {
    match k.rem_euclid(4) {
        0 => x.clone(),
        1 => swapaxes(&flip(x, 1), 0, 1),
        2 => flip(x, [0, 1]),
        _ => flip(&swapaxes(x, 0, 1), 1),
    }
}

/// The elements as a 1-d array.
#[track_caller]
pub fn ravel(x: &Array) -> Array {
    reshape(x, &[-1])
}

/// Shift elements by `shift` along `axis` (of the flattened array for
/// `None`), wrapping around.
#[track_caller]
pub fn roll(x: &Array, shift: i64, axis: Option<i64>) -> Array {
    fallible(|| {
        let (flat, a) = match axis {
            None => (ravel(x), 0),
            Some(a) => (x.clone(), axis_of("roll", x, a)?),
        };
        let n = flat.shape()?[a];
        if n == 0 {
            return Ok(x.clone());
        }
        let s = shift.rem_euclid(n as i64) as usize;
        let rolled = lax::concatenate(
            &[
                range_along(&flat, a, n - s, n),
                range_along(&flat, a, 0, n - s),
            ],
            a,
        );
        Ok(if axis.is_none() {
            lax::reshape(&rolled, &x.shape()?)
        } else {
            rolled
        })
    })
}

/// Repeat the whole array `reps` times along each axis.
#[track_caller]
pub fn tile(x: &Array, reps: &[usize]) -> Array {
    fallible(|| {
        let mut shape = x.shape()?;
        let rank = shape.len().max(reps.len());
        while shape.len() < rank {
            shape.insert(0, 1);
        }
        let mut reps = reps.to_vec();
        while reps.len() < rank {
            reps.insert(0, 1);
        }
        let x = lax::reshape(x, &shape);
        // Broadcast to (r0, s0, r1, s1, ...), then merge each pair.
        let wide: Vec<usize> = (0..rank).flat_map(|i| [reps[i], shape[i]]).collect();
        let dims: Vec<usize> = (0..rank).map(|i| 2 * i + 1).collect();
        // Saturating: an overflowing size is already an error of the
        // broadcast, which the reshape passes on.
        let out: Vec<usize> = (0..rank)
            .map(|i| reps[i].saturating_mul(shape[i]))
            .collect();
        Ok(lax::reshape(&lax::broadcast_in_dim(&x, &wide, &dims), &out))
    })
}

/// Repeat each element `repeats` times along `axis` (of the flattened
/// array for `None`).
#[track_caller]
pub fn repeat(x: &Array, repeats: usize, axis: Option<i64>) -> Array {
    fallible(|| {
        let (flat, a) = match axis {
            None => (ravel(x), 0),
            Some(a) => (x.clone(), axis_of("repeat", x, a)?),
        };
        let shape = flat.shape()?;
        let mut wide = shape.clone();
        wide.insert(a + 1, repeats);
        let dims: Vec<usize> = (0..shape.len())
            .map(|i| if i <= a { i } else { i + 1 })
            .collect();
        let mut out = shape.clone();
        // Saturating, as in `tile`.
        out[a] = out[a].saturating_mul(repeats);
        Ok(lax::reshape(
            &lax::broadcast_in_dim(&flat, &wide, &dims),
            &out,
        ))
    })
}

/// Split into `sections` equal parts along `axis`.
#[track_caller]
pub fn split(x: &Array, sections: usize, axis: i64) -> Vec<Array> {
    let location = std::panic::Location::caller();
    let (a, n) = match axis_and_len("split", x, axis) {
        Ok(found) => found,
        Err(e) => return vec![Array::from_error(e); sections.max(1)],
    };
    if sections == 0 || n % sections != 0 {
        let e = Error::new(
            ErrorKind::Shape,
            "split",
            format!("axis {a} of size {n} does not split into {sections} equal parts"),
        )
        .at(location);
        return vec![Array::from_error(e); sections.max(1)];
    }
    let step = n / sections;
    (0..sections)
        .map(|i| range_along(x, a, i * step, (i + 1) * step))
        .collect()
}

/// Split along `axis` before each of `indices`.
#[track_caller]
pub fn split_at(x: &Array, indices: &[usize], axis: i64) -> Vec<Array> {
    let (a, n) = match axis_and_len("split_at", x, axis) {
        Ok(found) => found,
        Err(e) => return vec![Array::from_error(e); indices.len() + 1],
    };
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(indices.iter().map(|&i| i.min(n)))
        .chain(std::iter::once(n))
        .collect();
    bounds
        .windows(2)
        .map(|w| range_along(x, a, w[0], w[1].max(w[0])))
        .collect()
}

/// Split into `sections` nearly equal parts (the first ones one longer).
#[track_caller]
pub fn array_split(x: &Array, sections: usize, axis: i64) -> Vec<Array> {
    let sections = sections.max(1);
    let n = match axis_and_len("array_split", x, axis) {
        Ok((_, n)) => n,
        Err(e) => return vec![Array::from_error(e); sections],
    };
    let (base, extra) = (n / sections, n % sections);
    let mut at = 0;
    let indices: Vec<usize> = (0..sections - 1)
        .map(|i| {
            at += base + usize::from(i < extra);
            at
        })
        .collect();
    split_at(x, &indices, axis)
}

fn at_least(x: &Array, rank: usize) -> Array {
    Array::from_result(x.shape().map(|shape| match (shape.len(), rank) {
        (r, n) if r >= n => x.clone(),
        (0, _) => lax::reshape(x, &vec![1; rank]),
        (1, 2) => lax::reshape(x, &[1, shape[0]]),
        (1, _) => lax::reshape(x, &[1, shape[0], 1]),
        _ => lax::reshape(x, &[shape[0], shape[1], 1]),
    }))
}

/// `x` with at least 1 axis.
#[track_caller]
pub fn atleast_1d(x: &Array) -> Array {
    at_least(x, 1)
}

/// `x` with at least 2 axes (a vector becomes a row).
#[track_caller]
pub fn atleast_2d(x: &Array) -> Array {
    at_least(x, 2)
}

/// `x` with at least 3 axes.
#[track_caller]
pub fn atleast_3d(x: &Array) -> Array {
    at_least(x, 3)
}

/// Stack as rows: join along axis 0 of the at-least-2-d arrays.
#[track_caller]
pub fn vstack(xs: &[Array]) -> Array {
    concatenate(&xs.iter().map(atleast_2d).collect::<Vec<_>>(), 0)
}

/// Stack as columns: join 1-d arrays end to end, others along axis 1.
#[track_caller]
pub fn hstack(xs: &[Array]) -> Array {
    fallible(|| {
        let xs: Vec<Array> = xs.iter().map(atleast_1d).collect();
        let first_rank = xs.first().map(Array::ndim).transpose()?;
        let axis = if first_rank == Some(1) { 0 } else { 1 };
        Ok(concatenate(&xs, axis))
    })
}

/// Join along axis 2 of the at-least-3-d arrays.
#[track_caller]
pub fn dstack(xs: &[Array]) -> Array {
    concatenate(&xs.iter().map(atleast_3d).collect::<Vec<_>>(), 2)
}

/// 1-d arrays as the columns of a matrix; 2-d ones joined along axis 1.
#[track_caller]
pub fn column_stack(xs: &[Array]) -> Array {
    fallible(|| {
        let cols = xs
            .iter()
            .map(|x| {
                Ok(if x.ndim()? < 2 {
                    lax::reshape(x, &[x.size()?, 1])
                } else {
                    x.clone()
                })
            })
            .collect::<Result<Vec<Array>, Error>>()?;
        Ok(concatenate(&cols, 1))
    })
}

/// `values` appended to `x` along `axis` (both flattened for `None`).
#[track_caller]
pub fn append(x: &Array, values: &Array, axis: Option<i64>) -> Array {
    match axis {
        None => concatenate(&[ravel(x), ravel(values)], 0),
        Some(a) => concatenate(&[x.clone(), values.clone()], a),
    }
}

/// The `n`-th discrete difference along `axis`.
#[track_caller]
pub fn diff(x: &Array, n: usize, axis: i64) -> Array {
    fallible(|| {
        let a = axis_of("diff", x, axis)?;
        let mut out = x.clone();
        for _ in 0..n {
            let len = out.shape()?[a];
            if len == 0 {
                break;
            }
            out = range_along(&out, a, 1, len) - range_along(&out, a, 0, len - 1);
        }
        Ok(out)
    })
}

/// Coordinate grids from 1-d arrays: `"xy"` (Cartesian: the first two
/// outputs' axes swapped) or `"ij"` (matrix) indexing.
#[track_caller]
pub fn meshgrid(xs: &[Array], indexing: &str) -> Vec<Array> {
    let mut shape = match xs
        .iter()
        .map(Array::size)
        .collect::<Result<Vec<usize>, Error>>()
    {
        Ok(sizes) => sizes,
        Err(e) => return vec![Array::from_error(e); xs.len()],
    };
    let cartesian = indexing == "xy" && xs.len() >= 2;
    if cartesian {
        shape.swap(0, 1);
    }
    xs.iter()
        .enumerate()
        .map(|(i, x)| {
            let axis = match (cartesian, i) {
                (true, 0) => 1,
                (true, 1) => 0,
                _ => i,
            };
            lax::broadcast_in_dim(&ravel(x), &shape, &[axis])
        })
        .collect()
}

/// `num` values spaced evenly on a log scale: `base^linspace(start, stop)`.
#[track_caller]
pub fn logspace(start: f32, stop: f32, num: usize, base: f64) -> Array {
    super::power(&Array::weak(base), &super::linspace(start, stop, num))
}

/// Arrays broadcast to their common shape.
#[track_caller]
pub fn broadcast_arrays(xs: &[Array]) -> Vec<Array> {
    let shapes = match xs
        .iter()
        .map(Array::shape)
        .collect::<Result<Vec<_>, Error>>()
    {
        Ok(shapes) => shapes,
        Err(e) => return vec![Array::from_error(e); xs.len()],
    };
    let common = shapes
        .iter()
        .try_fold(Vec::new(), |acc, s| rjax_ir::broadcast_shapes(&acc, s));
    match common {
        Some(shape) => xs.iter().map(|x| super::broadcast_to(x, &shape)).collect(),
        None => {
            let e = Error::new(
                ErrorKind::Shape,
                "broadcast_arrays",
                format!("shapes {shapes:?} cannot be broadcast together"),
            )
            .at(std::panic::Location::caller());
            vec![Array::from_error(e); xs.len()]
        }
    }
}

/// The first choice whose condition holds, else `default`, numpy's
/// `select`.
#[track_caller]
pub fn select(conditions: &[Array], choices: &[Array], default: &Array) -> Array {
    conditions
        .iter()
        .zip(choices)
        .rev()
        .fold(default.clone(), |acc, (c, v)| super::where_(c, v, &acc))
}

/// How [`pad`] fills the border.
#[derive(Clone, Debug, PartialEq)]
pub enum PadMode {
    /// A constant value.
    Constant(f64),
    /// The edge value repeated.
    Edge,
    /// Mirrored without repeating the edge.
    Reflect,
    /// Mirrored repeating the edge.
    Symmetric,
    /// Wrapped around from the other side.
    Wrap,
}

/// Pad each axis by `(before, after)` (one pair for all axes or one per axis).
#[track_caller]
pub fn pad(x: &Array, pad_width: &[(usize, usize)], mode: PadMode) -> Array {
    fallible(|| {
        let rank = x.ndim()?;
        let widths: Vec<(usize, usize)> = match pad_width.len() {
            1 => vec![pad_width[0]; rank],
            n if n == rank => pad_width.to_vec(),
            n => {
                return Err(Error::new(
                    ErrorKind::Param,
                    "pad",
                    format!("{n} pad widths for rank {rank}"),
                )
                .with_operands(vec![x.aval()?])
                .at(location::current()));
            }
        };
        if let PadMode::Constant(v) = mode {
            let config: Vec<(i64, i64, usize)> = widths
                .iter()
                .map(|&(b, a)| (b as i64, a as i64, 0))
                .collect();
            return Ok(lax::pad(
                x,
                &cast(&Array::scalar(v), x.dtype()?, false),
                &config,
            ));
        }
        let mut out = x.clone();
        for (axis, &(before, after)) in widths.iter().enumerate() {
            out = pad_axis(&out, axis, before, after, &mode)?;
        }
        Ok(out)
    })
}

/// One axis of a non-constant [`pad`]: the border pieces are slices of the
/// array itself (reversed for the mirroring modes).
fn pad_axis(
    x: &Array,
    axis: usize,
    before: usize,
    after: usize,
    mode: &PadMode,
) -> Result<Array, Error> {
    let n = x.shape()?[axis];
    if before == 0 && after == 0 {
        return Ok(x.clone());
    }
    if n == 0 {
        return Err(
            Error::new(ErrorKind::Shape, "pad", "cannot extend an empty axis")
                .at(location::current()),
        );
    }
    // Index `i` of the padded axis (as an offset from the array's start).
    let source = |i: i64| -> usize {
        let n = n as i64;
        let j = match mode {
            PadMode::Edge => i.clamp(0, n - 1),
            PadMode::Wrap => i.rem_euclid(n),
            PadMode::Reflect if n == 1 => 0,
            PadMode::Reflect => {
                let period = 2 * (n - 1);
                let k = i.rem_euclid(period);
                if k < n { k } else { period - k }
            }
            _ => {
                let period = 2 * n;
                let k = i.rem_euclid(period);
                if k < n { k } else { period - 1 - k }
            }
        };
        j as usize
    };
    let pieces: Vec<Array> = (-(before as i64)..0)
        .chain(n as i64..(n + after) as i64)
        .map(|i| range_along(x, axis, source(i), source(i) + 1))
        .collect();
    let (head, tail) = pieces.split_at(before);
    let parts: Vec<Array> = head
        .iter()
        .cloned()
        .chain(std::iter::once(x.clone()))
        .chain(tail.iter().cloned())
        .collect();
    Ok(lax::concatenate(&parts, axis))
}

/// The at-least-1-d arrays stacked along a new axis 0.
#[track_caller]
pub fn array(xs: &[Array]) -> Array {
    stack(xs, 0)
}
