//! `jax.scipy.stats`: log densities, densities and distribution functions
//! of the common distributions, one module each, named and parameterized as
//! in JAX (`loc` and `scale` are explicit: pass `0.0` and `1.0` for JAX's
//! defaults). Outside the support, log densities are `-inf`.
//!
//! ```
//! use rjax::{Array, scipy::stats::norm};
//! let x = Array::from_slice(&[0.0f32, 1.0], &[2]);
//! let p = norm::pdf(&x, 0.0, 1.0).to_vec::<f32>().unwrap();
//! assert!((p[0] - 0.3989423).abs() < 1e-6 && (p[1] - 0.24197073).abs() < 1e-6);
//! ```

pub mod bernoulli;
pub mod beta;
pub mod cauchy;
pub mod dirichlet;
pub mod gamma;
pub mod laplace;
pub mod multivariate_normal;
pub mod norm;
pub mod poisson;
pub mod t;
pub mod uniform;

use crate::numpy::{self as jnp, to_float};
use crate::{Array, Operand};

/// `(x - loc) / scale` and `log(scale)`, in `x`'s float dtype (promoted
/// with the parameters').
#[track_caller]
fn standardize(
    x: impl Into<Operand>,
    loc: impl Into<Operand>,
    scale: impl Into<Operand>,
) -> (Array, Array) {
    let (x, loc, scale) = (x.into().0, loc.into().0, scale.into().0);
    let scale = to_float(&scale);
    let z = jnp::divide(&jnp::subtract(&to_float(&x), &loc), &scale);
    let log_scale = jnp::add(&jnp::zeros_like(&z, None), &jnp::log(&scale));
    (z, log_scale)
}

/// `value` where `inside`, else `outside` (a Rust number).
#[track_caller]
fn within(inside: &Array, value: &Array, outside: f64) -> Array {
    jnp::where_(inside, value, outside)
}
