//! Structured control flow: `cond` as `stablehlo.case`, `while` as
//! `stablehlo.while`, with the nested Jaxprs emitted as regions.

use crate::emitter::Emitter;
use crate::types::tensor_type;
use rjax_ir::{AVal, Jaxpr, Result};

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
    cond: &Jaxpr,
    body: &Jaxpr,
    cond_consts: usize,
    body_consts: usize,
) -> Result<Vec<String>> {
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
