//! Abstract evaluation: the output abstract values of a primitive applied to
//! input abstract values, or a typed error explaining why it cannot apply.

mod checker;
mod collectives;
mod control;
mod elementwise;
mod linalg;
mod random;
mod reduction;
mod structural;

use crate::{AVal, Primitive, Result};
use checker::Checker;

/// Output abstract values of `prim` applied to `inputs`.
///
/// ```
/// use rjax_ir::{abstract_eval, AVal, DType, Primitive, primitive::BinaryOp};
/// let x = AVal::new(vec![3], DType::F32);
/// let out = abstract_eval(&Primitive::Binary(BinaryOp::Add), &[x.clone(), x.clone()]).unwrap();
/// assert_eq!(out, vec![x.clone()]);
/// let bad = abstract_eval(&Primitive::Binary(BinaryOp::Add), &[x, AVal::new(vec![4], DType::F32)]);
/// assert!(bad.unwrap_err().to_string().contains("add"));
/// ```
///
/// Every output is checked to be representable ([`AVal::check_size`]), so
/// no shape whose size overflows XLA's `int64` reaches it.
pub fn abstract_eval(prim: &Primitive, inputs: &[AVal]) -> Result<Vec<AVal>> {
    let outs = output_avals(prim, inputs)?;
    for out in &outs {
        out.check_size(prim.name())
            .map_err(|e| e.with_operands(inputs.to_vec()))?;
    }
    Ok(outs)
}

/// The shape rules proper: [`abstract_eval`] before the size check. One
/// arm per primitive; the families' rules live in their own modules.
fn output_avals(prim: &Primitive, inputs: &[AVal]) -> Result<Vec<AVal>> {
    let check = Checker { prim, inputs };
    use Primitive::*;
    Ok(match prim {
        Unary(op) => vec![elementwise::unary(&check, *op)?],
        Binary(op) => vec![elementwise::binary(&check, *op)?],
        Compare(cmp) => vec![elementwise::compare(&check, *cmp)?],
        Select => vec![elementwise::select(&check)?],
        StopGradient => vec![check.arity::<1>()?[0].clone()],
        ReducePrecision { exponent_bits, .. } => {
            vec![elementwise::reduce_precision(&check, *exponent_bits)?]
        }
        AllReduce { op, .. } => vec![collectives::all_reduce(&check, *op)?],
        AllGather {
            axis,
            tiled,
            axis_size,
            ..
        } => vec![collectives::all_gather(&check, *axis, *tiled, *axis_size)?],
        AxisIndex { .. } => vec![collectives::axis_index(&check)?],
        Ppermute { perm, .. } => vec![collectives::ppermute(&check, perm)?],
        AllToAll {
            split_axis,
            concat_axis,
            axis_size,
            ..
        } => vec![collectives::all_to_all(
            &check,
            *split_axis,
            *concat_axis,
            *axis_size,
        )?],
        PsumScatter {
            scatter_dimension: d,
            axis_size,
            ..
        } => vec![collectives::psum_scatter(&check, *d, *axis_size)?],
        BitcastConvertType { new_dtype } => {
            vec![elementwise::bitcast_convert_type(&check, *new_dtype)?]
        }
        RngBitGenerator { shape, dtype, .. } => random::rng_bit_generator(&check, shape, *dtype)?,
        Threefry2x32 => random::threefry_2x32(&check)?,
        ConvertElementType {
            new_dtype,
            weak_type,
        } => vec![elementwise::convert_element_type(
            &check, *new_dtype, *weak_type,
        )?],
        BroadcastInDim {
            shape,
            broadcast_dimensions,
        } => vec![structural::broadcast_in_dim(
            &check,
            shape,
            broadcast_dimensions,
        )?],
        Reshape { new_sizes } => vec![structural::reshape(&check, new_sizes)?],
        Transpose { permutation } => vec![structural::transpose(&check, permutation)?],
        Squeeze { dimensions } => vec![structural::squeeze(&check, dimensions)?],
        ExpandDims { dimensions } => vec![structural::expand_dims(&check, dimensions)?],
        Reduce { op, axes } => vec![reduction::reduce(&check, *op, axes)?],
        ArgReduce {
            axis, index_dtype, ..
        } => vec![reduction::arg_reduce(&check, *axis, *index_dtype)?],
        DotGeneral {
            dims,
            preferred_element_type,
        } => vec![linalg::dot_general(&check, dims, *preferred_element_type)?],
        Slice {
            start,
            limit,
            strides,
        } => vec![structural::slice(&check, start, limit, strides)?],
        DynamicSlice { slice_sizes } => vec![structural::dynamic_slice(&check, slice_sizes)?],
        DynamicUpdateSlice => vec![structural::dynamic_update_slice(&check)?],
        Concatenate { dimension } => vec![structural::concatenate(&check, *dimension)?],
        Pad {
            low,
            high,
            interior,
        } => vec![structural::pad(&check, low, high, interior)?],
        Conv(params) => vec![linalg::conv(&check, params)?],
        Cholesky => vec![linalg::cholesky(&check)?],
        TriangularSolve(p) => vec![linalg::triangular_solve(&check, p.left_side)?],
        Gather { dims, slice_sizes } => vec![structural::gather(&check, dims, slice_sizes)?],
        Scatter { dims, op } => vec![structural::scatter(&check, dims, *op)?],
        Rev { dimensions } => vec![structural::rev(&check, dimensions)?],
        Fft {
            fft_type,
            fft_lengths,
        } => vec![linalg::fft(&check, *fft_type, fft_lengths)?],
        Sort {
            dimension,
            num_keys,
            ..
        } => reduction::sort(&check, *dimension, *num_keys)?,
        Iota {
            dtype,
            shape,
            dimension,
        } => vec![structural::iota(&check, *dtype, shape, *dimension)?],
        Custom(c) => control::custom(&check, c)?,
        Cond { branches } => control::cond(&check, branches)?,
        While(p) => control::while_loop(&check, p)?,
        Scan(p) => control::scan(&check, p)?,
        Pmap(p) => control::pmap(&check, p)?,
        Jit(call) => control::jit(&check, call)?,
    })
}
