//! Dead-code elimination: drop equations none of whose results are used,
//! and inside the programs nested in control flow and calls, the outputs,
//! loop carries and operands nothing needs.

use rjax_ir::{
    Atom, Eqn, Jaxpr, JitCall, PmapParams, Primitive, ScanParams, SubJaxpr, WhileParams,
};
use std::collections::HashSet;
use std::sync::Arc;

/// The Jaxpr without equations that do not contribute to its outputs.
/// Every primitive but a custom call with side effects is pure, so an
/// unused result means an unneeded equation.
/// Inputs and constants are kept so the signature does not change; nested
/// programs (cond branches, while and scan bodies, pmap and jit calls) are
/// pruned to what their used results need.
///
/// ```
/// use rjax_ir::{Atom, Eqn, Jaxpr, Primitive, Var, AVal, DType, primitive::UnaryOp};
/// let x = Var { id: 0, aval: AVal::new(vec![], DType::F32) };
/// let y = Var { id: 1, aval: x.aval.clone() };
/// let j = Jaxpr {
///     invars: vec![x.clone()],
///     eqns: vec![Eqn { prim: Primitive::Unary(UnaryOp::Sin), inputs: vec![Atom::Var(x.clone())], outputs: vec![y] }],
///     outvars: vec![Atom::Var(x)],
///     ..Jaxpr::default()
/// };
/// assert!(rjax_transforms::dce(&j).eqns.is_empty());
/// ```
pub fn dce(jaxpr: &Jaxpr) -> Jaxpr {
    let (pruned, _) = prune(jaxpr, &vec![true; jaxpr.outvars.len()]);
    Jaxpr {
        eqns: pruned.eqns,
        ..jaxpr.clone()
    }
}

/// `jaxpr` returning only the outputs marked in `used_outputs`, with the
/// equations they need; and which of its inputs those equations read.
/// Inputs are not removed here (callers remove them with [`keep_inputs`]).
fn prune(jaxpr: &Jaxpr, used_outputs: &[bool]) -> (Jaxpr, Vec<bool>) {
    let outvars = select(&jaxpr.outvars, used_outputs);
    let mut live: HashSet<u32> = outvars.iter().filter_map(var_id).collect();
    let mut kept = Vec::with_capacity(jaxpr.eqns.len());
    for eqn in jaxpr.eqns.iter().rev() {
        let used: Vec<bool> = eqn.outputs.iter().map(|v| live.contains(&v.id)).collect();
        let effectful = matches!(&eqn.prim, Primitive::Custom(c) if c.has_side_effect());
        if !used.contains(&true) && !effectful {
            continue;
        }
        let eqn = prune_eqn(eqn, &used);
        live.extend(eqn.inputs.iter().filter_map(var_id));
        kept.push(eqn);
    }
    kept.reverse();
    let used_inputs = jaxpr.invars.iter().map(|v| live.contains(&v.id)).collect();
    let pruned = Jaxpr {
        eqns: kept,
        outvars,
        ..jaxpr.clone()
    };
    (pruned, used_inputs)
}

/// `eqn` with its nested programs pruned to the results marked `used`
/// (at least one is). Equations of other primitives stay whole.
fn prune_eqn(eqn: &Eqn, used: &[bool]) -> Eqn {
    match &eqn.prim {
        Primitive::Cond { branches } => prune_cond(eqn, branches, used),
        Primitive::Scan(p) => {
            let (nc, nk) = (p.num_consts, p.num_carry);
            let (body, used_in, carry) = prune_loop_body(&p.body.0, nc, nk, used);
            let keep_in = [&used_in[..nc], &carry, &used_in[nc + nk..]].concat();
            let kept_outputs = [&carry[..], &used[nk..]].concat();
            Eqn {
                prim: Primitive::Scan(ScanParams {
                    body: sub(keep_inputs(body, &keep_in)),
                    num_consts: count(&used_in[..nc]),
                    num_carry: count(&carry),
                    ..p.clone()
                }),
                inputs: select(&eqn.inputs, &keep_in),
                outputs: select(&eqn.outputs, &kept_outputs),
            }
        }
        Primitive::While(p) => prune_while(eqn, p, used),
        Primitive::Pmap(p) => {
            // Operands stay: a pmap keeps its device signature.
            let (body, _) = prune(&p.body.0, used);
            Eqn {
                prim: Primitive::Pmap(PmapParams {
                    body: sub(body),
                    ..p.clone()
                }),
                inputs: eqn.inputs.clone(),
                outputs: select(&eqn.outputs, used),
            }
        }
        Primitive::Jit(call) => {
            let (body, used_in) = prune(&call.jaxpr, used);
            Eqn {
                prim: Primitive::Jit(JitCall {
                    name: call.name.clone(),
                    jaxpr: Arc::new(keep_inputs(body, &used_in)),
                }),
                inputs: select(&eqn.inputs, &used_in),
                outputs: select(&eqn.outputs, used),
            }
        }
        // Primitives without nested programs stay whole, as do custom
        // ones (their program is the rule's business).
        Primitive::Custom(_)
        | Primitive::Unary(_)
        | Primitive::Binary(_)
        | Primitive::Compare(_)
        | Primitive::Select
        | Primitive::ConvertElementType { .. }
        | Primitive::BitcastConvertType { .. }
        | Primitive::Threefry2x32
        | Primitive::BroadcastInDim { .. }
        | Primitive::Reshape { .. }
        | Primitive::Transpose { .. }
        | Primitive::Squeeze { .. }
        | Primitive::ExpandDims { .. }
        | Primitive::Reduce { .. }
        | Primitive::ArgReduce { .. }
        | Primitive::DotGeneral { .. }
        | Primitive::Slice { .. }
        | Primitive::DynamicSlice { .. }
        | Primitive::DynamicUpdateSlice
        | Primitive::Concatenate { .. }
        | Primitive::Pad { .. }
        | Primitive::Iota { .. }
        | Primitive::StopGradient
        | Primitive::ReducePrecision { .. }
        | Primitive::Conv(_)
        | Primitive::Gather { .. }
        | Primitive::Scatter { .. }
        | Primitive::Cholesky
        | Primitive::TriangularSolve(_)
        | Primitive::RngBitGenerator { .. }
        | Primitive::Rev { .. }
        | Primitive::Fft { .. }
        | Primitive::Sort { .. }
        | Primitive::AllReduce { .. }
        | Primitive::AllGather { .. }
        | Primitive::AxisIndex { .. }
        | Primitive::Ppermute { .. }
        | Primitive::AllToAll { .. }
        | Primitive::PsumScatter { .. } => eqn.clone(),
    }
}

/// Every branch returns the used results; operands no branch reads go.
fn prune_cond(eqn: &Eqn, branches: &[SubJaxpr], used: &[bool]) -> Eqn {
    let pruned: Vec<(Jaxpr, Vec<bool>)> = branches.iter().map(|b| prune(&b.0, used)).collect();
    let operands = eqn.inputs.len() - 1;
    let keep: Vec<bool> = (0..operands)
        .map(|i| pruned.iter().any(|(_, u)| u[i]))
        .collect();
    let branches = pruned
        .into_iter()
        .map(|(j, _)| sub(keep_inputs(j, &keep)))
        .collect();
    let index = eqn.inputs[0].clone();
    Eqn {
        prim: Primitive::Cond { branches },
        inputs: std::iter::once(index)
            .chain(select(&eqn.inputs[1..], &keep))
            .collect(),
        outputs: select(&eqn.outputs, used),
    }
}

/// A loop body taking (`nc` constants, `nk` carries, rest) and returning
/// (carries, per-step outputs) pruned to the `used` results. A carry stays
/// when its result is used or the kept computation reads it (found by
/// iterating to a fixed point). Returns the pruned body (inputs not yet
/// removed), the inputs it reads, and the carries kept.
fn prune_loop_body(
    body: &Jaxpr,
    nc: usize,
    nk: usize,
    used: &[bool],
) -> (Jaxpr, Vec<bool>, Vec<bool>) {
    let mut carry = used[..nk].to_vec();
    loop {
        let (pruned, used_in) = prune(body, &[&carry[..], &used[nk..]].concat());
        let read = &used_in[nc..nc + nk];
        if read.iter().zip(&carry).all(|(r, c)| *c || !r) {
            return (pruned, used_in, carry);
        }
        carry.iter_mut().zip(read).for_each(|(c, r)| *c |= r);
    }
}

/// A while loop keeps its condition whole and the carries it or the kept
/// part of the body reads.
fn prune_while(eqn: &Eqn, p: &WhileParams, used: &[bool]) -> Eqn {
    let (cc, bc) = (p.cond_consts, p.body_consts);
    let (cond, cond_in) = prune(&p.cond.0, &[true]);
    let used: Vec<bool> = used
        .iter()
        .zip(&cond_in[cc..])
        .map(|(u, r)| u | r)
        .collect();
    let (body, body_in, carry) = prune_loop_body(&p.body.0, bc, used.len(), &used);
    let cond_keep = [&cond_in[..cc], &carry].concat();
    let body_keep = [&body_in[..bc], &carry].concat();
    let keep_in = [&cond_in[..cc], &body_in[..bc], &carry].concat();
    Eqn {
        prim: Primitive::While(WhileParams {
            cond: sub(keep_inputs(cond, &cond_keep)),
            body: sub(keep_inputs(body, &body_keep)),
            cond_consts: count(&cond_in[..cc]),
            body_consts: count(&body_in[..bc]),
        }),
        inputs: select(&eqn.inputs, &keep_in),
        outputs: select(&eqn.outputs, &carry),
    }
}

/// `jaxpr` taking only the inputs marked in `keep`.
fn keep_inputs(jaxpr: Jaxpr, keep: &[bool]) -> Jaxpr {
    Jaxpr {
        invars: select(&jaxpr.invars, keep),
        ..jaxpr
    }
}

fn select<T: Clone>(items: &[T], keep: &[bool]) -> Vec<T> {
    items
        .iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(x, _)| x.clone())
        .collect()
}

fn count(flags: &[bool]) -> usize {
    flags.iter().filter(|f| **f).count()
}

fn sub(jaxpr: Jaxpr) -> SubJaxpr {
    SubJaxpr(Arc::new(jaxpr))
}

fn var_id(a: &Atom) -> Option<u32> {
    match a {
        Atom::Var(v) => Some(v.id),
        Atom::Lit(_) => None,
    }
}
