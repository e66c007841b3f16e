//! The regularized incomplete beta function `I_x(a, b)` (`lax.betainc`),
//! computed as XLA's math library does and JAX lowers it: the continued
//! fraction of DLMF 8.17.22 by the modified Lentz algorithm, on `x` or, by
//! the symmetry `I_x(a, b) = 1 - I_{1-x}(b, a)`, on `1 - x`, whichever
//! converges fast.

use super::special::{float_operands, in_f32_for_16_bit};
use crate::custom::{JvpFn, call_staged};
use crate::numpy::{self as jnp, fallible};
use crate::{Array, DType, JitStatic, jit_static, lax};
use rjax_ir::{Error, ErrorKind, Value};
use std::sync::Arc;

/// `I_x(a, b)`, the probability that a `Beta(a, b)` variable is below `x`.
/// `a`, `b` and `x` are floats of one dtype and of one shape (rank-0
/// operands broadcast). Differentiable in `x`; differentiating in `a` or
/// `b` is a typed error, as in JAX.
///
/// ```
/// use rjax::{grad, lax, Array};
/// let (a, b) = (Array::scalar(2.0f32), Array::scalar(3.0f32));
/// // I_x(2, 3) = 6x² - 8x³ + 3x⁴.
/// let i = lax::betainc(&a, &b, &Array::scalar(0.5f32)).item::<f32>().unwrap();
/// assert!((i - 0.6875).abs() < 1e-6);
/// // Its derivative is the Beta(2, 3) density, 12 x (1 - x)².
/// let d = grad(|x: Array| lax::betainc(&a, &b, &x))(Array::scalar(0.5f32)).unwrap();
/// assert!((d.item::<f32>().unwrap() - 1.5).abs() < 1e-5);
/// ```
#[track_caller]
pub fn betainc(a: &Array, b: &Array, x: &Array) -> Array {
    thread_local! {
        static PROGRAM: JitStatic<(), (Array, Array, Array), Array> =
            jit_static(|_: &(), (a, b, x): (Array, Array, Array)| differentiable(a, b, x));
    }
    fallible(|| {
        let [a, b, x] = float_operands("betainc", ["a", "b", "x"], [a, b, x])
            .map_err(|e| e.at(crate::location::current()))?;
        PROGRAM.with(|p| p.call((), (a, b, x)))
    })
}

/// `betainc` with its derivative in `x`, the beta density.
fn differentiable(a: Array, b: Array, x: Array) -> Array {
    let jvp: Arc<JvpFn> = Arc::new(|primals: &[Value], tangents: &[Option<Value>]| {
        if tangents[..2].iter().any(Option::is_some) {
            return Err(Error::new(
                ErrorKind::Param,
                "betainc",
                "differentiation with respect to a and b is not supported (as in JAX)",
            ));
        }
        let [a, b, x] = [0, 1, 2].map(|i| Array::from_value(primals[i].clone()));
        let y = upcast(&a, &b, &x).value()?.clone();
        let Some(tx) = &tangents[2] else {
            return Ok((vec![y], vec![None]));
        };
        let log_beta = lax::lgamma(&a) + lax::lgamma(&b) - lax::lgamma(&(&a + &b));
        let density =
            (&(&(&b - 1.0) * &lax::log1p(&-&x)) + &(&(&a - 1.0) * &x.log()) - log_beta).exp();
        let t = &Array::from_value(tx.clone()) * &density;
        Ok((vec![y], vec![Some(t.value()?.clone())]))
    });
    let f = |(a, b, x): (Array, Array, Array)| upcast(&a, &b, &x);
    call_staged("betainc", &f, (a, b, x), jvp).unwrap_or_else(Array::from_error)
}

/// In f32 for 16-bit floats.
fn upcast(a: &Array, b: &Array, x: &Array) -> Array {
    in_f32_for_16_bit([a, b, x], |[a, b, x]| evaluate(a, b, x))
}

fn evaluate(a: &Array, b: &Array, x: &Array) -> Array {
    let Ok(dtype) = a.dtype() else {
        return a.clone();
    };
    let info = jnp::finfo(dtype).expect("operands are floats");
    let is = |v: &Array, c: f64| jnp::equal(v, &Array::weak(c));
    let or = |p: &Array, q: &Array| lax::bitwise_or(p, q);
    let and = |p: &Array, q: &Array| lax::bitwise_and(p, q);
    let not = jnp::logical_not;
    let a_zero = or(&is(a, 0.0), &is(b, f64::INFINITY));
    let b_zero = or(&is(b, 0.0), &is(a, f64::INFINITY));
    let (x_zero, x_one) = (is(x, 0.0), is(x, 1.0));
    let is_nan = or(&or(&jnp::isnan(a), &jnp::isnan(b)), &jnp::isnan(x));
    let zero = or(&and(&b_zero, &not(&x_one)), &and(&a_zero, &x_zero));
    let one = or(&and(&a_zero, &not(&x_zero)), &and(&b_zero, &x_one));
    let outside = or(&or(&a.lt(0.0), &b.lt(0.0)), &or(&x.lt(0.0), &x.gt(1.0)));
    let nan = or(&or(&outside, &and(&a_zero, &b_zero)), &is_nan);

    let direct = x.lt(&(&(a + 1.0) / &(&(a + b) + 2.0)));
    let (a, b, x) = (
        lax::select(&direct, a, b),
        lax::select(&direct, b, a),
        lax::select(&direct, x, &(1.0 - x)),
    );
    let iterations = if dtype == DType::F32 { 200 } else { 600 };
    let fraction = lentz(&a, &b, &x, iterations, info.eps / 2.0);
    // a Γ(a) = Γ(a + 1) → 1 as a → 0: the prefactor without 1/a there.
    let log_beta_but_a = lax::lgamma(&b) - lax::lgamma(&(&a + &b));
    let log_beta = lax::lgamma(&a) + log_beta_but_a.clone();
    let log1m_x_b = &lax::log1p(&-&x) * &b;
    let factor = jnp::where_(
        &a.lt(info.tiny * 2.0),
        &(&log1m_x_b - &log_beta_but_a).exp(),
        &(&(&(&(&x.log() * &a) + &log1m_x_b) - &log_beta).exp() / &a),
    );
    let y = &fraction * &factor;
    let y = jnp::where_(&direct, &y, &(1.0 - &y));
    let fill = |v: f64| jnp::full_like(&y, v, None);
    let y = jnp::where_(&zero, &fill(0.0), &y);
    let y = jnp::where_(&one, &fill(1.0), &y);
    jnp::where_(&nan, &fill(f64::NAN), &y)
}

/// The continued fraction `1 / (1 + d₁ / (1 + d₂ / (1 + …)))` of DLMF
/// 8.17.22 by the modified Lentz algorithm: every element steps until all
/// have converged to `tolerance` (or after `iterations` steps); `tolerance`
/// also stands in for denominators that vanish.
fn lentz(a: &Array, b: &Array, x: &Array, iterations: i32, tolerance: f64) -> Array {
    let Ok(dtype) = x.dtype() else {
        return x.clone();
    };
    let small = jnp::full_like(x, tolerance, None);
    let at_least_small = |v: Array| jnp::where_(&v.abs().lt(tolerance), &small, &v);
    // The 0th partial denominator is 0 (below `tolerance`); the others 1.
    let start = (
        lax::convert_element_type(&Array::scalar(1i32), DType::I32),
        Array::scalar(true),
        small.clone(),
        jnp::zeros_like(x, None),
        small.clone(),
    );
    let running = |(n, unconverged, ..): &(Array, Array, Array, Array, Array)| {
        lax::bitwise_and(&n.lt(iterations as f64), unconverged)
    };
    let step = |(n, _, c, d, h): (Array, Array, Array, Array, Array)| {
        let numerator = partial_numerator(&n, a, b, x, dtype);
        let c = at_least_small(1.0 + &(&numerator / &c));
        let d = lax::div(
            &jnp::ones_like(x, None),
            &at_least_small(1.0 + &(&numerator * &d)),
        );
        let delta = &c * &d;
        let unconverged = jnp::any(
            &jnp::greater_equal(&(&delta - 1.0).abs(), &Array::weak(tolerance)),
            (),
            false,
        );
        (&n + 1, unconverged, c, d, &h * &delta)
    };
    match lax::while_loop(running, step, start) {
        Ok((.., h)) => h,
        Err(e) => Array::from_error(e),
    }
}

/// The `n`-th partial numerator (`n ≥ 1`) of the continued fraction: 1 for
/// `n = 1`, then `-(a+m)(a+b+m)x / ((a+2m)(a+2m+1))` for even `n` and
/// `m(b-m)x / ((a+2m-1)(a+2m))` for odd `n`, with `m = (n-1)/2`.
fn partial_numerator(n: &Array, a: &Array, b: &Array, x: &Array, dtype: DType) -> Array {
    let m_int = lax::div(
        &(n - 1),
        &lax::convert_element_type(&Array::scalar(2i32), DType::I32),
    );
    let m = lax::convert_element_type(&m_int, dtype);
    let two_m = &m * 2.0;
    let first_even = -&(&(&(a + b) * x) / &(a + 1.0));
    let even =
        -&(&(&(&(a + &m) * &(&(a + b) + &m)) * x) / &(&(a + &two_m) * &(&(a + &two_m) + 1.0)));
    let even = jnp::where_(&jnp::equal(&m_int, &Array::weak(0.0)), &first_even, &even);
    let odd = &(&(&m * &(b - &m)) * x) / &(&(&(a + &two_m) - 1.0) * &(a + &two_m));
    let is_even = jnp::equal(
        &lax::rem(
            n,
            &lax::convert_element_type(&Array::scalar(2i32), DType::I32),
        ),
        &Array::weak(0.0),
    );
    let value = jnp::where_(&is_even, &even, &odd);
    jnp::where_(
        &jnp::equal(n, &Array::weak(1.0)),
        &jnp::ones_like(x, None),
        &value,
    )
}
