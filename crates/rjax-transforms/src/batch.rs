//! Vectorization: the batching interpreter and its rules.
//!
//! A batch tracer carries a value with one extra axis, `bdim` (or `None`
//! when the value is the same for every member of the batch). Rules keep
//! batch axes where they are when the primitive allows it and move them
//! only where it must.

use crate::ops::{self, broadcast};
use rjax_ir::primitive::ArgOp;
use rjax_ir::{
    AVal, BatchedRule, CustomCall, DotDims, Error, ErrorKind, Interpreter, JitCall, Literal,
    MainId, Primitive, Result, Tracer, Value, bind, eval_jaxpr, new_main,
};
use std::sync::Arc;

struct BatchPair {
    value: Value,
    bdim: Option<usize>,
}

struct BatchInterpreter {
    main: MainId,
    level: usize,
    size: usize,
    /// The name collectives use for this mapped axis.
    name: Option<String>,
}

impl BatchInterpreter {
    fn tracer(&self, value: Value, bdim: Option<usize>) -> Value {
        let mut aval = value.aval();
        if let Some(b) = bdim {
            aval.shape.remove(b);
        }
        Value::Tracer(Arc::new(Tracer {
            main: self.main,
            level: self.level,
            aval,
            payload: Box::new(BatchPair { value, bdim }),
        }))
    }

    fn split(&self, v: &Value) -> (Value, Option<usize>) {
        if let Value::Tracer(t) = v {
            if t.main == self.main {
                if let Some(p) = t.payload.downcast_ref::<BatchPair>() {
                    return (p.value.clone(), p.bdim);
                }
            }
        }
        (v.clone(), None)
    }

    /// A jitted call on a batch: one call of the function batched (every
    /// batched operand along axis 0), so that it still runs as one compiled
    /// program, as JAX batches a `pjit`.
    fn jit_batched(&self, call: &JitCall, args: &[Value]) -> Result<Vec<Value>> {
        let (vals, dims): (Vec<Value>, Vec<Option<usize>>) =
            args.iter().map(|a| self.split(a)).unzip();
        if dims.iter().all(Option::is_none) {
            return bind(&Primitive::Jit(call.clone()), &vals);
        }
        let batched: Vec<bool> = dims.iter().map(Option::is_some).collect();
        let found = crate::jit_batch::batched(call, &batched, self.size, self.name.as_deref())?;
        let Some(program) = found else {
            return eval_jaxpr(&call.jaxpr, &[], args);
        };
        let operands = vals
            .iter()
            .zip(&dims)
            .map(|(v, d)| match d {
                Some(_) => with_batch_axis(v, *d, self.size, 0),
                None => Ok(v.clone()),
            })
            .collect::<Result<Vec<_>>>()?;
        let args: Vec<Value> = program.consts.iter().cloned().chain(operands).collect();
        let outs = bind(&Primitive::Jit(program.call.clone()), &args)?;
        Ok(outs.into_iter().map(|v| self.tracer(v, Some(0))).collect())
    }
}

impl Interpreter for BatchInterpreter {
    fn process(
        &self,
        prim: &Primitive,
        args: &[Value],
        _out_avals: Vec<AVal>,
    ) -> Result<Vec<Value>> {
        match prim {
            Primitive::Jit(call) => return self.jit_batched(call, args),
            Primitive::Cond { branches } => return crate::control::cond_batched(branches, args),
            _ => {}
        }
        let (vals, dims): (Vec<Value>, Vec<Option<usize>>) =
            args.iter().map(|a| self.split(a)).unzip();
        let outs = if prim.axis_name().is_some() && prim.axis_name() == self.name.as_deref() {
            collective(prim, &vals, &dims, self.size)?
        } else if dims.iter().all(Option::is_none) {
            bind(prim, &vals)?.into_iter().map(|v| (v, None)).collect()
        } else {
            batch_rule(prim, &vals, &dims, self.size)?
        };
        Ok(outs.into_iter().map(|(v, d)| self.tracer(v, d)).collect())
    }

    fn mapped_axis(&self) -> Option<(&str, usize)> {
        self.name.as_deref().map(|n| (n, self.size))
    }
}

/// Apply `f` to a batch: `args[i]` is mapped along `in_dims[i]` (or shared
/// when `None`), all mapped axes of length `size`; collectives naming
/// `axis_name` communicate across the batch. Returns each output with its
/// batch axis (`None`: the same for every member).
pub fn vmap(
    f: impl FnOnce(&[Value]) -> Result<Vec<Value>>,
    args: &[Value],
    in_dims: &[Option<usize>],
    size: usize,
    axis_name: Option<&str>,
) -> Result<Vec<(Value, Option<usize>)>> {
    let name = axis_name.map(str::to_string);
    let (guard, interp) = new_main(
        |main, level| BatchInterpreter {
            main,
            level,
            size,
            name,
        },
        false,
    );
    let inputs: Vec<Value> = args
        .iter()
        .zip(in_dims)
        .map(|(a, d)| interp.tracer(a.clone(), *d))
        .collect();
    let outs = f(&inputs)?;
    let split = outs.iter().map(|o| interp.split(o)).collect();
    drop(guard);
    Ok(split)
}

/// `prim` applied to each member of the batch of `x` in turn, the results
/// stacked (for generators whose output is no function of a batched
/// input's elements).
fn per_member(prim: &Primitive, x: &Value, bdim: Option<usize>, size: usize) -> Result<Batched> {
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
        let member = rjax_ir::bind1(
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
                rjax_ir::bind1(&Primitive::Concatenate { dimension: 0 }, &parts)?,
                Some(0),
            ))
        })
        .collect()
}

/// Move axis `from` of `x` to position `to`.
pub fn moveaxis(x: &Value, from: usize, to: usize) -> Result<Value> {
    if from == to {
        return Ok(x.clone());
    }
    let rank = x.aval().rank();
    let mut perm: Vec<usize> = (0..rank).filter(|&i| i != from).collect();
    perm.insert(to, from);
    rjax_ir::bind1(
        &Primitive::Transpose { permutation: perm },
        std::slice::from_ref(x),
    )
}

/// `x` with a batch axis of `size` at `at` (copies for unbatched values).
pub fn with_batch_axis(x: &Value, bdim: Option<usize>, size: usize, at: usize) -> Result<Value> {
    match bdim {
        Some(b) => moveaxis(x, b, at),
        None => {
            let a = x.aval();
            let mut shape = a.shape.clone();
            shape.insert(at, size);
            let dims: Vec<usize> = (0..shape.len()).filter(|&i| i != at).collect();
            broadcast(x, &shape, &dims)
        }
    }
}

type Batched = Vec<(Value, Option<usize>)>;

/// Outputs with batch axes for one primitive whose operands have batch
/// axes `d` (at least one is batched).
fn batch_rule(prim: &Primitive, x: &[Value], d: &[Option<usize>], size: usize) -> Result<Batched> {
    use Primitive::*;
    let one = |v: Value, b: usize| -> Result<Batched> { Ok(vec![(v, Some(b))]) };
    let b0 = d[0];
    match prim {
        Unary(_) | ConvertElementType { .. } | StopGradient | ReducePrecision { .. } => {
            one(bind1(prim, &[x[0].clone()])?, b0.unwrap_or(0))
        }
        Binary(_) | Compare(_) | Select | Threefry2x32 => elementwise(prim, x, d, size),
        BitcastConvertType { .. } => one(bind1(prim, &[x[0].clone()])?, b0.unwrap_or(0)),
        BroadcastInDim {
            shape,
            broadcast_dimensions,
        } => {
            let v = with_batch_axis(&x[0], b0, size, 0)?;
            let shape = [&[size][..], shape].concat();
            let dims: Vec<usize> = std::iter::once(0)
                .chain(broadcast_dimensions.iter().map(|&i| i + 1))
                .collect();
            one(
                bind1(
                    &BroadcastInDim {
                        shape,
                        broadcast_dimensions: dims,
                    },
                    &[v],
                )?,
                0,
            )
        }
        Reshape { new_sizes } => {
            let v = with_batch_axis(&x[0], b0, size, 0)?;
            one(
                bind1(
                    &Reshape {
                        new_sizes: [&[size][..], new_sizes].concat(),
                    },
                    &[v],
                )?,
                0,
            )
        }
        ExpandDims { dimensions } => {
            let v = with_batch_axis(&x[0], b0, size, 0)?;
            one(
                bind1(
                    &ExpandDims {
                        dimensions: dimensions.iter().map(|i| i + 1).collect(),
                    },
                    &[v],
                )?,
                0,
            )
        }
        Transpose { permutation } => {
            let b = b0.unwrap_or(0);
            let shift = |p: usize| if p >= b { p + 1 } else { p };
            let mut perm: Vec<usize> = permutation.iter().map(|&p| shift(p)).collect();
            perm.insert(b, b);
            one(bind1(&Transpose { permutation: perm }, &[x[0].clone()])?, b)
        }
        Squeeze { dimensions } => {
            let b = b0.unwrap_or(0);
            let dims: Vec<usize> = dimensions
                .iter()
                .map(|&i| if i >= b { i + 1 } else { i })
                .collect();
            let out_b = b - dimensions.iter().filter(|&&i| i < b).count();
            one(
                bind1(&Squeeze { dimensions: dims }, &[x[0].clone()])?,
                out_b,
            )
        }
        Reduce { op, axes } => {
            let b = b0.unwrap_or(0);
            let shifted: Vec<usize> = axes
                .iter()
                .map(|&i| if i >= b { i + 1 } else { i })
                .collect();
            let out_b = b - axes.iter().filter(|&&i| i < b).count();
            one(
                bind1(
                    &Reduce {
                        op: *op,
                        axes: shifted,
                    },
                    &[x[0].clone()],
                )?,
                out_b,
            )
        }
        ArgReduce {
            op,
            axis,
            index_dtype,
        } => {
            let b = b0.unwrap_or(0);
            let a = if *axis >= b { axis + 1 } else { *axis };
            let out_b = if *axis < b { b - 1 } else { b };
            let op: ArgOp = *op;
            one(
                bind1(
                    &ArgReduce {
                        op,
                        axis: a,
                        index_dtype: *index_dtype,
                    },
                    &[x[0].clone()],
                )?,
                out_b,
            )
        }
        DotGeneral {
            dims,
            preferred_element_type,
        } => dot_general(dims, *preferred_element_type, x, d),
        Conv(p) if p.batch_group_count == 1 => {
            let (v, b) = crate::conv::batched_conv(p, x, d, size)?;
            one(v, b)
        }
        RngBitGenerator { .. } => per_member(prim, &x[0], b0, size),
        Cholesky | TriangularSolve(_) => one(crate::linalg::batched(prim, x, d, size)?, 0),
        Gather { dims, slice_sizes } => one(
            crate::gather::batched_gather(dims, slice_sizes, x, d, size)?,
            0,
        ),
        Scatter { dims, op } => one(crate::gather::batched_scatter(dims, *op, x, d, size)?, 0),
        Rev { dimensions } => {
            let b = b0.unwrap_or(0);
            let dimensions = dimensions
                .iter()
                .map(|&i| if i >= b { i + 1 } else { i })
                .collect();
            one(bind1(&Rev { dimensions }, &[x[0].clone()])?, b)
        }
        Sort {
            dimension,
            is_stable,
            num_keys,
        } => {
            let moved = x
                .iter()
                .zip(d)
                .map(|(v, b)| with_batch_axis(v, *b, size, 0))
                .collect::<Result<Vec<_>>>()?;
            let sort = Sort {
                dimension: dimension + 1,
                is_stable: *is_stable,
                num_keys: *num_keys,
            };
            Ok(bind(&sort, &moved)?
                .into_iter()
                .map(|v| (v, Some(0)))
                .collect())
        }
        Slice {
            start,
            limit,
            strides,
        } => {
            let b = b0.unwrap_or(0);
            let mut start = start.clone();
            let mut limit = limit.clone();
            let mut strides = strides.clone();
            start.insert(b, 0);
            limit.insert(b, size);
            strides.insert(b, 1);
            one(
                bind1(
                    &Slice {
                        start,
                        limit,
                        strides,
                    },
                    &[x[0].clone()],
                )?,
                b,
            )
        }
        Pad {
            low,
            high,
            interior,
        } if d[1].is_none() => {
            let b = b0.unwrap_or(0);
            let (mut low, mut high, mut interior) = (low.clone(), high.clone(), interior.clone());
            low.insert(b, 0);
            high.insert(b, 0);
            interior.insert(b, 0);
            one(
                bind1(
                    &Pad {
                        low,
                        high,
                        interior,
                    },
                    &[x[0].clone(), x[1].clone()],
                )?,
                b,
            )
        }
        Concatenate { dimension } => {
            let moved = x
                .iter()
                .zip(d)
                .map(|(v, b)| with_batch_axis(v, *b, size, 0))
                .collect::<Result<Vec<_>>>()?;
            one(
                bind1(
                    &Concatenate {
                        dimension: dimension + 1,
                    },
                    &moved,
                )?,
                0,
            )
        }
        DynamicSlice { slice_sizes } if d[1..].iter().all(Option::is_none) => {
            let v = with_batch_axis(&x[0], b0, size, 0)?;
            let zero = Value::Literal(Literal::int(0, x[1].aval().dtype, false));
            let args: Vec<Value> = [v, zero]
                .into_iter()
                .chain(x[1..].iter().cloned())
                .collect();
            one(
                bind1(
                    &DynamicSlice {
                        slice_sizes: [&[size][..], slice_sizes].concat(),
                    },
                    &args,
                )?,
                0,
            )
        }
        DynamicUpdateSlice if d[2..].iter().all(Option::is_none) => {
            let v = with_batch_axis(&x[0], b0, size, 0)?;
            let u = with_batch_axis(&x[1], d[1], size, 0)?;
            let zero = Value::Literal(Literal::int(0, x[2].aval().dtype, false));
            let args: Vec<Value> = [v, u, zero]
                .into_iter()
                .chain(x[2..].iter().cloned())
                .collect();
            one(bind1(prim, &args)?, 0)
        }
        Custom(c) => match c.0.batched(size) {
            Some(batched) => custom_batched(batched?, x, d, size),
            None => unrolled(prim, x, d, size),
        },
        // Batched indices or padding values: one application per batch
        // member, stacked.
        Pad { .. } | DynamicSlice { .. } | DynamicUpdateSlice | Conv(_) => {
            unrolled(prim, x, d, size)
        }
        // Collectives over an enclosing axis act on each member's value.
        AllReduce { .. } | Ppermute { .. } => one(bind1(prim, &[x[0].clone()])?, b0.unwrap_or(0)),
        AllToAll { .. } | PsumScatter { .. } => {
            let v = with_batch_axis(&x[0], b0, size, 0)?;
            one(crate::spmd::collective_of_batched(prim, &v, 0)?, 0)
        }
        Pmap(p) => crate::spmd::pmap_batched(p, x, d, size),
        AllGather {
            axis_name,
            axis,
            tiled,
            axis_size,
        } => {
            let v = with_batch_axis(&x[0], b0, size, 0)?;
            let inner = AllGather {
                axis_name: axis_name.clone(),
                axis: axis + 1,
                tiled: *tiled,
                axis_size: *axis_size,
            };
            one(bind1(&inner, &[v])?, 0)
        }
        While(p) => crate::control::while_batched(p, x, d, size),
        Scan(p) => crate::control::scan_batched(p, x, d, size),
        Iota { .. } | Jit(_) | AxisIndex { .. } | Cond { .. } => Err(Error::new(
            ErrorKind::Param,
            prim.name(),
            "has no batched operands to map over",
        )),
    }
}

fn bind1(prim: &Primitive, args: &[Value]) -> Result<Value> {
    rjax_ir::bind1(prim, args)
}

/// Elementwise primitives: batched operands share one batch axis position;
/// unbatched ones broadcast (rank-0 ones stay scalars, except the cases of
/// a select, which must all have the result's shape).
fn elementwise(prim: &Primitive, x: &[Value], d: &[Option<usize>], size: usize) -> Result<Batched> {
    let rank_of = |i: usize| x[i].aval().rank() - usize::from(d[i].is_some());
    let stays_scalar = |i: usize| rank_of(i) == 0 && (i == 0 || *prim != Primitive::Select);
    let out_rank = (0..x.len()).map(rank_of).max().unwrap_or(0);
    let target = (0..x.len())
        .find(|&i| d[i].is_some() && rank_of(i) == out_rank)
        .and_then(|i| d[i])
        .unwrap_or(0);
    let out_shape = {
        let i = (0..x.len()).find(|&i| rank_of(i) == out_rank).unwrap_or(0);
        let mut s = x[i].aval().shape;
        if let Some(b) = d[i] {
            s.remove(b);
        }
        s.insert(target, size);
        s
    };
    let args = (0..x.len())
        .map(|i| match d[i] {
            Some(b) if rank_of(i) == out_rank => crate::batch::moveaxis(&x[i], b, target),
            Some(_) => broadcast(&x[i], &out_shape, &[target]),
            None if stays_scalar(i) => Ok(x[i].clone()),
            None => with_batch_axis(&x[i], None, size, target),
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(rjax_ir::bind(prim, &args)?
        .into_iter()
        .map(|v| (v, Some(target)))
        .collect())
}

/// dot_general with batched operands, keeping batch axes in place: a
/// batched pair becomes a dot_general batch dimension; a one-sided batch
/// axis becomes a free dimension.
fn dot_general(
    dims: &DotDims,
    pref: Option<rjax_ir::DType>,
    x: &[Value],
    d: &[Option<usize>],
) -> Result<Batched> {
    let shift = |v: &[usize], b: Option<usize>| -> Vec<usize> {
        v.iter()
            .map(|&i| match b {
                Some(b) if i >= b => i + 1,
                _ => i,
            })
            .collect()
    };
    let mut nd = DotDims {
        lhs_contracting: shift(&dims.lhs_contracting, d[0]),
        rhs_contracting: shift(&dims.rhs_contracting, d[1]),
        lhs_batch: shift(&dims.lhs_batch, d[0]),
        rhs_batch: shift(&dims.rhs_batch, d[1]),
    };
    let prim = |nd: DotDims| Primitive::DotGeneral {
        dims: nd,
        preferred_element_type: pref,
    };
    match (d[0], d[1]) {
        (Some(bl), Some(br)) => {
            nd.lhs_batch.insert(0, bl);
            nd.rhs_batch.insert(0, br);
            Ok(vec![(bind1(&prim(nd), x)?, Some(0))])
        }
        (Some(bl), None) => {
            let free_before = (0..bl)
                .filter(|i| !nd.lhs_contracting.contains(i) && !nd.lhs_batch.contains(i))
                .count();
            let out = nd.lhs_batch.len() + free_before;
            Ok(vec![(bind1(&prim(nd), x)?, Some(out))])
        }
        (None, Some(br)) => {
            let lhs_rank = x[0].aval().rank();
            let lhs_free = lhs_rank - nd.lhs_contracting.len() - nd.lhs_batch.len();
            let free_before = (0..br)
                .filter(|i| !nd.rhs_contracting.contains(i) && !nd.rhs_batch.contains(i))
                .count();
            let out = nd.lhs_batch.len() + lhs_free + free_before;
            Ok(vec![(bind1(&prim(nd), x)?, Some(out))])
        }
        (None, None) => Ok(vec![(bind1(&prim(nd), x)?, None)]),
    }
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
fn unrolled(prim: &Primitive, x: &[Value], d: &[Option<usize>], size: usize) -> Result<Batched> {
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
fn custom_batched(
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

/// A collective over this very axis: communication across batch members.
fn collective(prim: &Primitive, x: &[Value], d: &[Option<usize>], size: usize) -> Result<Batched> {
    use Primitive::*;
    match prim {
        AllReduce { op, .. } => {
            let v = match (d[0], op) {
                (Some(b), op) => bind1(
                    &Reduce {
                        op: *op,
                        axes: vec![b],
                    },
                    &[x[0].clone()],
                )?,
                (None, rjax_ir::primitive::ReduceOp::Sum) => {
                    ops::mul(&x[0], &ops::scalar(size as f64, x[0].aval().dtype))?
                }
                (None, rjax_ir::primitive::ReduceOp::Prod) => {
                    let p = Primitive::Binary(rjax_ir::primitive::BinaryOp::Pow);
                    bind1(
                        &p,
                        &[x[0].clone(), ops::scalar(size as f64, x[0].aval().dtype)],
                    )?
                }
                (None, _) => x[0].clone(),
            };
            Ok(vec![(v, None)])
        }
        AllGather { axis, tiled, .. } => {
            let v = with_batch_axis(&x[0], d[0], size, *axis)?;
            let v = if *tiled {
                let mut shape = v.aval().shape;
                let merged = shape[*axis] * shape[axis + 1];
                shape.splice(*axis..axis + 2, [merged]);
                ops::reshape(&v, &shape)?
            } else {
                v
            };
            Ok(vec![(v, None)])
        }
        Ppermute { .. } | AllToAll { .. } | PsumScatter { .. } => {
            let v = with_batch_axis(&x[0], d[0], size, 0)?;
            Ok(vec![(
                crate::spmd::collective_of_stack(prim, &v, size)?,
                Some(0),
            )])
        }
        AxisIndex { .. } => {
            let iota = Iota {
                dtype: rjax_ir::DType::I32,
                shape: vec![size],
                dimension: 0,
            };
            Ok(vec![(bind1(&iota, &[])?, Some(0))])
        }
        _ => Err(Error::new(
            ErrorKind::Param,
            prim.name(),
            "is not a collective",
        )),
    }
}
