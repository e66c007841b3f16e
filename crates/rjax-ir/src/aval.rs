//! Abstract values: what tracing knows about an array (shape, dtype, weakness).

use crate::{DType, Error, ErrorKind, Result};
use std::fmt;

/// The most bytes an array may span: XLA counts elements and bytes in
/// `int64`, and its C++ side throws (which aborts a Rust process) on a
/// shape whose byte size overflows that. Arrays up to this size are
/// representable; whether they fit in memory is the device's answer (a
/// typed out-of-memory error).
pub const MAX_ARRAY_BYTES: usize = i64::MAX as usize;

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
    /// Number of elements (saturating: exact for every abstract value that
    /// passes [`AVal::check_size`], as all that tracing makes do).
    pub fn size(&self) -> usize {
        self.shape.iter().fold(1usize, |n, &d| n.saturating_mul(d))
    }
    /// Number of bytes (saturating, as [`AVal::size`]).
    pub fn size_bytes(&self) -> usize {
        self.size().saturating_mul(self.dtype.size_bytes())
    }
    /// The number of elements, or `None` when the array is too large to
    /// represent: the product of its non-zero dimensions times its element
    /// width exceeds [`MAX_ARRAY_BYTES`]. Zero-sized dimensions count as 1
    /// so that every partial product of the dimensions (strides, counts
    /// over some axes) fits too.
    ///
    /// ```
    /// use rjax_ir::{AVal, DType};
    /// assert_eq!(AVal::new(vec![2, 3], DType::F32).checked_size(), Some(6));
    /// assert_eq!(AVal::new(vec![1 << 32, 1 << 32], DType::F32).checked_size(), None);
    /// assert_eq!(AVal::new(vec![0, 1 << 62, 4], DType::U8).checked_size(), None);
    /// ```
    pub fn checked_size(&self) -> Option<usize> {
        let extent = self
            .shape
            .iter()
            .try_fold(self.dtype.size_bytes(), |n, &d| n.checked_mul(d.max(1)))?;
        (extent <= MAX_ARRAY_BYTES).then(|| self.size())
    }
    /// `Ok` when [`AVal::checked_size`] is, else a typed error naming `op`.
    pub fn check_size(&self, op: &str) -> Result<()> {
        match self.checked_size() {
            Some(_) => Ok(()),
            None => Err(Error::new(
                ErrorKind::Shape,
                op,
                format!(
                    "{self} is too large: its size in bytes does not fit in int64 \
                     (at most {MAX_ARRAY_BYTES} bytes)"
                ),
            )),
        }
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

impl AVal {
    /// Abstract values as a bracketed list in their display form:
    /// `[f32[2,3], i32[]]`, for messages.
    ///
    /// ```
    /// use rjax_ir::{AVal, DType};
    /// let avals = [AVal::new(vec![1], DType::F32), AVal::scalar(DType::I32)];
    /// assert_eq!(AVal::list(&avals), "[f32[1], i32[]]");
    /// ```
    pub fn list(avals: &[AVal]) -> String {
        let items: Vec<String> = avals.iter().map(AVal::to_string).collect();
        format!("[{}]", items.join(", "))
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
