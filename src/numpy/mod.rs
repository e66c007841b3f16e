//! `numpy` (JAX's `jnp`): numpy semantics — broadcasting, dtype promotion
//! with weak Rust scalars, axes with negative indices and `keepdims`.
//!
//! ```
//! use rjax::numpy as jnp;
//! let x = jnp::arange(6).reshape(&[2, 3]);
//! assert_eq!(jnp::sum(&x, 1, false).to_vec::<i32>().unwrap(), vec![3, 12]);
//! assert_eq!(jnp::mean(&x, (), false).to_vec::<f32>().unwrap(), vec![2.5]);
//! ```

use crate::lax::{self, bind1};
use crate::location;
use crate::{Array, Element, Operand};
use rjax_ir::primitive::BinaryOp;
use rjax_ir::{
    DType, DotDims, Error, ErrorKind, Primitive, Value, broadcast_shapes as broadcast_pair,
    promote_types as promote_pair,
};
use std::panic::Location;

mod array_api;
mod bits;
mod calculus;
mod complex;
mod creation;
mod dtypes;
/// `jnp.fft`: discrete Fourier transforms.
pub mod fft;
mod finfo;
mod functional;
mod histograms;
mod index_tricks;
mod indexing;
mod joining;
pub mod linalg;
mod math;
mod norms;
#[cfg(feature = "npy")]
mod npy;
#[cfg(feature = "npy")]
mod npz;
mod polynomial;
mod products;
mod reductions;
mod searching;
mod selection;
mod sets;
mod shape;
mod statistics;
mod windows;

pub use self::{abs as absolute, concatenate as concat, power as pow, transpose as permute_dims};
pub use array_api::{cumulative_prod, cumulative_sum, matrix_transpose, matvec, vecdot, vecmat};
pub use bits::{
    around, bitwise_count, frexp, gcd, i0, lcm, modf, nextafter, packbits, spacing, unpackbits,
};
pub use calculus::{
    ConvolveMode, convolve, correlate, cross, ediff1d, gradient, interp, trapezoid, unwrap,
};
pub use complex::{
    angle, conj, conjugate, imag, iscomplex, iscomplexobj, isreal, isrealobj, real, sort_complex,
};
pub use creation::{array_equiv, asarray, astype, copy, empty, empty_like, geomspace};
pub use dtypes::{
    DTypeKind, broadcast_shapes, can_cast, isdtype, isscalar, issubdtype, ndim, promote_types,
    result_type, shape, size,
};
pub use finfo::{Finfo, finfo};
pub use functional::{apply_along_axis, apply_over_axes, fromfunction, vectorize};
pub use histograms::{Bins, histogram, histogram_bin_edges, histogram2d, histogramdd};
pub use index_tricks::{
    RavelMode, diag_indices, diag_indices_from, diagflat, fill_diagonal, indices, ix_,
    mask_indices, ravel_multi_index, tril_indices, tril_indices_from, triu_indices,
    triu_indices_from, unravel_index,
};
pub use indexing::{take, take_along_axis};
pub use joining::{Block, block, dsplit, hsplit, rollaxis, unstack, vsplit};
pub use math::*;
/// The array API's names, which JAX also exports.
pub use math::{
    arccos as acos, arccosh as acosh, arcsin as asin, arcsinh as asinh, arctan as atan,
    arctan2 as atan2, arctanh as atanh, bitwise_not as bitwise_invert,
    left_shift as bitwise_left_shift, right_shift as bitwise_right_shift,
};
#[cfg(feature = "npy")]
pub use npy::{load, save};
#[cfg(feature = "npy")]
pub use npz::{Npz, load_npz, savez, savez_compressed};
pub use polynomial::{
    poly, polyadd, polyder, polydiv, polyfit, polyint, polymul, polysub, polyval, roots, vander,
};
pub use products::{einsum, inner, kron, outer, tensordot, tensordot_axes, vdot};
pub use reductions::*;
pub use searching::{
    Side, argwhere, bincount, compress, digitize, extract, flatnonzero, nonzero, searchsorted,
};
pub use selection::{
    argpartition, choose, delete, insert, lexsort, partition, piecewise, place, put,
    put_along_axis, resize, trim_zeros,
};
pub use sets::{
    UniqueAll, intersect1d, isin, setdiff1d, setxor1d, union1d, unique, unique_all, unique_counts,
    unique_inverse, unique_values,
};
pub use shape::*;
pub use statistics::{corrcoef, cov, nanmedian, nanpercentile, nanquantile};
pub use windows::{bartlett, blackman, hamming, hanning, kaiser};

/// Run a fallible body, turning its error into an error array located at
/// the caller.
#[track_caller]
pub(crate) fn fallible(f: impl FnOnce() -> Result<Array, Error>) -> Array {
    let _scope = location::scope();
    f().unwrap_or_else(Array::from_error)
}

/// Which axes a reduction covers: `()` or `None` for all, an index, or a list;
/// negative indices count from the end.
#[derive(Clone, Debug, PartialEq)]
pub enum Axes {
    All,
    Some(Vec<i64>),
}

impl From<()> for Axes {
    fn from(_: ()) -> Axes {
        Axes::All
    }
}
impl From<i32> for Axes {
    fn from(a: i32) -> Axes {
        Axes::Some(vec![a as i64])
    }
}
impl From<i64> for Axes {
    fn from(a: i64) -> Axes {
        Axes::Some(vec![a])
    }
}
impl From<Option<i32>> for Axes {
    fn from(a: Option<i32>) -> Axes {
        a.map_or(Axes::All, Axes::from)
    }
}
impl<const N: usize> From<[i32; N]> for Axes {
    fn from(a: [i32; N]) -> Axes {
        Axes::Some(a.iter().map(|&x| x as i64).collect())
    }
}
impl From<&[i32]> for Axes {
    fn from(a: &[i32]) -> Axes {
        Axes::Some(a.iter().map(|&x| x as i64).collect())
    }
}
impl From<Vec<i64>> for Axes {
    fn from(a: Vec<i64>) -> Axes {
        Axes::Some(a)
    }
}

/// Resolve possibly negative axes against `rank`.
#[track_caller]
pub(crate) fn normalize_axes(op: &str, axes: &Axes, rank: usize) -> Result<Vec<usize>, Error> {
    match axes {
        Axes::All => Ok((0..rank).collect()),
        Axes::Some(list) => list
            .iter()
            .map(|&a| {
                let r = rank as i64;
                if a < -r || a >= r {
                    Err(Error::new(
                        ErrorKind::Axis,
                        op,
                        format!("axis {a} is out of bounds for an array of rank {rank}"),
                    )
                    .at(location::current()))
                } else {
                    Ok(a.rem_euclid(r.max(1)) as usize)
                }
            })
            .collect(),
    }
}

/// The array converted to `dtype` (weak Rust literals are re-typed in place).
#[track_caller]
pub(crate) fn cast(x: &Array, dtype: DType, weak: bool) -> Array {
    match x.value() {
        Ok(Value::Literal(l)) if l.dtype != dtype || l.weak != weak => {
            let mut l = l.cast(dtype);
            l.weak = weak;
            Array::from_value(Value::Literal(l))
        }
        Ok(v) if v.aval().dtype != dtype => bind1(
            Primitive::ConvertElementType {
                new_dtype: dtype,
                weak_type: weak,
            },
            &[x],
        ),
        _ => x.clone(),
    }
}

/// Promote two operands to their common dtype and broadcast them to their
/// common shape (rank-0 operands stay scalars: the primitives splat them).
#[track_caller]
pub(crate) fn promote_broadcast(op: &str, x: &Array, y: &Array) -> Result<(Array, Array), Error> {
    let (xa, ya) = (x.aval()?, y.aval()?);
    let (dtype, weak) = promote_pair((xa.dtype, xa.weak), (ya.dtype, ya.weak));
    let (x, y) = (
        cast(x, dtype, weak && xa.weak),
        cast(y, dtype, weak && ya.weak),
    );
    if xa.shape == ya.shape || xa.rank() == 0 || ya.rank() == 0 {
        return Ok((x, y));
    }
    let at = location::current();
    let shape = broadcast_pair(&xa.shape, &ya.shape).ok_or_else(|| {
        Error::new(ErrorKind::Shape, op, "shapes cannot be broadcast together")
            .with_operands(vec![xa.clone(), ya.clone()])
            .at(at)
    })?;
    Ok((broadcast_to(&x, &shape), broadcast_to(&y, &shape)))
}

#[track_caller]
fn binary(op: &str, prim: Primitive, x: &Array, y: &Array) -> Array {
    match promote_broadcast(op, x, y) {
        Ok((x, y)) => bind1(prim, &[&x, &y]),
        Err(e) => Array::from_error(e),
    }
}

/// Arguments converted to float (ints and bools become f32), as numpy's
/// transcendental functions do.
#[track_caller]
pub(crate) fn to_float(x: &Array) -> Array {
    match x.aval() {
        Ok(a) if !a.dtype.is_inexact() => cast(x, DType::F32, a.weak),
        _ => x.clone(),
    }
}

macro_rules! float_unary {
    ($($name:ident;)*) => {$(
        #[doc = concat!("Elementwise `", stringify!($name), "`; integer inputs become f32.")]
        #[track_caller]
        pub fn $name(x: &Array) -> Array {
            lax::$name(&to_float(x))
        }
    )*};
}

float_unary! { exp; log; log1p; expm1; tanh; sin; cos; tan; sqrt; floor; ceil; round; }

/// Elementwise absolute value.
#[track_caller]
pub fn abs(x: &Array) -> Array {
    lax::abs(x)
}

/// Elementwise negation.
#[track_caller]
pub fn negative(x: &Array) -> Array {
    lax::neg(x)
}

macro_rules! numpy_binary {
    ($($name:ident => $prim:expr;)*) => {$(
        #[doc = concat!("Elementwise `", stringify!($name), "` with broadcasting and promotion.")]
        #[track_caller]
        pub fn $name(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
            binary(stringify!($name), $prim, &x.into().0, &y.into().0)
        }
    )*};
}

numpy_binary! {
    add => Primitive::Binary(BinaryOp::Add);
    subtract => Primitive::Binary(BinaryOp::Sub);
    multiply => Primitive::Binary(BinaryOp::Mul);
    maximum => Primitive::Binary(BinaryOp::Max);
    minimum => Primitive::Binary(BinaryOp::Min);
    power => Primitive::Binary(BinaryOp::Pow);
    equal => Primitive::Compare(rjax_ir::primitive::Comparison::Eq);
    not_equal => Primitive::Compare(rjax_ir::primitive::Comparison::Ne);
    less => Primitive::Compare(rjax_ir::primitive::Comparison::Lt);
    less_equal => Primitive::Compare(rjax_ir::primitive::Comparison::Le);
    greater => Primitive::Compare(rjax_ir::primitive::Comparison::Gt);
    greater_equal => Primitive::Compare(rjax_ir::primitive::Comparison::Ge);
}

/// True division: integer operands give f32, as `x / y` in numpy.
#[track_caller]
pub fn divide(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (&x.into().0, &y.into().0);
    binary(
        "divide",
        Primitive::Binary(BinaryOp::Div),
        &to_float(x),
        &to_float(y),
    )
}

/// `x` where `condition`, else `y`, broadcasting all three.
#[track_caller]
pub fn where_(
    condition: impl Into<Operand>,
    x: impl Into<Operand>,
    y: impl Into<Operand>,
) -> Array {
    let (condition, x, y) = (&condition.into().0, &x.into().0, &y.into().0);
    fallible(|| {
        let (x, y) = promote_broadcast("where", x, y)?;
        let (ca, xa, ya) = (condition.aval()?, x.aval()?, y.aval()?);
        // A rank-0 value is left unbroadcast by the promotion.
        let shape = broadcast_pair(&ca.shape, &xa.shape)
            .and_then(|s| broadcast_pair(&s, &ya.shape))
            .ok_or_else(|| {
                Error::new(
                    ErrorKind::Shape,
                    "where",
                    "condition and values cannot be broadcast together",
                )
                .with_operands(vec![ca, xa, ya])
                .at(location::current())
            })?;
        let c = cast(condition, DType::Bool, false);
        Ok(lax::select(
            &broadcast_to(&c, &shape),
            &broadcast_to(&x, &shape),
            &broadcast_to(&y, &shape),
        ))
    })
}

/// Broadcast to `shape` with numpy's rules.
#[track_caller]
pub fn broadcast_to(x: &Array, shape: &[usize]) -> Array {
    let location = location::current();
    let Ok(a) = x.aval() else { return x.clone() };
    if a.shape == shape {
        return x.clone();
    }
    let fits = a.rank() <= shape.len() && broadcast_pair(&a.shape, shape).as_deref() == Some(shape);
    if !fits {
        return Array::from_error(
            Error::new(
                ErrorKind::Shape,
                "broadcast_to",
                format!("cannot broadcast to shape {shape:?}"),
            )
            .with_operands(vec![a])
            .at(location),
        );
    }
    let lead = shape.len() - a.rank();
    // Size-1 axes that must grow are dropped first, then broadcast anew.
    let keep: Vec<usize> = (0..a.rank())
        .filter(|&i| a.shape[i] == shape[lead + i])
        .collect();
    let squeezed = if keep.len() == a.rank() {
        x.clone()
    } else {
        lax::reshape(x, &keep.iter().map(|&i| a.shape[i]).collect::<Vec<_>>())
    };
    let dims: Vec<usize> = keep.iter().map(|&i| lead + i).collect();
    lax::broadcast_in_dim(&squeezed, shape, &dims)
}

/// An array of `shape` filled with `value`, of `value`'s dtype.
#[track_caller]
pub fn full<T: Element>(shape: &[usize], value: T) -> Array {
    lax::broadcast_in_dim(&Array::scalar(value), shape, &[])
}

/// Zeros of `shape` and `dtype`.
#[track_caller]
pub fn zeros(shape: &[usize], dtype: DType) -> Array {
    lax::broadcast_in_dim(&cast(&Array::scalar(0i32), dtype, false), shape, &[])
}

/// Ones of `shape` and `dtype`.
#[track_caller]
pub fn ones(shape: &[usize], dtype: DType) -> Array {
    lax::broadcast_in_dim(&cast(&Array::scalar(1i32), dtype, false), shape, &[])
}

/// `0, 1, ..., n-1` as int32.
#[track_caller]
pub fn arange(n: usize) -> Array {
    lax::iota(DType::I32, &[n], 0)
}

/// `start, start + step, ...` below `stop`, as f32 (JAX's `arange` with
/// float arguments).
#[track_caller]
pub fn arange_f32(start: f32, stop: f32, step: f32) -> Array {
    let n = (((stop - start) / step).ceil().max(0.0)) as usize;
    let i = lax::iota(DType::F32, &[n], 0);
    &(&i * step as f64) + start as f64
}

/// `num` evenly spaced f32 values from `start` to `stop` inclusive.
#[track_caller]
pub fn linspace(start: f32, stop: f32, num: usize) -> Array {
    let step = if num > 1 {
        (stop as f64 - start as f64) / (num - 1) as f64
    } else {
        0.0
    };
    let values: Vec<f32> = (0..num)
        .map(|i| {
            if i + 1 == num && num > 1 {
                stop
            } else {
                (start as f64 + i as f64 * step) as f32
            }
        })
        .collect();
    Array::from_slice(&values, &[num])
}

/// The `n x m` identity-like matrix with ones on diagonal `k`.
#[track_caller]
pub fn eye(n: usize, m: Option<usize>, k: i64, dtype: DType) -> Array {
    let m = m.unwrap_or(n);
    let rows = lax::iota(DType::I64, &[n, m], 0);
    let cols = lax::iota(DType::I64, &[n, m], 1);
    cast(&lax::eq(&(&rows + &Array::weak(k)), &cols), dtype, false)
}

/// How a reduction treats an empty axis.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Empty {
    /// The reduction's identity is the result (sum, prod, all, any).
    Identity,
    /// An error, as numpy's: max and min have no identity.
    Refused,
}

#[track_caller]
pub(crate) fn reduce(
    op: &str,
    x: &Array,
    axis: Axes,
    keepdims: bool,
    f: fn(&Array, &[usize]) -> Array,
    empty: Empty,
) -> Array {
    fallible(|| {
        let a = x.aval()?;
        let axes = normalize_axes(op, &axis, a.rank())?;
        if empty == Empty::Refused && axes.iter().any(|&i| a.shape[i] == 0) {
            return Err(Error::new(
                ErrorKind::Shape,
                op,
                format!("zero-size array to reduction operation {op} which has no identity"),
            )
            .with_operands(vec![a])
            .at(location::current()));
        }
        let r = f(x, &axes);
        Ok(if keepdims {
            lax::expand_dims(&r, &sorted(axes))
        } else {
            r
        })
    })
}

fn sorted(mut v: Vec<usize>) -> Vec<usize> {
    v.sort_unstable();
    v
}

/// Sum over `axis`; bools and small ints sum as int32 like numpy's default.
#[track_caller]
pub fn sum(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    reduce(
        "sum",
        &sum_dtype(x),
        axis.into(),
        keepdims,
        lax::reduce_sum,
        Empty::Identity,
    )
}

/// `x` in the dtype numpy accumulates sums of it in: bools and small
/// integers widen to 32 bits.
#[track_caller]
pub(crate) fn sum_dtype(x: &Array) -> Array {
    match x.aval() {
        Ok(a) if a.dtype.is_bool() || (a.dtype.is_int() && a.dtype.size_bytes() < 4) => cast(
            x,
            if a.dtype.is_unsigned_int() {
                DType::U32
            } else {
                DType::I32
            },
            false,
        ),
        _ => x.clone(),
    }
}

/// Product over `axis`.
#[track_caller]
pub fn prod(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    reduce(
        "prod",
        x,
        axis.into(),
        keepdims,
        lax::reduce_prod,
        Empty::Identity,
    )
}

/// Maximum over `axis` (an error over an empty axis, as in numpy).
#[track_caller]
pub fn max(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    reduce(
        "max",
        x,
        axis.into(),
        keepdims,
        lax::reduce_max,
        Empty::Refused,
    )
}

/// [`max`], but the lowest value of the dtype (-inf for floats) over an
/// empty axis: JAX's `max(..., initial=-inf)`, as its softmax and
/// logsumexp use.
#[track_caller]
pub(crate) fn max_or_lowest(x: &Array, axis: Axes, keepdims: bool) -> Array {
    reduce("max", x, axis, keepdims, lax::reduce_max, Empty::Identity)
}

/// Minimum over `axis` (an error over an empty axis, as in numpy).
#[track_caller]
pub fn min(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    reduce(
        "min",
        x,
        axis.into(),
        keepdims,
        lax::reduce_min,
        Empty::Refused,
    )
}

/// Arithmetic mean over `axis`; integer inputs give f32.
#[track_caller]
pub fn mean(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    let axis = axis.into();
    fallible(|| {
        let a = x.aval()?;
        let axes = normalize_axes("mean", &axis, a.rank())?;
        let count: usize = axes.iter().map(|&i| a.shape[i]).product();
        let total = sum(
            &to_float(x),
            Axes::Some(axes.iter().map(|&i| i as i64).collect()),
            keepdims,
        );
        Ok(divide(&total, &Array::weak(count as f32)))
    })
}

#[track_caller]
fn arg_extreme(op: &str, x: &Array, axis: Option<i64>, keepdims: bool, max: bool) -> Array {
    fallible(|| {
        let rank = x.aval()?.rank();
        let (flat, along) = match axis {
            None => (reshape(x, &[-1]), 0),
            Some(ax) => (
                x.clone(),
                normalize_axes(op, &Axes::Some(vec![ax]), rank)?[0],
            ),
        };
        let r = if max {
            lax::argmax(&flat, along, DType::I32)
        } else {
            lax::argmin(&flat, along, DType::I32)
        };
        Ok(match (keepdims, axis) {
            (false, _) => r,
            (true, Some(_)) => lax::expand_dims(&r, &[along]),
            (true, None) => lax::reshape(&r, &vec![1; rank]),
        })
    })
}

/// Index of the first maximum along `axis` (of the flattened array if `None`).
#[track_caller]
pub fn argmax(x: &Array, axis: Option<i64>, keepdims: bool) -> Array {
    arg_extreme("argmax", x, axis, keepdims, true)
}

/// Index of the first minimum along `axis` (of the flattened array if `None`).
#[track_caller]
pub fn argmin(x: &Array, axis: Option<i64>, keepdims: bool) -> Array {
    arg_extreme("argmin", x, axis, keepdims, false)
}

/// Reshape; one entry may be `-1` to be inferred.
#[track_caller]
pub fn reshape(x: &Array, shape: &[i64]) -> Array {
    let location = Location::caller();
    let Ok(a) = x.aval() else { return x.clone() };
    let holes = shape.iter().filter(|&&d| d < 0).count();
    let fits = |known: i64| {
        holes <= 1
            && shape.iter().all(|&d| d >= -1)
            && (holes == 0 || (known != 0 && a.size() as i64 % known == 0))
    };
    // `None` also when the product of the given sizes overflows.
    let known = shape
        .iter()
        .filter(|&&d| d >= 0)
        .try_fold(1i64, |n, &d| n.checked_mul(d))
        .filter(|&k| fits(k));
    let Some(known) = known else {
        return Array::from_error(
            Error::new(
                ErrorKind::Shape,
                "reshape",
                format!("cannot reshape to {shape:?}"),
            )
            .with_operands(vec![a])
            .at(location),
        );
    };
    let sizes: Vec<usize> = shape
        .iter()
        .map(|&d| {
            if d < 0 {
                a.size() / known as usize
            } else {
                d as usize
            }
        })
        .collect();
    lax::reshape(x, &sizes)
}

/// Permute axes; `None` reverses them.
#[track_caller]
pub fn transpose(x: &Array, axes: Option<&[i64]>) -> Array {
    fallible(|| {
        let rank = x.aval()?.rank();
        let perm = match axes {
            None => (0..rank).rev().collect(),
            Some(list) => normalize_axes("transpose", &Axes::Some(list.to_vec()), rank)?,
        };
        Ok(lax::transpose(x, &perm))
    })
}

/// numpy's `dot`: inner product of vectors, matrix product of matrices, and
/// for N-d arrays a sum over the last axis of `a` and the second-to-last of `b`.
#[track_caller]
pub fn dot(a: &Array, b: &Array) -> Array {
    fallible(|| {
        let (a, b) = promote_broadcast_dtype_only(a, b)?;
        let (ra, rb) = (a.ndim()?, b.ndim()?);
        if ra == 0 || rb == 0 {
            return Ok(multiply(&a, &b));
        }
        let rhs_contract = if rb == 1 { 0 } else { rb - 2 };
        let dims = DotDims {
            lhs_contracting: vec![ra - 1],
            rhs_contracting: vec![rhs_contract],
            ..DotDims::default()
        };
        Ok(lax::dot_general(&a, &b, dims, None))
    })
}

/// numpy's `matmul`: matrix product over the last two axes, broadcasting
/// the leading (batch) axes; 1-d operands are treated as vectors.
#[track_caller]
pub fn matmul(a: &Array, b: &Array) -> Array {
    fallible(|| {
        let (a, b) = promote_broadcast_dtype_only(a, b)?;
        let (ra, rb) = (a.ndim()?, b.ndim()?);
        if ra == 0 || rb == 0 {
            return Err(Error::new(
                ErrorKind::Shape,
                "matmul",
                "operands must have at least one axis",
            )
            .with_operands(vec![a.aval()?, b.aval()?])
            .at(location::current()));
        }
        if ra <= 2 && rb <= 2 {
            return Ok(dot(&a, &b));
        }
        let a2 = if ra == 1 {
            lax::expand_dims(&a, &[0])
        } else {
            a.clone()
        };
        let b2 = if rb == 1 {
            lax::expand_dims(&b, &[1])
        } else {
            b.clone()
        };
        let (sa, sb) = (a2.shape()?, b2.shape()?);
        let operands = vec![a2.aval()?, b2.aval()?];
        let batch = broadcast_pair(&sa[..sa.len() - 2], &sb[..sb.len() - 2]).ok_or_else(|| {
            Error::new(
                ErrorKind::Shape,
                "matmul",
                "batch axes cannot be broadcast together",
            )
            .with_operands(operands)
            .at(location::current())
        })?;
        let nb = batch.len();
        let full = |x: &Array, s: &[usize]| {
            broadcast_to(x, &[batch.clone(), s[s.len() - 2..].to_vec()].concat())
        };
        let dims = DotDims {
            lhs_contracting: vec![nb + 1],
            rhs_contracting: vec![nb],
            lhs_batch: (0..nb).collect(),
            rhs_batch: (0..nb).collect(),
        };
        let mut out = lax::dot_general(&full(&a2, &sa), &full(&b2, &sb), dims, None);
        if rb == 1 {
            out = lax::squeeze(&out, &[nb + 1]);
        }
        if ra == 1 {
            out = lax::squeeze(&out, &[nb]);
        }
        Ok(out)
    })
}

pub(crate) fn promote_broadcast_dtype_only(a: &Array, b: &Array) -> Result<(Array, Array), Error> {
    let (aa, ba) = (a.aval()?, b.aval()?);
    let (dtype, weak) = promote_pair((aa.dtype, aa.weak), (ba.dtype, ba.weak));
    Ok((
        cast(a, dtype, weak && aa.weak),
        cast(b, dtype, weak && ba.weak),
    ))
}

/// Join arrays along an existing axis.
#[track_caller]
pub fn concatenate(xs: &[Array], axis: i64) -> Array {
    fallible(|| {
        let first = xs.first().ok_or_else(|| {
            Error::new(ErrorKind::Param, "concatenate", "needs at least one array")
        })?;
        let rank = first.aval()?.rank();
        let axis = normalize_axes("concatenate", &Axes::Some(vec![axis]), rank)?[0];
        Ok(lax::concatenate(&promoted(xs)?, axis))
    })
}

/// Join arrays along a new axis (promoted to their common dtype).
#[track_caller]
pub fn stack(xs: &[Array], axis: i64) -> Array {
    fallible(|| Ok(lax::stack(&promoted(xs)?, axis)))
}

/// The arrays cast to their common (promoted) dtype.
fn promoted(xs: &[Array]) -> Result<Vec<Array>, Error> {
    let Some(first) = xs.first() else {
        return Ok(Vec::new());
    };
    let mut dtype = first.aval()?;
    for x in &xs[1..] {
        let a = x.aval()?;
        let (d, w) = promote_pair((dtype.dtype, dtype.weak), (a.dtype, a.weak));
        dtype = dtype.with_dtype(d);
        dtype.weak = w;
    }
    Ok(xs.iter().map(|x| cast(x, dtype.dtype, false)).collect())
}
