//! Scalar literals: Rust numbers that appear inline in a Jaxpr.

use crate::{AVal, DType};
use std::fmt;

/// A scalar constant with its dtype. Rust number literals become weakly typed
/// literals, so `x * 2.0` keeps `x`'s dtype.
///
/// ```
/// use rjax_ir::{DType, Literal};
/// let two = Literal::float(2.0, DType::F32, true);
/// assert_eq!(two.to_string(), "2.0:f32[]");
/// assert_eq!(two.cast(DType::I32).as_f64(), 2.0);
/// ```
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Literal {
    pub dtype: DType,
    pub weak: bool,
    pub value: Scalar,
}

/// The value of a [`Literal`], in the widest Rust type of its kind.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Scalar {
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    /// Real and imaginary parts.
    Complex(f64, f64),
}

impl Literal {
    pub fn float(v: f64, dtype: DType, weak: bool) -> Literal {
        Literal {
            dtype,
            weak,
            value: Scalar::Float(v),
        }
        .cast(dtype)
    }
    /// A complex literal `re + im·i` of a complex `dtype`.
    pub fn complex(re: f64, im: f64, dtype: DType, weak: bool) -> Literal {
        Literal {
            dtype,
            weak,
            value: Scalar::Complex(re, im),
        }
        .cast(dtype)
    }
    pub fn int(v: i64, dtype: DType, weak: bool) -> Literal {
        Literal {
            dtype,
            weak,
            value: Scalar::Int(v),
        }
        .cast(dtype)
    }
    pub fn bool(v: bool) -> Literal {
        Literal {
            dtype: DType::Bool,
            weak: false,
            value: Scalar::Bool(v),
        }
    }
    /// The literal's abstract value (always rank 0).
    pub fn aval(&self) -> AVal {
        AVal {
            shape: Vec::new(),
            dtype: self.dtype,
            weak: self.weak,
        }
    }
    /// The value as an `f64` (the real part of a complex one).
    pub fn as_f64(&self) -> f64 {
        match self.value {
            Scalar::Bool(b) => b as u8 as f64,
            Scalar::Int(i) => i as f64,
            Scalar::UInt(u) => u as f64,
            Scalar::Float(f) | Scalar::Complex(f, _) => f,
        }
    }
    /// The imaginary part (0 for real values).
    pub fn imag_f64(&self) -> f64 {
        match self.value {
            Scalar::Complex(_, im) => im,
            Scalar::Bool(_) | Scalar::Int(_) | Scalar::UInt(_) | Scalar::Float(_) => 0.0,
        }
    }
    fn as_i64(&self) -> i64 {
        match self.value {
            Scalar::Bool(b) => b as i64,
            Scalar::Int(i) => i,
            Scalar::UInt(u) => u as i64,
            Scalar::Float(f) | Scalar::Complex(f, _) => f as i64,
        }
    }
    /// Convert to another dtype with numpy's casting (floats truncate
    /// toward zero into ints, values are rounded to the target precision).
    pub fn cast(&self, dtype: DType) -> Literal {
        let value = match dtype {
            DType::Bool => Scalar::Bool(self.as_f64() != 0.0),
            DType::F32 | DType::F16 | DType::BF16 => Scalar::Float(round_to(self.as_f64(), dtype)),
            DType::F64 => Scalar::Float(self.as_f64()),
            DType::C64 => Scalar::Complex(
                round_to(self.as_f64(), DType::F32),
                round_to(self.imag_f64(), DType::F32),
            ),
            DType::C128 => Scalar::Complex(self.as_f64(), self.imag_f64()),
            d if d.is_unsigned_int() => Scalar::UInt(wrap_unsigned(self.as_i64(), d)),
            d => Scalar::Int(wrap_signed(self.as_i64(), d)),
        };
        Literal {
            dtype,
            weak: self.weak,
            value,
        }
    }
    /// The little-endian bytes of this value in its dtype.
    pub fn to_bytes(&self) -> Vec<u8> {
        let f = self.as_f64();
        let i = self.as_i64();
        match self.dtype {
            DType::Bool => vec![(f != 0.0) as u8],
            DType::I8 | DType::U8 => vec![i as u8],
            DType::I16 | DType::U16 => (i as u16).to_le_bytes().to_vec(),
            DType::I32 | DType::U32 => (i as u32).to_le_bytes().to_vec(),
            DType::I64 => i.to_le_bytes().to_vec(),
            DType::U64 => match self.value {
                Scalar::UInt(u) => u.to_le_bytes().to_vec(),
                _ => (i as u64).to_le_bytes().to_vec(),
            },
            DType::F16 => half::f16::from_f64(f).to_le_bytes().to_vec(),
            DType::BF16 => half::bf16::from_f64(f).to_le_bytes().to_vec(),
            DType::F32 => (f as f32).to_le_bytes().to_vec(),
            DType::F64 => f.to_le_bytes().to_vec(),
            DType::C64 => [f as f32, self.imag_f64() as f32]
                .iter()
                .flat_map(|p| p.to_le_bytes())
                .collect(),
            DType::C128 => [f, self.imag_f64()]
                .iter()
                .flat_map(|p| p.to_le_bytes())
                .collect(),
        }
    }
}

fn wrap_signed(v: i64, d: DType) -> i64 {
    match d {
        DType::I8 => v as i8 as i64,
        DType::I16 => v as i16 as i64,
        DType::I32 => v as i32 as i64,
        _ => v,
    }
}

fn wrap_unsigned(v: i64, d: DType) -> u64 {
    match d {
        DType::U8 => v as u8 as u64,
        DType::U16 => v as u16 as u64,
        DType::U32 => v as u32 as u64,
        _ => v as u64,
    }
}

fn round_to(v: f64, d: DType) -> f64 {
    match d {
        DType::F32 => v as f32 as f64,
        DType::F16 => half::f16::from_f64(v).to_f64(),
        DType::BF16 => half::bf16::from_f64(v).to_f64(),
        _ => v,
    }
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.value {
            Scalar::Bool(b) => write!(f, "{}", if b { "True" } else { "False" })?,
            Scalar::Int(i) => write!(f, "{i}")?,
            Scalar::UInt(u) => write!(f, "{u}")?,
            Scalar::Float(x) if self.dtype == DType::F64 => write!(f, "{x:?}")?,
            Scalar::Float(x) => write!(f, "{:?}", x as f32)?,
            Scalar::Complex(re, im) => write!(f, "({re:?}{im:+?}j)")?,
        }
        write!(f, ":{}[]", self.dtype)
    }
}
