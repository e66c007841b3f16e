//! Counting distributions: `geometric`, `poisson`, `binomial` and
//! `multinomial` (binomials in a scan, as JAX's), with
//! JAX's algorithms (inversion for geometric; Knuth's product of uniforms
//! or Hörmann's transformed rejection for Poisson; inversion by geometric
//! waiting times or Hörmann's BTRS for binomial), chosen per element as
//! JAX chooses. The rejection loops run until every element has accepted.

use super::discrete::limits;
use super::{
    KeyLike, Sampler, constant, draw_params, draw_with, failed, int_scalar, sample_shape, subkeys,
    uniform_in,
};
use crate::indexing::IndexMode;
use crate::numpy::{self as jnp, to_float};
use crate::{Array, DType, Result, lax};

/// `value` in `dtype`, broadcast to `shape`.
fn fill(value: f64, dtype: DType, shape: &[usize]) -> Array {
    lax::broadcast_in_dim(&constant(value, dtype), shape, &[])
}

/// Whether any element of a bool array holds.
fn any(x: &Array) -> Array {
    jnp::any(x, (), false)
}

/// Geometric samples (the number of trials up to the first success, at
/// least 1) of success probability `p`, of an integer `dtype`, with `shape`
/// (which `p`'s shape must broadcast to; default `p`'s shape):
/// `floor(log u / log1p(-p)) + 1` for `u` uniform in `(0, 1]`.
///
/// ```
/// use rjax::{random, Array, DType};
/// let x = random::geometric(&random::key(0), &Array::scalar(0.3f32), Some(&[6]), DType::I32);
/// assert_eq!(x.to_vec::<i32>().unwrap(), vec![1, 1, 4, 3, 2, 6]);
/// ```
#[track_caller]
pub fn geometric(key: &impl KeyLike, p: &Array, shape: Option<&[usize]>, dtype: DType) -> Array {
    draw_params(Sampler::Geometric, key, &[p], shape, dtype)
}

/// `geometric`'s program, in `p`'s float type.
pub(super) fn geometric_in(key: &Array, p: &Array, shape: &[usize], dtype: DType) -> Result<Array> {
    let p = to_float(p);
    let float = p.dtype()?;
    let u = uniform_in(key, shape, float, 0.0, 1.0);
    let u = lax::select(
        &lax::eq(&u, &constant(0.0, float)),
        &fill(1.0, float, shape),
        &u,
    );
    let log_q = jnp::broadcast_to(&lax::log1p(&lax::neg(&p)), shape);
    let trials = lax::floor(&lax::div(&lax::log(&u), &log_q));
    Ok(lax::convert_element_type(
        &lax::add(&trials, &constant(1.0, float)),
        dtype,
    ))
}

/// Poisson samples of rate `lam` (converted to float32), of an integer
/// `dtype`, with `shape` as [`geometric`]'s. Rates below 10 (and NaN) use
/// Knuth's algorithm, larger ones Hörmann's transformed rejection; a rate
/// of 0 gives 0. As in JAX, the loops stop after the dtype's largest value
/// of steps.
///
/// ```
/// use rjax::{random, Array, DType};
/// let lam = Array::from_slice(&[0.0f32, 0.5, 5.0, 12.0, 50.0, 1000.0], &[6]);
/// let x = random::poisson(&random::key(42), &lam, None, DType::I32);
/// assert_eq!(x.to_vec::<i32>().unwrap(), vec![0, 1, 3, 9, 40, 970]);
/// ```
#[track_caller]
pub fn poisson(key: &impl KeyLike, lam: &Array, shape: Option<&[usize]>, dtype: DType) -> Array {
    draw_params(Sampler::Poisson, key, &[lam], shape, dtype)
}

/// `poisson`'s program.
pub(super) fn poisson_in(key: &Array, lam: &Array, shape: &[usize], dtype: DType) -> Result<Array> {
    let f32 = DType::F32;
    let lam = lax::convert_element_type(&jnp::broadcast_to(lam, shape), f32);
    let knuth_rate = lax::bitwise_or(&lax::ne(&lam, &lam), &lax::lt(&lam, &constant(10.0, f32)));
    let max_steps = int_scalar(limits(dtype).1.min(i32::MAX as i128), DType::I32);
    let small = lax::select(&knuth_rate, &lam, &fill(0.0, f32, shape));
    let large = lax::select(&knuth_rate, &fill(1e5, f32, shape), &lam);
    let x = lax::select(
        &knuth_rate,
        &poisson_knuth(key, &small, dtype, &max_steps)?,
        &poisson_rejection(key, &large, dtype, &max_steps)?,
    );
    let zero = lax::eq(&lam, &constant(0.0, f32));
    Ok(lax::select(
        &zero,
        &lax::broadcast_in_dim(&int_scalar(0, dtype), shape, &[]),
        &x,
    ))
}

/// Knuth: count uniforms until their product falls below `exp(-lam)`.
fn poisson_knuth(key: &Array, lam: &Array, dtype: DType, max_steps: &Array) -> Result<Array> {
    let shape = lam.shape()?;
    let limit = lax::neg(lam);
    let step = |i: &Array| lax::add(i, &int_scalar(1, DType::I32));
    let cond = |[i, _, _, log_prod]: &[Array; 4]| {
        lax::bitwise_and(&any(&lax::gt(log_prod, &limit)), &lax::lt(i, max_steps))
    };
    let body = |[i, k, key, log_prod]: [Array; 4]| {
        let [key, sub] = subkeys(&key);
        let more = lax::add(&k, &int_scalar(1, dtype));
        let k = lax::select(&lax::gt(&log_prod, &limit), &more, &k);
        let u = uniform_in(&sub, &shape, DType::F32, 0.0, 1.0);
        [step(&i), k, key, lax::add(&log_prod, &lax::log(&u))]
    };
    let init = [
        int_scalar(0, DType::I32),
        lax::broadcast_in_dim(&int_scalar(0, dtype), &shape, &[]),
        key.clone(),
        fill(0.0, DType::F32, &shape),
    ];
    let [_, k, _, _] = lax::while_loop(cond, body, init).unwrap_or_else(failed);
    Ok(lax::sub(&k, &int_scalar(1, dtype)))
}

/// Hörmann's transformed rejection (PTRS) for rates of 10 and more.
fn poisson_rejection(key: &Array, lam: &Array, dtype: DType, max_steps: &Array) -> Result<Array> {
    let shape = lam.shape()?;
    let c = |v: f64| constant(v, DType::F32);
    let log_lam = lax::log(lam);
    let b = lax::add(&c(0.931), &lax::mul(&c(2.53), &lax::sqrt(lam)));
    let a = lax::add(&c(-0.059), &lax::mul(&c(0.02483), &b));
    let inv_alpha = lax::add(&c(1.1239), &lax::div(&c(1.1328), &lax::sub(&b, &c(3.4))));
    let v_r = lax::sub(&c(0.9277), &lax::div(&c(3.6224), &lax::sub(&b, &c(2.0))));
    let cond = |[i, _, accepted, _]: &[Array; 4]| {
        lax::bitwise_and(&any(&lax::not(accepted)), &lax::lt(i, max_steps))
    };
    let body = |[i, k_out, accepted, key]: [Array; 4]| {
        let [key, u_key, v_key] = subkeys(&key);
        let [u, v, us] = centred_uniforms(&u_key, &v_key, &shape, DType::F32);
        let slope = lax::add(&lax::div(&lax::mul(&c(2.0), &a), &us), &b);
        let k = lax::floor(&lax::add(&lax::add(&lax::mul(&slope, &u), lam), &c(0.43)));
        let hat = lax::add(&lax::div(&a, &lax::mul(&us, &us)), &b);
        let s = lax::log(&lax::div(&lax::mul(&v, &inv_alpha), &hat));
        let log_pmf = lax::sub(
            &lax::add(&lax::neg(lam), &lax::mul(&k, &log_lam)),
            &lax::lgamma(&lax::add(&k, &c(1.0))),
        );
        let squeeze = lax::bitwise_and(&lax::ge(&us, &c(0.07)), &lax::le(&v, &v_r));
        let tail = lax::bitwise_and(&lax::lt(&us, &c(0.013)), &lax::gt(&v, &us));
        let reject = lax::bitwise_or(&lax::lt(&k, &c(0.0)), &tail);
        let accept = either(&squeeze, &reject, &lax::le(&s, &log_pmf));
        let k_out = lax::select(&accept, &k, &k_out);
        let i = lax::add(&i, &int_scalar(1, DType::I32));
        [i, k_out, lax::bitwise_or(&accepted, &accept), key]
    };
    let init = [
        int_scalar(0, DType::I32),
        fill(-1.0, DType::F32, &shape),
        lax::broadcast_in_dim(&Array::scalar(false), &shape, &[]),
        key.clone(),
    ];
    let [_, k, _, _] = lax::while_loop(cond, body, init).unwrap_or_else(failed);
    Ok(lax::convert_element_type(&k, dtype))
}

/// Two uniforms of `dtype`: `u - 1/2`, `v` and `1/2 - |u - 1/2|`, the
/// proposal of the transformed-rejection samplers.
fn centred_uniforms(u_key: &Array, v_key: &Array, shape: &[usize], dtype: DType) -> [Array; 3] {
    let half = constant(0.5, dtype);
    let u = lax::sub(&uniform_in(u_key, shape, dtype, 0.0, 1.0), &half);
    let v = uniform_in(v_key, shape, dtype, 0.0, 1.0);
    let us = lax::sub(&half, &lax::abs(&u));
    [u, v, us]
}

/// Accepted by the squeeze, or not rejected and under the bound.
fn either(squeeze: &Array, reject: &Array, under: &Array) -> Array {
    lax::bitwise_or(squeeze, &lax::bitwise_and(&lax::not(reject), under))
}

/// Binomial samples of `n` trials of success probability `p`, as floats of
/// `dtype`, with `shape` (which both parameters' shapes must broadcast to;
/// default their broadcast shape). Computed in `p`'s float type (float32
/// for integers) with `n` rounded down; where `n · min(p, 1 - p) ≤ 10`
/// by summing geometric waiting times, elsewhere by Hörmann's BTRS. As
/// JAX: NaN for a negative or NaN `n` or an invalid `p`, infinity for an
/// infinite `n`.
///
/// ```
/// use rjax::{random, Array, DType};
/// let (n, p) = (Array::scalar(10.0f32), Array::scalar(0.3f32));
/// let x = random::binomial(&random::key(0), &n, &p, Some(&[6]), DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![2.0, 2.0, 1.0, 2.0, 1.0, 4.0]);
/// ```
#[track_caller]
pub fn binomial(
    key: &impl KeyLike,
    n: &Array,
    p: &Array,
    shape: Option<&[usize]>,
    dtype: DType,
) -> Array {
    draw_params(Sampler::Binomial, key, &[n, p], shape, dtype)
}

/// `binomial`'s program.
pub(super) fn binomial_in(
    key: &Array,
    n: &Array,
    p: &Array,
    shape: &[usize],
    dtype: DType,
) -> Result<Array> {
    let prob = jnp::broadcast_to(&to_float(p), shape);
    let float = prob.dtype()?;
    let c = |v: f64| constant(v, float);
    let count = jnp::broadcast_to(&lax::convert_element_type(n, float), shape);
    let or = lax::bitwise_or;
    let is_nan = |x: &Array| lax::ne(x, x);
    let low_p = lax::lt(&prob, &c(0.5));
    let q = lax::select(&low_p, &prob, &lax::sub(&c(1.0), &prob));
    let bad_count = or(&is_nan(&count), &lax::lt(&count, &c(0.0)));
    let infinite = lax::eq(&lax::abs(&count), &c(f64::INFINITY));
    let (nan_q, negative_q) = (is_nan(&q), lax::lt(&q, &c(0.0)));
    let q = lax::select(&or(&nan_q, &negative_q), &fill(0.01, float, shape), &q);
    let inversion = or(&bad_count, &lax::le(&lax::mul(&count, &q), &c(10.0)));
    let count = lax::floor(&count);
    let pick = |x: &Array, other: f64, for_inversion: bool| {
        let other = fill(other, float, shape);
        match for_inversion {
            true => lax::select(&inversion, x, &other),
            false => lax::select(&inversion, &other, x),
        }
    };
    let x = lax::select(
        &inversion,
        &binomial_inversion(key, &pick(&count, 0.0, true), &q, dtype)?,
        &btrs(key, &pick(&count, 1e4, false), &pick(&q, 0.5, false), dtype)?,
    );
    let invalid = or(&or(&negative_q, &nan_q), &bad_count);
    let x = lax::select(&invalid, &fill(f64::NAN, dtype, shape), &x);
    let x = lax::select(
        &lax::bitwise_and(&infinite, &lax::not(&invalid)),
        &fill(f64::INFINITY, dtype, shape),
        &x,
    );
    let as_is = or(&or(&or(&low_p, &bad_count), &nan_q), &infinite);
    let flipped = lax::sub(&lax::convert_element_type(&count, dtype), &x);
    Ok(lax::select(&as_is, &x, &flipped))
}

/// The number of geometric waiting times of success probability `prob`
/// that fit in `count` trials.
fn binomial_inversion(key: &Array, count: &Array, prob: &Array, dtype: DType) -> Result<Array> {
    let (shape, float) = (prob.shape()?, prob.dtype()?);
    let one = constant(1.0, float);
    let log_q = lax::log1p(&lax::neg(prob));
    let cond = |[_, total, _]: &[Array; 3]| any(&lax::le(total, count));
    let body = |[successes, total, key]: [Array; 3]| {
        let [sub, key] = subkeys(&key);
        let more = lax::add(&successes, &one);
        let successes = lax::select(&lax::le(&total, count), &more, &successes);
        let u = uniform_in(&sub, &shape, float, 0.0, 1.0);
        let wait = lax::ceil(&lax::div(&lax::log(&u), &log_q));
        [successes, lax::add(&total, &wait), key]
    };
    let init = [
        fill(0.0, float, &shape),
        fill(0.0, float, &shape),
        key.clone(),
    ];
    let [k, _, _] = lax::while_loop(cond, body, init).unwrap_or_else(failed);
    Ok(lax::convert_element_type(&lax::sub(&k, &one), dtype))
}

/// Hörmann's BTRS (transformed rejection with squeeze) for
/// `count · prob > 10`.
fn btrs(key: &Array, count: &Array, prob: &Array, dtype: DType) -> Result<Array> {
    let (shape, float) = (prob.shape()?, prob.dtype()?);
    let c = |v: f64| constant(v, float);
    let (add, sub, mul, div, log) = (lax::add, lax::sub, lax::mul, lax::div, lax::log);
    let q = sub(&c(1.0), prob);
    let stddev = lax::sqrt(&mul(&mul(count, prob), &q));
    let b = add(&c(1.15), &mul(&c(2.53), &stddev));
    let a = add(
        &add(&c(-0.0873), &mul(&c(0.0248), &b)),
        &mul(&c(0.01), prob),
    );
    let centre = add(&mul(count, prob), &c(0.5));
    let v_r = sub(&c(0.92), &div(&c(4.2), &b));
    let r = div(prob, &q);
    let alpha = mul(&add(&c(2.83), &div(&c(5.1), &b)), &stddev);
    let m = lax::floor(&mul(&add(count, &c(1.0)), prob));
    let cond = |[_, accepted, _]: &[Array; 3]| any(&lax::not(accepted));
    let body = |[k_out, accepted, key]: [Array; 3]| {
        let [key, u_key, v_key] = subkeys(&key);
        let [u, v, us] = centred_uniforms(&u_key, &v_key, &shape, float);
        let squeeze = lax::bitwise_and(&lax::ge(&us, &c(0.07)), &lax::le(&v, &v_r));
        let k = lax::floor(&add(
            &mul(&add(&div(&mul(&c(2.0), &a), &us), &b), &u),
            &centre,
        ));
        let reject = lax::bitwise_or(&lax::lt(&k, &c(0.0)), &lax::gt(&k, count));
        let hat = add(&div(&a, &mul(&us, &us)), &b);
        let v = log(&div(&mul(&v, &alpha), &hat));
        let rest_m = add(&sub(count, &m), &c(1.0));
        let rest_k = add(&sub(count, &k), &c(1.0));
        let terms = [
            mul(
                &add(&m, &c(0.5)),
                &log(&div(&add(&m, &c(1.0)), &mul(&r, &rest_m))),
            ),
            mul(&add(count, &c(1.0)), &log(&div(&rest_m, &rest_k))),
            mul(
                &add(&k, &c(0.5)),
                &log(&div(&mul(&r, &rest_k), &add(&k, &c(1.0)))),
            ),
            stirling_tail(&m, float),
            stirling_tail(&sub(count, &m), float),
        ];
        let bound = terms[1..].iter().fold(terms[0].clone(), |s, t| add(&s, t));
        let bound = sub(
            &sub(&bound, &stirling_tail(&k, float)),
            &stirling_tail(&sub(count, &k), float),
        );
        let accept = either(&squeeze, &reject, &lax::le(&v, &bound));
        let k_out = lax::select(&accept, &k, &k_out);
        [k_out, lax::bitwise_or(&accepted, &accept), key]
    };
    let init = [
        fill(-1.0, float, &shape),
        lax::broadcast_in_dim(&Array::scalar(false), &shape, &[]),
        key.clone(),
    ];
    let [k, _, _] = lax::while_loop(cond, body, init).unwrap_or_else(failed);
    Ok(lax::convert_element_type(&k, dtype))
}

/// The error of Stirling's approximation of `log (k + 1)!`: tabulated for
/// `k ≤ 9`, else the first terms of its series, in `k`'s dtype `float`.
fn stirling_tail(k: &Array, float: DType) -> Array {
    const TABLE: [f64; 10] = [
        0.0810614667953272,
        0.0413406959554092,
        0.0276779256849983,
        0.02079067210376509,
        0.0166446911898211,
        0.0138761288230707,
        0.0118967099458917,
        0.0104112652619720,
        0.00925546218271273,
        0.00833056343336287,
    ];
    let c = |v: f64| constant(v, float);
    let small = lax::le(k, &c(9.0));
    let k = lax::clamp(&c(0.0), k, &c(9.0));
    let next = lax::add(&k, &c(1.0));
    let square = lax::mul(&next, &next);
    let inner = lax::sub(&c(1.0 / 360.0), &lax::div(&c(1.0 / 1260.0), &square));
    let series = lax::div(&lax::sub(&c(1.0 / 12.0), &lax::div(&inner, &square)), &next);
    let table = lax::convert_element_type(&Array::from_slice(&TABLE, &[10]), float);
    let index = lax::convert_element_type(&lax::floor(&k), DType::I32);
    let tabulated = jnp::take(&table, &index, None, IndexMode::Clip);
    lax::select(&small, &tabulated, &series)
}

/// Multinomial counts: `n` trials (which must broadcast to the batch shape,
/// `p`'s shape without its last axis) over the outcomes along the last axis
/// of the probabilities `p` (clipped to [0, 1] after normalizing the rest
/// of each row, so `p` need not sum to 1). As JAX, a [`binomial`] draw per
/// outcome, of the trials still left, with the outcome's share of the
/// probability left. The result has `shape` (which ends in the number of
/// outcomes and which `p` must broadcast to; default `p`'s shape) and
/// `dtype` (JAX's default is float32), computed in the float type of `n`
/// and `p` together. At most [`MAX_WINDOW_ELEMENTS`](crate::lax::MAX_WINDOW_ELEMENTS)
/// outcomes (the probability left is a windowed sum, as JAX's).
///
/// ```
/// use rjax::{random, Array, DType};
/// let p = Array::from_slice(&[0.2f32, 0.3, 0.5], &[3]);
/// let x = random::multinomial(&random::key(0), &Array::scalar(10.0f32), &p, None, DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![1.0, 1.0, 8.0]);
/// let counts = random::multinomial(&random::key(0), &Array::scalar(20i32), &p, Some(&[2, 3]), DType::I32);
/// assert_eq!(counts.to_vec::<i32>().unwrap().iter().sum::<i32>(), 40);
/// ```
#[track_caller]
pub fn multinomial(
    key: &impl KeyLike,
    n: &Array,
    p: &Array,
    shape: Option<&[usize]>,
    dtype: DType,
) -> Array {
    let location = crate::location::current();
    let result_shape = || -> Result<Vec<usize>> {
        let op = "multinomial";
        let dims = p.aval()?.shape;
        if dims.is_empty() {
            let message = "p must have at least one axis (the outcomes)";
            return Err(rjax_ir::Error::new(rjax_ir::ErrorKind::Shape, op, message));
        }
        let shape = sample_shape(op, shape, &dims)?;
        sample_shape(op, Some(&shape[..shape.len() - 1]), &n.aval()?.shape)?;
        Ok(shape)
    };
    match result_shape() {
        Ok(shape) => draw_with(
            Sampler::Multinomial,
            key,
            &[n.clone(), p.clone()],
            &shape,
            dtype,
        ),
        Err(e) => Array::from_error(e.at(location)),
    }
}

/// `multinomial`'s program: a scan over the outcomes, carrying the trials
/// left.
pub(super) fn multinomial_in(
    key: &Array,
    n: &Array,
    p: &Array,
    shape: &[usize],
    dtype: DType,
) -> Result<Array> {
    let (promoted, _) = rjax_ir::promote_types((n.dtype()?, false), (p.dtype()?, false));
    let float = if promoted.is_float() {
        promoted
    } else {
        DType::F32
    };
    let (batch, outcomes) = (&shape[..shape.len() - 1], shape[shape.len() - 1]);
    if outcomes == 0 {
        return Ok(jnp::zeros(shape, dtype));
    }
    let n = jnp::broadcast_to(&lax::convert_element_type(n, float), batch);
    let p = jnp::moveaxis(
        &jnp::broadcast_to(&lax::convert_element_type(p, float), shape),
        -1,
        0,
    );
    let left = probability_left(&p, outcomes)?;
    let zero = lax::eq(&left, &fill(0.0, float, &left.shape()?));
    let ratios = lax::div(
        &p,
        &lax::select(&zero, &fill(1.0, float, &left.shape()?), &left),
    );
    let keys = super::split(key, outcomes);
    let step = |trials: Array, (ratio, key): (Array, Array)| {
        let ratio = lax::min(
            &lax::max(&ratio, &constant(0.0, float)),
            &constant(1.0, float),
        );
        let count = binomial_in(&key, &trials, &ratio, batch, float)?;
        Ok((lax::sub(&trials, &count), count))
    };
    let (_, counts) = crate::control::scan(step, n, (ratios, keys))?;
    Ok(lax::convert_element_type(
        &jnp::moveaxis(&counts, 0, -1),
        dtype,
    ))
}

/// The probability of each outcome and those after it (along the first
/// axis), summed left to right as XLA's windowed sum of JAX's reverse
/// `cumsum` adds them.
fn probability_left(p: &Array, outcomes: usize) -> Result<Array> {
    let rank = p.ndim()?;
    let mut window = vec![1; rank];
    window[0] = outcomes;
    let mut padding = vec![(0, 0); rank];
    padding[0] = (0, outcomes as i64 - 1);
    let zero = constant(0.0, p.dtype()?);
    let windows = lax::Window::new(&window, &[], lax::Padding::Explicit(padding));
    Ok(lax::reduce_window(p, &zero, lax::add, &windows))
}
