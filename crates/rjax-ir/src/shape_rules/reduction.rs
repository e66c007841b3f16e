//! Shape rules of reductions and sorts.

use super::checker::Checker;
use crate::primitive::ReduceOp;
use crate::{AVal, DType, ErrorKind, Result};

pub(super) fn reduce(check: &Checker, op: ReduceOp, axes: &[usize]) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    check.axes(axes, x.rank())?;
    if op.is_logical() && !(x.dtype.is_bool() || x.dtype.is_int()) {
        return Err(check.err(
            ErrorKind::DType,
            format!("needs bool or integers, not {}", x.dtype.name()),
        ));
    }
    if matches!(op, ReduceOp::Max | ReduceOp::Min) {
        check.ordered(x)?;
    }
    Ok(x.with_shape(
        x.shape
            .iter()
            .enumerate()
            .filter(|(i, _)| !axes.contains(i))
            .map(|(_, &s)| s)
            .collect(),
    ))
}

pub(super) fn arg_reduce(check: &Checker, axis: usize, index_dtype: DType) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    check.axes(&[axis], x.rank())?;
    check.ordered(x)?;
    if x.shape[axis] == 0 {
        return Err(check.err(
            ErrorKind::Shape,
            "cannot take the arg-extreme of an empty axis",
        ));
    }
    if !index_dtype.is_int() {
        return Err(check.err(ErrorKind::DType, "index_dtype must be an integer type"));
    }
    Ok(AVal::new(
        x.shape
            .iter()
            .enumerate()
            .filter(|(i, _)| *i != axis)
            .map(|(_, &s)| s)
            .collect(),
        index_dtype,
    ))
}

pub(super) fn sort(check: &Checker, dimension: usize, num_keys: usize) -> Result<Vec<AVal>> {
    let inputs = check.inputs;
    let first = check.at_least(1)?;
    check.axes(&[dimension], first.rank())?;
    if num_keys == 0 || num_keys > inputs.len() {
        return Err(check.err(
            ErrorKind::Param,
            format!("num_keys={num_keys} with {} operands", inputs.len()),
        ));
    }
    if inputs.iter().any(|x| x.shape != first.shape) {
        return Err(check.err(ErrorKind::Shape, "operands must have one shape"));
    }
    for key in &inputs[..num_keys] {
        check.ordered(key)?;
    }
    Ok(inputs.to_vec())
}
