//! StableHLO spellings of element and tensor types, and of constants.

use rjax_ir::{AVal, DType, Literal, Scalar};

/// The MLIR element type: `f32`, `i1` for bool, `ui8` for unsigned,
/// `complex<f32>` for c64.
pub fn element_type(d: DType) -> &'static str {
    use DType::*;
    match d {
        Bool => "i1",
        I8 => "i8",
        I16 => "i16",
        I32 => "i32",
        I64 => "i64",
        U8 => "ui8",
        U16 => "ui16",
        U32 => "ui32",
        U64 => "ui64",
        F16 => "f16",
        BF16 => "bf16",
        F32 => "f32",
        F64 => "f64",
        C64 => "complex<f32>",
        C128 => "complex<f64>",
    }
}

/// The dtype whose MLIR element type is `name` (the inverse of
/// [`element_type`]), if rjax has one.
pub fn dtype_of_element(name: &str) -> Option<DType> {
    rjax_ir::ALL_DTYPES
        .into_iter()
        .find(|&d| element_type(d) == name)
}

/// The MLIR tensor type: `tensor<2x3xf32>`, `tensor<f32>` for scalars.
pub fn tensor_type(a: &AVal) -> String {
    let mut s = String::from("tensor<");
    for d in &a.shape {
        s += &d.to_string();
        s.push('x');
    }
    s += element_type(a.dtype);
    s.push('>');
    s
}

/// A scalar as the body of a `dense<...>` attribute.
pub fn dense_value(l: &Literal) -> String {
    match l.value {
        Scalar::Bool(b) => b.to_string(),
        Scalar::Int(i) => i.to_string(),
        Scalar::UInt(u) => u.to_string(),
        Scalar::Float(f) => float_text(f, l.dtype),
        Scalar::Complex(re, im) => {
            let part = l.dtype.real_dtype();
            format!("({}, {})", float_text(re, part), float_text(im, part))
        }
    }
}

/// A float in MLIR syntax: decimal with a point and exponent when finite,
/// the bit pattern in hex otherwise.
pub fn float_text(v: f64, d: DType) -> String {
    if !v.is_finite() {
        let bits: u64 = match d {
            DType::F64 => v.to_bits(),
            DType::F32 => (v as f32).to_bits() as u64,
            DType::F16 => half::f16::from_f64(v).to_bits() as u64,
            _ => half::bf16::from_f64(v).to_bits() as u64,
        };
        let digits = d.size_bytes() * 2;
        return format!("0x{bits:0digits$X}");
    }
    let text = if d == DType::F64 {
        format!("{v:e}")
    } else {
        format!("{:e}", v as f32)
    };
    match text.split_once('e') {
        Some((mantissa, exp)) if !mantissa.contains('.') => format!("{mantissa}.0e{exp}"),
        _ => text,
    }
}
