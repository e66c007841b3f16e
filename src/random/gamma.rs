//! The gamma family: `gamma`, `loggamma`, `beta` and `dirichlet`, all from
//! Marsaglia and Tsang's rejection sampler, as JAX draws them.
//!
//! As in JAX, the samples differentiate in their shape parameters by
//! implicit reparameterization: a sample `x` of shape `a` moves with `a`
//! so that its quantile `P(a, x)` stays fixed, `dx/da =
//! lax::random_gamma_grad(a, x)`.

use super::{
    KeyLike, Sampler, constant, draw_params, draw_with, exponential_in, failed, sample_shape,
    split, standard_normal, subkeys, uniform_in,
};
use crate::numpy::{self as jnp, fallible};
use crate::{Array, DType, custom_jvp, lax, vmap};
use rjax_ir::{Error, ErrorKind, Result};

/// Gamma samples of shape parameter `a` (unit rate), with `shape` (which
/// `a`'s shape must broadcast to; default `a`'s shape) and a float `dtype`.
/// Each element gets its own key from `split(key, size)` and loops until a
/// Marsaglia–Tsang proposal is accepted; `a < 1` is boosted to `a + 1` and
/// scaled by `u^(1/a)`. Differentiable in `a` (see the module notes).
///
/// ```
/// use rjax::{grad, random, Array, DType};
/// let a = Array::from_slice(&[0.5f32, 1.0, 2.0], &[3]);
/// let x = random::gamma(&random::key(0), &a, None, DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![0.8845648, 0.72628492, 1.1290071]);
/// // The mean of gamma(a) is a, so d E[x]/da = 1: on average over samples.
/// let mean = |a: Array| random::gamma(&random::key(1), &a, Some(&[4000]), DType::F32).mean();
/// let d = grad(mean)(Array::scalar(2.0f32)).unwrap().item::<f32>().unwrap();
/// assert!((d - 1.0).abs() < 0.05);
/// ```
#[track_caller]
pub fn gamma(key: &impl KeyLike, a: &Array, shape: Option<&[usize]>, dtype: DType) -> Array {
    draw_params(Sampler::Gamma { log_space: false }, key, &[a], shape, dtype)
}

/// The logarithm of [`gamma`] samples, computed in log space: accurate for
/// small `a`, whose samples underflow to zero. `exp(loggamma(..))` is
/// close to `gamma(..)` for the same key.
///
/// ```
/// use rjax::{random, Array, DType};
/// let a = Array::scalar(0.01f32);
/// let x = random::loggamma(&random::key(42), &a, Some(&[2]), DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![-53.09775, -17.201189]);
/// ```
#[track_caller]
pub fn loggamma(key: &impl KeyLike, a: &Array, shape: Option<&[usize]>, dtype: DType) -> Array {
    draw_params(Sampler::Gamma { log_space: true }, key, &[a], shape, dtype)
}

/// Beta samples of parameters `a` and `b`, with `shape` (default: their
/// broadcast shape): `x / (x + y)` for log-gamma samples `x` of `a` and `y`
/// of `b` (from the two halves of `split(key)`), formed in log space.
///
/// ```
/// use rjax::{random, Array, DType};
/// let (a, b) = (Array::scalar(2.0f32), Array::scalar(3.0f32));
/// let x = random::beta(&random::key(0), &a, &b, Some(&[2]), DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![0.23627362, 0.49045956]);
/// ```
#[track_caller]
pub fn beta(
    key: &impl KeyLike,
    a: &Array,
    b: &Array,
    shape: Option<&[usize]>,
    dtype: DType,
) -> Array {
    draw_params(Sampler::Beta, key, &[a, b], shape, dtype)
}

/// Dirichlet samples of concentrations `alpha` (shape `[..., k]`): points
/// of the `k`-simplex, the softmax of log-gamma samples. The result has
/// shape `shape + [k]` (default: `alpha`'s shape); `shape` must be one
/// `alpha`'s leading axes broadcast to. `alpha` of rank 0 is a typed error.
///
/// ```
/// use rjax::{random, Array, DType};
/// let alpha = Array::from_slice(&[0.5f32, 0.5], &[2]);
/// let x = random::dirichlet(&random::key(42), &alpha, None, DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![0.66374445, 0.33625552]);
/// ```
#[track_caller]
pub fn dirichlet(
    key: &impl KeyLike,
    alpha: &Array,
    shape: Option<&[usize]>,
    dtype: DType,
) -> Array {
    fallible(|| {
        let dims = alpha.aval()?.shape;
        let Some((&k, batch)) = dims.split_last() else {
            return Err(Error::new(
                ErrorKind::Shape,
                "dirichlet",
                "alpha must have at least one axis (the categories)",
            ));
        };
        let mut shape = sample_shape("dirichlet", shape, batch)?;
        shape.push(k);
        Ok(draw_with(
            Sampler::Dirichlet,
            key,
            std::slice::from_ref(alpha),
            &shape,
            dtype,
        ))
    })
}

/// The compiled part of `gamma`: `a` in `dtype` and `shape`, then one
/// sampler per element, vectorized (the rejection loops run until every
/// element has accepted), with the implicit-reparameterization JVP.
pub(super) fn gamma_in(
    key: &Array,
    a: &Array,
    log_space: bool,
    shape: &[usize],
    dtype: DType,
) -> Array {
    let a = jnp::broadcast_to(&lax::convert_element_type(a, dtype), shape);
    // An empty `a` is its own result, as is one holding an error.
    if let Ok(0) | Err(_) = a.size() {
        return a;
    }
    let rule = custom_jvp(
        move |(key, a): (Array, Array)| samples(&key, &a, log_space),
        move |(key, a): (Array, Array), (_, da): (Array, Array)| {
            let x = samples(&key, &a, log_space);
            let dx = &da * &sample_grad(&a, &x, log_space);
            (x, dx)
        },
    );
    rule.call((key.clone(), a))
        .unwrap_or_else(Array::from_error)
}

/// One sample per element of `a`, each from its own key of `split(key)`.
fn samples(key: &Array, a: &Array, log_space: bool) -> Array {
    Array::from_result(a.aval().and_then(|aval| {
        let size = aval.size();
        let keys = split(key, size);
        let alphas = lax::reshape(a, &[size]);
        let one = |(k, alpha): (Array, Array)| gamma_one(&k, &alpha, log_space);
        Ok(lax::reshape(&vmap(one)((keys, alphas))?, &aval.shape))
    }))
}

/// `dx/da` for samples `x` of `a`; in log space `d log x/da = (dx/da) / x`,
/// with `x` that underflowed to zero taken as the smallest normal float.
fn sample_grad(a: &Array, x: &Array, log_space: bool) -> Array {
    if !log_space {
        return lax::random_gamma_grad(a, x);
    }
    let x = lax::exp(x);
    let tiny = Array::from_result(
        x.dtype()
            .map(|dtype| jnp::full_like(&x, jnp::finfo(dtype).map_or(0.0, |f| f.tiny), None)),
    );
    let x = lax::select(&jnp::equal(&x, &Array::weak(0.0)), &tiny, &x);
    lax::div(&lax::random_gamma_grad(a, &x), &x)
}

/// One gamma sample of the scalar `alpha` (Marsaglia and Tsang): with
/// `d = alpha - 1/3` and `c = 1 / sqrt(9d)`, propose `v = (1 + c x)^3` for
/// standard normal `x > -1/c` and accept with a uniform `u` when the
/// squeeze `u < 1 - 0.0331 x^4` or `log u < x^2/2 + d (1 - v + log v)`
/// holds; the sample is `d v`.
fn gamma_one(key: &Array, alpha: &Array, log_space: bool) -> Result<Array> {
    let dtype = alpha.dtype()?;
    let c = |v: f64| constant(v, dtype);
    let (zero, one, third) = (c(0.0), c(1.0), c(1.0 / 3.0));
    let unboosted = lax::ge(alpha, &one);
    let alpha_up = lax::select(&unboosted, alpha, &lax::add(alpha, &one));
    let d = lax::sub(&alpha_up, &third);
    let scale = lax::div(&third, &lax::sqrt(&d));
    let [key, boost_key] = subkeys(key);

    let rejected = |[_, x2, v, u]: &[Array; 4]| {
        let squeeze = lax::sub(&one, &lax::mul(&c(0.0331), &lax::mul(x2, x2)));
        let log_v = lax::add(&lax::sub(&one, v), &lax::log(v));
        let bound = lax::add(&lax::mul(x2, &c(0.5)), &lax::mul(&d, &log_v));
        lax::bitwise_and(&lax::ge(u, &squeeze), &lax::ge(&lax::log(u), &bound))
    };
    let propose = |[key, ..]: [Array; 4]| {
        let [key, x_key, u_key] = subkeys(&key);
        let positive = |[key, ..]: [Array; 3]| {
            let [key, sub] = subkeys(&key);
            let x = standard_normal(&sub, &[], dtype);
            let v = lax::add(&one, &lax::mul(&x, &scale));
            [key, x, v]
        };
        let start = [x_key, zero.clone(), c(-1.0)];
        let [_, x, v] =
            lax::while_loop(|[_, _, v]: &[Array; 3]| lax::le(v, &zero), positive, start)
                .unwrap_or_else(failed);
        let u = uniform_in(&u_key, &[], dtype, 0.0, 1.0);
        [key, lax::mul(&x, &x), lax::mul(&lax::mul(&v, &v), &v), u]
    };
    // The initial carry fails the acceptance test.
    let start = [key, zero.clone(), one.clone(), c(2.0)];
    let [_, _, v, _] = lax::while_loop(rejected, propose, start).unwrap_or_else(failed);

    Ok(if log_space {
        let log_u = lax::neg(&exponential_in(&boost_key, &[], dtype));
        let skip = lax::bitwise_or(&unboosted, &lax::eq(&log_u, &zero));
        let log_boost = lax::select(&skip, &zero, &lax::mul(&log_u, &lax::div(&one, alpha)));
        lax::add(&lax::add(&lax::log(&d), &lax::log(&v)), &log_boost)
    } else {
        let u = lax::sub(&one, &uniform_in(&boost_key, &[], dtype, 0.0, 1.0));
        let boost = lax::select(&unboosted, &one, &lax::pow(&u, &lax::div(&one, alpha)));
        lax::mul(&lax::mul(&d, &v), &boost)
    })
}

/// The compiled part of `beta`.
pub(super) fn beta_in(key: &Array, a: &Array, b: &Array, shape: &[usize], dtype: DType) -> Array {
    let [a_key, b_key] = subkeys(key);
    let log_a = gamma_in(&a_key, a, true, shape, dtype);
    let log_b = gamma_in(&b_key, b, true, shape, dtype);
    let log_max = lax::max(&log_a, &log_b);
    let scaled_a = lax::exp(&lax::sub(&log_a, &log_max));
    let scaled_b = lax::exp(&lax::sub(&log_b, &log_max));
    lax::div(&scaled_a, &lax::add(&scaled_a, &scaled_b))
}

/// The compiled part of `dirichlet`.
pub(super) fn dirichlet_in(key: &Array, alpha: &Array, shape: &[usize], dtype: DType) -> Array {
    crate::nn::softmax(&gamma_in(key, alpha, true, shape, dtype), -1)
}
