//! Rematerialization (`checkpoint`): differentiate a function without
//! keeping its intermediates; the backward pass recomputes them from the
//! inputs.

use crate::{jvp, ops::zeros, vjp};
use rjax_ir::{
    CustomCall, CustomRule, Jaxpr, Primitive, Result, Value, bind, eval_jaxpr, trace_to_jaxpr,
};
use std::sync::Arc;

/// The checkpointed function itself: evaluates like its Jaxpr; its tangent
/// is a [`RematTangent`] whose only residuals are the inputs.
struct Remat {
    jaxpr: Arc<Jaxpr>,
}

/// The tangent map of a checkpointed function, linear in the tangents,
/// with the primal inputs as its known operands. Transposing it re-runs
/// the forward pass.
struct RematTangent {
    jaxpr: Arc<Jaxpr>,
    tangent_program: Jaxpr,
}

/// A primitive that applies `jaxpr` (closing over nothing) and is
/// differentiated by recomputation.
pub fn checkpoint_call(jaxpr: Jaxpr) -> Primitive {
    Primitive::Custom(CustomCall(Arc::new(Remat {
        jaxpr: Arc::new(jaxpr),
    })))
}

fn apply(jaxpr: &Jaxpr) -> impl Fn(&[Value]) -> Result<Vec<Value>> + '_ {
    move |xs: &[Value]| eval_jaxpr(jaxpr, &[], xs)
}

impl CustomRule for Remat {
    fn name(&self) -> &str {
        "checkpoint"
    }
    fn jaxpr(&self) -> Option<&Jaxpr> {
        Some(&self.jaxpr)
    }
    fn jvp(
        &self,
        primals: &[Value],
        tangents: &[Option<Value>],
    ) -> Result<(Vec<Value>, Vec<Option<Value>>)> {
        let outs = eval_jaxpr(&self.jaxpr, &[], primals)?;
        if tangents.iter().all(Option::is_none) {
            return Ok((outs, vec![None; self.jaxpr.outvars.len()]));
        }
        let in_avals = self.jaxpr.in_avals();
        let program = trace_to_jaxpr(&[in_avals.clone(), in_avals].concat(), |xs| {
            let (p, t) = xs.split_at(xs.len() / 2);
            let t: Vec<Option<Value>> = t.iter().cloned().map(Some).collect();
            Ok(jvp(apply(&self.jaxpr), p, &t)?.1)
        })?;
        let rule = RematTangent {
            jaxpr: self.jaxpr.clone(),
            tangent_program: program.hoist_consts(),
        };
        let mut args = primals.to_vec();
        for (t, p) in tangents.iter().zip(primals) {
            args.push(match t {
                Some(t) => t.clone(),
                None => zeros(&p.aval())?,
            });
        }
        let touts = bind(&Primitive::Custom(CustomCall(Arc::new(rule))), &args)?;
        Ok((outs, touts.into_iter().map(Some).collect()))
    }
}

impl CustomRule for RematTangent {
    fn name(&self) -> &str {
        "checkpoint_tangent"
    }
    fn jaxpr(&self) -> Option<&Jaxpr> {
        Some(&self.tangent_program)
    }
    fn jvp(
        &self,
        primals: &[Value],
        tangents: &[Option<Value>],
    ) -> Result<(Vec<Value>, Vec<Option<Value>>)> {
        let (outs, touts) = jvp(apply(&self.tangent_program), primals, tangents)?;
        Ok((outs, touts.into_iter().map(Some).collect()))
    }
    fn transpose(
        &self,
        known: &[Option<Value>],
        cotangents: &[Value],
    ) -> Result<Vec<Option<Value>>> {
        let n = known.len() / 2;
        let primals = known[..n]
            .iter()
            .map(|k| {
                k.clone().ok_or_else(|| {
                    self.unsupported("transposition with respect to the primal inputs")
                })
            })
            .collect::<Result<Vec<Value>>>()?;
        // The recomputation: linearize the forward pass again, now.
        let (_, linear) = vjp(apply(&self.jaxpr), &primals)?;
        let cts = linear.transpose(cotangents)?;
        Ok(std::iter::repeat_n(None, n)
            .chain(cts.into_iter().map(Some))
            .collect())
    }
}
