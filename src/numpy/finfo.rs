//! Machine limits of the float dtypes (`jnp.finfo`).

use rjax_ir::{DType, Error, ErrorKind, Result};

/// The limits of a float dtype, as `jnp.finfo` reports them.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Finfo {
    /// Bits in the type.
    pub bits: u32,
    /// The difference between 1.0 and the next float above it.
    pub eps: f64,
    /// The largest finite value.
    pub max: f64,
    /// The most negative finite value (`-max`).
    pub min: f64,
    /// The smallest positive normal value (`smallest_normal`).
    pub tiny: f64,
}

/// The limits of the float dtype `dtype`; any other dtype is a typed error.
///
/// ```
/// use rjax::{numpy as jnp, DType};
/// let f16 = jnp::finfo(DType::F16).unwrap();
/// assert_eq!((f16.max, f16.eps, f16.tiny), (65504.0, 2f64.powi(-10), 2f64.powi(-14)));
/// assert_eq!(jnp::finfo(DType::F32).unwrap().max, f32::MAX as f64);
/// assert!(jnp::finfo(DType::I32).is_err());
/// ```
pub fn finfo(dtype: DType) -> Result<Finfo> {
    let (bits, mantissa, exponent) = match dtype {
        DType::F16 => (16, 10, 5),
        DType::BF16 => (16, 7, 8),
        DType::F32 => (32, 23, 8),
        DType::F64 => (64, 52, 11),
        other => {
            return Err(Error::new(
                ErrorKind::DType,
                "finfo",
                format!("{other:?} is not a float dtype"),
            ));
        }
    };
    let max_exponent = (1 << (exponent - 1)) - 1;
    let eps = 2f64.powi(-mantissa);
    let max = (2.0 - eps) * 2f64.powi(max_exponent);
    Ok(Finfo {
        bits,
        eps,
        max,
        min: -max,
        tiny: 2f64.powi(1 - max_exponent),
    })
}
