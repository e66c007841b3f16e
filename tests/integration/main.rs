//! rjax's integration tests: one binary, so the PJRT plugin loads once.

mod abort_safety;
mod api;
mod autodiff;
mod callbacks;
mod catalogue;
mod checkpoints;
mod clients;
mod cnn;
mod common;
mod compilation_cache;
mod complex;
mod control;
mod errors;
mod fixtures;
mod host_memory;
mod jit;
mod linalg_native;
mod nan;
#[cfg(feature = "ndarray")]
mod ndarray_io;
#[cfg(feature = "npy")]
mod npy;
#[cfg(feature = "npy")]
mod npz;
mod optim;
mod pjrt;
mod pjrt_ffi;
mod pmap;
mod pmap_compose;
mod primitives;
mod public_api;
mod random;
mod random_keys;
mod scipy;
mod shard_map_jit;
mod sharding;
mod transforms;
mod trees;
mod vmap;
