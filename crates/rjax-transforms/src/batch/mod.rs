//! Vectorization: the batching interpreter and its rules.
//!
//! A batch tracer carries a value with one extra axis, `bdim` (or `None`
//! when the value is the same for every member of the batch). Rules keep
//! batch axes where they are when the primitive allows it and move them
//! only where it must.

mod collectives;
mod dot;
mod elementwise;
mod members;
mod structural;

use crate::ops::broadcast;
use rjax_ir::{
    AVal, Error, ErrorKind, Interpreter, JitCall, MainId, Primitive, Result, Tracer, Value, bind,
    eval_jaxpr, new_main,
};
use std::sync::Arc;

/// Outputs with their batch axes (`None`: the same for every member).
type Batched = Vec<(Value, Option<usize>)>;

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
        let outs = self.rule(prim, args)?;
        Ok(outs.into_iter().map(|(v, d)| self.tracer(v, d)).collect())
    }

    fn mapped_axis(&self) -> Option<(&str, usize)> {
        self.name.as_deref().map(|n| (n, self.size))
    }
}

impl BatchInterpreter {
    /// Whether `axis_name` names this very batch axis.
    fn is_here(&self, axis_name: &str) -> bool {
        self.name.as_deref() == Some(axis_name)
    }

    /// Outputs with batch axes of one primitive: one arm per primitive, so
    /// that a new primitive makes the compiler ask for its batching rule.
    /// Calls, conds and collectives over this axis run whatever the
    /// operands; the others bind directly when no operand is batched.
    fn rule(&self, prim: &Primitive, args: &[Value]) -> Result<Batched> {
        use Primitive::*;
        let (x, d): (Vec<Value>, Vec<Option<usize>>) = args.iter().map(|a| self.split(a)).unzip();
        let (x, d, size) = (&x[..], &d[..], self.size);
        let always = matches!(prim, Jit(_) | Cond { .. })
            || prim.axis_name().is_some_and(|n| self.is_here(n));
        if !always && d.iter().all(Option::is_none) {
            return Ok(bind(prim, x)?.into_iter().map(|v| (v, None)).collect());
        }
        let split_all = |outs: Vec<Value>| outs.iter().map(|o| self.split(o)).collect();
        let one = |v: Value, b: usize| -> Result<Batched> { Ok(vec![(v, Some(b))]) };
        let b0 = d.first().copied().flatten();
        match prim {
            Jit(call) => Ok(split_all(self.jit_batched(call, args)?)),
            Cond { branches } => Ok(split_all(crate::control::cond_batched(branches, args)?)),
            AllReduce { op, axis_name } if self.is_here(axis_name) => {
                collectives::all_reduce_here(*op, x, d, size)
            }
            AllGather {
                axis,
                tiled,
                axis_name,
                ..
            } if self.is_here(axis_name) => collectives::all_gather_here(*axis, *tiled, x, d, size),
            AxisIndex { axis_name } if self.is_here(axis_name) => {
                collectives::axis_index_here(size)
            }
            Ppermute { axis_name, perm } if self.is_here(axis_name) => {
                collectives::ppermute_here(perm, x, d, size)
            }
            AllToAll {
                axis_name,
                split_axis,
                concat_axis,
                ..
            } if self.is_here(axis_name) => {
                collectives::all_to_all_here((*split_axis, *concat_axis), x, d, size)
            }
            PsumScatter {
                axis_name,
                scatter_dimension,
                ..
            } if self.is_here(axis_name) => {
                collectives::psum_scatter_here(*scatter_dimension, x, d, size)
            }
            Unary(_)
            | ConvertElementType { .. }
            | BitcastConvertType { .. }
            | StopGradient
            | ReducePrecision { .. } => one(bind1(prim, &x[..1])?, b0.unwrap_or(0)),
            Binary(_) | Compare(_) | Select | Threefry2x32 => {
                elementwise::elementwise(prim, x, d, size)
            }
            BroadcastInDim {
                shape,
                broadcast_dimensions,
            } => one(
                structural::broadcast_in_dim(shape, broadcast_dimensions, x, d, size)?,
                0,
            ),
            Reshape { new_sizes } => one(structural::reshape(new_sizes, x, d, size)?, 0),
            ExpandDims { dimensions } => one(structural::expand_dims(dimensions, x, d, size)?, 0),
            Transpose { permutation } => structural::transpose(permutation, x, d),
            Squeeze { dimensions } => structural::squeeze(dimensions, x, d),
            Reduce { op, axes } => structural::reduce(*op, axes, x, d),
            ArgReduce {
                op,
                axis,
                index_dtype,
            } => structural::arg_reduce(*op, *axis, *index_dtype, x, d),
            Rev { dimensions } => structural::rev(dimensions, x, d),
            Sort {
                dimension,
                is_stable,
                num_keys,
            } => structural::sort((*dimension, *is_stable, *num_keys), x, d, size),
            Slice {
                start,
                limit,
                strides,
            } => structural::slice(start, limit, strides, x, d, size),
            Pad {
                low,
                high,
                interior,
            } if d[1].is_none() => structural::pad(low, high, interior, x, d),
            Concatenate { dimension } => one(structural::concatenate(*dimension, x, d, size)?, 0),
            DynamicSlice { slice_sizes } if d[1..].iter().all(Option::is_none) => {
                one(structural::dynamic_slice(slice_sizes, x, d, size)?, 0)
            }
            DynamicUpdateSlice if d[2..].iter().all(Option::is_none) => {
                one(structural::dynamic_update_slice(x, d, size)?, 0)
            }
            DotGeneral {
                dims,
                preferred_element_type,
            } => dot::dot_general(dims, *preferred_element_type, x, d),
            Conv(p) if p.batch_group_count == 1 => {
                let (v, b) = crate::conv::batched_conv(p, x, d, size)?;
                one(v, b)
            }
            // Batched indices or padding values: one application per batch
            // member, stacked.
            Pad { .. } | DynamicSlice { .. } | DynamicUpdateSlice | Conv(_) => {
                members::unrolled(prim, x, d, size)
            }
            RngBitGenerator { .. } => members::per_member(prim, &x[0], b0, size),
            // Leading axes are batch axes.
            Cholesky | TriangularSolve(_) | Fft { .. } => {
                one(crate::linalg::batched(prim, x, d, size)?, 0)
            }
            Gather { dims, slice_sizes } => one(
                crate::gather::batched_gather(dims, slice_sizes, x, d, size)?,
                0,
            ),
            Scatter { dims, op } => one(crate::gather::batched_scatter(dims, *op, x, d, size)?, 0),
            Custom(c) => match c.0.batched(size) {
                Some(batched) => members::custom(batched?, x, d, size),
                None => members::unrolled(prim, x, d, size),
            },
            // Collectives over an enclosing axis act on each member's value.
            AllReduce { .. } | Ppermute { .. } => one(bind1(prim, &x[..1])?, b0.unwrap_or(0)),
            AllToAll {
                axis_name,
                split_axis,
                concat_axis,
                axis_size,
            } => {
                let shifted = AllToAll {
                    axis_name: axis_name.clone(),
                    split_axis: split_axis + 1,
                    concat_axis: concat_axis + 1,
                    axis_size: *axis_size,
                };
                one(bind1(&shifted, &[with_batch_axis(&x[0], b0, size, 0)?])?, 0)
            }
            PsumScatter {
                axis_name,
                scatter_dimension,
                axis_size,
            } => {
                let shifted = PsumScatter {
                    axis_name: axis_name.clone(),
                    scatter_dimension: scatter_dimension + 1,
                    axis_size: *axis_size,
                };
                one(bind1(&shifted, &[with_batch_axis(&x[0], b0, size, 0)?])?, 0)
            }
            AllGather {
                axis_name,
                axis,
                tiled,
                axis_size,
            } => {
                let inner = AllGather {
                    axis_name: axis_name.clone(),
                    axis: axis + 1,
                    tiled: *tiled,
                    axis_size: *axis_size,
                };
                one(bind1(&inner, &[with_batch_axis(&x[0], b0, size, 0)?])?, 0)
            }
            Pmap(p) => crate::spmd::pmap_batched(p, x, d, size),
            While(p) => crate::control::while_batched(p, x, d, size),
            Scan(p) => crate::control::scan_batched(p, x, d, size),
            Iota { .. } | AxisIndex { .. } => Err(Error::new(
                ErrorKind::Param,
                prim.name(),
                "has no batched operands to map over",
            )),
        }
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

fn bind1(prim: &Primitive, args: &[Value]) -> Result<Value> {
    rjax_ir::bind1(prim, args)
}
