//! The Dirichlet distribution (`jax.scipy.stats.dirichlet`): points `x`
//! of shape `[K, ...]` on the simplex (axis 0), concentrations `alpha` of
//! shape `[K]`.

use crate::numpy::{self as jnp, fallible, to_float};
use crate::scipy::special::{gammaln, xlogy};
use crate::{Array, Error, ErrorKind, location};

/// `Σ (alpha_k - 1) log x_k - log B(alpha)` over axis 0 where `x` lies on
/// the simplex (positive, summing to 1 within 1e-6), `-inf` elsewhere.
///
/// ```
/// use rjax::{Array, scipy::stats::dirichlet};
/// let x = Array::from_slice(&[0.25f32, 0.75], &[2]);
/// let alpha = Array::from_slice(&[1.0f32, 1.0], &[2]);
/// // The uniform Dirichlet has density 1 on the simplex.
/// assert!(dirichlet::logpdf(&x, &alpha).item::<f32>().unwrap().abs() < 1e-6);
/// ```
#[track_caller]
pub fn logpdf(x: &Array, alpha: &Array) -> Array {
    fallible(|| {
        let (x, alpha) = (to_float(x), to_float(alpha));
        let (xs, k) = (x.shape()?, alpha.shape()?);
        if k.len() != 1 || xs.first() != k.first() {
            return Err(Error::new(
                ErrorKind::Shape,
                "dirichlet.logpdf",
                "x must be [K, ...] for alpha of shape [K]",
            )
            .with_operands(vec![x.aval()?, alpha.aval()?])
            .at(location::current()));
        }
        let mut column = vec![k[0] as i64];
        column.extend(std::iter::repeat_n(1, xs.len() - 1));
        let a = alpha.reshape(&column);
        let normalizer = &gammaln(&alpha).sum() - &gammaln(&alpha.sum());
        let log_probs = &jnp::sum(&xlogy(&(&a - 1.0), &x), 0, false) - &normalizer;
        let total = jnp::sum(&x, 0, false);
        let on_simplex = jnp::logical_and(
            &jnp::all(&x.gt(0.0), 0, false),
            jnp::abs(&(&total - 1.0)).lt(1e-6),
        );
        Ok(jnp::where_(&on_simplex, &log_probs, f64::NEG_INFINITY))
    })
}

/// The density.
#[track_caller]
pub fn pdf(x: &Array, alpha: &Array) -> Array {
    jnp::exp(&logpdf(x, alpha))
}
