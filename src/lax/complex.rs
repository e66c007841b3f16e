//! Complex numbers in `lax`: building them from parts, taking them apart,
//! conjugating, and the Fourier transforms.

use super::{bind1, convert_element_type};
use crate::Array;
use crate::numpy::fallible;
use rjax_ir::Primitive;
use rjax_ir::primitive::{BinaryOp, FftType, UnaryOp};

/// `x + y·i` from float parts of one dtype (f32 gives c64, f64 gives c128).
///
/// ```
/// use rjax::{lax, Array, Complex};
/// let z = lax::complex(&Array::from_vec(vec![1.0f32, 3.0]), &Array::from_vec(vec![2.0f32, -4.0]));
/// assert_eq!(z.to_vec::<Complex<f32>>().unwrap(), vec![Complex::new(1.0, 2.0), Complex::new(3.0, -4.0)]);
/// assert_eq!(z.to_string(), "[1.+2.j 3.-4.j]");
/// ```
#[track_caller]
pub fn complex(x: &Array, y: &Array) -> Array {
    bind1(Primitive::Binary(BinaryOp::Complex), &[x, y])
}

/// The real part of a complex array.
///
/// ```
/// use rjax::{lax, Array, Complex};
/// let z = Array::from_vec(vec![Complex::new(1.0f32, 2.0)]);
/// assert_eq!(lax::real(&z).to_vec::<f32>().unwrap(), vec![1.0]);
/// assert_eq!(lax::imag(&z).to_vec::<f32>().unwrap(), vec![2.0]);
/// ```
#[track_caller]
pub fn real(x: &Array) -> Array {
    bind1(Primitive::Unary(UnaryOp::Real), &[x])
}

/// The imaginary part of a complex array.
#[track_caller]
pub fn imag(x: &Array) -> Array {
    bind1(Primitive::Unary(UnaryOp::Imag), &[x])
}

/// The complex conjugate; a float array becomes complex first, as in JAX.
///
/// ```
/// use rjax::{lax, Array, Complex};
/// let z = Array::from_vec(vec![Complex::new(1.0f32, 2.0)]);
/// assert_eq!(lax::conj(&z).to_vec::<Complex<f32>>().unwrap(), vec![Complex::new(1.0, -2.0)]);
/// ```
#[track_caller]
pub fn conj(x: &Array) -> Array {
    fallible(|| {
        let d = x.dtype()?;
        let z = match d.complex_dtype() {
            Some(c) if c != d && d.is_float() => convert_element_type(x, c),
            _ => x.clone(),
        };
        Ok(bind1(Primitive::Unary(UnaryOp::Conj), &[&z]))
    })
}

/// A discrete Fourier transform of the trailing `fft_lengths.len()` axes
/// (one to three) of `x` ([`FftType`]: complex to complex forward or
/// inverse, real to complex, complex to real). The inverse transforms are
/// scaled by `1/n`.
///
/// ```
/// use rjax::{lax, Array, Complex, lax::FftType};
/// let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0]);
/// let y = lax::fft(&x, FftType::Rfft, &[4]);
/// assert_eq!(y.to_string(), "[10.+0.j -2.+2.j -2.+0.j]");
/// let back = lax::fft(&y, FftType::Irfft, &[4]);
/// assert_eq!(back.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
/// ```
#[track_caller]
pub fn fft(x: &Array, fft_type: FftType, fft_lengths: &[usize]) -> Array {
    bind1(
        Primitive::Fft {
            fft_type,
            fft_lengths: fft_lengths.to_vec(),
        },
        &[x],
    )
}
