//! `.npy` files: `jnp.save` and `jnp.load` (the `npy` feature), through
//! the `npyz` crate. Every dtype numpy has: bool, signed and unsigned
//! integers, f16, f32, f64, in either byte order and C or Fortran order.
//! numpy has no bfloat16, so a bf16 array is a typed error (convert it
//! with `astype` first).
//!
//! ```
//! use rjax::{Array, numpy as jnp};
//! let path = std::env::temp_dir().join(format!("rjax-npy-doc-{}.npy", std::process::id()));
//! let x = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
//! jnp::save(&path, &x).unwrap();
//! let y = jnp::load(&path).unwrap();
//! assert_eq!(y.shape().unwrap(), [2, 3]);
//! assert_eq!(y.to_vec::<f32>().unwrap(), x.to_vec::<f32>().unwrap());
//! # std::fs::remove_file(&path).unwrap();
//! ```

use crate::{Array, Complex, Element};
use half::f16;
use npyz::{AutoSerialize, Deserialize, NpyFile, Order, WriterBuilder};
use rjax_ir::{DType, Error, ErrorKind, Result};
use std::io::{BufReader, BufWriter, Read, Write};
use std::panic::Location;
use std::path::Path;

pub(super) fn io_error(op: &str, path: &Path, e: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::Io, op, format!("{}: {e}", path.display()))
}

/// Write `x` to `path` as a `.npy` file (C order, little-endian).
#[track_caller]
pub fn save(path: impl AsRef<Path>, x: &Array) -> Result<()> {
    let location = Location::caller();
    let path = path.as_ref();
    let file = std::fs::File::create(path).map_err(|e| io_error("save", path, e));
    file.and_then(|f| write_npy(BufWriter::new(f), x, "save").map_err(|e| e.with_path(path)))
        .map_err(|e| e.at(location))
}

/// Read the array in the `.npy` file at `path`.
#[track_caller]
pub fn load(path: impl AsRef<Path>) -> Result<Array> {
    let location = Location::caller();
    let path = path.as_ref();
    let file = std::fs::File::open(path).map_err(|e| io_error("load", path, e));
    file.and_then(|f| read_npy(BufReader::new(f), "load").map_err(|e| e.with_path(path)))
        .map_err(|e| e.at(location))
}

pub(super) trait WithPath {
    fn with_path(self, path: &Path) -> Self;
}

impl WithPath for Error {
    fn with_path(mut self, path: &Path) -> Error {
        self.message = format!("{}: {}", path.display(), self.message);
        self
    }
}

/// `x` in `.npy` format; errors name `op`.
pub(super) fn write_npy(out: impl Write, x: &Array, op: &str) -> Result<()> {
    let aval = x.aval()?;
    match aval.dtype {
        DType::Bool => write_as::<bool>(out, x, op),
        DType::I8 => write_as::<i8>(out, x, op),
        DType::I16 => write_as::<i16>(out, x, op),
        DType::I32 => write_as::<i32>(out, x, op),
        DType::I64 => write_as::<i64>(out, x, op),
        DType::U8 => write_as::<u8>(out, x, op),
        DType::U16 => write_as::<u16>(out, x, op),
        DType::U32 => write_as::<u32>(out, x, op),
        DType::U64 => write_as::<u64>(out, x, op),
        DType::F16 => write_as::<f16>(out, x, op),
        DType::F32 => write_as::<f32>(out, x, op),
        DType::F64 => write_as::<f64>(out, x, op),
        DType::C64 => write_as::<Complex<f32>>(out, x, op),
        DType::C128 => write_as::<Complex<f64>>(out, x, op),
        DType::BF16 => Err(Error::new(
            ErrorKind::DType,
            op,
            "numpy has no bfloat16 dtype: convert with astype(DType::F32) first",
        )
        .with_operands(vec![aval])),
    }
}

fn write_as<T: Element + AutoSerialize>(out: impl Write, x: &Array, op: &str) -> Result<()> {
    let shape: Vec<u64> = x.shape()?.iter().map(|&d| d as u64).collect();
    let values = x.to_vec::<T>()?;
    let failed = |e: std::io::Error| Error::new(ErrorKind::Io, op, e.to_string());
    let mut writer = npyz::WriteOptions::new()
        .default_dtype()
        .shape(&shape)
        .writer(out)
        .begin_nd()
        .map_err(failed)?;
    writer.extend(values).map_err(failed)?;
    writer.finish().map_err(failed)
}

/// The array in `.npy` bytes; errors name `op`.
pub(super) fn read_npy(input: impl Read, op: &str) -> Result<Array> {
    let failed = |e: std::io::Error| Error::new(ErrorKind::Io, op, e.to_string());
    let file = NpyFile::new(input).map_err(failed)?;
    let type_str = match file.dtype() {
        npyz::DType::Plain(t) => t.to_string(),
        other => {
            let message = format!(
                "structured arrays are not supported (dtype {})",
                other.descr()
            );
            return Err(Error::new(ErrorKind::DType, op, message));
        }
    };
    let mut shape: Vec<usize> = file.shape().iter().map(|&d| d as usize).collect();
    let fortran = file.order() == Order::Fortran;
    if fortran {
        shape.reverse();
    }
    let x = match &type_str[1..] {
        "b1" => read_as::<bool, _>(file, &shape, op),
        "i1" => read_as::<i8, _>(file, &shape, op),
        "i2" => read_as::<i16, _>(file, &shape, op),
        "i4" => read_as::<i32, _>(file, &shape, op),
        "i8" => read_as::<i64, _>(file, &shape, op),
        "u1" => read_as::<u8, _>(file, &shape, op),
        "u2" => read_as::<u16, _>(file, &shape, op),
        "u4" => read_as::<u32, _>(file, &shape, op),
        "u8" => read_as::<u64, _>(file, &shape, op),
        "f2" => read_as::<f16, _>(file, &shape, op),
        "f4" => read_as::<f32, _>(file, &shape, op),
        "f8" => read_as::<f64, _>(file, &shape, op),
        "c8" => read_as::<Complex<f32>, _>(file, &shape, op),
        "c16" => read_as::<Complex<f64>, _>(file, &shape, op),
        _ => Err(Error::new(
            ErrorKind::DType,
            op,
            format!("numpy dtype {type_str} has no rjax dtype"),
        )),
    }?;
    // A Fortran-order file holds the transpose in C order.
    Ok(if fortran {
        super::transpose(&x, None)
    } else {
        x
    })
}

fn read_as<T: Element + Deserialize, R: Read>(
    file: NpyFile<R>,
    shape: &[usize],
    op: &str,
) -> Result<Array> {
    let values = file
        .into_vec::<T>()
        .map_err(|e| Error::new(ErrorKind::Io, op, e.to_string()))?;
    let x = Array::from_slice(&values, shape);
    x.check().map(|()| x)
}
