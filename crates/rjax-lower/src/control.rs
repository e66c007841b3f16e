//! Structured control flow: `cond` as `stablehlo.case`, `while` as
//! `stablehlo.while`, with the nested Jaxprs emitted as regions.

use crate::emitter::Emitter;
use crate::types::tensor_type;
use rjax_ir::{AVal, Jaxpr, Result, ScanParams, WhileParams};

/// A result name for `n` values (`%7` or `%7:3`) and the names of each.
fn results(e: &mut Emitter, n: usize) -> (String, Vec<String>) {
    let r = e.fresh();
    if n == 1 {
        (r.clone(), vec![r])
    } else {
        (
            format!("{r}:{n}"),
            (0..n).map(|i| format!("{r}#{i}")).collect(),
        )
    }
}

fn types(avals: &[AVal]) -> String {
    avals.iter().map(tensor_type).collect::<Vec<_>>().join(", ")
}

fn ret(e: &Emitter, outs: &[String], avals: &[AVal]) -> String {
    format!(
        "{}  \"stablehlo.return\"({}) : ({}) -> ()\n",
        e.indent(),
        outs.join(", "),
        types(avals)
    )
}

pub(crate) fn cond(
    e: &mut Emitter,
    operands: &[String],
    branches: &[&Jaxpr],
    outs: &[AVal],
) -> Result<Vec<String>> {
    let mut regions = Vec::new();
    for b in branches {
        let (text, o) = e.region(b, operands[1..].to_vec())?;
        regions.push(format!("{text}{}", ret(e, &o, outs)));
    }
    let (head, names) = results(e, outs.len());
    let pad = e.indent().to_string();
    let body = regions.join(&format!("{pad}}}, {{\n"));
    e.raw(&format!(
        "{pad}{head} = \"stablehlo.case\"({}) ({{\n{body}{pad}}}) : (tensor<i32>) -> ({})\n",
        operands[0],
        types(outs)
    ));
    Ok(names)
}

/// The loop carries every operand (constants too), so the regions use
/// only their block arguments.
pub(crate) fn while_loop(
    e: &mut Emitter,
    operands: &[String],
    ins: &[AVal],
    p: &WhileParams,
) -> Result<Vec<String>> {
    let (cond, body) = (&*p.cond.0, &*p.body.0);
    let (cond_consts, body_consts) = (p.cond_consts, p.body_consts);
    let n = operands.len();
    let block = |e: &mut Emitter| -> (Vec<String>, String) {
        let args: Vec<String> = (0..n).map(|_| format!("%w{}", &e.fresh()[1..])).collect();
        let sig = args
            .iter()
            .zip(ins)
            .map(|(a, t)| format!("{a}: {}", tensor_type(t)))
            .collect::<Vec<_>>()
            .join(", ");
        let header = format!("{}^bb0({sig}):\n", e.indent());
        (args, header)
    };
    let carry_at = cond_consts + body_consts;
    let (cargs, chead) = block(e);
    let cond_in: Vec<String> = cargs[..cond_consts]
        .iter()
        .chain(&cargs[carry_at..])
        .cloned()
        .collect();
    let (ctext, pred) = e.region(cond, cond_in)?;
    let cond_region = format!("{chead}{ctext}{}", ret(e, &pred, &cond.out_avals()));
    let (bargs, bhead) = block(e);
    let body_in: Vec<String> = bargs[cond_consts..].to_vec();
    let (btext, next) = e.region(body, body_in)?;
    let carried: Vec<String> = bargs[..carry_at].iter().cloned().chain(next).collect();
    let body_region = format!("{bhead}{btext}{}", ret(e, &carried, ins));
    let (head, names) = results(e, n);
    let pad = e.indent().to_string();
    e.raw(&format!(
        "{pad}{head} = \"stablehlo.while\"({}) ({{\n{cond_region}{pad}}}, {{\n{body_region}{pad}}}) : ({t}) -> ({t})\n",
        operands.join(", "),
        t = types(ins)
    ));
    Ok(names[carry_at..].to_vec())
}

/// `scan` as a `stablehlo.while` over (counter, consts, carry, xs, ys):
/// each step slices the scanned operands at the counter's position, runs
/// the body and writes its outputs into the stacked results.
pub(crate) fn scan(
    e: &mut Emitter,
    operands: &[String],
    ins: &[AVal],
    p: &ScanParams,
    outs: &[AVal],
) -> Result<Vec<String>> {
    let body = &*p.body.0;
    let (length, reverse) = (p.length, p.reverse);
    let (num_consts, num_carry) = (p.num_consts, p.num_carry);
    let i32_t = "tensor<i32>";
    let split = num_consts + num_carry;
    let ys_avals = &outs[num_carry..];
    let zero = e.op(format!("stablehlo.constant dense<0> : {i32_t}"));
    let ys_init: Vec<String> = ys_avals
        .iter()
        .map(|y| {
            let z = e.constant(&rjax_ir::Literal::int(0, y.dtype, false).cast(y.dtype));
            e.splat(&z, &AVal::scalar(y.dtype), y)
        })
        .collect();
    let loop_avals: Vec<AVal> = std::iter::once(AVal::scalar(rjax_ir::DType::I32))
        .chain(ins.iter().cloned())
        .chain(ys_avals.iter().cloned())
        .collect();
    let loop_in: Vec<String> = std::iter::once(zero)
        .chain(operands.iter().cloned())
        .chain(ys_init)
        .collect();
    let n = loop_avals.len();
    let block = |e: &mut Emitter| -> (Vec<String>, String) {
        let args: Vec<String> = (0..n).map(|_| format!("%w{}", &e.fresh()[1..])).collect();
        let sig = args
            .iter()
            .zip(&loop_avals)
            .map(|(a, t)| format!("{a}: {}", tensor_type(t)))
            .collect::<Vec<_>>()
            .join(", ");
        let header = format!("{}^bb0({sig}):\n", e.indent());
        (args, header)
    };
    // cond: counter < length
    let (cargs, chead) = block(e);
    let saved = e.begin_region();
    let len = e.op(format!("stablehlo.constant dense<{length}> : {i32_t}"));
    let pred = e.op(format!(
        "stablehlo.compare  LT, {}, {len},  SIGNED : ({i32_t}, {i32_t}) -> tensor<i1>",
        cargs[0]
    ));
    let ctext = e.end_region(saved);
    let cond_region = format!(
        "{chead}{ctext}{}",
        ret(e, &[pred], &[AVal::scalar(rjax_ir::DType::Bool)])
    );
    // body
    let (bargs, bhead) = block(e);
    let saved = e.begin_region();
    let counter = &bargs[0];
    let index = if reverse {
        let last = e.op(format!(
            "stablehlo.constant dense<{}> : {i32_t}",
            length as i64 - 1
        ));
        e.op(format!("stablehlo.subtract {last}, {counter} : {i32_t}"))
    } else {
        counter.clone()
    };
    let zero_i = e.op(format!("stablehlo.constant dense<0> : {i32_t}"));
    let mut body_in: Vec<String> = bargs[1..1 + split].to_vec();
    for (k, x) in ins[split..].iter().enumerate() {
        let arg = &bargs[1 + split + k];
        body_in.push(e.leading_slice(arg, x, &index, &zero_i));
    }
    let stepped = e.jaxpr(body, body_in)?;
    let mut next = vec![String::new()];
    let one_i = e.op(format!("stablehlo.constant dense<1> : {i32_t}"));
    next[0] = e.op(format!("stablehlo.add {counter}, {one_i} : {i32_t}"));
    next.extend(bargs[1..1 + num_consts].iter().cloned());
    next.extend(stepped[..num_carry].iter().cloned());
    next.extend(bargs[1 + split..1 + ins.len()].iter().cloned());
    for (k, (y, buf)) in stepped[num_carry..]
        .iter()
        .zip(&bargs[1 + ins.len()..])
        .enumerate()
    {
        let full = &ys_avals[k];
        let one = full.with_shape([&[1][..], &full.shape[1..]].concat());
        let slice = full.with_shape(full.shape[1..].to_vec());
        let r = e.reshape(y, &slice, &one);
        let starts: Vec<String> = std::iter::once(index.clone())
            .chain((1..full.rank()).map(|_| zero_i.clone()))
            .collect();
        let starts_t = vec![i32_t; starts.len()].join(", ");
        next.push(e.op(format!(
            "stablehlo.dynamic_update_slice {buf}, {r}, {} : ({}, {}, {starts_t}) -> {}",
            starts.join(", "),
            tensor_type(full),
            tensor_type(&one),
            tensor_type(full)
        )));
    }
    let btext = e.end_region(saved);
    let body_region = format!("{bhead}{btext}{}", ret(e, &next, &loop_avals));
    let (head, names) = results(e, n);
    let pad = e.indent().to_string();
    e.raw(&format!(
        "{pad}{head} = \"stablehlo.while\"({}) ({{\n{cond_region}{pad}}}, {{\n{body_region}{pad}}}) : ({t}) -> ({t})\n",
        loop_in.join(", "),
        t = types(&loop_avals)
    ));
    let carry = names[1 + num_consts..1 + split].iter().cloned();
    Ok(carry
        .chain(names[1 + ins.len()..].iter().cloned())
        .collect())
}
