//! numpy's window functions (`hanning`, `hamming`, `blackman`,
//! `bartlett`, `kaiser`): tapers of length `m`, in f32 as JAX returns them.

use super::{arange, cos, where_};
use crate::scipy::special::i0;
use crate::{Array, DType};
use std::f64::consts::PI;

/// `n / (m - 1)` for `n = 0..m` (all zeros for `m ≤ 1`), in f32.
fn ramp(m: usize) -> Array {
    let n = arange(m).astype(DType::F32);
    &n / (m.saturating_sub(1).max(1) as f64)
}

/// `Σ_k c_k cos(2πk n / (m - 1))`, and `[1.0]` for `m = 1`.
fn cosine_sum(m: usize, coefficients: &[f64]) -> Array {
    let r = ramp(m);
    let window = coefficients
        .iter()
        .enumerate()
        .fold(&r * 0.0, |acc, (k, c)| {
            &acc + &(&cos(&(&r * (2.0 * PI * k as f64))) * *c)
        });
    if m == 1 { &r * 0.0 + 1.0 } else { window }
}

/// The Hann window, `0.5 - 0.5 cos(2πn / (m - 1))`.
///
/// ```
/// use rjax::numpy as jnp;
/// assert_eq!(jnp::hanning(3).to_vec::<f32>().unwrap(), vec![0.0, 1.0, 0.0]);
/// ```
pub fn hanning(m: usize) -> Array {
    cosine_sum(m, &[0.5, -0.5])
}

/// The Hamming window, `0.54 - 0.46 cos(2πn / (m - 1))`.
pub fn hamming(m: usize) -> Array {
    cosine_sum(m, &[0.54, -0.46])
}

/// The Blackman window, `0.42 - 0.5 cos(2πn / (m - 1)) + 0.08 cos(4πn /
/// (m - 1))`.
pub fn blackman(m: usize) -> Array {
    cosine_sum(m, &[0.42, -0.5, 0.08])
}

/// The triangular Bartlett window, rising from 0 to 1 and back.
pub fn bartlett(m: usize) -> Array {
    let r = ramp(m);
    let rising = &r * 2.0;
    let window = where_(r.le(0.5), &rising, &(2.0 - &rising));
    if m == 1 { &r * 0.0 + 1.0 } else { window }
}

/// The Kaiser window, `I₀(β √(1 - (2n/(m-1) - 1)²)) / I₀(β)`.
pub fn kaiser(m: usize, beta: f64) -> Array {
    let centred = &(&ramp(m) * 2.0) - 1.0;
    let radius = super::sqrt(&(1.0 - &(&centred * &centred)));
    let window = &i0(&(&radius * beta)) / &i0(&(&Array::scalar(1.0f32) * beta));
    if m == 1 { &centred * 0.0 + 1.0 } else { window }
}
