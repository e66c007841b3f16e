//! The optimizers: optax's aliases, each a [`Chain`] of the transformations
//! in [`crate::transform`]. `name(learning_rate)` takes optax's defaults;
//! `name_with(learning_rate, options)` sets the rest.

use crate::base::{BoxedTransformation, Chain, Identity, chain};
use crate::masking::{Mask, Masked};
use crate::schedule::Schedule;
use crate::transform::{
    AdamOptions, RmsOptions, add_decayed_weights, scale_by_adam, scale_by_learning_rate,
    scale_by_lion, scale_by_rms, scale_by_rss, trace,
};
use rjax::DType;

/// Stochastic gradient descent: `-learning_rate * g` (optax's `sgd`).
pub fn sgd(learning_rate: impl Into<Schedule>) -> Chain {
    sgd_with(learning_rate, SgdOptions::default())
}

/// SGD's options, with optax's defaults (no momentum).
#[derive(Clone, Debug, Default)]
pub struct SgdOptions {
    /// The momentum's decay; `None` for plain SGD.
    pub momentum: Option<f64>,
    /// Nesterov momentum.
    pub nesterov: bool,
    /// The dtype the momentum is stored in (the parameters' when `None`).
    pub accumulator_dtype: Option<DType>,
}

/// SGD with momentum (and Nesterov's variant) when `options` ask for it.
///
/// ```
/// use rjax_optim::{SgdOptions, sgd_with};
/// let opt = sgd_with(0.1, SgdOptions { momentum: Some(0.9), nesterov: true, ..Default::default() });
/// # let _ = opt;
/// ```
pub fn sgd_with(learning_rate: impl Into<Schedule>, options: SgdOptions) -> Chain {
    let momentum: BoxedTransformation = match options.momentum {
        Some(decay) => Box::new(trace(decay, options.nesterov, options.accumulator_dtype)),
        None => Box::new(Identity),
    };
    chain(vec![momentum, scale_by_learning_rate(learning_rate)])
}

/// Adam (optax's `adam`).
pub fn adam(learning_rate: impl Into<Schedule>) -> Chain {
    adam_with(learning_rate, AdamOptions::default())
}

/// Adam with other hyperparameters.
///
/// ```
/// use rjax::DType;
/// use rjax_optim::{AdamOptions, adam_with};
/// let opt = adam_with(1e-3, AdamOptions { b2: 0.99, mu_dtype: Some(DType::BF16), ..Default::default() });
/// # let _ = opt;
/// ```
pub fn adam_with(learning_rate: impl Into<Schedule>, options: AdamOptions) -> Chain {
    chain(vec![
        Box::new(scale_by_adam(options)),
        scale_by_learning_rate(learning_rate),
    ])
}

/// Adam with decoupled weight decay (optax's `adamw`; its default
/// `weight_decay` is 1e-4).
pub fn adamw(learning_rate: impl Into<Schedule>, weight_decay: f64) -> Chain {
    adamw_with(learning_rate, weight_decay, AdamOptions::default(), None)
}

/// AdamW with other hyperparameters, the decay applied to the leaves `mask`
/// selects (all when `None`).
pub fn adamw_with(
    learning_rate: impl Into<Schedule>,
    weight_decay: f64,
    options: AdamOptions,
    mask: Option<Mask>,
) -> Chain {
    chain(vec![
        Box::new(scale_by_adam(options)),
        decayed_weights(weight_decay, mask),
        scale_by_learning_rate(learning_rate),
    ])
}

/// Weight decay, masked when a mask is given.
fn decayed_weights(weight_decay: f64, mask: Option<Mask>) -> BoxedTransformation {
    match mask {
        Some(mask) => Box::new(Masked::new(
            Box::new(add_decayed_weights(weight_decay)),
            mask,
        )),
        None => Box::new(add_decayed_weights(weight_decay)),
    }
}

/// RMSProp (optax's `rmsprop`, without `centered`).
pub fn rmsprop(learning_rate: impl Into<Schedule>) -> Chain {
    rmsprop_with(learning_rate, RmsOptions::default(), None, false)
}

/// RMSProp with other hyperparameters, and momentum (Nesterov's when
/// `nesterov`) after the learning rate when `momentum` is given.
pub fn rmsprop_with(
    learning_rate: impl Into<Schedule>,
    options: RmsOptions,
    momentum: Option<f64>,
    nesterov: bool,
) -> Chain {
    let momentum: BoxedTransformation = match momentum {
        Some(decay) => Box::new(trace(decay, nesterov, None)),
        None => Box::new(Identity),
    };
    chain(vec![
        Box::new(scale_by_rms(options)),
        scale_by_learning_rate(learning_rate),
        momentum,
    ])
}

/// Adagrad (optax's `adagrad`: accumulators start at 0.1, `eps` 1e-7).
pub fn adagrad(learning_rate: impl Into<Schedule>) -> Chain {
    adagrad_with(learning_rate, 0.1, 1e-7)
}

/// Adagrad with other starting accumulators and `eps`.
pub fn adagrad_with(
    learning_rate: impl Into<Schedule>,
    initial_accumulator_value: f64,
    eps: f64,
) -> Chain {
    chain(vec![
        Box::new(scale_by_rss(initial_accumulator_value, eps)),
        scale_by_learning_rate(learning_rate),
    ])
}

/// Lion's options, with optax's defaults.
#[derive(Clone, Debug)]
pub struct LionOptions {
    /// Mixes the momentum and the current gradient.
    pub b1: f64,
    /// Decay of the momentum.
    pub b2: f64,
    /// The dtype the momentum is stored in (the parameters' when `None`).
    pub mu_dtype: Option<DType>,
    /// Decoupled weight decay.
    pub weight_decay: f64,
}

impl Default for LionOptions {
    fn default() -> Self {
        LionOptions {
            b1: 0.9,
            b2: 0.99,
            mu_dtype: None,
            weight_decay: 1e-3,
        }
    }
}

/// Lion (optax's `lion`).
pub fn lion(learning_rate: impl Into<Schedule>) -> Chain {
    lion_with(learning_rate, LionOptions::default(), None)
}

/// Lion with other hyperparameters, the decay applied to the leaves `mask`
/// selects (all when `None`).
pub fn lion_with(
    learning_rate: impl Into<Schedule>,
    options: LionOptions,
    mask: Option<Mask>,
) -> Chain {
    chain(vec![
        Box::new(scale_by_lion(options.b1, options.b2, options.mu_dtype)),
        decayed_weights(options.weight_decay, mask),
        scale_by_learning_rate(learning_rate),
    ])
}
