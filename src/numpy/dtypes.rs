//! Questions about dtypes and arrays' metadata: `promote_types`,
//! `result_type`, `can_cast`, `issubdtype`, `isdtype`, `shape`, `size`,
//! `ndim`, `isscalar`, `broadcast_shapes`.

use crate::{Array, DType, Result};

/// The dtype two dtypes promote to (JAX's lattice: `i32` and `f32` give
/// `f32`, `bf16` and `f16` give `f32`).
///
/// ```
/// use rjax::{DType, numpy as jnp};
/// assert_eq!(jnp::promote_types(DType::I32, DType::F16), DType::F16);
/// assert_eq!(jnp::promote_types(DType::BF16, DType::F16), DType::F32);
/// ```
pub fn promote_types(a: DType, b: DType) -> DType {
    rjax_ir::promote_types((a, false), (b, false)).0
}

/// The dtype the arrays promote to together, weak Rust scalars taking the
/// dtype of the others (all weak: the default dtype of their kind).
pub fn result_type(xs: &[&Array]) -> Result<DType> {
    let mut acc: Option<(DType, bool)> = None;
    for x in xs {
        let a = x.aval()?;
        let next = (a.dtype, a.weak);
        acc = Some(match acc {
            None => next,
            Some(prev) => rjax_ir::promote_types(prev, next),
        });
    }
    Ok(match acc {
        None => DType::F32,
        Some((d, true)) if d.is_float() => DType::F32,
        Some((d, true)) if d.is_int() => DType::I32,
        Some((d, _)) => d,
    })
}

/// Whether every value of `from` is exactly representable in `to`
/// (numpy's "safe" casting, which `jnp.can_cast` follows).
///
/// ```
/// use rjax::{DType, numpy as jnp};
/// assert!(jnp::can_cast(DType::I16, DType::F32));
/// assert!(!jnp::can_cast(DType::I32, DType::F32));
/// ```
pub fn can_cast(from: DType, to: DType) -> bool {
    let wider = to.size_bytes() > from.size_bytes();
    let at_least = to.size_bytes() >= from.size_bytes();
    match (from, to) {
        (DType::Bool, _) => true,
        (_, DType::Bool) => false,
        (f, t) if f.is_float() => t == f || (t.is_float() && wider),
        (_, t) if t.is_float() => wider || t == DType::F64,
        (f, t) if f.is_signed_int() => t.is_signed_int() && at_least,
        (_, t) if t.is_unsigned_int() => at_least,
        _ => wider,
    }
}

/// A kind of dtype, for [`issubdtype`] and [`isdtype`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DTypeKind {
    /// `bool`.
    Bool,
    /// Signed integers (numpy's `signedinteger`).
    SignedInteger,
    /// Unsigned integers (numpy's `unsignedinteger`).
    UnsignedInteger,
    /// All integers (numpy's `integer`, the array API's `integral`).
    Integral,
    /// Floats (numpy's `floating`, the array API's `real floating`).
    RealFloating,
    /// Integers and floats (numpy's `number`, the array API's `numeric`).
    Numeric,
}

/// Whether `dtype` is of `kind` (numpy's `issubdtype` with an abstract
/// dtype).
pub fn issubdtype(dtype: DType, kind: DTypeKind) -> bool {
    match kind {
        DTypeKind::Bool => dtype.is_bool(),
        DTypeKind::SignedInteger => dtype.is_signed_int(),
        DTypeKind::UnsignedInteger => dtype.is_unsigned_int(),
        DTypeKind::Integral => dtype.is_int(),
        DTypeKind::RealFloating => dtype.is_float(),
        DTypeKind::Numeric => dtype.is_int() || dtype.is_float(),
    }
}

/// Whether `dtype` is one of `kinds` (the array API's `isdtype`).
///
/// ```
/// use rjax::{DType, numpy::{self as jnp, DTypeKind}};
/// assert!(jnp::isdtype(DType::U8, &[DTypeKind::RealFloating, DTypeKind::Integral]));
/// ```
pub fn isdtype(dtype: DType, kinds: &[DTypeKind]) -> bool {
    kinds.iter().any(|&k| issubdtype(dtype, k))
}

/// The array's shape.
pub fn shape(x: &Array) -> Result<Vec<usize>> {
    x.shape()
}

/// The array's number of elements.
pub fn size(x: &Array) -> Result<usize> {
    x.size()
}

/// The array's rank.
pub fn ndim(x: &Array) -> Result<usize> {
    x.ndim()
}

/// Whether the array is a scalar (rank 0).
pub fn isscalar(x: &Array) -> Result<bool> {
    Ok(x.ndim()? == 0)
}

/// The shape the given shapes broadcast to.
pub fn broadcast_shapes(shapes: &[&[usize]]) -> Result<Vec<usize>> {
    crate::lax::broadcast_shapes(shapes)
}
