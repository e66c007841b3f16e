//! Shape rules of products, convolutions and triangular linear algebra.

use super::checker::Checker;
use crate::primitive::FftType;
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
    check.inexact(a)?;
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

/// A Fourier transform over the trailing `lengths.len()` axes (one to
/// three): complex to complex (`FFT`, `IFFT`), real to complex (`RFFT`,
/// keeping `n/2 + 1` frequencies of the last axis) or back (`IRFFT`).
pub(super) fn fft(check: &Checker, fft_type: FftType, lengths: &[usize]) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    let k = lengths.len();
    if !(1..=3).contains(&k) || k > x.rank() {
        return Err(check.err(
            ErrorKind::Param,
            format!(
                "transforms 1 to 3 trailing axes of its operand, not {k} of rank {}",
                x.rank()
            ),
        ));
    }
    let (want, out_dtype) = match fft_type {
        FftType::Fft | FftType::Ifft => (x.dtype.is_complex(), x.dtype),
        FftType::Rfft => (
            matches!(x.dtype, DType::F32 | DType::F64),
            x.dtype.complex_dtype().unwrap_or(x.dtype),
        ),
        FftType::Irfft => (x.dtype.is_complex(), x.dtype.real_dtype()),
    };
    if !want {
        return Err(check.err(
            ErrorKind::DType,
            format!("{} is not defined for {}", fft_type.name(), x.dtype.name()),
        ));
    }
    let last = lengths[k - 1];
    let mut operand_lengths = lengths.to_vec();
    let mut out = x.shape.clone();
    let r = x.rank();
    match fft_type {
        FftType::Fft | FftType::Ifft => {}
        FftType::Rfft => out[r - 1] = last / 2 + 1,
        FftType::Irfft => {
            operand_lengths[k - 1] = last / 2 + 1;
            out[r - 1] = last;
        }
    }
    if x.shape[r - k..] != operand_lengths[..] {
        return Err(check.err(
            ErrorKind::Shape,
            format!(
                "{} with fft_lengths {lengths:?} needs trailing axes {operand_lengths:?}",
                fft_type.name()
            ),
        ));
    }
    Ok(AVal::new(out, out_dtype))
}
