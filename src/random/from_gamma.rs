//! Samplers JAX builds from gamma samples: `chisquare`, `t`, `f`,
//! `generalized_normal` and `ball`. They inherit the gamma sampler's
//! derivative in its shape parameter, so `chisquare`, `t` and `f` are
//! differentiable in their degrees of freedom.

use super::gamma::gamma_in;
use super::{
    KeyLike, Sampler, constant, draw_params, draw_with, exponential_in, param, python_float,
    rademacher_in, standard_normal, subkeys,
};
use crate::numpy as jnp;
use crate::{Array, DType, lax};

/// Chi-squared samples of `df` degrees of freedom: twice a gamma sample of
/// shape `df / 2` (drawn in log space, as JAX does), with `shape` (which
/// `df`'s shape must broadcast to; default `df`'s shape).
///
/// ```
/// use rjax::{random, Array, DType};
/// let x = random::chisquare(&random::key(0), &Array::scalar(3.0f32), Some(&[4]), DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![2.205084, 2.4899669, 1.4557135, 6.424535]);
/// ```
#[track_caller]
pub fn chisquare(key: &impl KeyLike, df: &Array, shape: Option<&[usize]>, dtype: DType) -> Array {
    draw_params(Sampler::Chisquare, key, &[df], shape, dtype)
}

/// `chisquare`'s program.
pub(super) fn chisquare_in(key: &Array, df: &Array, shape: &[usize], dtype: DType) -> Array {
    let two = constant(2.0, dtype);
    let half = lax::div(&lax::convert_element_type(df, dtype), &two);
    lax::mul(&lax::exp(&gamma_in(key, &half, true, shape, dtype)), &two)
}

/// Student's t samples of `df` degrees of freedom: `z · sqrt((df/2) / g)`
/// for a standard normal `z` and a gamma sample `g` of shape `df / 2`
/// (from the two halves of `split(key)`), with `shape` as [`chisquare`]'s.
///
/// ```
/// use rjax::{random, Array, DType};
/// let x = random::t(&random::key(0), &Array::scalar(3.0f32), Some(&[4]), DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![0.69022465, -3.2393365, -1.6745249, -1.8150756]);
/// ```
#[track_caller]
pub fn t(key: &impl KeyLike, df: &Array, shape: Option<&[usize]>, dtype: DType) -> Array {
    draw_params(Sampler::T, key, &[df], shape, dtype)
}

/// `t`'s program.
pub(super) fn t_in(key: &Array, df: &Array, shape: &[usize], dtype: DType) -> Array {
    let [normal_key, gamma_key] = subkeys(key);
    let z = standard_normal(&normal_key, shape, dtype);
    let half = lax::div(&lax::convert_element_type(df, dtype), &constant(2.0, dtype));
    let g = gamma_in(&gamma_key, &half, false, shape, dtype);
    lax::mul(
        &z,
        &lax::sqrt(&lax::div(&jnp::broadcast_to(&half, shape), &g)),
    )
}

/// F-distributed samples: the ratio of chi-squared samples of `dfnum` and
/// `dfden` degrees of freedom, each divided by its degrees, with `shape`
/// (which both parameters' shapes must broadcast to; default their
/// broadcast shape).
///
/// ```
/// use rjax::{random, Array, DType};
/// let (num, den) = (Array::scalar(3.0f32), Array::scalar(5.0f32));
/// let x = random::f(&random::key(0), &num, &den, Some(&[4]), DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![2.5797074, 0.19219677, 0.1597769, 0.38842028]);
/// ```
#[track_caller]
pub fn f(
    key: &impl KeyLike,
    dfnum: &Array,
    dfden: &Array,
    shape: Option<&[usize]>,
    dtype: DType,
) -> Array {
    draw_params(Sampler::F, key, &[dfnum, dfden], shape, dtype)
}

/// `f`'s program.
pub(super) fn f_in(
    key: &Array,
    dfnum: &Array,
    dfden: &Array,
    shape: &[usize],
    dtype: DType,
) -> Array {
    let [den_key, num_key] = subkeys(key);
    let ratio = |key: &Array, df: &Array| {
        lax::div(
            &chisquare_in(key, df, shape, dtype),
            &param(df, dtype, shape),
        )
    };
    lax::div(&ratio(&num_key, dfnum), &ratio(&den_key, dfden))
}

/// Generalized normal samples, of density proportional to `exp(-|x|^p)`:
/// `±g^(1/p)` for a gamma sample `g` of shape `1/p` and a random sign.
///
/// ```
/// use rjax::{random, DType};
/// let x = random::generalized_normal(&random::key(0), 2.0, &[4], DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![0.9542763, 0.09015025, -1.152542, 0.48094058]);
/// ```
#[track_caller]
pub fn generalized_normal(key: &impl KeyLike, p: f64, shape: &[usize], dtype: DType) -> Array {
    let p = python_float(p, dtype);
    draw_with(Sampler::GeneralizedNormal, key, &[p], shape, dtype)
}

/// `generalized_normal`'s program; `p` is a rank-0 float.
pub(super) fn generalized_normal_in(
    key: &Array,
    p: &Array,
    shape: &[usize],
    dtype: DType,
) -> Array {
    let [gamma_key, sign_key] = subkeys(key);
    let inverse = Array::from_result(p.dtype().map(|d| lax::div(&constant(1.0, d), p)));
    let g = gamma_in(&gamma_key, &inverse, false, shape, dtype);
    let sign = rademacher_in(&sign_key, shape, dtype);
    let magnitude = lax::pow(&g, &lax::convert_element_type(&inverse, dtype));
    lax::mul(&sign, &magnitude)
}

/// Points uniform in the unit `p`-norm ball of dimension `d` (Barthe,
/// Guédon, Mendelson and Naor): generalized normal samples divided by the
/// `p`-th root of the sum of their `p`-th powers and an exponential
/// sample. The result has shape `shape + [d]`.
///
/// ```
/// use rjax::{random, DType};
/// let x = random::ball(&random::key(0), 3, 2.0, &[2], DType::F32);
/// assert_eq!(
///     x.to_vec::<f32>().unwrap(),
///     vec![0.91715974, 0.39274216, 0.011653502, -0.8613651, 0.31684825, -0.06285544]
/// );
/// ```
#[track_caller]
pub fn ball(key: &impl KeyLike, d: usize, p: f64, shape: &[usize], dtype: DType) -> Array {
    let p = python_float(p, dtype);
    draw_with(Sampler::Ball { d }, key, &[p], shape, dtype)
}

/// `ball`'s program: `shape` is the batch shape.
pub(super) fn ball_in(key: &Array, p: &Array, d: usize, shape: &[usize], dtype: DType) -> Array {
    let [normal_key, exponential_key] = subkeys(key);
    let points: Vec<usize> = shape.iter().copied().chain([d]).collect();
    let g = generalized_normal_in(&normal_key, p, &points, dtype);
    let e = exponential_in(&exponential_key, shape, dtype);
    let cast = |x: &Array| lax::convert_element_type(x, dtype);
    let powers = lax::pow(&lax::abs(&g), &cast(p));
    let total = lax::add(&jnp::sum(&powers, -1, false), &e);
    let inverse = Array::from_result(p.dtype().map(|d| lax::div(&constant(1.0, d), p)));
    let radius = lax::pow(&total, &cast(&inverse));
    let batch: Vec<usize> = (0..shape.len()).collect();
    lax::div(&g, &lax::broadcast_in_dim(&radius, &points, &batch))
}
