//! The one error type of the tracing and lowering pipeline.

use crate::AVal;
use std::fmt;
use std::panic::Location;

/// What went wrong, coarsely; [`Error`] carries the details.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ErrorKind {
    /// Operand shapes do not fit the operation.
    Shape,
    /// Operand dtypes do not fit the operation.
    DType,
    /// An axis or dimension number is out of range or repeated.
    Axis,
    /// A parameter is invalid (permutation, slice bounds, sizes...).
    Param,
    /// A traced value was used where Rust needs a concrete one.
    Concretization,
    /// A traced value escaped the transformation that made it.
    LeakedTracer,
    /// Input or output trees do not have the expected structure.
    Tree,
    /// Lowering to StableHLO failed.
    Lowering,
    /// No PJRT plugin could be loaded.
    Plugin,
    /// The PJRT plugin or XLA reported an error (compile, transfer, execute).
    Runtime,
    /// A file could not be read or written, or is not in the expected
    /// format (checkpoints, array files).
    Io,
}

/// A typed error naming the operation, its operands and the caller's location.
#[derive(Clone, Debug, PartialEq)]
pub struct Error {
    pub kind: ErrorKind,
    /// The operation: a primitive name (`add`), or an API (`jit`, `reshape`).
    pub op: String,
    pub message: String,
    /// Abstract values of the operands involved.
    pub operands: Vec<AVal>,
    /// Where the user called the operation.
    pub location: Option<&'static Location<'static>>,
}

impl Error {
    /// A new error without operands or location.
    pub fn new(kind: ErrorKind, op: impl Into<String>, message: impl Into<String>) -> Error {
        Error {
            kind,
            op: op.into(),
            message: message.into(),
            operands: Vec::new(),
            location: None,
        }
    }
    /// A collective naming an axis that no enclosing transformation maps.
    pub fn unbound_axis(op: &str, axis_name: &str) -> Error {
        Error::new(
            ErrorKind::Axis,
            op,
            format!("axis name `{axis_name}` is not bound by an enclosing vmap"),
        )
    }

    /// Attach operand abstract values.
    pub fn with_operands(mut self, operands: Vec<AVal>) -> Error {
        self.operands = operands;
        self
    }
    /// Attach the caller's location unless one is already there.
    pub fn at(mut self, location: &'static Location<'static>) -> Error {
        self.location.get_or_insert(location);
        self
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.op, self.message)?;
        if !self.operands.is_empty() {
            f.write_str(" (operands: ")?;
            for (i, a) in self.operands.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{a}")?;
            }
            f.write_str(")")?;
        }
        if let Some(loc) = self.location {
            write!(f, " at {loc}")?;
        }
        Ok(())
    }
}

impl std::error::Error for Error {}

/// Result with the pipeline's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
