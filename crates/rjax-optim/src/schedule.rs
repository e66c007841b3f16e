//! Schedules: a value (the learning rate, usually) as a function of the
//! step count, evaluated on the count inside the update so that it
//! traces under `jit`. Each computes in f32 as optax's do.
//!
//! ```
//! use rjax::Array;
//! use rjax_optim::schedule::warmup_cosine_decay;
//! let lr = warmup_cosine_decay(0.0, 1.0, 10, 110, 0.0);
//! let at = |step: i32| lr.at(&Array::scalar(step)).item::<f32>().unwrap();
//! assert_eq!((at(0), at(5), at(10)), (0.0, 0.5, 1.0));
//! assert!(at(60) < 0.51 && at(60) > 0.49);
//! ```

use rjax::numpy as jnp;
use rjax::{Array, DType, Error, ErrorKind};
use std::fmt;
use std::sync::Arc;

/// A constant, or a function of the (int32, possibly traced) step count
/// that returns an f32 scalar (optax's `ScalarOrSchedule`). Numbers convert
/// into constant schedules.
#[derive(Clone)]
pub enum Schedule {
    /// The same value at every step.
    Constant(f64),
    /// A value computed from the count.
    Function(Arc<dyn Fn(&Array) -> Array + Send + Sync>),
}

impl Schedule {
    /// A schedule from a function of the step count.
    pub fn new(f: impl Fn(&Array) -> Array + Send + Sync + 'static) -> Schedule {
        Schedule::Function(Arc::new(f))
    }

    /// The value at step `count` (an int32 scalar), as an f32 scalar.
    pub fn at(&self, count: &Array) -> Array {
        match self {
            Schedule::Constant(v) => jnp::full(&[], *v as f32),
            Schedule::Function(f) => f(count),
        }
    }
}

impl From<f64> for Schedule {
    fn from(v: f64) -> Schedule {
        Schedule::Constant(v)
    }
}

impl fmt::Debug for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Constant(v) => write!(f, "Schedule::Constant({v})"),
            Schedule::Function(_) => write!(f, "Schedule::Function(..)"),
        }
    }
}

/// `value` at every step (optax's `constant_schedule`).
///
/// ```
/// use rjax::Array;
/// let s = rjax_optim::schedule::constant(0.1);
/// assert_eq!(s.at(&Array::scalar(7i32)).item::<f32>().unwrap(), 0.1);
/// ```
pub fn constant(value: f64) -> Schedule {
    Schedule::Constant(value)
}

/// From `init_value` to `end_value` linearly over `transition_steps` steps
/// starting at `transition_begin`, held before and after (optax's
/// `linear_schedule`). A non-positive `transition_steps` holds
/// `init_value`.
///
/// ```
/// use rjax::Array;
/// let s = rjax_optim::schedule::linear(1.0, 0.0, 4, 2);
/// let at = |step: i32| s.at(&Array::scalar(step)).item::<f32>().unwrap();
/// assert_eq!((at(0), at(2), at(4), at(9)), (1.0, 1.0, 0.5, 0.0));
/// ```
pub fn linear(
    init_value: f64,
    end_value: f64,
    transition_steps: i32,
    transition_begin: i32,
) -> Schedule {
    if transition_steps <= 0 {
        return Schedule::Constant(init_value);
    }
    let begin = transition_begin.max(0);
    Schedule::new(move |count| {
        let steps = Array::scalar(transition_steps);
        let count = jnp::clip(&(count - begin), Some(&Array::scalar(0i32)), Some(&steps));
        let frac = 1.0 - jnp::divide(&count, &steps);
        frac * (init_value - end_value) + end_value
    })
}

/// Cosine decay from `init_value` to `alpha * init_value` over
/// `decay_steps` steps (optax's `cosine_decay_schedule` with exponent 1).
/// A non-positive `decay_steps` gives values that hold a typed error.
///
/// ```
/// use rjax::Array;
/// let s = rjax_optim::schedule::cosine_decay(1.0, 10, 0.0);
/// assert_eq!(s.at(&Array::scalar(10i32)).item::<f32>().unwrap(), 0.0);
/// ```
pub fn cosine_decay(init_value: f64, decay_steps: i32, alpha: f64) -> Schedule {
    if decay_steps <= 0 {
        return Schedule::new(move |_| {
            Array::from_result(Err(Error::new(
                ErrorKind::Param,
                "cosine_decay",
                format!("needs a positive number of decay steps, got {decay_steps}"),
            )))
        });
    }
    Schedule::new(move |count| {
        let steps = decay_steps as f64;
        let count = jnp::minimum(&count.astype(DType::F32), &Array::weak(steps));
        let cosine = (((count * std::f64::consts::PI) / steps).cos() + 1.0) * 0.5;
        (cosine * (1.0 - alpha) + alpha) * init_value
    })
}

/// Linear warmup from `init_value` to `peak_value` over `warmup_steps`,
/// then cosine decay to `end_value` at step `decay_steps` (which counts
/// the warmup; optax's `warmup_cosine_decay_schedule`).
pub fn warmup_cosine_decay(
    init_value: f64,
    peak_value: f64,
    warmup_steps: i32,
    decay_steps: i32,
    end_value: f64,
) -> Schedule {
    let alpha = if peak_value == 0.0 {
        0.0
    } else {
        end_value / peak_value
    };
    join(
        vec![
            linear(init_value, peak_value, warmup_steps, 0),
            cosine_decay(peak_value, decay_steps - warmup_steps, alpha),
        ],
        vec![warmup_steps],
    )
}

/// `init_value * decay_rate ^ ((count - transition_begin) /
/// transition_steps)` once the count passes `transition_begin`, the
/// exponent floored when `staircase`, bounded by `end_value` if given
/// (optax's `exponential_decay`).
///
/// ```
/// use rjax::Array;
/// let s = rjax_optim::schedule::exponential_decay(1.0, 2, 0.5, 0, true, None);
/// let at = |step: i32| s.at(&Array::scalar(step)).item::<f32>().unwrap();
/// assert_eq!((at(1), at(2), at(5)), (1.0, 0.5, 0.25));
/// ```
pub fn exponential_decay(
    init_value: f64,
    transition_steps: i32,
    decay_rate: f64,
    transition_begin: i32,
    staircase: bool,
    end_value: Option<f64>,
) -> Schedule {
    if transition_steps <= 0 || decay_rate == 0.0 {
        return Schedule::Constant(init_value);
    }
    let begin = transition_begin.max(0);
    Schedule::new(move |count| {
        let decreased = count - begin;
        let mut p = jnp::divide(&decreased, &Array::scalar(transition_steps));
        if staircase {
            p = jnp::floor(&p);
        }
        let decayed = jnp::power(&Array::weak(decay_rate), &p) * init_value;
        let held = jnp::full_like(&decayed, init_value, None);
        let value = jnp::where_(&decreased.le(0), &held, &decayed);
        match end_value {
            Some(end) if decay_rate < 1.0 => jnp::maximum(&value, &Array::weak(end)),
            Some(end) => jnp::minimum(&value, &Array::weak(end)),
            None => value,
        }
    })
}

/// `init_value` times every scale whose boundary the count has reached
/// (optax's `piecewise_constant_schedule`).
///
/// ```
/// use rjax::Array;
/// let s = rjax_optim::schedule::piecewise_constant(1.0, &[(2, 0.5), (4, 0.5)]);
/// let at = |step: i32| s.at(&Array::scalar(step)).item::<f32>().unwrap();
/// assert_eq!((at(1), at(2), at(4)), (1.0, 0.5, 0.25));
/// ```
pub fn piecewise_constant(init_value: f64, boundaries_and_scales: &[(i32, f64)]) -> Schedule {
    let mut steps = boundaries_and_scales.to_vec();
    steps.sort_by_key(|&(boundary, _)| boundary);
    Schedule::new(move |count| {
        let mut v = jnp::full(&[], init_value as f32);
        for &(boundary, scale) in &steps {
            let below = jnp::sign(&(Array::scalar(boundary) - count)).astype(DType::F32);
            let indicator = jnp::maximum(&below, &Array::weak(0.0));
            v = &v * &indicator + (1.0 - &indicator) * scale * &v;
        }
        v
    })
}

/// `schedules[0]` until `boundaries[0]`, then `schedules[1]` counted from
/// that boundary, and so on (optax's `join_schedules`).
pub fn join(schedules: Vec<Schedule>, boundaries: Vec<i32>) -> Schedule {
    Schedule::new(move |count| {
        let mut out = schedules
            .first()
            .map_or_else(|| jnp::full(&[], 0.0f32), |s| s.at(count));
        for (&boundary, s) in boundaries.iter().zip(schedules.iter().skip(1)) {
            out = jnp::where_(&count.lt(boundary), &out, &s.at(&(count - boundary)));
        }
        out
    })
}
