//! Structured control flow on traced values: `cond`, `switch`,
//! `while_loop`, `fori_loop`. Under a transformation each stages its
//! functions into sub-Jaxprs of one primitive; on concrete values they run
//! the chosen branch or the loop directly, like JAX with jit disabled,
//! after checking the staged primitive as binding it would: eager and
//! staged control flow accept the same programs.

use crate::Array;
use crate::jit::{flatten_args, trace_tree};
use crate::numpy as jnp;
use crate::tree::{Tree, TreeDef, TreeOutput};
use rjax_ir::{
    AVal, ClosedJaxpr, DType, Error, ErrorKind, Jaxpr, Primitive, Result, SubJaxpr, Value, Var,
};
use std::panic::Location;
use std::sync::Arc;

fn arrays(values: Vec<Value>) -> Vec<Array> {
    values.into_iter().map(Array::from_value).collect()
}

/// A staged function as a Jaxpr whose leading inputs are its constants.
fn staged<I: Tree, R: TreeOutput>(
    f: &dyn Fn(I) -> R,
    def: &TreeDef,
    avals: &[AVal],
) -> Result<(ClosedJaxpr, TreeDef)> {
    trace_tree(f, def, avals)
}

/// The primitive a staged control-flow function binds, its operands, and
/// the tree of its results.
struct Staged {
    prim: Primitive,
    args: Vec<Value>,
    out_def: TreeDef,
}

impl Staged {
    /// Bind the primitive (under a transformation, or to compile it).
    fn bind(&self) -> Result<Vec<Array>> {
        Ok(arrays(rjax_ir::bind(&self.prim, &self.args)?))
    }

    /// What binding checks (the primitive's shape rule), for running the
    /// user's functions directly on concrete values: eager and staged
    /// control flow accept the same programs.
    fn check(&self) -> Result<()> {
        let avals: Vec<AVal> = self.args.iter().map(Value::aval).collect();
        rjax_ir::abstract_eval(&self.prim, &avals).map(|_| ())
    }
}

/// `cond` of every branch, with the index already an int32 scalar in range.
fn stage_switch<I: Tree, R: TreeOutput>(
    index: &Array,
    branches: &[&dyn Fn(I) -> R],
    operand: &I,
) -> Result<Staged> {
    let (values, avals, def) = flatten_args(operand)?;
    let traced = branches
        .iter()
        .map(|b| staged(*b, &def, &avals))
        .collect::<Result<Vec<_>>>()?;
    let out_def = traced[0].1.clone();
    if let Some((i, (_, d))) = traced.iter().enumerate().find(|(_, (_, d))| *d != out_def) {
        return Err(Error::new(
            ErrorKind::Tree,
            "cond",
            format!("branch 0 returns {out_def:?} but branch {i} returns {d:?}"),
        ));
    }
    // Every branch takes every branch's constants, then the operands.
    let consts: Vec<Value> = traced.iter().flat_map(|(c, _)| c.consts.clone()).collect();
    let mut offset = 0;
    let jaxprs: Vec<SubJaxpr> = traced
        .iter()
        .map(|(c, _)| {
            let j = with_unused_inputs(&c.jaxpr, &consts, offset);
            offset += c.consts.len();
            SubJaxpr(Arc::new(j))
        })
        .collect();
    let args: Vec<Value> = std::iter::once(index.value()?.clone())
        .chain(consts)
        .chain(values)
        .collect();
    Ok(Staged {
        prim: Primitive::Cond { branches: jaxprs },
        args,
        out_def,
    })
}

/// `j` taking all of `consts` (its own at `offset`) before its inputs.
fn with_unused_inputs(j: &Jaxpr, consts: &[Value], offset: usize) -> Jaxpr {
    let mut next = j
        .eqns
        .iter()
        .flat_map(|e| &e.outputs)
        .chain(&j.invars)
        .chain(&j.constvars)
        .map(|v| v.id)
        .max()
        .unwrap_or(0)
        + 1;
    let mut invars = Vec::with_capacity(consts.len() + j.invars.len());
    for (k, c) in consts.iter().enumerate() {
        match k.checked_sub(offset).and_then(|i| j.constvars.get(i)) {
            Some(v) => invars.push(v.clone()),
            None => {
                invars.push(Var {
                    id: next,
                    aval: c.aval(),
                });
                next += 1;
            }
        }
    }
    invars.extend(j.invars.iter().cloned());
    Jaxpr {
        constvars: Vec::new(),
        invars,
        ..j.clone()
    }
}

/// `branches[index]` applied to `operand` (the index is clamped into
/// range, as in JAX). All branches must return the same structure and
/// types; they may return a `Result` of it.
///
/// ```
/// use rjax::{lax, Array};
/// let f = |x: Array| x.sin();
/// let g = |x: Array| x.cos();
/// let h = |x: Array| &x * 2.0;
/// let y = lax::switch(&Array::scalar(2i32), &[&f, &g, &h], Array::scalar(1.5f32)).unwrap();
/// assert_eq!(y.item::<f32>().unwrap(), 3.0);
/// ```
#[track_caller]
pub fn switch<I: Tree, R: TreeOutput>(
    index: &Array,
    branches: &[&dyn Fn(I) -> R],
    operand: I,
) -> Result<R::Tree> {
    let location = Location::caller();
    (|| {
        if branches.is_empty() {
            return Err(Error::new(
                ErrorKind::Param,
                "switch",
                "needs at least one branch",
            ));
        }
        let n = branches.len() as i32;
        let i = jnp::minimum(
            &jnp::maximum(&index.astype(DType::I32), &Array::scalar(0i32)),
            &Array::scalar(n - 1),
        );
        let concrete = !i.is_traced() && !rjax_ir::is_tracing();
        let staged = stage_switch(&i, branches, &operand)?;
        if concrete {
            staged.check()?;
            return branches[i.item::<i32>()? as usize](operand).into_result();
        }
        R::Tree::unflatten_tree(&staged.out_def, staged.bind()?)
    })()
    .map_err(|e: Error| e.at(location))
}

/// `true_fn(operand)` if `pred`, else `false_fn(operand)`, on traced
/// predicates too (JAX's `lax.cond`). The branches return the same tree,
/// or a `Result` of it.
///
/// ```
/// use rjax::{jit, lax, Array};
/// let relu = jit(|x: Array| lax::cond(&x.gt(0.0), |x: Array| x, |x: Array| &x * 0.0, x));
/// assert_eq!(relu.call(Array::scalar(-2.0f32)).unwrap().item::<f32>().unwrap(), 0.0);
/// assert_eq!(relu.call(Array::scalar(3.0f32)).unwrap().item::<f32>().unwrap(), 3.0);
/// ```
#[track_caller]
pub fn cond<I: Tree, O: Tree, T: TreeOutput<Tree = O>, F: TreeOutput<Tree = O>>(
    pred: &Array,
    true_fn: impl Fn(I) -> T,
    false_fn: impl Fn(I) -> F,
    operand: I,
) -> Result<O> {
    let location = Location::caller();
    let bad = pred
        .aval()
        .map(|a| a.rank() != 0 || a.dtype != DType::Bool)
        .unwrap_or(false);
    if bad {
        return Err(Error::new(
            ErrorKind::DType,
            "cond",
            "the predicate must be a bool scalar",
        )
        .with_operands(pred.aval().into_iter().collect())
        .at(location));
    }
    let on_false = |x: I| false_fn(x).into_result();
    let on_true = |x: I| true_fn(x).into_result();
    switch(&pred.astype(DType::I32), &[&on_false, &on_true], operand).map_err(|e| e.at(location))
}

/// Repeat `body_fn` while `cond_fn` holds, starting from `init` (JAX's
/// `lax.while_loop`). The carry keeps its structure and types; `body_fn`
/// may return a `Result` of it.
///
/// ```
/// use rjax::{jit, lax, Array};
/// // Smallest power of two at least x.
/// let f = jit(|x: Array| lax::while_loop(|p: &Array| p.lt(&x), |p: Array| &p * 2.0, Array::scalar(1.0f32)));
/// assert_eq!(f.call(Array::scalar(100.0f32)).unwrap().item::<f32>().unwrap(), 128.0);
/// ```
#[track_caller]
pub fn while_loop<C: Tree, R: TreeOutput<Tree = C>>(
    cond_fn: impl Fn(&C) -> Array,
    body_fn: impl Fn(C) -> R,
    init: C,
) -> Result<C> {
    let location = Location::caller();
    (|| {
        let (values, avals, def) = flatten_args(&init)?;
        let concrete = !rjax_ir::is_tracing() && !values.iter().any(Value::is_traced);
        let (c, _) = staged(&|x: C| cond_fn(&x), &def, &avals)?;
        let (b, body_def) = staged(&body_fn, &def, &avals)?;
        if body_def != def {
            return Err(Error::new(
                ErrorKind::Tree,
                "while_loop",
                format!("the body takes a carry of {def:?} but returns {body_def:?}"),
            ));
        }
        let prim = Primitive::While(rjax_ir::WhileParams {
            cond: SubJaxpr(Arc::new(c.hoist_consts())),
            body: SubJaxpr(Arc::new(b.hoist_consts())),
            cond_consts: c.consts.len(),
            body_consts: b.consts.len(),
        });
        let args: Vec<Value> = c.consts.into_iter().chain(b.consts).chain(values).collect();
        let staged = Staged {
            prim,
            args,
            out_def: def,
        };
        if concrete {
            staged.check()?;
            let mut carry = init;
            while cond_fn(&carry).item::<bool>()? {
                carry = body_fn(carry).into_result()?;
            }
            return Ok(carry);
        }
        C::unflatten_tree(&staged.out_def, staged.bind()?)
    })()
    .map_err(|e: Error| e.at(location))
}

/// `body(i, carry)` for `i` in `lower..upper` (JAX's `lax.fori_loop`); `i`
/// is an int32 scalar. The trip count is static, so under a transformation
/// this is a `scan` — differentiable in reverse mode.
///
/// ```
/// use rjax::{lax, Array};
/// let total = lax::fori_loop(0, 5, |i: Array, acc: Array| &acc + &i.astype(rjax::DType::F32), Array::scalar(0.0f32));
/// assert_eq!(total.unwrap().item::<f32>().unwrap(), 10.0);
/// ```
#[track_caller]
pub fn fori_loop<C: Tree, R: TreeOutput<Tree = C>>(
    lower: i32,
    upper: i32,
    body: impl Fn(Array, C) -> R,
    init: C,
) -> Result<C> {
    let step = |(i, c): (Array, C), _: ()| {
        let next = body(i.clone(), c).into_result()?;
        Ok(((&i + 1, next), ()))
    };
    let n = (upper - lower).max(0) as usize;
    let ((_, out), ()) = scan_with(step, (Array::scalar(lower), init), (), Some(n), false)?;
    Ok(out)
}

/// `body(i, carry)` for `i` from `lower` while `i < upper`, with bounds
/// known only at run time: a `while_loop`, so differentiable in forward
/// mode only.
#[track_caller]
pub fn fori_loop_dynamic<C: Tree, R: TreeOutput<Tree = C>>(
    lower: &Array,
    upper: &Array,
    body: impl Fn(Array, C) -> R,
    init: C,
) -> Result<C> {
    let (_, _, out) = while_loop(
        |(i, n, _): &(Array, Array, C)| i.lt(n),
        |(i, n, c): (Array, Array, C)| Ok((&i + 1, n, body(i.clone(), c).into_result()?)),
        (lower.astype(DType::I32), upper.astype(DType::I32), init),
    )?;
    Ok(out)
}

/// `scan` on concrete values: a Rust loop over slices, outputs stacked.
fn scan_concrete<C: Tree, X: Tree, Y: Tree>(
    f: &impl Fn(C, X) -> Result<(C, Y)>,
    init: C,
    xs: &[Value],
    x_def: &TreeDef,
    n: usize,
    reverse: bool,
) -> Result<(C, Y)> {
    let xs: Vec<Array> = xs.iter().cloned().map(Array::from_value).collect();
    let mut carry = init;
    let mut steps: Vec<Vec<Array>> = Vec::with_capacity(n);
    let mut y_def = None;
    let order: Vec<usize> = if reverse {
        (0..n).rev().collect()
    } else {
        (0..n).collect()
    };
    for &i in &order {
        let slices = xs
            .iter()
            .map(|x| {
                let shape = x.shape()?;
                let mut start = vec![0; shape.len()];
                let mut limit = shape.clone();
                start[0] = i;
                limit[0] = i + 1;
                Ok(crate::lax::squeeze(
                    &crate::lax::slice(x, &start, &limit, None),
                    &[0],
                ))
            })
            .collect::<Result<Vec<Array>>>()?;
        let (c, y) = f(carry, X::unflatten_tree(x_def, slices)?)?;
        let (leaves, d) = y.flatten_tree();
        y_def = Some(d);
        steps.push(leaves);
        carry = c;
    }
    if reverse {
        steps.reverse();
    }
    let y_def = y_def.ok_or_else(|| Error::new(ErrorKind::Param, "scan", "no steps"))?;
    let stacked = (0..y_def.num_leaves())
        .map(|k| jnp::stack(&steps.iter().map(|s| s[k].clone()).collect::<Vec<_>>(), 0))
        .collect();
    Ok((carry, Y::unflatten_tree(&y_def, stacked)?))
}

/// `f` applied to every slice of `xs` along its leading axis, stacked
/// (JAX's `lax.map`: a scan without a carry).
///
/// ```
/// use rjax::{lax, Array};
/// let rows = lax::map(|r: Array| r.sum(), Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2])).unwrap();
/// assert_eq!(rows.to_vec::<f32>().unwrap(), vec![3.0, 7.0]);
/// ```
#[track_caller]
pub fn map<X: Tree, Y: Tree, R: TreeOutput<Tree = Y>>(f: impl Fn(X) -> R, xs: X) -> Result<Y> {
    let ((), ys) = scan_with(
        |(), x: X| Ok(((), f(x).into_result()?)),
        (),
        xs,
        None,
        false,
    )?;
    Ok(ys)
}

/// `scan_with(f, init, xs, None, false)`.
///
/// ```
/// use rjax::{lax, Array};
/// // Cumulative sum: carry the running total, emit it at every step.
/// let xs = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[4]);
/// let (total, partial) = lax::scan(|c: Array, x: Array| { let s = &c + &x; (s.clone(), s) }, Array::scalar(0.0f32), xs).unwrap();
/// assert_eq!(total.item::<f32>().unwrap(), 10.0);
/// assert_eq!(partial.to_vec::<f32>().unwrap(), vec![1.0, 3.0, 6.0, 10.0]);
/// ```
#[track_caller]
pub fn scan<C: Tree, X: Tree, Y: Tree, R: TreeOutput<Tree = (C, Y)>>(
    f: impl Fn(C, X) -> R,
    init: C,
    xs: X,
) -> Result<(C, Y)> {
    scan_with(f, init, xs, None, false)
}

/// `scan` without `xs` (JAX's `lax.scan(f, init, None, length=n)`): `f`
/// maps the carry to `(carry, output)`, `length` times; the outputs are
/// stacked.
///
/// ```
/// use rjax::{lax, Array};
/// // Powers of two: double the carry, emit it.
/// let (last, all) = lax::scan_length(|c: Array| { let d = &c * 2.0; (d.clone(), d) }, Array::scalar(1.0f32), 4).unwrap();
/// assert_eq!(last.item::<f32>().unwrap(), 16.0);
/// assert_eq!(all.to_vec::<f32>().unwrap(), vec![2.0, 4.0, 8.0, 16.0]);
/// ```
#[track_caller]
pub fn scan_length<C: Tree, Y: Tree, R: TreeOutput<Tree = (C, Y)>>(
    f: impl Fn(C) -> R,
    init: C,
    length: usize,
) -> Result<(C, Y)> {
    scan_with(|c, ()| f(c), init, (), Some(length), false)
}

/// JAX's `lax.scan`: thread a carry through `f` over the leading axis of
/// every leaf of `xs` (`length` steps when `xs` has no leaves), stacking
/// the per-step outputs; `reverse` walks from the end. `f` may return a
/// `Result` of its `(carry, output)` pair.
#[track_caller]
pub fn scan_with<C: Tree, X: Tree, Y: Tree, R: TreeOutput<Tree = (C, Y)>>(
    f: impl Fn(C, X) -> R,
    init: C,
    xs: X,
    length: Option<usize>,
    reverse: bool,
) -> Result<(C, Y)> {
    let location = Location::caller();
    (|| {
        let (c_vals, c_avals, c_def) = flatten_args(&init)?;
        let (x_vals, x_avals, x_def) = flatten_args(&xs)?;
        let mut n = length;
        for a in &x_avals {
            let lead = a.shape.first().copied();
            if lead.is_none() || (n.is_some() && n != lead) {
                return Err(Error::new(
                    ErrorKind::Shape,
                    "scan",
                    format!("scanned leaf {a} does not share the leading axis {n:?}"),
                )
                .with_operands(x_avals.clone()));
            }
            n = lead;
        }
        let n =
            n.ok_or_else(|| Error::new(ErrorKind::Param, "scan", "xs has no leaves: give length"))?;
        let concrete =
            !rjax_ir::is_tracing() && !c_vals.iter().chain(&x_vals).any(Value::is_traced);
        let slices: Vec<AVal> = x_avals
            .iter()
            .map(|a| AVal::new(a.shape[1..].to_vec(), a.dtype))
            .collect();
        let def = TreeDef::Node("tuple", vec![c_def.clone(), x_def.clone()]);
        let (closed, out_def) =
            staged(&|(c, x): (C, X)| f(c, x), &def, &[c_avals, slices].concat())?;
        let (c_out_def, y_def) = match &out_def {
            TreeDef::Node(_, parts) if parts.len() == 2 => (parts[0].clone(), parts[1].clone()),
            other => {
                return Err(Error::new(
                    ErrorKind::Tree,
                    "scan",
                    format!("the body returned {other:?}"),
                ));
            }
        };
        if c_out_def != c_def {
            return Err(Error::new(
                ErrorKind::Tree,
                "scan",
                format!("the body takes a carry of {c_def:?} but returns {c_out_def:?}"),
            ));
        }
        let nk = c_vals.len();
        let prim = Primitive::Scan(rjax_ir::ScanParams {
            body: SubJaxpr(Arc::new(closed.hoist_consts())),
            length: n,
            reverse,
            num_consts: closed.consts.len(),
            num_carry: nk,
        });
        let args: Vec<Value> = closed
            .consts
            .into_iter()
            .chain(c_vals)
            .chain(x_vals.iter().cloned())
            .collect();
        let staged = Staged {
            prim,
            args,
            out_def,
        };
        if concrete && n > 0 {
            staged.check()?;
            let step = |c: C, x: X| f(c, x).into_result();
            return scan_concrete(&step, init, &x_vals, &x_def, n, reverse);
        }
        let mut outs = staged.bind()?;
        let ys = outs.split_off(nk);
        Ok((
            C::unflatten_tree(&c_def, outs)?,
            Y::unflatten_tree(&y_def, ys)?,
        ))
    })()
    .map_err(|e: Error| e.at(location))
}
