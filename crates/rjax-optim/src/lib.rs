//! # rjax-optim: optimizers and schedules for rjax, the counterpart of optax
//!
//! A [`GradientTransformation`] turns gradients into updates; its state is
//! a tree ([`OptState`]), so a whole training step goes through `jit` and
//! the state can be checkpointed with the parameters. Optimizers
//! ([`sgd`], [`adam`], [`adamw`], [`rmsprop`], [`adagrad`], [`lion`]) are
//! [`chain`]s of the building blocks in [`transform`]; learning rates may
//! be [`schedule`]s; [`masked`] applies a transformation to some leaves.
//! The numbers match optax's (tests compare with fixtures optax wrote).
//! [`checkpoint`] saves and loads any tree as a safetensors file.
//!
//! ```
//! use rjax::prelude::*;
//! use rjax_optim::{GradientTransformation, OptState, adam, apply_updates, chain, clip_by_global_norm};
//!
//! #[derive(Tree, Clone)]
//! struct Linear { w: Array, b: Array }
//!
//! let x = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[4]);
//! let y = &x * 2.0 + 1.0;
//! let loss = |p: &Linear| ((&x * &p.w + &p.b - &y).powi(2)).mean();
//!
//! let opt = chain((clip_by_global_norm(10.0), adam(0.1)));
//! let params = Linear { w: Array::scalar(0.0f32), b: Array::scalar(0.0f32) };
//! let state = opt.init(&params).unwrap();
//! let step = jit(|(params, state): (Linear, OptState)| {
//!     let grads = grad(|p: Linear| loss(&p))(params.clone())?;
//!     let (updates, state) = opt.update(&grads, &state, Some(&params))?;
//!     Ok((apply_updates(&params, &updates)?, state))
//! });
//! let (mut params, mut state) = (params, state);
//! let before = loss(&params).item::<f32>().unwrap();
//! for _ in 0..100 {
//!     (params, state) = step.call((params, state)).unwrap();
//! }
//! assert!(loss(&params).item::<f32>().unwrap() < before / 100.0);
//! ```

mod alias;
mod base;
pub mod checkpoint;
mod masking;
pub mod schedule;
pub mod transform;

pub use alias::{
    LionOptions, SgdOptions, adagrad, adagrad_with, adam, adam_with, adamw, adamw_with, lion,
    lion_with, rmsprop, rmsprop_with, sgd, sgd_with,
};
pub use base::{
    BoxedTransformation, Chain, FlatTree, GradientTransformation, Identity, IntoTransformations,
    OptState, apply_updates, chain,
};
pub use masking::{Mask, Masked, masked};
pub use schedule::Schedule;
pub use transform::{
    AdamOptions, RmsOptions, add_decayed_weights, clip_by_global_norm, global_norm, scale,
};
