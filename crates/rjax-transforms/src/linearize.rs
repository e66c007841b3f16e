//! `linearize` (JVP + partial evaluation) and `vjp` (its transpose).

use crate::{jvp, transpose};
use rjax_ir::{AVal, Jaxpr, Result, Value, eval_jaxpr, trace_partial};

/// The linear map of a function's derivative at a point: a Jaxpr over the
/// tangents whose constants are the residuals computed at that point.
#[derive(Clone, Debug)]
pub struct Linearized {
    pub jaxpr: Jaxpr,
    pub residuals: Vec<Value>,
}

impl Linearized {
    /// Abstract values of the tangent inputs.
    pub fn in_avals(&self) -> Vec<AVal> {
        self.jaxpr.in_avals()
    }

    /// Push tangents forward (the JVP at the linearization point).
    pub fn apply(&self, tangents: &[Value]) -> Result<Vec<Value>> {
        eval_jaxpr(&self.jaxpr, &self.residuals, tangents)
    }

    /// Pull cotangents back (the VJP at the linearization point).
    pub fn transpose(&self, cotangents: &[Value]) -> Result<Vec<Value>> {
        transpose(&self.jaxpr, &self.residuals, cotangents)
    }
}

/// Evaluate `f` at `primals` and linearize it there. The primal work runs
/// now, on concrete values (so Rust control flow in `f` sees numbers);
/// only the tangent work is staged, into the returned linear Jaxpr.
pub fn linearize(
    f: impl FnOnce(&[Value]) -> Result<Vec<Value>>,
    primals: &[Value],
) -> Result<(Vec<Value>, Linearized)> {
    let tangent_avals: Vec<AVal> = primals
        .iter()
        .map(|p| AVal::new(p.aval().shape, p.aval().dtype))
        .collect();
    let mut primal_outs = Vec::new();
    let closed = trace_partial(&tangent_avals, |tangents| {
        let tangents: Vec<Option<Value>> = tangents.iter().cloned().map(Some).collect();
        let (outs, tangent_outs) = jvp(f, primals, &tangents)?;
        primal_outs = outs;
        Ok(tangent_outs)
    })?;
    Ok((
        primal_outs,
        Linearized {
            jaxpr: closed.jaxpr,
            residuals: closed.consts,
        },
    ))
}

/// Reverse mode: evaluate `f` at `primals` and return its outputs with the
/// linear map whose [`Linearized::transpose`] pulls cotangents back.
pub fn vjp(
    f: impl FnOnce(&[Value]) -> Result<Vec<Value>>,
    primals: &[Value],
) -> Result<(Vec<Value>, Linearized)> {
    linearize(f, primals)
}
