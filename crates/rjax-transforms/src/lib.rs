//! Transformations of rjax programs, each an interpreter over the trace
//! stack of `rjax-ir` or a pass over Jaxprs: forward-mode (`jvp`),
//! reverse-mode (`linearize` + `transpose` = `vjp`), and dead-code
//! elimination.

mod batch;
mod control;
mod conv;
mod dce;
mod fft;
mod gather;
mod jit_batch;
mod jvp;
mod linalg;
mod linearize;
mod ops;
mod remat;
mod spmd;
mod transpose;

pub use batch::{moveaxis, vmap, with_batch_axis};
pub use dce::dce;
pub use jvp::jvp;
pub use linalg::cholesky_jvp;
pub use linearize::{Linearized, linearize, vjp};
pub use remat::checkpoint_call;
pub use transpose::transpose;
