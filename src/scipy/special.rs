//! `jax.scipy.special`: gamma, beta, error and Bessel functions, the
//! normal distribution's CDF and its inverse, and the entropy helpers, as
//! compositions of `lax` primitives (differentiable through their rules).

use crate::numpy::{self as jnp, Axes, to_float};
use crate::{Array, Operand, lax};
use std::f64::consts::{FRAC_1_SQRT_2, SQRT_2};

/// `log Σ e^a` over `axis` (JAX's `jax.scipy.special.logsumexp`).
///
/// ```
/// use rjax::{Array, scipy::special};
/// let a = Array::from_slice(&[1000.0f32, 1000.0], &[2]);
/// let l = special::logsumexp(&a, (), false).item::<f32>().unwrap();
/// assert!((l - (1000.0 + 2f32.ln())).abs() < 1e-3);
/// ```
#[track_caller]
pub fn logsumexp(a: &Array, axis: impl Into<Axes>, keepdims: bool) -> Array {
    crate::nn::logsumexp(a, axis, keepdims)
}

/// `log |Γ(x)|`.
#[track_caller]
pub fn gammaln(x: &Array) -> Array {
    lax::lgamma(&to_float(x))
}

/// `d/dx log Γ(x)`.
#[track_caller]
pub fn digamma(x: &Array) -> Array {
    lax::digamma(&to_float(x))
}

/// `log |B(a, b)| = gammaln(a) + gammaln(b) - gammaln(a + b)`.
///
/// ```
/// use rjax::{Array, scipy::special};
/// let v = special::betaln(Array::scalar(2.0f32), 3.0).item::<f32>().unwrap();
/// assert!((v - (1.0f32 / 12.0).ln()).abs() < 1e-6);
/// ```
#[track_caller]
pub fn betaln(a: impl Into<Operand>, b: impl Into<Operand>) -> Array {
    let (a, b) = (to_float(&a.into().0), to_float(&b.into().0));
    &(&gammaln(&a) + &gammaln(&b)) - &gammaln(&jnp::add(&a, &b))
}

/// `x · log(y)`, and 0 where `x == 0` (even for `y == 0`).
///
/// ```
/// use rjax::{Array, scipy::special};
/// assert_eq!(special::xlogy(0.0, Array::scalar(0.0f32)).item::<f32>().unwrap(), 0.0);
/// ```
#[track_caller]
pub fn xlogy(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (to_float(&x.into().0), to_float(&y.into().0));
    times_unless_zero(&x, &jnp::log(&y))
}

/// `x · log(1 + y)`, and 0 where `x == 0`.
#[track_caller]
pub fn xlog1py(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (to_float(&x.into().0), to_float(&y.into().0));
    times_unless_zero(&x, &jnp::log1p(&y))
}

/// `x · v`, 0 where `x == 0`; the zero branch keeps gradients finite.
#[track_caller]
fn times_unless_zero(x: &Array, v: &Array) -> Array {
    let zero = x.eq(0.0);
    let safe = jnp::where_(&zero, 1.0, v);
    jnp::where_(&zero, 0.0, &jnp::multiply(x, &safe))
}

/// The elementwise entropy `-x log x` (0 at 0, `-inf` for negative `x`).
#[track_caller]
pub fn entr(x: &Array) -> Array {
    let x = to_float(x);
    let positive = jnp::where_(x.gt(0.0), &-&xlogy(&x, &x), f64::NEG_INFINITY);
    jnp::where_(x.eq(0.0), 0.0, &positive)
}

/// The error function.
#[track_caller]
pub fn erf(x: &Array) -> Array {
    lax::erf(&to_float(x))
}

/// `1 - erf(x)`, accurate where `erf(x)` is near 1.
#[track_caller]
pub fn erfc(x: &Array) -> Array {
    lax::erfc(&to_float(x))
}

/// The inverse of [`erf`] on `(-1, 1)`.
#[track_caller]
pub fn erfinv(x: &Array) -> Array {
    lax::erf_inv(&to_float(x))
}

/// The standard normal CDF, `½ erfc(-x/√2)`.
///
/// ```
/// use rjax::{Array, scipy::special};
/// assert_eq!(special::ndtr(&Array::scalar(0.0f32)).item::<f32>().unwrap(), 0.5);
/// ```
#[track_caller]
pub fn ndtr(x: &Array) -> Array {
    let x = to_float(x);
    &lax::erfc(&(&x * -FRAC_1_SQRT_2)) * 0.5
}

/// The inverse of [`ndtr`]: `√2 erfinv(2p - 1)`.
#[track_caller]
pub fn ndtri(p: &Array) -> Array {
    let p = to_float(p);
    &lax::erf_inv(&(&(&p * 2.0) - 1.0)) * SQRT_2
}

/// `log ndtr(x)`, accurate in both tails: `log1p(-ndtr(-x))` for large
/// `x`, and for very negative `x` the asymptotic series of the Mills
/// ratio, `log φ(x) - log(-x) + log(1 - 1/x² + 3/x⁴ - 15/x⁶ + 105/x⁸)`.
///
/// ```
/// use rjax::{Array, scipy::special};
/// let v = special::log_ndtr(&Array::scalar(-40.0f64)).item::<f64>().unwrap();
/// assert!((v + 804.6084420137538).abs() < 1e-9);
/// ```
#[track_caller]
pub fn log_ndtr(x: &Array) -> Array {
    let x = to_float(x);
    let upper = jnp::log1p(&-&ndtr(&-&x));
    let middle = jnp::log(&ndtr(&x));
    // The series at a safe argument where it is not used.
    let t = jnp::where_(x.lt(-20.0), &x, -20.0);
    let z = lax::reciprocal(&(&t * &t));
    let series = &(&(&(&(&z * 105.0) - 15.0) * &z + 3.0) * &z - 1.0) * &z + 1.0;
    let log_phi = &(&(&t * &t) * -0.5) - 0.5 * (2.0 * std::f64::consts::PI).ln();
    let lower = &(&log_phi - &jnp::log(&-&t)) + &jnp::log(&series);
    jnp::where_(
        x.gt(6.0),
        &upper,
        &jnp::where_(x.lt(-20.0), &lower, &middle),
    )
}

/// The logistic sigmoid `1 / (1 + e^-x)`.
#[track_caller]
pub fn expit(x: &Array) -> Array {
    lax::logistic(&to_float(x))
}

/// The inverse of [`expit`], `log(p / (1 - p))`.
#[track_caller]
pub fn logit(p: &Array) -> Array {
    let p = to_float(p);
    jnp::log(&jnp::divide(&p, &(1.0 - &p)))
}

/// `e^-|x| I₀(x)`.
#[track_caller]
pub fn i0e(x: &Array) -> Array {
    lax::bessel_i0e(&to_float(x))
}

/// `e^-|x| I₁(x)`.
#[track_caller]
pub fn i1e(x: &Array) -> Array {
    lax::bessel_i1e(&to_float(x))
}

/// The regularized lower incomplete gamma function `P(a, x)`.
#[track_caller]
pub fn gammainc(a: impl Into<Operand>, x: impl Into<Operand>) -> Array {
    let (a, x) = promoted(a, x);
    lax::igamma(&a, &x)
}

/// The regularized upper incomplete gamma function `Q(a, x) = 1 - P(a, x)`.
#[track_caller]
pub fn gammaincc(a: impl Into<Operand>, x: impl Into<Operand>) -> Array {
    let (a, x) = promoted(a, x);
    lax::igammac(&a, &x)
}

/// The regularized incomplete beta function `I_x(a, b)`.
#[track_caller]
pub fn betainc(a: impl Into<Operand>, b: impl Into<Operand>, x: impl Into<Operand>) -> Array {
    let (a, b, x) = (a.into().0, b.into().0, x.into().0);
    let like = to_float(&jnp::add(&jnp::add(&a, &b), &x));
    let cast = |v: &Array| jnp::add(&jnp::zeros_like(&like, None), v);
    lax::betainc(&cast(&a), &cast(&b), &cast(&x))
}

/// The Hurwitz zeta function `ζ(x, q) = Σₖ (q + k)^-x`.
#[track_caller]
pub fn zeta(x: impl Into<Operand>, q: impl Into<Operand>) -> Array {
    let (x, q) = promoted(x, q);
    lax::zeta(&x, &q)
}

/// The `n`-th derivative of [`digamma`] at `x`.
#[track_caller]
pub fn polygamma(n: impl Into<Operand>, x: impl Into<Operand>) -> Array {
    let (n, x) = promoted(n, x);
    lax::polygamma(&n, &x)
}

/// Two operands as floats of their promoted dtype, broadcast together.
#[track_caller]
fn promoted(a: impl Into<Operand>, b: impl Into<Operand>) -> (Array, Array) {
    let (a, b) = (a.into().0, b.into().0);
    let zero = jnp::zeros_like(&to_float(&jnp::add(&a, &b)), None);
    (jnp::add(&zero, &a), jnp::add(&zero, &b))
}

/// `Γ(x)`, as `sign · e^{gammaln(x)}`.
///
/// ```
/// use rjax::{Array, scipy::special};
/// assert_eq!(special::gamma(&Array::scalar(5.0f64)).item::<f64>().unwrap().round(), 24.0);
/// ```
#[track_caller]
pub fn gamma(x: &Array) -> Array {
    let x = to_float(x);
    &gammasgn(&x) * &jnp::exp(&gammaln(&x))
}

/// The sign of `Γ(x)`: 1 for positive `x`, alternating between the poles
/// for negative `x` (NaN at the poles, as JAX).
#[track_caller]
pub fn gammasgn(x: &Array) -> Array {
    let x = to_float(x);
    let floor = jnp::floor(&x);
    let odd = jnp::remainder(&floor, 2.0).ne(0.0);
    let negative = jnp::where_(&odd, -1.0, 1.0);
    let sign = jnp::where_(x.gt(0.0), 1.0, &negative);
    let pole = jnp::logical_and(x.le(0.0), x.eq(&floor));
    jnp::add(
        &jnp::zeros_like(&x, None),
        &jnp::where_(&pole, f64::NAN, &sign),
    )
}

/// The beta function `B(a, b) = Γ(a) Γ(b) / Γ(a + b)`.
#[track_caller]
pub fn beta(a: impl Into<Operand>, b: impl Into<Operand>) -> Array {
    let (a, b) = promoted(a, b);
    let sign = &(&gammasgn(&a) * &gammasgn(&b)) * &gammasgn(&jnp::add(&a, &b));
    &sign * &jnp::exp(&betaln(&a, &b))
}

/// `n!` as `Γ(n + 1)` (0 for negative `n`).
#[track_caller]
pub fn factorial(n: &Array) -> Array {
    let n = to_float(n);
    jnp::where_(n.lt(0.0), 0.0, &gamma(&(&n + 1.0)))
}

/// The Pochhammer symbol `(z)_m = Γ(z + m) / Γ(z)`.
#[track_caller]
pub fn poch(z: impl Into<Operand>, m: impl Into<Operand>) -> Array {
    let (z, m) = promoted(z, m);
    let zm = jnp::add(&z, &m);
    let sign = &gammasgn(&zm) * &gammasgn(&z);
    &sign * &jnp::exp(&(&gammaln(&zm) - &gammaln(&z)))
}

/// The multivariate log-gamma function of dimension `d`:
/// `d(d-1)/4 · log π + Σ_{j<d} gammaln(a - j/2)`.
#[track_caller]
pub fn multigammaln(a: &Array, d: usize) -> Array {
    let a = to_float(a);
    let constant = (d * d.saturating_sub(1)) as f64 / 4.0 * std::f64::consts::PI.ln();
    (0..d).fold(jnp::add(&jnp::zeros_like(&a, None), constant), |acc, j| {
        &acc + &gammaln(&(&a - j as f64 / 2.0))
    })
}

/// `I₀(x)`, the modified Bessel function of the first kind of order 0.
#[track_caller]
pub fn i0(x: &Array) -> Array {
    let x = to_float(x);
    &i0e(&x) * &jnp::exp(&jnp::abs(&x))
}

/// `I₁(x)`, the modified Bessel function of the first kind of order 1.
#[track_caller]
pub fn i1(x: &Array) -> Array {
    let x = to_float(x);
    &i1e(&x) * &jnp::exp(&jnp::abs(&x))
}

/// The relative entropy term `x log(x / y)` (0 at `x = 0`, `inf` where
/// `x > 0` and `y ≤ 0` or either is negative).
#[track_caller]
pub fn rel_entr(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = promoted(x, y);
    let both_positive = jnp::logical_and(x.gt(0.0), y.gt(0.0));
    let safe_y = jnp::where_(&both_positive, &y, 1.0);
    let term = xlogy(&x, &jnp::divide(&x, &safe_y));
    let zero_x = jnp::logical_and(x.eq(0.0), y.ge(0.0));
    jnp::where_(
        &both_positive,
        &term,
        &jnp::where_(&zero_x, 0.0, f64::INFINITY),
    )
}

/// The Kullback–Leibler term `x log(x / y) - x + y`.
#[track_caller]
pub fn kl_div(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = promoted(x, y);
    &(&rel_entr(&x, &y) - &x) + &y
}

/// `softmax` over `axis` (as `jax.nn.softmax`).
#[track_caller]
pub fn softmax(x: &Array, axis: impl Into<Axes>) -> Array {
    crate::nn::softmax(x, axis)
}

/// `log_softmax` over `axis` (as `jax.nn.log_softmax`).
#[track_caller]
pub fn log_softmax(x: &Array, axis: impl Into<Axes>) -> Array {
    crate::nn::log_softmax(x, axis)
}

/// The Box-Cox transform `(x^λ - 1) / λ`, `log x` at `λ = 0`.
#[track_caller]
pub fn boxcox(x: impl Into<Operand>, lmbda: impl Into<Operand>) -> Array {
    let (x, l) = promoted(x, lmbda);
    boxcox_of_log(&jnp::log(&x), &l)
}

/// The Box-Cox transform of `1 + x`, accurate for small `x`.
#[track_caller]
pub fn boxcox1p(x: impl Into<Operand>, lmbda: impl Into<Operand>) -> Array {
    let (x, l) = promoted(x, lmbda);
    boxcox_of_log(&jnp::log1p(&x), &l)
}

/// `(e^{λ log} - 1) / λ = expm1(λ log) / λ`, `log` at `λ = 0`.
#[track_caller]
fn boxcox_of_log(log: &Array, l: &Array) -> Array {
    let zero = l.eq(0.0);
    let safe = jnp::where_(&zero, 1.0, l);
    jnp::where_(
        &zero,
        log,
        &jnp::divide(&jnp::expm1(&jnp::multiply(&safe, log)), &safe),
    )
}
