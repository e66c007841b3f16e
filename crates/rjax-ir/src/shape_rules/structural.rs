//! Shape rules of the primitives that move data: broadcasts, reshapes,
//! transposes, slices, pads, concatenation, gathers and scatters.

use super::checker::Checker;
use crate::{AVal, DType, ErrorKind, IndexDims, Result, ScatterOp};

pub(super) fn broadcast_in_dim(
    check: &Checker,
    shape: &[usize],
    broadcast_dimensions: &[usize],
) -> Result<AVal> {
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
    Ok(x.with_shape(shape.to_vec()))
}

pub(super) fn reshape(check: &Checker, new_sizes: &[usize]) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    // An unrepresentable target (its size overflows) never matches.
    if x.with_shape(new_sizes.to_vec()).checked_size() != Some(x.size()) {
        return Err(check.err(
            ErrorKind::Shape,
            format!(
                "cannot reshape {x} ({} elements) to {new_sizes:?}",
                x.size()
            ),
        ));
    }
    Ok(x.with_shape(new_sizes.to_vec()))
}

pub(super) fn transpose(check: &Checker, permutation: &[usize]) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    check.permutation(permutation, x.rank())?;
    Ok(x.with_shape(permutation.iter().map(|&p| x.shape[p]).collect()))
}

pub(super) fn squeeze(check: &Checker, dimensions: &[usize]) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    check.axes(dimensions, x.rank())?;
    if let Some(&d) = dimensions.iter().find(|&&d| x.shape[d] != 1) {
        return Err(check.err(
            ErrorKind::Shape,
            format!("cannot squeeze axis {d} of size {}", x.shape[d]),
        ));
    }
    Ok(x.with_shape(
        x.shape
            .iter()
            .enumerate()
            .filter(|(i, _)| !dimensions.contains(i))
            .map(|(_, &s)| s)
            .collect(),
    ))
}

pub(super) fn expand_dims(check: &Checker, dimensions: &[usize]) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    let rank = x.rank() + dimensions.len();
    check.axes(dimensions, rank)?;
    let mut rest = x.shape.iter();
    Ok(x.with_shape(
        (0..rank)
            .map(|i| {
                if dimensions.contains(&i) {
                    1
                } else {
                    *rest.next().unwrap_or(&1)
                }
            })
            .collect(),
    ))
}

pub(super) fn slice(
    check: &Checker,
    start: &[usize],
    limit: &[usize],
    strides: &[usize],
) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    let ok = start.len() == x.rank()
        && limit.len() == x.rank()
        && strides.len() == x.rank()
        && (0..x.rank()).all(|i| start[i] <= limit[i] && limit[i] <= x.shape[i] && strides[i] > 0);
    if !ok {
        return Err(check.err(
            ErrorKind::Param,
            format!("invalid slice start={start:?} limit={limit:?} strides={strides:?}"),
        ));
    }
    Ok(x.with_shape(
        (0..x.rank())
            .map(|i| (limit[i] - start[i]).div_ceil(strides[i]))
            .collect(),
    ))
}

pub(super) fn dynamic_slice(check: &Checker, slice_sizes: &[usize]) -> Result<AVal> {
    let inputs = check.inputs;
    let x = check.at_least(1)?;
    check.start_indices(&inputs[1..], x.rank())?;
    if slice_sizes.len() != x.rank() || slice_sizes.iter().zip(&x.shape).any(|(s, d)| s > d) {
        return Err(check.err(
            ErrorKind::Shape,
            format!("slice_sizes {slice_sizes:?} do not fit in {x}"),
        ));
    }
    Ok(x.with_shape(slice_sizes.to_vec()))
}

pub(super) fn dynamic_update_slice(check: &Checker) -> Result<AVal> {
    let inputs = check.inputs;
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
    Ok(x.clone())
}

pub(super) fn concatenate(check: &Checker, dimension: usize) -> Result<AVal> {
    let inputs = check.inputs;
    let first = check.at_least(1)?;
    check.axes(&[dimension], first.rank())?;
    let all: Vec<&AVal> = inputs.iter().collect();
    check.same_dtype(&all)?;
    let mut shape = first.shape.clone();
    shape[dimension] = 0;
    for x in inputs {
        let same_rest = x.rank() == first.rank()
            && (0..x.rank()).all(|i| i == dimension || x.shape[i] == first.shape[i]);
        if !same_rest {
            return Err(check.err(
                ErrorKind::Shape,
                format!("cannot concatenate along axis {dimension}: shapes differ off that axis"),
            ));
        }
        shape[dimension] = shape[dimension]
            .checked_add(x.shape[dimension])
            .ok_or_else(|| check.too_large())?;
    }
    Ok(AVal {
        shape,
        dtype: first.dtype,
        weak: inputs.iter().all(|x| x.weak),
    })
}

pub(super) fn pad(check: &Checker, low: &[i64], high: &[i64], interior: &[usize]) -> Result<AVal> {
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
    Ok(x.with_shape(shape.ok_or_else(|| {
        check.err(
            ErrorKind::Shape,
            "negative padding removes more than the axis holds",
        )
    })?))
}

pub(super) fn gather(check: &Checker, dims: &IndexDims, slice_sizes: &[usize]) -> Result<AVal> {
    let [x, i] = check.arity::<2>()?;
    dims.gathered(x, i, slice_sizes)
}

pub(super) fn scatter(check: &Checker, dims: &IndexDims, op: ScatterOp) -> Result<AVal> {
    let [x, i, u] = check.arity::<3>()?;
    dims.check_scatter(op, x, i, u)
}

pub(super) fn rev(check: &Checker, dimensions: &[usize]) -> Result<AVal> {
    let [x] = check.arity::<1>()?;
    check.axes(dimensions, x.rank())?;
    Ok(x.clone())
}

pub(super) fn iota(
    check: &Checker,
    dtype: DType,
    shape: &[usize],
    dimension: usize,
) -> Result<AVal> {
    check.arity::<0>()?;
    check.axes(&[dimension], shape.len())?;
    Ok(AVal::new(shape.to_vec(), dtype))
}
