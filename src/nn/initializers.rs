//! `jax.nn.initializers`: how to fill a new parameter array. Where JAX
//! returns a function `init(key, shape, dtype)`, these return an
//! [`Initializer`] value — a plain description (comparable, printable,
//! storable in a model's configuration) — whose [`Initializer::init`] draws
//! the array. The random ones give JAX's values bit for bit for the same
//! key, shape and dtype on the same CPU.
//!
//! ```
//! use rjax::{nn::initializers, random, DType};
//! let init = initializers::glorot_uniform(initializers::FanAxes::default());
//! let w = init.init(&random::key(42), &[4, 5], DType::F32);
//! assert_eq!(w.shape().unwrap(), [4, 5]);
//! let b = initializers::zeros().init(&random::key(42), &[5], DType::F32);
//! assert_eq!(b.to_vec::<f32>().unwrap(), vec![0.0; 5]);
//! ```

use crate::numpy::{Axes, fallible, normalize_axes};
use crate::{Array, DType, lax, random};

/// A way to fill a parameter array; see the module docs.
#[derive(Clone, Debug, PartialEq)]
pub enum Initializer {
    /// Every element `value` ([`zeros`], [`ones`], [`constant`]).
    Constant(f64),
    /// Uniform in `[0, scale)`.
    Uniform { scale: f64 },
    /// Normal with mean 0 and standard deviation `stddev`.
    Normal { stddev: f64 },
    /// A standard normal truncated to `(lower, upper)`, times `stddev`.
    TruncatedNormal { stddev: f64, lower: f64, upper: f64 },
    /// A distribution whose variance is `scale` over a fan of the shape
    /// (see [`variance_scaling`]).
    VarianceScaling {
        scale: f64,
        mode: FanMode,
        distribution: Distribution,
        axes: FanAxes,
    },
}

/// Which fan [`variance_scaling`] divides by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FanMode {
    /// The number of inputs.
    FanIn,
    /// The number of outputs.
    FanOut,
    /// The mean of the two.
    FanAvg,
    /// The geometric mean of the two.
    FanGeoAvg,
}

/// The distribution [`variance_scaling`] draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Distribution {
    /// A normal truncated at two standard deviations, rescaled to keep the
    /// variance.
    TruncatedNormal,
    Normal,
    /// Uniform in `[-limit, limit)`.
    Uniform,
}

/// The axes of a weight shape that hold its inputs, its outputs, and
/// batches to ignore (negative indices count from the end); the remaining
/// axes are a convolution's receptive field. The default is a dense or
/// convolution kernel `[..., in, out]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FanAxes {
    pub in_axis: Vec<i64>,
    pub out_axis: Vec<i64>,
    pub batch_axis: Vec<i64>,
}

impl Default for FanAxes {
    fn default() -> Self {
        FanAxes {
            in_axis: vec![-2],
            out_axis: vec![-1],
            batch_axis: vec![],
        }
    }
}

impl FanAxes {
    /// The input and output fans of `shape`: each axis group's size times
    /// the receptive field's (in floats, as JAX).
    fn fans(&self, shape: &[usize]) -> Result<(f64, f64), rjax_ir::Error> {
        let size = |axes: &[i64]| -> Result<f64, rjax_ir::Error> {
            let axes = normalize_axes("variance_scaling", &Axes::Some(axes.to_vec()), shape.len())?;
            Ok(axes.iter().map(|&a| shape[a] as f64).product::<f64>())
        };
        let (inputs, outputs) = (size(&self.in_axis)?, size(&self.out_axis)?);
        let total = shape.iter().map(|&d| d as f64).product::<f64>();
        let receptive_field = total / inputs / outputs / size(&self.batch_axis)?;
        Ok((inputs * receptive_field, outputs * receptive_field))
    }
}

impl Initializer {
    /// A new array of `shape` and `dtype`, drawn with `key` (which the
    /// constant initializers ignore).
    ///
    /// ```
    /// use rjax::{nn::initializers, random, DType};
    /// let w = initializers::normal(5.0).init(&random::key(42), &[2, 3], DType::F32);
    /// assert_eq!(w.to_vec::<f32>().unwrap()[..2], [-0.14152308, 2.3356593]);
    /// ```
    #[track_caller]
    pub fn init(&self, key: &impl random::KeyLike, shape: &[usize], dtype: DType) -> Array {
        let c = |v: f64| lax::convert_element_type(&Array::scalar(v), dtype);
        match self {
            Initializer::Constant(v) => lax::broadcast_in_dim(&c(*v), shape, &[]),
            Initializer::Uniform { scale } => {
                lax::mul(&random::uniform(key, shape, dtype, 0.0, 1.0), &c(*scale))
            }
            Initializer::Normal { stddev } => {
                lax::mul(&random::normal(key, shape, dtype), &c(*stddev))
            }
            Initializer::TruncatedNormal {
                stddev,
                lower,
                upper,
            } => {
                let x = random::truncated_normal(key, *lower, *upper, shape, dtype);
                lax::mul(&x, &c(*stddev))
            }
            Initializer::VarianceScaling {
                scale,
                mode,
                distribution,
                axes,
            } => fallible(|| {
                let (fan_in, fan_out) = axes.fans(shape)?;
                let fan = match mode {
                    FanMode::FanIn => fan_in,
                    FanMode::FanOut => fan_out,
                    FanMode::FanAvg => (fan_in + fan_out) / 2.0,
                    FanMode::FanGeoAvg => (fan_in * fan_out).powf(0.5),
                };
                let variance = c(scale / fan);
                Ok(match distribution {
                    Distribution::TruncatedNormal => {
                        // The standard deviation of a standard normal
                        // truncated to (-2, 2).
                        let stddev = lax::div(&lax::sqrt(&variance), &c(0.879_625_661_034_239_8));
                        let x = random::truncated_normal(key, -2.0, 2.0, shape, dtype);
                        lax::mul(&x, &stddev)
                    }
                    Distribution::Normal => {
                        lax::mul(&random::normal(key, shape, dtype), &lax::sqrt(&variance))
                    }
                    Distribution::Uniform => {
                        let limit = lax::sqrt(&lax::mul(&c(3.0), &variance));
                        lax::mul(&random::uniform(key, shape, dtype, -1.0, 1.0), &limit)
                    }
                })
            }),
        }
    }
}

/// Zeros (JAX's `zeros` initializer).
///
/// ```
/// use rjax::{nn::initializers, random, DType};
/// let z = initializers::zeros().init(&random::key(0), &[2], DType::F32);
/// assert_eq!(z.to_vec::<f32>().unwrap(), vec![0.0, 0.0]);
/// ```
pub fn zeros() -> Initializer {
    Initializer::Constant(0.0)
}

/// Ones (JAX's `ones` initializer).
///
/// ```
/// use rjax::{nn::initializers, random, DType};
/// let o = initializers::ones().init(&random::key(0), &[2], DType::I32);
/// assert_eq!(o.to_vec::<i32>().unwrap(), vec![1, 1]);
/// ```
pub fn ones() -> Initializer {
    Initializer::Constant(1.0)
}

/// Every element `value`.
///
/// ```
/// use rjax::{nn::initializers, random, DType};
/// let c = initializers::constant(-7.0).init(&random::key(0), &[2], DType::F32);
/// assert_eq!(c.to_vec::<f32>().unwrap(), vec![-7.0, -7.0]);
/// ```
pub fn constant(value: f64) -> Initializer {
    Initializer::Constant(value)
}

/// Uniform in `[0, scale)` (JAX's default scale is 0.01).
///
/// ```
/// use rjax::{nn::initializers, random, DType};
/// let u = initializers::uniform(10.0).init(&random::key(42), &[2], DType::F32);
/// assert_eq!(u.to_vec::<f32>().unwrap(), vec![4.8870955, 6.7979717]);
/// ```
pub fn uniform(scale: f64) -> Initializer {
    Initializer::Uniform { scale }
}

/// Normal with mean 0 and standard deviation `stddev` (JAX's default is
/// 0.01).
///
/// ```
/// use rjax::{nn::initializers, random, DType};
/// let x = initializers::normal(0.01).init(&random::key(42), &[3, 2], DType::F32);
/// assert_eq!(x.shape().unwrap(), [3, 2]);
/// ```
pub fn normal(stddev: f64) -> Initializer {
    Initializer::Normal { stddev }
}

/// A standard normal truncated to `(lower, upper)` (JAX's defaults: -2 and
/// 2), then scaled by `stddev` (JAX's default 0.01) — without correcting
/// the standard deviation for the truncation.
///
/// ```
/// use rjax::{nn::initializers, random, DType};
/// let init = initializers::truncated_normal(5.0, -2.0, 2.0);
/// let x = init.init(&random::key(42), &[2], DType::F32);
/// assert_eq!(x.to_vec::<f32>().unwrap(), vec![-0.13508248, 2.221904]);
/// ```
pub fn truncated_normal(stddev: f64, lower: f64, upper: f64) -> Initializer {
    Initializer::TruncatedNormal {
        stddev,
        lower,
        upper,
    }
}

/// Samples with variance `scale / n`, `n` the fan of the weight shape that
/// `mode` names (computed from `axes`): a normal truncated at two standard
/// deviations (its standard deviation corrected for the truncation), a
/// normal, or a uniform in `[-sqrt(3 scale / n), sqrt(3 scale / n))`.
/// Axes out of range for the shape (such as the default input axis of a
/// rank-1 shape) are a typed error.
///
/// ```
/// use rjax::{nn::initializers::{self, Distribution, FanAxes, FanMode}, random, DType};
/// let init = initializers::variance_scaling(2.0, FanMode::FanIn, Distribution::Normal, FanAxes::default());
/// let he = initializers::variance_scaling(2.0, FanMode::FanIn, Distribution::TruncatedNormal, FanAxes::default());
/// assert_eq!(he, initializers::he_normal(FanAxes::default()));
/// let w = init.init(&random::key(0), &[64, 32], DType::F32);
/// assert_eq!(w.shape().unwrap(), [64, 32]);
/// ```
pub fn variance_scaling(
    scale: f64,
    mode: FanMode,
    distribution: Distribution,
    axes: FanAxes,
) -> Initializer {
    Initializer::VarianceScaling {
        scale,
        mode,
        distribution,
        axes,
    }
}

/// Glorot (Xavier) uniform: [`variance_scaling`] with scale 1, the
/// mean fan, uniform.
///
/// ```
/// use rjax::{nn::initializers::{self, FanAxes}, random, DType};
/// let w = initializers::glorot_uniform(FanAxes::default()).init(&random::key(42), &[4, 5], DType::F32);
/// assert_eq!(w.to_vec::<f32>().unwrap()[..2], [-0.018437197, 0.29360756]);
/// ```
pub fn glorot_uniform(axes: FanAxes) -> Initializer {
    variance_scaling(1.0, FanMode::FanAvg, Distribution::Uniform, axes)
}

/// Glorot (Xavier) normal: [`variance_scaling`] with scale 1, the mean
/// fan, truncated normal.
///
/// ```
/// use rjax::{nn::initializers::{self, FanAxes}, random, DType};
/// let w = initializers::glorot_normal(FanAxes::default()).init(&random::key(0), &[3, 3, 8, 16], DType::F32);
/// assert_eq!(w.shape().unwrap(), [3, 3, 8, 16]);
/// ```
pub fn glorot_normal(axes: FanAxes) -> Initializer {
    variance_scaling(1.0, FanMode::FanAvg, Distribution::TruncatedNormal, axes)
}

/// He (Kaiming) uniform: [`variance_scaling`] with scale 2, the input
/// fan, uniform.
///
/// ```
/// use rjax::{nn::initializers::{self, FanAxes}, random, DType};
/// let w = initializers::he_uniform(FanAxes::default()).init(&random::key(0), &[16, 8], DType::F32);
/// assert_eq!(w.shape().unwrap(), [16, 8]);
/// ```
pub fn he_uniform(axes: FanAxes) -> Initializer {
    variance_scaling(2.0, FanMode::FanIn, Distribution::Uniform, axes)
}

/// He (Kaiming) normal: [`variance_scaling`] with scale 2, the input
/// fan, truncated normal.
///
/// ```
/// use rjax::{nn::initializers::{self, FanAxes}, random, DType};
/// let w = initializers::he_normal(FanAxes::default()).init(&random::key(0), &[16, 8], DType::F16);
/// assert_eq!(w.dtype().unwrap(), DType::F16);
/// ```
pub fn he_normal(axes: FanAxes) -> Initializer {
    variance_scaling(2.0, FanMode::FanIn, Distribution::TruncatedNormal, axes)
}

/// LeCun uniform: [`variance_scaling`] with scale 1, the input fan,
/// uniform.
///
/// ```
/// use rjax::{nn::initializers::{self, FanAxes}, random, DType};
/// let w = initializers::lecun_uniform(FanAxes::default()).init(&random::key(0), &[16, 8], DType::F32);
/// assert_eq!(w.shape().unwrap(), [16, 8]);
/// ```
pub fn lecun_uniform(axes: FanAxes) -> Initializer {
    variance_scaling(1.0, FanMode::FanIn, Distribution::Uniform, axes)
}

/// LeCun normal: [`variance_scaling`] with scale 1, the input fan,
/// truncated normal.
///
/// ```
/// use rjax::{nn::initializers::{self, FanAxes}, random, DType};
/// let w = initializers::lecun_normal(FanAxes::default()).init(&random::key(0), &[16, 8], DType::F32);
/// assert_eq!(w.shape().unwrap(), [16, 8]);
/// ```
pub fn lecun_normal(axes: FanAxes) -> Initializer {
    variance_scaling(1.0, FanMode::FanIn, Distribution::TruncatedNormal, axes)
}

/// JAX's other names: Xavier for Glorot, Kaiming for He.
pub use self::{
    glorot_normal as xavier_normal, glorot_uniform as xavier_uniform, he_normal as kaiming_normal,
    he_uniform as kaiming_uniform,
};
