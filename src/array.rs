//! [`Array`]: the value users compute with — concrete on a device, a Rust
//! scalar literal, or traced inside a transformation.

use crate::element::{Element, from_bytes, to_bytes};
use crate::runtime::runtime;
use rjax_ir::{AVal, DType, Error, ErrorKind, Result, Value};
use std::panic::Location;
use std::sync::Arc;

/// An n-dimensional array.
///
/// Operations never panic: an invalid one (mismatched shapes, a bad axis,
/// a missing plugin...) yields an array holding a typed [`Error`] that names
/// the operation, its operands and where it was called. The error travels
/// through later operations and comes out of [`Array::to_vec`],
/// [`Array::check`] or `jit(..).call(..)`.
///
/// ```
/// use rjax::Array;
/// let x = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
/// let y = (&x * 2.0 + 1.0).to_vec::<f32>().unwrap();
/// assert_eq!(y, vec![3.0, 5.0, 7.0]);
/// let bad = &x + &Array::from_slice(&[1.0f32, 2.0], &[2]);
/// assert!(bad.check().unwrap_err().to_string().contains("add"));
/// ```
#[derive(Clone, Debug)]
pub struct Array {
    repr: std::result::Result<Value, Arc<Error>>,
}

impl Array {
    pub(crate) fn from_value(v: Value) -> Array {
        Array { repr: Ok(v) }
    }

    pub(crate) fn from_value_result(r: Result<Value>) -> Array {
        Array {
            repr: r.map_err(Arc::new),
        }
    }

    /// The array of a fallible computation; an error travels inside it like
    /// any other array error.
    pub fn from_result(r: Result<Array>) -> Array {
        r.unwrap_or_else(Array::from_error)
    }

    pub(crate) fn from_error(e: Error) -> Array {
        Array {
            repr: Err(Arc::new(e)),
        }
    }

    /// The traced or concrete value, or the error this array holds.
    pub(crate) fn value(&self) -> Result<&Value> {
        self.repr.as_ref().map_err(|e| (**e).clone())
    }

    /// `Ok` unless this array holds an error.
    pub fn check(&self) -> Result<()> {
        self.value().map(|_| ())
    }

    /// An array of `data` in the given shape, copied to the default device.
    #[track_caller]
    pub fn from_slice<T: Element>(data: &[T], shape: &[usize]) -> Array {
        let location = Location::caller();
        let aval = AVal::new(shape.to_vec(), T::DTYPE);
        if aval.checked_size() != Some(data.len()) {
            return Array::from_error(
                Error::new(
                    ErrorKind::Shape,
                    "from_slice",
                    format!("{} elements do not fill shape {shape:?}", data.len()),
                )
                .at(location),
            );
        }
        let made = runtime().and_then(|rt| rt.upload(&to_bytes(data), aval));
        Array::from_value_result(made.map(|d| Value::Concrete(Arc::new(d)))).located(location)
    }

    /// An array of `dtype` and `shape` from its elements' little-endian bytes
    /// in row-major order (booleans one byte each), copied to the default
    /// device: how files in any dtype are read. A byte count that does not
    /// fill the shape is a typed error.
    ///
    /// ```
    /// use rjax::{Array, DType};
    /// let x = Array::from_bytes(&[0, 0, 128, 63, 0, 0, 0, 64], &[2], DType::F32);
    /// assert_eq!(x.to_vec::<f32>().unwrap(), [1.0, 2.0]);
    /// assert!(Array::from_bytes(&[0; 7], &[2], DType::F32).check().is_err());
    /// ```
    #[track_caller]
    pub fn from_bytes(bytes: &[u8], shape: &[usize], dtype: DType) -> Array {
        let location = Location::caller();
        let aval = AVal::new(shape.to_vec(), dtype);
        let expected = aval
            .checked_size()
            .and_then(|n| n.checked_mul(dtype.size_bytes()));
        if expected != Some(bytes.len()) {
            return Array::from_error(
                Error::new(
                    ErrorKind::Shape,
                    "from_bytes",
                    format!(
                        "{} bytes do not fill shape {shape:?} of {}",
                        bytes.len(),
                        dtype.name()
                    ),
                )
                .at(location),
            );
        }
        let made = runtime().and_then(|rt| rt.upload(bytes, aval));
        Array::from_value_result(made.map(|d| Value::Concrete(Arc::new(d)))).located(location)
    }

    /// A one-dimensional array of `data`.
    #[track_caller]
    pub fn from_vec<T: Element>(data: Vec<T>) -> Array {
        let n = data.len();
        Array::from_slice(&data, &[n])
    }

    /// A rank-0 array of `value` with its Rust type's dtype.
    pub fn scalar<T: Element>(value: T) -> Array {
        Array::from_value(Value::Literal(value.literal(false)))
    }

    /// A weakly typed scalar, as Rust number literals in arithmetic are:
    /// `x_f16 * 2.0` stays f16.
    pub fn weak<T: Element>(value: T) -> Array {
        Array::from_value(Value::Literal(value.literal(true)))
    }

    /// Attach a location to an error this array holds, if it has none.
    pub(crate) fn located(self, location: &'static Location<'static>) -> Array {
        match self.repr {
            Err(e) if e.location.is_none() => Array::from_error((*e).clone().at(location)),
            other => Array { repr: other },
        }
    }

    /// The abstract value: shape, dtype, weakness.
    pub fn aval(&self) -> Result<AVal> {
        self.value().map(Value::aval)
    }

    /// The shape, or the error this array holds.
    ///
    /// ```
    /// use rjax::{Array, ErrorKind};
    /// let x = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    /// assert_eq!(x.shape().unwrap(), [2, 3]);
    /// let bad = &x + &Array::from_slice(&[1.0f32, 2.0], &[2]);
    /// let e = bad.shape().unwrap_err();
    /// assert_eq!((e.kind, e.op.as_str()), (ErrorKind::Shape, "add"));
    /// ```
    pub fn shape(&self) -> Result<Vec<usize>> {
        self.aval().map(|a| a.shape)
    }

    /// Number of axes, or the error this array holds.
    ///
    /// ```
    /// use rjax::Array;
    /// let x = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    /// assert_eq!(x.ndim().unwrap(), 2);
    /// assert!(x.reshape(&[4]).ndim().is_err());
    /// ```
    pub fn ndim(&self) -> Result<usize> {
        self.shape().map(|s| s.len())
    }

    /// Number of elements, or the error this array holds.
    ///
    /// ```
    /// use rjax::Array;
    /// let x = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    /// assert_eq!(x.size().unwrap(), 6);
    /// assert!(x.reshape(&[4]).size().is_err());
    /// ```
    pub fn size(&self) -> Result<usize> {
        self.aval().map(|a| a.size())
    }

    /// The element type, or the error this array holds.
    ///
    /// ```
    /// use rjax::{Array, DType};
    /// let x = Array::from_slice(&[1i32, 2, 3], &[3]);
    /// assert_eq!(x.dtype().unwrap(), DType::I32);
    /// assert!(x.reshape(&[2]).dtype().is_err());
    /// ```
    pub fn dtype(&self) -> Result<DType> {
        self.aval().map(|a| a.dtype)
    }

    /// Whether this array is traced (inside `jit`, `make_jaxpr`, ...).
    pub fn is_traced(&self) -> bool {
        matches!(self.repr, Ok(Value::Tracer(_)))
    }

    /// The elements in row-major order. The Rust type must match the dtype
    /// (convert with [`Array::astype`] first). Fails on traced arrays:
    /// their numbers are not known while tracing.
    #[track_caller]
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        let location = Location::caller();
        let (bytes, aval) = self.host_bytes().map_err(|e| e.at(location))?;
        if aval.dtype != T::DTYPE {
            return Err(Error::new(
                ErrorKind::DType,
                "to_vec",
                format!(
                    "cannot read a {} array as {}; convert it with astype first",
                    aval.dtype.name(),
                    T::DTYPE.name()
                ),
            )
            .with_operands(vec![aval])
            .at(location));
        }
        Ok(from_bytes(&bytes))
    }

    /// The elements' little-endian bytes in row-major order (booleans one
    /// byte each), whatever the dtype: how arrays are written to files.
    /// Fails on traced arrays.
    ///
    /// ```
    /// use rjax::Array;
    /// let x = Array::from_slice(&[1u16, 258], &[2]);
    /// assert_eq!(x.to_bytes().unwrap(), [1, 0, 2, 1]);
    /// ```
    #[track_caller]
    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        let location = Location::caller();
        self.host_bytes()
            .map(|(bytes, _)| bytes)
            .map_err(|e| e.at(location))
    }

    /// The single element of a size-1 array.
    #[track_caller]
    pub fn item<T: Element>(&self) -> Result<T> {
        let location = Location::caller();
        let v = self.to_vec::<T>()?;
        match v.as_slice() {
            [x] => Ok(*x),
            _ => Err(Error::new(
                ErrorKind::Shape,
                "item",
                format!("needs exactly one element, the array has {}", v.len()),
            )
            .with_operands(self.aval().into_iter().collect())
            .at(location)),
        }
    }

    /// Wait until the computation producing this array has finished.
    pub fn block_until_ready(&self) -> Result<&Array> {
        if let Value::Concrete(c) = self.value()? {
            crate::runtime::block_until_ready(c.as_ref())?;
        }
        Ok(self)
    }

    /// Raw little-endian bytes and abstract value of a concrete array.
    pub(crate) fn host_bytes(&self) -> Result<(Vec<u8>, AVal)> {
        let value = self.value()?;
        let known = rjax_ir::concrete_value(value);
        match known.as_ref().unwrap_or(value) {
            Value::Literal(l) => Ok((l.to_bytes(), l.aval())),
            Value::Concrete(c) => Ok((crate::runtime::host_bytes(c.as_ref())?, c.aval().clone())),
            Value::Tracer(t) => Err(Error::new(
                ErrorKind::Concretization,
                "to_vec",
                format!(
                    "the value of a traced {} is not known while tracing (inside jit or make_jaxpr); \
                     compute with array operations, or move this read outside the traced function",
                    t.aval
                ),
            )
            .with_operands(vec![t.aval.clone()])),
        }
    }
}

impl<T: Element> From<T> for Array {
    fn from(v: T) -> Array {
        Array::scalar(v)
    }
}
