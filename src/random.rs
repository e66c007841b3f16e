//! `random`: JAX's counter-based pseudo-random numbers. A key is a typed
//! [`Key`] (what `jax.random.key` returns, from a Rust integer or an integer
//! array, traced or not) or raw uint32 key data with a last axis of 2 (what
//! `jax.random.PRNGKey` returns); every function accepts either
//! ([`KeyLike`]) and is a pure function of its key, and the same key, shape
//! and dtype give bit for bit the numbers JAX 0.10 gives on the same CPU
//! (Threefry-2x32 with JAX's default `jax_threefry_partitionable=True`;
//! keys, bits and integer draws on any CPU, floats through XLA's
//! transcendental functions within a few ulps elsewhere). Besides keys
//! (`key`, `PRNGKey`, `split`, `fold_in`, `key_data`, `wrap_key_data`,
//! `key_impl`, `clone`) and raw bits there are continuous samplers
//! (`uniform`, `normal`, `truncated_normal`, ...), discrete ones (`randint`,
//! `categorical`, `permutation`, `choice`, `bernoulli`, `rademacher`), the
//! gamma family (`gamma`, `loggamma`, `beta`, `dirichlet`) and what JAX
//! builds from these: `cauchy`, `lognormal`, `pareto`, `rayleigh`,
//! `weibull_min`, `maxwell`, `double_sided_maxwell`, `wald`, `triangular`,
//! `chisquare`, `t`, `f`, `generalized_normal`, `ball`,
//! `multivariate_normal`, `orthogonal`, and the counts `geometric`,
//! `poisson`, `binomial` and `multinomial`.
//!
//! ```
//! use rjax::random;
//! let key = random::key(0);
//! let x = random::normal(&key, &[3], rjax::DType::F32);
//! assert_eq!(x.to_vec::<f32>().unwrap(), vec![1.6226422, 2.0252647, -0.43359444]);
//! let keys = random::split(&key, 2); // two new keys
//! let data = random::key_data(&keys); // their uint32 data, [2, 2]
//! assert_eq!(data.to_vec::<u32>().unwrap(), vec![1797259609, 2579123966, 928981903, 3453687069]);
//! let raw = random::split(&random::PRNGKey(0), 2); // raw key data in, raw out
//! assert_eq!(raw.to_vec::<u32>().unwrap(), data.to_vec::<u32>().unwrap());
//! ```

use crate::{Array, DType, JitStatic, jit_static, lax};
use rjax_ir::{Error, ErrorKind, Literal, Value};

mod continuous;
mod counts;
mod discrete;
mod from_gamma;
mod gamma;
mod keys;
mod multivariate;

pub use continuous::{
    cauchy, double_sided_maxwell, lognormal, maxwell, pareto, rayleigh, triangular, wald,
    weibull_min,
};
pub use counts::{binomial, geometric, multinomial, poisson};
pub use discrete::{Population, categorical, choice, permutation, randint};
pub use from_gamma::{ball, chisquare, f, generalized_normal, t};
pub use gamma::{beta, dirichlet, gamma, loggamma};
pub use keys::{
    Key, KeyImpl, KeyLike, PRNGKey, Seed, clone, key, key_data, key_impl, wrap_key_data,
};
pub use multivariate::{CovFactor, multivariate_normal, orthogonal};

/// The two words of a key, as uint32 scalars.
#[track_caller]
fn words(key: &Array) -> (Array, Array) {
    if let Ok(aval) = key.aval()
        && (aval.shape != [2] || aval.dtype != DType::U32)
    {
        let e = rjax_ir::Error::new(
            rjax_ir::ErrorKind::Shape,
            "random",
            format!(
                "a sampler takes a single key (uint32[2] key data), got key data {}{:?}",
                aval.dtype.name(),
                aval.shape
            ),
        )
        .at(crate::location::current());
        return (Array::from_error(e.clone()), Array::from_error(e));
    }
    let word = |i: usize| lax::reshape(&lax::slice(key, &[i], &[i + 1], None), &[]);
    (word(0), word(1))
}

/// The cipher of counters 0, 1, ... laid out in `shape` (row-major): the
/// two words for every element.
#[track_caller]
fn counters(key: &Array, shape: &[usize]) -> (Array, Array) {
    // A typed error when `shape` is too large, before its size is used.
    let high = lax::broadcast_in_dim(&Array::scalar(0u32), shape, &[]);
    let low = Array::from_result(
        high.size()
            .map(|n| lax::reshape(&lax::iota(DType::U32, &[n], 0), shape)),
    );
    let (k1, k2) = words(key);
    lax::threefry2x32(&k1, &k2, &high, &low)
}

/// `num` new keys from a single key, stacked: typed keys of shape `[num]`
/// from a typed key, raw key data `[num, 2]` from raw key data.
#[track_caller]
pub fn split<K: KeyLike>(key: &K, num: usize) -> K {
    let (a, b) = counters(key.key_data(), &[num]);
    let column = |x: &Array| lax::reshape(x, &[num, 1]);
    keys::rewrap(key, lax::concatenate(&[column(&a), column(&b)], 1))
}

/// A new key from a single key and an integer (converted to uint32,
/// wrapping), of the kind of key given.
#[track_caller]
pub fn fold_in<K: KeyLike>(key: &K, data: &Array) -> K {
    let (k1, k2) = words(key.key_data());
    let data = lax::convert_element_type(data, DType::U32);
    let (a, b) = lax::threefry2x32(&k1, &k2, &Array::scalar(0u32), &data);
    let new = lax::concatenate(&[lax::reshape(&a, &[1]), lax::reshape(&b, &[1])], 0);
    keys::rewrap(key, new)
}

/// Uniformly random bits of an unsigned integer `dtype` (8 to 64 bits).
#[track_caller]
pub fn bits(key: &impl KeyLike, shape: &[usize], dtype: DType) -> Array {
    draw(Sampler::Bits, key, shape, dtype)
}

#[track_caller]
fn raw_bits(key: &Array, shape: &[usize], dtype: DType) -> Array {
    let (a, b) = counters(key, shape);
    match dtype {
        DType::U64 => {
            let wide = |x: &Array| lax::convert_element_type(x, DType::U64);
            let high = lax::shift_left(&wide(&a), &Array::scalar(32u64));
            lax::bitwise_or(&high, &wide(&b))
        }
        _ => lax::convert_element_type(&lax::bitwise_xor(&a, &b), dtype),
    }
}

/// The unsigned type of a float's width, its mantissa bits and the bits
/// of 1.0.
fn float_layout(dtype: DType) -> (DType, u32, u64) {
    match dtype {
        DType::F16 => (DType::U16, 10, 0x3c00),
        DType::BF16 => (DType::U16, 7, 0x3f80),
        DType::F64 => (DType::U64, 52, 0x3ff0_0000_0000_0000),
        _ => (DType::U32, 23, 0x3f80_0000),
    }
}

/// A rank-0 array of `value` in `dtype`.
fn constant(value: f64, dtype: DType) -> Array {
    lax::convert_element_type(&Array::scalar(value), dtype)
}

/// A distribution with its static parameters (floats by their bits, so
/// that it can key a cache of compiled samplers). Array parameters travel
/// as arguments of the compiled program instead, as in JAX's samplers:
/// the bounds of `TruncatedNormal`, the range of `Randint` (see
/// [`discrete::IntRange`]), the array to `Shuffle`, the shape parameters of
/// `Gamma` and `Beta` and the concentrations of `Dirichlet`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Sampler {
    Bits,
    Uniform { min: u64, max: u64 },
    Normal,
    Bernoulli { p: u64 },
    Exponential,
    Gumbel,
    Laplace,
    Logistic,
    Rademacher,
    TruncatedNormal,
    Randint,
    Shuffle { axis: usize, independent: bool },
    Gamma { log_space: bool },
    Beta,
    Dirichlet,
    Cauchy,
    Lognormal,
    Pareto,
    Rayleigh,
    WeibullMin,
    Maxwell,
    DoubleSidedMaxwell,
    Wald,
    Triangular,
    Chisquare,
    T,
    F,
    GeneralizedNormal,
    Ball { d: usize },
    MultivariateNormal { method: CovFactor },
    Geometric,
    Poisson,
    Binomial,
    Multinomial,
    Orthogonal { n: usize, m: usize },
}

/// The kind of dtype a sampler produces.
enum Kind {
    Float,
    Unsigned,
    Integer,
    Number,
    Any,
}

impl Sampler {
    /// The public function's name, for errors.
    fn name(self) -> &'static str {
        match self {
            Sampler::Bits => "bits",
            Sampler::Uniform { .. } => "uniform",
            Sampler::Normal => "normal",
            Sampler::Bernoulli { .. } => "bernoulli",
            Sampler::Exponential => "exponential",
            Sampler::Gumbel => "gumbel",
            Sampler::Laplace => "laplace",
            Sampler::Logistic => "logistic",
            Sampler::Rademacher => "rademacher",
            Sampler::TruncatedNormal => "truncated_normal",
            Sampler::Randint => "randint",
            Sampler::Shuffle { .. } => "permutation",
            Sampler::Gamma { log_space: false } => "gamma",
            Sampler::Gamma { log_space: true } => "loggamma",
            Sampler::Beta => "beta",
            Sampler::Dirichlet => "dirichlet",
            Sampler::Cauchy => "cauchy",
            Sampler::Lognormal => "lognormal",
            Sampler::Pareto => "pareto",
            Sampler::Rayleigh => "rayleigh",
            Sampler::WeibullMin => "weibull_min",
            Sampler::Maxwell => "maxwell",
            Sampler::DoubleSidedMaxwell => "double_sided_maxwell",
            Sampler::Wald => "wald",
            Sampler::Triangular => "triangular",
            Sampler::Chisquare => "chisquare",
            Sampler::T => "t",
            Sampler::F => "f",
            Sampler::GeneralizedNormal => "generalized_normal",
            Sampler::Ball { .. } => "ball",
            Sampler::MultivariateNormal { .. } => "multivariate_normal",
            Sampler::Geometric => "geometric",
            Sampler::Poisson => "poisson",
            Sampler::Binomial => "binomial",
            Sampler::Multinomial => "multinomial",
            Sampler::Orthogonal { .. } => "orthogonal",
        }
    }

    fn kind(self) -> Kind {
        match self {
            Sampler::Bits => Kind::Unsigned,
            Sampler::Randint | Sampler::Geometric | Sampler::Poisson => Kind::Integer,
            Sampler::Rademacher | Sampler::Multinomial => Kind::Number,
            Sampler::Bernoulli { .. } | Sampler::Shuffle { .. } => Kind::Any,
            _ => Kind::Float,
        }
    }

    /// A typed error unless `dtype` is one this sampler produces.
    fn check(self, dtype: DType) -> Result<(), Error> {
        let (fits, wanted) = match self.kind() {
            Kind::Float => (dtype.is_float(), "a float"),
            Kind::Unsigned => (dtype.is_unsigned_int(), "an unsigned integer"),
            Kind::Integer => (dtype.is_int(), "an integer"),
            Kind::Number => (dtype != DType::Bool, "a numeric"),
            Kind::Any => (true, ""),
        };
        if fits {
            return Ok(());
        }
        Err(Error::new(
            ErrorKind::DType,
            self.name(),
            format!("the dtype must be {wanted} dtype, got {}", dtype.name()),
        ))
    }
}

type Spec = (Sampler, Vec<usize>, DType);

thread_local! {
    /// One compiled program per sampler, shape and dtype (and argument
    /// types): like JAX, which jits its samplers, so that XLA sees (and
    /// rounds) the same fused computation.
    static SAMPLERS: JitStatic<Spec, (Array, Vec<Array>), Array> =
        jit_static(|(s, shape, dtype): &Spec, (key, args): (Array, Vec<Array>)| {
            sample(*s, &key, &args, shape, *dtype)
        });
}

#[track_caller]
fn draw(s: Sampler, key: &impl KeyLike, shape: &[usize], dtype: DType) -> Array {
    draw_with(s, key, &[], shape, dtype)
}

/// Run the compiled sampler `s` on `key` and its array arguments.
#[track_caller]
fn draw_with(
    s: Sampler,
    key: &impl KeyLike,
    args: &[Array],
    shape: &[usize],
    dtype: DType,
) -> Array {
    let location = crate::location::current();
    if let Err(e) = s.check(dtype) {
        return Array::from_error(e.at(location));
    }
    let call = (key.key_data().clone(), args.to_vec());
    let r = SAMPLERS.with(|c| c.call((s, shape.to_vec(), dtype), call));
    Array::from_result(r.map_err(|e| e.at(location)))
}

/// `split(key, N)` as `N` separate keys.
#[track_caller]
fn subkeys<const N: usize>(key: &Array) -> [Array; N] {
    let keys = split(key, N);
    std::array::from_fn(|i| lax::reshape(&lax::slice(&keys, &[i, 0], &[i + 1, 2], None), &[2]))
}

/// The shape of a sample: `shape`, which the parameters' shape `params`
/// must broadcast to, or by default `params`.
fn sample_shape(op: &str, shape: Option<&[usize]>, params: &[usize]) -> Result<Vec<usize>, Error> {
    let Some(shape) = shape else {
        return Ok(params.to_vec());
    };
    if rjax_ir::broadcast_shapes(shape, params).as_deref() != Some(shape) {
        return Err(Error::new(
            ErrorKind::Shape,
            op,
            format!("parameters of shape {params:?} do not broadcast to the shape {shape:?}"),
        ));
    }
    Ok(shape.to_vec())
}

/// The shape the parameters broadcast to together, or a typed error
/// naming `op`.
fn params_shape(op: &str, params: &[&Array]) -> Result<Vec<usize>, Error> {
    let mut both = Vec::new();
    for p in params {
        let shape = p.aval()?.shape;
        both = rjax_ir::broadcast_shapes(&both, &shape).ok_or_else(|| {
            Error::new(
                ErrorKind::Shape,
                op,
                format!("parameter shapes {both:?} and {shape:?} do not broadcast together"),
            )
        })?;
    }
    Ok(both)
}

/// Run the compiled sampler `s` on `key` and the array parameters
/// `params`: the sample has `shape`, which the parameters must broadcast
/// to, or by default their broadcast shape (JAX's rule for `t`, `pareto`,
/// `poisson` and most samplers with parameters).
#[track_caller]
fn draw_params(
    s: Sampler,
    key: &impl KeyLike,
    params: &[&Array],
    shape: Option<&[usize]>,
    dtype: DType,
) -> Array {
    let location = crate::location::current();
    let shape = params_shape(s.name(), params).and_then(|p| sample_shape(s.name(), shape, &p));
    match shape {
        Ok(shape) => {
            let args: Vec<Array> = params.iter().map(|&p| p.clone()).collect();
            draw_with(s, key, &args, &shape, dtype)
        }
        Err(e) => Array::from_error(e.at(location)),
    }
}

/// `x` converted to `dtype` and broadcast to `shape` (a sampler's
/// parameter in the compiled program).
fn param(x: &Array, dtype: DType, shape: &[usize]) -> Array {
    crate::numpy::broadcast_to(&lax::convert_element_type(x, dtype), shape)
}

/// A carry of arrays, all holding `e` (a failed loop's result).
fn failed<const N: usize>(e: Error) -> [Array; N] {
    std::array::from_fn(|_| Array::from_error(e.clone()))
}

/// A typed error as an array, located at the user's call.
#[track_caller]
fn error(kind: ErrorKind, op: &str, message: String) -> Array {
    Array::from_error(Error::new(kind, op, message).at(crate::location::current()))
}

fn sample(s: Sampler, key: &Array, args: &[Array], shape: &[usize], dtype: DType) -> Array {
    let f = f64::from_bits;
    match s {
        Sampler::Bits => raw_bits(key, shape, dtype),
        Sampler::Uniform { min, max } => uniform_in(key, shape, dtype, f(min), f(max)),
        Sampler::Normal => standard_normal(key, shape, dtype),
        Sampler::Bernoulli { p } => bernoulli_in(key, f(p), shape),
        Sampler::Exponential => exponential_in(key, shape, dtype),
        Sampler::Gumbel => {
            let u = uniform_in(key, shape, dtype, tiny(dtype), 1.0);
            lax::neg(&lax::log(&lax::neg(&lax::log(&u))))
        }
        Sampler::Laplace => {
            let u = uniform_in(key, shape, dtype, above_minus_one(dtype), 1.0);
            lax::mul(&lax::sign(&u), &lax::log1p(&lax::neg(&lax::abs(&u))))
        }
        Sampler::Logistic => {
            let u = uniform_in(key, shape, dtype, tiny(dtype), 1.0);
            lax::sub(&lax::log(&u), &lax::log1p(&lax::neg(&u)))
        }
        Sampler::Rademacher => rademacher_in(key, shape, dtype),
        Sampler::TruncatedNormal => truncated_normal_in(key, &args[0], &args[1], shape, dtype),
        Sampler::Randint => Array::from_result(discrete::randint_in(key, args, shape, dtype)),
        Sampler::Shuffle { axis, independent } => {
            Array::from_result(discrete::shuffle(key, &args[0], axis, independent))
        }
        Sampler::Gamma { log_space } => gamma::gamma_in(key, &args[0], log_space, shape, dtype),
        Sampler::Beta => gamma::beta_in(key, &args[0], &args[1], shape, dtype),
        Sampler::Dirichlet => gamma::dirichlet_in(key, &args[0], shape, dtype),
        Sampler::Cauchy => continuous::cauchy_in(key, shape, dtype),
        Sampler::Lognormal => continuous::lognormal_in(key, &args[0], shape, dtype),
        Sampler::Pareto => continuous::pareto_in(key, &args[0], shape, dtype),
        Sampler::Rayleigh => continuous::rayleigh_in(key, &args[0], shape, dtype),
        Sampler::WeibullMin => continuous::weibull_min_in(key, &args[0], &args[1], shape, dtype),
        Sampler::Maxwell => continuous::maxwell_in(key, shape, dtype),
        Sampler::DoubleSidedMaxwell => {
            continuous::double_sided_maxwell_in(key, &args[0], &args[1], shape, dtype)
        }
        Sampler::Wald => continuous::wald_in(key, &args[0], shape, dtype),
        Sampler::Triangular => continuous::triangular_in(key, args, shape, dtype),
        Sampler::Chisquare => from_gamma::chisquare_in(key, &args[0], shape, dtype),
        Sampler::T => from_gamma::t_in(key, &args[0], shape, dtype),
        Sampler::F => from_gamma::f_in(key, &args[0], &args[1], shape, dtype),
        Sampler::GeneralizedNormal => {
            from_gamma::generalized_normal_in(key, &args[0], shape, dtype)
        }
        Sampler::Ball { d } => from_gamma::ball_in(key, &args[0], d, shape, dtype),
        Sampler::MultivariateNormal { method } => Array::from_result(
            multivariate::multivariate_normal_in(key, &args[0], &args[1], method, shape, dtype),
        ),
        Sampler::Geometric => Array::from_result(counts::geometric_in(key, &args[0], shape, dtype)),
        Sampler::Poisson => Array::from_result(counts::poisson_in(key, &args[0], shape, dtype)),
        Sampler::Binomial => {
            Array::from_result(counts::binomial_in(key, &args[0], &args[1], shape, dtype))
        }
        Sampler::Multinomial => Array::from_result(counts::multinomial_in(
            key, &args[0], &args[1], shape, dtype,
        )),
        Sampler::Orthogonal { n, m } => multivariate::orthogonal_in(key, n, m, shape, dtype),
    }
}

/// `sqrt(2) * erf_inv(u)` for `u` uniform in (-1, 1).
fn standard_normal(key: &Array, shape: &[usize], dtype: DType) -> Array {
    let u = uniform_in(key, shape, dtype, above_minus_one(dtype), 1.0);
    lax::mul(
        &constant(std::f64::consts::SQRT_2, dtype),
        &lax::erf_inv(&u),
    )
}

/// `-log1p(-u)` for `u` uniform in [0, 1).
fn exponential_in(key: &Array, shape: &[usize], dtype: DType) -> Array {
    let u = uniform_in(key, shape, dtype, 0.0, 1.0);
    lax::neg(&lax::log1p(&lax::neg(&u)))
}

/// `u < p` for float32 `u` uniform in [0, 1).
fn bernoulli_in(key: &Array, p: f64, shape: &[usize]) -> Array {
    let u = uniform_in(key, shape, DType::F32, 0.0, 1.0);
    lax::lt(&u, &constant(p, DType::F32))
}

/// `-1` or `1` with equal probability.
fn rademacher_in(key: &Array, shape: &[usize], dtype: DType) -> Array {
    let heads = bernoulli_in(key, 0.5, shape);
    let one = lax::broadcast_in_dim(&constant(1.0, dtype), shape, &[]);
    lax::select(&heads, &one, &lax::neg(&one))
}

/// Floats uniform in `[minval, maxval)`.
///
/// ```
/// use rjax::{random, DType};
/// let u = random::uniform(&random::key(0), &[3], DType::F32, 0.0, 1.0);
/// assert_eq!(u.to_vec::<f32>().unwrap(), vec![0.947667, 0.97857988, 0.33229148]);
/// ```
#[track_caller]
pub fn uniform(
    key: &impl KeyLike,
    shape: &[usize],
    dtype: DType,
    minval: f64,
    maxval: f64,
) -> Array {
    let s = Sampler::Uniform {
        min: minval.to_bits(),
        max: maxval.to_bits(),
    };
    draw(s, key, shape, dtype)
}

/// Floats uniform in `[minval, maxval)` for constant bounds.
fn uniform_in(key: &Array, shape: &[usize], dtype: DType, minval: f64, maxval: f64) -> Array {
    uniform_between(
        key,
        shape,
        dtype,
        &constant(minval, dtype),
        &constant(maxval, dtype),
    )
}

/// Random mantissa bits under the exponent of 1.0 give [1, 2); minus 1,
/// scaled and shifted into `[lo, hi)` (rank-0 bounds of `dtype`).
fn uniform_between(key: &Array, shape: &[usize], dtype: DType, lo: &Array, hi: &Array) -> Array {
    let (uint, mantissa, one_bits) = float_layout(dtype);
    // Types with fewer than 8 mantissa bits draw 8 random bits (as JAX).
    let drawn = if mantissa < 8 { DType::U8 } else { uint };
    let width = (drawn.size_bytes() * 8) as u32;
    let raw = lax::convert_element_type(&raw_bits(key, shape, drawn), uint);
    let shift = lax::convert_element_type(&Array::scalar(width - mantissa), uint);
    let one = lax::convert_element_type(&Array::scalar(one_bits), uint);
    let mantissas = lax::bitwise_or(&lax::shift_right_logical(&raw, &shift), &one);
    let floats = lax::sub(
        &lax::bitcast_convert_type(&mantissas, dtype),
        &constant(1.0, dtype),
    );
    let scaled = lax::add(&lax::mul(&floats, &lax::sub(hi, lo)), lo);
    lax::max(lo, &scaled)
}

/// The next float after -1 toward 0, in `dtype`.
fn above_minus_one(dtype: DType) -> f64 {
    let (_, mantissa, _) = float_layout(dtype);
    -1.0 + 2f64.powi(-(mantissa as i32) - 1)
}

/// The smallest positive normal float of `dtype` (a float dtype).
fn tiny(dtype: DType) -> f64 {
    crate::numpy::finfo(dtype).map_or(f64::MIN_POSITIVE, |f| f.tiny)
}

/// Standard normal samples: `sqrt(2) * erf_inv(u)` for `u` uniform in
/// (-1, 1).
///
/// ```
/// use rjax::{random, DType};
/// let x = random::normal(&random::key(42), &[2], DType::F32);
/// assert_eq!(x.shape().unwrap(), [2]);
/// ```
#[track_caller]
pub fn normal(key: &impl KeyLike, shape: &[usize], dtype: DType) -> Array {
    draw(Sampler::Normal, key, shape, dtype)
}

/// `true` with probability `p`.
#[track_caller]
pub fn bernoulli(key: &impl KeyLike, p: f64, shape: &[usize]) -> Array {
    draw(
        Sampler::Bernoulli { p: p.to_bits() },
        key,
        shape,
        DType::Bool,
    )
}

/// Exponential samples of rate 1: `-log1p(-u)`.
#[track_caller]
pub fn exponential(key: &impl KeyLike, shape: &[usize], dtype: DType) -> Array {
    draw(Sampler::Exponential, key, shape, dtype)
}

/// Standard Gumbel samples: `-log(-log(u))`.
#[track_caller]
pub fn gumbel(key: &impl KeyLike, shape: &[usize], dtype: DType) -> Array {
    draw(Sampler::Gumbel, key, shape, dtype)
}

/// Standard Laplace samples: `sign(u) * log1p(-|u|)` for `u` in (-1, 1).
#[track_caller]
pub fn laplace(key: &impl KeyLike, shape: &[usize], dtype: DType) -> Array {
    draw(Sampler::Laplace, key, shape, dtype)
}

/// Standard logistic samples: `log(u) - log1p(-u)`.
#[track_caller]
pub fn logistic(key: &impl KeyLike, shape: &[usize], dtype: DType) -> Array {
    draw(Sampler::Logistic, key, shape, dtype)
}

/// `-1` or `1` with equal probability, in `dtype` (int32 in JAX by
/// default).
///
/// ```
/// use rjax::{random, DType};
/// let r = random::rademacher(&random::key(0), &[4], DType::I32);
/// assert_eq!(r.to_vec::<i32>().unwrap(), vec![-1, -1, 1, 1]);
/// ```
#[track_caller]
pub fn rademacher(key: &impl KeyLike, shape: &[usize], dtype: DType) -> Array {
    draw(Sampler::Rademacher, key, shape, dtype)
}

/// Standard normal samples truncated to the open interval
/// `(lower, upper)`: `sqrt(2) * erf_inv(u)` for `u` uniform between
/// `erf(lower / sqrt(2))` and `erf(upper / sqrt(2))`, clamped strictly
/// inside the bounds against rounding. The bounds are converted to `dtype`
/// (through float32 unless `dtype` is float64, as JAX's Python floats).
///
/// ```
/// use rjax::{random, DType};
/// let x = random::truncated_normal(&random::key(0), -1.0, 1.0, &[3], DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![0.8618594, 0.9412883, -0.2910484]);
/// ```
#[track_caller]
pub fn truncated_normal(
    key: &impl KeyLike,
    lower: f64,
    upper: f64,
    shape: &[usize],
    dtype: DType,
) -> Array {
    let bounds = [python_float(lower, dtype), python_float(upper, dtype)];
    draw_with(Sampler::TruncatedNormal, key, &bounds, shape, dtype)
}

/// A float parameter as JAX's jitted samplers receive a Python float:
/// float32, unless the sample's `dtype` is float64.
fn python_float(v: f64, dtype: DType) -> Array {
    match dtype {
        DType::F64 => Array::scalar(v),
        _ => Array::scalar(v as f32),
    }
}

fn truncated_normal_in(
    key: &Array,
    lower: &Array,
    upper: &Array,
    shape: &[usize],
    dtype: DType,
) -> Array {
    let sqrt2 = constant(std::f64::consts::SQRT_2, dtype);
    let lower = lax::convert_element_type(lower, dtype);
    let upper = lax::convert_element_type(upper, dtype);
    let cdf = |bound: &Array| lax::erf(&lax::div(bound, &sqrt2));
    let u = uniform_between(key, shape, dtype, &cdf(&lower), &cdf(&upper));
    let x = lax::mul(&sqrt2, &lax::erf_inv(&u));
    let above = lax::nextafter(&lower, &constant(f64::INFINITY, dtype));
    let below = lax::nextafter(&upper, &constant(f64::NEG_INFINITY, dtype));
    lax::min(&below, &lax::max(&above, &x))
}

/// A rank-0 integer of `dtype` holding `value` (wrapped into its width).
fn int_scalar(value: i128, dtype: DType) -> Array {
    Array::from_value(Value::Literal(Literal::int(value as i64, dtype, false)))
}
