//! `jnp.fft`: discrete Fourier transforms over chosen axes, with numpy's
//! lengths (`n`, `s`: crop or zero-pad the input), axes and normalizations,
//! all over the one `fft` primitive ([`crate::lax::fft`]).
//!
//! ```
//! use rjax::{numpy as jnp, Array};
//! use rjax::numpy::fft::Norm;
//! let x = Array::from_vec(vec![1.0f32, 2.0, 3.0, 4.0]);
//! let y = jnp::fft::fft(&x, None, -1, Norm::Backward);
//! assert_eq!(y.to_string(), "[10.+0.j -2.+2.j -2.+0.j -2.-2.j]");
//! let back = jnp::fft::ifft(&y, None, -1, Norm::Backward);
//! assert_eq!(jnp::real(&back).to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0, 4.0]);
//! ```

use super::{Axes, cast, fallible, normalize_axes, roll};
use crate::{Array, lax};
use rjax_ir::primitive::FftType;
use rjax_ir::{DType, Error, ErrorKind, Result};

/// Which direction of a transform pair is scaled, numpy's `norm`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Norm {
    /// The inverse transform scales by `1/n` (numpy's default, `None`).
    #[default]
    Backward,
    /// Both scale by `1/sqrt(n)`.
    Ortho,
    /// The forward transform scales by `1/n`.
    Forward,
}

/// `x` as the operand of a transform of `fft_type`: complex for the
/// complex-input ones, real float for `RFFT` (which refuses complex).
fn operand(op: &str, x: &Array, fft_type: FftType) -> Result<Array> {
    let d = x.dtype()?;
    Ok(match fft_type {
        FftType::Rfft if d.is_complex() => {
            return Err(Error::new(
                ErrorKind::DType,
                op,
                "needs real input, got complex numbers",
            )
            .with_operands(vec![x.aval()?]));
        }
        FftType::Rfft if d == DType::F64 => x.clone(),
        FftType::Rfft => cast(x, DType::F32, false),
        FftType::Fft | FftType::Ifft | FftType::Irfft => {
            let c = if d.is_float() || d.is_complex() {
                d.complex_dtype().unwrap_or(DType::C64)
            } else {
                DType::C64
            };
            cast(x, c, false)
        }
    })
}

/// `x` cropped or zero-padded at the end of `axis` to `len`.
fn fit_length(x: &Array, axis: usize, len: usize) -> Result<Array> {
    let n = x.shape()?[axis];
    if n == len {
        return Ok(x.clone());
    }
    let mut config = vec![(0i64, 0i64, 0usize); x.ndim()?];
    config[axis].1 = len as i64 - n as i64;
    let zero = cast(&Array::scalar(0.0f32), x.dtype()?, false);
    Ok(lax::pad(x, &zero, &config))
}

/// The transform of `fft_type` over `axes` (all axes, or the last
/// `s.len()`, when `None`) with output lengths `s` (the input's, or
/// `2 (m - 1)` for the last axis of an inverse real transform).
fn transform(
    op: &str,
    fft_type: FftType,
    x: &Array,
    s: Option<&[usize]>,
    axes: Option<&[i64]>,
    norm: Norm,
) -> Result<Array> {
    let x = operand(op, x, fft_type)?;
    let rank = x.ndim()?;
    let axes = match (axes, s) {
        (Some(a), _) => normalize_axes(op, &Axes::Some(a.to_vec()), rank)?,
        (None, Some(s)) if s.len() <= rank => (rank - s.len()..rank).collect(),
        (None, _) => (0..rank).collect(),
    };
    let bad = |message: String| Err(Error::new(ErrorKind::Param, op, message));
    if (1..axes.len()).any(|i| axes[..i].contains(&axes[i])) {
        return bad(format!("axes {axes:?} repeat an axis"));
    }
    if axes.is_empty() || axes.len() > 3 {
        return bad(format!(
            "transforms 1 to 3 axes, not {} (XLA's limit)",
            axes.len()
        ));
    }
    let shape = x.shape()?;
    let last = axes.len() - 1;
    let lengths: Vec<usize> = match s {
        Some(s) if s.len() != axes.len() => {
            return bad(format!("s {s:?} and axes {axes:?} differ in length"));
        }
        Some(s) => s.to_vec(),
        None => axes
            .iter()
            .enumerate()
            .map(|(i, &a)| match fft_type {
                FftType::Irfft if i == last => 2 * shape[a].saturating_sub(1),
                _ => shape[a],
            })
            .collect(),
    };
    if lengths.contains(&0) {
        return bad(format!("lengths {lengths:?} must be positive"));
    }
    // Crop or pad each axis to the length the transform reads.
    let mut fitted = x;
    for (i, (&a, &n)) in axes.iter().zip(&lengths).enumerate() {
        let read = match fft_type {
            FftType::Irfft if i == last => n / 2 + 1,
            _ => n,
        };
        fitted = fit_length(&fitted, a, read)?;
    }
    // Move the axes to the end, transform, and move them back.
    let mut perm: Vec<usize> = (0..rank).filter(|a| !axes.contains(a)).collect();
    perm.extend(&axes);
    let mut inverse = vec![0; rank];
    for (i, &p) in perm.iter().enumerate() {
        inverse[p] = i;
    }
    let y = lax::fft(&lax::transpose(&fitted, &perm), fft_type, &lengths);
    let y = lax::transpose(&y, &inverse);
    let n = lengths.iter().product::<usize>() as f64;
    let inverse_kind = matches!(fft_type, FftType::Ifft | FftType::Irfft);
    let scale = match (norm, inverse_kind) {
        (Norm::Backward, _) => return Ok(y),
        (Norm::Ortho, false) => 1.0 / n.sqrt(),
        (Norm::Ortho, true) => n.sqrt(),
        (Norm::Forward, false) => 1.0 / n,
        (Norm::Forward, true) => n,
    };
    Ok(y * scale)
}

macro_rules! one_axis {
    ($($(#[$doc:meta])* $name:ident => $kind:ident;)*) => {$(
        $(#[$doc])*
        ///
        /// `n` crops or zero-pads the input along `axis` (for `irfft`, the
        /// output length, `2 (m - 1)` by default).
        #[track_caller]
        pub fn $name(a: &Array, n: Option<usize>, axis: i64, norm: Norm) -> Array {
            fallible(|| {
                let s = n.map(|n| vec![n]);
                transform(stringify!($name), FftType::$kind, a, s.as_deref(), Some(&[axis]), norm)
            })
        }
    )*};
}

macro_rules! many_axes {
    ($($(#[$doc:meta])* $name:ident => $kind:ident, $default_axes:expr;)*) => {$(
        $(#[$doc])*
        ///
        /// `s` gives the lengths along `axes` (see the one-axis functions).
        #[track_caller]
        pub fn $name(a: &Array, s: Option<&[usize]>, axes: Option<&[i64]>, norm: Norm) -> Array {
            let default_axes: Option<&[i64]> = $default_axes;
            fallible(|| transform(stringify!($name), FftType::$kind, a, s, axes.or(default_axes), norm))
        }
    )*};
}

one_axis! {
    /// The discrete Fourier transform along `axis`.
    fft => Fft;
    /// The inverse of [`fft`].
    ifft => Ifft;
    /// The transform of real input along `axis`: its `n/2 + 1`
    /// non-negative frequencies.
    rfft => Rfft;
    /// The inverse of [`rfft`]: real output.
    irfft => Irfft;
}

many_axes! {
    /// The transform over `axes` (default: the last two).
    fft2 => Fft, Some(&[-2, -1]);
    /// The inverse of [`fft2`].
    ifft2 => Ifft, Some(&[-2, -1]);
    /// [`rfft`] over `axes` (default: the last two).
    rfft2 => Rfft, Some(&[-2, -1]);
    /// The inverse of [`rfft2`].
    irfft2 => Irfft, Some(&[-2, -1]);
    /// The transform over `axes` (default: all, or the last `s.len()`).
    fftn => Fft, None;
    /// The inverse of [`fftn`].
    ifftn => Ifft, None;
    /// [`rfft`] over `axes`: real over the last one, complex over the others.
    rfftn => Rfft, None;
    /// The inverse of [`rfftn`].
    irfftn => Irfft, None;
}

impl Norm {
    /// The normalization of the other direction (`Backward` and `Forward`
    /// swap, `Ortho` stays): the Hermitian transforms run the real ones
    /// the other way round.
    fn swapped(self) -> Norm {
        match self {
            Norm::Backward => Norm::Forward,
            Norm::Ortho => Norm::Ortho,
            Norm::Forward => Norm::Backward,
        }
    }
}

/// The transform of a signal with Hermitian symmetry, given by its
/// `m` non-negative frequencies along `axis`: real output of length `n`
/// (`2 (m - 1)` by default). numpy's `hfft`, `irfft(conj(a))` scaled the
/// forward way.
///
/// ```
/// use rjax::{numpy as jnp, Array, Complex};
/// use rjax::numpy::fft::Norm;
/// let a = Array::from_vec(vec![Complex::new(1.0f32, 0.0), Complex::new(2.0, 0.0), Complex::new(3.0, 0.0)]);
/// let y = jnp::fft::hfft(&a, None, -1, Norm::Backward);
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![8.0, -2.0, 0.0, -2.0]);
/// ```
#[track_caller]
pub fn hfft(a: &Array, n: Option<usize>, axis: i64, norm: Norm) -> Array {
    fallible(|| {
        let s = n.map(|n| vec![n]);
        let conj = lax::conj(&operand("hfft", a, FftType::Irfft)?);
        transform(
            "hfft",
            FftType::Irfft,
            &conj,
            s.as_deref(),
            Some(&[axis]),
            norm.swapped(),
        )
    })
}

/// The inverse of [`hfft`]: the `n/2 + 1` non-negative frequencies of
/// real input, `conj(rfft(a))` scaled the inverse way.
#[track_caller]
pub fn ihfft(a: &Array, n: Option<usize>, axis: i64, norm: Norm) -> Array {
    fallible(|| {
        let s = n.map(|n| vec![n]);
        let y = transform(
            "ihfft",
            FftType::Rfft,
            a,
            s.as_deref(),
            Some(&[axis]),
            norm.swapped(),
        )?;
        Ok(lax::conj(&y))
    })
}

/// The sample frequencies of an `n`-point transform with sample spacing
/// `d`: `[0, 1, ..., n/2 - 1, -n/2, ..., -1] / (d n)` (f32).
///
/// ```
/// use rjax::numpy as jnp;
/// assert_eq!(jnp::fft::fftfreq(4, 1.0).to_vec::<f32>().unwrap(), vec![0.0, 0.25, -0.5, -0.25]);
/// ```
pub fn fftfreq(n: usize, d: f64) -> Array {
    let positive = n.div_ceil(2);
    let k = (0..n).map(|i| {
        if i < positive {
            i as f64
        } else {
            i as f64 - n as f64
        }
    });
    frequencies(k, n, d)
}

/// The non-negative sample frequencies of an `n`-point real transform:
/// `[0, 1, ..., n/2] / (d n)` (f32).
///
/// ```
/// use rjax::numpy as jnp;
/// assert_eq!(jnp::fft::rfftfreq(4, 1.0).to_vec::<f32>().unwrap(), vec![0.0, 0.25, 0.5]);
/// ```
pub fn rfftfreq(n: usize, d: f64) -> Array {
    frequencies((0..n / 2 + 1).map(|i| i as f64), n, d)
}

/// `k / (d n)`, computed in f64 and rounded once to f32.
fn frequencies(k: impl Iterator<Item = f64>, n: usize, d: f64) -> Array {
    let denominator = d * n as f64;
    Array::from_vec(k.map(|k| (k / denominator) as f32).collect())
}

/// Move the zero frequency to the center along `axes` (default: all).
///
/// ```
/// use rjax::numpy as jnp;
/// let f = jnp::fft::fftfreq(5, 1.0);
/// let shifted = jnp::fft::fftshift(&f, None);
/// assert_eq!(shifted.to_vec::<f32>().unwrap(), vec![-0.4, -0.2, 0.0, 0.2, 0.4]);
/// assert_eq!(jnp::fft::ifftshift(&shifted, None).to_vec::<f32>().unwrap(), f.to_vec::<f32>().unwrap());
/// ```
#[track_caller]
pub fn fftshift(x: &Array, axes: Option<&[i64]>) -> Array {
    shift(x, axes, 1)
}

/// The inverse of [`fftshift`].
#[track_caller]
pub fn ifftshift(x: &Array, axes: Option<&[i64]>) -> Array {
    shift(x, axes, -1)
}

/// Roll each of `axes` by half its length, in `direction`.
#[track_caller]
fn shift(x: &Array, axes: Option<&[i64]>, direction: i64) -> Array {
    fallible(|| {
        let rank = x.ndim()?;
        let axes = match axes {
            Some(a) => normalize_axes("fftshift", &Axes::Some(a.to_vec()), rank)?,
            None => (0..rank).collect(),
        };
        let shape = x.shape()?;
        let mut y = x.clone();
        for a in axes {
            y = roll(&y, direction * (shape[a] / 2) as i64, Some(a as i64));
        }
        Ok(y)
    })
}
