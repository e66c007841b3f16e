//! Transformations of Jaxprs. Today: program passes used before lowering
//! (dead-code elimination). Autodiff, batching and SPMD interpreters join
//! here, each as one interpreter over the trace stack of `rjax-ir`.

mod dce;

pub use dce::dce;
