//! The Cauchy distribution (`jax.scipy.stats.cauchy`).

use super::standardize;
use crate::numpy as jnp;
use crate::{Array, Operand};
use std::f64::consts::PI;

/// `-log(π scale (1 + z²))`.
#[track_caller]
pub fn logpdf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    let (z, log_scale) = standardize(x, loc, scale);
    &(&-&jnp::log1p(&(&z * &z)) - PI.ln()) - &log_scale
}

/// The density.
#[track_caller]
pub fn pdf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    jnp::exp(&logpdf(x, loc, scale))
}

/// `P(X ≤ x) = ½ + atan(z) / π`.
#[track_caller]
pub fn cdf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    let (z, _) = standardize(x, loc, scale);
    &(&jnp::arctan2(&z, 1.0) / PI) + 0.5
}

/// `log P(X ≤ x)`.
#[track_caller]
pub fn logcdf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    jnp::log(&cdf(x, loc, scale))
}

/// `P(X > x) = ½ - atan(z) / π`.
#[track_caller]
pub fn sf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    let (z, _) = standardize(x, loc, scale);
    &(&jnp::arctan2(&-&z, 1.0) / PI) + 0.5
}

/// `log P(X > x)`.
#[track_caller]
pub fn logsf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    jnp::log(&sf(x, loc, scale))
}

/// The quantile function, `loc + scale · tan(π (q - ½))`.
#[track_caller]
pub fn ppf(q: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    let (q, _) = standardize(q, 0.0, 1.0);
    let z = jnp::tan(&(&(&q - 0.5) * PI));
    jnp::add(&jnp::multiply(&z, scale), loc)
}
