//! `lax`: the primitives themselves, one function each. Unlike
//! [`crate::numpy`], these neither broadcast nor promote dtypes (a rank-0
//! operand of an elementwise op is the one exception, as in JAX).
//!
//! ```
//! use rjax::{lax, Array, DType};
//! let x = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
//! let y = lax::broadcast_in_dim(&x, &[2, 3], &[1]);
//! assert_eq!(y.shape().unwrap(), [2, 3]);
//! assert_eq!(lax::convert_element_type(&x, DType::I32).to_vec::<i32>().unwrap(), vec![1, 2, 3]);
//! ```

use crate::Array;
pub use crate::collectives::{
    all_gather, all_to_all, axis_index, axis_size, pbroadcast, pmax, pmean, pmin, ppermute,
    pshuffle, psum, psum_scatter, pswapaxes,
};
pub use crate::control::{
    cond, fori_loop, fori_loop_dynamic, map, scan, scan_length, scan_with, switch, while_loop,
};
pub use crate::conv::{
    ConvOptions, Padding, conv, conv_general_dilated, conv_transpose, conv_with_general_padding,
    padtype_to_pads,
};
pub use crate::cumulative::{associative_scan, cumlogsumexp, cummax, cummin, cumprod, cumsum};
use crate::location;
/// `lax.linalg`: Cholesky, triangular solves and LU.
pub mod linalg {
    pub use crate::linalg::{SolveOptions, cholesky, eigh, lu, qr, svd, triangular_solve};
}
pub use crate::sharded::with_sharding_constraint;
pub use crate::sorting::{sort, sort_key_val, top_k};
mod betainc;
mod complex;
mod conv_shapes;
mod elementwise;
mod extras;
mod products;
mod shape;
mod slicing;
mod special;
pub use crate::windows::{MAX_WINDOW_ELEMENTS, Window, reduce_window};
pub use betainc::betainc;
pub use complex::{complex, conj, fft, imag, real};
pub use conv_shapes::{
    ConvGeneralDilatedDimensionNumbers, conv_dimension_numbers, conv_general_permutations,
    conv_general_shape_tuple, conv_shape_tuple, conv_transpose_shape_tuple,
    reduce_window_shape_tuple,
};
pub use elementwise::{exp2, integer_pow, mulhi, reciprocal, select_n, square};
pub use extras::{
    RaggedDotDimensionNumbers, approx_max_k, approx_min_k, broadcast_like,
    conv_general_dilated_local, conv_general_dilated_patches, dtype, platform_dependent,
    ragged_dot, ragged_dot_general, reduce, shape_as_value,
};
pub use products::{batch_matmul, dot};
/// JAX's name for the contracting and batch axes of a `dot_general`.
pub use rjax_ir::DotDims as DotDimensionNumbers;
pub use rjax_ir::primitive::FftType;
pub use rjax_ir::primitive::RngAlgorithm;
use rjax_ir::primitive::{ArgOp, BinaryOp, Comparison, ReduceOp, UnaryOp};
use rjax_ir::{DType, Primitive, Value};
pub use rjax_ir::{DotDims, IndexDims, ScatterOp};
pub use shape::{
    broadcast, broadcast_shapes, broadcast_to_rank, broadcasted_iota, collapse, empty, full,
    full_like, split, stack, tile, unstack,
};
pub use slicing::{
    dynamic_index_in_dim, dynamic_slice_in_dim, dynamic_update_index_in_dim,
    dynamic_update_slice_in_dim, index_in_dim, index_take, scatter_apply, scatter_sub,
    slice_in_dim,
};
pub use special::{igamma, igamma_grad_a, igammac, random_gamma_grad};

/// Bind `prim` to the arrays' values; errors (in operands or from the
/// primitive) come back inside the result arrays. New errors are located at
/// the user's call (see [`crate::location`]); operand errors keep theirs.
#[track_caller]
pub(crate) fn bind(prim: Primitive, args: &[&Array]) -> Vec<Array> {
    let n = prim.num_outputs(args.len());
    let values = match args
        .iter()
        .map(|a| a.value().cloned())
        .collect::<rjax_ir::Result<Vec<Value>>>()
    {
        Ok(v) => v,
        Err(e) => return vec![Array::from_error(e); n],
    };
    crate::eager::install();
    match rjax_ir::bind(&prim, &values) {
        Ok(vs) => vs.into_iter().map(Array::from_value).collect(),
        Err(mut e) => {
            e.location = Some(location::current());
            vec![Array::from_error(e); n]
        }
    }
}

#[track_caller]
pub(crate) fn bind1(prim: Primitive, args: &[&Array]) -> Array {
    bind(prim, args).swap_remove(0)
}

macro_rules! unary {
    ($($(#[$doc:meta])* $name:ident => $op:ident;)*) => {$(
        $(#[$doc])*
        #[track_caller]
        pub fn $name(x: &Array) -> Array {
            bind1(Primitive::Unary(UnaryOp::$op), &[x])
        }
    )*};
}

macro_rules! binary {
    ($($(#[$doc:meta])* $name:ident => $prim:expr;)*) => {$(
        $(#[$doc])*
        #[track_caller]
        pub fn $name(x: &Array, y: &Array) -> Array {
            bind1($prim, &[x, y])
        }
    )*};
}

unary! {
    /// `-x`.
    neg => Neg;
    /// `e^x`.
    exp => Exp;
    /// Natural logarithm.
    log => Log;
    /// `log(1 + x)`, accurate near 0.
    log1p => Log1p;
    /// `e^x - 1`, accurate near 0.
    expm1 => Expm1;
    tanh => Tanh;
    /// `1 / (1 + e^-x)`.
    logistic => Logistic;
    sin => Sin;
    cos => Cos;
    tan => Tan;
    sqrt => Sqrt;
    /// `1 / sqrt(x)`.
    rsqrt => Rsqrt;
    abs => Abs;
    /// -1, 0 or 1 by the sign of `x`.
    sign => Sign;
    floor => Floor;
    ceil => Ceil;
    /// Round half to even.
    round => Round;
    /// Logical not of bools, bitwise not of integers.
    not => Not;
    /// The same as [`not`].
    bitwise_not => Not;
    /// Neither infinite nor NaN.
    is_finite => IsFinite;
    /// The error function.
    erf => Erf;
    /// The inverse of [`erf`] on (-1, 1).
    erf_inv => ErfInv;
    /// `1 - erf(x)`, accurate where `erf(x)` is near 1.
    erfc => Erfc;
    /// `e^-|x| I₀(x)`, the exponentially scaled modified Bessel function of
    /// order 0.
    bessel_i0e => BesselI0e;
    /// `e^-|x| I₁(x)`, the exponentially scaled modified Bessel function of
    /// order 1.
    bessel_i1e => BesselI1e;
    /// The real cube root.
    cbrt => Cbrt;
    sinh => Sinh;
    cosh => Cosh;
    asin => Asin;
    acos => Acos;
    atan => Atan;
    asinh => Asinh;
    acosh => Acosh;
    atanh => Atanh;
    /// `log |Γ(x)|`.
    lgamma => Lgamma;
    /// The logarithmic derivative of Γ.
    digamma => Digamma;
    /// The number of set bits of each integer.
    population_count => PopulationCount;
    /// The number of leading zero bits of each integer.
    clz => Clz;
}

binary! {
    add => Primitive::Binary(BinaryOp::Add);
    sub => Primitive::Binary(BinaryOp::Sub);
    mul => Primitive::Binary(BinaryOp::Mul);
    /// Division; integers round toward zero.
    div => Primitive::Binary(BinaryOp::Div);
    /// Remainder with the sign of the dividend (C's `fmod`).
    rem => Primitive::Binary(BinaryOp::Rem);
    pow => Primitive::Binary(BinaryOp::Pow);
    max => Primitive::Binary(BinaryOp::Max);
    min => Primitive::Binary(BinaryOp::Min);
    atan2 => Primitive::Binary(BinaryOp::Atan2);
    bitwise_and => Primitive::Binary(BinaryOp::And);
    bitwise_or => Primitive::Binary(BinaryOp::Or);
    bitwise_xor => Primitive::Binary(BinaryOp::Xor);
    /// `x << y`; 0 when `y` is at least the bit width.
    shift_left => Primitive::Binary(BinaryOp::ShiftLeft);
    /// `x >> y` filling with zeros; 0 when `y` is at least the bit width.
    shift_right_logical => Primitive::Binary(BinaryOp::ShiftRightLogical);
    /// `x >> y` filling with the sign bit.
    shift_right_arithmetic => Primitive::Binary(BinaryOp::ShiftRightArithmetic);
    /// The next float after `x` towards `y`.
    nextafter => Primitive::Binary(BinaryOp::NextAfter);
    /// `polygamma(n, x)`: the `n`-th derivative of [`digamma`].
    polygamma => Primitive::Binary(BinaryOp::Polygamma);
    /// The Hurwitz zeta function `Σₖ (q + k)^-x` of `(x, q)`.
    zeta => Primitive::Binary(BinaryOp::Zeta);
    eq => Primitive::Compare(Comparison::Eq);
    ne => Primitive::Compare(Comparison::Ne);
    lt => Primitive::Compare(Comparison::Lt);
    le => Primitive::Compare(Comparison::Le);
    gt => Primitive::Compare(Comparison::Gt);
    ge => Primitive::Compare(Comparison::Ge);
}

/// `on_true` where `pred`, else `on_false` (JAX's `select_n` order is
/// `pred, on_false, on_true`; this is `lax.select`'s).
#[track_caller]
pub fn select(pred: &Array, on_true: &Array, on_false: &Array) -> Array {
    bind1(Primitive::Select, &[pred, on_false, on_true])
}

/// Convert to another dtype (floats to ints truncate toward zero).
#[track_caller]
pub fn convert_element_type(x: &Array, dtype: DType) -> Array {
    bind1(
        Primitive::ConvertElementType {
            new_dtype: dtype,
            weak_type: false,
        },
        &[x],
    )
}

/// Reinterpret the bits of `x` as `dtype` (of the same width).
///
/// ```
/// use rjax::{lax, Array, DType};
/// let one = lax::bitcast_convert_type(&Array::scalar(1.0f32), DType::U32);
/// assert_eq!(one.to_vec::<u32>().unwrap(), vec![0x3f80_0000]);
/// ```
#[track_caller]
pub fn bitcast_convert_type(x: &Array, dtype: DType) -> Array {
    bind1(Primitive::BitcastConvertType { new_dtype: dtype }, &[x])
}

/// The Threefry-2x32 block cipher of counts `(x1, x2)` under the key
/// `(k1, k2)`, elementwise on uint32 arrays (rank-0 operands broadcast):
/// the source of [`crate::random`]'s bits.
#[track_caller]
pub fn threefry2x32(k1: &Array, k2: &Array, x1: &Array, x2: &Array) -> (Array, Array) {
    let mut out = bind(Primitive::Threefry2x32, &[k1, k2, x1, x2]).into_iter();
    match (out.next(), out.next()) {
        (Some(a), Some(b)) => (a, b),
        _ => unreachable!("threefry2x32 binds two results"),
    }
}

/// Broadcast `x` into `shape`, operand axis `i` becoming output axis
/// `broadcast_dimensions[i]`.
#[track_caller]
pub fn broadcast_in_dim(x: &Array, shape: &[usize], broadcast_dimensions: &[usize]) -> Array {
    bind1(
        Primitive::BroadcastInDim {
            shape: shape.to_vec(),
            broadcast_dimensions: broadcast_dimensions.to_vec(),
        },
        &[x],
    )
}

#[track_caller]
pub fn reshape(x: &Array, new_sizes: &[usize]) -> Array {
    bind1(
        Primitive::Reshape {
            new_sizes: new_sizes.to_vec(),
        },
        &[x],
    )
}

#[track_caller]
pub fn transpose(x: &Array, permutation: &[usize]) -> Array {
    bind1(
        Primitive::Transpose {
            permutation: permutation.to_vec(),
        },
        &[x],
    )
}

/// Remove the given size-1 axes.
#[track_caller]
pub fn squeeze(x: &Array, dimensions: &[usize]) -> Array {
    bind1(
        Primitive::Squeeze {
            dimensions: dimensions.to_vec(),
        },
        &[x],
    )
}

/// Insert size-1 axes at the given positions of the result.
#[track_caller]
pub fn expand_dims(x: &Array, dimensions: &[usize]) -> Array {
    bind1(
        Primitive::ExpandDims {
            dimensions: dimensions.to_vec(),
        },
        &[x],
    )
}

macro_rules! reduction {
    ($($name:ident => $op:ident;)*) => {$(
        #[doc = concat!("`", stringify!($name), "` over the given axes.")]
        #[track_caller]
        pub fn $name(x: &Array, axes: &[usize]) -> Array {
            bind1(Primitive::Reduce { op: ReduceOp::$op, axes: axes.to_vec() }, &[x])
        }
    )*};
}

reduction! {
    reduce_sum => Sum;
    reduce_max => Max;
    reduce_min => Min;
    reduce_prod => Prod;
    // Logical on bool, bitwise on integers.
    reduce_and => And;
    reduce_or => Or;
    reduce_xor => Xor;
}

/// Index of the first maximum along `axis` (NaN counts as the maximum).
#[track_caller]
pub fn argmax(x: &Array, axis: usize, index_dtype: DType) -> Array {
    bind1(
        Primitive::ArgReduce {
            op: ArgOp::ArgMax,
            axis,
            index_dtype,
        },
        &[x],
    )
}

/// Index of the first minimum along `axis` (NaN counts as the minimum).
#[track_caller]
pub fn argmin(x: &Array, axis: usize, index_dtype: DType) -> Array {
    bind1(
        Primitive::ArgReduce {
            op: ArgOp::ArgMin,
            axis,
            index_dtype,
        },
        &[x],
    )
}

/// General tensor contraction; the result is `batch, lhs free, rhs free`.
#[track_caller]
pub fn dot_general(
    lhs: &Array,
    rhs: &Array,
    dims: DotDims,
    preferred_element_type: Option<DType>,
) -> Array {
    bind1(
        Primitive::DotGeneral {
            dims,
            preferred_element_type,
        },
        &[lhs, rhs],
    )
}

/// Round floats to the nearest value with `exponent_bits` of exponent and
/// `mantissa_bits` of mantissa (overflowing to infinity), keeping the
/// dtype: XLA's `ReducePrecision`.
///
/// ```
/// use rjax::{lax, Array};
/// // bf16's 7 mantissa bits: 1 + 2^-9 rounds to 1.
/// let x = Array::scalar(1.0f32 + 1.0 / 512.0);
/// assert_eq!(lax::reduce_precision(&x, 8, 7).item::<f32>().unwrap(), 1.0);
/// ```
#[track_caller]
pub fn reduce_precision(x: &Array, exponent_bits: u32, mantissa_bits: u32) -> Array {
    bind1(
        Primitive::ReducePrecision {
            exponent_bits,
            mantissa_bits,
        },
        &[x],
    )
}

/// A static slice `start..limit` with `strides` along every axis.
#[track_caller]
pub fn slice(x: &Array, start: &[usize], limit: &[usize], strides: Option<&[usize]>) -> Array {
    let strides = strides.map_or_else(|| vec![1; start.len()], <[usize]>::to_vec);
    bind1(
        Primitive::Slice {
            start: start.to_vec(),
            limit: limit.to_vec(),
            strides,
        },
        &[x],
    )
}

/// A slice of `slice_sizes` at traced start indices (clamped into range).
#[track_caller]
pub fn dynamic_slice(x: &Array, start: &[Array], slice_sizes: &[usize]) -> Array {
    let args: Vec<&Array> = std::iter::once(x).chain(start).collect();
    bind1(
        Primitive::DynamicSlice {
            slice_sizes: slice_sizes.to_vec(),
        },
        &args,
    )
}

/// `x` with `update` written at traced start indices (clamped into range).
#[track_caller]
pub fn dynamic_update_slice(x: &Array, update: &Array, start: &[Array]) -> Array {
    let args: Vec<&Array> = [x, update].into_iter().chain(start).collect();
    bind1(Primitive::DynamicUpdateSlice, &args)
}

#[track_caller]
pub fn concatenate(xs: &[Array], dimension: usize) -> Array {
    let args: Vec<&Array> = xs.iter().collect();
    bind1(Primitive::Concatenate { dimension }, &args)
}

/// Pad with `value`: `config[i] = (low, high, interior)` for axis `i`;
/// negative low/high crop.
#[track_caller]
pub fn pad(x: &Array, value: &Array, config: &[(i64, i64, usize)]) -> Array {
    let low = config.iter().map(|c| c.0).collect();
    let high = config.iter().map(|c| c.1).collect();
    let interior = config.iter().map(|c| c.2).collect();
    bind1(
        Primitive::Pad {
            low,
            high,
            interior,
        },
        &[x, value],
    )
}

/// `0, 1, 2, ...` along `dimension` of an array of `shape`.
#[track_caller]
pub fn iota(dtype: DType, shape: &[usize], dimension: usize) -> Array {
    bind1(
        Primitive::Iota {
            dtype,
            shape: shape.to_vec(),
            dimension,
        },
        &[],
    )
}

/// The identity, but differentiation sees a constant: its derivative is
/// zero.
#[track_caller]
pub fn stop_gradient(x: &Array) -> Array {
    bind1(Primitive::StopGradient, &[x])
}

/// `x` with the order of elements reversed along `dimensions`.
#[track_caller]
pub fn rev(x: &Array, dimensions: &[usize]) -> Array {
    bind1(
        Primitive::Rev {
            dimensions: dimensions.to_vec(),
        },
        &[x],
    )
}

/// XLA's random bit generator (JAX's `lax.rng_bit_generator`): from a
/// `uint32[4]` key, a new key and random bits of the unsigned `dtype` in
/// `shape`. The bits are the backend's: the same algorithm gives the same
/// bits as JAX on the same backend.
///
/// ```
/// use rjax::{lax, Array, DType, lax::RngAlgorithm};
/// let key = Array::from_slice(&[0u32, 1, 2, 3], &[4]);
/// let (next, bits) = lax::rng_bit_generator(&key, &[3], DType::U32, RngAlgorithm::ThreeFry);
/// assert_eq!((next.shape().unwrap(), bits.shape().unwrap()), (vec![4], vec![3]));
/// ```
#[track_caller]
pub fn rng_bit_generator(
    key: &Array,
    shape: &[usize],
    dtype: DType,
    algorithm: RngAlgorithm,
) -> (Array, Array) {
    let prim = Primitive::RngBitGenerator {
        shape: shape.to_vec(),
        dtype,
        algorithm,
    };
    let mut out = bind(prim, &[key]).into_iter();
    let new_key = out.next().expect("a new key");
    (new_key, out.next().expect("the bits"))
}

/// XLA's gather: the windows of `slice_sizes` of `x` at the start
/// positions in `indices`, laid out as `dims` says. Start positions are
/// clamped so that every window lies in bounds. [`Array::get`] builds
/// these for NumPy indexing.
///
/// ```
/// use rjax::{lax, Array, lax::IndexDims};
/// let x = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[3, 2]);
/// let rows = Array::from_slice(&[2i32, 0], &[2, 1]);
/// let dims = IndexDims {
///     window_dims: vec![1],
///     collapsed_dims: vec![0],
///     operand_batching_dims: vec![],
///     indices_batching_dims: vec![],
///     index_map: vec![0],
///     index_vector_dim: 1,
/// };
/// let y = lax::gather(&x, &rows, &dims, &[1, 2]);
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![5.0, 6.0, 1.0, 2.0]);
/// let z = lax::scatter_add(&x, &rows, &y, &dims);
/// assert_eq!(z.to_vec::<f32>().unwrap(), vec![2.0, 4.0, 3.0, 4.0, 10.0, 12.0]);
/// ```
#[track_caller]
pub fn gather(x: &Array, indices: &Array, dims: &IndexDims, slice_sizes: &[usize]) -> Array {
    bind1(
        Primitive::Gather {
            dims: dims.clone(),
            slice_sizes: slice_sizes.to_vec(),
        },
        &[x, indices],
    )
}

/// XLA's scatter combining with `op`: `x` with the windows of `updates`
/// combined in at the start positions in `indices`. Windows reaching out
/// of bounds are skipped.
#[track_caller]
pub(crate) fn scatter_with(
    op: ScatterOp,
    x: &Array,
    indices: &Array,
    updates: &Array,
    dims: &IndexDims,
) -> Array {
    bind1(
        Primitive::Scatter {
            dims: dims.clone(),
            op,
        },
        &[x, indices, updates],
    )
}

macro_rules! scatters {
    ($($(#[$doc:meta])* $name:ident => $op:ident;)*) => {$(
        $(#[$doc])*
        #[track_caller]
        pub fn $name(x: &Array, indices: &Array, updates: &Array, dims: &IndexDims) -> Array {
            scatter_with(ScatterOp::$op, x, indices, updates, dims)
        }
    )*};
}

scatters! {
    /// XLA's scatter (see [`gather`]): `x` with windows replaced by
    /// `updates`; of several updates to one element, one wins.
    scatter => Set;
    /// Scatter adding the updates (repeated positions add up).
    scatter_add => Add;
    /// Scatter multiplying by the updates.
    scatter_mul => Mul;
    /// Scatter keeping the minimum.
    scatter_min => Min;
    /// Scatter keeping the maximum.
    scatter_max => Max;
}

/// `x` limited to `[min, max]` (bounds rank 0 or of `x`'s shape). The
/// derivative is 1 strictly inside the bounds, 0 on and outside them.
#[track_caller]
pub fn clamp(min: &Array, x: &Array, max: &Array) -> Array {
    let fit = |b: &Array| match (b.ndim(), x.shape()) {
        (Ok(0), Ok(shape)) => broadcast_in_dim(b, &shape, &[]),
        // An error in `b` or `x` comes out of the comparisons below.
        _ => b.clone(),
    };
    let (lo, hi) = (fit(min), fit(max));
    let inside = bitwise_and(&gt(x, &lo), &lt(x, &hi));
    let keep = bitwise_or(&inside, &ne(x, x));
    select(&keep, x, &select(&le(x, &lo), &lo, &hi))
}
