//! Shape rules of the collectives over a mapped axis.

use super::checker::Checker;
use crate::primitive::ReduceOp;
use crate::{AVal, DType, ErrorKind, Result};

pub(super) fn all_reduce(check: &Checker, op: ReduceOp) -> Result<AVal> {
    if op.is_logical() {
        return Err(check.err(
            ErrorKind::Param,
            "no collective reduces with this operation",
        ));
    }
    Ok(check.arity::<1>()?[0].clone())
}

pub(super) fn all_gather(
    check: &Checker,
    axis: usize,
    tiled: bool,
    axis_size: usize,
) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    let mut shape = x.shape.clone();
    let fits = if tiled {
        axis < shape.len()
    } else {
        axis <= shape.len()
    };
    if !fits {
        return Err(check.err(
            ErrorKind::Axis,
            format!("axis {axis} is out of bounds for {x}"),
        ));
    }
    if tiled {
        shape[axis] = check.mul(shape[axis], axis_size)?;
    } else {
        shape.insert(axis, axis_size);
    }
    Ok(x.with_shape(shape))
}

pub(super) fn axis_index(check: &Checker) -> Result<AVal> {
    check.arity::<0>()?;
    Ok(AVal::scalar(DType::I32))
}

pub(super) fn ppermute(check: &Checker, perm: &[(usize, usize)]) -> Result<AVal> {
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
    Ok(x.clone())
}

pub(super) fn all_to_all(
    check: &Checker,
    split_axis: usize,
    concat_axis: usize,
    axis_size: usize,
) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    check.axis_size(axis_size)?;
    let rank = x.rank();
    if split_axis >= rank || concat_axis >= rank {
        return Err(check.err(
            ErrorKind::Axis,
            format!(
                "split_axis {split_axis} or concat_axis {concat_axis} is out of bounds for {x}"
            ),
        ));
    }
    if x.shape[split_axis] % axis_size != 0 {
        return Err(check.err(
            ErrorKind::Shape,
            format!("axis {split_axis} of {x} does not split into {axis_size} equal chunks"),
        ));
    }
    let mut shape = x.shape.clone();
    shape[split_axis] /= axis_size;
    shape[concat_axis] = check.mul(shape[concat_axis], axis_size)?;
    Ok(x.with_shape(shape))
}

pub(super) fn psum_scatter(check: &Checker, d: usize, axis_size: usize) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    check.axis_size(axis_size)?;
    if d >= x.rank() || x.shape[d] % axis_size != 0 {
        return Err(check.err(
            ErrorKind::Shape,
            format!("axis {d} of {x} does not split into {axis_size} equal chunks"),
        ));
    }
    let mut shape = x.shape.clone();
    shape[d] /= axis_size;
    Ok(x.with_shape(shape))
}
