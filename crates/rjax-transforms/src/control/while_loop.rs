//! The rules of `while`: its JVP and batching (it has no transpose, as in
//! JAX: the trip count is not known in advance).

use super::{avals, instantiate, sub};
use crate::batch::with_batch_axis;
use crate::jvp;
use crate::ops::{self};
use rjax_ir::primitive::ReduceOp;
use rjax_ir::{Primitive, Result, Value, WhileParams, bind, eval_jaxpr};

pub(crate) fn while_jvp(
    p: &WhileParams,
    x: &[Value],
    t: &[Option<Value>],
) -> Result<(Vec<Value>, Vec<Option<Value>>)> {
    let (cond, body) = (&p.cond, &p.body);
    let (cc, bc) = (p.cond_consts, p.body_consts);
    let outs = bind(&Primitive::While(p.clone()), x)?;
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
        &Primitive::While(WhileParams {
            cond: cond2,
            body: body2,
            cond_consts: cc,
            body_consts: 2 * bc,
        }),
        &args,
    )?;
    Ok((outs, both[n..].iter().cloned().map(Some).collect()))
}

/// `while` on batched operands: the carry is batched along axis 0; the
/// loop runs while any member's condition holds, and members that are done
/// keep their carry.
pub(crate) fn while_batched(
    p: &WhileParams,
    vals: &[Value],
    dims: &[Option<usize>],
    size: usize,
) -> Result<Vec<(Value, Option<usize>)>> {
    let (cond, body) = (&p.cond, &p.body);
    let (cc, bc) = (p.cond_consts, p.body_consts);
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
        &Primitive::While(WhileParams {
            cond: cond2,
            body: body2,
            cond_consts: k,
            body_consts: k,
        }),
        &args,
    )?;
    Ok(outs.into_iter().map(|v| (v, Some(0))).collect())
}
