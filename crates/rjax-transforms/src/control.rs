//! Rules of the control-flow primitives (`cond`, `while`) for the JVP,
//! transpose and batching interpreters.
//!
//! The JVP of a control-flow primitive is split in two equations: the
//! primitive on the primals, and a tangent copy that recomputes what it
//! needs of the primal from the primal operands. Under `linearize` the
//! first runs now and the second, linear in the tangents, is staged — so
//! no special partial-evaluation rule is needed.

use crate::batch::with_batch_axis;
use crate::ops::{self, zeros};
use crate::{jvp, transpose};
use rjax_ir::primitive::{Comparison, ReduceOp};
use rjax_ir::{
    AVal, Jaxpr, Literal, Primitive, Result, SubJaxpr, Value, bind, eval_jaxpr, trace_to_jaxpr,
};
use std::sync::Arc;

fn avals(values: &[Value]) -> Vec<AVal> {
    values
        .iter()
        .map(|v| AVal::new(v.aval().shape, v.aval().dtype))
        .collect()
}

/// Stage `f` over inputs of `in_avals` into a sub-Jaxpr (closing over
/// nothing: captured values must be inputs already).
fn sub(in_avals: &[AVal], f: impl FnOnce(&[Value]) -> Result<Vec<Value>>) -> Result<SubJaxpr> {
    let closed = trace_to_jaxpr(in_avals, f)?;
    Ok(SubJaxpr(Arc::new(closed.hoist_consts())))
}

/// Tangents with zeros where absent.
fn instantiate(t: &[Option<Value>], x: &[Value]) -> Result<Vec<Value>> {
    t.iter()
        .zip(x)
        .map(|(t, x)| t.clone().map_or_else(|| zeros(&x.aval()), Ok))
        .collect()
}

/// The tangent program of `j`: (primals, tangents) -> output tangents.
fn tangent_program(j: &Jaxpr, in_avals: &[AVal]) -> Result<SubJaxpr> {
    let both = [in_avals, in_avals].concat();
    sub(&both, |xs| {
        let (p, t) = xs.split_at(xs.len() / 2);
        let t: Vec<Option<Value>> = t.iter().cloned().map(Some).collect();
        Ok(jvp(|ys| eval_jaxpr(j, &[], ys), p, &t)?.1)
    })
}

pub(crate) fn cond_jvp(
    branches: &[SubJaxpr],
    x: &[Value],
    t: &[Option<Value>],
) -> Result<(Vec<Value>, Vec<Option<Value>>)> {
    let outs = bind(
        &Primitive::Cond {
            branches: branches.to_vec(),
        },
        x,
    )?;
    if t[1..].iter().all(Option::is_none) {
        let n = outs.len();
        return Ok((outs, vec![None; n]));
    }
    let operand_avals = avals(&x[1..]);
    let tangent_branches = branches
        .iter()
        .map(|b| tangent_program(&b.0, &operand_avals))
        .collect::<Result<Vec<_>>>()?;
    let args: Vec<Value> = x
        .iter()
        .cloned()
        .chain(instantiate(&t[1..], &x[1..])?)
        .collect();
    let touts = bind(
        &Primitive::Cond {
            branches: tangent_branches,
        },
        &args,
    )?;
    Ok((outs, touts.into_iter().map(Some).collect()))
}

/// Cotangents of a `cond`'s linear operands: each branch transposed, with
/// the known operands as its constants.
pub(crate) fn cond_transpose(
    branches: &[SubJaxpr],
    known: &[Option<Value>],
    cts: &[Value],
) -> Result<Vec<Option<Value>>> {
    let index = known[0].clone().ok_or_else(|| {
        rjax_ir::Error::new(
            rjax_ir::ErrorKind::Param,
            "cond",
            "the branch index must be known when transposing",
        )
    })?;
    let operands = &known[1..];
    let known_vals: Vec<Value> = operands.iter().flatten().cloned().collect();
    let transposed = branches
        .iter()
        .map(|b| {
            let (consts, linear): (Vec<_>, Vec<_>) =
                b.0.invars
                    .iter()
                    .cloned()
                    .zip(operands)
                    .partition(|(_, k)| k.is_some());
            let split = Jaxpr {
                constvars: consts.into_iter().map(|(v, _)| v).collect(),
                invars: linear.into_iter().map(|(v, _)| v).collect(),
                ..(*b.0).clone()
            };
            let in_avals: Vec<AVal> = avals(&known_vals).into_iter().chain(avals(cts)).collect();
            sub(&in_avals, |xs| {
                let (k, c) = xs.split_at(known_vals.len());
                transpose(&split, k, c)
            })
        })
        .collect::<Result<Vec<_>>>()?;
    let args: Vec<Value> = std::iter::once(index)
        .chain(known_vals)
        .chain(cts.iter().cloned())
        .collect();
    let mut linear_cts = bind(
        &Primitive::Cond {
            branches: transposed,
        },
        &args,
    )?
    .into_iter();
    Ok(std::iter::once(None)
        .chain(
            operands
                .iter()
                .map(|k| if k.is_some() { None } else { linear_cts.next() }),
        )
        .collect())
}

pub(crate) fn while_jvp(
    cond: &SubJaxpr,
    body: &SubJaxpr,
    (cc, bc): (usize, usize),
    x: &[Value],
    t: &[Option<Value>],
) -> Result<(Vec<Value>, Vec<Option<Value>>)> {
    let prim = Primitive::While {
        cond: cond.clone(),
        body: body.clone(),
        cond_consts: cc,
        body_consts: bc,
    };
    let outs = bind(&prim, x)?;
    if t[cc..].iter().all(Option::is_none) {
        let n = outs.len();
        return Ok((outs, vec![None; n]));
    }
    let (cond_c, rest) = x.split_at(cc);
    let (body_c, carry) = rest.split_at(bc);
    let body_t = instantiate(&t[cc..cc + bc], body_c)?;
    let carry_t = instantiate(&t[cc + bc..], carry)?;
    let n = carry.len();
    // The tangent loop carries (primal carry, tangent carry).
    let cond2 = sub(
        &[avals(cond_c), avals(carry), avals(carry)].concat(),
        |xs| {
            let args: Vec<Value> = xs[..cc].iter().chain(&xs[cc..cc + n]).cloned().collect();
            eval_jaxpr(&cond.0, &[], &args)
        },
    )?;
    let body2 = sub(
        &[avals(body_c), avals(&body_t), avals(carry), avals(&carry_t)].concat(),
        |xs| {
            let (bp, r) = xs.split_at(bc);
            let (bt, r) = r.split_at(bc);
            let (cp, ct) = r.split_at(n);
            let primals: Vec<Value> = bp.iter().chain(cp).cloned().collect();
            let tangents: Vec<Option<Value>> = bt.iter().chain(ct).cloned().map(Some).collect();
            let (p, t) = jvp(|ys| eval_jaxpr(&body.0, &[], ys), &primals, &tangents)?;
            Ok(p.into_iter().chain(t).collect())
        },
    )?;
    let args: Vec<Value> = cond_c
        .iter()
        .chain(body_c)
        .chain(&body_t)
        .chain(carry)
        .chain(&carry_t)
        .cloned()
        .collect();
    let both = bind(
        &Primitive::While {
            cond: cond2,
            body: body2,
            cond_consts: cc,
            body_consts: 2 * bc,
        },
        &args,
    )?;
    Ok((outs, both[n..].iter().cloned().map(Some).collect()))
}

/// `cond` on batched operands: every branch runs on the whole batch and
/// each member takes the outputs of its own branch.
pub(crate) fn cond_batched(branches: &[SubJaxpr], args: &[Value]) -> Result<Vec<Value>> {
    let index = &args[0];
    let mut outs = eval_jaxpr(&branches[0].0, &[], &args[1..])?;
    for (b, branch) in branches.iter().enumerate().skip(1) {
        let these = eval_jaxpr(&branch.0, &[], &args[1..])?;
        let pick = ops::compare(
            Comparison::Eq,
            index,
            &Value::Literal(Literal::int(b as i64, rjax_ir::DType::I32, false)),
        )?;
        outs = these
            .iter()
            .zip(&outs)
            .map(|(t, o)| ops::select(&pick, t, o))
            .collect::<Result<_>>()?;
    }
    Ok(outs)
}

/// `while` on batched operands: the carry is batched along axis 0; the
/// loop runs while any member's condition holds, and members that are done
/// keep their carry.
pub(crate) fn while_batched(
    cond: &SubJaxpr,
    body: &SubJaxpr,
    (cc, bc): (usize, usize),
    vals: &[Value],
    dims: &[Option<usize>],
    size: usize,
) -> Result<Vec<(Value, Option<usize>)>> {
    let carry: Vec<Value> = vals[cc + bc..]
        .iter()
        .zip(&dims[cc + bc..])
        .map(|(v, d)| with_batch_axis(v, *d, size, 0))
        .collect::<Result<_>>()?;
    let consts = &vals[..cc + bc];
    let const_dims = &dims[..cc + bc];
    let n = carry.len();
    let in_avals = [avals(consts), avals(&carry)].concat();
    let predicate = |xs: &[Value]| -> Result<Value> {
        let args: Vec<Value> = xs[..cc].iter().chain(&xs[cc + bc..]).cloned().collect();
        let d: Vec<Option<usize>> = const_dims[..cc]
            .iter()
            .copied()
            .chain(std::iter::repeat_n(Some(0), n))
            .collect();
        let mut out = crate::vmap(|ys| eval_jaxpr(&cond.0, &[], ys), &args, &d, size, None)?;
        let (p, pd) = out.remove(0);
        with_batch_axis(&p, pd, size, 0)
    };
    let cond2 = sub(&in_avals, |xs| {
        let p = predicate(xs)?;
        Ok(vec![rjax_ir::bind1(
            &Primitive::Reduce {
                op: ReduceOp::Max,
                axes: vec![0],
            },
            &[p],
        )?])
    })?;
    let body2 = sub(&in_avals, |xs| {
        let p = predicate(xs)?;
        let args: Vec<Value> = xs[cc..].to_vec();
        let d: Vec<Option<usize>> = const_dims[cc..]
            .iter()
            .copied()
            .chain(std::iter::repeat_n(Some(0), n))
            .collect();
        let next = crate::vmap(|ys| eval_jaxpr(&body.0, &[], ys), &args, &d, size, None)?;
        next.into_iter()
            .zip(&xs[cc + bc..])
            .map(|((v, vd), old)| {
                let v = with_batch_axis(&v, vd, size, 0)?;
                let pick = ops::broadcast(&p, &old.aval().shape, &[0])?;
                ops::select(&pick, &v, old)
            })
            .collect()
    })?;
    // Both new programs take all the constants, then the carry.
    let args: Vec<Value> = consts.iter().chain(consts).cloned().chain(carry).collect();
    let k = cc + bc;
    let outs = bind(
        &Primitive::While {
            cond: cond2,
            body: body2,
            cond_consts: k,
            body_consts: k,
        },
        &args,
    )?;
    Ok(outs.into_iter().map(|v| (v, Some(0))).collect())
}
