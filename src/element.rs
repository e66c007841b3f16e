//! Rust element types that arrays can be built from and read back into.

use half::{bf16, f16};
use num_complex::Complex;
use rjax_ir::{DType, Literal};

mod sealed {
    /// Keeps [`super::Element`] closed to rjax's types: unnameable on purpose.
    #[allow(unnameable_types)]
    pub trait Sealed {}
}

/// A Rust scalar type with an rjax dtype: `f32`, `f64`, `half::f16`,
/// `half::bf16`, `i8`..`i64`, `u8`..`u64`, `bool`, and
/// `num_complex::Complex<f32>` / `Complex<f64>` (re-exported as
/// [`crate::Complex`]) for `c64` / `c128`.
///
/// ```
/// use rjax::{DType, Element};
/// assert_eq!(<f32 as Element>::DTYPE, DType::F32);
/// ```
pub trait Element: sealed::Sealed + Copy + Send + Sync + 'static + std::fmt::Debug {
    /// The dtype of arrays of this element type.
    const DTYPE: DType;
    /// The value as a literal of dtype [`Self::DTYPE`].
    fn literal(self, weak: bool) -> Literal;
    /// Rebuild a value from its little-endian bytes.
    fn from_le(bytes: &[u8]) -> Self;
    /// Append the value's little-endian bytes.
    fn write_le(self, out: &mut Vec<u8>);
}

macro_rules! element {
    ($t:ty, $d:ident, |$v:ident, $w:ident| $lit:expr) => {
        impl sealed::Sealed for $t {}
        impl Element for $t {
            const DTYPE: DType = DType::$d;
            fn literal(self, $w: bool) -> Literal {
                let $v = self;
                $lit
            }
            fn from_le(bytes: &[u8]) -> Self {
                <$t>::from_le_bytes(bytes.try_into().unwrap_or_default())
            }
            fn write_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.to_le_bytes());
            }
        }
    };
}

element!(f32, F32, |v, w| Literal::float(v as f64, DType::F32, w));
element!(f64, F64, |v, w| Literal::float(v, DType::F64, w));
element!(f16, F16, |v, w| Literal::float(v.to_f64(), DType::F16, w));
element!(bf16, BF16, |v, w| Literal::float(
    v.to_f64(),
    DType::BF16,
    w
));
element!(i8, I8, |v, w| Literal::int(v as i64, DType::I8, w));
element!(i16, I16, |v, w| Literal::int(v as i64, DType::I16, w));
element!(i32, I32, |v, w| Literal::int(v as i64, DType::I32, w));
element!(i64, I64, |v, w| Literal::int(v, DType::I64, w));
element!(u8, U8, |v, w| Literal::int(v as i64, DType::U8, w));
element!(u16, U16, |v, w| Literal::int(v as i64, DType::U16, w));
element!(u32, U32, |v, w| Literal::int(v as i64, DType::U32, w));
element!(u64, U64, |v, w| Literal {
    dtype: DType::U64,
    weak: w,
    value: rjax_ir::Scalar::UInt(v)
});

impl sealed::Sealed for bool {}
impl Element for bool {
    const DTYPE: DType = DType::Bool;
    fn literal(self, _weak: bool) -> Literal {
        Literal::bool(self)
    }
    fn from_le(bytes: &[u8]) -> Self {
        bytes.first().is_some_and(|&b| b != 0)
    }
    fn write_le(self, out: &mut Vec<u8>) {
        out.push(self as u8);
    }
}

macro_rules! complex_element {
    ($t:ty, $d:ident, $part:ty) => {
        impl sealed::Sealed for Complex<$t> {}
        impl Element for Complex<$t> {
            const DTYPE: DType = DType::$d;
            fn literal(self, weak: bool) -> Literal {
                Literal::complex(self.re as f64, self.im as f64, DType::$d, weak)
            }
            fn from_le(bytes: &[u8]) -> Self {
                let (re, im) = bytes.split_at(bytes.len() / 2);
                Complex::new(
                    <$part>::from_le_bytes(re.try_into().unwrap_or_default()),
                    <$part>::from_le_bytes(im.try_into().unwrap_or_default()),
                )
            }
            fn write_le(self, out: &mut Vec<u8>) {
                out.extend_from_slice(&self.re.to_le_bytes());
                out.extend_from_slice(&self.im.to_le_bytes());
            }
        }
    };
}

complex_element!(f32, C64, f32);
complex_element!(f64, C128, f64);

/// The little-endian bytes of a slice of elements.
pub(crate) fn to_bytes<T: Element>(data: &[T]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() * T::DTYPE.size_bytes());
    for v in data {
        v.write_le(&mut out);
    }
    out
}

/// Elements decoded from little-endian bytes.
pub(crate) fn from_bytes<T: Element>(bytes: &[u8]) -> Vec<T> {
    bytes
        .chunks_exact(T::DTYPE.size_bytes())
        .map(T::from_le)
        .collect()
}
