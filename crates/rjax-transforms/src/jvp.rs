//! Forward-mode differentiation: the JVP interpreter and its rules.
//!
//! A JVP tracer carries a primal value and a tangent (`None` is a symbolic
//! zero). Primal work binds the primitive on the primals — which may be
//! concrete (so Rust control flow sees numbers) or tracers of enclosing
//! transformations — and the rule below builds the tangent.

use crate::ops::{self, add, compare, convert, div, mul, neg, scalar, select, sub, zeros};
use rjax_ir::primitive::{ArgOp, BinaryOp, Comparison, ReduceOp, UnaryOp};
use rjax_ir::{
    AVal, Error, ErrorKind, Interpreter, MainId, Primitive, Result, Tracer, Value, bind, bind1,
    eval_jaxpr, new_main,
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
        if t.iter().all(Option::is_none) || !out_avals[0].dtype.is_float() {
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
            Some(t) if x[0].aval().dtype.is_float() => Ok(Some(convert(t, *new_dtype)?)),
            _ => Ok(None),
        }),
        Select => linear_in(&[1, 2]),
        BroadcastInDim { .. }
        | Reshape { .. }
        | Transpose { .. }
        | Squeeze { .. }
        | ExpandDims { .. }
        | Rev { .. }
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

/// The tangent of a max, min or product across the members of a mapped
/// axis: like max/min reductions, the mean of the tangents of the members
/// attaining the extreme (a product scales by y/x).
fn extreme_member_tangent(
    op: ReduceOp,
    axis_name: &str,
    x: &Value,
    y: &Value,
    t: &Value,
) -> Result<Value> {
    let psum = |v: &Value| {
        bind1(
            &Primitive::AllReduce {
                op: ReduceOp::Sum,
                axis_name: axis_name.to_string(),
            },
            std::slice::from_ref(v),
        )
    };
    if op == ReduceOp::Prod {
        mul(y, &psum(&div(t, x)?)?)
    } else {
        let mask = convert(&compare(Comparison::Eq, x, y)?, x.aval().dtype)?;
        div(&psum(&mul(t, &mask)?)?, &psum(&mask)?)
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

fn unary_tangent(op: UnaryOp, x: &Value, y: &Value, t: Option<&Value>) -> Result<Option<Value>> {
    use UnaryOp::*;
    let Some(t) = t else { return Ok(None) };
    let d = x.aval().dtype;
    let one = scalar(1.0, d);
    let u = |op: UnaryOp, v: &Value| ops::unary(op, v);
    let derivative = match op {
        Neg => return Ok(Some(neg(t)?)),
        Exp => y.clone(),
        Log => return Ok(Some(div(t, x)?)),
        Log1p => return Ok(Some(div(t, &add(&one, x)?)?)),
        Expm1 => add(y, &one)?,
        // (t + t*y) * (1 - y): JAX's association, for the same f32 rounding.
        Tanh => return Ok(Some(mul(&add(t, &mul(t, y)?)?, &sub(&one, y)?)?)),
        Logistic => mul(y, &sub(&one, y)?)?,
        Sin => u(Cos, x)?,
        Cos => neg(&u(Sin, x)?)?,
        Tan => add(&one, &mul(y, y)?)?,
        Sqrt => return Ok(Some(div(t, &mul(y, &scalar(2.0, d))?)?)),
        Rsqrt => div(&mul(y, &scalar(-0.5, d))?, x)?,
        Abs => u(Sign, x)?,
        // JAX's association: c * (t * exp(..)).
        Erf => {
            let e = u(Exp, &neg(&mul(x, x)?)?)?;
            return Ok(Some(mul(
                &scalar(std::f64::consts::FRAC_2_SQRT_PI, d),
                &mul(t, &e)?,
            )?));
        }
        ErfInv => {
            let e = u(Exp, &mul(y, y)?)?;
            let c = scalar(std::f64::consts::PI.sqrt() / 2.0, d);
            return Ok(Some(mul(&c, &mul(t, &e)?)?));
        }
        Cbrt => div(&scalar(1.0 / 3.0, d), &mul(y, y)?)?,
        Sinh => u(Cosh, x)?,
        Cosh => u(Sinh, x)?,
        Asin => u(Rsqrt, &sub(&one, &mul(x, x)?)?)?,
        Acos => neg(&u(Rsqrt, &sub(&one, &mul(x, x)?)?)?)?,
        Atan => return Ok(Some(div(t, &add(&one, &mul(x, x)?)?)?)),
        Asinh => u(Rsqrt, &add(&mul(x, x)?, &one)?)?,
        Acosh => u(Rsqrt, &mul(&sub(x, &one)?, &add(x, &one)?)?)?,
        Atanh => return Ok(Some(div(t, &mul(&add(&one, x)?, &sub(&one, x)?)?)?)),
        Lgamma => u(Digamma, x)?,
        Digamma => ops::binary(BinaryOp::Polygamma, &one, x)?,
        // JAX's association: c * (t * exp(..)), as for erf.
        Erfc => {
            let e = u(Exp, &neg(&mul(x, x)?)?)?;
            let c = scalar(-std::f64::consts::FRAC_2_SQRT_PI, d);
            return Ok(Some(mul(&c, &mul(t, &e)?)?));
        }
        BesselI0e => sub(&u(BesselI1e, x)?, &mul(&u(Sign, x)?, y)?)?,
        BesselI1e => bessel_i1e_derivative(x, y)?,
        Sign | Floor | Ceil | Round | Not | IsFinite | PopulationCount | Clz => return Ok(None),
    };
    Ok(Some(mul(t, &derivative)?))
}

fn binary_tangent(
    op: BinaryOp,
    a: &Value,
    b: &Value,
    y: &Value,
    ta: &Option<Value>,
    tb: &Option<Value>,
) -> Result<Option<Value>> {
    use BinaryOp::*;
    let d = y.aval().dtype;
    let shape = y.aval().shape;
    let scale = |t: &Option<Value>, by: &Value| t.as_ref().map(|t| mul(t, by)).transpose();
    let fitted = |t: &Option<Value>| t.as_ref().map(|t| ops::fit(t, &shape)).transpose();
    match op {
        Add => sum_opt(fitted(ta)?, fitted(tb)?),
        Sub => sum_opt(fitted(ta)?, fitted(tb)?.map(|t| neg(&t)).transpose()?),
        Mul => sum_opt(scale(ta, b)?, scale(tb, a)?),
        Div => {
            let left = ta.as_ref().map(|t| div(t, b)).transpose()?;
            let right = tb
                .as_ref()
                .map(|t| neg(&div(&mul(t, y)?, b)?))
                .transpose()?;
            sum_opt(left, right)
        }
        Rem => {
            let q = div(a, b)?;
            let neg_q = compare(Comparison::Lt, &q, &scalar(0.0, d))?;
            let trunc = select(
                &neg_q,
                &ops::unary(UnaryOp::Ceil, &q)?,
                &ops::unary(UnaryOp::Floor, &q)?,
            )?;
            sum_opt(fitted(ta)?, scale(tb, &neg(&trunc)?)?)
        }
        Pow => {
            let left = scale(
                ta,
                &mul(
                    b,
                    &bind1(
                        &Primitive::Binary(Pow),
                        &[a.clone(), sub(b, &scalar(1.0, d))?],
                    )?,
                )?,
            )?;
            let right = scale(tb, &mul(&ops::unary(UnaryOp::Log, a)?, y)?)?;
            sum_opt(left, right)
        }
        Max | Min => {
            // The winner takes the tangent; ties split it evenly, as in JAX.
            let wins = compare(
                if op == Max {
                    Comparison::Gt
                } else {
                    Comparison::Lt
                },
                a,
                b,
            )?;
            let ties = compare(Comparison::Eq, a, b)?;
            let half_ties = mul(&convert(&ties, d)?, &scalar(0.5, d))?;
            let weight_a = ops::fit(&add(&convert(&wins, d)?, &half_ties)?, &shape)?;
            let weight_b = sub(&scalar(1.0, d), &weight_a)?;
            sum_opt(scale(ta, &weight_a)?, scale(tb, &weight_b)?)
        }
        Atan2 => {
            let denom = add(&mul(a, a)?, &mul(b, b)?)?;
            let left = scale(ta, &div(b, &denom)?)?;
            let right = scale(tb, &neg(&div(a, &denom)?)?)?;
            sum_opt(left, right)
        }
        Polygamma if ta.is_some() => Err(not_differentiable(
            "polygamma",
            "with respect to its order m",
        )),
        Polygamma => scale(tb, &ops::binary(Polygamma, &add(a, &scalar(1.0, d))?, b)?),
        Zeta => Err(not_differentiable("zeta", "of zeta")),
        And | Or | Xor | ShiftLeft | ShiftRightLogical | ShiftRightArithmetic | NextAfter => {
            Ok(None)
        }
    }
}

/// `i0e(x) - i1e(x) (sign(x) + 1 / x)`, the derivative of `i1e`, with `x`
/// kept away from 0 (where the limit is 1/2), as JAX computes it.
fn bessel_i1e_derivative(x: &Value, y: &Value) -> Result<Value> {
    let d = x.aval().dtype;
    let eps = scalar(d.epsilon().unwrap_or(0.0), d);
    let not_tiny = compare(Comparison::Gt, &ops::unary(UnaryOp::Abs, x)?, &eps)?;
    let safe_x = select(&not_tiny, x, &ops::fit(&eps, &x.aval().shape)?)?;
    let recip = div(&scalar(1.0, d), &safe_x)?;
    let slope = mul(y, &add(&ops::unary(UnaryOp::Sign, &safe_x)?, &recip)?)?;
    let derivative = sub(&ops::unary(UnaryOp::BesselI0e, &safe_x)?, &slope)?;
    select(
        &not_tiny,
        &derivative,
        &ops::fit(&scalar(0.5, d), &x.aval().shape)?,
    )
}

/// The typed error of a derivative JAX does not define.
fn not_differentiable(op: &str, what: &str) -> Error {
    Error::new(
        ErrorKind::Param,
        op,
        format!("differentiation {what} is not supported, as in JAX"),
    )
}

/// Tangent of max/min reductions: the mean of the tangents at the
/// positions that attain the extreme.
fn extreme_tangent(
    x: &Value,
    y: &Value,
    t: Option<&Value>,
    axes: &[usize],
) -> Result<Option<Value>> {
    let Some(t) = t else { return Ok(None) };
    let xa = x.aval();
    let kept: Vec<usize> = (0..xa.rank()).filter(|i| !axes.contains(i)).collect();
    let yb = ops::broadcast(y, &xa.shape, &kept)?;
    let mask = convert(&compare(Comparison::Eq, x, &yb)?, xa.dtype)?;
    let count = ops::reduce_sum(&mask, axes)?;
    Ok(Some(div(&ops::reduce_sum(&mul(t, &mask)?, axes)?, &count)?))
}

/// `Σᵢ tᵢ Πⱼ≠ᵢ xⱼ` over the reduced `axes`, with the products of the other
/// factors formed directly (not as `y / xᵢ`), so that it is right where
/// factors are zero, and so are its own derivatives.
fn product_tangent(x: &Value, t: &Value, axes: &[usize]) -> Result<Value> {
    let shape = x.aval().shape;
    let kept: Vec<usize> = (0..shape.len()).filter(|i| !axes.contains(i)).collect();
    let mut flat: Vec<usize> = kept.iter().map(|&i| shape[i]).collect();
    flat.push(axes.iter().map(|&i| shape[i]).product());
    let permutation = [kept, axes.to_vec()].concat();
    let reduced_last = |v: &Value| {
        let v = bind1(
            &Primitive::Transpose {
                permutation: permutation.clone(),
            },
            std::slice::from_ref(v),
        )?;
        ops::reshape(&v, &flat)
    };
    let (x, t) = (reduced_last(x)?, reduced_last(t)?);
    let last = flat.len() - 1;
    let rev = |v: &Value| {
        bind1(
            &Primitive::Rev {
                dimensions: vec![last],
            },
            std::slice::from_ref(v),
        )
    };
    let before = exclusive_products(&x)?;
    let after = rev(&exclusive_products(&rev(&x)?)?)?;
    ops::reduce_sum(&mul(&t, &mul(&before, &after)?)?, &[last])
}

/// `Πⱼ<ᵢ xⱼ` along the last axis: the factors shifted by one, then
/// multiplied by themselves shifted 1, 2, 4, … places (a log-depth scan).
fn exclusive_products(x: &Value) -> Result<Value> {
    let a = x.aval();
    let (rank, n) = (a.rank(), a.shape[a.rank() - 1]);
    let one = scalar(1.0, a.dtype);
    let shifted = |v: &Value, by: usize| {
        let mut low = vec![0; rank];
        let mut high = vec![0; rank];
        low[rank - 1] = by as i64;
        high[rank - 1] = -(by as i64);
        let interior = vec![0; rank];
        bind1(
            &Primitive::Pad {
                low,
                high,
                interior,
            },
            &[v.clone(), one.clone()],
        )
    };
    let mut products = shifted(x, 1.min(n))?;
    let mut by = 1;
    while by < n {
        products = mul(&products, &shifted(&products, by)?)?;
        by *= 2;
    }
    Ok(products)
}

/// Sort's JVP: the tangents ride along as extra (non-key) operands of a
/// second, stable sort by the same keys, so they are permuted as the
/// primals are. That sort is linear in the tangents (see its transpose).
fn sort_jvp(
    prim: &Primitive,
    (dimension, num_keys): (usize, usize),
    x: &[Value],
    t: &[Option<Value>],
) -> Result<(Vec<Value>, Tangents)> {
    let y = bind(prim, x)?;
    let carried: Vec<usize> = (0..x.len())
        .filter(|&i| t[i].is_some() && x[i].aval().dtype.is_float())
        .collect();
    let mut tangents: Tangents = vec![None; x.len()];
    if carried.is_empty() {
        return Ok((y, tangents));
    }
    let args: Vec<Value> = x[..num_keys]
        .iter()
        .cloned()
        .chain(carried.iter().map(|&i| t[i].clone().expect("carried")))
        .collect();
    let sorted = bind(
        &Primitive::Sort {
            dimension,
            is_stable: true,
            num_keys,
        },
        &args,
    )?;
    for (&i, v) in carried.iter().zip(sorted.into_iter().skip(num_keys)) {
        tangents[i] = Some(v);
    }
    Ok((y, tangents))
}
