//! The gamma distribution with shape `a` (`jax.scipy.stats.gamma`).

use super::{standardize, within};
use crate::numpy as jnp;
use crate::scipy::special::{gammainc, gammaincc, gammaln, xlogy};
use crate::{Array, Operand};

/// `(a - 1) log z - z - log Γ(a) - log(scale)` for `z = (x - loc) / scale
/// ≥ 0`, `-inf` below.
#[track_caller]
pub fn logpdf(
    x: impl Into<Operand>,
    a: impl Into<Operand>,
    loc: impl Into<Operand>,
    scale: impl Into<Operand>,
) -> Array {
    let (z, log_scale) = standardize(x, loc, scale);
    let a = a.into().0;
    let density = &(&(&xlogy(&(&a - 1.0), &z) - &z) - &gammaln(&a)) - &log_scale;
    within(&z.ge(0.0), &density, f64::NEG_INFINITY)
}

/// The density.
#[track_caller]
pub fn pdf(
    x: impl Into<Operand>,
    a: impl Into<Operand>,
    loc: impl Into<Operand>,
    scale: impl Into<Operand>,
) -> Array {
    jnp::exp(&logpdf(x, a, loc, scale))
}

/// `P(X ≤ x)`, the regularized lower incomplete gamma function.
#[track_caller]
pub fn cdf(
    x: impl Into<Operand>,
    a: impl Into<Operand>,
    loc: impl Into<Operand>,
    scale: impl Into<Operand>,
) -> Array {
    let (z, _) = standardize(x, loc, scale);
    gammainc(a, &jnp::maximum(&z, 0.0))
}

/// `log P(X ≤ x)`.
#[track_caller]
pub fn logcdf(
    x: impl Into<Operand>,
    a: impl Into<Operand>,
    loc: impl Into<Operand>,
    scale: impl Into<Operand>,
) -> Array {
    jnp::log(&cdf(x, a, loc, scale))
}

/// `P(X > x)`, the regularized upper incomplete gamma function.
#[track_caller]
pub fn sf(
    x: impl Into<Operand>,
    a: impl Into<Operand>,
    loc: impl Into<Operand>,
    scale: impl Into<Operand>,
) -> Array {
    let (z, _) = standardize(x, loc, scale);
    gammaincc(a, &jnp::maximum(&z, 0.0))
}

/// `log P(X > x)`.
#[track_caller]
pub fn logsf(
    x: impl Into<Operand>,
    a: impl Into<Operand>,
    loc: impl Into<Operand>,
    scale: impl Into<Operand>,
) -> Array {
    jnp::log(&sf(x, a, loc, scale))
}
