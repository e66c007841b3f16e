//! Elementwise number theory and floating-point anatomy: `gcd`, `lcm`,
//! `frexp`, `modf`, `spacing`, `nextafter`, `i0`, `around`, and bits:
//! `bitwise_count`, `packbits`, `unpackbits`.

use super::{
    abs, cast, copysign, fallible, floor_divide, promote_broadcast, ravel, swapaxes, to_float,
    where_,
};
use crate::control::while_loop;
use crate::{Array, Operand, idx, lax, location};
use rjax_ir::{DType, Error, ErrorKind};

#[track_caller]
fn dtype_error(op: &str, x: &Array, message: &str) -> Error {
    let operands = x.aval().map(|a| vec![a]).unwrap_or_default();
    Error::new(ErrorKind::DType, op, message)
        .with_operands(operands)
        .at(location::current())
}

/// Integer operands promoted and broadcast together, checked to be integers.
#[track_caller]
fn integers(op: &str, x: Operand, y: Operand) -> Result<(Array, Array), Error> {
    let (x, y) = promote_broadcast(op, &x.0, &y.0)?;
    if !x.dtype()?.is_int() {
        return Err(dtype_error(op, &x, "needs integer operands"));
    }
    Ok((x, y))
}

/// The greatest common divisor of integers, elementwise (Euclid's
/// algorithm, in a `while_loop`; `gcd(0, 0) == 0`).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let x = Array::from_slice(&[12i32, -18, 7, 0], &[4]);
/// assert_eq!(jnp::gcd(&x, 8).to_vec::<i32>().unwrap(), vec![4, 2, 1, 8]);
/// ```
#[track_caller]
pub fn gcd(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (x.into(), y.into());
    fallible(|| {
        let (x, y) = integers("gcd", x, y)?;
        // The loop's carry keeps one shape: both operands at the broadcast one.
        let both = super::broadcast_arrays(&[x, y]);
        let (x, y) = (both[0].clone(), both[1].clone());
        let (g, _) = while_loop(
            |(_, b): &(Array, Array)| super::any(&b.ne(0), (), false),
            |(a, b): (Array, Array)| {
                let nonzero = b.ne(0);
                let a1 = where_(&nonzero, &b, &a);
                let safe = where_(&nonzero, &b, 1);
                let b1 = where_(&nonzero, lax::rem(&a, &safe), 0);
                let swap = a1.lt(&b1);
                (where_(&swap, &b1, &a1), where_(&swap, &a1, &b1))
            },
            (abs(&x), abs(&y)),
        )?;
        Ok(g)
    })
}

/// The least common multiple of integers, elementwise (`lcm(0, n) == 0`).
#[track_caller]
pub fn lcm(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (x.into(), y.into());
    fallible(|| {
        let (x, y) = integers("lcm", x, y)?;
        let (x, y) = (abs(&x), abs(&y));
        let d = gcd(&x, &y);
        let safe = where_(d.eq(0), 1, &d);
        Ok(where_(d.eq(0), 0, &x * floor_divide(&y, &safe)))
    })
}

/// The mantissa bits, exponent bits and integer dtype of a float dtype.
fn float_layout(dtype: DType) -> (i64, i64, DType) {
    match dtype {
        DType::F64 => (52, 11, DType::I64),
        DType::F16 => (10, 5, DType::I16),
        DType::BF16 => (7, 8, DType::I16),
        _ => (23, 8, DType::I32),
    }
}

/// `x = mantissa · 2^exponent` with `0.5 <= |mantissa| < 1` (zero, inf and
/// NaN are their own mantissa, with exponent 0); the exponent is int32.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let (m, e) = jnp::frexp(&Array::from_slice(&[8.0f32, -0.75, 0.0], &[3]));
/// assert_eq!(m.to_vec::<f32>().unwrap(), vec![0.5, -0.75, 0.0]);
/// assert_eq!(e.to_vec::<i32>().unwrap(), vec![4, 0, 0]);
/// ```
#[track_caller]
pub fn frexp(x: &Array) -> (Array, Array) {
    let x = to_float(x);
    let parts = (|| -> Result<(Array, Array), Error> {
        let dtype = x.dtype()?;
        let (nmant, nexp, int) = float_layout(dtype);
        let tiny = super::finfo(dtype)?.tiny;
        let int_const = |v: i64| cast(&Array::scalar(v), int, false);
        // Subnormals scaled into the normal range first.
        let subnormal = lax::abs(&x).lt(tiny);
        let scaled = where_(&subnormal, &x * 2f64.powi(nmant as i32), &x);
        let shift = where_(&subnormal, int_const(-nmant), int_const(0));
        let bits = lax::bitcast_convert_type(&scaled, int);
        let mask = (1i64 << nexp) - 1;
        let bias = (1i64 << (nexp - 1)) - 1;
        let biased = lax::bitwise_and(
            &lax::shift_right_logical(&bits, &int_const(nmant)),
            &int_const(mask),
        );
        let exponent = biased - int_const(bias - 1) + shift;
        let cleared = lax::bitwise_and(&bits, &int_const(!(mask << nmant)));
        let mantissa = lax::bitwise_or(&cleared, &int_const((bias - 1) << nmant));
        let mantissa = lax::bitcast_convert_type(&mantissa, dtype);
        let special = super::logical_or(
            super::logical_or(super::isinf(&x), super::isnan(&x)),
            x.eq(0.0),
        );
        let exponent = where_(&special, int_const(0), &exponent);
        Ok((
            where_(&special, &x, &mantissa),
            cast(&exponent, DType::I32, false),
        ))
    })();
    parts.unwrap_or_else(|e| {
        let e = Array::from_error(e);
        (e.clone(), e)
    })
}

/// The fractional and integral parts of `x`, both with `x`'s sign.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let (frac, whole) = jnp::modf(&Array::from_slice(&[2.5f32, -1.25], &[2]));
/// assert_eq!(frac.to_vec::<f32>().unwrap(), vec![0.5, -0.25]);
/// assert_eq!(whole.to_vec::<f32>().unwrap(), vec![2.0, -1.0]);
/// ```
#[track_caller]
pub fn modf(x: &Array) -> (Array, Array) {
    let x = to_float(x);
    let whole = where_(x.ge(0.0), super::floor(&x), super::ceil(&x));
    (&x - &whole, whole)
}

/// The distance from `x` to the next float away from zero.
#[track_caller]
pub fn spacing(x: &Array) -> Array {
    fallible(|| {
        let x = to_float(x);
        let dtype = x.dtype()?;
        let inf = cast(&Array::scalar(f64::INFINITY), dtype, false);
        if dtype == DType::F16 {
            return Ok(lax::nextafter(&x, &lax::broadcast_in_dim(&inf, &x.shape()?, &[])) - &x);
        }
        let towards = copysign(&inf, &x);
        let step = lax::nextafter(&x, &towards) - &x;
        let smallest = super::finfo(dtype)?.tiny * super::finfo(dtype)?.eps;
        Ok(where_(step.eq(0.0), copysign(smallest, &x), &step))
    })
}

/// The next float after `x` towards `y`, elementwise.
#[track_caller]
pub fn nextafter(x: impl Into<Operand>, y: impl Into<Operand>) -> Array {
    let (x, y) = (x.into().0, y.into().0);
    fallible(|| {
        let (x, y) = promote_broadcast("nextafter", &to_float(&x), &to_float(&y))?;
        Ok(lax::nextafter(&x, &y))
    })
}

/// The modified Bessel function of the first kind of order 0, as
/// `exp(|x|) · i0e(|x|)`.
#[track_caller]
pub fn i0(x: &Array) -> Array {
    let a = lax::abs(&to_float(x));
    lax::exp(&a) * lax::bessel_i0e(&a)
}

/// `x` rounded to `decimals` decimal places (half to even), as numpy's
/// `around`; negative `decimals` round to tens, hundreds...
#[track_caller]
pub fn around(x: &Array, decimals: i32) -> Array {
    fallible(|| {
        let dtype = x.dtype()?;
        if !dtype.is_float() {
            if decimals >= 0 {
                return Ok(x.clone());
            }
            return Err(Error::new(
                ErrorKind::Param,
                "around",
                "integer rounding to negative decimals is not implemented (as in JAX)",
            )
            .with_operands(vec![x.aval()?])
            .at(location::current()));
        }
        if decimals == 0 {
            return Ok(super::round(x));
        }
        let factor = 10f64.powi(decimals);
        Ok(super::round(&(x * factor)) / factor)
    })
}

/// The number of set bits in the absolute value of each integer, as uint8.
#[track_caller]
pub fn bitwise_count(x: &Array) -> Array {
    fallible(|| {
        let dtype = x.dtype()?;
        if !dtype.is_int() && !dtype.is_bool() {
            return Err(dtype_error("bitwise_count", x, "needs integer operands"));
        }
        let x = if dtype.is_signed_int() {
            abs(x)
        } else {
            cast(x, dtype, false)
        };
        Ok(cast(&lax::population_count(&x), DType::U8, false))
    })
}

/// The bit weights of one byte, most significant first for `big` order.
fn byte_bits(big: bool) -> Array {
    let bits = lax::iota(DType::U8, &[8], 0);
    if big { super::flip(&bits, 0) } else { bits }
}

/// The elements of an integer or boolean array as bits (nonzero is 1),
/// packed eight to a uint8 along `axis` (of the flattened array for
/// `None`), padded with zeros; `big` puts the first element in the most
/// significant bit.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let bits = Array::from_slice(&[1i32, 0, 1, 1, 0, 0, 0, 0, 1], &[9]);
/// assert_eq!(jnp::packbits(&bits, None, true).to_vec::<u8>().unwrap(), vec![0b1011_0000, 0b1000_0000]);
/// ```
#[track_caller]
pub fn packbits(a: &Array, axis: Option<i64>, big: bool) -> Array {
    fallible(|| {
        let dtype = a.dtype()?;
        if !dtype.is_int() && !dtype.is_bool() {
            return Err(dtype_error(
                "packbits",
                a,
                "needs an integer or boolean array",
            ));
        }
        let (arr, axis) = match axis {
            None => (ravel(a), 0),
            Some(ax) => (a.clone(), ax),
        };
        let arr = cast(&arr.ne(0), DType::U8, false);
        let arr = swapaxes(&arr, axis, -1);
        let mut shape = arr.shape()?;
        let n = shape.pop().unwrap_or(0);
        let groups = n.div_ceil(8);
        let mut pads = vec![(0, 0, 0); shape.len()];
        pads.push((0, (groups * 8 - n) as i64, 0));
        let arr = lax::pad(&arr, &Array::scalar(0u8), &pads);
        let mut grouped: Vec<i64> = shape.iter().map(|&d| d as i64).collect();
        grouped.extend([groups as i64, 8]);
        let arr = arr.reshape(&grouped);
        let shifted = lax::shift_left(
            &arr,
            &lax::broadcast_in_dim(&byte_bits(big), &arr.shape()?, &[grouped.len() - 1]),
        );
        let packed = cast(&super::sum(&shifted, -1, false), DType::U8, false);
        Ok(swapaxes(&packed, axis, -1))
    })
}

/// The bits of a uint8 array along `axis` (of the flattened array for
/// `None`) as uint8 zeros and ones, the first `count` of them (zero-padded),
/// most significant first for `big` order.
#[track_caller]
pub fn unpackbits(a: &Array, axis: Option<i64>, count: Option<usize>, big: bool) -> Array {
    fallible(|| {
        if a.dtype()? != DType::U8 {
            return Err(dtype_error("unpackbits", a, "needs a uint8 array"));
        }
        let (arr, axis) = match axis {
            None => (ravel(a), 0),
            Some(ax) => (a.clone(), ax),
        };
        let arr = swapaxes(&arr, axis, -1);
        let rank = arr.ndim()?;
        let masks = lax::shift_left(&super::ones(&[8], DType::U8), &byte_bits(big));
        let mut shape = arr.shape()?;
        shape.push(8);
        let expanded = lax::broadcast_in_dim(&arr, &shape, &(0..rank).collect::<Vec<_>>());
        let masks = lax::broadcast_in_dim(&masks, &shape, &[rank]);
        let bits = cast(&lax::bitwise_and(&expanded, &masks).gt(0), DType::U8, false);
        let mut flat: Vec<i64> = shape[..rank - 1].iter().map(|&d| d as i64).collect();
        flat.push(-1);
        let bits = bits.reshape(&flat);
        let n = *bits.shape()?.last().unwrap_or(&0);
        let bits = match count {
            Some(c) if c > n => {
                let mut pads = vec![(0, 0, 0); rank - 1];
                pads.push((0, (c - n) as i64, 0));
                lax::pad(&bits, &Array::scalar(0u8), &pads)
            }
            Some(c) => bits.get(idx![crate::indexing::Index::Ellipsis, ..c as i64]),
            None => bits,
        };
        Ok(swapaxes(&bits, axis, -1))
    })
}
