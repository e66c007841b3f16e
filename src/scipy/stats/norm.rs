//! The normal distribution (`jax.scipy.stats.norm`).

use super::standardize;
use crate::numpy as jnp;
use crate::scipy::special::{log_ndtr, ndtr, ndtri};
use crate::{Array, Operand};
use std::f64::consts::PI;

/// `log N(x; loc, scale²)`.
#[track_caller]
pub fn logpdf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    let (z, log_scale) = standardize(x, loc, scale);
    &(&(&(&z * &z) * -0.5) - 0.5 * (2.0 * PI).ln()) - &log_scale
}

/// `N(x; loc, scale²)`.
#[track_caller]
pub fn pdf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    jnp::exp(&logpdf(x, loc, scale))
}

/// `P(X ≤ x)`.
#[track_caller]
pub fn cdf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    ndtr(&standardize(x, loc, scale).0)
}

/// `log P(X ≤ x)`, accurate in the tails.
#[track_caller]
pub fn logcdf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    log_ndtr(&standardize(x, loc, scale).0)
}

/// `P(X > x)`.
#[track_caller]
pub fn sf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    ndtr(&-&standardize(x, loc, scale).0)
}

/// `log P(X > x)`.
#[track_caller]
pub fn logsf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    log_ndtr(&-&standardize(x, loc, scale).0)
}

/// The quantile function, the inverse of [`cdf`].
#[track_caller]
pub fn ppf(q: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    let (z, _) = standardize(q, 0.0, 1.0);
    jnp::add(&jnp::multiply(&ndtri(&z), scale), loc)
}
