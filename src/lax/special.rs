//! The regularized incomplete gamma functions and their derivatives in the
//! shape parameter: `igamma` (`P(a, x)`), `igammac` (`Q(a, x) = 1 - P`),
//! `igamma_grad_a` (`∂P/∂a`) and `random_gamma_grad` (the derivative of a
//! gamma sample in its shape, for implicit reparameterization).
//!
//! Each is computed as XLA's math library does and JAX lowers it: a power
//! series where `x` is small next to `a` and a continued fraction (with
//! the derivative in `a` carried along its recurrences) elsewhere, both as
//! `while_loop`s that freeze each element once it has converged. They are
//! compositions of primitives rather than primitives, compiled once per
//! function, shape and dtype; `igamma` and `igammac` carry JAX's
//! derivatives as custom JVP rules (decisions.md).
//!
//! ```
//! use rjax::{lax, Array};
//! let a = Array::from_slice(&[0.5f32, 1.0, 3.0], &[3]);
//! let x = Array::from_slice(&[0.2f32, 1.0, 5.0], &[3]);
//! let p = lax::igamma(&a, &x).to_vec::<f32>().unwrap();
//! // P(1, x) = 1 - e^-x.
//! assert!((p[1] - (1.0 - (-1.0f32).exp())).abs() < 1e-6);
//! let q = lax::igammac(&a, &x).to_vec::<f32>().unwrap();
//! assert!(p.iter().zip(&q).all(|(p, q)| (p + q - 1.0).abs() < 1e-6));
//! ```

use crate::numpy::{self as jnp, Finfo, fallible};
use crate::{Array, DType, JitStatic, Tree, custom_jvp, jit_static, lax};
use rjax_ir::{Error, ErrorKind};

/// The regularized lower incomplete gamma function `P(a, x)`, the
/// probability that a unit-rate gamma variable of shape `a` is below `x`.
/// `a` and `x` are floats of one dtype and of one shape (or rank 0);
/// differentiable in both (in `a` through [`igamma_grad_a`]).
///
/// ```
/// use rjax::{grad, lax, Array};
/// let p = lax::igamma(&Array::scalar(2.0f32), &Array::scalar(3.0f32));
/// assert!((p.item::<f32>().unwrap() - 0.8008517).abs() < 1e-6);
/// // ∂P/∂x is the gamma density: x e^-x / Γ(2) at x = 3.
/// let dx = grad(|x: Array| lax::igamma(&Array::scalar(2.0f32), &x))(Array::scalar(3.0f32)).unwrap();
/// assert!((dx.item::<f32>().unwrap() - 3.0 * (-3.0f32).exp()).abs() < 1e-6);
/// ```
#[track_caller]
pub fn igamma(a: &Array, x: &Array) -> Array {
    run(Function::Lower, a, x)
}

/// The regularized upper incomplete gamma function `Q(a, x) = 1 - P(a, x)`,
/// computed directly so that it stays accurate where `P` is close to 1.
///
/// ```
/// use rjax::{lax, Array};
/// let q = lax::igammac(&Array::scalar(1.0f64), &Array::scalar(40.0f64));
/// assert!((q.item::<f64>().unwrap() / (-40.0f64).exp() - 1.0).abs() < 1e-12);
/// ```
#[track_caller]
pub fn igammac(a: &Array, x: &Array) -> Array {
    run(Function::Upper, a, x)
}

/// `∂P(a, x)/∂a`, the derivative of [`igamma`] in its shape parameter.
///
/// ```
/// use rjax::{lax, Array};
/// let (a, x, h) = (2.0f64, 3.0f64, 1e-6);
/// let p = |a: f64| lax::igamma(&Array::scalar(a), &Array::scalar(x)).item::<f64>().unwrap();
/// let d = lax::igamma_grad_a(&Array::scalar(a), &Array::scalar(x)).item::<f64>().unwrap();
/// assert!((d - (p(a + h) - p(a - h)) / (2.0 * h)).abs() < 1e-8);
/// ```
#[track_caller]
pub fn igamma_grad_a(a: &Array, x: &Array) -> Array {
    run(Function::LowerGradA, a, x)
}

/// The derivative of a gamma sample `x` of shape `a` in `a`, holding its
/// quantile `P(a, x)` fixed: `-(∂P/∂a) / (∂P/∂x)`. This is the implicit
/// reparameterization gradient of [`crate::random::gamma`].
///
/// ```
/// use rjax::{lax, Array};
/// // For a = 1 the sample is -log(1 - u), independent of a at fixed u
/// // only through P: dx/da = -(∂P/∂a) / (x^(a-1) e^-x / Γ(a)).
/// let (a, x) = (Array::scalar(1.0f64), Array::scalar(0.5f64));
/// let d = lax::random_gamma_grad(&a, &x).item::<f64>().unwrap();
/// let want = -lax::igamma_grad_a(&a, &x).item::<f64>().unwrap() / (-0.5f64).exp();
/// assert!((d - want).abs() < 1e-12);
/// ```
#[track_caller]
pub fn random_gamma_grad(a: &Array, x: &Array) -> Array {
    run(Function::SampleGradA, a, x)
}

/// The four functions, keying their compiled programs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Function {
    Lower,
    Upper,
    LowerGradA,
    SampleGradA,
}

impl Function {
    fn name(self) -> &'static str {
        match self {
            Function::Lower => "igamma",
            Function::Upper => "igammac",
            Function::LowerGradA => "igamma_grad_a",
            Function::SampleGradA => "random_gamma_grad",
        }
    }
}

thread_local! {
    static PROGRAMS: JitStatic<Function, (Array, Array), Array> =
        jit_static(|f: &Function, (a, x): (Array, Array)| differentiable(*f, a, x));
}

/// Check the operands, then run `f`'s compiled program on them.
#[track_caller]
fn run(f: Function, a: &Array, x: &Array) -> Array {
    fallible(|| {
        let [a, x] = float_operands(f.name(), ["a", "x"], [a, x])
            .map_err(|e| e.at(crate::location::current()))?;
        PROGRAMS.with(|p| p.call(f, (a, x)))
    })
}

/// The operands (named `names` in messages) as floats of one dtype and
/// one shape, rank-0 operands broadcast to the others'; else a typed error
/// naming `op`.
pub(super) fn float_operands<const N: usize>(
    op: &str,
    names: [&str; N],
    xs: [&Array; N],
) -> Result<[Array; N], Error> {
    let avals = xs.iter().map(|x| x.aval()).collect::<Result<Vec<_>, _>>()?;
    let listed = names
        .iter()
        .zip(&avals)
        .map(|(n, a)| format!("{n} {a}"))
        .collect::<Vec<_>>()
        .join(", ");
    if avals
        .iter()
        .any(|a| a.dtype != avals[0].dtype || !a.dtype.is_float())
    {
        let why = format!("{listed} must be floats of one dtype");
        return Err(Error::new(ErrorKind::DType, op, why));
    }
    let shape = avals.iter().map(|a| &a.shape).find(|s| !s.is_empty());
    let shape = shape.cloned().unwrap_or_default();
    if avals.iter().any(|a| a.rank() > 0 && a.shape != shape) {
        let why = format!("{listed} must have one shape (or be rank 0)");
        return Err(Error::new(ErrorKind::Shape, op, why));
    }
    Ok(xs.map(|x| jnp::broadcast_to(x, &shape)))
}

/// `f` of the operands computed in f32 when they are 16-bit floats, the
/// result converted back, as JAX computes its special functions.
pub(super) fn in_f32_for_16_bit<const N: usize>(
    xs: [&Array; N],
    f: impl FnOnce([&Array; N]) -> Array,
) -> Array {
    let Ok(dtype) = xs[0].dtype() else {
        return xs[0].clone();
    };
    if !matches!(dtype, DType::F16 | DType::BF16) {
        return f(xs);
    }
    let up = xs.map(|x| lax::convert_element_type(x, DType::F32));
    lax::convert_element_type(&f(std::array::from_fn(|i| &up[i])), dtype)
}

/// `f` with JAX's derivative rules: `igamma` and `igammac` differentiate
/// in `x` by the gamma density and in `a` by `igamma_grad_a`.
fn differentiable(f: Function, a: Array, x: Array) -> Array {
    let sign = match f {
        Function::Lower => 1.0,
        Function::Upper => -1.0,
        Function::LowerGradA | Function::SampleGradA => return upcast(f, &a, &x),
    };
    let rule = custom_jvp(
        move |(a, x): (Array, Array)| upcast(f, &a, &x),
        move |(a, x): (Array, Array), (ta, tx): (Array, Array)| {
            let density = (-&x + &(&a - 1.0) * &x.log() - lax::lgamma(&a)).exp();
            let dp = &ta * &igamma_grad_a(&a, &x) + &tx * &density;
            (upcast(f, &a, &x), &dp * sign)
        },
    );
    rule.call((a, x)).unwrap_or_else(Array::from_error)
}

/// `f` computed in f32 for 16-bit floats.
fn upcast(f: Function, a: &Array, x: &Array) -> Array {
    in_f32_for_16_bit([a, x], |[a, x]| evaluate(f, a, x))
}

/// What the loops compute: the function itself, `∂/∂a` of it, or the
/// derivative of a gamma sample.
#[derive(Clone, Copy, PartialEq)]
enum Mode {
    Value,
    GradA,
    SampleGradA,
}

fn evaluate(f: Function, a: &Array, x: &Array) -> Array {
    Array::from_result(Point::new(a, x).map(|p| match f {
        Function::Lower => p.lower(),
        Function::Upper => p.upper(),
        Function::LowerGradA => p.grad_a(Mode::GradA),
        Function::SampleGradA => p.grad_a(Mode::SampleGradA),
    }))
}

/// The operands with what every function needs of them.
struct Point<'a> {
    a: &'a Array,
    x: &'a Array,
    info: Finfo,
    /// `x^a e^-x / Γ(a)`, the factor in front of both expansions.
    ax: Array,
    /// `ax` underflows: the expansions are not run.
    underflow: Array,
    is_nan: Array,
    x_zero: Array,
}

fn or(ps: &[&Array]) -> Array {
    ps[1..]
        .iter()
        .fold(ps[0].clone(), |acc, p| lax::bitwise_or(&acc, p))
}

fn not(p: &Array) -> Array {
    jnp::logical_not(p)
}

fn equal(x: &Array, v: f64) -> Array {
    jnp::equal(x, &Array::weak(v))
}

impl<'a> Point<'a> {
    fn new(a: &'a Array, x: &'a Array) -> Result<Point<'a>, Error> {
        let info = jnp::finfo(a.dtype()?).expect("operands are floats");
        let log_ax = &(a * &x.log()) - x - lax::lgamma(a);
        Ok(Point {
            a,
            x,
            info,
            underflow: log_ax.lt(-info.max.ln()),
            ax: log_ax.exp(),
            is_nan: lax::bitwise_or(&jnp::isnan(a), &jnp::isnan(x)),
            x_zero: equal(x, 0.0),
        })
    }

    fn fill(&self, v: f64) -> Array {
        jnp::full_like(self.a, v, None)
    }

    /// The continued fraction where `use_fraction`, the series elsewhere,
    /// each run only on its `enabled` elements.
    fn expansions(&self, enabled: &Array, use_fraction: &Array, mode: Mode) -> (Array, Array) {
        let on = |p: &Array| lax::bitwise_and(enabled, p);
        (
            self.fraction(&on(use_fraction), mode),
            self.series(&on(&not(use_fraction)), mode),
        )
    }

    /// `(a, x)` outside the domain of `P` and `Q`, and the infinities.
    fn limits(&self) -> (Array, Array, Array, Array) {
        let (a, x) = (self.a, self.x);
        let (a_zero, a_inf, x_inf) = (
            equal(a, 0.0),
            equal(a, f64::INFINITY),
            equal(x, f64::INFINITY),
        );
        let domain_error = or(&[
            &x.lt(0.0),
            &a.lt(0.0),
            &lax::bitwise_and(&a_zero, &self.x_zero),
            &lax::bitwise_and(&a_inf, &x_inf),
            &self.is_nan,
        ]);
        (domain_error, a_zero, a_inf, x_inf)
    }

    fn lower(&self) -> Array {
        let (a, x) = (self.a, self.x);
        let (domain_error, _, a_inf, x_inf) = self.limits();
        let enabled = not(&or(&[
            &domain_error,
            &self.underflow,
            &x_inf,
            &a_inf,
            &self.x_zero,
        ]));
        let use_fraction = lax::bitwise_and(&jnp::greater_equal(x, &Array::weak(1.0)), &x.gt(a));
        let (fraction, series) = self.expansions(&enabled, &use_fraction, Mode::Value);
        let out = jnp::where_(&use_fraction, &(1.0 - &fraction), &series);
        let out = jnp::where_(&or(&[&a_inf, &self.x_zero]), &self.fill(0.0), &out);
        let out = jnp::where_(&x_inf, &self.fill(1.0), &out);
        jnp::where_(&domain_error, &self.fill(f64::NAN), &out)
    }

    fn upper(&self) -> Array {
        let (a, x) = (self.a, self.x);
        let (domain_error, a_zero, a_inf, x_inf) = self.limits();
        let enabled = not(&or(&[
            &domain_error,
            &self.underflow,
            &x_inf,
            &a_inf,
            &a_zero,
        ]));
        let use_fraction = not(&lax::bitwise_or(&x.lt(1.0), &x.lt(a)));
        let (fraction, series) = self.expansions(&enabled, &use_fraction, Mode::Value);
        let out = jnp::where_(&use_fraction, &fraction, &(1.0 - &series));
        let out = jnp::where_(&a_inf, &self.fill(1.0), &out);
        let out = jnp::where_(&or(&[&x_inf, &a_zero]), &self.fill(0.0), &out);
        jnp::where_(&domain_error, &self.fill(f64::NAN), &out)
    }

    /// `∂P/∂a`, or the derivative of a gamma sample, by `mode`.
    fn grad_a(&self, mode: Mode) -> Array {
        let (a, x) = (self.a, self.x);
        let domain_error = or(&[
            &x.lt(0.0),
            &jnp::less_equal(a, &Array::weak(0.0)),
            &self.is_nan,
        ]);
        let enabled = not(&or(&[&self.x_zero, &domain_error, &self.underflow]));
        let use_fraction = lax::bitwise_and(&x.gt(1.0), &x.gt(a));
        let (fraction, series) = self.expansions(&enabled, &use_fraction, mode);
        let out = jnp::where_(&use_fraction, &-&fraction, &series);
        let out = jnp::where_(&self.x_zero, &self.fill(0.0), &out);
        jnp::where_(&domain_error, &self.fill(f64::NAN), &out)
    }

    /// The power series of `P(a, x)`, `ax/a · Σ xⁿ / ((a+1)…(a+n))`, with its
    /// derivative in `a` term by term; each element stops adding terms once the
    /// last one (or its derivative) is below `eps` relative to the sum.
    fn series(&self, enabled: &Array, mode: Mode) -> Array {
        let (ax, x, a, info) = (&self.ax, self.x, self.a, self.info);
        /// `r = a + n`, the term `c` and the partial sum `ans`, with their
        /// derivatives in `a`; `enabled` elements are still adding terms.
        #[derive(Tree)]
        struct Terms {
            enabled: Array,
            r: Array,
            c: Array,
            ans: Array,
            dc_da: Array,
            dans_da: Array,
        }
        let (zeros, ones) = (jnp::zeros_like(a, None), jnp::ones_like(a, None));
        let init = Terms {
            enabled: enabled.clone(),
            r: a.clone(),
            c: ones.clone(),
            ans: ones,
            dc_da: zeros.clone(),
            dans_da: zeros,
        };
        let step = |s: Terms| {
            let r = &s.r + 1.0;
            let dc_da = &(&s.dc_da * &(x / &r)) - &(&(&s.c * x) / &(&r * &r));
            let dans_da = &s.dans_da + &dc_da;
            let c = &s.c * &(x / &r);
            let ans = &s.ans + &c;
            let small = match mode {
                Mode::Value => (&c / &ans).gt(info.eps),
                _ => (&dc_da / &dans_da).abs().gt(info.eps),
            };
            let on = &s.enabled;
            Terms {
                enabled: lax::bitwise_and(on, &small),
                r: keep(on, r, &s.r),
                c: keep(on, c, &s.c),
                ans: keep(on, ans, &s.ans),
                dc_da: keep(on, dc_da, &s.dc_da),
                dans_da: keep(on, dans_da, &s.dans_da),
            }
        };
        let any = |s: &Terms| jnp::any(&s.enabled, (), false);
        let s = match lax::while_loop(any, step, init) {
            Ok(s) => s,
            Err(e) => return Array::from_error(e),
        };
        let dlogax_da = || x.log() - lax::digamma(&(a + 1.0));
        match mode {
            Mode::Value => &(&s.ans * ax) / a,
            Mode::GradA => &(ax * &(&(&s.ans * &dlogax_da()) + &s.dans_da)) / a,
            Mode::SampleGradA => &(-&(&s.dans_da + &(&s.ans * &dlogax_da())) * x) / a,
        }
    }

    /// The continued fraction of `Q(a, x)`, evaluated by its three-term
    /// recurrences (rescaled when they grow past `1/eps`) together with their
    /// derivatives in `a`; at most 2000 steps.
    fn fraction(&self, enabled: &Array, mode: Mode) -> Array {
        let (ax, x, a, info) = (&self.ax, self.x, self.a, self.info);
        /// The last two numerators `p` and denominators `q` (newest first)
        /// and their derivatives in `a`; the convergent `ans`, its relative
        /// change `t` and derivative `dans_da`; the recurrence's `y`, `z`
        /// and step count `c` (shared by all elements).
        #[derive(Tree)]
        struct Convergents {
            enabled: Array,
            ans: Array,
            t: Array,
            y: Array,
            z: Array,
            c: Array,
            p: [Array; 2],
            q: [Array; 2],
            dp: [Array; 2],
            dq: [Array; 2],
            dans_da: Array,
        }
        let eps = info.eps;
        let y = 1.0 - a;
        let z = &(x + &y) + 1.0;
        let (p1, q1) = (x + 1.0, &z * x);
        let ans = &p1 / &q1;
        let zeros = jnp::zeros_like(x, None);
        let dq1 = -x;
        let dans_da = &(&zeros - &(&ans * &dq1)) / &q1;
        let init = Convergents {
            enabled: enabled.clone(),
            ans,
            t: jnp::ones_like(x, None),
            y,
            z,
            c: Array::from_result(
                x.dtype()
                    .map(|d| lax::convert_element_type(&Array::scalar(0.0f64), d)),
            ),
            p: [p1, jnp::ones_like(x, None)],
            q: [q1, x.clone()],
            dp: [zeros.clone(), zeros.clone()],
            dq: [dq1, zeros],
            dans_da,
        };
        let step = |s: Convergents| {
            let c = &s.c + 1.0;
            let y = &s.y + 1.0;
            let z = &s.z + 2.0;
            let yc = &y * &c;
            let pk = &(&s.p[0] * &z) - &(&s.p[1] * &yc);
            let qk = &(&s.q[0] * &z) - &(&s.q[1] * &yc);
            let nonzero = jnp::not_equal(&qk, &Array::weak(0.0));
            let r = &pk / &qk;
            let t = jnp::where_(&nonzero, &(&(&s.ans - &r) / &r).abs(), &Array::weak(1.0));
            let ans = jnp::where_(&nonzero, &r, &s.ans);
            let dpk = &(&(&(&s.dp[0] * &z) - &s.p[0]) - &(&s.dp[1] * &yc)) + &(&s.p[1] * &c);
            let dqk = &(&(&(&s.dq[0] * &z) - &s.q[0]) - &(&s.dq[1] * &yc)) + &(&s.q[1] * &c);
            let dans_da = jnp::where_(&nonzero, &(&(&dpk - &(&ans * &dqk)) / &qk), &s.dans_da);
            let moved = jnp::where_(&nonzero, &(&dans_da - &s.dans_da).abs(), &Array::weak(1.0));
            let rescale = pk.abs().gt(1.0 / eps);
            let scaled = |v: &Array| jnp::where_(&rescale, &(v * eps), v);
            let unconverged = match mode {
                Mode::Value => t.gt(eps),
                _ => moved.gt(eps),
            };
            let on = &s.enabled;
            let pair = |new: [&Array; 2], old: &[Array; 2]| {
                [
                    keep(on, scaled(new[0]), &old[0]),
                    keep(on, scaled(new[1]), &old[1]),
                ]
            };
            Convergents {
                enabled: lax::bitwise_and(on, &unconverged),
                ans: keep(on, ans, &s.ans),
                t: keep(on, t, &s.t),
                y: keep(on, y, &s.y),
                z: keep(on, z, &s.z),
                c,
                p: pair([&pk, &s.p[0]], &s.p),
                q: pair([&qk, &s.q[0]], &s.q),
                dp: pair([&dpk, &s.dp[0]], &s.dp),
                dq: pair([&dqk, &s.dq[0]], &s.dq),
                dans_da: keep(on, dans_da, &s.dans_da),
            }
        };
        let running =
            |s: &Convergents| lax::bitwise_and(&s.c.lt(2000.0), &jnp::any(&s.enabled, (), false));
        let s = match lax::while_loop(running, step, init) {
            Ok(s) => s,
            Err(e) => return Array::from_error(e),
        };
        if mode == Mode::Value {
            return &s.ans * ax;
        }
        let dlogax_da = x.log() - lax::digamma(a);
        let d = &s.dans_da + &(&s.ans * &dlogax_da);
        match mode {
            Mode::GradA => ax * &d,
            _ => -&(&d * x),
        }
    }
}

/// Keep `new` where `enabled`, else `old`.
fn keep(enabled: &Array, new: Array, old: &Array) -> Array {
    lax::select(enabled, &new, old)
}
