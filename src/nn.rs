//! `jax.nn`: activations, normalizations and `one_hot`, with JAX's
//! formulas (so values and derivatives agree to rounding, including at
//! kinks: `relu'(0) = 0`), plus pooling over the spatial axes of
//! channels-last arrays. Parameter initializers are in [`initializers`].
//!
//! ```
//! use rjax::{nn, Array};
//! let x = Array::from_slice(&[-1.0f32, 0.0, 2.0], &[3]);
//! assert_eq!(nn::relu(&x).to_vec::<f32>().unwrap(), vec![0.0, 0.0, 2.0]);
//! let p = nn::softmax(&x, -1);
//! assert!((p.sum().item::<f32>().unwrap() - 1.0).abs() < 1e-6);
//! ```

mod attention;
pub mod initializers;

pub use attention::{AttentionOptions, dot_product_attention};

use crate::lax::{self, Padding, Window};
use crate::numpy::{self as jnp, Axes};
use crate::{Array, custom_jvp};
use rjax_ir::{DType, Result};

fn weak(v: f64) -> Array {
    Array::weak(v)
}

fn mask(cond: &Array, like: &Array) -> Array {
    Array::from_result(like.dtype().map(|dtype| jnp::cast(cond, dtype, false)))
}

/// `max(x, 0)`, with derivative 0 at 0.
#[track_caller]
pub fn relu(x: &Array) -> Array {
    let f = custom_jvp(
        |x: Array| jnp::maximum(&x, &weak(0.0)),
        |x: Array, t: Array| {
            let y = jnp::maximum(&x, &weak(0.0));
            (y, &t * &mask(&x.gt(0.0), &t))
        },
    );
    f.call(x.clone()).unwrap_or_else(Array::from_error)
}

/// `min(max(x, 0), 6)`, with derivative 1 strictly inside `(0, 6)`.
#[track_caller]
pub fn relu6(x: &Array) -> Array {
    let f = custom_jvp(
        |x: Array| jnp::minimum(&jnp::maximum(&x, &weak(0.0)), &weak(6.0)),
        |x: Array, t: Array| {
            let y = jnp::minimum(&jnp::maximum(&x, &weak(0.0)), &weak(6.0));
            let inside = lax::bitwise_and(&x.gt(0.0), &x.lt(6.0));
            (y, &t * &mask(&inside, &t))
        },
    );
    f.call(x.clone()).unwrap_or_else(Array::from_error)
}

/// The logistic function `1 / (1 + e^-x)`.
#[track_caller]
pub fn sigmoid(x: &Array) -> Array {
    lax::logistic(x)
}

/// `log(1 + e^x)`, computed as `logaddexp(x, 0)`.
#[track_caller]
pub fn softplus(x: &Array) -> Array {
    jnp::logaddexp(x, &weak(0.0))
}

/// `log(sigmoid(x))`.
#[track_caller]
pub fn log_sigmoid(x: &Array) -> Array {
    -softplus(&-x)
}

/// `x * sigmoid(x)` (also called swish).
#[track_caller]
pub fn silu(x: &Array) -> Array {
    x * &sigmoid(x)
}

/// The same as [`silu`].
#[track_caller]
pub fn swish(x: &Array) -> Array {
    silu(x)
}

/// The Gaussian error linear unit: with `approximate`, the tanh form
/// `x/2 (1 + tanh(√(2/π) (x + 0.044715 x³)))`, else `x/2 (1 + erf(x/√2))`.
#[track_caller]
pub fn gelu(x: &Array, approximate: bool) -> Array {
    if approximate {
        let c = (2.0 / std::f64::consts::PI).sqrt();
        let cube = &(x * x) * x;
        let cdf = (jnp::tanh(&((x + &(cube * 0.044715)) * c)) + 1.0) * 0.5;
        x * &cdf
    } else {
        (x * &(lax::erf(&(x / std::f64::consts::SQRT_2)) + 1.0)) / 2.0
    }
}

/// `x` for positive `x`, else `alpha (e^x - 1)`.
#[track_caller]
pub fn elu(x: &Array, alpha: f64) -> Array {
    let positive = x.gt(0.0);
    let safe = jnp::where_(&positive, &weak(0.0), x);
    jnp::where_(&positive, x, &(jnp::expm1(&safe) * alpha))
}

/// `max(0, x) + min(0, alpha (e^(x/alpha) - 1))`.
#[track_caller]
pub fn celu(x: &Array, alpha: f64) -> Array {
    jnp::maximum(x, &weak(0.0)) + jnp::minimum(&(jnp::expm1(&(x / alpha)) * alpha), &weak(0.0))
}

/// The scaled exponential linear unit.
#[track_caller]
pub fn selu(x: &Array) -> Array {
    let alpha = 1.673_263_242_354_377_3;
    let scale = 1.050_700_987_355_480_5;
    elu(x, alpha) * scale
}

/// `x` for `x >= 0`, else `negative_slope * x`.
#[track_caller]
pub fn leaky_relu(x: &Array, negative_slope: f64) -> Array {
    jnp::where_(&jnp::greater_equal(x, &weak(0.0)), x, &(x * negative_slope))
}

/// `x` clipped to `[-1, 1]`.
#[track_caller]
pub fn hard_tanh(x: &Array) -> Array {
    let upper = jnp::where_(&x.gt(1.0), &weak(1.0), x);
    jnp::where_(&x.lt(-1.0), &weak(-1.0), &upper)
}

/// `relu6(x + 3) / 6`.
#[track_caller]
pub fn hard_sigmoid(x: &Array) -> Array {
    relu6(&(x + 3.0)) / 6.0
}

/// `x * hard_sigmoid(x)`.
#[track_caller]
pub fn hard_silu(x: &Array) -> Array {
    x * &hard_sigmoid(x)
}

/// `x * hard_sigmoid(x)` (JAX's other name for [`hard_silu`]).
#[track_caller]
pub fn hard_swish(x: &Array) -> Array {
    hard_silu(x)
}

/// The identity function, as an activation.
pub fn identity(x: &Array) -> Array {
    x.clone()
}

/// The hyperbolic tangent, as an activation.
#[track_caller]
pub fn tanh(x: &Array) -> Array {
    jnp::tanh(x)
}

/// `x / (|x| + 1)`.
#[track_caller]
pub fn soft_sign(x: &Array) -> Array {
    x / &(jnp::abs(x) + 1.0)
}

/// `x * tanh(softplus(x))`.
#[track_caller]
pub fn mish(x: &Array) -> Array {
    x * &jnp::tanh(&softplus(x))
}

/// `(x + sqrt(x² + b)) / 2`, a smooth relu (JAX's default `b` is 4).
#[track_caller]
pub fn squareplus(x: &Array, b: f64) -> Array {
    (x + &jnp::sqrt(&(x * x + b))) / 2.0
}

/// 0 below -1, `x` above 1, and `(x + 1)² / 4` between.
#[track_caller]
pub fn sparse_plus(x: &Array) -> Array {
    let between = (x + 1.0) * (x + 1.0) / 4.0;
    jnp::where_(x.le(-1.0), 0.0, jnp::where_(x.ge(1.0), x, &between))
}

/// `clip(x + 1, 0, 2) / 2`, the derivative of [`sparse_plus`].
#[track_caller]
pub fn sparse_sigmoid(x: &Array) -> Array {
    let y = x + 1.0;
    let clipped = jnp::clip(
        &y,
        Some(&jnp::zeros_like(&y, None)),
        Some(&(jnp::zeros_like(&y, None) + 2.0)),
    );
    clipped * 0.5
}

/// `log(1 - e^(-x))` for `x > 0`, by the formula that is accurate on each
/// side of `log 2`.
#[track_caller]
pub fn log1mexp(x: &Array) -> Array {
    let c = std::f64::consts::LN_2;
    let small = jnp::log(&-jnp::expm1(&-x));
    let large = jnp::log1p(&-jnp::exp(&-x));
    jnp::where_(x.lt(c), &small, &large)
}

/// `log mean e^x` over `axis`: [`logsumexp`] less the log of the count.
#[track_caller]
pub fn logmeanexp(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    let axis = axis.into();
    let lse = logsumexp(x, axis.clone(), keepdims);
    jnp::fallible(|| {
        let shape = x.shape()?;
        let axes = jnp::normalize_axes("logmeanexp", &axis, shape.len())?;
        let n: usize = axes.iter().map(|&a| shape[a]).product();
        Ok(&lse - (n as f64).ln())
    })
}

/// The gated linear unit: the first half of `axis` times the sigmoid of
/// the second.
#[track_caller]
pub fn glu(x: &Array, axis: i64) -> Array {
    let parts = jnp::split(x, 2, axis);
    &parts[0] * &sigmoid(&parts[1])
}

/// `log Σ e^x` over `axis`, shifted by the maximum for stability.
#[track_caller]
pub fn logsumexp(x: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    let axis = axis.into();
    let max = jnp::max_or_lowest(x, axis.clone(), true);
    let finite_max = lax::stop_gradient(&jnp::where_(&jnp::isfinite(&max), &max, &weak(0.0)));
    let total = jnp::sum(&jnp::exp(&(x - &finite_max)), axis.clone(), true);
    let out = jnp::log(&total) + &finite_max;
    if keepdims {
        out
    } else {
        jnp::squeeze(&out, axis)
    }
}

/// `e^x / Σ e^x` along `axis`.
#[track_caller]
pub fn softmax(x: &Array, axis: impl Into<Axes>) -> Array {
    let axis = axis.into();
    let shifted = x - &lax::stop_gradient(&jnp::max_or_lowest(x, axis.clone(), true));
    let unnormalized = jnp::exp(&shifted);
    &unnormalized / &jnp::sum(&unnormalized, axis, true)
}

/// `x - logsumexp(x)` along `axis`.
#[track_caller]
pub fn log_softmax(x: &Array, axis: impl Into<Axes>) -> Array {
    let axis = axis.into();
    let shifted = x - &lax::stop_gradient(&jnp::max_or_lowest(x, axis.clone(), true));
    let total = jnp::log(&jnp::sum(&jnp::exp(&shifted), axis, true));
    shifted - total
}

/// `(x - mean) / sqrt(var + epsilon)` along `axis`.
#[track_caller]
pub fn standardize(x: &Array, axis: impl Into<Axes>, epsilon: f64) -> Array {
    let axis = axis.into();
    let mean = jnp::mean(x, axis.clone(), true);
    let variance = jnp::mean(&(x * x), axis, true) - &mean * &mean;
    (x - &mean) * lax::rsqrt(&(variance + epsilon))
}

/// One-hot encoding of integer labels along a new last axis of
/// `num_classes` (out-of-range labels give all zeros).
#[track_caller]
pub fn one_hot(labels: &Array, num_classes: usize, dtype: DType) -> Array {
    let expanded = jnp::expand_dims(labels, -1);
    let classes = jnp::arange(num_classes);
    jnp::cast(&jnp::equal(&expanded, &classes), dtype, false)
}

/// The spatial window of pooling over the axes between the first (batch)
/// and the last (features) of a channels-last array.
fn spatial_window(
    x: &Array,
    window: &[usize],
    strides: &[usize],
    padding: Padding,
) -> Result<Window> {
    let rank = x.ndim()?;
    let full = |v: &[usize]| -> Vec<usize> {
        std::iter::once(1)
            .chain(v.iter().copied())
            .chain(std::iter::once(1))
            .take(rank)
            .collect()
    };
    let padding = match padding {
        Padding::Explicit(p) => Padding::Explicit([&[(0, 0)][..], &p, &[(0, 0)]].concat()),
        other => other,
    };
    Ok(Window::new(&full(window), &full(strides), padding))
}

/// Max pooling of a channels-last array (`N, spatial..., C`).
#[track_caller]
pub fn max_pool(x: &Array, window: &[usize], strides: &[usize], padding: Padding) -> Array {
    jnp::fallible(|| {
        let init = jnp::full_like(&Array::scalar(0.0f32), f64::NEG_INFINITY, Some(x.dtype()?));
        let w = spatial_window(x, window, strides, padding)?;
        Ok(lax::reduce_window(x, &init, lax::max, &w))
    })
}

/// Average pooling of a channels-last array (`N, spatial..., C`); padded
/// positions count as zeros, as in JAX's `stax.AvgPool` with `Valid`.
#[track_caller]
pub fn avg_pool(x: &Array, window: &[usize], strides: &[usize], padding: Padding) -> Array {
    jnp::fallible(|| {
        let init = jnp::zeros(&[], x.dtype()?);
        let w = spatial_window(x, window, strides, padding)?;
        let count: f64 = window.iter().map(|&d| d as f64).product();
        Ok(lax::reduce_window(x, &init, lax::add, &w) / count)
    })
}
