//! numpy's polynomial functions on coefficient vectors, highest power
//! first: `polyval`, `polyadd`, `polysub`, `polymul`, `polyder`, `polyint`
//! and `vander`.

use super::{concatenate, fallible, stack, zeros_like};
use crate::{Array, Error, ErrorKind, Result, lax, location};

/// The coefficients of a 1-D polynomial, checked.
#[track_caller]
fn coefficients(op: &str, p: &Array) -> Result<usize> {
    match p.shape()?.as_slice() {
        [n] => Ok(*n),
        _ => Err(
            Error::new(ErrorKind::Shape, op, "needs a vector of coefficients")
                .with_operands(vec![p.aval()?])
                .at(location::current()),
        ),
    }
}

/// `p` evaluated at `x` by Horner's rule.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let p = Array::from_slice(&[1.0f32, 0.0, -2.0], &[3]); // x² - 2
/// assert_eq!(jnp::polyval(&p, &Array::scalar(3.0f32)).item::<f32>().unwrap(), 7.0);
/// ```
#[track_caller]
pub fn polyval(p: &Array, x: &Array) -> Array {
    fallible(|| {
        let n = coefficients("polyval", p)?;
        let start = &zeros_like(x, None) + &zeros_like(&p.index(0), None);
        Ok((0..n).fold(start, |acc, i| &(&acc * x) + &p.index(i as i64)))
    })
}

/// The sum of two polynomials.
#[track_caller]
pub fn polyadd(a: &Array, b: &Array) -> Array {
    fallible(|| {
        let (a, b) = aligned("polyadd", a, b)?;
        Ok(&a + &b)
    })
}

/// The difference of two polynomials.
#[track_caller]
pub fn polysub(a: &Array, b: &Array) -> Array {
    fallible(|| {
        let (a, b) = aligned("polysub", a, b)?;
        Ok(&a - &b)
    })
}

/// Both padded with leading zeros to the longer length.
#[track_caller]
fn aligned(op: &str, a: &Array, b: &Array) -> Result<(Array, Array)> {
    let (n, m) = (coefficients(op, a)?, coefficients(op, b)?);
    let len = n.max(m);
    Ok((pad_front(a, len - n), pad_front(b, len - m)))
}

/// `p` with `k` leading zero coefficients.
fn pad_front(p: &Array, k: usize) -> Array {
    lax::pad(p, &zeros_like(&p.index(0), None), &[(k as i64, 0, 0)])
}

/// The product of two polynomials (the convolution of their coefficients).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let a = Array::from_slice(&[1.0f32, 1.0], &[2]); // x + 1
/// assert_eq!(jnp::polymul(&a, &a).to_vec::<f32>().unwrap(), vec![1.0, 2.0, 1.0]);
/// ```
#[track_caller]
pub fn polymul(a: &Array, b: &Array) -> Array {
    fallible(|| {
        coefficients("polymul", a)?;
        coefficients("polymul", b)?;
        Ok(crate::scipy::signal::convolve(
            a,
            b,
            crate::scipy::signal::Mode::Full,
        ))
    })
}

/// The `m`-th derivative.
#[track_caller]
pub fn polyder(p: &Array, m: usize) -> Array {
    fallible(|| {
        let mut p = p.clone();
        for _ in 0..m {
            let n = coefficients("polyder", &p)?;
            if n <= 1 {
                return Ok(lax::slice(&p, &[0], &[0], None));
            }
            let powers = super::arange_f32((n - 1) as f32, 0.0, -1.0);
            p = &lax::slice(&p, &[0], &[n - 1], None) * &powers.astype(p.dtype()?);
        }
        Ok(p)
    })
}

/// The `m`-th antiderivative, with integration constant `k` each time.
#[track_caller]
pub fn polyint(p: &Array, m: usize, k: f64) -> Array {
    fallible(|| {
        let mut p = super::to_float(p);
        for _ in 0..m {
            let n = coefficients("polyint", &p)?;
            let powers = super::arange_f32(n as f32, 0.0, -1.0).astype(p.dtype()?);
            let constant = &zeros_like(&p.index(0), None) + k;
            p = concatenate(&[&p / &powers, lax::expand_dims(&constant, &[0])], 0);
        }
        Ok(p)
    })
}

/// The Vandermonde matrix of `x`: columns `x^(n-1), …, x, 1` (or rising
/// powers with `increasing`).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let v = jnp::vander(&Array::from_slice(&[2.0f32, 3.0], &[2]), 3, false);
/// assert_eq!(v.to_vec::<f32>().unwrap(), vec![4.0, 2.0, 1.0, 9.0, 3.0, 1.0]);
/// ```
#[track_caller]
pub fn vander(x: &Array, n: usize, increasing: bool) -> Array {
    fallible(|| {
        coefficients("vander", x)?;
        let mut columns = Vec::with_capacity(n);
        let mut power = &zeros_like(x, None) + 1.0;
        for _ in 0..n {
            columns.push(power.clone());
            power = &power * x;
        }
        if !increasing {
            columns.reverse();
        }
        Ok(stack(&columns, 1))
    })
}
