//! # rjax: JAX for Rust
//!
//! Numeric Rust code is traced into a typed IR (`rjax-ir`), transformed
//! (`rjax-transforms`), lowered to StableHLO (`rjax-lower`) and compiled and
//! run by XLA through a PJRT plugin (`rjax-pjrt`).
//!
//! ```
//! use rjax::prelude::*;
//!
//! fn slow_f(x: Array) -> Array {
//!     // Element-wise ops see a large benefit from fusion
//!     &x * &x + &x * 2.0
//! }
//!
//! let x = jnp::ones(&[5, 5], DType::F32);
//! let fast_f = jit(slow_f);
//! let y = fast_f.call(x.clone()).unwrap();
//! assert_eq!(y.to_vec::<f32>().unwrap(), vec![3.0; 25]);
//! assert_eq!(slow_f(x).to_vec::<f32>().unwrap(), vec![3.0; 25]);
//! ```

#![warn(unnameable_types)]

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;

// Lets `#[derive(Tree)]`, which names `::rjax`, be used inside the crate.
extern crate self as rjax;

mod array;
mod autodiff;
mod callback;
pub mod catalogue;
mod collectives;
pub mod compilation_cache;
mod control;
mod conv;
mod cumulative;
mod custom;
mod display;
pub mod dump;
mod eager;
mod element;
pub mod indexing;
mod jacobian;
mod jit;
mod jit_sharded;
pub mod lax;
mod linalg;
mod linear;
mod location;
mod lru;
mod module;
#[cfg(feature = "ndarray")]
mod ndarray_interop;
pub mod nn;
pub mod numpy;
mod ops;
mod pmap;
pub mod random;
mod runtime;
pub mod scipy;
mod shard_map;
mod sharded;
mod sharding;
mod sorting;
mod tree;
pub mod tree_util;
mod vmap;
mod windows;

pub use array::Array;
pub use autodiff::{
    Vjp, grad, grad_holomorphic, jvp, value_and_grad, value_and_grad_aux,
    value_and_grad_holomorphic, vjp, vjp_aux,
};
pub use callback::{HostArray, debug, io_callback, pure_callback};
pub use custom::{CustomJvp, CustomVjp, checkpoint, custom_jvp, custom_vjp};
pub use element::Element;
pub use jacobian::{
    Jacobian, JacobianOf, hessian, jacfwd, jacfwd_aux, jacfwd_holomorphic, jacrev, jacrev_aux,
    jacrev_holomorphic,
};
pub use jit::{JIT_CACHE_CAPACITY, Jit, JitStatic, Lowered, jit, jit_static, make_jaxpr};
pub use linear::{Linear, linear_transpose, linearize};
pub use module::{Module, compile_module, compile_module_on, module_devices};
/// Complex numbers, the elements of `c64` (`Complex<f32>`) and `c128`
/// (`Complex<f64>`) arrays.
pub use num_complex::Complex;
pub use ops::Operand;
pub use pmap::{PmapSpec, pmap, pmap_lower, pmap_with};
pub use rjax_ir::{AVal, ClosedJaxpr, DType, Error, ErrorKind, Jaxpr, Result};
pub use rjax_macros::Tree;
pub use rjax_pjrt::MemoryStats;
pub use runtime::device_count;
pub use shard_map::{Specs, shard_map};
pub use sharded::{Shard, Shardings, device_put, with_sharding_constraint};
pub use sharding::{DimSpec, Mesh, NamedSharding, PartitionSpec};
pub use tree::{Tree, TreeDef, TreeOutput};
pub use vmap::{AxisSpec, VmapSpec, vmap, vmap_with};

/// What most programs import: `use rjax::prelude::*;`.
pub mod prelude {
    pub use crate::numpy as jnp;
    pub use crate::{
        Array, AxisSpec, DType, PmapSpec, Tree, VmapSpec, grad, hessian, jacfwd, jacrev, jit, jvp,
        lax, make_jaxpr, pmap, pmap_with, value_and_grad, vjp, vmap, vmap_with,
    };
}
