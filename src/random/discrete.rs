//! Integer-valued samplers: `randint`, `categorical`, `permutation` and
//! `choice`.

use super::{
    KeyLike, Sampler, constant, draw, draw_with, error, int_scalar, raw_bits, sample_shape,
    subkeys, uniform,
};
use crate::indexing::IndexMode;
use crate::numpy::{self as jnp, Axes, fallible, normalize_axes};
use crate::{Array, DType, lax};
use rjax_ir::{Error, ErrorKind, Result};

/// The smallest and largest values of an integer dtype.
pub(super) fn limits(dtype: DType) -> (i128, i128) {
    let bits = 8 * dtype.size_bytes() as u32;
    if dtype.is_unsigned_int() {
        (0, (1i128 << bits) - 1)
    } else {
        (-(1i128 << (bits - 1)), (1i128 << (bits - 1)) - 1)
    }
}

/// The unsigned dtype of the same width.
fn unsigned_of(dtype: DType) -> DType {
    match dtype.size_bytes() {
        8 => DType::U64,
        _ => DType::U32,
    }
}

/// `x % m` with XLA's convention that `x % 0 == x`.
fn rem(x: u128, m: u128) -> u128 {
    x.checked_rem(m).unwrap_or(x)
}

/// `randint`'s range after JAX's clipping, worked out on the host: the
/// dtype it samples in (int32 for narrower types, which JAX samples in 32
/// bits), the low end, the span (1 for an empty range) and the multiplier
/// `2^bits mod span` that folds the high random word into the range.
pub(super) struct IntRange {
    sampled: DType,
    low: i128,
    span: u128,
    multiplier: u128,
}

impl IntRange {
    fn new(minval: i64, maxval: i64, dtype: DType) -> Result<IntRange, Error> {
        Sampler::Randint.check(dtype)?;
        // JAX reads the bounds as int32 (int64, which 64-bit dtypes need).
        let given = if dtype.size_bytes() == 8 {
            DType::I64
        } else {
            DType::I32
        };
        let (gmin, gmax) = limits(given);
        let (mut low, mut high) = (minval as i128, maxval as i128);
        if !(gmin..=gmax).contains(&low) || !(gmin..=gmax).contains(&high) {
            return Err(Error::new(
                ErrorKind::Param,
                "randint",
                format!("the bounds {minval}..{maxval} do not fit {}", given.name()),
            ));
        }
        let sampled = if dtype.size_bytes() < 4 {
            // A maxval one past the dtype's largest value is allowed.
            let (dmin, dmax) = limits(dtype);
            low = low.clamp(dmin, dmax);
            high = high.clamp(dmin, dmax + 1);
            DType::I32
        } else {
            dtype
        };
        // The bounds are clipped into what both dtypes hold; after that a
        // maxval can never exceed the sampled dtype (JAX's out-of-range
        // widening of the span only applies to wider bound dtypes).
        let (smin, smax) = limits(sampled);
        let (cmin, cmax) = (smin.max(gmin), smax.min(gmax));
        let (low, high) = (low.clamp(cmin, cmax), high.clamp(cmin, cmax));
        let span = if high <= low { 1 } else { (high - low) as u128 };
        let bits = 8 * sampled.size_bytes() as u32;
        let wrap = (1u128 << bits) - 1;
        let half = rem(1u128 << (bits / 2), span);
        let multiplier = rem((half * half) & wrap, span);
        Ok(IntRange {
            sampled,
            low,
            span,
            multiplier,
        })
    }

    /// The program arguments: low, span and multiplier.
    fn args(&self) -> [Array; 3] {
        let unsigned = unsigned_of(self.sampled);
        [
            int_scalar(self.low, self.sampled),
            int_scalar(self.span as i128, unsigned),
            int_scalar(self.multiplier as i128, unsigned),
        ]
    }
}

/// Integers uniform in `[minval, maxval)` of an integer `dtype` (JAX's
/// default is int32). Two random words per value are folded into the
/// range with a modulus, so ranges that are not powers of two are very
/// slightly biased, as in JAX; an empty range (`maxval <= minval`) gives
/// `minval`. For 8- and 16-bit dtypes the bounds are clipped to the dtype
/// (`maxval` may be one past its largest value) and sampled in 32 bits.
/// Bounds outside int32 (int64 for 64-bit dtypes) are a typed error, as
/// JAX's overflow.
///
/// ```
/// use rjax::{random, DType};
/// let x = random::randint(&random::key(0), &[5], 0, 10, DType::I32);
/// assert_eq!(x.to_vec::<i32>().unwrap(), vec![9, 0, 2, 3, 1]);
/// let bytes = random::randint(&random::key(0), &[3], 0, 256, DType::U8);
/// assert_eq!(bytes.to_vec::<u8>().unwrap(), vec![101, 80, 200]);
/// ```
#[track_caller]
pub fn randint(
    key: &impl KeyLike,
    shape: &[usize],
    minval: i64,
    maxval: i64,
    dtype: DType,
) -> Array {
    match IntRange::new(minval, maxval, dtype) {
        Ok(range) => draw_with(Sampler::Randint, key, &range.args(), shape, dtype),
        Err(e) => Array::from_error(e.at(crate::location::current())),
    }
}

/// The compiled part of `randint`: `low + (high_bits % span * multiplier
/// + low_bits % span) % span` in the unsigned type of the sampled width.
pub(super) fn randint_in(
    key: &Array,
    args: &[Array],
    shape: &[usize],
    dtype: DType,
) -> Result<Array> {
    let (low, span, multiplier) = (&args[0], &args[1], &args[2]);
    let unsigned = span.dtype()?;
    let [high_key, low_key] = subkeys(key);
    let high_bits = raw_bits(&high_key, shape, unsigned);
    let low_bits = raw_bits(&low_key, shape, unsigned);
    let folded = lax::add(
        &lax::mul(&lax::rem(&high_bits, span), multiplier),
        &lax::rem(&low_bits, span),
    );
    let offset = lax::rem(&folded, span);
    let value = lax::add(low, &lax::convert_element_type(&offset, low.dtype()?));
    Ok(lax::convert_element_type(&value, dtype))
}

/// Samples from categorical distributions given by unnormalized log
/// probabilities `logits` along `axis` (negative counts from the end): the
/// int32 index of the largest `logits + gumbel` (the Gumbel-max trick).
///
/// The result has `shape`, which must end in a shape the batch shape
/// (`logits`' shape without `axis`) broadcasts to; the default is the batch
/// shape, one sample per distribution. Leading axes of `shape` draw more
/// samples. Without `replace` the samples of each distribution are
/// distinct (the Gumbel top-k trick); then `shape` must be the sample count
/// followed by the batch shape exactly, and the count may not exceed the
/// number of categories.
///
/// ```
/// use rjax::{random, Array};
/// let logits = Array::from_slice(&[0.1f32, 0.5, -1.0, 2.0], &[4]);
/// let one = random::categorical(&random::key(0), &logits, -1, None, true);
/// assert_eq!(one.to_vec::<i32>().unwrap(), vec![1]);
/// let many = random::categorical(&random::key(0), &logits, -1, Some(&[5]), true);
/// assert_eq!(many.to_vec::<i32>().unwrap(), vec![1, 3, 2, 3, 0]);
/// ```
#[track_caller]
pub fn categorical(
    key: &impl KeyLike,
    logits: &Array,
    axis: i64,
    shape: Option<&[usize]>,
    replace: bool,
) -> Array {
    fallible(|| {
        let dims = logits.aval()?.shape;
        let axis = normalize_axes("categorical", &Axes::Some(vec![axis]), dims.len())?[0];
        let categories = dims[axis];
        let mut batch = dims.clone();
        batch.remove(axis);
        let shape = sample_shape("categorical", shape, &batch)?;
        let draws = shape.len() - batch.len();
        let dtype = logits.dtype()?;
        if replace {
            let mut noise_shape = shape.clone();
            noise_shape.insert(draws + axis, categories);
            let noise = draw(Sampler::Gumbel, key, &noise_shape, dtype);
            let lifted: Vec<usize> = (0..draws).collect();
            let noisy = noise + lax::expand_dims(logits, &lifted);
            return Ok(jnp::argmax(&noisy, Some((draws + axis) as i64), false));
        }
        let count = shape[..draws]
            .iter()
            .fold(1usize, |n, &d| n.saturating_mul(d));
        if count > categories || shape[draws..] != batch[..] {
            return Err(Error::new(
                ErrorKind::Shape,
                "categorical",
                format!(
                    "without replacement, shape {shape:?} must be a sample count of at most \
                     {categories} (the categories) followed by the batch shape {batch:?}"
                ),
            ));
        }
        let noisy = logits + draw(Sampler::Gumbel, key, &dims, dtype);
        let (_, top) = lax::top_k(&jnp::moveaxis(&noisy, axis as i64, -1), count);
        // The sample index first, then the batch axes.
        let last = batch.len();
        let order: Vec<usize> = std::iter::once(last).chain(0..last).collect();
        Ok(lax::reshape(&lax::transpose(&top, &order), &shape))
    })
}

/// What [`permutation`] shuffles: `0..n`, or an array along an axis.
#[derive(Clone, Copy, Debug)]
pub enum Population<'a> {
    /// The int32 range `0..n`.
    Range(usize),
    /// The slices of an array along the axis.
    Of(&'a Array),
}

impl From<usize> for Population<'_> {
    fn from(n: usize) -> Self {
        Population::Range(n)
    }
}

impl<'a> From<&'a Array> for Population<'a> {
    fn from(x: &'a Array) -> Self {
        Population::Of(x)
    }
}

/// A random permutation of `0..n` (int32) or of an array's slices along
/// `axis`; with `independent`, every line along `axis` is shuffled on its
/// own. As JAX, by sorting on fresh random 32-bit keys, in as many rounds
/// as make ties unlikely for the size (one round up to 1625 elements).
///
/// ```
/// use rjax::{random, Array};
/// let p = random::permutation(&random::key(0), 10, 0, false);
/// assert_eq!(p.to_vec::<i32>().unwrap(), vec![0, 1, 8, 5, 6, 4, 3, 2, 7, 9]);
/// let x = Array::from_slice(&[0.0f32, 1.5, 3.0, 4.5, 6.0, 7.5], &[6]);
/// let shuffled = random::permutation(&random::key(0), &x, 0, false);
/// assert_eq!(shuffled.to_vec::<f32>().unwrap(), vec![0.0, 1.5, 7.5, 6.0, 4.5, 3.0]);
/// ```
#[track_caller]
pub fn permutation<'a>(
    key: &impl KeyLike,
    x: impl Into<Population<'a>>,
    axis: i64,
    independent: bool,
) -> Array {
    fallible(|| {
        let x = match x.into() {
            Population::Range(n) => lax::iota(DType::I32, &[n], 0),
            Population::Of(x) => x.clone(),
        };
        let dims = x.aval()?.shape;
        if dims.is_empty() {
            return Err(Error::new(
                ErrorKind::Shape,
                "permutation",
                "x must be at least 1-dimensional (a range is Population::Range)",
            ));
        }
        let axis = normalize_axes("permutation", &Axes::Some(vec![axis]), dims.len())?[0];
        let s = Sampler::Shuffle { axis, independent };
        Ok(draw_with(
            s,
            key,
            std::slice::from_ref(&x),
            &dims,
            x.dtype()?,
        ))
    })
}

/// The compiled part of `permutation`: rounds of a stable sort of `x`
/// along `axis` by random uint32 keys, drawn for every element when
/// `independent`, else one per slice.
pub(super) fn shuffle(key: &Array, x: &Array, axis: usize, independent: bool) -> Result<Array> {
    let dims = x.shape()?;
    let key_shape = if independent {
        dims.clone()
    } else {
        vec![dims[axis]]
    };
    let size = key_shape.iter().product::<usize>().max(1) as f64;
    let rounds = (3.0 * size.ln() / f64::from(u32::MAX).ln()).ceil() as usize;
    let (mut key, mut x) = (key.clone(), x.clone());
    for _ in 0..rounds {
        let [next, sub] = subkeys(&key);
        let bits = raw_bits(&sub, &key_shape, DType::U32);
        let sort_keys = if independent {
            bits
        } else {
            lax::broadcast_in_dim(&bits, &dims, &[axis])
        };
        x = lax::sort(&[sort_keys, x], axis, true, 1).swap_remove(1);
        key = next;
    }
    Ok(x)
}

/// Random picks from `a`: int32 indices into `0..n` for
/// [`Population::Range`], or the slices of an array along `axis` (JAX's
/// `take(a, indices, axis)`), in `shape` — uniformly, or with the
/// probabilities `p` (one per candidate, need not be normalized); without
/// `replace` the picks are distinct (a prefix of [`permutation`], or the
/// Gumbel top-k trick with `p`). Taking more than there are without
/// replacement, or any sample from nothing, is a typed error, as JAX's
/// `ValueError`.
///
/// ```
/// use rjax::{random, Array};
/// let key = random::key(0);
/// let i = random::choice(&key, 10, &[4], true, None, 0);
/// assert_eq!(i.to_vec::<i32>().unwrap(), vec![9, 0, 2, 3]);
/// let distinct = random::choice(&key, 10, &[4], false, None, 0);
/// assert_eq!(distinct.to_vec::<i32>().unwrap(), vec![0, 1, 8, 5]);
/// let p = Array::from_slice(&[0.1f32, 0.2, 0.3, 0.25, 0.15], &[5]);
/// let weighted = random::choice(&key, 5, &[4], true, Some(&p), 0);
/// assert_eq!(weighted.to_vec::<i32>().unwrap(), vec![0, 0, 3, 2]);
/// let rows = Array::from_slice(&[0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0], &[3, 2]);
/// assert_eq!(random::choice(&key, &rows, &[2], true, None, 0).shape().unwrap(), [2, 2]);
/// ```
#[track_caller]
pub fn choice<'a>(
    key: &impl KeyLike,
    a: impl Into<Population<'a>>,
    shape: &[usize],
    replace: bool,
    p: Option<&Array>,
    axis: i64,
) -> Array {
    match a.into() {
        Population::Range(n) => choose(key, n, shape, replace, p),
        Population::Of(x) => fallible(|| {
            let axis = normalize_axes("choice", &Axes::Some(vec![axis]), x.ndim()?)?[0];
            let n = x.shape()?[axis];
            let picks = choose(key, n, shape, replace, p);
            Ok(jnp::take(x, &picks, Some(axis as i64), IndexMode::Clip))
        }),
    }
}

/// [`choice`]'s int32 indices into `0..n`.
#[track_caller]
fn choose(
    key: &impl KeyLike,
    n: usize,
    shape: &[usize],
    replace: bool,
    p: Option<&Array>,
) -> Array {
    let draws = shape.iter().fold(1usize, |n, &d| n.saturating_mul(d));
    if draws == 0 {
        return jnp::zeros(shape, DType::I32);
    }
    if n == 0 || (!replace && draws > n) {
        let why = if n == 0 {
            "a must be greater than 0 unless no samples are taken".to_string()
        } else {
            format!("cannot take {draws} samples from {n} without replacement")
        };
        return error(ErrorKind::Param, "choice", why);
    }
    let Some(p) = p else {
        if replace {
            return randint(key, shape, 0, n as i64, DType::I32);
        }
        let prefix = lax::slice(&permutation(key, n, 0, false), &[0], &[draws], None);
        return lax::reshape(&prefix, shape);
    };
    let p_aval = match p.aval() {
        Ok(aval) => aval,
        Err(e) => return Array::from_error(e),
    };
    if p_aval.shape != [n] {
        let why = format!("p must have shape [{n}], got {:?}", p_aval.shape);
        return error(ErrorKind::Shape, "choice", why);
    }
    let (p, dtype) = if p_aval.dtype.is_float() {
        (p.clone(), p_aval.dtype)
    } else {
        (p.astype(DType::F32), DType::F32)
    };
    let index = if replace {
        // The first index whose running total reaches a uniform fraction
        // of the total (a left `searchsorted`).
        let totals = jnp::cumsum(&p, None);
        let total = lax::reshape(&lax::slice(&totals, &[n - 1], &[n], None), &[]);
        let u = uniform(key, shape, dtype, 0.0, 1.0);
        let target = lax::mul(&total, &lax::sub(&constant(1.0, dtype), &u));
        let grid: Vec<usize> = shape.iter().copied().chain([n]).collect();
        let below = lax::lt(
            &lax::broadcast_in_dim(&totals, &grid, &[shape.len()]),
            &lax::broadcast_in_dim(&target, &grid, &(0..shape.len()).collect::<Vec<_>>()),
        );
        lax::reduce_sum(
            &lax::convert_element_type(&below, DType::I32),
            &[shape.len()],
        )
    } else {
        let noisy = draw(Sampler::Gumbel, key, &[n], dtype) + lax::log(&p);
        lax::top_k(&noisy, draws).1
    };
    lax::reshape(&index, shape)
}
