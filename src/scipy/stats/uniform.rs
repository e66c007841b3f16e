//! The uniform distribution on `[loc, loc + scale]`
//! (`jax.scipy.stats.uniform`).

use super::{standardize, within};
use crate::numpy as jnp;
use crate::{Array, Operand};

/// `-log(scale)` inside the interval, `-inf` outside.
#[track_caller]
pub fn logpdf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    let (z, log_scale) = standardize(x, loc, scale);
    within(
        &jnp::logical_and(z.ge(0.0), z.le(1.0)),
        &-&log_scale,
        f64::NEG_INFINITY,
    )
}

/// `1 / scale` inside the interval, 0 outside.
#[track_caller]
pub fn pdf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    jnp::exp(&logpdf(x, loc, scale))
}

/// `P(X ≤ x)`: `(x - loc) / scale` clipped to `[0, 1]`.
#[track_caller]
pub fn cdf(x: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    let (z, _) = standardize(x, loc, scale);
    jnp::minimum(&jnp::maximum(&z, 0.0), 1.0)
}

/// The quantile function: `loc + q · scale` for `q` in `[0, 1]`, NaN
/// outside.
#[track_caller]
pub fn ppf(q: impl Into<Operand>, loc: impl Into<Operand>, scale: impl Into<Operand>) -> Array {
    let (q, _) = standardize(q, 0.0, 1.0);
    let x = jnp::add(&jnp::multiply(&q, scale), loc);
    within(&jnp::logical_and(q.ge(0.0), q.le(1.0)), &x, f64::NAN)
}
