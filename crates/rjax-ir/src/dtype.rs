//! Element types and JAX's type-promotion lattice (with weak types).

use std::fmt;

/// An array element type.
///
/// ```
/// use rjax_ir::DType;
/// assert_eq!(DType::F32.name(), "float32");
/// assert_eq!(DType::F32.short_name(), "f32");
/// assert_eq!(DType::U8.size_bytes(), 1);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DType {
    Bool,
    I8,
    I16,
    I32,
    I64,
    U8,
    U16,
    U32,
    U64,
    F16,
    BF16,
    F32,
    F64,
    /// Complex numbers of two `f32`s (real part first).
    C64,
    /// Complex numbers of two `f64`s (real part first).
    C128,
}

/// Every dtype, in lattice order within each kind.
pub const ALL_DTYPES: [DType; 15] = [
    DType::Bool,
    DType::I8,
    DType::I16,
    DType::I32,
    DType::I64,
    DType::U8,
    DType::U16,
    DType::U32,
    DType::U64,
    DType::F16,
    DType::BF16,
    DType::F32,
    DType::F64,
    DType::C64,
    DType::C128,
];

impl DType {
    /// Bytes per element (bool is stored as one byte).
    pub fn size_bytes(self) -> usize {
        use DType::*;
        match self {
            Bool | I8 | U8 => 1,
            I16 | U16 | F16 | BF16 => 2,
            I32 | U32 | F32 => 4,
            I64 | U64 | F64 | C64 => 8,
            C128 => 16,
        }
    }
    /// numpy's name: `float32`, `int8`, `bool`, ...
    pub fn name(self) -> &'static str {
        use DType::*;
        match self {
            Bool => "bool",
            I8 => "int8",
            I16 => "int16",
            I32 => "int32",
            I64 => "int64",
            U8 => "uint8",
            U16 => "uint16",
            U32 => "uint32",
            U64 => "uint64",
            F16 => "float16",
            BF16 => "bfloat16",
            F32 => "float32",
            F64 => "float64",
            C64 => "complex64",
            C128 => "complex128",
        }
    }
    /// The dtype with numpy's name `name` (`"float32"`, `"int8"`, ...).
    ///
    /// ```
    /// use rjax_ir::DType;
    /// assert_eq!(DType::from_name("bfloat16"), Some(DType::BF16));
    /// assert_eq!(DType::from_name("float128"), None);
    /// ```
    pub fn from_name(name: &str) -> Option<DType> {
        ALL_DTYPES.iter().copied().find(|d| d.name() == name)
    }
    /// The short name used in Jaxpr types: `f32[3,4]`.
    pub fn short_name(self) -> &'static str {
        use DType::*;
        match self {
            Bool => "bool",
            I8 => "i8",
            I16 => "i16",
            I32 => "i32",
            I64 => "i64",
            U8 => "u8",
            U16 => "u16",
            U32 => "u32",
            U64 => "u64",
            F16 => "f16",
            BF16 => "bf16",
            F32 => "f32",
            F64 => "f64",
            C64 => "c64",
            C128 => "c128",
        }
    }
    pub fn is_float(self) -> bool {
        matches!(self, DType::F16 | DType::BF16 | DType::F32 | DType::F64)
    }
    pub fn is_complex(self) -> bool {
        matches!(self, DType::C64 | DType::C128)
    }
    /// Floats and complex numbers: the dtypes with derivatives.
    pub fn is_inexact(self) -> bool {
        self.is_float() || self.is_complex()
    }
    /// The dtype of the real and imaginary parts of a complex dtype
    /// (`c64 -> f32`); other dtypes are their own.
    ///
    /// ```
    /// use rjax_ir::DType;
    /// assert_eq!(DType::C128.real_dtype(), DType::F64);
    /// assert_eq!(DType::F16.real_dtype(), DType::F16);
    /// ```
    pub fn real_dtype(self) -> DType {
        match self {
            DType::C64 => DType::F32,
            DType::C128 => DType::F64,
            d => d,
        }
    }
    /// The complex dtype with parts of this float dtype (`f64 -> c128`,
    /// narrower floats `-> c64`); complex dtypes are their own, and other
    /// dtypes have none.
    pub fn complex_dtype(self) -> Option<DType> {
        match self {
            DType::F64 | DType::C128 => Some(DType::C128),
            DType::F16 | DType::BF16 | DType::F32 | DType::C64 => Some(DType::C64),
            _ => None,
        }
    }
    /// The gap between 1 and the next float (`finfo(dtype).eps`); `None`
    /// for other dtypes.
    pub fn epsilon(self) -> Option<f64> {
        let mantissa_bits = match self {
            DType::F16 => 10,
            DType::BF16 => 7,
            DType::F32 => 23,
            DType::F64 => 52,
            _ => return None,
        };
        Some(2f64.powi(-mantissa_bits))
    }
    pub fn is_signed_int(self) -> bool {
        matches!(self, DType::I8 | DType::I16 | DType::I32 | DType::I64)
    }
    pub fn is_unsigned_int(self) -> bool {
        matches!(self, DType::U8 | DType::U16 | DType::U32 | DType::U64)
    }
    pub fn is_int(self) -> bool {
        self.is_signed_int() || self.is_unsigned_int()
    }
    pub fn is_bool(self) -> bool {
        self == DType::Bool
    }
    /// Numbers you can do arithmetic on (everything but bool).
    pub fn is_numeric(self) -> bool {
        !self.is_bool()
    }
}

impl fmt::Display for DType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.short_name())
    }
}

/// A node of JAX's promotion lattice: a concrete dtype, or one of the weak
/// kinds that Rust scalar literals carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Node {
    Strong(DType),
    WeakInt,
    WeakFloat,
    WeakComplex,
}

impl Node {
    fn of(dtype: DType, weak: bool) -> Node {
        match (weak, dtype) {
            (true, d) if d.is_int() => Node::WeakInt,
            (true, d) if d.is_float() => Node::WeakFloat,
            (true, d) if d.is_complex() => Node::WeakComplex,
            (_, d) => Node::Strong(d),
        }
    }

    /// The nodes directly above this one in the lattice.
    fn parents(self) -> &'static [Node] {
        use DType::*;
        use Node::*;
        match self {
            Strong(Bool) => &[WeakInt],
            WeakInt => &[Strong(U8), Strong(I8)],
            Strong(U8) => &[Strong(I16), Strong(U16)],
            Strong(U16) => &[Strong(I32), Strong(U32)],
            Strong(U32) => &[Strong(I64), Strong(U64)],
            Strong(U64) => &[WeakFloat],
            Strong(I8) => &[Strong(I16)],
            Strong(I16) => &[Strong(I32)],
            Strong(I32) => &[Strong(I64)],
            Strong(I64) => &[WeakFloat],
            WeakFloat => &[Strong(F16), Strong(BF16), WeakComplex],
            Strong(F16) | Strong(BF16) => &[Strong(F32)],
            Strong(F32) => &[Strong(F64), Strong(C64)],
            Strong(F64) => &[Strong(C128)],
            WeakComplex => &[Strong(C64)],
            Strong(C64) => &[Strong(C128)],
            Strong(C128) => &[],
        }
    }

    /// This node and everything above it.
    fn upper_set(self) -> Vec<Node> {
        let mut seen = vec![self];
        let mut i = 0;
        while i < seen.len() {
            for p in seen[i].parents() {
                if !seen.contains(p) {
                    seen.push(*p);
                }
            }
            i += 1;
        }
        seen
    }
}

/// The result dtype (and weakness) of combining two typed values, following
/// JAX's lattice: `f16 * weak f32 -> f16`, `i32 + f32 -> f32`,
/// `bf16 + f16 -> f32`; complex numbers sit above the floats of their
/// parts' width (`f32 + c64 -> c64`, `f64 + c64 -> c128`).
///
/// ```
/// use rjax_ir::{DType, promote_types};
/// assert_eq!(promote_types((DType::F16, false), (DType::F32, true)), (DType::F16, false));
/// assert_eq!(promote_types((DType::I32, false), (DType::F32, false)), (DType::F32, false));
/// assert_eq!(promote_types((DType::BF16, false), (DType::F16, false)), (DType::F32, false));
/// assert_eq!(promote_types((DType::I32, true), (DType::F32, true)), (DType::F32, true));
/// assert_eq!(promote_types((DType::F64, false), (DType::C64, false)), (DType::C128, false));
/// assert_eq!(promote_types((DType::I32, false), (DType::C64, false)), (DType::C64, false));
/// assert_eq!(promote_types((DType::F32, false), (DType::C64, true)), (DType::C64, false));
/// ```
pub fn promote_types(a: (DType, bool), b: (DType, bool)) -> (DType, bool) {
    let (na, nb) = (Node::of(a.0, a.1), Node::of(b.0, b.1));
    let ua = na.upper_set();
    let ub = nb.upper_set();
    let common: Vec<Node> = ua.into_iter().filter(|n| ub.contains(n)).collect();
    // The least upper bound is the common node every other common node is above.
    let lub = common
        .iter()
        .copied()
        .find(|n| {
            let up = n.upper_set();
            common.iter().all(|c| up.contains(c))
        })
        .unwrap_or(Node::Strong(DType::C128));
    match lub {
        Node::Strong(d) => (d, false),
        // A weak result keeps the widest dtype the weak operands carried.
        Node::WeakInt => (if a.1 { a.0 } else { b.0 }, true),
        Node::WeakFloat => {
            let weak_floats = [a, b].into_iter().filter(|(d, w)| *w && d.is_float());
            match weak_floats.map(|(d, _)| d).max_by_key(|d| d.size_bytes()) {
                Some(d) if a.1 && b.1 => (d, true),
                _ => (DType::F32, a.1 || b.1),
            }
        }
        // Weak complex: of the widest weak operand's width when both are
        // weak, else the default complex dtype.
        Node::WeakComplex => {
            let widest = [a, b]
                .into_iter()
                .filter(|(d, w)| *w && d.is_inexact())
                .filter_map(|(d, _)| d.complex_dtype())
                .max_by_key(|d| d.size_bytes());
            match widest {
                Some(d) if a.1 && b.1 => (d, true),
                _ => (DType::C64, a.1 || b.1),
            }
        }
    }
}
