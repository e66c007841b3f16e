//! The multivariate normal distribution
//! (`jax.scipy.stats.multivariate_normal`): points `x` of shape `[..., n]`,
//! `mean` of shape `[n]`, covariance `cov` of shape `[n, n]`.

use crate::lax::linalg::{self, SolveOptions};
use crate::numpy::{self as jnp, fallible, to_float};
use crate::{Array, Error, ErrorKind, location};
use std::f64::consts::PI;

/// `-½ (x-μ)ᵀ Σ⁻¹ (x-μ) - ½ log det(2π Σ)`, through the Cholesky factor
/// of `cov`.
///
/// ```
/// use rjax::{Array, scipy::stats::multivariate_normal};
/// let x = Array::from_slice(&[0.0f64, 0.0], &[2]);
/// let mean = Array::from_slice(&[0.0f64, 0.0], &[2]);
/// let cov = Array::from_slice(&[1.0f64, 0.0, 0.0, 1.0], &[2, 2]);
/// let l = multivariate_normal::logpdf(&x, &mean, &cov).item::<f64>().unwrap();
/// assert!((l + (2.0 * std::f64::consts::PI).ln()).abs() < 1e-12);
/// ```
#[track_caller]
pub fn logpdf(x: &Array, mean: &Array, cov: &Array) -> Array {
    fallible(|| {
        let (x, mean, cov) = (to_float(x), to_float(mean), to_float(cov));
        let (xs, ms, cs) = (x.shape()?, mean.shape()?, cov.shape()?);
        let n = ms.first().copied().unwrap_or(0);
        if ms.len() != 1 || cs != [n, n] || xs.last() != Some(&n) {
            return Err(Error::new(
                ErrorKind::Shape,
                "multivariate_normal.logpdf",
                "x must be [..., n], mean [n] and cov [n, n]",
            )
            .with_operands(vec![x.aval()?, mean.aval()?, cov.aval()?])
            .at(location::current()));
        }
        let factor = linalg::cholesky(&cov);
        let points = (&x - &mean).reshape(&[-1, n as i64]);
        let lower = SolveOptions {
            left_side: true,
            lower: true,
            ..SolveOptions::default()
        };
        let white = linalg::triangular_solve(&factor, &jnp::transpose(&points, None), lower);
        let distance = jnp::sum(&(&white * &white), 0, false);
        let log_det = jnp::sum(&jnp::log(&jnp::diagonal(&factor, 0, 0, 1)), (), false);
        let log_probs = &(&distance * -0.5) - &(&log_det + 0.5 * n as f64 * (2.0 * PI).ln());
        let batch: Vec<i64> = xs[..xs.len() - 1].iter().map(|&d| d as i64).collect();
        Ok(log_probs.reshape(&batch))
    })
}

/// The density.
#[track_caller]
pub fn pdf(x: &Array, mean: &Array, cov: &Array) -> Array {
    jnp::exp(&logpdf(x, mean, cov))
}
