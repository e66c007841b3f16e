//! Continuous samplers that transform uniform, normal and exponential
//! draws: `cauchy`, `lognormal`, `pareto`, `rayleigh`, `weibull_min`,
//! `maxwell`, `double_sided_maxwell`, `wald` and `triangular`, each as
//! JAX 0.10 computes it (the same operations in the same order, so the
//! same bits).

use super::{
    KeyLike, Sampler, constant, draw, draw_params, draw_with, exponential_in, param, params_shape,
    rademacher_in, standard_normal, subkeys, uniform_in,
};
use crate::numpy::{self as jnp, to_float};
use crate::{Array, DType, lax, location};
use rjax_ir::{Error, ErrorKind, broadcast_shapes};

/// `cauchy`'s program: `tan(π (u - 1/2))`.
pub(super) fn cauchy_in(key: &Array, shape: &[usize], dtype: DType) -> Array {
    let eps = jnp::finfo(dtype).map_or(f64::EPSILON, |f| f.eps);
    let u = uniform_in(key, shape, dtype, eps, 1.0);
    let half = lax::sub(&u, &constant(0.5, dtype));
    lax::tan(&lax::mul(&constant(std::f64::consts::PI, dtype), &half))
}

/// `lognormal`'s program.
pub(super) fn lognormal_in(key: &Array, sigma: &Array, shape: &[usize], dtype: DType) -> Array {
    let z = standard_normal(key, shape, dtype);
    lax::exp(&lax::mul(&z, &param(sigma, dtype, shape)))
}

/// `pareto`'s program.
pub(super) fn pareto_in(key: &Array, b: &Array, shape: &[usize], dtype: DType) -> Array {
    let e = exponential_in(key, shape, dtype);
    lax::exp(&lax::div(&e, &param(b, dtype, shape)))
}

/// `rayleigh`'s program.
pub(super) fn rayleigh_in(key: &Array, scale: &Array, shape: &[usize], dtype: DType) -> Array {
    let log_u = lax::log(&uniform_in(key, shape, dtype, 0.0, 1.0));
    let root = lax::sqrt(&lax::mul(&log_u, &constant(-2.0, dtype)));
    lax::mul(&param(scale, dtype, shape), &root)
}

/// Cauchy samples: `tan(π (u - 1/2))` for `u` uniform in `[eps, 1)`.
///
/// ```
/// use rjax::{random, DType};
/// let x = random::cauchy(&random::key(0), &[2], DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![6.0274944, 14.837895]);
/// ```
#[track_caller]
pub fn cauchy(key: &impl KeyLike, shape: &[usize], dtype: DType) -> Array {
    draw(Sampler::Cauchy, key, shape, dtype)
}

/// Log-normal samples: `exp(sigma · z)` for standard normal `z`, with
/// `shape` (which `sigma`'s shape must broadcast to; default `sigma`'s
/// shape). JAX's default `sigma` is 1.
///
/// ```
/// use rjax::{random, Array, DType};
/// let one = Array::scalar(1.0f32);
/// let x = random::lognormal(&random::key(0), &one, Some(&[2]), DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![5.066459, 7.578117]);
/// ```
#[track_caller]
pub fn lognormal(
    key: &impl KeyLike,
    sigma: &Array,
    shape: Option<&[usize]>,
    dtype: DType,
) -> Array {
    draw_params(Sampler::Lognormal, key, &[sigma], shape, dtype)
}

/// Pareto samples of shape `b` (on `[1, ∞)`): `exp(e / b)` for standard
/// exponential `e`, with `shape` as [`lognormal`]'s.
///
/// ```
/// use rjax::{random, Array, DType};
/// let x = random::pareto(&random::key(0), &Array::scalar(2.0f32), Some(&[2]), DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![4.371316, 6.832648]);
/// ```
#[track_caller]
pub fn pareto(key: &impl KeyLike, b: &Array, shape: Option<&[usize]>, dtype: DType) -> Array {
    draw_params(Sampler::Pareto, key, &[b], shape, dtype)
}

/// Rayleigh samples of `scale`: `scale · sqrt(-2 log u)` for `u` uniform
/// in `[0, 1)`, with `shape` as [`lognormal`]'s.
///
/// ```
/// use rjax::{random, Array, DType};
/// let x = random::rayleigh(&random::key(0), &Array::scalar(1.0f32), Some(&[2]), DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![0.32787833, 0.20810027]);
/// ```
#[track_caller]
pub fn rayleigh(key: &impl KeyLike, scale: &Array, shape: Option<&[usize]>, dtype: DType) -> Array {
    draw_params(Sampler::Rayleigh, key, &[scale], shape, dtype)
}

/// Weibull samples of `scale` and `concentration`, by the inverse CDF
/// `scale · (-log1p(-u))^(1 / concentration)` for `u` uniform of `shape`.
/// As in JAX, the parameters broadcast against the draw: the result has
/// the broadcast shape of `shape` and both parameters (one uniform per
/// element of `shape`), and shapes that do not broadcast are a typed
/// error.
///
/// ```
/// use rjax::{random, Array, DType};
/// let (scale, c) = (Array::scalar(1.0f32), Array::scalar(1.5f32));
/// let x = random::weibull_min(&random::key(0), &scale, &c, &[2], DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![2.0569668, 2.4536479]);
/// ```
#[track_caller]
pub fn weibull_min(
    key: &impl KeyLike,
    scale: &Array,
    concentration: &Array,
    shape: &[usize],
    dtype: DType,
) -> Array {
    let s = Sampler::WeibullMin;
    let location = location::current();
    let shapes = params_shape(s.name(), &[scale, concentration]).and_then(|p| {
        broadcast_shapes(shape, &p).ok_or_else(|| {
            let why =
                format!("parameters of shape {p:?} do not broadcast with the shape {shape:?}");
            Error::new(ErrorKind::Shape, s.name(), why)
        })
    });
    match shapes {
        Ok(_) => draw_with(
            s,
            key,
            &[scale.clone(), concentration.clone()],
            shape,
            dtype,
        ),
        Err(e) => Array::from_error(e.at(location)),
    }
}

/// `weibull_min`'s program: the exponent `1 / concentration` is formed in
/// the parameter's own float type, then converted, as JAX's weakly typed
/// arithmetic does; the parameters broadcast against the draw.
pub(super) fn weibull_min_in(
    key: &Array,
    scale: &Array,
    concentration: &Array,
    shape: &[usize],
    dtype: DType,
) -> Array {
    let u = uniform_in(key, shape, dtype, 0.0, 1.0);
    let c = to_float(concentration);
    let exponent = Array::from_result(c.dtype().map(|d| lax::div(&constant(1.0, d), &c)));
    let cast = |x: &Array| lax::convert_element_type(x, dtype);
    let x = jnp::power(&lax::neg(&lax::log1p(&lax::neg(&u))), &cast(&exponent));
    &x * &cast(scale)
}

/// Maxwell samples (the length of a standard normal 3-vector), of `shape`.
///
/// ```
/// use rjax::{random, DType};
/// let x = random::maxwell(&random::key(0), &[2], DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![2.6310966, 0.99103284]);
/// ```
#[track_caller]
pub fn maxwell(key: &impl KeyLike, shape: &[usize], dtype: DType) -> Array {
    draw(Sampler::Maxwell, key, shape, dtype)
}

pub(super) fn maxwell_in(key: &Array, shape: &[usize], dtype: DType) -> Array {
    let vectors: Vec<usize> = shape.iter().copied().chain([3]).collect();
    jnp::linalg::norm(&standard_normal(key, &vectors, dtype), None, -1, false)
}

/// Double-sided Maxwell samples: a Maxwell sample with a random sign, times
/// `scale`, plus `loc`. The result has shape `shape + p`, where `p` is the
/// broadcast shape of `loc` and `scale` — and, as in JAX 0.10, `p + p`
/// when `shape` is empty.
///
/// ```
/// use rjax::{random, Array, DType};
/// let (loc, scale) = (Array::scalar(1.0f32), Array::scalar(2.0f32));
/// let x = random::double_sided_maxwell(&random::key(0), &loc, &scale, &[2], DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![4.091442, 4.1482553]);
/// ```
#[track_caller]
pub fn double_sided_maxwell(
    key: &impl KeyLike,
    loc: &Array,
    scale: &Array,
    shape: &[usize],
    dtype: DType,
) -> Array {
    let s = Sampler::DoubleSidedMaxwell;
    match params_shape(s.name(), &[loc, scale]) {
        Ok(p) => {
            let lead = if shape.is_empty() { &p } else { shape };
            let shape: Vec<usize> = lead.iter().chain(&p).copied().collect();
            draw_with(s, key, &[loc.clone(), scale.clone()], &shape, dtype)
        }
        Err(e) => Array::from_error(e.at(location::current())),
    }
}

/// `double_sided_maxwell`'s program.
pub(super) fn double_sided_maxwell_in(
    key: &Array,
    loc: &Array,
    scale: &Array,
    shape: &[usize],
    dtype: DType,
) -> Array {
    let [maxwell_key, sign_key] = subkeys(key);
    let sign = rademacher_in(&sign_key, shape, dtype);
    let x = lax::mul(&sign, &maxwell_in(&maxwell_key, shape, dtype));
    lax::add(
        &lax::mul(&x, &param(scale, dtype, shape)),
        &param(loc, dtype, shape),
    )
}

/// Wald (inverse Gaussian) samples of `mean`, by Michael, Schucany and
/// Haas's transformation of a normal and a uniform sample, with `shape` as
/// [`lognormal`]'s.
///
/// ```
/// use rjax::{random, Array, DType};
/// let x = random::wald(&random::key(0), &Array::scalar(1.0f32), Some(&[2]), DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![0.3805977, 0.41566527]);
/// ```
#[track_caller]
pub fn wald(key: &impl KeyLike, mean: &Array, shape: Option<&[usize]>, dtype: DType) -> Array {
    draw_params(Sampler::Wald, key, &[mean], shape, dtype)
}

/// `wald`'s program.
pub(super) fn wald_in(key: &Array, mean: &Array, shape: &[usize], dtype: DType) -> Array {
    let c = |v: f64| constant(v, dtype);
    let mean = &param(mean, dtype, shape);
    let [normal_key, uniform_key] = subkeys(key);
    let v = standard_normal(&normal_key, shape, dtype);
    let z = uniform_in(&uniform_key, shape, dtype, 0.0, 1.0);
    let y = lax::mul(&v, &v);
    let mean_sq = lax::mul(mean, mean);
    let root = lax::sqrt(&lax::add(
        &lax::mul(&lax::mul(&c(4.0), mean), &y),
        &lax::mul(&mean_sq, &lax::mul(&y, &y)),
    ));
    let x = lax::sub(
        &lax::add(mean, &lax::div(&lax::mul(&mean_sq, &y), &c(2.0))),
        &lax::mul(&lax::div(mean, &c(2.0)), &root),
    );
    let small = lax::le(&z, &lax::div(mean, &lax::add(mean, &x)));
    lax::select(&small, &x, &lax::div(&mean_sq, &x))
}

/// Triangular samples on `[left, right]` with peak `mode`, by the inverse
/// CDF, with `shape` (which the parameters' shapes must broadcast to;
/// default their broadcast shape).
///
/// ```
/// use rjax::{random, Array, DType};
/// let (l, m, r) = (Array::scalar(0.0f32), Array::scalar(0.3f32), Array::scalar(1.0f32));
/// let x = random::triangular(&random::key(0), &l, &m, &r, Some(&[2]), DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![0.8086023, 0.87754965]);
/// ```
#[track_caller]
pub fn triangular(
    key: &impl KeyLike,
    left: &Array,
    mode: &Array,
    right: &Array,
    shape: Option<&[usize]>,
    dtype: DType,
) -> Array {
    draw_params(Sampler::Triangular, key, &[left, mode, right], shape, dtype)
}

/// `triangular`'s program.
pub(super) fn triangular_in(key: &Array, args: &[Array], shape: &[usize], dtype: DType) -> Array {
    let [left, mode, right] = [0, 1, 2].map(|i| param(&args[i], dtype, shape));
    let width = lax::sub(&right, &left);
    let peak = lax::div(&lax::sub(&mode, &left), &width);
    let u = uniform_in(key, shape, dtype, 0.0, 1.0);
    let rising = lax::mul(&lax::mul(&u, &width), &lax::sub(&mode, &left));
    let falling = lax::mul(
        &lax::mul(&lax::sub(&constant(1.0, dtype), &u), &width),
        &lax::sub(&right, &mode),
    );
    let below = lax::add(&left, &lax::sqrt(&rising));
    let above = lax::sub(&right, &lax::sqrt(&falling));
    lax::select(&lax::lt(&u, &peak), &below, &above)
}
