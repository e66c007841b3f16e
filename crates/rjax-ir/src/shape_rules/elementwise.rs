//! Shape rules of the elementwise primitives and conversions.

use super::checker::Checker;
use crate::primitive::{BinaryOp, Comparison, UnaryOp};
use crate::{AVal, DType, ErrorKind, Result};

pub(super) fn unary(check: &Checker, op: UnaryOp) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    check.unary_dtype(op, x.dtype)?;
    let dtype = match op {
        UnaryOp::IsFinite => DType::Bool,
        // The modulus and the parts of a complex number are real.
        UnaryOp::Abs | UnaryOp::Real | UnaryOp::Imag => x.dtype.real_dtype(),
        _ => x.dtype,
    };
    Ok(AVal {
        shape: x.shape.clone(),
        dtype,
        weak: x.weak && dtype == x.dtype,
    })
}

pub(super) fn binary(check: &Checker, op: BinaryOp) -> Result<AVal> {
    let [x, y] = check.arity::<2>()?;
    check.binary_dtype(op, x, y)?;
    let dtype = match op {
        BinaryOp::Complex => x.dtype.complex_dtype().unwrap_or(x.dtype),
        _ => x.dtype,
    };
    Ok(AVal {
        shape: check.elementwise_shape(&[x, y])?,
        dtype,
        weak: x.weak && y.weak,
    })
}

pub(super) fn compare(check: &Checker, cmp: Comparison) -> Result<AVal> {
    let [x, y] = check.arity::<2>()?;
    check.same_dtype(&[x, y])?;
    let ordering = !matches!(cmp, Comparison::Eq | Comparison::Ne);
    if ordering && x.dtype.is_complex() {
        return Err(check.err(
            ErrorKind::DType,
            format!("complex numbers have no order ({})", x.dtype.name()),
        ));
    }
    Ok(AVal::new(check.elementwise_shape(&[x, y])?, DType::Bool))
}

pub(super) fn select(check: &Checker) -> Result<AVal> {
    let [p, f, t] = check.arity::<3>()?;
    if p.dtype != DType::Bool {
        return Err(check.err(ErrorKind::DType, "the predicate must be bool"));
    }
    check.same_dtype(&[f, t])?;
    if f.shape != t.shape || (p.rank() != 0 && p.shape != f.shape) {
        return Err(check.err(
            ErrorKind::Shape,
            "select_n needs cases of one shape and a scalar or equal-shaped predicate",
        ));
    }
    Ok(AVal {
        shape: f.shape.clone(),
        dtype: f.dtype,
        weak: f.weak && t.weak,
    })
}

pub(super) fn reduce_precision(check: &Checker, exponent_bits: u32) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    if !x.dtype.is_float() {
        return Err(check.err(
            ErrorKind::DType,
            format!("not defined for {}", x.dtype.name()),
        ));
    }
    if exponent_bits < 1 {
        return Err(check.err(ErrorKind::Param, "exponent_bits must be positive"));
    }
    Ok(x.clone())
}

pub(super) fn bitcast_convert_type(check: &Checker, new_dtype: DType) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    if x.dtype.size_bytes() != new_dtype.size_bytes() {
        return Err(check.err(
            ErrorKind::DType,
            format!(
                "cannot reinterpret {} as {} (different widths)",
                x.dtype.name(),
                new_dtype.name()
            ),
        ));
    }
    Ok(x.with_dtype(new_dtype))
}

pub(super) fn convert_element_type(
    check: &Checker,
    new_dtype: DType,
    weak_type: bool,
) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    Ok(AVal {
        shape: x.shape.clone(),
        dtype: new_dtype,
        weak: weak_type,
    })
}
