//! The Laplace distribution (`jax.scipy.stats.laplace`).

use super::standardize;
use crate::numpy as jnp;
use crate::{Array, Operand};

/// `-|x - loc| / scale - log(2 scale)`.
#[track_caller]
pub fn logpdf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    let (z, log_scale) = standardize(x, loc, scale);
    &(&-&jnp::abs(&z) - std::f64::consts::LN_2) - &log_scale
}

/// The density.
#[track_caller]
pub fn pdf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    jnp::exp(&logpdf(x, loc, scale))
}

/// `P(X ≤ x)`: `½ e^z` below `loc`, `1 - ½ e^-z` above.
#[track_caller]
pub fn cdf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    let (z, _) = standardize(x, loc, scale);
    let half_tail = &jnp::exp(&-&jnp::abs(&z)) * 0.5;
    jnp::where_(z.le(0.0), &half_tail, &(1.0 - &half_tail))
}
