//! Shape rules of calls and control flow: each nested program must accept
//! its operands.

use super::checker::Checker;
use crate::{
    AVal, CustomCall, DType, Error, ErrorKind, JitCall, PmapParams, Result, ScanParams, SubJaxpr,
    WhileParams,
};

pub(super) fn custom(check: &Checker, c: &CustomCall) -> Result<Vec<AVal>> {
    let inputs = check.inputs;
    c.0.out_avals(inputs).map_err(|e| Error {
        operands: inputs.to_vec(),
        ..e
    })
}

pub(super) fn cond(check: &Checker, branches: &[SubJaxpr]) -> Result<Vec<AVal>> {
    let inputs = check.inputs;
    let index = check.at_least(1)?;
    if index.rank() != 0 || index.dtype != DType::I32 {
        return Err(check.err(ErrorKind::DType, "the branch index must be an int32 scalar"));
    }
    let first = branches
        .first()
        .ok_or_else(|| check.err(ErrorKind::Param, "cond needs at least one branch"))?;
    for (i, b) in branches.iter().enumerate() {
        check.signature(&format!("branch {i}"), &b.0, &inputs[1..])?;
        let (want, got) = (first.0.out_avals(), b.0.out_avals());
        if !want.iter().zip(&got).all(|(a, b)| a.same_type(b)) || want.len() != got.len() {
            return Err(check.err(
                ErrorKind::Tree,
                format!(
                    "branch 0 returns {} but branch {i} returns {}",
                    AVal::list(&want),
                    AVal::list(&got)
                ),
            ));
        }
    }
    Ok(first.0.out_avals())
}

pub(super) fn while_loop(check: &Checker, p: &WhileParams) -> Result<Vec<AVal>> {
    let (cond, body) = (&p.cond, &p.body);
    let (cond_consts, body_consts) = (p.cond_consts, p.body_consts);
    let inputs = check.inputs;
    let carry = &inputs[(cond_consts + body_consts).min(inputs.len())..];
    let cond_in: Vec<AVal> = inputs[..cond_consts].iter().chain(carry).cloned().collect();
    let body_in: Vec<AVal> = inputs[cond_consts..cond_consts + body_consts]
        .iter()
        .chain(carry)
        .cloned()
        .collect();
    check.signature("cond", &cond.0, &cond_in)?;
    check.signature("body", &body.0, &body_in)?;
    let pred = cond.0.out_avals();
    if pred.len() != 1 || pred[0].rank() != 0 || pred[0].dtype != DType::Bool {
        return Err(check.err(
            ErrorKind::DType,
            format!(
                "the loop condition must return one bool scalar, it returns {}",
                AVal::list(&pred)
            ),
        ));
    }
    let out = body.0.out_avals();
    if out.len() != carry.len() || !out.iter().zip(carry).all(|(a, b)| a.same_type(b)) {
        return Err(check.err(
            ErrorKind::Tree,
            format!(
                "the loop body takes a carry of {} but returns {}",
                AVal::list(carry),
                AVal::list(&out)
            ),
        ));
    }
    Ok(carry.to_vec())
}

pub(super) fn scan(check: &Checker, p: &ScanParams) -> Result<Vec<AVal>> {
    let (body, length) = (&p.body, p.length);
    let (num_consts, num_carry) = (p.num_consts, p.num_carry);
    let inputs = check.inputs;
    let split = (num_consts + num_carry).min(inputs.len());
    let mut body_in: Vec<AVal> = inputs[..split].to_vec();
    for x in &inputs[split..] {
        if x.shape.first() != Some(&length) {
            return Err(check.err(
                ErrorKind::Shape,
                format!("scanned operand {x} does not have leading axis {length}"),
            ));
        }
        body_in.push(x.with_shape(x.shape[1..].to_vec()));
    }
    check.signature("scan body", &body.0, &body_in)?;
    let outs = body.0.out_avals();
    let carry = &inputs[num_consts..split];
    if outs.len() < carry.len() || !outs.iter().zip(carry).all(|(a, b)| a.same_type(b)) {
        return Err(check.err(
            ErrorKind::Tree,
            format!(
                "the scan body takes a carry of {} but returns {}",
                AVal::list(carry),
                AVal::list(&outs)
            ),
        ));
    }
    let ys = outs[carry.len()..]
        .iter()
        .map(|y| y.with_shape([&[length][..], &y.shape].concat()));
    Ok(carry.iter().cloned().chain(ys).collect())
}

pub(super) fn pmap(check: &Checker, p: &PmapParams) -> Result<Vec<AVal>> {
    let (body, axis_size, mapped) = (&p.body, p.axis_size, &p.mapped);
    let inputs = check.inputs;
    let shards: Option<Vec<AVal>> = (mapped.len() == inputs.len())
        .then(|| {
            inputs
                .iter()
                .zip(mapped)
                .map(|(a, &m)| match m {
                    false => Some(a.clone()),
                    true if a.shape.first() == Some(&axis_size) => {
                        Some(a.with_shape(a.shape[1..].to_vec()))
                    }
                    true => None,
                })
                .collect()
        })
        .flatten();
    let expected: Vec<AVal> = body.0.invars.iter().map(|v| v.aval.clone()).collect();
    let fits = shards.is_some_and(|s| {
        s.len() == expected.len() && s.iter().zip(&expected).all(|(a, e)| a.same_type(e))
    });
    if !fits {
        return Err(check.err(
            ErrorKind::Shape,
            format!(
                "operands do not split into {axis_size} members of the per-device signature {}",
                AVal::list(&expected)
            ),
        ));
    }
    Ok(body
        .0
        .outvars
        .iter()
        .map(|a| {
            let a = a.aval();
            a.with_shape([&[axis_size][..], &a.shape].concat())
        })
        .collect())
}

pub(super) fn jit(check: &Checker, call: &JitCall) -> Result<Vec<AVal>> {
    let inputs = check.inputs;
    let expected: Vec<AVal> = call.jaxpr.invars.iter().map(|v| v.aval.clone()).collect();
    let matches =
        expected.len() == inputs.len() && expected.iter().zip(inputs).all(|(e, a)| e.same_type(a));
    if !matches {
        return Err(check.err(
            ErrorKind::Shape,
            format!(
                "arguments do not match the staged signature {}",
                AVal::list(&expected)
            ),
        ));
    }
    Ok(call.jaxpr.outvars.iter().map(|a| a.aval()).collect())
}

#[cfg(test)]
mod tests {
    use crate::{AVal, DType, JitCall, Primitive, SubJaxpr, abstract_eval, trace_to_jaxpr};
    use std::sync::Arc;

    fn identity(aval: AVal) -> Arc<crate::Jaxpr> {
        Arc::new(trace_to_jaxpr(&[aval], |xs| Ok(xs.to_vec())).unwrap().jaxpr)
    }

    /// Messages print abstract values as `f32[1]`, never in Debug form.
    #[test]
    fn signature_errors_print_avals_in_display_form() {
        let f32_1 = AVal::new(vec![1], DType::F32);
        let call = Primitive::Jit(JitCall {
            name: "f".into(),
            jaxpr: identity(f32_1.clone()),
        });
        let message = abstract_eval(&call, &[AVal::new(vec![2], DType::F32)])
            .unwrap_err()
            .to_string();
        assert!(message.contains("signature [f32[1]]"), "{message}");
        assert!(!message.contains("AVal {"), "{message}");

        let cond = Primitive::Cond {
            branches: vec![
                SubJaxpr(identity(f32_1.clone())),
                SubJaxpr(identity(f32_1.with_dtype(DType::I32))),
            ],
        };
        let message = abstract_eval(&cond, &[AVal::scalar(DType::I32), f32_1])
            .unwrap_err()
            .to_string();
        assert!(
            message.contains("takes [i32[1]] but is given [f32[1]]"),
            "{message}"
        );
        assert!(!message.contains("AVal {"), "{message}");
    }
}
