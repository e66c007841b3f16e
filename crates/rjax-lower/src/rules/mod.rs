//! One lowering rule per primitive (an exhaustive match); the families'
//! rules live in their own modules.

mod elementwise;
mod linalg;
mod random;
mod reduction;
mod structural;

use crate::collectives;
use crate::control;
use crate::emitter::Emitter;
use crate::types::tensor_type;
use rjax_ir::{AVal, Primitive, Result};

pub(crate) use elementwise::comparison_type;
pub(crate) use reduction::reduce_body;

/// An equation being lowered: its operands' names and types, its results'
/// types, and what most rules spell from them.
pub(super) struct Site<'a> {
    operands: &'a [String],
    ins: &'a [AVal],
    out: &'a AVal,
    /// The first operand's name.
    x: String,
    /// The first result's type.
    t_out: String,
}

impl Site<'_> {
    /// `(operand types) -> result type`.
    fn sig(&self) -> String {
        signature(self.ins, self.out)
    }
}

/// Emit `prim` applied to `operands` and return the names of its results.
pub(crate) fn lower_eqn(
    e: &mut Emitter,
    prim: &Primitive,
    operands: &[String],
    ins: &[AVal],
    outs: &[AVal],
) -> Result<Vec<String>> {
    use Primitive::*;
    // A custom call with its own lowering (a host callback) may have no
    // results and still act.
    if let Custom(c) = prim
        && let Some(call) = c.0.lowering()
    {
        return Ok(crate::custom_call::custom_call(
            e, &call, operands, ins, outs,
        ));
    }
    // Every other primitive is pure: one without results (a `cond` or loop
    // whose outputs are all unused) computes nothing.
    let Some(out) = outs.first() else {
        return Ok(Vec::new());
    };
    let s = &Site {
        operands,
        ins,
        out,
        x: operands.first().cloned().unwrap_or_default(),
        t_out: tensor_type(out),
    };
    let (x, t_out) = (&s.x, &s.t_out);
    let name = match prim {
        Unary(op) => elementwise::unary(e, s, *op),
        Binary(op) => elementwise::binary(e, s, *op),
        Compare(cmp) => elementwise::compare(e, s, *cmp),
        Select => elementwise::select(e, s),
        ConvertElementType { .. } => elementwise::convert(e, s),
        BitcastConvertType { .. } => e.op(format!("stablehlo.bitcast_convert {x} : {}", s.sig())),
        RngBitGenerator { algorithm, .. } => {
            return Ok(random::rng_bit_generator(e, x, &outs[1], *algorithm));
        }
        Threefry2x32 => return Ok(random::threefry(e, s)),
        BroadcastInDim {
            broadcast_dimensions,
            ..
        } => e.op(format!(
            "stablehlo.broadcast_in_dim {x}, dims = {} : {}",
            list(broadcast_dimensions),
            s.sig()
        )),
        Reshape { .. } | Squeeze { .. } | ExpandDims { .. } => {
            e.op(format!("stablehlo.reshape {x} : {}", s.sig()))
        }
        Transpose { permutation } => e.op(format!(
            "stablehlo.transpose {x}, dims = {} : {}",
            list(permutation),
            s.sig()
        )),
        Reduce { op, axes } => reduction::reduce(e, s, *op, axes),
        ArgReduce {
            op,
            axis,
            index_dtype,
        } => reduction::arg_reduce(e, x, &ins[0], *op, *axis, *index_dtype, out),
        DotGeneral { dims, .. } => linalg::dot_general(e, s, dims),
        Slice {
            start,
            limit,
            strides,
        } => structural::slice(e, s, start, limit, strides),
        DynamicSlice { slice_sizes } => e.op(format!(
            "stablehlo.dynamic_slice {}, sizes = {} : {}",
            operands.join(", "),
            list(slice_sizes),
            s.sig()
        )),
        DynamicUpdateSlice => e.op(format!(
            "stablehlo.dynamic_update_slice {} : {}",
            operands.join(", "),
            s.sig()
        )),
        Concatenate { dimension } => e.op(format!(
            "stablehlo.concatenate {}, dim = {dimension} : {}",
            operands.join(", "),
            s.sig()
        )),
        Pad {
            low,
            high,
            interior,
        } => structural::pad(e, s, low, high, interior),
        Conv(p) => linalg::conv(e, s, p),
        Cholesky => e.op(format!(
            "\"stablehlo.cholesky\"({x}) {{lower = true}} : {}",
            s.sig()
        )),
        TriangularSolve(p) => linalg::triangular_solve(e, s, p),
        Gather { dims, slice_sizes } => {
            crate::gather::gather(e, operands, ins, out, dims, slice_sizes)
        }
        Scatter { dims, op } => crate::gather::scatter(e, operands, ins, dims, *op),
        Fft {
            fft_type,
            fft_lengths,
        } => e.op(format!(
            "stablehlo.fft {x}, type = {}, length = {} : {}",
            fft_type.name(),
            list(fft_lengths),
            s.sig()
        )),
        Rev { dimensions } => e.op(format!(
            "stablehlo.reverse {x}, dims = {} : {t_out}",
            list(dimensions)
        )),
        Sort {
            dimension,
            is_stable,
            num_keys,
        } => {
            return Ok(crate::sort::sort(
                e, operands, ins, *dimension, *is_stable, *num_keys,
            ));
        }
        Iota { dimension, .. } => e.op(format!("stablehlo.iota dim = {dimension} : {t_out}")),
        StopGradient => x.clone(),
        ReducePrecision {
            exponent_bits,
            mantissa_bits,
        } => e.op(format!(
            "stablehlo.reduce_precision {x}, format = e{exponent_bits}m{mantissa_bits} : {t_out}"
        )),
        AllReduce { op, axis_name } => {
            collectives::all_reduce(e, x, &ins[0], *op, axis_name, prim.name())?
        }
        AllGather {
            axis_name,
            axis,
            tiled,
            ..
        } => collectives::all_gather(e, x, &ins[0], *axis, *tiled, axis_name, out)?,
        AxisIndex { axis_name } => collectives::axis_index(e, axis_name)?,
        Ppermute { axis_name, perm } => {
            collectives::collective_permute(e, x, &ins[0], axis_name, perm)?
        }
        AllToAll {
            axis_name,
            split_axis,
            concat_axis,
            ..
        } => collectives::all_to_all(e, x, (&ins[0], out), axis_name, (*split_axis, *concat_axis))?,
        PsumScatter {
            axis_name,
            scatter_dimension,
            ..
        } => collectives::reduce_scatter(e, x, (&ins[0], out), axis_name, *scatter_dimension)?,
        // A call in a partitioned program, outside any other, is a manual
        // region; nested in one, or in a replicated program, it runs on
        // the replicas of its axis.
        Pmap(p) if e.axes.is_empty() => return crate::manual::region(e, p, operands, (ins, outs)),
        Pmap(p) => {
            return collectives::pmap(e, &p.body.0, &p.axis_name, &p.mapped, operands, (ins, outs));
        }
        Jit(call) => return e.jaxpr(&call.jaxpr, operands.to_vec()),
        Cond { branches } => {
            let js: Vec<&rjax_ir::Jaxpr> = branches.iter().map(|b| &*b.0).collect();
            return control::cond(e, operands, &js, outs);
        }
        Scan(p) => return control::scan(e, operands, ins, p, outs),
        While(p) => return control::while_loop(e, operands, ins, p),
        Custom(c) => match c.0.jaxpr() {
            Some(j) => return e.jaxpr(j, operands.to_vec()),
            None => return Err(c.0.unsupported("lowering")),
        },
    };
    Ok(vec![name])
}

/// `(tensor<..>, tensor<..>) -> tensor<..>`
fn signature(ins: &[AVal], out: &AVal) -> String {
    let ts: Vec<String> = ins.iter().map(tensor_type).collect();
    format!("({}) -> {}", ts.join(", "), tensor_type(out))
}

pub(crate) fn list<T: ToString>(v: &[T]) -> String {
    format!(
        "[{}]",
        v.iter().map(T::to_string).collect::<Vec<_>>().join(", ")
    )
}
