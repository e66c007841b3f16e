//! The rules of `gather` and `scatter`: JVPs, transposes and batching.
//!
//! The two share their dimension numbers, so each transposes into the
//! other: a gather's cotangent is scattered back with `scatter-add`, and a
//! `scatter-add`'s updates receive the cotangent gathered from where they
//! landed. XLA clamps a gather's start positions but skips a scatter's
//! out-of-bounds windows; the transposes make those semantics explicit
//! (clamping before the scatter, masking after the gather), so that every
//! pair of rules stays exact.

use crate::batch::with_batch_axis;
use crate::ops::{add, broadcast, compare, convert, div, fit, mul, reshape, scalar, select, zeros};
use rjax_ir::primitive::{BinaryOp, Comparison, ReduceOp};
use rjax_ir::{AVal, DType, IndexDims, Primitive, Result, ScatterOp, Value, bind1};

pub(crate) fn gather(
    x: &Value,
    indices: &Value,
    dims: &IndexDims,
    slice_sizes: &[usize],
) -> Result<Value> {
    bind1(
        &Primitive::Gather {
            dims: dims.clone(),
            slice_sizes: slice_sizes.to_vec(),
        },
        &[x.clone(), indices.clone()],
    )
}

pub(crate) fn scatter(
    op: ScatterOp,
    x: &Value,
    indices: &Value,
    updates: &Value,
    dims: &IndexDims,
) -> Result<Value> {
    bind1(
        &Primitive::Scatter {
            dims: dims.clone(),
            op,
        },
        &[x.clone(), indices.clone(), updates.clone()],
    )
}

/// The gather reading back the windows a scatter of `updates` writes.
fn gather_updates(x: &Value, indices: &Value, updates: &Value, dims: &IndexDims) -> Result<Value> {
    let sizes = dims.slice_sizes(x.aval().rank(), &updates.aval().shape);
    gather(x, indices, dims, &sizes)
}

/// The start positions moved into bounds for windows of `slice_sizes`, as
/// XLA's gather moves them.
fn clamped(
    indices: &Value,
    dims: &IndexDims,
    operand: &[usize],
    slice_sizes: &[usize],
) -> Result<Value> {
    let a = indices.aval();
    let bound = |k: usize| {
        let axis = dims.index_map[k];
        scalar((operand[axis] - slice_sizes[axis]) as f64, a.dtype)
    };
    let upper = if dims.index_vector_dim == a.rank() {
        bound(0)
    } else {
        let parts = (0..dims.index_map.len())
            .map(|k| broadcast(&bound(k), &[1], &[]))
            .collect::<Result<Vec<_>>>()?;
        let vector = bind1(&Primitive::Concatenate { dimension: 0 }, &parts)?;
        broadcast(&vector, &a.shape, &[dims.index_vector_dim])?
    };
    let floor = bind1(
        &Primitive::Binary(BinaryOp::Max),
        &[indices.clone(), scalar(0.0, a.dtype)],
    )?;
    bind1(
        &Primitive::Binary(BinaryOp::Min),
        &[floor, fit(&upper, &a.shape)?],
    )
}

/// Whether each update window of a scatter lies in bounds (XLA skips the
/// others), broadcast to the updates' shape.
fn in_bounds(x: &Value, indices: &Value, updates: &Value, dims: &IndexDims) -> Result<Value> {
    let (operand, u) = (x.aval().shape, updates.aval());
    let sizes = dims.slice_sizes(operand.len(), &u.shape);
    let fixed = clamped(indices, dims, &operand, &sizes)?;
    let mut same = compare(Comparison::Eq, &fixed, indices)?;
    if dims.index_vector_dim < indices.aval().rank() {
        same = bind1(
            &Primitive::Reduce {
                op: ReduceOp::Min,
                axes: vec![dims.index_vector_dim],
            },
            &[same],
        )?;
    }
    broadcast(&same, &u.shape, &scatter_axes(dims, u.rank()))
}

/// The axes of a scatter's updates that run over start positions.
fn scatter_axes(dims: &IndexDims, updates_rank: usize) -> Vec<usize> {
    (0..updates_rank)
        .filter(|d| !dims.window_dims.contains(d))
        .collect()
}

/// The cotangent of a gather's operand: the output cotangent added back
/// into the windows read (at the clamped positions the gather used).
pub(crate) fn gather_transpose(
    dims: &IndexDims,
    slice_sizes: &[usize],
    ct: &Value,
    operand: &AVal,
    indices: &Value,
) -> Result<Value> {
    let positions = clamped(indices, dims, &operand.shape, slice_sizes)?;
    scatter(ScatterOp::Add, &zeros(operand)?, &positions, ct, dims)
}

/// The cotangent of a `scatter-add`'s updates: the output cotangent read
/// from where each window landed, zero for the skipped windows.
pub(crate) fn scatter_add_updates_transpose(
    dims: &IndexDims,
    ct: &Value,
    indices: &Value,
    updates: &AVal,
) -> Result<Value> {
    let like = zeros(updates)?;
    let read = gather_updates(ct, indices, &like, dims)?;
    select(&in_bounds(ct, indices, &like, dims)?, &read, &like)
}

/// The cotangent of a `scatter-mul`'s operand (the updates known): the
/// output cotangent times the product of the updates at each place.
pub(crate) fn scatter_mul_transpose(
    dims: &IndexDims,
    ct: &Value,
    indices: &Value,
    updates: &Value,
) -> Result<Value> {
    let a = ct.aval();
    let ones = fit(&scalar(1.0, a.dtype), &a.shape)?;
    mul(ct, &scatter(ScatterOp::Mul, &ones, indices, updates, dims)?)
}

/// The primal output and tangent of a scatter.
pub(crate) fn scatter_jvp(
    op: ScatterOp,
    dims: &IndexDims,
    x: &[Value],
    t: &[Option<Value>],
) -> Result<(Value, Option<Value>)> {
    let (operand, indices, updates) = (&x[0], &x[1], &x[2]);
    let (tx, tu) = (&t[0], &t[2]);
    if (tx.is_none() && tu.is_none()) || !operand.aval().dtype.is_float() {
        return Ok((scatter(op, operand, indices, updates, dims)?, None));
    }
    let or_zeros = |t: &Option<Value>, like: &Value| match t {
        Some(t) => Ok(t.clone()),
        None => zeros(&like.aval()),
    };
    let (tx, tu) = (or_zeros(tx, operand)?, or_zeros(tu, updates)?);
    let add_at = |x: &Value, u: &Value| scatter(ScatterOp::Add, x, indices, u, dims);
    match op {
        ScatterOp::Add => Ok((add_at(operand, updates)?, Some(add_at(&tx, &tu)?))),
        ScatterOp::Set => {
            // Which update won each place (several may target one): scatter
            // the updates' ordinal numbers and read them back; the output
            // is then a sum of the winners and the untouched operand.
            let u = updates.aval();
            let batch = dims.batch_shape(&indices.aval().shape);
            let n: usize = batch.iter().product();
            let iota = bind1(
                &Primitive::Iota {
                    dtype: DType::I32,
                    shape: vec![n],
                    dimension: 0,
                },
                &[],
            )?;
            let ordinals = reshape(&add(&iota, &scalar(1.0, DType::I32))?, &batch)?;
            let ids = broadcast(&ordinals, &u.shape, &scatter_axes(dims, u.rank()))?;
            let zero_ids = zeros(&operand.aval().with_dtype(DType::I32))?;
            let placed = scatter(ScatterOp::Set, &zero_ids, indices, &ids, dims)?;
            let untouched = compare(Comparison::Eq, &placed, &scalar(0.0, DType::I32))?;
            let won = compare(
                Comparison::Eq,
                &gather_updates(&placed, indices, &ids, dims)?,
                &ids,
            )?;
            let combine = |x: &Value, u: &Value| {
                add_at(
                    &select(&untouched, x, &zeros(&x.aval())?)?,
                    &select(&won, u, &zeros(&u.aval())?)?,
                )
            };
            Ok((combine(operand, updates)?, Some(combine(&tx, &tu)?)))
        }
        ScatterOp::Mul => {
            // out = x * P with P the product of the updates at each place;
            // dP = P * (the sum of du / u there).
            let y = scatter(op, operand, indices, updates, dims)?;
            let from_x = scatter(op, &tx, indices, updates, dims)?;
            let ratios = add_at(&zeros(&operand.aval())?, &div(&tu, updates)?)?;
            Ok((y.clone(), Some(add(&from_x, &mul(&y, &ratios)?)?)))
        }
        ScatterOp::Min | ScatterOp::Max => {
            // Ties between the operand and updates share the derivative.
            let y = scatter(op, operand, indices, updates, dims)?;
            let d = operand.aval().dtype;
            let as_float = |b: &Value| convert(b, d);
            let kept = compare(Comparison::Eq, operand, &y)?;
            let won = compare(
                Comparison::Eq,
                updates,
                &gather_updates(&y, indices, updates, dims)?,
            )?;
            let winners = add_at(&zeros(&operand.aval())?, &as_float(&won)?)?;
            let count = add(&winners, &as_float(&kept)?)?;
            let share = div(&scalar(1.0, d), &count)?;
            let x_part = mul(&tx, &select(&kept, &share, &zeros(&share.aval())?)?)?;
            let u_share = gather_updates(&share, indices, updates, dims)?;
            let u_part = select(&won, &mul(&tu, &u_share)?, &zeros(&tu.aval())?)?;
            Ok((
                y,
                Some(add(&x_part, &add_at(&zeros(&operand.aval())?, &u_part)?)?),
            ))
        }
    }
}

/// The dimension numbers after a batch axis is put first in the indices
/// (and, when `operand_batched`, in the operand, the two paired).
fn lifted(dims: &IndexDims, operand_batched: bool) -> IndexDims {
    let shift = |v: &[usize]| v.iter().map(|a| a + 1).collect::<Vec<_>>();
    let pair = |v: &[usize]| [vec![0], shift(v)].concat();
    let on_operand = |v: &[usize]| {
        if operand_batched {
            shift(v)
        } else {
            v.to_vec()
        }
    };
    IndexDims {
        window_dims: shift(&dims.window_dims),
        collapsed_dims: on_operand(&dims.collapsed_dims),
        operand_batching_dims: if operand_batched {
            pair(&dims.operand_batching_dims)
        } else {
            dims.operand_batching_dims.clone()
        },
        indices_batching_dims: if operand_batched {
            pair(&dims.indices_batching_dims)
        } else {
            shift(&dims.indices_batching_dims)
        },
        index_map: on_operand(&dims.index_map),
        index_vector_dim: dims.index_vector_dim + 1,
    }
}

/// A batched gather, its batch axis first. A batched operand pairs with
/// the indices' batch axis; a shared operand is read by every member.
pub(crate) fn batched_gather(
    dims: &IndexDims,
    slice_sizes: &[usize],
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Value> {
    let indices = with_batch_axis(&x[1], d[1], size, 0)?;
    match d[0] {
        Some(_) => {
            let operand = with_batch_axis(&x[0], d[0], size, 0)?;
            let sizes = [&[1][..], slice_sizes].concat();
            gather(&operand, &indices, &lifted(dims, true), &sizes)
        }
        None => gather(&x[0], &indices, &lifted(dims, false), slice_sizes),
    }
}

/// A batched scatter, its batch axis first: every operand gets the batch
/// axis and each member scatters into its own operand.
pub(crate) fn batched_scatter(
    dims: &IndexDims,
    op: ScatterOp,
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Value> {
    let [operand, indices, updates] = [0, 1, 2].map(|i| with_batch_axis(&x[i], d[i], size, 0));
    scatter(op, &operand?, &indices?, &updates?, &lifted(dims, true))
}
