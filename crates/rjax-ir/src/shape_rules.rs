//! Abstract evaluation: the output abstract values of a primitive applied to
//! input abstract values, or a typed error explaining why it cannot apply.

use crate::primitive::{BinaryOp, UnaryOp};
use crate::{AVal, DType, Error, ErrorKind, Primitive, Result};

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

/// The shape rules proper: [`abstract_eval`] before the size check.
fn output_avals(prim: &Primitive, inputs: &[AVal]) -> Result<Vec<AVal>> {
    let check = Checker { prim, inputs };
    use Primitive::*;
    let out = match prim {
        Unary(op) => {
            let [x] = check.arity::<1>()?;
            check.unary_dtype(*op, x.dtype)?;
            let dtype = if *op == UnaryOp::IsFinite {
                DType::Bool
            } else {
                x.dtype
            };
            AVal {
                shape: x.shape.clone(),
                dtype,
                weak: x.weak && dtype == x.dtype,
            }
        }
        Binary(op) => {
            let [x, y] = check.arity::<2>()?;
            check.binary_dtype(*op, x, y)?;
            check.elementwise_shape(&[x, y]).map(|shape| AVal {
                shape,
                dtype: x.dtype,
                weak: x.weak && y.weak,
            })?
        }
        Compare(_) => {
            let [x, y] = check.arity::<2>()?;
            check.same_dtype(&[x, y])?;
            AVal::new(check.elementwise_shape(&[x, y])?, DType::Bool)
        }
        Select => {
            let [p, f, t] = check.arity::<3>()?;
            if p.dtype != DType::Bool {
                return Err(check.err(ErrorKind::DType, "the predicate must be bool"));
            }
            check.same_dtype(&[f, t])?;
            if f.shape != t.shape || (p.rank() != 0 && p.shape != f.shape) {
                return Err(check.err(
                    ErrorKind::Shape,
                    "select_n needs cases of one shape and a scalar or equal-shaped predicate",
                ));
            }
            AVal {
                shape: f.shape.clone(),
                dtype: f.dtype,
                weak: f.weak && t.weak,
            }
        }
        StopGradient => check.arity::<1>()?[0].clone(),
        ReducePrecision { exponent_bits, .. } => {
            let [x] = check.arity::<1>()?;
            if !x.dtype.is_float() {
                return Err(check.err(
                    ErrorKind::DType,
                    format!("not defined for {}", x.dtype.name()),
                ));
            }
            if *exponent_bits < 1 {
                return Err(check.err(ErrorKind::Param, "exponent_bits must be positive"));
            }
            x.clone()
        }
        AllReduce { op, .. } => {
            if op.is_logical() {
                return Err(check.err(
                    ErrorKind::Param,
                    "no collective reduces with this operation",
                ));
            }
            check.arity::<1>()?[0].clone()
        }
        AllGather {
            axis,
            tiled,
            axis_size,
            ..
        } => {
            let [x] = check.arity::<1>()?;
            let mut shape = x.shape.clone();
            let fits = if *tiled {
                *axis < shape.len()
            } else {
                *axis <= shape.len()
            };
            if !fits {
                return Err(check.err(
                    ErrorKind::Axis,
                    format!("axis {axis} is out of bounds for {x}"),
                ));
            }
            if *tiled {
                shape[*axis] = check.mul(shape[*axis], *axis_size)?;
            } else {
                shape.insert(*axis, *axis_size);
            }
            x.with_shape(shape)
        }
        AxisIndex { .. } => {
            check.arity::<0>()?;
            AVal::scalar(DType::I32)
        }
        Ppermute { perm, .. } => {
            let [x] = check.arity::<1>()?;
            let mut sources: Vec<usize> = perm.iter().map(|p| p.0).collect();
            let mut dests: Vec<usize> = perm.iter().map(|p| p.1).collect();
            sources.sort_unstable();
            dests.sort_unstable();
            if sources.windows(2).any(|w| w[0] == w[1]) || dests.windows(2).any(|w| w[0] == w[1]) {
                return Err(check.err(
                    ErrorKind::Param,
                    format!("perm {perm:?} sends from or to a member twice"),
                ));
            }
            x.clone()
        }
        AllToAll {
            split_axis,
            concat_axis,
            axis_size,
            ..
        } => {
            let [x] = check.arity::<1>()?;
            check.axis_size(*axis_size)?;
            let rank = x.rank();
            if *split_axis >= rank || *concat_axis >= rank {
                return Err(check.err(
                    ErrorKind::Axis,
                    format!("split_axis {split_axis} or concat_axis {concat_axis} is out of bounds for {x}"),
                ));
            }
            if x.shape[*split_axis] % axis_size != 0 {
                return Err(check.err(
                    ErrorKind::Shape,
                    format!(
                        "axis {split_axis} of {x} does not split into {axis_size} equal chunks"
                    ),
                ));
            }
            let mut shape = x.shape.clone();
            shape[*split_axis] /= axis_size;
            shape[*concat_axis] = check.mul(shape[*concat_axis], *axis_size)?;
            x.with_shape(shape)
        }
        PsumScatter {
            scatter_dimension: d,
            axis_size,
            ..
        } => {
            let [x] = check.arity::<1>()?;
            check.axis_size(*axis_size)?;
            if *d >= x.rank() || x.shape[*d] % axis_size != 0 {
                return Err(check.err(
                    ErrorKind::Shape,
                    format!("axis {d} of {x} does not split into {axis_size} equal chunks"),
                ));
            }
            let mut shape = x.shape.clone();
            shape[*d] /= axis_size;
            x.with_shape(shape)
        }
        BitcastConvertType { new_dtype } => {
            let [x] = check.arity::<1>()?;
            if x.dtype.size_bytes() != new_dtype.size_bytes() {
                return Err(check.err(
                    ErrorKind::DType,
                    format!(
                        "cannot reinterpret {} as {} (different widths)",
                        x.dtype.name(),
                        new_dtype.name()
                    ),
                ));
            }
            x.with_dtype(*new_dtype)
        }
        RngBitGenerator { shape, dtype, .. } => {
            let [key] = check.arity::<1>()?;
            if key.shape != [4] || key.dtype != DType::U32 || !dtype.is_unsigned_int() {
                return Err(check.err(
                    ErrorKind::DType,
                    format!(
                        "takes a uint32[4] key and makes unsigned bits, not {}",
                        dtype.name()
                    ),
                ));
            }
            return Ok(vec![key.clone(), AVal::new(shape.clone(), *dtype)]);
        }
        Threefry2x32 => {
            let [k1, k2, x1, x2] = check.arity::<4>()?;
            if [k1, k2, x1, x2].iter().any(|a| a.dtype != DType::U32) {
                return Err(check.err(ErrorKind::DType, "takes uint32 operands"));
            }
            let shape = check.elementwise_shape(&[k1, k2, x1, x2])?;
            let out = AVal::new(shape, DType::U32);
            return Ok(vec![out.clone(), out]);
        }
        ConvertElementType {
            new_dtype,
            weak_type,
        } => {
            let [x] = check.arity::<1>()?;
            AVal {
                shape: x.shape.clone(),
                dtype: *new_dtype,
                weak: *weak_type,
            }
        }
        BroadcastInDim {
            shape,
            broadcast_dimensions,
        } => {
            let [x] = check.arity::<1>()?;
            if broadcast_dimensions.len() != x.rank() {
                return Err(check.err(ErrorKind::Param, format!("broadcast_dimensions {broadcast_dimensions:?} must name one output axis per operand axis")));
            }
            for (i, &d) in broadcast_dimensions.iter().enumerate() {
                if d >= shape.len()
                    || (x.shape[i] != 1 && x.shape[i] != shape[d])
                    || (i > 0 && broadcast_dimensions[i - 1] >= d)
                {
                    return Err(check.err(ErrorKind::Shape, format!("cannot broadcast {x} to shape {shape:?} with broadcast_dimensions {broadcast_dimensions:?}")));
                }
            }
            x.with_shape(shape.clone())
        }
        Reshape { new_sizes } => {
            let [x] = check.arity::<1>()?;
            // An unrepresentable target (its size overflows) never matches.
            if x.with_shape(new_sizes.clone()).checked_size() != Some(x.size()) {
                return Err(check.err(
                    ErrorKind::Shape,
                    format!(
                        "cannot reshape {x} ({} elements) to {new_sizes:?}",
                        x.size()
                    ),
                ));
            }
            x.with_shape(new_sizes.clone())
        }
        Transpose { permutation } => {
            let [x] = check.arity::<1>()?;
            check.permutation(permutation, x.rank())?;
            x.with_shape(permutation.iter().map(|&p| x.shape[p]).collect())
        }
        Squeeze { dimensions } => {
            let [x] = check.arity::<1>()?;
            check.axes(dimensions, x.rank())?;
            if let Some(&d) = dimensions.iter().find(|&&d| x.shape[d] != 1) {
                return Err(check.err(
                    ErrorKind::Shape,
                    format!("cannot squeeze axis {d} of size {}", x.shape[d]),
                ));
            }
            x.with_shape(
                x.shape
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !dimensions.contains(i))
                    .map(|(_, &s)| s)
                    .collect(),
            )
        }
        ExpandDims { dimensions } => {
            let [x] = check.arity::<1>()?;
            let rank = x.rank() + dimensions.len();
            check.axes(dimensions, rank)?;
            let mut rest = x.shape.iter();
            x.with_shape(
                (0..rank)
                    .map(|i| {
                        if dimensions.contains(&i) {
                            1
                        } else {
                            *rest.next().unwrap_or(&1)
                        }
                    })
                    .collect(),
            )
        }
        Reduce { op, axes } => {
            let [x] = check.arity::<1>()?;
            check.axes(axes, x.rank())?;
            if op.is_logical() && !(x.dtype.is_bool() || x.dtype.is_int()) {
                return Err(check.err(
                    ErrorKind::DType,
                    format!("needs bool or integers, not {}", x.dtype.name()),
                ));
            }
            x.with_shape(
                x.shape
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !axes.contains(i))
                    .map(|(_, &s)| s)
                    .collect(),
            )
        }
        ArgReduce {
            axis, index_dtype, ..
        } => {
            let [x] = check.arity::<1>()?;
            check.axes(&[*axis], x.rank())?;
            if x.shape[*axis] == 0 {
                return Err(check.err(
                    ErrorKind::Shape,
                    "cannot take the arg-extreme of an empty axis",
                ));
            }
            if !index_dtype.is_int() {
                return Err(check.err(ErrorKind::DType, "index_dtype must be an integer type"));
            }
            AVal::new(
                x.shape
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| i != axis)
                    .map(|(_, &s)| s)
                    .collect(),
                *index_dtype,
            )
        }
        DotGeneral {
            dims,
            preferred_element_type,
        } => {
            let [l, r] = check.arity::<2>()?;
            check.same_dtype(&[l, r])?;
            check.dot_general(dims, l, r, preferred_element_type.unwrap_or(l.dtype))?
        }
        Slice {
            start,
            limit,
            strides,
        } => {
            let [x] = check.arity::<1>()?;
            let ok = start.len() == x.rank()
                && limit.len() == x.rank()
                && strides.len() == x.rank()
                && (0..x.rank())
                    .all(|i| start[i] <= limit[i] && limit[i] <= x.shape[i] && strides[i] > 0);
            if !ok {
                return Err(check.err(
                    ErrorKind::Param,
                    format!("invalid slice start={start:?} limit={limit:?} strides={strides:?}"),
                ));
            }
            x.with_shape(
                (0..x.rank())
                    .map(|i| (limit[i] - start[i]).div_ceil(strides[i]))
                    .collect(),
            )
        }
        DynamicSlice { slice_sizes } => {
            let x = check.at_least(1)?;
            check.start_indices(&inputs[1..], x.rank())?;
            if slice_sizes.len() != x.rank() || slice_sizes.iter().zip(&x.shape).any(|(s, d)| s > d)
            {
                return Err(check.err(
                    ErrorKind::Shape,
                    format!("slice_sizes {slice_sizes:?} do not fit in {x}"),
                ));
            }
            x.with_shape(slice_sizes.clone())
        }
        DynamicUpdateSlice => {
            let x = check.at_least(2)?;
            let update = &inputs[1];
            check.same_dtype(&[x, update])?;
            check.start_indices(&inputs[2..], x.rank())?;
            if update.rank() != x.rank() || update.shape.iter().zip(&x.shape).any(|(u, d)| u > d) {
                return Err(check.err(
                    ErrorKind::Shape,
                    format!("update {update} does not fit in {x}"),
                ));
            }
            x.clone()
        }
        Concatenate { dimension } => {
            let first = check.at_least(1)?;
            check.axes(&[*dimension], first.rank())?;
            let all: Vec<&AVal> = inputs.iter().collect();
            check.same_dtype(&all)?;
            let mut shape = first.shape.clone();
            shape[*dimension] = 0;
            for x in inputs {
                let same_rest = x.rank() == first.rank()
                    && (0..x.rank()).all(|i| i == *dimension || x.shape[i] == first.shape[i]);
                if !same_rest {
                    return Err(check.err(
                        ErrorKind::Shape,
                        format!(
                            "cannot concatenate along axis {dimension}: shapes differ off that axis"
                        ),
                    ));
                }
                shape[*dimension] = shape[*dimension]
                    .checked_add(x.shape[*dimension])
                    .ok_or_else(|| check.too_large())?;
            }
            AVal {
                shape,
                dtype: first.dtype,
                weak: inputs.iter().all(|x| x.weak),
            }
        }
        Pad {
            low,
            high,
            interior,
        } => {
            let [x, v] = check.arity::<2>()?;
            check.same_dtype(&[x, v])?;
            if v.rank() != 0
                || low.len() != x.rank()
                || high.len() != x.rank()
                || interior.len() != x.rank()
            {
                return Err(check.err(
                    ErrorKind::Param,
                    "pad needs a scalar padding value and one (low, high, interior) per axis",
                ));
            }
            // In i128, saturating: a result beyond usize fails the output's
            // size check.
            let shape: Option<Vec<usize>> = (0..x.rank())
                .map(|i| {
                    let n = x.shape[i] as i128;
                    let grown = (n - 1)
                        .max(0)
                        .saturating_mul(interior[i] as i128)
                        .saturating_add(n)
                        .saturating_add(low[i] as i128 + high[i] as i128);
                    (grown >= 0).then(|| usize::try_from(grown).unwrap_or(usize::MAX))
                })
                .collect();
            x.with_shape(shape.ok_or_else(|| {
                check.err(
                    ErrorKind::Shape,
                    "negative padding removes more than the axis holds",
                )
            })?)
        }
        Conv(params) => {
            let [l, r] = check.arity::<2>()?;
            check.same_dtype(&[l, r])?;
            if !l.dtype.is_numeric() {
                return Err(check.err(
                    ErrorKind::DType,
                    format!("not defined for {}", l.dtype.name()),
                ));
            }
            params.output(l, r)?
        }
        Cholesky => {
            let [a] = check.arity::<1>()?;
            check.float(a)?;
            check.square_matrices(a)?;
            a.clone()
        }
        TriangularSolve(crate::TriangularSolveParams { left_side, .. }) => {
            let [a, b] = check.arity::<2>()?;
            check.same_dtype(&[a, b])?;
            check.float(a)?;
            let m = check.square_matrices(a)?;
            let r = a.rank();
            let solved = if *left_side { r - 2 } else { r - 1 };
            if b.rank() != r || b.shape[..r - 2] != a.shape[..r - 2] || b.shape[solved] != m {
                return Err(check.err(
                    ErrorKind::Shape,
                    format!(
                        "b must have a's batch axes and {m} along its {} axis",
                        if *left_side { "second-to-last" } else { "last" }
                    ),
                ));
            }
            b.clone()
        }
        Gather { dims, slice_sizes } => {
            let [x, i] = check.arity::<2>()?;
            dims.gathered(x, i, slice_sizes)?
        }
        Scatter { dims, op } => {
            let [x, i, u] = check.arity::<3>()?;
            dims.check_scatter(*op, x, i, u)?
        }
        Rev { dimensions } => {
            let [x] = check.arity::<1>()?;
            check.axes(dimensions, x.rank())?;
            x.clone()
        }
        Sort {
            dimension,
            num_keys,
            ..
        } => {
            let first = check.at_least(1)?;
            check.axes(&[*dimension], first.rank())?;
            if *num_keys == 0 || *num_keys > inputs.len() {
                return Err(check.err(
                    ErrorKind::Param,
                    format!("num_keys={num_keys} with {} operands", inputs.len()),
                ));
            }
            if inputs.iter().any(|x| x.shape != first.shape) {
                return Err(check.err(ErrorKind::Shape, "operands must have one shape"));
            }
            return Ok(inputs.to_vec());
        }
        Iota {
            dtype,
            shape,
            dimension,
        } => {
            check.arity::<0>()?;
            check.axes(&[*dimension], shape.len())?;
            AVal::new(shape.clone(), *dtype)
        }
        Custom(c) => {
            return c.0.out_avals(inputs).map_err(|e| Error {
                operands: inputs.to_vec(),
                ..e
            });
        }
        Cond { branches } => {
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
                        format!("branch 0 returns {want:?} but branch {i} returns {got:?}"),
                    ));
                }
            }
            return Ok(first.0.out_avals());
        }
        While(crate::WhileParams {
            cond,
            body,
            cond_consts,
            body_consts,
        }) => {
            let carry = &inputs[(cond_consts + body_consts).min(inputs.len())..];
            let cond_in: Vec<AVal> = inputs[..*cond_consts]
                .iter()
                .chain(carry)
                .cloned()
                .collect();
            let body_in: Vec<AVal> = inputs[*cond_consts..cond_consts + body_consts]
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
                    format!("the loop condition must return one bool scalar, it returns {pred:?}"),
                ));
            }
            let out = body.0.out_avals();
            if out.len() != carry.len() || !out.iter().zip(carry).all(|(a, b)| a.same_type(b)) {
                return Err(check.err(
                    ErrorKind::Tree,
                    format!("the loop body takes a carry of {carry:?} but returns {out:?}"),
                ));
            }
            return Ok(carry.to_vec());
        }
        Scan(crate::ScanParams {
            body,
            length,
            num_consts,
            num_carry,
            ..
        }) => {
            let split = (num_consts + num_carry).min(inputs.len());
            let mut body_in: Vec<AVal> = inputs[..split].to_vec();
            for x in &inputs[split..] {
                if x.shape.first() != Some(length) {
                    return Err(check.err(
                        ErrorKind::Shape,
                        format!("scanned operand {x} does not have leading axis {length}"),
                    ));
                }
                body_in.push(x.with_shape(x.shape[1..].to_vec()));
            }
            check.signature("scan body", &body.0, &body_in)?;
            let outs = body.0.out_avals();
            let carry = &inputs[*num_consts..split];
            if outs.len() < carry.len() || !outs.iter().zip(carry).all(|(a, b)| a.same_type(b)) {
                return Err(check.err(
                    ErrorKind::Tree,
                    format!("the scan body takes a carry of {carry:?} but returns {outs:?}"),
                ));
            }
            let ys = outs[carry.len()..]
                .iter()
                .map(|y| y.with_shape([&[*length][..], &y.shape].concat()));
            return Ok(carry.iter().cloned().chain(ys).collect());
        }
        Pmap(crate::PmapParams {
            body,
            axis_size,
            mapped,
            ..
        }) => {
            let shards: Option<Vec<AVal>> = (mapped.len() == inputs.len())
                .then(|| {
                    inputs
                        .iter()
                        .zip(mapped)
                        .map(|(a, &m)| match m {
                            false => Some(a.clone()),
                            true if a.shape.first() == Some(axis_size) => {
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
                        "operands do not split into {axis_size} members of the per-device signature {expected:?}"
                    ),
                ));
            }
            return Ok(body
                .0
                .outvars
                .iter()
                .map(|a| {
                    let a = a.aval();
                    a.with_shape([&[*axis_size][..], &a.shape].concat())
                })
                .collect());
        }
        Jit(call) => {
            let expected: Vec<AVal> = call.jaxpr.invars.iter().map(|v| v.aval.clone()).collect();
            let matches = expected.len() == inputs.len()
                && expected.iter().zip(inputs).all(|(e, a)| e.same_type(a));
            if !matches {
                return Err(check.err(
                    ErrorKind::Shape,
                    format!("arguments do not match the staged signature {expected:?}"),
                ));
            }
            return Ok(call.jaxpr.outvars.iter().map(|a| a.aval()).collect());
        }
    };
    Ok(vec![out])
}

/// Checks shared by the shape rules; every error names the primitive and
/// its operand abstract values.
struct Checker<'a> {
    prim: &'a Primitive,
    inputs: &'a [AVal],
}

impl<'a> Checker<'a> {
    fn err(&self, kind: ErrorKind, message: impl Into<String>) -> Error {
        Error::new(kind, self.prim.name(), message).with_operands(self.inputs.to_vec())
    }

    fn too_large(&self) -> Error {
        self.err(
            ErrorKind::Shape,
            "the result's dimensions overflow (at most int64 elements and bytes)",
        )
    }

    /// `a * b` for a dimension, or an error when it overflows.
    fn mul(&self, a: usize, b: usize) -> Result<usize> {
        a.checked_mul(b).ok_or_else(|| self.too_large())
    }

    /// A collective's axis size, which divides dimensions: not zero.
    fn axis_size(&self, n: usize) -> Result<()> {
        if n == 0 {
            return Err(self.err(ErrorKind::Param, "axis_size must be positive"));
        }
        Ok(())
    }

    fn arity<const N: usize>(&self) -> Result<&'a [AVal; N]> {
        self.inputs.try_into().map_err(|_| {
            self.err(
                ErrorKind::Param,
                format!("expects {N} operands, got {}", self.inputs.len()),
            )
        })
    }

    fn at_least(&self, n: usize) -> Result<&'a AVal> {
        if self.inputs.len() < n {
            return Err(self.err(
                ErrorKind::Param,
                format!("expects at least {n} operands, got {}", self.inputs.len()),
            ));
        }
        Ok(&self.inputs[0])
    }

    fn float(&self, x: &AVal) -> Result<()> {
        if x.dtype.is_float() {
            Ok(())
        } else {
            Err(self.err(
                ErrorKind::DType,
                format!("needs floats, got {}", x.dtype.name()),
            ))
        }
    }

    /// The size of the square matrices in the last two axes of `x`.
    fn square_matrices(&self, x: &AVal) -> Result<usize> {
        let r = x.rank();
        if r < 2 || x.shape[r - 1] != x.shape[r - 2] {
            return Err(self.err(
                ErrorKind::Shape,
                "needs square matrices in the last two axes",
            ));
        }
        Ok(x.shape[r - 1])
    }

    fn same_dtype(&self, xs: &[&AVal]) -> Result<()> {
        match xs.iter().find(|x| x.dtype != xs[0].dtype) {
            Some(x) => Err(self.err(
                ErrorKind::DType,
                format!(
                    "dtypes differ: {} and {}",
                    xs[0].dtype.name(),
                    x.dtype.name()
                ),
            )),
            None => Ok(()),
        }
    }

    fn unary_dtype(&self, op: UnaryOp, d: DType) -> Result<()> {
        use UnaryOp::*;
        let ok = match op {
            Neg | Abs | Sign => d.is_numeric(),
            Not => d.is_bool() || d.is_int(),
            PopulationCount | Clz => d.is_int(),
            Exp | Log | Log1p | Expm1 | Tanh | Logistic | Sin | Cos | Tan | Sqrt | Rsqrt
            | Floor | Ceil | Round | IsFinite | Erf | ErfInv | Cbrt | Sinh | Cosh | Asin | Acos
            | Atan | Asinh | Acosh | Atanh | Lgamma | Digamma | Erfc | BesselI0e | BesselI1e => {
                d.is_float()
            }
        };
        if ok {
            Ok(())
        } else {
            Err(self.err(ErrorKind::DType, format!("not defined for {}", d.name())))
        }
    }

    fn binary_dtype(&self, op: BinaryOp, x: &AVal, y: &AVal) -> Result<()> {
        use BinaryOp::*;
        self.same_dtype(&[x, y])?;
        let d = x.dtype;
        let ok = match op {
            And | Or | Xor => d.is_bool() || d.is_int(),
            ShiftLeft | ShiftRightLogical | ShiftRightArithmetic => d.is_int(),
            Pow | Atan2 | NextAfter | Polygamma | Zeta => d.is_float(),
            Max | Min => true,
            Add | Sub | Mul | Div | Rem => d.is_numeric(),
        };
        if ok {
            Ok(())
        } else {
            Err(self.err(ErrorKind::DType, format!("not defined for {}", d.name())))
        }
    }

    /// Equal shapes, or a rank-0 operand broadcasting against the others.
    fn elementwise_shape(&self, xs: &[&AVal]) -> Result<Vec<usize>> {
        let shaped: Vec<&&AVal> = xs.iter().filter(|x| x.rank() > 0).collect();
        match shaped.first() {
            None => Ok(Vec::new()),
            Some(first) if shaped.iter().all(|x| x.shape == first.shape) => Ok(first.shape.clone()),
            Some(_) => Err(self.err(
                ErrorKind::Shape,
                "incompatible shapes for an elementwise operation",
            )),
        }
    }

    /// The nested Jaxpr `name` accepts operands of these types.
    fn signature(&self, name: &str, j: &crate::Jaxpr, inputs: &[AVal]) -> Result<()> {
        let want = j.in_avals();
        if want.len() != inputs.len() || !want.iter().zip(inputs).all(|(a, b)| a.same_type(b)) {
            return Err(self.err(
                ErrorKind::Tree,
                format!("{name} takes {want:?} but is given {inputs:?}"),
            ));
        }
        Ok(())
    }

    fn axes(&self, axes: &[usize], rank: usize) -> Result<()> {
        for (i, &a) in axes.iter().enumerate() {
            if a >= rank {
                return Err(self.err(
                    ErrorKind::Axis,
                    format!("axis {a} is out of bounds for rank {rank}"),
                ));
            }
            if axes[..i].contains(&a) {
                return Err(self.err(ErrorKind::Axis, format!("axis {a} is repeated")));
            }
        }
        Ok(())
    }

    fn permutation(&self, perm: &[usize], rank: usize) -> Result<()> {
        if perm.len() != rank {
            return Err(self.err(
                ErrorKind::Param,
                format!("permutation {perm:?} does not have {rank} entries"),
            ));
        }
        self.axes(perm, rank)
    }

    fn start_indices(&self, idx: &[AVal], rank: usize) -> Result<()> {
        if idx.len() != rank || idx.iter().any(|i| i.rank() != 0 || !i.dtype.is_int()) {
            return Err(self.err(
                ErrorKind::Param,
                format!("expects {rank} scalar integer start indices"),
            ));
        }
        Ok(())
    }

    fn dot_general(&self, dims: &crate::DotDims, l: &AVal, r: &AVal, out: DType) -> Result<AVal> {
        let lhs_axes: Vec<usize> = dims
            .lhs_contracting
            .iter()
            .chain(&dims.lhs_batch)
            .copied()
            .collect();
        let rhs_axes: Vec<usize> = dims
            .rhs_contracting
            .iter()
            .chain(&dims.rhs_batch)
            .copied()
            .collect();
        self.axes(&lhs_axes, l.rank())?;
        self.axes(&rhs_axes, r.rank())?;
        let pairs_ok = dims.lhs_contracting.len() == dims.rhs_contracting.len()
            && dims.lhs_batch.len() == dims.rhs_batch.len()
            && dims
                .lhs_contracting
                .iter()
                .zip(&dims.rhs_contracting)
                .all(|(&a, &b)| l.shape[a] == r.shape[b])
            && dims
                .lhs_batch
                .iter()
                .zip(&dims.rhs_batch)
                .all(|(&a, &b)| l.shape[a] == r.shape[b]);
        if !pairs_ok {
            return Err(self.err(ErrorKind::Shape, format!(
                "contracting dimensions {:?} x {:?} / batch dimensions {:?} x {:?} do not match in size",
                dims.lhs_contracting, dims.rhs_contracting, dims.lhs_batch, dims.rhs_batch
            )));
        }
        let free = |a: &AVal, used: &[usize]| -> Vec<usize> {
            (0..a.rank())
                .filter(|i| !used.contains(i))
                .map(|i| a.shape[i])
                .collect()
        };
        let mut shape: Vec<usize> = dims.lhs_batch.iter().map(|&a| l.shape[a]).collect();
        shape.extend(free(l, &lhs_axes));
        shape.extend(free(r, &rhs_axes));
        Ok(AVal::new(shape, out))
    }
}
