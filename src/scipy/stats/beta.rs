//! The beta distribution with shapes `a`, `b` on `[loc, loc + scale]`
//! (`jax.scipy.stats.beta`).

use super::{standardize, within};
use crate::numpy as jnp;
use crate::scipy::special::{betainc, betaln, xlog1py, xlogy};
use crate::{Array, Operand};

/// `(a - 1) log z + (b - 1) log(1 - z) - log B(a, b) - log(scale)` on
/// `0 ≤ z ≤ 1`, `-inf` outside.
#[track_caller]
pub fn logpdf(
    x: impl Into<Operand>,
    a: impl Into<Operand>,
    b: impl Into<Operand>,
    loc: impl Into<Operand>,
    scale: impl Into<Operand>,
) -> Array {
    let (z, log_scale) = standardize(x, loc, scale);
    let (a, b) = (a.into().0, b.into().0);
    let log_kernel = &xlogy(&(&a - 1.0), &z) + &xlog1py(&(&b - 1.0), &-&z);
    let density = &(&log_kernel - &betaln(&a, &b)) - &log_scale;
    within(
        &jnp::logical_and(z.ge(0.0), z.le(1.0)),
        &density,
        f64::NEG_INFINITY,
    )
}

/// The density.
#[track_caller]
pub fn pdf(
    x: impl Into<Operand>,
    a: impl Into<Operand>,
    b: impl Into<Operand>,
    loc: impl Into<Operand>,
    scale: impl Into<Operand>,
) -> Array {
    jnp::exp(&logpdf(x, a, b, loc, scale))
}

/// `P(X ≤ x)`, the regularized incomplete beta function.
#[track_caller]
pub fn cdf(
    x: impl Into<Operand>,
    a: impl Into<Operand>,
    b: impl Into<Operand>,
    loc: impl Into<Operand>,
    scale: impl Into<Operand>,
) -> Array {
    let (z, _) = standardize(x, loc, scale);
    betainc(a, b, &jnp::minimum(&jnp::maximum(&z, 0.0), 1.0))
}

/// `log P(X ≤ x)`.
#[track_caller]
pub fn logcdf(
    x: impl Into<Operand>,
    a: impl Into<Operand>,
    b: impl Into<Operand>,
    loc: impl Into<Operand>,
    scale: impl Into<Operand>,
) -> Array {
    jnp::log(&cdf(x, a, b, loc, scale))
}

/// `P(X > x) = I_{1-z}(b, a)`.
#[track_caller]
pub fn sf(
    x: impl Into<Operand>,
    a: impl Into<Operand>,
    b: impl Into<Operand>,
    loc: impl Into<Operand>,
    scale: impl Into<Operand>,
) -> Array {
    let (z, _) = standardize(x, loc, scale);
    betainc(b, a, &jnp::minimum(&jnp::maximum(&(1.0 - &z), 0.0), 1.0))
}

/// `log P(X > x)`.
#[track_caller]
pub fn logsf(
    x: impl Into<Operand>,
    a: impl Into<Operand>,
    b: impl Into<Operand>,
    loc: impl Into<Operand>,
    scale: impl Into<Operand>,
) -> Array {
    jnp::log(&sf(x, a, b, loc, scale))
}
