//! The Poisson distribution with rate `mu` (`jax.scipy.stats.poisson`).

use super::within;
use crate::numpy::{self as jnp, to_float};
use crate::scipy::special::{gammaincc, gammaln, xlogy};
use crate::{Array, Operand};

/// `k log mu - log k! - mu` for integers `k ≥ loc`, `-inf` elsewhere.
#[track_caller]
pub fn logpmf(k: impl Into<Operand>, mu: impl Into<Operand>, loc: impl Into<Operand>) -> Array {
    let (k, mu) = (shifted(k, loc), to_float(&mu.into().0));
    let log_probs = &(&xlogy(&k, &mu) - &gammaln(&(&k + 1.0))) - &mu;
    let integer = jnp::logical_and(k.ge(0.0), k.eq(&jnp::round(&k)));
    within(&integer, &log_probs, f64::NEG_INFINITY)
}

/// The probability mass.
#[track_caller]
pub fn pmf(k: impl Into<Operand>, mu: impl Into<Operand>, loc: impl Into<Operand>) -> Array {
    jnp::exp(&logpmf(k, mu, loc))
}

/// `P(K ≤ k) = Q(⌊k⌋ + 1, mu)`, 0 below `loc`.
#[track_caller]
pub fn cdf(k: impl Into<Operand>, mu: impl Into<Operand>, loc: impl Into<Operand>) -> Array {
    let k = shifted(k, loc);
    let p = gammaincc(&(&jnp::floor(&k) + 1.0), mu);
    within(&k.ge(0.0), &p, 0.0)
}

/// `k - loc` as a float.
#[track_caller]
fn shifted(k: impl Into<Operand>, loc: impl Into<Operand>) -> Array {
    to_float(&jnp::subtract(k, loc))
}
