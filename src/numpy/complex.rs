//! numpy's complex-number functions: parts, conjugates, angles, tests of
//! realness, and sorting by real then imaginary part. Real inputs are
//! complex numbers with a zero imaginary part, as in numpy.

use super::{cast, fallible, to_float, zeros_like};
use crate::{Array, lax};
use rjax_ir::{DType, Result};

impl Array {
    /// The real part, as JAX's `x.real` ([`real`]).
    #[track_caller]
    pub fn real(&self) -> Array {
        real(self)
    }
    /// The imaginary part, as JAX's `x.imag` ([`imag`]).
    #[track_caller]
    pub fn imag(&self) -> Array {
        imag(self)
    }
    /// The complex conjugate, as JAX's `x.conj()` ([`conj`]).
    #[track_caller]
    pub fn conj(&self) -> Array {
        conj(self)
    }
}

/// The real part (`x` itself for real arrays).
///
/// ```
/// use rjax::{numpy as jnp, Array, Complex};
/// let z = Array::from_vec(vec![Complex::new(1.0f32, 2.0), Complex::new(3.0, -4.0)]);
/// assert_eq!(jnp::real(&z).to_vec::<f32>().unwrap(), vec![1.0, 3.0]);
/// assert_eq!(jnp::imag(&z).to_vec::<f32>().unwrap(), vec![2.0, -4.0]);
/// assert_eq!(jnp::abs(&z).to_vec::<f32>().unwrap(), vec![5f32.sqrt(), 5.0]);
/// ```
#[track_caller]
pub fn real(x: &Array) -> Array {
    fallible(|| {
        Ok(if x.dtype()?.is_complex() {
            lax::real(x)
        } else {
            x.clone()
        })
    })
}

/// The imaginary part (zeros for real arrays).
#[track_caller]
pub fn imag(x: &Array) -> Array {
    fallible(|| {
        Ok(if x.dtype()?.is_complex() {
            lax::imag(x)
        } else {
            zeros_like(x, None)
        })
    })
}

/// The complex conjugate (`x` itself for real arrays).
///
/// ```
/// use rjax::{numpy as jnp, Array, Complex};
/// let z = Array::from_vec(vec![Complex::new(1.0f32, 2.0)]);
/// assert_eq!(jnp::conj(&z).to_string(), "[1.-2.j]");
/// ```
#[track_caller]
pub fn conj(x: &Array) -> Array {
    fallible(|| {
        Ok(if x.dtype()?.is_complex() {
            lax::conj(x)
        } else {
            x.clone()
        })
    })
}

/// The same as [`conj`].
#[track_caller]
pub fn conjugate(x: &Array) -> Array {
    conj(x)
}

/// The argument of each complex number, in radians (degrees with `deg`);
/// integers are taken as f32.
///
/// ```
/// use rjax::{numpy as jnp, Array, Complex};
/// let z = Array::from_vec(vec![Complex::new(0.0f32, 1.0), Complex::new(-1.0, 0.0)]);
/// assert_eq!(jnp::angle(&z, true).to_vec::<f32>().unwrap(), vec![90.0, 180.0]);
/// ```
#[track_caller]
pub fn angle(z: &Array, deg: bool) -> Array {
    fallible(|| {
        let z = to_float(z);
        let a = lax::atan2(&imag(&z), &real(&z));
        Ok(if deg {
            a * (180.0 / std::f64::consts::PI)
        } else {
            a
        })
    })
}

/// Whether each element has a nonzero imaginary part.
///
/// ```
/// use rjax::{numpy as jnp, Array, Complex};
/// let z = Array::from_vec(vec![Complex::new(1.0f32, 0.0), Complex::new(1.0, 1.0)]);
/// assert_eq!(jnp::iscomplex(&z).to_vec::<bool>().unwrap(), vec![false, true]);
/// assert_eq!(jnp::isreal(&z).to_vec::<bool>().unwrap(), vec![true, false]);
/// ```
#[track_caller]
pub fn iscomplex(x: &Array) -> Array {
    imag(x).ne(0)
}

/// Whether each element has a zero imaginary part.
#[track_caller]
pub fn isreal(x: &Array) -> Array {
    imag(x).eq(0)
}

/// Whether the array's dtype is complex.
///
/// ```
/// use rjax::{numpy as jnp, Array, Complex};
/// assert!(jnp::iscomplexobj(&Array::scalar(Complex::new(0.0f64, 0.0))).unwrap());
/// assert!(jnp::isrealobj(&Array::scalar(1.0f32)).unwrap());
/// ```
pub fn iscomplexobj(x: &Array) -> Result<bool> {
    Ok(x.dtype()?.is_complex())
}

/// Whether the array's dtype is not complex.
pub fn isrealobj(x: &Array) -> Result<bool> {
    Ok(!x.dtype()?.is_complex())
}

/// Sort along the last axis by real part, then imaginary part; the result
/// is complex (integers and narrow floats become c64, f64 c128).
///
/// ```
/// use rjax::{numpy as jnp, Array, Complex};
/// let z = Array::from_vec(vec![Complex::new(1.0f32, 2.0), Complex::new(1.0, -1.0), Complex::new(0.0, 5.0)]);
/// assert_eq!(jnp::sort_complex(&z).to_string(), "[0.+5.j 1.-1.j 1.+2.j]");
/// ```
#[track_caller]
pub fn sort_complex(x: &Array) -> Array {
    fallible(|| {
        let d = x.dtype()?;
        let z = cast(x, d.complex_dtype().unwrap_or(DType::C64), false);
        let last = z.ndim()?.saturating_sub(1);
        let keys = [lax::real(&z), lax::imag(&z), z];
        Ok(lax::sort(&keys, last, true, 2).swap_remove(2))
    })
}
