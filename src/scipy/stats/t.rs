//! Student's t distribution with `df` degrees of freedom
//! (`jax.scipy.stats.t`).

use super::standardize;
use crate::numpy as jnp;
use crate::scipy::special::gammaln;
use crate::{Array, Operand};
use std::f64::consts::PI;

/// `log Γ((df+1)/2) - log Γ(df/2) - ½ log(df π) - (df+1)/2 · log(1 + z²/df)
/// - log(scale)`.
#[track_caller]
pub fn logpdf(
    x: impl Into<Operand>,
    df: impl Into<Operand>,
    loc: impl Into<Operand>,
    scale: impl Into<Operand>,
) -> Array {
    let (z, log_scale) = standardize(x, loc, scale);
    let df = df.into().0;
    let half = jnp::multiply(&df, 0.5);
    let normalizer =
        &(&gammaln(&(&half + 0.5)) - &gammaln(&half)) - &(&jnp::log(&jnp::multiply(&df, PI)) * 0.5);
    let kernel = &(&half + 0.5) * &jnp::log1p(&jnp::divide(&(&z * &z), &df));
    &(&normalizer - &kernel) - &log_scale
}

/// The density.
#[track_caller]
pub fn pdf(
    x: impl Into<Operand>,
    df: impl Into<Operand>,
    loc: impl Into<Operand>,
    scale: impl Into<Operand>,
) -> Array {
    jnp::exp(&logpdf(x, df, loc, scale))
}
