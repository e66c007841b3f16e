//! `jax.scipy.signal`: N-dimensional convolution and correlation, as one
//! `conv_general_dilated` with a batch and a feature of one.

use crate::lax::{self, ConvOptions, Padding};
use crate::numpy::{self as jnp, fallible, to_float};
use crate::{Array, Error, ErrorKind, Result, location};

/// Which part of the full convolution to return (SciPy's `mode`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Every point where the inputs overlap: size `n + k - 1`.
    #[default]
    Full,
    /// The centre of the full result, `in1`'s size.
    Same,
    /// Only points where `in2` lies inside `in1`: size `n - k + 1`.
    Valid,
}

/// The convolution of `in1` with `in2` (same rank), flipping `in2`.
///
/// ```
/// use rjax::{Array, scipy::signal::{self, Mode}};
/// let x = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
/// let k = Array::from_slice(&[0.0f32, 1.0, 0.5], &[3]);
/// assert_eq!(signal::convolve(&x, &k, Mode::Full).to_vec::<f32>().unwrap(), vec![0.0, 1.0, 2.5, 4.0, 1.5]);
/// assert_eq!(signal::convolve(&x, &k, Mode::Same).to_vec::<f32>().unwrap(), vec![1.0, 2.5, 4.0]);
/// ```
#[track_caller]
pub fn convolve(in1: &Array, in2: &Array, mode: Mode) -> Array {
    fallible(|| {
        let rank = in2.ndim()?;
        let flipped = jnp::flip(in2, (0..rank as i64).collect::<Vec<_>>());
        correlate_checked("convolve", in1, &flipped, mode)
    })
}

/// The cross-correlation of `in1` with `in2` (same rank).
#[track_caller]
pub fn correlate(in1: &Array, in2: &Array, mode: Mode) -> Array {
    fallible(|| correlate_checked("correlate", in1, in2, mode))
}

/// [`convolve`] of two matrices.
#[track_caller]
pub fn convolve2d(in1: &Array, in2: &Array, mode: Mode) -> Array {
    fallible(|| {
        rank_two("convolve2d", in1, in2)?;
        Ok(convolve(in1, in2, mode))
    })
}

/// [`correlate`] of two matrices.
#[track_caller]
pub fn correlate2d(in1: &Array, in2: &Array, mode: Mode) -> Array {
    fallible(|| {
        rank_two("correlate2d", in1, in2)?;
        Ok(correlate(in1, in2, mode))
    })
}

#[track_caller]
fn rank_two(op: &str, in1: &Array, in2: &Array) -> Result<()> {
    if in1.ndim()? == 2 && in2.ndim()? == 2 {
        return Ok(());
    }
    Err(Error::new(ErrorKind::Shape, op, "needs two matrices")
        .with_operands(vec![in1.aval()?, in2.aval()?])
        .at(location::current()))
}

/// Slide `kernel` over `x` without flipping, cropped to `mode`.
#[track_caller]
fn correlate_checked(op: &str, x: &Array, kernel: &Array, mode: Mode) -> Result<Array> {
    let (xs, ks) = (x.shape()?, kernel.shape()?);
    if xs.len() != ks.len() || xs.is_empty() {
        return Err(Error::new(
            ErrorKind::Shape,
            op,
            "needs two arrays of the same rank, at least 1",
        )
        .with_operands(vec![x.aval()?, kernel.aval()?])
        .at(location::current()));
    }
    if mode == Mode::Valid && xs.iter().zip(&ks).any(|(n, k)| k > n) {
        return Err(Error::new(
            ErrorKind::Shape,
            op,
            "mode Valid needs in2 no larger than in1 along every axis",
        )
        .with_operands(vec![x.aval()?, kernel.aval()?])
        .at(location::current()));
    }
    let (x, kernel) = promote(x, kernel)?;
    let padding = ks
        .iter()
        .map(|&k| {
            let k = k as i64;
            // SciPy centres `same` on the full result, from (k - 1) / 2.
            let start = (k - 1) / 2;
            match mode {
                Mode::Full => (k - 1, k - 1),
                Mode::Same => (k - 1 - start, start),
                Mode::Valid => (0, 0),
            }
        })
        .collect();
    let lift = |a: &Array, s: &[usize]| {
        a.reshape(
            &[
                &[1, 1][..],
                &s.iter().map(|&d| d as i64).collect::<Vec<_>>(),
            ]
            .concat(),
        )
    };
    let options = ConvOptions {
        padding: Padding::Explicit(padding),
        ..ConvOptions::default()
    };
    let out = lax::conv_general_dilated(&lift(&x, &xs), &lift(&kernel, &ks), &options);
    let out_shape = out.shape()?;
    Ok(out.reshape(&out_shape[2..].iter().map(|&d| d as i64).collect::<Vec<_>>()))
}

/// Both operands as floats of their promoted dtype.
fn promote(x: &Array, y: &Array) -> Result<(Array, Array)> {
    let (a, b) = (x.aval()?, y.aval()?);
    let (dtype, _) = rjax_ir::promote_types((a.dtype, a.weak), (b.dtype, b.weak));
    let dtype = to_float(&jnp::zeros(&[], dtype)).dtype()?;
    Ok((x.astype(dtype), y.astype(dtype)))
}
