//! Sorting: `lax.sort` over several operands, `sort_key_val`, `top_k`.

use crate::Array;
use crate::lax::{self, bind};
use rjax_ir::{DType, Primitive};

/// Sort `operands` (one shape) together along `dimension`, ordered by the
/// first `num_keys` lexicographically; floats sort in total order with NaN
/// last. JAX's `lax.sort`.
///
/// ```
/// use rjax::{lax, Array};
/// let keys = Array::from_slice(&[3.0f32, 1.0, 2.0], &[3]);
/// let vals = Array::from_slice(&[30i32, 10, 20], &[3]);
/// let out = lax::sort(&[keys, vals], 0, true, 1);
/// assert_eq!(out[1].to_vec::<i32>().unwrap(), vec![10, 20, 30]);
/// ```
#[track_caller]
pub fn sort(operands: &[Array], dimension: usize, is_stable: bool, num_keys: usize) -> Vec<Array> {
    let args: Vec<&Array> = operands.iter().collect();
    bind(
        Primitive::Sort {
            dimension,
            is_stable,
            num_keys,
        },
        &args,
    )
}

/// Sort `keys` along `dimension` and permute `values` the same way.
#[track_caller]
pub fn sort_key_val(keys: &Array, values: &Array, dimension: usize) -> (Array, Array) {
    let mut out = sort(&[keys.clone(), values.clone()], dimension, true, 1).into_iter();
    (
        out.next().expect("sorted keys"),
        out.next().expect("sorted values"),
    )
}

/// The `k` largest entries along the last axis, in descending order, and
/// their int32 indices (the lower index first among equal values).
///
/// ```
/// use rjax::{lax, Array};
/// let x = Array::from_slice(&[1.0f32, 4.0, 2.0, 4.0], &[4]);
/// let (v, i) = lax::top_k(&x, 2);
/// assert_eq!(v.to_vec::<f32>().unwrap(), vec![4.0, 4.0]);
/// assert_eq!(i.to_vec::<i32>().unwrap(), vec![1, 3]);
/// ```
#[track_caller]
pub fn top_k(x: &Array, k: usize) -> (Array, Array) {
    let shape = match x.shape() {
        Ok(shape) => shape,
        Err(e) => return (Array::from_error(e.clone()), Array::from_error(e)),
    };
    let last = shape.len().saturating_sub(1);
    let n = shape.get(last).copied().unwrap_or(0);
    if k > n {
        let e = rjax_ir::Error::new(
            rjax_ir::ErrorKind::Shape,
            "top_k",
            format!("k={k} is larger than the last axis ({n})"),
        )
        .with_operands(x.value().map(|v| vec![v.aval()]).unwrap_or_default())
        .at(crate::location::current());
        return (Array::from_error(e.clone()), Array::from_error(e));
    }
    // Sorting the reversed operand stably in ascending order and reversing
    // back puts the largest first with ties in ascending index order.
    let index = lax::iota(DType::I32, &shape, last);
    let (keys, idx) = sort_key_val(&lax::rev(x, &[last]), &lax::rev(&index, &[last]), last);
    let (keys, idx) = (lax::rev(&keys, &[last]), lax::rev(&idx, &[last]));
    let mut limit = shape.clone();
    if let Some(l) = limit.last_mut() {
        *l = k;
    }
    let start = vec![0; shape.len()];
    (
        lax::slice(&keys, &start, &limit, None),
        lax::slice(&idx, &start, &limit, None),
    )
}
