//! The tracing crate of rjax: dtypes, abstract values, the closed
//! [`Primitive`] enum, the [`Jaxpr`] IR with its printer, and the trace
//! stack with [`bind`] through which every transformation composes.
//!
//! ```
//! use rjax_ir::{AVal, DType, Primitive, primitive::UnaryOp, abstract_eval};
//! let x = AVal::new(vec![2, 3], DType::F32);
//! assert_eq!(abstract_eval(&Primitive::Unary(UnaryOp::Tanh), &[x.clone()]).unwrap(), vec![x]);
//! ```

mod aval;
mod conv;
mod custom;
mod dtype;
mod error;
mod gather;
mod jaxpr;
mod literal;
mod loops;
mod pmap;
pub mod primitive;
mod shape_rules;
mod sharding;
mod solve;
mod stage;
mod trace;

pub use aval::{AVal, MAX_ARRAY_BYTES, broadcast_shapes};
pub use conv::{ConvDims, ConvLayout, ConvParams, dilate};
pub use custom::{BatchedRule, CustomCall, CustomCallLowering, CustomRule};
pub use dtype::{ALL_DTYPES, DType, promote_types};
pub use error::{Error, ErrorKind, Result};
pub use gather::{IndexDims, ScatterOp};
pub use jaxpr::{Atom, Eqn, Jaxpr, Var};
pub use literal::{Literal, Scalar};
pub use loops::{ScanParams, WhileParams};
pub use pmap::PmapParams;
pub use primitive::{DotDims, JitCall, Primitive, SubJaxpr};
pub use shape_rules::abstract_eval;
pub use sharding::MeshSharding;
pub use solve::TriangularSolveParams;
pub use stage::{ClosedJaxpr, eval_jaxpr, trace_partial, trace_spmd, trace_to_jaxpr};
pub use trace::{
    Concrete, Evaluator, Interpreter, MainGuard, MainId, Tracer, Value, axis_size, bind, bind1,
    concrete_value, install_evaluator, is_tracing, new_main,
};
