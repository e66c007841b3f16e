//! Transposition of linear Jaxprs: run a linear program backwards, turning
//! output cotangents into input cotangents. One rule per linear primitive.

mod collectives;
mod elementwise;
mod indexing;
mod products;
mod structural;

use crate::ops::{add, convert, zeros};
use rjax_ir::{AVal, Atom, Error, ErrorKind, Jaxpr, Primitive, Result, Value, bind, bind1};
use std::collections::HashMap;

/// An equation operand during transposition: a linear input (only its
/// abstract value is known) or a known value (residual or literal).
pub(super) enum Operand {
    Linear(AVal),
    Known(Value),
}

impl Operand {
    pub(super) fn aval(&self) -> AVal {
        match self {
            Operand::Linear(a) => a.clone(),
            Operand::Known(v) => v.aval(),
        }
    }
    pub(super) fn is_linear(&self) -> bool {
        matches!(self, Operand::Linear(_))
    }
    pub(super) fn known(&self, prim: &Primitive) -> Result<&Value> {
        match self {
            Operand::Known(v) => Ok(v),
            Operand::Linear(_) => Err(not_linear(prim)),
        }
    }
}

pub(super) fn not_linear(prim: &Primitive) -> Error {
    Error::new(
        ErrorKind::Param,
        prim.name(),
        "is not linear in the operands being transposed",
    )
}

/// Cotangents of the inputs of the linear `jaxpr` (constants: `residuals`)
/// given cotangents of its outputs. Inputs reached by no cotangent get
/// zeros.
pub fn transpose(jaxpr: &Jaxpr, residuals: &[Value], cotangents: &[Value]) -> Result<Vec<Value>> {
    let mut known: HashMap<u32, Value> = jaxpr
        .constvars
        .iter()
        .map(|v| v.id)
        .zip(residuals.iter().cloned())
        .collect();
    // Equations on known values only (a recomputation of primal values, as
    // in the tangent programs of control flow) run forward first.
    for eqn in &jaxpr.eqns {
        let inputs: Option<Vec<Value>> = eqn
            .inputs
            .iter()
            .map(|a| match a {
                Atom::Lit(l) => Some(Value::Literal(*l)),
                Atom::Var(v) => known.get(&v.id).cloned(),
            })
            .collect();
        if let Some(inputs) = inputs {
            for (v, x) in eqn.outputs.iter().zip(bind(&eqn.prim, &inputs)?) {
                known.insert(v.id, x);
            }
        }
    }
    let mut ct: HashMap<u32, Value> = HashMap::new();
    let accumulate = |ct: &mut HashMap<u32, Value>, id: u32, v: Value| -> Result<()> {
        let total = match ct.remove(&id) {
            Some(prev) => add(&prev, &v)?,
            None => v,
        };
        ct.insert(id, total);
        Ok(())
    };
    for (atom, c) in jaxpr.outvars.iter().zip(cotangents) {
        if let Atom::Var(v) = atom {
            if !known.contains_key(&v.id) {
                accumulate(&mut ct, v.id, c.clone())?;
            }
        }
    }
    for eqn in jaxpr
        .eqns
        .iter()
        .rev()
        .filter(|e| !e.outputs.iter().all(|v| known.contains_key(&v.id)))
    {
        let out_cts: Vec<Option<Value>> = eqn.outputs.iter().map(|v| ct.remove(&v.id)).collect();
        if out_cts.iter().all(Option::is_none) {
            continue;
        }
        let out_cts = eqn
            .outputs
            .iter()
            .zip(out_cts)
            .map(|(v, c)| c.map_or_else(|| zeros(&v.aval), Ok))
            .collect::<Result<Vec<Value>>>()?;
        let operands: Vec<Operand> = eqn
            .inputs
            .iter()
            .map(|a| match a {
                Atom::Lit(l) => Operand::Known(Value::Literal(*l)),
                Atom::Var(v) => match known.get(&v.id) {
                    Some(x) => Operand::Known(x.clone()),
                    None => Operand::Linear(v.aval.clone()),
                },
            })
            .collect();
        let in_cts = transpose_rule(&eqn.prim, &operands, &out_cts)?;
        for ((atom, operand), c) in eqn.inputs.iter().zip(&operands).zip(in_cts) {
            if let (Atom::Var(v), Operand::Linear(_), Some(c)) = (atom, operand, c) {
                accumulate(&mut ct, v.id, c)?;
            }
        }
    }
    jaxpr
        .invars
        .iter()
        .map(|v| match ct.remove(&v.id) {
            Some(c) => Ok(c),
            None => zeros(&v.aval),
        })
        .collect()
}

/// Cotangents of a primitive's operands (`None` for known ones) given
/// its outputs' cotangents: one arm per primitive, so that a new primitive
/// makes the compiler ask for its transpose rule.
fn transpose_rule(prim: &Primitive, x: &[Operand], cts: &[Value]) -> Result<Vec<Option<Value>>> {
    use Primitive::*;
    let ct = &cts[0];
    let only = |i: usize, v: Value| -> Vec<Option<Value>> {
        (0..x.len()).map(|j| (j == i).then(|| v.clone())).collect()
    };
    // Rules over nested programs see the known operands' values.
    let known = || -> Vec<Option<Value>> {
        x.iter()
            .map(|o| match o {
                Operand::Known(v) => Some(v.clone()),
                Operand::Linear(_) => None,
            })
            .collect()
    };
    Ok(match prim {
        Scan(p) => crate::control::scan_transpose(p, &known(), cts)?,
        Cond { branches } => crate::control::cond_transpose(branches, &known(), cts)?,
        Pmap(p) => crate::spmd::pmap_transpose(p, &known(), cts)?,
        Custom(c) => c.0.transpose(&known(), cts)?,
        Sort {
            dimension,
            num_keys,
            ..
        } => structural::sort(*dimension, *num_keys, x, cts)?,
        Unary(op) => vec![Some(elementwise::unary(*op, prim, ct)?)],
        ReducePrecision { .. } | Rev { .. } => vec![Some(bind1(prim, cts)?)],
        AllReduce { op, .. } => vec![Some(collectives::all_reduce(*op, prim, ct)?)],
        Binary(op) => elementwise::binary(*op, prim, x, ct)?,
        ConvertElementType { .. } => vec![Some(convert(ct, x[0].aval().dtype)?)],
        Reshape { .. } | Squeeze { .. } | ExpandDims { .. } => {
            vec![Some(crate::ops::reshape(ct, &x[0].aval().shape)?)]
        }
        Transpose { permutation } => vec![Some(structural::permutation(permutation, ct)?)],
        Fft {
            fft_type,
            fft_lengths,
        } => vec![Some(crate::fft::transpose(*fft_type, fft_lengths, ct)?)],
        BroadcastInDim {
            shape,
            broadcast_dimensions,
        } => vec![Some(structural::broadcast_in_dim(
            shape,
            broadcast_dimensions,
            &x[0].aval(),
            ct,
        )?)],
        Reduce { op, axes } => vec![Some(structural::reduce(*op, axes, prim, &x[0].aval(), ct)?)],
        Select => elementwise::select(prim, x, ct)?,
        Slice { start, strides, .. } => {
            vec![Some(structural::slice(start, strides, &x[0].aval(), ct)?)]
        }
        Pad {
            low,
            high,
            interior,
        } => structural::pad(low, high, interior, x, ct)?,
        Concatenate { dimension } => structural::concatenate(*dimension, x, ct)?,
        DynamicSlice { .. } => only(0, structural::dynamic_slice(prim, x, ct)?),
        DynamicUpdateSlice => structural::dynamic_update_slice(prim, x, ct)?,
        DotGeneral {
            dims,
            preferred_element_type,
        } => products::dot_general(prim, dims, *preferred_element_type, x, ct)?,
        Conv(p) => products::conv(p, prim, x, ct)?,
        TriangularSolve(p) => products::triangular_solve(*p, prim, x, ct)?,
        Gather { dims, slice_sizes } => indexing::gather(dims, slice_sizes, prim, x, ct)?,
        Scatter { dims, op } => indexing::scatter(dims, *op, prim, x, ct)?,
        Ppermute { axis_name, perm } => vec![Some(collectives::ppermute(axis_name, perm, ct)?)],
        AllToAll {
            axis_name,
            split_axis,
            concat_axis,
            axis_size,
        } => vec![Some(collectives::all_to_all(
            axis_name,
            (*split_axis, *concat_axis),
            *axis_size,
            ct,
        )?)],
        PsumScatter {
            axis_name,
            scatter_dimension,
            axis_size,
        } => vec![Some(collectives::psum_scatter(
            axis_name,
            *scatter_dimension,
            *axis_size,
            ct,
        )?)],
        AllGather {
            axis_name,
            axis,
            axis_size,
            ..
        } => vec![Some(collectives::all_gather(
            axis_name,
            *axis,
            *axis_size,
            &x[0].aval(),
            ct,
        )?)],
        While(_) => {
            return Err(Error::new(
                ErrorKind::Param,
                "while",
                "reverse-mode differentiation does not work through while_loop (its trip count is not known in advance); use scan, or fori_loop with static bounds",
            ));
        }
        Compare(_)
        | BitcastConvertType { .. }
        | Threefry2x32
        | ArgReduce { .. }
        | Iota { .. }
        | StopGradient
        | Cholesky
        | RngBitGenerator { .. }
        | AxisIndex { .. }
        | Jit(_) => return Err(not_linear(prim)),
    })
}
