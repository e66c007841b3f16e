//! Abstract values: what tracing knows about an array (shape, dtype, weakness).

use crate::DType;
use std::fmt;

/// The abstract value of an array: its shape, dtype and whether its dtype is
/// weak (it came from a Rust scalar literal and yields to the other operand).
///
/// ```
/// use rjax_ir::{AVal, DType};
/// let a = AVal::new(vec![2, 3], DType::F32);
/// assert_eq!(a.to_string(), "f32[2,3]");
/// assert_eq!(a.size(), 6);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AVal {
    pub shape: Vec<usize>,
    pub dtype: DType,
    pub weak: bool,
}

impl AVal {
    /// A strongly typed abstract value.
    pub fn new(shape: Vec<usize>, dtype: DType) -> AVal {
        AVal {
            shape,
            dtype,
            weak: false,
        }
    }
    /// A rank-0 abstract value.
    pub fn scalar(dtype: DType) -> AVal {
        AVal::new(Vec::new(), dtype)
    }
    pub fn rank(&self) -> usize {
        self.shape.len()
    }
    /// Number of elements.
    pub fn size(&self) -> usize {
        self.shape.iter().product()
    }
    pub fn size_bytes(&self) -> usize {
        self.size() * self.dtype.size_bytes()
    }
    /// The same shape with another dtype.
    pub fn with_dtype(&self, dtype: DType) -> AVal {
        AVal::new(self.shape.clone(), dtype)
    }
    /// The same dtype with another shape.
    pub fn with_shape(&self, shape: Vec<usize>) -> AVal {
        AVal {
            shape,
            dtype: self.dtype,
            weak: self.weak,
        }
    }
    /// Shape and dtype agree (weakness ignored).
    pub fn same_type(&self, other: &AVal) -> bool {
        self.shape == other.shape && self.dtype == other.dtype
    }
}

impl fmt::Display for AVal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}[", self.dtype)?;
        for (i, d) in self.shape.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{d}")?;
        }
        f.write_str("]")
    }
}

/// numpy broadcasting of two shapes, or `None` when they are incompatible.
///
/// ```
/// assert_eq!(rjax_ir::broadcast_shapes(&[3, 1], &[4]), Some(vec![3, 4]));
/// assert_eq!(rjax_ir::broadcast_shapes(&[3], &[4]), None);
/// ```
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let dim = |s: &[usize], i: usize| {
        let pad = rank - s.len();
        if i < pad { 1 } else { s[i - pad] }
    };
    (0..rank)
        .map(|i| match (dim(a, i), dim(b, i)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}
