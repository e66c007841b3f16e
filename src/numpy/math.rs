//! Elementwise math, comparison and logic functions beyond the core ones,
//! written with JAX's formulas.

use super::{
    Axes, abs, add, cast, divide, equal, exp, fallible, floor, greater, less, log, log1p, maximum,
    minimum, multiply, not_equal, promote_broadcast, sqrt, subtract, to_float, where_,
};
use crate::lax;
use crate::{Array, Operand, location};
use rjax_ir::{DType, Error, ErrorKind};

fn weak(v: f64) -> Array {
    Array::weak(v)
}

macro_rules! float_lax {
    ($($(#[$doc:meta])* $name:ident => $lax:ident;)*) => {$(
        $(#[$doc])*
        #[track_caller]
        pub fn $name(x: &Array) -> Array {
            lax::$lax(&to_float(x))
        }
    )*};
}

float_lax! {
    /// Hyperbolic sine.
    sinh => sinh;
    /// Hyperbolic cosine.
    cosh => cosh;
    /// Inverse sine.
    arcsin => asin;
    /// Inverse cosine.
    arccos => acos;
    /// Inverse tangent.
    arctan => atan;
    /// Inverse hyperbolic sine.
    arcsinh => asinh;
    /// Inverse hyperbolic cosine.
    arccosh => acosh;
    /// Inverse hyperbolic tangent.
    arctanh => atanh;
    /// Real cube root.
    cbrt => cbrt;
    /// Round half to even.
    rint => round;
}

/// `2^x`.
#[track_caller]
pub fn exp2(x: &Array) -> Array {
    exp(&(to_float(x) * std::f64::consts::LN_2))
}

/// Base-2 logarithm.
#[track_caller]
pub fn log2(x: &Array) -> Array {
    log(x) / std::f64::consts::LN_2
}

/// Base-10 logarithm.
#[track_caller]
pub fn log10(x: &Array) -> Array {
    log(x) / std::f64::consts::LN_10
}

/// `x * x`.
#[track_caller]
pub fn square(x: &Array) -> Array {
    x * x
}

/// `1 / x`.
#[track_caller]
pub fn reciprocal(x: &Array) -> Array {
    divide(&weak(1.0), x)
}

/// Degrees to radians.
#[track_caller]
pub fn deg2rad(x: &Array) -> Array {
    to_float(x) * (std::f64::consts::PI / 180.0)
}

/// Radians to degrees.
#[track_caller]
pub fn rad2deg(x: &Array) -> Array {
    to_float(x) * (180.0 / std::f64::consts::PI)
}

/// Same as [`deg2rad`].
#[track_caller]
pub fn radians(x: &Array) -> Array {
    deg2rad(x)
}

/// Same as [`rad2deg`].
#[track_caller]
pub fn degrees(x: &Array) -> Array {
    rad2deg(x)
}

/// `-1`, `0` or `1` by the sign of `x` (NaN stays NaN).
#[track_caller]
pub fn sign(x: &Array) -> Array {
    lax::sign(x)
}

/// Round towards zero.
#[track_caller]
pub fn trunc(x: &Array) -> Array {
    let x = to_float(x);
    where_(&x.lt(0.0), &lax::ceil(&x), &lax::floor(&x))
}

/// `√(x² + y²)` without overflow in the squares.
#[track_caller]
pub fn hypot(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (&x.into().0, &y.into().0);
    fallible(|| {
        let (x, y) = promote_broadcast("hypot", &to_float(x), &to_float(y))?;
        let (x, y) = (abs(&x), abs(&y));
        let (big, small) = (maximum(&x, &y), minimum(&x, &y));
        let safe = where_(&equal(&big, &weak(0.0)), &weak(1.0), &big);
        let ratio = divide(&small, &safe);
        let r = &big * &sqrt(&(&ratio * &ratio + 1.0));
        let infinite = lax::bitwise_or(&isinf(&x), &isinf(&y));
        Ok(where_(&infinite, &weak(f64::INFINITY), &r))
    })
}

/// `log(e^x + e^y)`, stable for large arguments.
#[track_caller]
pub fn logaddexp(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (&x.into().0, &y.into().0);
    fallible(|| {
        let (x, y) = promote_broadcast("logaddexp", &to_float(x), &to_float(y))?;
        let max = maximum(&x, &y);
        let delta = subtract(&x, &y);
        let soft = &max + &log1p(&exp(&-abs(&delta)));
        Ok(where_(&isnan(&delta), &add(&x, &y), &soft))
    })
}

/// `log2(2^x + 2^y)`.
#[track_caller]
pub fn logaddexp2(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (&x.into().0, &y.into().0);
    let ln2 = std::f64::consts::LN_2;
    logaddexp(&(to_float(x) * ln2), &(to_float(y) * ln2)) / ln2
}

/// `atan2(x, y)` with numpy's promotion.
#[track_caller]
pub fn arctan2(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (&x.into().0, &y.into().0);
    fallible(|| {
        let (x, y) = promote_broadcast("arctan2", &to_float(x), &to_float(y))?;
        Ok(lax::atan2(&x, &y))
    })
}

/// Neither infinite nor NaN (always true for integers).
#[track_caller]
pub fn isfinite(x: &Array) -> Array {
    fallible(|| {
        Ok(if x.dtype()?.is_complex() {
            logical_and(&isfinite(&lax::real(x)), &isfinite(&lax::imag(x)))
        } else if x.dtype()?.is_float() {
            lax::is_finite(x)
        } else {
            true_like(x)
        })
    })
}

fn true_like(x: &Array) -> Array {
    Array::from_result(
        x.shape()
            .map(|shape| lax::broadcast_in_dim(&Array::scalar(true), &shape, &[])),
    )
}

/// Not a number.
#[track_caller]
pub fn isnan(x: &Array) -> Array {
    not_equal(x, x)
}

/// Positive or negative infinity.
#[track_caller]
pub fn isinf(x: &Array) -> Array {
    fallible(|| {
        Ok(if x.dtype()?.is_complex() {
            logical_or(&isinf(&lax::real(x)), &isinf(&lax::imag(x)))
        } else if x.dtype()?.is_float() {
            equal(&abs(x), &weak(f64::INFINITY))
        } else {
            lax::not(&true_like(x))
        })
    })
}

/// Positive infinity.
#[track_caller]
pub fn isposinf(x: &Array) -> Array {
    lax::bitwise_and(&isinf(x), &greater(x, &weak(0.0)))
}

/// Negative infinity.
#[track_caller]
pub fn isneginf(x: &Array) -> Array {
    lax::bitwise_and(&isinf(x), &less(x, &weak(0.0)))
}

/// The sign bit is set (true for -0.0).
#[track_caller]
pub fn signbit(x: &Array) -> Array {
    fallible(|| {
        Ok(match x.dtype()? {
            DType::F64 => lax::bitcast_convert_type(x, DType::I64).lt(0),
            DType::F32 => lax::bitcast_convert_type(x, DType::I32).lt(0),
            DType::F16 | DType::BF16 => lax::bitcast_convert_type(x, DType::I16).lt(0),
            d if d.is_signed_int() => x.lt(0),
            _ => lax::not(&true_like(x)),
        })
    })
}

/// `|x|` with the sign of `y`.
#[track_caller]
pub fn copysign(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (&x.into().0, &y.into().0);
    fallible(|| {
        let (x, y) = promote_broadcast("copysign", &to_float(x), &to_float(y))?;
        let magnitude = abs(&x);
        Ok(where_(&signbit(&y), &-&magnitude, &magnitude))
    })
}

/// 0 for negative `x`, 1 for positive, `h0` at 0.
#[track_caller]
pub fn heaviside(x: impl Into<Operand>, h0: impl Into<Operand>) -> Array {
    let (x, h0) = (&x.into().0, &h0.into().0);
    let x = to_float(x);
    where_(&x.lt(0.0), &weak(0.0), &where_(&x.gt(0.0), &weak(1.0), h0))
}

/// `x` limited to `[min, max]` (either may be `None`), numpy's `clip`.
#[track_caller]
pub fn clip(x: &Array, min: Option<&Array>, max: Option<&Array>) -> Array {
    let lower = match min {
        Some(m) => maximum(m, x),
        None => x.clone(),
    };
    match max {
        Some(m) => minimum(m, &lower),
        None => lower,
    }
}

/// Python's `%`: the remainder with the sign of the divisor.
#[track_caller]
pub fn remainder(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (&x.into().0, &y.into().0);
    fallible(|| {
        let (x, y) = promote_broadcast("remainder", x, y)?;
        let r = lax::rem(&x, &y);
        let zero = cast(&Array::scalar(0i32), x.dtype()?, false);
        let differs = not_equal(&lax::lt(&r, &zero), &lax::lt(&y, &zero));
        let fix = lax::bitwise_and(&not_equal(&r, &zero), &differs);
        Ok(lax::select(&fix, &lax::add(&r, &y), &r))
    })
}

/// Same as [`remainder`].
#[track_caller]
pub fn mod_(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (&x.into().0, &y.into().0);
    remainder(x, y)
}

/// C's `fmod`: the remainder with the sign of the dividend.
#[track_caller]
pub fn fmod(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (&x.into().0, &y.into().0);
    fallible(|| {
        let (x, y) = promote_broadcast("fmod", x, y)?;
        Ok(lax::rem(&x, &y))
    })
}

/// Division rounding towards negative infinity.
#[track_caller]
pub fn floor_divide(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (&x.into().0, &y.into().0);
    fallible(|| {
        let (x, y) = promote_broadcast("floor_divide", x, y)?;
        if x.dtype()?.is_float() {
            return Ok(floor(&lax::div(&x, &y)));
        }
        let q = lax::div(&x, &y);
        let zero = cast(&Array::scalar(0i32), x.dtype()?, false);
        let inexact = not_equal(&lax::rem(&x, &y), &zero);
        let negative = not_equal(&lax::lt(&x, &zero), &lax::lt(&y, &zero));
        let one = cast(&Array::scalar(1i32), x.dtype()?, false);
        Ok(lax::select(
            &lax::bitwise_and(&inexact, &negative),
            &lax::sub(&q, &one),
            &q,
        ))
    })
}

/// `(floor_divide(x, y), remainder(x, y))`.
#[track_caller]
pub fn divmod(x: impl Into<Operand>, y: impl Into<Operand>) -> (Array, Array) {
    let (x, y) = (&x.into().0, &y.into().0);
    (floor_divide(x, y), remainder(x, y))
}

/// Same as [`super::divide`].
#[track_caller]
pub fn true_divide(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (&x.into().0, &y.into().0);
    divide(x, y)
}

/// `x` itself.
#[track_caller]
pub fn positive(x: &Array) -> Array {
    x.clone()
}

/// Absolute value of floats.
#[track_caller]
pub fn fabs(x: &Array) -> Array {
    abs(&to_float(x))
}

/// The larger of `x` and `y`, ignoring a NaN in one of them.
#[track_caller]
pub fn fmax(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (&x.into().0, &y.into().0);
    where_(&isnan(x), y, &where_(&isnan(y), x, &maximum(x, y)))
}

/// The smaller of `x` and `y`, ignoring a NaN in one of them.
#[track_caller]
pub fn fmin(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (&x.into().0, &y.into().0);
    where_(&isnan(x), y, &where_(&isnan(y), x, &minimum(x, y)))
}

/// `sin(πx) / (πx)`, 1 at 0.
#[track_caller]
pub fn sinc(x: &Array) -> Array {
    let x = to_float(x);
    let zero = equal(&x, &weak(0.0));
    let safe = where_(&zero, &weak(1.0), &x) * std::f64::consts::PI;
    where_(&zero, &weak(1.0), &(lax::sin(&safe) / &safe))
}

/// NaN to `nan`, ±inf to `posinf`/`neginf` (default: the dtype's extremes).
#[track_caller]
pub fn nan_to_num(x: &Array, nan: f64, posinf: Option<f64>, neginf: Option<f64>) -> Array {
    // Integers have no NaN or infinity; an array holding an error is
    // returned as it is.
    let d = match x.dtype() {
        Ok(d) if d.is_float() => d,
        _ => return x.clone(),
    };
    let big = match d {
        DType::F16 => 65504.0,
        DType::BF16 => 3.389_531_389_251_535_5e38,
        DType::F32 => f32::MAX as f64,
        _ => f64::MAX,
    };
    let out = where_(&isnan(x), &weak(nan), x);
    let out = where_(&isposinf(x), &weak(posinf.unwrap_or(big)), &out);
    where_(&isneginf(x), &weak(neginf.unwrap_or(-big)), &out)
}

/// `|a - b| <= atol + rtol |b|` elementwise (NaNs unequal, equal
/// infinities close).
#[track_caller]
pub fn isclose(a: &Array, b: &Array, rtol: f64, atol: f64) -> Array {
    fallible(|| {
        let (a, b) = promote_broadcast("isclose", &to_float(a), &to_float(b))?;
        let near = super::less_equal(&abs(&subtract(&a, &b)), &(abs(&b) * rtol + atol));
        let both_inf = lax::bitwise_and(&isinf(&a), &equal(&a, &b));
        Ok(lax::bitwise_or(
            &lax::bitwise_and(&near, &isfinite(&b)),
            &both_inf,
        ))
    })
}

/// All elements [`isclose`].
#[track_caller]
pub fn allclose(a: &Array, b: &Array, rtol: f64, atol: f64) -> Array {
    super::all(&isclose(a, b, rtol, atol), Axes::All, false)
}

/// Same shape and equal elements, as a bool scalar.
#[track_caller]
pub fn array_equal(a: &Array, b: &Array) -> Array {
    match (a.shape(), b.shape()) {
        (Ok(sa), Ok(sb)) if sa != sb => Array::scalar(false),
        _ => super::all(&equal(a, b), Axes::All, false),
    }
}

macro_rules! logical {
    ($($(#[$doc:meta])* $name:ident => $lax:ident;)*) => {$(
        $(#[$doc])*
        #[track_caller]
        pub fn $name(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
            let (x, y) = (&x.into().0, &y.into().0);
            let b = |v: &Array| cast(v, DType::Bool, false);
            fallible(|| {
                let (x, y) = promote_broadcast(stringify!($name), &b(x), &b(y))?;
                Ok(lax::$lax(&x, &y))
            })
        }
    )*};
}

logical! {
    /// Elementwise `x && y` of truth values.
    logical_and => bitwise_and;
    /// Elementwise `x || y` of truth values.
    logical_or => bitwise_or;
    /// Elementwise `x != y` of truth values.
    logical_xor => bitwise_xor;
}

/// Elementwise negation of truth values.
#[track_caller]
pub fn logical_not(x: &Array) -> Array {
    lax::not(&cast(x, DType::Bool, false))
}

macro_rules! bitwise {
    ($($(#[$doc:meta])* $name:ident => $lax:ident;)*) => {$(
        $(#[$doc])*
        #[track_caller]
        pub fn $name(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
            let (x, y) = (&x.into().0, &y.into().0);
            fallible(|| {
                let (x, y) = promote_broadcast(stringify!($name), x, y)?;
                if x.dtype()?.is_float() {
                    return Err(Error::new(ErrorKind::DType, stringify!($name), "needs integer or bool operands")
                        .with_operands(vec![x.aval()?, y.aval()?])
                        .at(location::current()));
                }
                Ok(lax::$lax(&x, &y))
            })
        }
    )*};
}

bitwise! {
    /// Bitwise and of integers (logical of bools).
    bitwise_and => bitwise_and;
    /// Bitwise or.
    bitwise_or => bitwise_or;
    /// Bitwise exclusive or.
    bitwise_xor => bitwise_xor;
    /// `x << y`.
    left_shift => shift_left;
}

/// `x >> y`: arithmetic for signed integers, logical for unsigned ones.
#[track_caller]
pub fn right_shift(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (&x.into().0, &y.into().0);
    fallible(|| {
        let (x, y) = promote_broadcast("right_shift", x, y)?;
        Ok(if x.dtype()?.is_signed_int() {
            lax::shift_right_arithmetic(&x, &y)
        } else {
            lax::shift_right_logical(&x, &y)
        })
    })
}

/// Bitwise not (logical not of bools).
#[track_caller]
pub fn bitwise_not(x: &Array) -> Array {
    lax::not(x)
}

/// Same as [`bitwise_not`].
#[track_caller]
pub fn invert(x: &Array) -> Array {
    lax::not(x)
}

/// `x^y` computed in the wider float type, numpy's `float_power`.
#[track_caller]
pub fn float_power(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (&x.into().0, &y.into().0);
    let f = |v: &Array| cast(v, DType::F64, false);
    super::power(&f(x), &f(y))
}

/// `x * 2^e`.
#[track_caller]
pub fn ldexp(x: impl Into<Operand>, e: impl Into<Operand>) -> Array {
    let (x, e) = (&x.into().0, &e.into().0);
    multiply(&to_float(x), &exp2(e))
}
