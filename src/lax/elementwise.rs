//! Elementwise functions built from the primitives: powers, `exp2`,
//! `mulhi` and the n-way `select_n`.

use crate::numpy::{cast, fallible};
use crate::{Array, lax, location};
use rjax_ir::{AVal, DType, Error, ErrorKind};

/// `x * x`.
///
/// ```
/// use rjax::{lax, Array};
/// assert_eq!(lax::square(&Array::scalar(-3i32)).item::<i32>().unwrap(), 9);
/// ```
#[track_caller]
pub fn square(x: &Array) -> Array {
    lax::mul(x, x)
}

/// `1 / x` (floats).
///
/// ```
/// use rjax::{lax, Array};
/// assert_eq!(lax::reciprocal(&Array::scalar(4.0f32)).item::<f32>().unwrap(), 0.25);
/// ```
#[track_caller]
pub fn reciprocal(x: &Array) -> Array {
    integer_pow(x, -1)
}

/// `2^x`, as `e^(x ln 2)`.
///
/// ```
/// use rjax::{lax, Array};
/// let y = lax::exp2(&Array::scalar(3.0f64)).item::<f64>().unwrap();
/// assert!((y - 8.0).abs() < 1e-12);
/// ```
#[track_caller]
pub fn exp2(x: &Array) -> Array {
    fallible(|| {
        let d = x.aval()?.dtype;
        let ln2 = cast(&Array::scalar(std::f64::consts::LN_2), d, false);
        Ok(lax::exp(&lax::mul(&ln2, x)))
    })
}

/// `x^y` for a static integer `y`, by repeated squaring (a negative `y`
/// takes the reciprocal, so needs floats).
///
/// ```
/// use rjax::{lax, Array};
/// assert_eq!(lax::integer_pow(&Array::scalar(3i32), 5).item::<i32>().unwrap(), 243);
/// assert_eq!(lax::integer_pow(&Array::scalar(2.0f32), -2).item::<f32>().unwrap(), 0.25);
/// ```
#[track_caller]
pub fn integer_pow(x: &Array, y: i32) -> Array {
    fallible(|| {
        let a = x.aval()?;
        if a.dtype.is_bool() || (y < 0 && !a.dtype.is_inexact()) {
            return Err(Error::new(
                ErrorKind::DType,
                "integer_pow",
                format!("{} cannot be raised to the power {y}", a.dtype.name()),
            )
            .with_operands(vec![a])
            .at(location::current()));
        }
        let one = || lax::full_like(x, &Array::scalar(1i32), None, None);
        let (mut base, mut n) = (x.clone(), y.unsigned_abs());
        let mut acc: Option<Array> = None;
        while n > 0 {
            if n & 1 == 1 {
                acc = Some(acc.map_or_else(|| base.clone(), |a| lax::mul(&a, &base)));
            }
            n >>= 1;
            if n > 0 {
                base = lax::mul(&base, &base);
            }
        }
        Ok(match acc {
            None => one(),
            Some(p) if y < 0 => lax::div(&one(), &p),
            Some(p) => p,
        })
    })
}

/// The high half of the double-width product of integers of one dtype
/// (signed or unsigned).
///
/// ```
/// use rjax::{lax, Array};
/// let hi = lax::mulhi(&Array::scalar(0x8000_0000u32), &Array::scalar(6u32));
/// assert_eq!(hi.item::<u32>().unwrap(), 3);
/// ```
#[track_caller]
pub fn mulhi(x: &Array, y: &Array) -> Array {
    fallible(|| {
        let (a, b) = (x.aval()?, y.aval()?);
        if a.dtype != b.dtype || !a.dtype.is_int() {
            return Err(
                Error::new(ErrorKind::DType, "mulhi", "needs integers of one dtype")
                    .with_operands(vec![a, b])
                    .at(location::current()),
            );
        }
        Ok(match double_width(a.dtype) {
            Some(wide) => {
                let widen = |v: &Array| lax::convert_element_type(v, wide);
                let product = lax::mul(&widen(x), &widen(y));
                let bits = cast(&Array::scalar(8 * a.dtype.size_bytes() as i64), wide, false);
                let high = if a.dtype.is_signed_int() {
                    lax::shift_right_arithmetic(&product, &bits)
                } else {
                    lax::shift_right_logical(&product, &bits)
                };
                lax::convert_element_type(&high, a.dtype)
            }
            None => mulhi64(x, y, &a),
        })
    })
}

/// The integer dtype twice as wide, of the same signedness (none for 64
/// bits).
fn double_width(d: DType) -> Option<DType> {
    use DType::*;
    match d {
        I8 => Some(I16),
        I16 => Some(I32),
        I32 => Some(I64),
        U8 => Some(U16),
        U16 => Some(U32),
        U32 => Some(U64),
        _ => None,
    }
}

/// 64-bit `mulhi` from 32-bit halves: the four partial products and their
/// carries, then the sign correction
/// `hi(x y) = hi_unsigned(x y) - (x < 0 ? y : 0) - (y < 0 ? x : 0)`.
fn mulhi64(x: &Array, y: &Array, a: &AVal) -> Array {
    let u = |v: &Array| lax::convert_element_type(v, DType::U64);
    let c = |v: u64| Array::scalar(v);
    let (xu, yu) = (u(x), u(y));
    let low = |v: &Array| lax::bitwise_and(v, &c(0xFFFF_FFFF));
    let high = |v: &Array| lax::shift_right_logical(v, &c(32));
    let (x_lo, x_hi, y_lo, y_hi) = (low(&xu), high(&xu), low(&yu), high(&yu));
    let lo_lo = lax::mul(&x_lo, &y_lo);
    let lo_hi = lax::mul(&x_lo, &y_hi);
    let hi_lo = lax::mul(&x_hi, &y_lo);
    let hi_hi = lax::mul(&x_hi, &y_hi);
    let cross = lax::add(&lax::add(&low(&lo_hi), &low(&hi_lo)), &high(&lo_lo));
    let carries = lax::add(&high(&lo_hi), &lax::add(&high(&hi_lo), &high(&cross)));
    let unsigned = lax::convert_element_type(&lax::add(&hi_hi, &carries), a.dtype);
    if !a.dtype.is_signed_int() {
        return unsigned;
    }
    let sign = |v: &Array| lax::shift_right_arithmetic(v, &Array::scalar(63i64));
    let correction = lax::add(&lax::mul(&sign(x), y), &lax::mul(&sign(y), x));
    lax::add(&unsigned, &correction)
}

/// `cases[which]` elementwise: `which` is bool (with at most two cases,
/// `false` picking the first) or an integer in `0..cases.len()`, of the
/// cases' shape or rank 0.
///
/// ```
/// use rjax::{lax, Array};
/// let which = Array::from_slice(&[2i32, 0, 1], &[3]);
/// let cases = [0.0f32, 10.0, 20.0].map(|v| Array::from_slice(&[v, v + 1.0, v + 2.0], &[3]));
/// let y = lax::select_n(&which, &cases);
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![20.0, 1.0, 12.0]);
/// ```
#[track_caller]
pub fn select_n(which: &Array, cases: &[Array]) -> Array {
    fallible(|| {
        let w = which.aval()?;
        let bad = |message: String| {
            Err(Error::new(ErrorKind::Param, "select_n", message)
                .with_operands(vec![w.clone()])
                .at(location::current()))
        };
        match (cases, w.dtype) {
            ([], _) => bad("needs at least one case".into()),
            (_, DType::Bool) if cases.len() > 2 => bad(format!(
                "a bool selector picks from at most 2 cases, not {}",
                cases.len()
            )),
            (_, d) if !(d.is_bool() || d.is_int()) => bad(format!(
                "the selector must be bool or an integer, not {}",
                d.name()
            )),
            // Case i wins where which >= i, so out-of-range selectors
            // pick the first or the last case.
            ([first, rest @ ..], d) => {
                Ok(rest
                    .iter()
                    .enumerate()
                    .fold(first.clone(), |acc, (i, case)| {
                        let at_least = if d.is_bool() {
                            which.clone()
                        } else {
                            lax::ge(which, &cast(&Array::scalar(i as i64 + 1), d, false))
                        };
                        lax::select(&at_least, case, &acc)
                    }))
            }
        }
    })
}
