//! Rules of the control-flow primitives (`cond`, `while`, `scan`) for the JVP,
//! transpose and batching interpreters.
//!
//! The JVP of a control-flow primitive is split in two equations: the
//! primitive on the primals, and a tangent copy that recomputes what it
//! needs of the primal from the primal operands. Under `linearize` the
//! first runs now and the second, linear in the tangents, is staged — so
//! no special partial-evaluation rule is needed.

mod cond;
mod scan;
mod while_loop;

pub(crate) use cond::{cond_batched, cond_jvp, cond_transpose};
pub(crate) use scan::{scan_batched, scan_jvp, scan_transpose};
pub(crate) use while_loop::{while_batched, while_jvp};

use crate::ops::zeros;
use rjax_ir::{AVal, Jaxpr, Result, SubJaxpr, Value, trace_to_jaxpr};
use std::sync::Arc;

pub(crate) fn avals(values: &[Value]) -> Vec<AVal> {
    values
        .iter()
        .map(|v| AVal::new(v.aval().shape, v.aval().dtype))
        .collect()
}

/// Stage `f` over inputs of `in_avals` into a sub-Jaxpr (closing over
/// nothing: captured values must be inputs already).
pub(crate) fn sub(
    in_avals: &[AVal],
    f: impl FnOnce(&[Value]) -> Result<Vec<Value>>,
) -> Result<SubJaxpr> {
    let closed = trace_to_jaxpr(in_avals, f)?;
    Ok(SubJaxpr(Arc::new(closed.hoist_consts())))
}

/// Tangents with zeros where absent.
pub(crate) fn instantiate(t: &[Option<Value>], x: &[Value]) -> Result<Vec<Value>> {
    t.iter()
        .zip(x)
        .map(|(t, x)| t.clone().map_or_else(|| zeros(&x.aval()), Ok))
        .collect()
}

/// `j` with the inputs whose values are `known` turned into constants, for
/// transposing it in the remaining (linear) inputs.
pub(crate) fn split_known(j: &Jaxpr, known: &[Option<Value>]) -> Jaxpr {
    let (consts, linear): (Vec<_>, Vec<_>) = j
        .invars
        .iter()
        .cloned()
        .zip(known)
        .partition(|(_, k)| k.is_some());
    Jaxpr {
        constvars: consts.into_iter().map(|(v, _)| v).collect(),
        invars: linear.into_iter().map(|(v, _)| v).collect(),
        ..j.clone()
    }
}
