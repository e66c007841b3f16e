//! The rules of `cond`: its JVP, transpose and batching.

use super::{avals, instantiate, split_known, sub};
use crate::ops;
use crate::{jvp, transpose};
use rjax_ir::primitive::Comparison;
use rjax_ir::{AVal, Jaxpr, Literal, Primitive, Result, SubJaxpr, Value, bind, eval_jaxpr};

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
            let split = split_known(&b.0, operands);
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
