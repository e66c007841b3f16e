//! Transposes of the primitives that move, copy or sum data without
//! arithmetic on it: reshapes, broadcasts, slices, pads, concatenation,
//! dynamic slices and sorts.

use super::{Operand, not_linear};
use crate::ops::{self, reshape, scalar, zeros};
use rjax_ir::primitive::ReduceOp;
use rjax_ir::{AVal, Primitive, Result, Value, bind, bind1};

/// The inverse permutation applied to the cotangent.
pub(super) fn permutation(permutation: &[usize], ct: &Value) -> Result<Value> {
    let mut inverse = vec![0; permutation.len()];
    for (i, &p) in permutation.iter().enumerate() {
        inverse[p] = i;
    }
    bind1(
        &Primitive::Transpose {
            permutation: inverse,
        },
        std::slice::from_ref(ct),
    )
}

/// The cotangent summed over the axes the broadcast created or stretched.
pub(super) fn broadcast_in_dim(
    shape: &[usize],
    broadcast_dimensions: &[usize],
    operand: &AVal,
    ct: &Value,
) -> Result<Value> {
    let summed: Vec<usize> = (0..shape.len())
        .filter(|d| match broadcast_dimensions.iter().position(|b| b == d) {
            None => true,
            Some(i) => operand.shape[i] != shape[*d],
        })
        .collect();
    reshape(&ops::reduce_sum(ct, &summed)?, &operand.shape)
}

/// A sum's cotangent broadcast back over the summed axes; the other
/// reductions are not linear.
pub(super) fn reduce(
    op: ReduceOp,
    axes: &[usize],
    prim: &Primitive,
    operand: &AVal,
    ct: &Value,
) -> Result<Value> {
    match op {
        ReduceOp::Sum => {
            let kept: Vec<usize> = (0..operand.rank()).filter(|i| !axes.contains(i)).collect();
            ops::broadcast(ct, &operand.shape, &kept)
        }
        ReduceOp::Max
        | ReduceOp::Min
        | ReduceOp::Prod
        | ReduceOp::And
        | ReduceOp::Or
        | ReduceOp::Xor => Err(not_linear(prim)),
    }
}

/// The cotangent padded with zeros where the slice did not read.
pub(super) fn slice(
    start: &[usize],
    strides: &[usize],
    operand: &AVal,
    ct: &Value,
) -> Result<Value> {
    let out = ct.aval();
    let config = (0..operand.rank())
        .map(|i| {
            let n = out.shape[i];
            let covered = if n == 0 {
                0
            } else {
                start[i] + 1 + (n - 1) * strides[i]
            };
            (
                start[i] as i64,
                operand.shape[i] as i64 - covered.max(start[i]) as i64,
                strides[i].saturating_sub(1),
            )
        })
        .collect::<Vec<_>>();
    pad_with(ct, &scalar(0.0, operand.dtype), &config)
}

/// The operand's cotangent is the cotangent cropped to the operand's
/// elements; the padding value's is the sum of the rest.
pub(super) fn pad(
    low: &[i64],
    high: &[i64],
    interior: &[usize],
    x: &[Operand],
    ct: &Value,
) -> Result<Vec<Option<Value>>> {
    let operand = x[0].aval();
    let unpadded = pad_with(
        ct,
        &scalar(0.0, operand.dtype),
        &(0..low.len())
            .map(|i| (-low[i], -high[i], 0))
            .collect::<Vec<_>>(),
    )?;
    let limit = unpadded.aval().shape;
    let strides: Vec<usize> = interior.iter().map(|i| i + 1).collect();
    let t_operand = bind1(
        &Primitive::Slice {
            start: vec![0; limit.len()],
            limit,
            strides,
        },
        &[unpadded],
    )?;
    let all: Vec<usize> = (0..operand.rank()).collect();
    let t_value = ops::sub(
        &ops::reduce_sum(ct, &all)?,
        &ops::reduce_sum(&t_operand, &all)?,
    )?;
    Ok(vec![
        x[0].is_linear().then_some(t_operand),
        x[1].is_linear().then_some(t_value),
    ])
}

/// Each linear operand's piece of the cotangent.
pub(super) fn concatenate(
    dimension: usize,
    x: &[Operand],
    ct: &Value,
) -> Result<Vec<Option<Value>>> {
    let mut offset = 0;
    x.iter()
        .map(|op| {
            let a = op.aval();
            let mut start = vec![0; a.rank()];
            let mut limit = ct.aval().shape;
            start[dimension] = offset;
            limit[dimension] = offset + a.shape[dimension];
            offset += a.shape[dimension];
            op.is_linear()
                .then(|| {
                    bind1(
                        &Primitive::Slice {
                            start,
                            limit,
                            strides: vec![1; a.rank()],
                        },
                        std::slice::from_ref(ct),
                    )
                })
                .transpose()
        })
        .collect()
}

/// The cotangent written into zeros where the slice was read.
pub(super) fn dynamic_slice(prim: &Primitive, x: &[Operand], ct: &Value) -> Result<Value> {
    let idx = x[1..]
        .iter()
        .map(|o| o.known(prim).cloned())
        .collect::<Result<Vec<_>>>()?;
    let base = zeros(&x[0].aval())?;
    let args: Vec<Value> = [base, ct.clone()].into_iter().chain(idx).collect();
    bind1(&Primitive::DynamicUpdateSlice, &args)
}

/// The operand's cotangent with a hole where the update went; the
/// update's, the cotangent read there.
pub(super) fn dynamic_update_slice(
    prim: &Primitive,
    x: &[Operand],
    ct: &Value,
) -> Result<Vec<Option<Value>>> {
    let idx = x[2..]
        .iter()
        .map(|o| o.known(prim).cloned())
        .collect::<Result<Vec<_>>>()?;
    let update = x[1].aval();
    let hole: Vec<Value> = [ct.clone(), zeros(&update)?]
        .into_iter()
        .chain(idx.iter().cloned())
        .collect();
    let piece: Vec<Value> = std::iter::once(ct.clone()).chain(idx).collect();
    let mut out = vec![
        x[0].is_linear()
            .then(|| bind1(&Primitive::DynamicUpdateSlice, &hole))
            .transpose()?,
        x[1].is_linear()
            .then(|| {
                bind1(
                    &Primitive::DynamicSlice {
                        slice_sizes: update.shape.clone(),
                    },
                    &piece,
                )
            })
            .transpose()?,
    ];
    out.resize_with(x.len(), || None);
    Ok(out)
}

/// A sort linear in its non-key operands permutes them as it sorts the
/// (known) keys; its transpose applies the inverse permutation, found by
/// sorting the permutation itself.
pub(super) fn sort(
    dimension: usize,
    num_keys: usize,
    x: &[Operand],
    cts: &[Value],
) -> Result<Vec<Option<Value>>> {
    let prim = |num_keys: usize| Primitive::Sort {
        dimension,
        is_stable: true,
        num_keys,
    };
    let sort = |num_keys: usize, args: &[Value]| bind(&prim(num_keys), args);
    let keys = x[..num_keys]
        .iter()
        .map(|k| k.known(&prim(num_keys)).cloned())
        .collect::<Result<Vec<_>>>()?;
    let shape = x[0].aval().shape;
    let iota = bind1(
        &Primitive::Iota {
            dtype: rjax_ir::DType::I32,
            shape,
            dimension,
        },
        &[],
    )?;
    let permutation = sort(num_keys, &[keys, vec![iota]].concat())?.swap_remove(num_keys);
    let mut out: Vec<Option<Value>> = vec![None; num_keys];
    for (operand, ct) in x[num_keys..].iter().zip(&cts[num_keys..]) {
        out.push(match operand {
            Operand::Linear(_) => Some(sort(1, &[permutation.clone(), ct.clone()])?.swap_remove(1)),
            Operand::Known(_) => None,
        });
    }
    Ok(out)
}

fn pad_with(x: &Value, value: &Value, config: &[(i64, i64, usize)]) -> Result<Value> {
    bind1(
        &Primitive::Pad {
            low: config.iter().map(|c| c.0).collect(),
            high: config.iter().map(|c| c.1).collect(),
            interior: config.iter().map(|c| c.2).collect(),
        },
        &[x.clone(), value.clone()],
    )
}
