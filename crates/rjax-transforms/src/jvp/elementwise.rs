//! Tangents of the elementwise primitives.

use super::sum_opt;
use crate::ops::{self, add, binary, compare, convert, div, mul, neg, scalar, select, sub};
use rjax_ir::primitive::{BinaryOp, Comparison, UnaryOp};
use rjax_ir::{Error, ErrorKind, Primitive, Result, Value, bind1};

pub(super) fn unary_tangent(
    op: UnaryOp,
    x: &Value,
    y: &Value,
    t: Option<&Value>,
) -> Result<Option<Value>> {
    use UnaryOp::*;
    let Some(t) = t else { return Ok(None) };
    let d = x.aval().dtype;
    let one = scalar(1.0, d);
    let u = |op: UnaryOp, v: &Value| ops::unary(op, v);
    let derivative = match op {
        Neg => return Ok(Some(neg(t)?)),
        Exp => y.clone(),
        Log => return Ok(Some(div(t, x)?)),
        Log1p => return Ok(Some(div(t, &add(&one, x)?)?)),
        Expm1 => add(y, &one)?,
        // (t + t*y) * (1 - y): JAX's association, for the same f32 rounding.
        Tanh => return Ok(Some(mul(&add(t, &mul(t, y)?)?, &sub(&one, y)?)?)),
        Logistic => mul(y, &sub(&one, y)?)?,
        Sin => u(Cos, x)?,
        Cos => neg(&u(Sin, x)?)?,
        Tan => add(&one, &mul(y, y)?)?,
        Sqrt => return Ok(Some(div(t, &mul(y, &scalar(2.0, d))?)?)),
        Rsqrt => div(&mul(y, &scalar(-0.5, d))?, x)?,
        Abs if d.is_complex() => return complex_abs_tangent(x, y, t).map(Some),
        Abs => u(Sign, x)?,
        Real | Imag | Conj => return Ok(Some(u(op, t)?)),
        // JAX's association: c * (t * exp(..)).
        Erf => {
            let e = u(Exp, &neg(&mul(x, x)?)?)?;
            return Ok(Some(mul(
                &scalar(std::f64::consts::FRAC_2_SQRT_PI, d),
                &mul(t, &e)?,
            )?));
        }
        ErfInv => {
            let e = u(Exp, &mul(y, y)?)?;
            let c = scalar(std::f64::consts::PI.sqrt() / 2.0, d);
            return Ok(Some(mul(&c, &mul(t, &e)?)?));
        }
        Cbrt => div(&scalar(1.0 / 3.0, d), &mul(y, y)?)?,
        Sinh => u(Cosh, x)?,
        Cosh => u(Sinh, x)?,
        Asin => u(Rsqrt, &sub(&one, &mul(x, x)?)?)?,
        Acos => neg(&u(Rsqrt, &sub(&one, &mul(x, x)?)?)?)?,
        Atan => return Ok(Some(div(t, &add(&one, &mul(x, x)?)?)?)),
        Asinh => u(Rsqrt, &add(&mul(x, x)?, &one)?)?,
        Acosh => u(Rsqrt, &mul(&sub(x, &one)?, &add(x, &one)?)?)?,
        Atanh => return Ok(Some(div(t, &mul(&add(&one, x)?, &sub(&one, x)?)?)?)),
        Lgamma => u(Digamma, x)?,
        Digamma => ops::binary(BinaryOp::Polygamma, &one, x)?,
        // JAX's association: c * (t * exp(..)), as for erf.
        Erfc => {
            let e = u(Exp, &neg(&mul(x, x)?)?)?;
            let c = scalar(-std::f64::consts::FRAC_2_SQRT_PI, d);
            return Ok(Some(mul(&c, &mul(t, &e)?)?));
        }
        BesselI0e => sub(&u(BesselI1e, x)?, &mul(&u(Sign, x)?, y)?)?,
        BesselI1e => bessel_i1e_derivative(x, y)?,
        Sign | Floor | Ceil | Round | Not | IsFinite | PopulationCount | Clz => return Ok(None),
    };
    Ok(Some(mul(t, &derivative)?))
}

pub(super) fn binary_tangent(
    op: BinaryOp,
    a: &Value,
    b: &Value,
    y: &Value,
    ta: &Option<Value>,
    tb: &Option<Value>,
) -> Result<Option<Value>> {
    use BinaryOp::*;
    let d = y.aval().dtype;
    let shape = y.aval().shape;
    let scale = |t: &Option<Value>, by: &Value| t.as_ref().map(|t| mul(t, by)).transpose();
    let fitted = |t: &Option<Value>| t.as_ref().map(|t| ops::fit(t, &shape)).transpose();
    match op {
        Add => sum_opt(fitted(ta)?, fitted(tb)?),
        Sub => sum_opt(fitted(ta)?, fitted(tb)?.map(|t| neg(&t)).transpose()?),
        Mul => sum_opt(scale(ta, b)?, scale(tb, a)?),
        Div => {
            let left = ta.as_ref().map(|t| div(t, b)).transpose()?;
            let right = tb
                .as_ref()
                .map(|t| neg(&div(&mul(t, y)?, b)?))
                .transpose()?;
            sum_opt(left, right)
        }
        Rem => {
            let q = div(a, b)?;
            let neg_q = compare(Comparison::Lt, &q, &scalar(0.0, d))?;
            let trunc = select(
                &neg_q,
                &ops::unary(UnaryOp::Ceil, &q)?,
                &ops::unary(UnaryOp::Floor, &q)?,
            )?;
            sum_opt(fitted(ta)?, scale(tb, &neg(&trunc)?)?)
        }
        Pow => {
            let left = scale(
                ta,
                &mul(
                    b,
                    &bind1(
                        &Primitive::Binary(Pow),
                        &[a.clone(), sub(b, &scalar(1.0, d))?],
                    )?,
                )?,
            )?;
            let right = scale(tb, &mul(&ops::unary(UnaryOp::Log, a)?, y)?)?;
            sum_opt(left, right)
        }
        Max | Min => {
            // The winner takes the tangent; ties split it evenly, as in JAX.
            let wins = compare(
                if op == Max {
                    Comparison::Gt
                } else {
                    Comparison::Lt
                },
                a,
                b,
            )?;
            let ties = compare(Comparison::Eq, a, b)?;
            let half_ties = mul(&convert(&ties, d)?, &scalar(0.5, d))?;
            let weight_a = ops::fit(&add(&convert(&wins, d)?, &half_ties)?, &shape)?;
            let weight_b = sub(&scalar(1.0, d), &weight_a)?;
            sum_opt(scale(ta, &weight_a)?, scale(tb, &weight_b)?)
        }
        Atan2 => {
            let denom = add(&mul(a, a)?, &mul(b, b)?)?;
            let left = scale(ta, &div(b, &denom)?)?;
            let right = scale(tb, &neg(&div(a, &denom)?)?)?;
            sum_opt(left, right)
        }
        Polygamma if ta.is_some() => Err(not_differentiable(
            "polygamma",
            "with respect to its order m",
        )),
        Polygamma => scale(tb, &ops::binary(Polygamma, &add(a, &scalar(1.0, d))?, b)?),
        Zeta => Err(not_differentiable("zeta", "of zeta")),
        Complex => {
            if ta.is_none() && tb.is_none() {
                return Ok(None);
            }
            let part = |t: &Option<Value>, x: &Value| match t {
                Some(t) => ops::fit(t, &shape),
                None => ops::zeros(&x.aval().with_shape(shape.clone())),
            };
            Ok(Some(binary(Complex, &part(ta, a)?, &part(tb, b)?)?))
        }
        And | Or | Xor | ShiftLeft | ShiftRightLogical | ShiftRightArithmetic | NextAfter => {
            Ok(None)
        }
    }
}

/// The tangent of `|x|` at a complex `x`: `re(t · conj(x) / |x|)`, with
/// `|x| = 0` replaced by 1 (a zero tangent there), as JAX computes it.
fn complex_abs_tangent(x: &Value, y: &Value, t: &Value) -> Result<Value> {
    let d = x.aval().dtype;
    let modulus = convert(y, d)?;
    let zero = compare(Comparison::Eq, &modulus, &scalar(0.0, d))?;
    let one = ops::fit(&scalar(1.0, d), &modulus.aval().shape)?;
    let safe = select(&zero, &one, &modulus)?;
    let direction = div(&ops::unary(UnaryOp::Conj, x)?, &safe)?;
    ops::unary(UnaryOp::Real, &mul(t, &direction)?)
}

/// `i0e(x) - i1e(x) (sign(x) + 1 / x)`, the derivative of `i1e`, with `x`
/// kept away from 0 (where the limit is 1/2), as JAX computes it.
fn bessel_i1e_derivative(x: &Value, y: &Value) -> Result<Value> {
    let d = x.aval().dtype;
    let eps = scalar(d.epsilon().unwrap_or(0.0), d);
    let not_tiny = compare(Comparison::Gt, &ops::unary(UnaryOp::Abs, x)?, &eps)?;
    let safe_x = select(&not_tiny, x, &ops::fit(&eps, &x.aval().shape)?)?;
    let recip = div(&scalar(1.0, d), &safe_x)?;
    let slope = mul(y, &add(&ops::unary(UnaryOp::Sign, &safe_x)?, &recip)?)?;
    let derivative = sub(&ops::unary(UnaryOp::BesselI0e, &safe_x)?, &slope)?;
    select(
        &not_tiny,
        &derivative,
        &ops::fit(&scalar(0.5, d), &x.aval().shape)?,
    )
}

/// The typed error of a derivative JAX does not define.
fn not_differentiable(op: &str, what: &str) -> Error {
    Error::new(
        ErrorKind::Param,
        op,
        format!("differentiation {what} is not supported, as in JAX"),
    )
}
