//! rjax's integration tests: one binary, so the PJRT plugin loads once.

mod abort_safety;
mod api;
mod autodiff;
mod catalogue;
mod cnn;
mod common;
mod control;
mod errors;
mod fixtures;
mod jit;
mod nan;
mod pjrt;
mod pmap;
mod pmap_compose;
mod primitives;
mod random;
mod random_keys;
mod transforms;
mod trees;
mod vmap;
