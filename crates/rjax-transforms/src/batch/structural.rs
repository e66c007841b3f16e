//! Batching of the primitives that move data: broadcasts, reshapes,
//! transposes, reductions, slices, pads, concatenation, dynamic slices and
//! sorts. Axis parameters shift past the batch axis.

use super::{Batched, bind1, with_batch_axis};
use rjax_ir::primitive::{ArgOp, ReduceOp};
use rjax_ir::{DType, Literal, Primitive, Result, Value, bind};

/// `axes` of a member, as axes of the batched value with its batch at `b`.
fn shifted(axes: &[usize], b: usize) -> Vec<usize> {
    axes.iter()
        .map(|&i| if i >= b { i + 1 } else { i })
        .collect()
}

/// The batch axis after removing `axes` (none of them the batch axis).
fn after_removing(axes: &[usize], b: usize) -> usize {
    b - axes.iter().filter(|&&i| i < b).count()
}

/// The result of the batch moved first, with a leading `size` axis.
pub(super) fn broadcast_in_dim(
    shape: &[usize],
    broadcast_dimensions: &[usize],
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Value> {
    let v = with_batch_axis(&x[0], d[0], size, 0)?;
    let prim = Primitive::BroadcastInDim {
        shape: [&[size][..], shape].concat(),
        broadcast_dimensions: std::iter::once(0)
            .chain(broadcast_dimensions.iter().map(|&i| i + 1))
            .collect(),
    };
    bind1(&prim, &[v])
}

pub(super) fn reshape(
    new_sizes: &[usize],
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Value> {
    let v = with_batch_axis(&x[0], d[0], size, 0)?;
    let prim = Primitive::Reshape {
        new_sizes: [&[size][..], new_sizes].concat(),
    };
    bind1(&prim, &[v])
}

pub(super) fn expand_dims(
    dimensions: &[usize],
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Value> {
    let v = with_batch_axis(&x[0], d[0], size, 0)?;
    let prim = Primitive::ExpandDims {
        dimensions: dimensions.iter().map(|i| i + 1).collect(),
    };
    bind1(&prim, &[v])
}

/// The batch axis stays where it is.
pub(super) fn transpose(
    permutation: &[usize],
    x: &[Value],
    d: &[Option<usize>],
) -> Result<Batched> {
    let b = d[0].unwrap_or(0);
    let mut perm = shifted(permutation, b);
    perm.insert(b, b);
    let prim = Primitive::Transpose { permutation: perm };
    Ok(vec![(bind1(&prim, &x[..1])?, Some(b))])
}

pub(super) fn squeeze(dimensions: &[usize], x: &[Value], d: &[Option<usize>]) -> Result<Batched> {
    let b = d[0].unwrap_or(0);
    let prim = Primitive::Squeeze {
        dimensions: shifted(dimensions, b),
    };
    Ok(vec![(
        bind1(&prim, &x[..1])?,
        Some(after_removing(dimensions, b)),
    )])
}

pub(super) fn reduce(
    op: ReduceOp,
    axes: &[usize],
    x: &[Value],
    d: &[Option<usize>],
) -> Result<Batched> {
    let b = d[0].unwrap_or(0);
    let prim = Primitive::Reduce {
        op,
        axes: shifted(axes, b),
    };
    Ok(vec![(
        bind1(&prim, &x[..1])?,
        Some(after_removing(axes, b)),
    )])
}

pub(super) fn arg_reduce(
    op: ArgOp,
    axis: usize,
    index_dtype: DType,
    x: &[Value],
    d: &[Option<usize>],
) -> Result<Batched> {
    let b = d[0].unwrap_or(0);
    let prim = Primitive::ArgReduce {
        op,
        axis: shifted(&[axis], b)[0],
        index_dtype,
    };
    Ok(vec![(
        bind1(&prim, &x[..1])?,
        Some(after_removing(&[axis], b)),
    )])
}

pub(super) fn rev(dimensions: &[usize], x: &[Value], d: &[Option<usize>]) -> Result<Batched> {
    let b = d[0].unwrap_or(0);
    let prim = Primitive::Rev {
        dimensions: shifted(dimensions, b),
    };
    Ok(vec![(bind1(&prim, &x[..1])?, Some(b))])
}

/// Every operand's batch moved first; the sort runs along the next axes.
pub(super) fn sort(
    (dimension, is_stable, num_keys): (usize, bool, usize),
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Batched> {
    let moved = leading(x, d, size)?;
    let sort = Primitive::Sort {
        dimension: dimension + 1,
        is_stable,
        num_keys,
    };
    Ok(bind(&sort, &moved)?
        .into_iter()
        .map(|v| (v, Some(0)))
        .collect())
}

/// The whole batch axis is kept.
pub(super) fn slice(
    start: &[usize],
    limit: &[usize],
    strides: &[usize],
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Batched> {
    let b = d[0].unwrap_or(0);
    let (mut start, mut limit, mut strides) = (start.to_vec(), limit.to_vec(), strides.to_vec());
    start.insert(b, 0);
    limit.insert(b, size);
    strides.insert(b, 1);
    let prim = Primitive::Slice {
        start,
        limit,
        strides,
    };
    Ok(vec![(bind1(&prim, &x[..1])?, Some(b))])
}

/// A batched operand padded with an unbatched value: no padding along the
/// batch axis.
pub(super) fn pad(
    low: &[i64],
    high: &[i64],
    interior: &[usize],
    x: &[Value],
    d: &[Option<usize>],
) -> Result<Batched> {
    let b = d[0].unwrap_or(0);
    let (mut low, mut high, mut interior) = (low.to_vec(), high.to_vec(), interior.to_vec());
    low.insert(b, 0);
    high.insert(b, 0);
    interior.insert(b, 0);
    let prim = Primitive::Pad {
        low,
        high,
        interior,
    };
    Ok(vec![(bind1(&prim, &x[..2])?, Some(b))])
}

pub(super) fn concatenate(
    dimension: usize,
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Value> {
    let prim = Primitive::Concatenate {
        dimension: dimension + 1,
    };
    bind1(&prim, &leading(x, d, size)?)
}

/// A slice at unbatched start indices: the whole batch axis, from 0.
pub(super) fn dynamic_slice(
    slice_sizes: &[usize],
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Value> {
    let v = with_batch_axis(&x[0], d[0], size, 0)?;
    let zero = Value::Literal(Literal::int(0, x[1].aval().dtype, false));
    let args: Vec<Value> = [v, zero]
        .into_iter()
        .chain(x[1..].iter().cloned())
        .collect();
    let prim = Primitive::DynamicSlice {
        slice_sizes: [&[size][..], slice_sizes].concat(),
    };
    bind1(&prim, &args)
}

/// An update at unbatched start indices: the whole batch axis, from 0.
pub(super) fn dynamic_update_slice(x: &[Value], d: &[Option<usize>], size: usize) -> Result<Value> {
    let v = with_batch_axis(&x[0], d[0], size, 0)?;
    let u = with_batch_axis(&x[1], d[1], size, 0)?;
    let zero = Value::Literal(Literal::int(0, x[2].aval().dtype, false));
    let args: Vec<Value> = [v, u, zero]
        .into_iter()
        .chain(x[2..].iter().cloned())
        .collect();
    bind1(&Primitive::DynamicUpdateSlice, &args)
}

/// Every operand with its batch axis first.
fn leading(x: &[Value], d: &[Option<usize>], size: usize) -> Result<Vec<Value>> {
    x.iter()
        .zip(d)
        .map(|(v, b)| with_batch_axis(v, *b, size, 0))
        .collect()
}
