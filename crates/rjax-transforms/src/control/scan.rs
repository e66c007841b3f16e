//! The rules of `scan`: its JVP, transpose and batching.

use super::{avals, instantiate, sub};
use crate::batch::with_batch_axis;
use crate::ops::{self, zeros};
use crate::{jvp, transpose};
use rjax_ir::{AVal, Jaxpr, Literal, Primitive, Result, ScanParams, Value, bind, eval_jaxpr};

/// One slice of a scanned operand's abstract value.
fn slice_aval(a: &AVal) -> AVal {
    AVal::new(a.shape[1..].to_vec(), a.dtype)
}

pub(crate) fn scan_jvp(
    s: &ScanParams,
    x: &[Value],
    t: &[Option<Value>],
) -> Result<(Vec<Value>, Vec<Option<Value>>)> {
    let outs = bind(&Primitive::Scan(s.clone()), x)?;
    if t.iter().all(Option::is_none) {
        let n = outs.len();
        return Ok((outs, vec![None; n]));
    }
    let (nc, nk) = (s.num_consts, s.num_carry);
    let tv = instantiate(t, x)?;
    let (cp, rest) = x.split_at(nc);
    let (kp, xp) = rest.split_at(nk);
    let (ct, rest) = tv.split_at(nc);
    let (kt, xt) = rest.split_at(nk);
    let slices: Vec<AVal> = avals(xp).iter().map(slice_aval).collect();
    let body = &s.body.0;
    let body_t = sub(
        &[
            avals(cp),
            avals(ct),
            avals(kp),
            avals(kt),
            slices.clone(),
            slices,
        ]
        .concat(),
        |v| {
            let (cp, r) = v.split_at(nc);
            let (ct, r) = r.split_at(nc);
            let (kp, r) = r.split_at(nk);
            let (kt, r) = r.split_at(nk);
            let (xp, xt) = r.split_at(r.len() / 2);
            let primals: Vec<Value> = cp.iter().chain(kp).chain(xp).cloned().collect();
            let tangents: Vec<Option<Value>> =
                ct.iter().chain(kt).chain(xt).cloned().map(Some).collect();
            let (p, t) = jvp(|ys| eval_jaxpr(body, &[], ys), &primals, &tangents)?;
            Ok(p[..nk].iter().chain(&t).cloned().collect())
        },
    )?;
    let spec = ScanParams {
        body: body_t,
        num_consts: 2 * nc,
        num_carry: 2 * nk,
        ..s.clone()
    };
    let args: Vec<Value> = cp
        .iter()
        .chain(ct)
        .chain(kp)
        .chain(kt)
        .chain(xp)
        .chain(xt)
        .cloned()
        .collect();
    let both = bind(&Primitive::Scan(spec), &args)?;
    Ok((outs, both[nk..].iter().cloned().map(Some).collect()))
}

/// Cotangents of a scan's linear operands. The known part of the carry
/// must not depend on the linear part (true of the tangent scans made by
/// `scan_jvp`); its per-step values are recomputed by a forward scan, then
/// a scan in the opposite direction runs each step's transpose.
pub(crate) fn scan_transpose(
    s: &ScanParams,
    known: &[Option<Value>],
    cts: &[Value],
) -> Result<Vec<Option<Value>>> {
    let (nc, nk) = (s.num_consts, s.num_carry);
    let body = &*s.body.0;
    // A carry is linear if its initial value is, or if the body feeds a
    // linear value into it (a known zero tangent that accumulates).
    let mut linear: Vec<bool> = known.iter().map(Option::is_none).collect();
    loop {
        let reached = reaches(body, &linear);
        let mut changed = false;
        for j in 0..nk {
            if !linear[nc + j] && reached[j] {
                linear[nc + j] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    let is_known = |i: usize| !linear[i];
    let pos = |range: std::ops::Range<usize>, k: bool| -> Vec<usize> {
        range.filter(|&i| is_known(i) == k).collect()
    };
    let (kc, lc) = (pos(0..nc, true), pos(0..nc, false));
    let (kk, lk) = (pos(nc..nc + nk, true), pos(nc..nc + nk, false));
    let (kx, lx) = (
        pos(nc + nk..known.len(), true),
        pos(nc + nk..known.len(), false),
    );
    let get =
        |idx: &[usize]| -> Vec<Value> { idx.iter().filter_map(|&i| known[i].clone()).collect() };
    let mut result: Vec<Option<Value>> = vec![None; known.len()];
    let in_avals = body.in_avals();
    // 1. The known carry before every step.
    let body_known = sub(
        &[kc.as_slice(), &kk, &kx]
            .concat()
            .iter()
            .map(|&i| in_avals[i].clone())
            .collect::<Vec<_>>(),
        |v| {
            let mut full = Vec::with_capacity(in_avals.len());
            let mut it = v.iter();
            for (i, a) in in_avals.iter().enumerate() {
                let k = kc.contains(&i) || kk.contains(&i) || kx.contains(&i);
                full.push(if k {
                    it.next()
                        .cloned()
                        .unwrap_or_else(|| Value::Literal(Literal::bool(false)))
                } else {
                    zeros(a)?
                });
            }
            let outs = eval_jaxpr(body, &[], &full)?;
            let carry_in: Vec<Value> = v[kc.len()..kc.len() + kk.len()].to_vec();
            Ok(kk
                .iter()
                .map(|&i| outs[i - nc].clone())
                .chain(carry_in)
                .collect())
        },
    )?;
    let forward = ScanParams {
        body: body_known,
        num_consts: kc.len(),
        num_carry: kk.len(),
        ..s.clone()
    };
    let fwd_out = bind(
        &Primitive::Scan(forward),
        &[get(&kc), get(&kk), get(&kx)].concat(),
    )?;
    let carries = fwd_out[kk.len()..].to_vec();
    // 2. One step's linear map, transposed, in the opposite direction.
    let step = Jaxpr {
        constvars: [kc.as_slice(), &kk, &kx]
            .concat()
            .iter()
            .map(|&i| body.invars[i].clone())
            .collect(),
        invars: [lc.as_slice(), &lk, &lx]
            .concat()
            .iter()
            .map(|&i| body.invars[i].clone())
            .collect(),
        outvars: lk
            .iter()
            .map(|&i| body.outvars[i - nc].clone())
            .chain(body.outvars[nk..].iter().cloned())
            .collect(),
        eqns: body.eqns.clone(),
    };
    let lin_avals =
        |idx: &[usize]| -> Vec<AVal> { idx.iter().map(|&i| in_avals[i].clone()).collect() };
    let ct_ys = &cts[nk..];
    let back_in = [
        lin_avals(&kc),
        lin_avals(&lc),
        lin_avals(&lk),
        lin_avals(&kk),
        lin_avals(&kx),
        avals(ct_ys).iter().map(slice_aval).collect(),
    ]
    .concat();
    let body_back = sub(&back_in, |v| {
        let (kcv, r) = v.split_at(kc.len());
        let (acc, r) = r.split_at(lc.len());
        let (ctk, r) = r.split_at(lk.len());
        let (kkv, r) = r.split_at(kk.len());
        let (kxv, cty) = r.split_at(kx.len());
        let knowns: Vec<Value> = kcv.iter().chain(kkv).chain(kxv).cloned().collect();
        let step_cts: Vec<Value> = ctk.iter().chain(cty).cloned().collect();
        let g = transpose(&step, &knowns, &step_cts)?;
        let (g_c, r) = g.split_at(lc.len());
        let (g_k, g_x) = r.split_at(lk.len());
        let acc2 = acc
            .iter()
            .zip(g_c)
            .map(|(a, b)| ops::add(a, b))
            .collect::<Result<Vec<_>>>()?;
        Ok(acc2
            .into_iter()
            .chain(g_k.iter().cloned())
            .chain(g_x.iter().cloned())
            .collect())
    })?;
    let backward = ScanParams {
        body: body_back,
        reverse: !s.reverse,
        num_consts: kc.len(),
        num_carry: lc.len() + lk.len(),
        ..s.clone()
    };
    let acc0 = lc
        .iter()
        .map(|&i| zeros(&in_avals[i]))
        .collect::<Result<Vec<_>>>()?;
    let ct_carry: Vec<Value> = lk.iter().map(|&i| cts[i - nc].clone()).collect();
    let args = [get(&kc), acc0, ct_carry, carries, get(&kx), ct_ys.to_vec()].concat();
    let back = bind(&Primitive::Scan(backward), &args)?;
    for (slot, v) in lc.iter().chain(&lk).chain(&lx).zip(back) {
        // Operands that were given as known values need no cotangent.
        if known[*slot].is_none() {
            result[*slot] = Some(v);
        }
    }
    Ok(result)
}

/// Which outputs of `j` depend on the inputs marked `linear`.
fn reaches(j: &Jaxpr, linear: &[bool]) -> Vec<bool> {
    use rjax_ir::Atom;
    let mut dep: std::collections::HashSet<u32> = j
        .invars
        .iter()
        .zip(linear)
        .filter(|(_, l)| **l)
        .map(|(v, _)| v.id)
        .collect();
    for eqn in &j.eqns {
        if eqn
            .inputs
            .iter()
            .any(|a| matches!(a, Atom::Var(v) if dep.contains(&v.id)))
        {
            dep.extend(eqn.outputs.iter().map(|v| v.id));
        }
    }
    j.outvars
        .iter()
        .map(|a| matches!(a, Atom::Var(v) if dep.contains(&v.id)))
        .collect()
}

/// `scan` on batched operands: consts and carry batched along axis 0, the
/// scanned operands along axis 1 (axis 0 is the scan's).
pub(crate) fn scan_batched(
    s: &ScanParams,
    vals: &[Value],
    dims: &[Option<usize>],
    size: usize,
) -> Result<Vec<(Value, Option<usize>)>> {
    let (nc, nk) = (s.num_consts, s.num_carry);
    let mut args = Vec::with_capacity(vals.len());
    let mut inner_dims = Vec::with_capacity(vals.len());
    for (i, (v, d)) in vals.iter().zip(dims).enumerate() {
        let (moved, inner) = match (i < nc, i < nc + nk, d) {
            (true, _, Some(b)) => (with_batch_axis(v, Some(*b), size, 0)?, Some(0)),
            (true, _, None) => (v.clone(), None),
            (false, true, _) => (with_batch_axis(v, *d, size, 0)?, Some(0)),
            (false, false, Some(b)) => (with_batch_axis(v, Some(*b), size, 1)?, Some(0)),
            (false, false, None) => (v.clone(), None),
        };
        args.push(moved);
        inner_dims.push(inner);
    }
    let body_avals: Vec<AVal> = args
        .iter()
        .enumerate()
        .map(|(i, a)| {
            if i < nc + nk {
                AVal::new(a.aval().shape, a.aval().dtype)
            } else {
                slice_aval(&a.aval())
            }
        })
        .collect();
    let body = &s.body.0;
    let body_b = sub(&body_avals, |v| {
        let outs = crate::vmap(|ys| eval_jaxpr(body, &[], ys), v, &inner_dims, size, None)?;
        outs.into_iter()
            .map(|(o, d)| with_batch_axis(&o, d, size, 0))
            .collect()
    })?;
    let spec = ScanParams {
        body: body_b,
        ..s.clone()
    };
    let outs = bind(&Primitive::Scan(spec), &args)?;
    Ok(outs
        .into_iter()
        .enumerate()
        .map(|(i, o)| (o, Some(if i < nk { 0 } else { 1 })))
        .collect())
}
