//! Tangents of the reductions that are not linear (max, min, product, and
//! their collective forms) and of sorts.

use super::Tangents;
use crate::ops::{self, compare, convert, div, mul, scalar};
use rjax_ir::primitive::{Comparison, ReduceOp};
use rjax_ir::{Primitive, Result, Value, bind, bind1};

/// The tangent of a max, min or product across the members of a mapped
/// axis: like max/min reductions, the mean of the tangents of the members
/// attaining the extreme (a product scales by y/x).
pub(super) fn extreme_member_tangent(
    op: ReduceOp,
    axis_name: &str,
    x: &Value,
    y: &Value,
    t: &Value,
) -> Result<Value> {
    let psum = |v: &Value| {
        bind1(
            &Primitive::AllReduce {
                op: ReduceOp::Sum,
                axis_name: axis_name.to_string(),
            },
            std::slice::from_ref(v),
        )
    };
    if op == ReduceOp::Prod {
        mul(y, &psum(&div(t, x)?)?)
    } else {
        let mask = convert(&compare(Comparison::Eq, x, y)?, x.aval().dtype)?;
        div(&psum(&mul(t, &mask)?)?, &psum(&mask)?)
    }
}

/// Tangent of max/min reductions: the mean of the tangents at the
/// positions that attain the extreme.
pub(super) fn extreme_tangent(
    x: &Value,
    y: &Value,
    t: Option<&Value>,
    axes: &[usize],
) -> Result<Option<Value>> {
    let Some(t) = t else { return Ok(None) };
    let xa = x.aval();
    let kept: Vec<usize> = (0..xa.rank()).filter(|i| !axes.contains(i)).collect();
    let yb = ops::broadcast(y, &xa.shape, &kept)?;
    let mask = convert(&compare(Comparison::Eq, x, &yb)?, xa.dtype)?;
    let count = ops::reduce_sum(&mask, axes)?;
    Ok(Some(div(&ops::reduce_sum(&mul(t, &mask)?, axes)?, &count)?))
}

/// `Σᵢ tᵢ Πⱼ≠ᵢ xⱼ` over the reduced `axes`, with the products of the other
/// factors formed directly (not as `y / xᵢ`), so that it is right where
/// factors are zero, and so are its own derivatives.
pub(super) fn product_tangent(x: &Value, t: &Value, axes: &[usize]) -> Result<Value> {
    let shape = x.aval().shape;
    let kept: Vec<usize> = (0..shape.len()).filter(|i| !axes.contains(i)).collect();
    let mut flat: Vec<usize> = kept.iter().map(|&i| shape[i]).collect();
    flat.push(axes.iter().map(|&i| shape[i]).product());
    let permutation = [kept, axes.to_vec()].concat();
    let reduced_last = |v: &Value| {
        let v = bind1(
            &Primitive::Transpose {
                permutation: permutation.clone(),
            },
            std::slice::from_ref(v),
        )?;
        ops::reshape(&v, &flat)
    };
    let (x, t) = (reduced_last(x)?, reduced_last(t)?);
    let last = flat.len() - 1;
    let rev = |v: &Value| {
        bind1(
            &Primitive::Rev {
                dimensions: vec![last],
            },
            std::slice::from_ref(v),
        )
    };
    let before = exclusive_products(&x)?;
    let after = rev(&exclusive_products(&rev(&x)?)?)?;
    ops::reduce_sum(&mul(&t, &mul(&before, &after)?)?, &[last])
}

/// `Πⱼ<ᵢ xⱼ` along the last axis: the factors shifted by one, then
/// multiplied by themselves shifted 1, 2, 4, … places (a log-depth scan).
fn exclusive_products(x: &Value) -> Result<Value> {
    let a = x.aval();
    let (rank, n) = (a.rank(), a.shape[a.rank() - 1]);
    let one = scalar(1.0, a.dtype);
    let shifted = |v: &Value, by: usize| {
        let mut low = vec![0; rank];
        let mut high = vec![0; rank];
        low[rank - 1] = by as i64;
        high[rank - 1] = -(by as i64);
        let interior = vec![0; rank];
        bind1(
            &Primitive::Pad {
                low,
                high,
                interior,
            },
            &[v.clone(), one.clone()],
        )
    };
    let mut products = shifted(x, 1.min(n))?;
    let mut by = 1;
    while by < n {
        products = mul(&products, &shifted(&products, by)?)?;
        by *= 2;
    }
    Ok(products)
}

/// Sort's JVP: the tangents ride along as extra (non-key) operands of a
/// second, stable sort by the same keys, so they are permuted as the
/// primals are. That sort is linear in the tangents (see its transpose).
pub(super) fn sort_jvp(
    prim: &Primitive,
    (dimension, num_keys): (usize, usize),
    x: &[Value],
    t: &[Option<Value>],
) -> Result<(Vec<Value>, Tangents)> {
    let y = bind(prim, x)?;
    // The operands whose (float) tangents the sort carries along.
    let (carried, carried_tangents): (Vec<usize>, Vec<Value>) = (0..x.len())
        .filter(|&i| x[i].aval().dtype.is_float())
        .filter_map(|i| t[i].clone().map(|ti| (i, ti)))
        .unzip();
    let mut tangents: Tangents = vec![None; x.len()];
    if carried.is_empty() {
        return Ok((y, tangents));
    }
    let args: Vec<Value> = x[..num_keys]
        .iter()
        .cloned()
        .chain(carried_tangents)
        .collect();
    let sorted = bind(
        &Primitive::Sort {
            dimension,
            is_stable: true,
            num_keys,
        },
        &args,
    )?;
    for (&i, v) in carried.iter().zip(sorted.into_iter().skip(num_keys)) {
        tangents[i] = Some(v);
    }
    Ok((y, tangents))
}
