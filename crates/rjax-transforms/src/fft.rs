//! The transposes of the Fourier transforms.
//!
//! The complex transforms are symmetric matrices (the DFT matrix equals its
//! transpose), so each is its own transpose. The real ones are not square:
//! `RFFT` is "promote to complex, FFT, keep the first `n/2 + 1`
//! frequencies", whose transpose is "pad with zeros, FFT, take the real
//! part"; `IRFFT`'s is an `RFFT` weighted by how many frequencies each kept
//! one stands for, conjugated to follow JAX's convention for complex
//! cotangents.

use crate::ops::{compare, convert, mul, scalar, select, unary};
use rjax_ir::primitive::{Comparison, FftType, UnaryOp};
use rjax_ir::{DType, Primitive, Result, Value, bind1};

fn fft(x: &Value, fft_type: FftType, lengths: &[usize]) -> Result<Value> {
    bind1(
        &Primitive::Fft {
            fft_type,
            fft_lengths: lengths.to_vec(),
        },
        std::slice::from_ref(x),
    )
}

/// The cotangent of a Fourier transform's operand given its result's.
pub(crate) fn transpose(fft_type: FftType, lengths: &[usize], ct: &Value) -> Result<Value> {
    match fft_type {
        FftType::Fft | FftType::Ifft => fft(ct, fft_type, lengths),
        FftType::Rfft => rfft_transpose(lengths, ct),
        FftType::Irfft => irfft_transpose(lengths, ct),
    }
}

/// Zero-pad the kept frequencies back to `n`, transform, keep the real part.
fn rfft_transpose(lengths: &[usize], ct: &Value) -> Result<Value> {
    let a = ct.aval();
    let rank = a.rank();
    let n = lengths[lengths.len() - 1];
    let mut high = vec![0i64; rank];
    high[rank - 1] = (n - a.shape[rank - 1]) as i64;
    let padded = bind1(
        &Primitive::Pad {
            low: vec![0; rank],
            high,
            interior: vec![0; rank],
        },
        &[ct.clone(), scalar(0.0, a.dtype)],
    )?;
    unary(UnaryOp::Real, &fft(&padded, FftType::Fft, lengths)?)
}

/// `conj(RFFT(ct) · w / N)`, where `w` is 1 for the zero frequency (and
/// the Nyquist frequency of an even length) and 2 for the others, whose
/// conjugates the inverse transform also reads.
fn irfft_transpose(lengths: &[usize], ct: &Value) -> Result<Value> {
    let x = fft(ct, FftType::Rfft, lengths)?;
    let a = x.aval();
    let rank = a.rank();
    let m = a.shape[rank - 1];
    let n = lengths[lengths.len() - 1];
    let index = bind1(
        &Primitive::Iota {
            dtype: DType::I32,
            shape: a.shape.clone(),
            dimension: rank - 1,
        },
        &[],
    )?;
    let i32_scalar = |v: usize| Value::Literal(rjax_ir::Literal::int(v as i64, DType::I32, false));
    let first = compare(Comparison::Eq, &index, &i32_scalar(0))?;
    // The last kept frequency stands for itself only when n is even.
    let last = i32_scalar(if n % 2 == 0 { m - 1 } else { m });
    let edge = bind1(
        &Primitive::Binary(rjax_ir::primitive::BinaryOp::Or),
        &[first, compare(Comparison::Eq, &index, &last)?],
    )?;
    let total: usize = lengths.iter().product();
    let one = crate::ops::fit(&scalar(1.0 / total as f64, a.dtype), &a.shape)?;
    let two = crate::ops::fit(&scalar(2.0 / total as f64, a.dtype), &a.shape)?;
    let weights = select(&edge, &one, &two)?;
    unary(UnaryOp::Conj, &mul(&convert(&x, a.dtype)?, &weights)?)
}
