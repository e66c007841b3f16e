//! Forward-mode differentiation: the JVP interpreter and its rules.
//!
//! A JVP tracer carries a primal value and a tangent (`None` is a symbolic
//! zero). Primal work binds the primitive on the primals — which may be
//! concrete (so Rust control flow sees numbers) or tracers of enclosing
//! transformations — and the rule below builds the tangent.

mod elementwise;
mod reduction;

use crate::ops::{add, convert, zeros};
use elementwise::{binary_tangent, unary_tangent};
use reduction::{extreme_member_tangent, extreme_tangent, product_tangent, sort_jvp};
use rjax_ir::primitive::{ArgOp, ReduceOp};
use rjax_ir::{
    AVal, Interpreter, MainId, Primitive, Result, Tracer, Value, bind, bind1, eval_jaxpr, new_main,
};
use std::sync::Arc;

struct JvpPair {
    primal: Value,
    tangent: Option<Value>,
}

struct JvpInterpreter {
    main: MainId,
    level: usize,
}

impl JvpInterpreter {
    fn tracer(&self, primal: Value, tangent: Option<Value>) -> Value {
        Value::Tracer(Arc::new(Tracer {
            main: self.main,
            level: self.level,
            aval: primal.aval(),
            payload: Box::new(JvpPair { primal, tangent }),
        }))
    }

    /// The primal and tangent of an operand (values of lower levels have a
    /// zero tangent).
    fn split(&self, v: &Value) -> (Value, Option<Value>) {
        if let Value::Tracer(t) = v {
            if t.main == self.main {
                if let Some(pair) = t.payload.downcast_ref::<JvpPair>() {
                    return (pair.primal.clone(), pair.tangent.clone());
                }
            }
        }
        (v.clone(), None)
    }
}

impl Interpreter for JvpInterpreter {
    fn process(
        &self,
        prim: &Primitive,
        args: &[Value],
        out_avals: Vec<AVal>,
    ) -> Result<Vec<Value>> {
        let (outs, touts) = jvp_rule(self, prim, args, &out_avals)?;
        Ok(outs
            .into_iter()
            .zip(touts)
            .map(|(p, t)| self.tracer(p, t))
            .collect())
    }

    fn lower(&self, tracer: &Tracer) -> Option<Value> {
        tracer
            .payload
            .downcast_ref::<JvpPair>()
            .map(|pair| pair.primal.clone())
    }
}

/// Evaluate `f` at `primals` and its directional derivative along
/// `tangents` (`None`: zero). Returns primal and tangent outputs.
pub fn jvp(
    f: impl FnOnce(&[Value]) -> Result<Vec<Value>>,
    primals: &[Value],
    tangents: &[Option<Value>],
) -> Result<(Vec<Value>, Vec<Value>)> {
    let (guard, interp) = new_main(|main, level| JvpInterpreter { main, level }, false);
    let inputs: Vec<Value> = primals
        .iter()
        .zip(tangents)
        .map(|(p, t)| interp.tracer(p.clone(), t.clone()))
        .collect();
    let outs = f(&inputs)?;
    let split: Vec<(Value, Option<Value>)> = outs.iter().map(|o| interp.split(o)).collect();
    drop(guard);
    let mut primal_outs = Vec::with_capacity(split.len());
    let mut tangent_outs = Vec::with_capacity(split.len());
    for (p, t) in split {
        tangent_outs.push(match t {
            Some(t) => t,
            None => zeros(&p.aval())?,
        });
        primal_outs.push(p);
    }
    Ok((primal_outs, tangent_outs))
}

type Tangents = Vec<Option<Value>>;

/// Primal outputs and tangent outputs of one primitive: one arm per
/// primitive, so that a new primitive makes the compiler ask for its JVP.
fn jvp_rule(
    interp: &JvpInterpreter,
    prim: &Primitive,
    args: &[Value],
    out_avals: &[AVal],
) -> Result<(Vec<Value>, Tangents)> {
    use Primitive::*;
    let (x, t): (Vec<Value>, Tangents) = args.iter().map(|a| interp.split(a)).unzip();
    let (x, t) = (&x[..], &t[..]);
    // The primal result, and the tangent `rule` makes from it (none when no
    // operand has one or the result has no floats).
    let with = |rule: &dyn Fn(&[Value]) -> Result<Option<Value>>| {
        let y = bind(prim, x)?;
        if t.iter().all(Option::is_none) || !out_avals[0].dtype.is_inexact() {
            let n = y.len();
            return Ok((y, vec![None; n]));
        }
        let tangent = rule(&y)?;
        Ok((y, vec![tangent]))
    };
    let linear_in = |positions: &[usize]| with(&|_| linear(prim, x, t, positions));
    match prim {
        Custom(c) => c.0.jvp(x, t),
        Cond { branches } => crate::control::cond_jvp(branches, x, t),
        While(p) => crate::control::while_jvp(p, x, t),
        Scan(p) => crate::control::scan_jvp(p, x, t),
        Pmap(p) => crate::spmd::pmap_jvp(p, x, t),
        // Differentiate through the call by evaluating its body here.
        Jit(call) => Ok(eval_jaxpr(&call.jaxpr, &[], args)?
            .iter()
            .map(|o| interp.split(o))
            .unzip()),
        Scatter { dims, op } => {
            let (y, ty) = crate::gather::scatter_jvp(*op, dims, x, t)?;
            Ok((vec![y], vec![ty]))
        }
        Sort {
            dimension,
            num_keys,
            ..
        } => sort_jvp(prim, (*dimension, *num_keys), x, t),
        Unary(op) => with(&|y| unary_tangent(*op, &x[0], &y[0], t[0].as_ref())),
        Binary(op) => with(&|y| binary_tangent(*op, &x[0], &x[1], &y[0], &t[0], &t[1])),
        ConvertElementType { new_dtype, .. } => with(&|_| match &t[0] {
            Some(t) if x[0].aval().dtype.is_inexact() => Ok(Some(convert(t, *new_dtype)?)),
            _ => Ok(None),
        }),
        Select => linear_in(&[1, 2]),
        BroadcastInDim { .. }
        | Reshape { .. }
        | Transpose { .. }
        | Squeeze { .. }
        | ExpandDims { .. }
        | Rev { .. }
        | Fft { .. }
        | Slice { .. }
        | ReducePrecision { .. }
        | DynamicSlice { .. }
        | Gather { .. }
        | AllGather { .. }
        | Ppermute { .. }
        | AllToAll { .. }
        | PsumScatter { .. } => linear_in(&[0]),
        Reduce {
            op: ReduceOp::Sum, ..
        }
        | AllReduce {
            op: ReduceOp::Sum, ..
        } => linear_in(&[0]),
        DynamicUpdateSlice | Pad { .. } => linear_in(&[0, 1]),
        Concatenate { .. } => linear_in(&(0..x.len()).collect::<Vec<_>>()),
        Reduce {
            op: ReduceOp::Max | ReduceOp::Min,
            axes,
        } => with(&|y| extreme_tangent(&x[0], &y[0], t[0].as_ref(), axes)),
        Reduce {
            op: ReduceOp::Prod,
            axes,
        } => with(&|_| {
            t[0].as_ref()
                .map(|t0| product_tangent(&x[0], t0, axes))
                .transpose()
        }),
        Cholesky => with(&|y| {
            t[0].as_ref()
                .map(|ta| crate::linalg::cholesky_jvp(&y[0], ta))
                .transpose()
        }),
        TriangularSolve(p) => with(&|y| {
            crate::linalg::triangular_solve_jvp(*p, &x[0], &y[0], t[0].as_ref(), t[1].as_ref())
        }),
        DotGeneral { .. } | Conv(_) => with(&|_| {
            let left = t[0]
                .as_ref()
                .map(|ta| bind1(prim, &[ta.clone(), x[1].clone()]))
                .transpose()?;
            let right = t[1]
                .as_ref()
                .map(|tb| bind1(prim, &[x[0].clone(), tb.clone()]))
                .transpose()?;
            sum_opt(left, right)
        }),
        AllReduce { op, axis_name } => with(&|y| {
            t[0].as_ref()
                .map(|t0| extreme_member_tangent(*op, axis_name, &x[0], &y[0], t0))
                .transpose()
        }),
        Compare(_)
        | ArgReduce {
            op: ArgOp::ArgMax | ArgOp::ArgMin,
            ..
        }
        | Iota { .. }
        | AxisIndex { .. }
        | BitcastConvertType { .. }
        | Threefry2x32
        | RngBitGenerator { .. }
        | StopGradient => with(&|_| Ok(None)),
        // Defined on bool and integers, which have no tangents.
        Reduce {
            op: ReduceOp::And | ReduceOp::Or | ReduceOp::Xor,
            ..
        } => with(&|_| Ok(None)),
    }
}

/// Apply a primitive that is linear in the operands at `positions` to their
/// tangents (zeros where absent) and the other operands' primals.
fn linear(
    prim: &Primitive,
    x: &[Value],
    t: &[Option<Value>],
    positions: &[usize],
) -> Result<Option<Value>> {
    if positions.iter().all(|&i| t[i].is_none()) {
        return Ok(None);
    }
    let args = (0..x.len())
        .map(|i| match (&t[i], positions.contains(&i)) {
            (Some(ti), true) => Ok(ti.clone()),
            (None, true) => zeros(&x[i].aval()),
            (_, false) => Ok(x[i].clone()),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(Some(bind1(prim, &args)?))
}

fn sum_opt(a: Option<Value>, b: Option<Value>) -> Result<Option<Value>> {
    Ok(match (a, b) {
        (Some(a), Some(b)) => Some(add(&a, &b)?),
        (a, b) => a.or(b),
    })
}
