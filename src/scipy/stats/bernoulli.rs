//! The Bernoulli distribution with success probability `p`
//! (`jax.scipy.stats.bernoulli`).

use crate::numpy::{self as jnp, to_float};
use crate::scipy::special::{xlog1py, xlogy};
use crate::{Array, Operand};

/// `k log p + (1 - k) log(1 - p)` for `k - loc` in `[0, 1]` (so `log p`
/// at 1 and `log(1 - p)` at 0), `-inf` outside, as JAX computes it.
#[track_caller]
pub fn logpmf(k: impl Into<Operand>, p: impl Into<Operand>, loc: impl Into<Operand>) -> Array {
    let k = to_float(&jnp::subtract(k, loc));
    let p = to_float(&p.into().0);
    let log_probs = &xlogy(&k, &p) + &xlog1py(&(1.0 - &k), &-&p);
    let inside = jnp::logical_and(k.ge(0.0), k.le(1.0));
    jnp::where_(&inside, &log_probs, f64::NEG_INFINITY)
}

/// The probability mass.
#[track_caller]
pub fn pmf(k: impl Into<Operand>, p: impl Into<Operand>, loc: impl Into<Operand>) -> Array {
    jnp::exp(&logpmf(k, p, loc))
}

/// `P(K ≤ k)`: 0 below 0, `1 - p` up to 1, then 1.
#[track_caller]
pub fn cdf(k: impl Into<Operand>, p: impl Into<Operand>) -> Array {
    let k = to_float(&k.into().0);
    let p = to_float(&p.into().0);
    jnp::where_(k.lt(0.0), 0.0, &jnp::where_(k.lt(1.0), &(1.0 - &p), 1.0))
}

/// The quantile function: 0 for `q ≤ 1 - p`, 1 above, NaN outside `[0, 1]`.
#[track_caller]
pub fn ppf(q: impl Into<Operand>, p: impl Into<Operand>) -> Array {
    let q = to_float(&q.into().0);
    let p = to_float(&p.into().0);
    let k = jnp::where_(q.le(&(1.0 - &p)), 0.0, 1.0);
    let k = jnp::add(&jnp::zeros_like(&jnp::add(&q, &p), None), &k);
    jnp::where_(&jnp::logical_or(q.lt(0.0), q.gt(1.0)), f64::NAN, &k)
}
