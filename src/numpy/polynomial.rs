//! numpy's polynomial functions on coefficient vectors, highest power
//! first: `polyval`, `polyadd`, `polysub`, `polymul`, `polyder`, `polyint`,
//! `vander`, `polyfit`, `poly`, `polydiv` and `roots`.

use super::{concatenate, fallible, stack, zeros_like};
use crate::{Array, DType, Error, ErrorKind, Result, lax, location};

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

/// The coefficients (highest power first) of the degree-`deg` polynomial
/// closest to the points `(x, y)` in least squares; `y` may hold one data
/// set per column. The columns of the Vandermonde matrix are scaled to unit
/// norm before solving, as numpy does.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let x = Array::from_slice(&[0.0f32, 1.0, 2.0, 3.0], &[4]);
/// let y = Array::from_slice(&[1.0f32, 3.0, 5.0, 7.0], &[4]);
/// let p = jnp::polyfit(&x, &y, 1).to_vec::<f32>().unwrap();
/// assert!((p[0] - 2.0).abs() < 1e-4 && (p[1] - 1.0).abs() < 1e-4);
/// ```
#[track_caller]
pub fn polyfit(x: &Array, y: &Array, deg: usize) -> Array {
    fallible(|| {
        let n = coefficients("polyfit", x)?;
        let ry = y.ndim()?;
        if n == 0 || !(1..=2).contains(&ry) || y.shape()?[0] != n {
            return Err(Error::new(
                ErrorKind::Shape,
                "polyfit",
                "needs a non-empty x and y of the same length (y 1-d or 2-d)",
            )
            .with_operands(vec![x.aval()?, y.aval()?])
            .at(location::current()));
        }
        let x = super::to_float(x);
        let eps = super::finfo(x.dtype()?)?.eps;
        let lhs = vander(&x, deg + 1, false);
        let scale = super::sqrt(&super::sum(&(&lhs * &lhs), 0, false));
        let lhs = &lhs / &lax::expand_dims(&scale, &[0]);
        let (c, _, _, _) = super::linalg::lstsq(&lhs, y, Some(n as f64 * eps));
        Ok(if ry == 2 {
            &c / &lax::expand_dims(&scale, &[1])
        } else {
            &c / &scale
        })
    })
}

/// The coefficients of the monic polynomial whose roots are the elements of
/// the 1-d `zeros` (numpy's `poly` of a sequence of zeros).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let p = jnp::poly(&Array::from_slice(&[1.0f32, 2.0], &[2]));
/// assert_eq!(p.to_vec::<f32>().unwrap(), vec![1.0, -3.0, 2.0]);
/// ```
#[track_caller]
pub fn poly(zeros: &Array) -> Array {
    fallible(|| {
        let zeros = super::to_float(&super::atleast_1d(zeros));
        let n = coefficients("poly", &zeros)?;
        let one = super::ones(&[1], zeros.dtype()?);
        let mut p = one.clone();
        for k in 0..n {
            let factor = concatenate(
                &[one.clone(), -zeros.get(crate::idx![k as i64..k as i64 + 1])],
                0,
            );
            p = super::convolve(&p, &factor, super::ConvolveMode::Full);
        }
        Ok(p)
    })
}

/// The quotient and remainder of dividing polynomial `u` by `v` (the
/// remainder keeps `u`'s length, leading entries zero).
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let u = Array::from_slice(&[1.0f32, -3.0, 2.0], &[3]); // (x - 1)(x - 2)
/// let v = Array::from_slice(&[1.0f32, -1.0], &[2]);
/// let (q, r) = jnp::polydiv(&u, &v);
/// assert_eq!(q.to_vec::<f32>().unwrap(), vec![1.0, -2.0]);
/// assert_eq!(r.to_vec::<f32>().unwrap(), vec![0.0, 0.0, 0.0]);
/// ```
#[track_caller]
pub fn polydiv(u: &Array, v: &Array) -> (Array, Array) {
    let _scope = location::scope();
    let result = (|| {
        let (m, n) = (coefficients("polydiv", u)?, coefficients("polydiv", v)?);
        if m == 0 || n == 0 {
            return Err(
                Error::new(ErrorKind::Shape, "polydiv", "needs non-empty polynomials")
                    .with_operands(vec![u.aval()?, v.aval()?])
                    .at(location::current()),
            );
        }
        let (mut u, v) =
            super::promote_broadcast_dtype_only(&super::to_float(u), &super::to_float(v))?;
        let scale = 1.0 / v.get(crate::idx![0]);
        let terms = (m + 1).saturating_sub(n);
        let mut q = super::zeros(&[terms.max(1)], u.dtype()?);
        for k in 0..terms {
            let d = &scale * u.get(crate::idx![k as i64]);
            q = q.at(crate::idx![k as i64]).set(&d);
            let (lo, hi) = (k as i64, (k + n) as i64);
            u = u.at(crate::idx![lo..hi]).add(-(&d * &v));
        }
        Ok((q, u))
    })();
    result.unwrap_or_else(|e| {
        let e = Array::from_error(e);
        (e.clone(), e)
    })
}

/// The roots of the polynomial `p`, complex, as the eigenvalues of its
/// companion matrix (JAX's `jnp.roots`). Integer coefficients are promoted
/// to f32; the order of the roots is the eigensolver's. CPU only (see
/// [`crate::numpy::linalg::eig`]).
///
/// With `strip_zeros` (JAX's default), leading zero coefficients are
/// dropped first, which needs `p`'s values, so not under `jit`. Without,
/// `p` is traced as it is: each leading zero gives a NaN root, placed
/// last, as JAX's `strip_zeros=False` does.
///
/// ```
/// use rjax::{Array, jit, numpy as jnp};
/// let p = Array::from_slice(&[0.0f32, 1.0, -3.0, 2.0], &[4]); // (x - 1)(x - 2)
/// let mut re: Vec<f32> = jnp::roots(&p, true).to_vec::<rjax::Complex<f32>>().unwrap().iter().map(|z| z.re).collect();
/// re.sort_by(f32::total_cmp);
/// assert!((re[0] - 1.0).abs() < 1e-5 && (re[1] - 2.0).abs() < 1e-5);
/// let traced = jit(|p: Array| jnp::roots(&p, false)).call(p).unwrap();
/// assert!(traced.to_vec::<rjax::Complex<f32>>().unwrap()[2].re.is_nan());
/// ```
#[track_caller]
pub fn roots(p: &Array, strip_zeros: bool) -> Array {
    fallible(|| {
        let n = coefficients("roots", p)?;
        let p = match p.dtype()? {
            d if d.is_inexact() => p.clone(),
            _ => p.astype(DType::F32),
        };
        let none = || {
            super::zeros(
                &[0],
                p.dtype()
                    .ok()
                    .and_then(|d| d.complex_dtype())
                    .unwrap_or(DType::C64),
            )
        };
        if n < 2 {
            return Ok(none());
        }
        if strip_zeros {
            let values = p.astype(DType::F64).to_vec::<f64>().map_err(|e| {
                Error::new(
                    ErrorKind::Param,
                    "roots",
                    format!(
                        "drops leading zeros, which needs the coefficients' values \
                         (pass strip_zeros = false under jit) ({e})"
                    ),
                )
                .at(location::current())
            })?;
            let lead = values.iter().take_while(|&&v| v == 0.0).count();
            if n - lead < 2 {
                return Ok(none());
            }
            return companion_eigenvalues(&lax::slice(&p, &[lead], &[n], None));
        }
        // Roll the leading zeros to the end (all ones when every
        // coefficient is zero), so the companion matrix is defined; each
        // rolled zero adds a zero root, which becomes NaN, sorted last.
        let zero = p.eq(0.0);
        let lead = super::where_(
            &super::all(&zero, (), false),
            n as i32,
            &super::argmin(&zero.astype(DType::I32), None, false),
        );
        let p = super::where_(&lead.eq(n as i32), 1.0, &p);
        let shifted = super::remainder(&(&super::arange(n) + &lead), n as i32);
        let rolled = super::take(&p, &shifted, Some(0), crate::indexing::IndexMode::Clip);
        let found = companion_eigenvalues(&rolled)?;
        let (_, found) = lax::sort_key_val(&found.eq(0.0).astype(DType::I32), &found, 0);
        let kept = super::arange(n - 1).lt(&(&Array::scalar((n - 1) as i32) - &lead));
        let nan = lax::complex(&Array::scalar(f64::NAN), &Array::scalar(f64::NAN));
        Ok(super::where_(&kept, &found, &nan.astype(found.dtype()?)))
    })
}

/// The eigenvalues of the companion matrix of `p` (at least two
/// coefficients, the first non-zero): `-p[1:] / p[0]` in the first row,
/// ones below the diagonal.
fn companion_eigenvalues(p: &Array) -> Result<Array> {
    let m = p.shape()?[0];
    let first = -&(&lax::slice(p, &[1], &[m], None) / &p.index(0));
    let below = super::eye(m - 1, None, -1, p.dtype()?);
    let rest = lax::slice(&below, &[1, 0], &[m - 1, m - 1], None);
    let companion = concatenate(&[first.reshape(&[1, m as i64 - 1]), rest], 0);
    Ok(crate::linalg::eig(&companion).0)
}
