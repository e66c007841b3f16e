//! Shape rules of products, convolutions and triangular linear algebra.

use super::checker::Checker;
use crate::{AVal, ConvParams, DType, DotDims, ErrorKind, Result};

pub(super) fn dot_general(
    check: &Checker,
    dims: &DotDims,
    preferred_element_type: Option<DType>,
) -> Result<AVal> {
    let [l, r] = check.arity::<2>()?;
    check.same_dtype(&[l, r])?;
    check.dot_general(dims, l, r, preferred_element_type.unwrap_or(l.dtype))
}

pub(super) fn conv(check: &Checker, params: &ConvParams) -> Result<AVal> {
    let [l, r] = check.arity::<2>()?;
    check.same_dtype(&[l, r])?;
    if !l.dtype.is_numeric() {
        return Err(check.err(
            ErrorKind::DType,
            format!("not defined for {}", l.dtype.name()),
        ));
    }
    params.output(l, r)
}

pub(super) fn cholesky(check: &Checker) -> Result<AVal> {
    let [a] = check.arity::<1>()?;
    check.float(a)?;
    check.square_matrices(a)?;
    Ok(a.clone())
}

pub(super) fn triangular_solve(check: &Checker, left_side: bool) -> Result<AVal> {
    let [a, b] = check.arity::<2>()?;
    check.same_dtype(&[a, b])?;
    check.float(a)?;
    let m = check.square_matrices(a)?;
    let r = a.rank();
    let solved = if left_side { r - 2 } else { r - 1 };
    if b.rank() != r || b.shape[..r - 2] != a.shape[..r - 2] || b.shape[solved] != m {
        return Err(check.err(
            ErrorKind::Shape,
            format!(
                "b must have a's batch axes and {m} along its {} axis",
                if left_side { "second-to-last" } else { "last" }
            ),
        ));
    }
    Ok(b.clone())
}
