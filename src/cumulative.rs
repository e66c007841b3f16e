//! Cumulative reductions by a parallel prefix scan (`lax.associative_scan`),
//! built from slices, so every transformation applies to them.

use crate::Array;
use crate::lax;
use crate::numpy::slice_along;
use rjax_ir::{DType, Error, ErrorKind, Result};

/// The inclusive prefix scan of `x` along `axis` with the associative `f`
/// (from the end when `reverse`), in `O(log n)` rounds of elementwise work,
/// JAX's `lax.associative_scan`.
///
/// ```
/// use rjax::{lax, Array};
/// let x = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0], &[5]);
/// let y = lax::associative_scan(lax::add, &x, false, 0);
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.0, 3.0, 6.0, 10.0, 15.0]);
/// ```
#[track_caller]
pub fn associative_scan(
    f: impl Fn(&Array, &Array) -> Array + Copy,
    x: &Array,
    reverse: bool,
    axis: usize,
) -> Array {
    let Ok(rank) = x.ndim() else {
        return x.clone();
    };
    if axis >= rank {
        let e = Error::new(
            ErrorKind::Axis,
            "associative_scan",
            format!("axis {axis} is out of bounds for rank {rank}"),
        );
        return Array::from_error(e.at(crate::location::current()));
    }
    if reverse {
        let flipped = lax::rev(x, &[axis]);
        return lax::rev(&Array::from_result(scan(f, &flipped, axis)), &[axis]);
    }
    Array::from_result(scan(f, x, axis))
}

fn scan(f: impl Fn(&Array, &Array) -> Array + Copy, x: &Array, axis: usize) -> Result<Array> {
    let n = x.shape()?[axis];
    if n < 2 {
        return Ok(x.clone());
    }
    // Combine neighbours, scan the half, then fill in the even positions.
    let pairs = f(
        &slice_along(x, axis, 0, n - 1, 2),
        &slice_along(x, axis, 1, n, 2),
    );
    let odd = scan(f, &pairs, axis)?;
    let odd_len = odd.shape()?[axis];
    let later_evens = slice_along(x, axis, 2, n, 2);
    let prefix = if n % 2 == 0 {
        slice_along(&odd, axis, 0, odd_len - 1, 1)
    } else {
        odd.clone()
    };
    let evens = lax::concatenate(
        &[slice_along(x, axis, 0, 1, 1), f(&prefix, &later_evens)],
        axis,
    );
    interleave(&evens, &odd, axis)
}

/// `a0, b0, a1, b1, ...` along `axis` (`a` as long as `b` or one longer).
fn interleave(a: &Array, b: &Array, axis: usize) -> Result<Array> {
    let (na, nb) = (a.shape()?[axis], b.shape()?[axis]);
    let rank = a.ndim()?;
    let zero = lax::convert_element_type(&Array::scalar(0i32), a.dtype()?);
    let config = |low: i64, high: i64| -> Vec<(i64, i64, usize)> {
        (0..rank)
            .map(|i| if i == axis { (low, high, 1) } else { (0, 0, 0) })
            .collect()
    };
    let spread_a = lax::pad(a, &zero, &config(0, (nb == na) as i64));
    let spread_b = lax::pad(b, &zero, &config(1, (na > nb) as i64));
    let parity = lax::rem(
        &lax::iota(DType::I32, &spread_a.shape()?, axis),
        &Array::scalar(2i32),
    );
    let even = lax::eq(&parity, &Array::scalar(0i32));
    Ok(lax::select(&even, &spread_a, &spread_b))
}

macro_rules! cumulative {
    ($($(#[$doc:meta])* $name:ident => $op:path;)*) => {$(
        $(#[$doc])*
        #[track_caller]
        pub fn $name(x: &Array, axis: usize, reverse: bool) -> Array {
            associative_scan(|a: &Array, b: &Array| $op(a, b), x, reverse, axis)
        }
    )*};
}

cumulative! {
    /// Running sum along `axis`.
    cumsum => lax::add;
    /// Running product along `axis`.
    cumprod => lax::mul;
    /// Running maximum along `axis`.
    cummax => lax::max;
    /// Running minimum along `axis`.
    cummin => lax::min;
    /// Running `log Σ exp` along `axis`.
    cumlogsumexp => crate::numpy::logaddexp;
}
