//! Rules of `pmap`'s call primitive ([`Primitive::Pmap`]) for the JVP,
//! transpose and batching interpreters.
//!
//! Each rule builds a new per-member program by running the transformation
//! over the body under an SPMD trace of the same axis, so that the body's
//! collectives keep their meaning, and binds a new `Pmap` with it. As for
//! control flow, the JVP is a primal call plus a tangent call that
//! recomputes what it needs, so `linearize` runs the first now and stages
//! the second.

use crate::batch::{moveaxis, with_batch_axis};
use crate::control::{avals, instantiate, split_known};
use crate::ops::reduce_sum;
use crate::{jvp, transpose, vmap};
use rjax_ir::{
    AVal, Error, ErrorKind, PmapParams, Primitive, Result, SubJaxpr, Value, bind, eval_jaxpr,
    trace_spmd,
};
use std::sync::Arc;

/// Building new `Pmap` calls over the axis of an existing one.
trait PmapCall {
    fn body_of(
        &self,
        in_avals: &[AVal],
        mapped: &[bool],
        f: impl FnOnce(&[Value]) -> Result<Vec<Value>>,
    ) -> Result<SubJaxpr>;
    fn bind(&self, body: SubJaxpr, mapped: Vec<bool>, args: &[Value]) -> Result<Vec<Value>>;
}

impl PmapCall for PmapParams {
    /// Trace a new per-member program over operands of `in_avals` (whole
    /// operands; those marked in `mapped` lose their axis 0).
    fn body_of(
        &self,
        in_avals: &[AVal],
        mapped: &[bool],
        f: impl FnOnce(&[Value]) -> Result<Vec<Value>>,
    ) -> Result<SubJaxpr> {
        let shards: Vec<AVal> = in_avals
            .iter()
            .zip(mapped)
            .map(|(a, &m)| {
                if m {
                    a.with_shape(a.shape[1..].to_vec())
                } else {
                    a.clone()
                }
            })
            .collect();
        let closed = trace_spmd(&shards, (&self.axis_name, self.axis_size), f)?;
        Ok(SubJaxpr(Arc::new(closed.hoist_consts())))
    }

    /// Bind a `Pmap` over the same axis with another body.
    fn bind(&self, body: SubJaxpr, mapped: Vec<bool>, args: &[Value]) -> Result<Vec<Value>> {
        let params = PmapParams {
            body,
            mapped,
            ..self.clone()
        };
        bind(&Primitive::Pmap(params), args)
    }
}

/// The call on the primals, and a tangent call taking (primals, tangents).
pub(crate) fn pmap_jvp(
    call: &PmapParams,
    x: &[Value],
    t: &[Option<Value>],
) -> Result<(Vec<Value>, Vec<Option<Value>>)> {
    let outs = bind(&Primitive::Pmap(call.clone()), x)?;
    if t.iter().all(Option::is_none) {
        let n = outs.len();
        return Ok((outs, vec![None; n]));
    }
    let tangents = instantiate(t, x)?;
    let mapped = [&call.mapped[..], &call.mapped[..]].concat();
    let body = call.body_of(&[avals(x), avals(&tangents)].concat(), &mapped, |xs| {
        let (p, t) = xs.split_at(xs.len() / 2);
        let t: Vec<Option<Value>> = t.iter().cloned().map(Some).collect();
        Ok(jvp(|ys| eval_jaxpr(&call.body.0, &[], ys), p, &t)?.1)
    })?;
    let args: Vec<Value> = x.iter().cloned().chain(tangents).collect();
    let touts = call.bind(body, mapped, &args)?;
    Ok((outs, touts.into_iter().map(Some).collect()))
}

/// Cotangents of a `Pmap`'s linear operands: the body transposed per
/// member, with the known operands as its constants. A linear operand that
/// every member received whole gets the sum of the members' cotangents.
pub(crate) fn pmap_transpose(
    call: &PmapParams,
    known: &[Option<Value>],
    cts: &[Value],
) -> Result<Vec<Option<Value>>> {
    let j = &call.body.0;
    let known_vals: Vec<Value> = known.iter().flatten().cloned().collect();
    let known_mapped: Vec<bool> = known
        .iter()
        .zip(&call.mapped)
        .filter(|(k, _)| k.is_some())
        .map(|(_, &m)| m)
        .collect();
    let split = split_known(j, known);
    let mapped: Vec<bool> = known_mapped
        .into_iter()
        .chain(std::iter::repeat_n(true, cts.len()))
        .collect();
    let body = call.body_of(&[avals(&known_vals), avals(cts)].concat(), &mapped, |xs| {
        let (k, c) = xs.split_at(known_vals.len());
        transpose(&split, k, c)
    })?;
    let args: Vec<Value> = known_vals.into_iter().chain(cts.iter().cloned()).collect();
    let mut linear_cts = call.bind(body, mapped, &args)?.into_iter();
    known
        .iter()
        .zip(&call.mapped)
        .map(|(k, &m)| {
            if k.is_some() {
                return Ok(None);
            }
            let c = linear_cts
                .next()
                .ok_or_else(|| Error::new(ErrorKind::Param, "xla_pmap", "missing cotangent"))?;
            Ok(Some(if m { c } else { reduce_sum(&c, &[0])? }))
        })
        .collect()
}

/// A `Pmap` with batched operands: the batch axis of a split operand goes
/// to axis 1 (axis 0 of each member's slice), of a whole one to axis 0;
/// every member runs the batched body, and results carry the batch at
/// axis 1.
pub(crate) fn pmap_batched(
    call: &PmapParams,
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Vec<(Value, Option<usize>)>> {
    let args: Vec<Value> = x
        .iter()
        .zip(d)
        .zip(&call.mapped)
        .map(|((v, b), &m)| match b {
            Some(b) => moveaxis(v, *b, usize::from(m)),
            None => Ok(v.clone()),
        })
        .collect::<Result<_>>()?;
    let inner: Vec<Option<usize>> = d.iter().map(|b| b.map(|_| 0)).collect();
    let body = call.body_of(&avals(&args), &call.mapped, |ys| {
        vmap(
            |zs| eval_jaxpr(&call.body.0, &[], zs),
            ys,
            &inner,
            size,
            None,
        )?
        .into_iter()
        .map(|(v, b)| with_batch_axis(&v, b, size, 0))
        .collect()
    })?;
    let outs = call.bind(body, call.mapped.clone(), &args)?;
    Ok(outs.into_iter().map(|v| (v, Some(1))).collect())
}
