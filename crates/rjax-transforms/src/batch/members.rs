//! Batching by members: primitives applied to each member of the batch
//! in turn, the results stacked, and custom rules made for the batch.

use super::{Batched, bind1, with_batch_axis};
use crate::ops;
use rjax_ir::{BatchedRule, CustomCall, Primitive, Result, Value, bind};

/// `prim` applied to each member of the batch of `x` in turn, the results
/// stacked (for generators whose output is no function of a batched
/// input's elements).
pub(super) fn per_member(
    prim: &Primitive,
    x: &Value,
    bdim: Option<usize>,
    size: usize,
) -> Result<Batched> {
    let x = with_batch_axis(x, bdim, size, 0)?;
    let a = x.aval();
    let member_shape = a.shape[1..].to_vec();
    let mut outs: Vec<Vec<Value>> = Vec::new();
    for i in 0..size {
        let mut start = vec![0; a.rank()];
        let mut limit = a.shape.clone();
        start[0] = i;
        limit[0] = i + 1;
        let strides = vec![1; a.rank()];
        let member = bind1(
            &Primitive::Slice {
                start,
                limit,
                strides,
            },
            std::slice::from_ref(&x),
        )?;
        let member = ops::reshape(&member, &member_shape)?;
        for (k, y) in bind(prim, &[member])?.into_iter().enumerate() {
            let mut shape = vec![1];
            shape.extend(y.aval().shape);
            let y = ops::reshape(&y, &shape)?;
            match outs.get_mut(k) {
                Some(v) => v.push(y),
                None => outs.push(vec![y]),
            }
        }
    }
    outs.into_iter()
        .map(|parts| {
            Ok((
                bind1(&Primitive::Concatenate { dimension: 0 }, &parts)?,
                Some(0),
            ))
        })
        .collect()
}

/// Member `i` of a batched value.
fn member(v: &Value, bdim: Option<usize>, i: usize) -> Result<Value> {
    let Some(b) = bdim else { return Ok(v.clone()) };
    let a = v.aval();
    let mut start = vec![0; a.rank()];
    let mut limit = a.shape.clone();
    start[b] = i;
    limit[b] = i + 1;
    let s = bind1(
        &Primitive::Slice {
            start,
            limit,
            strides: vec![1; a.rank()],
        },
        std::slice::from_ref(v),
    )?;
    let mut shape = a.shape;
    shape.remove(b);
    ops::reshape(&s, &shape)
}

/// Apply the primitive to each batch member and stack the results.
pub(super) fn unrolled(
    prim: &Primitive,
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Batched> {
    let mut per_output: Vec<Vec<Value>> = Vec::new();
    for i in 0..size {
        let args = x
            .iter()
            .zip(d)
            .map(|(v, b)| member(v, *b, i))
            .collect::<Result<Vec<_>>>()?;
        let outs = bind(prim, &args)?;
        per_output.resize_with(outs.len(), Vec::new);
        for (k, o) in outs.into_iter().enumerate() {
            let a = o.aval();
            let expanded = ops::reshape(&o, &[&[1][..], &a.shape].concat())?;
            per_output[k].push(expanded);
        }
    }
    per_output
        .into_iter()
        .map(|parts| {
            Ok((
                bind1(&Primitive::Concatenate { dimension: 0 }, &parts)?,
                Some(0),
            ))
        })
        .collect()
}

/// A custom rule made for the batch: every operand with the batch leading.
pub(super) fn custom(
    batched: BatchedRule,
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Batched> {
    let args = x
        .iter()
        .zip(d)
        .map(|(v, b)| with_batch_axis(v, *b, size, 0))
        .collect::<Result<Vec<_>>>()?;
    let args: Vec<Value> = batched.consts.into_iter().chain(args).collect();
    let prim = Primitive::Custom(CustomCall(batched.rule));
    Ok(bind(&prim, &args)?
        .into_iter()
        .map(|v| (v, Some(0)))
        .collect())
}
