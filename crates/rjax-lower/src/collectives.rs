//! Collectives in the replica form that XLA's SPMD runtimes accept
//! (`mhlo.num_replicas = N`): `stablehlo.all_reduce`, `all_gather` and
//! `replica_id`, with replica groups derived from the mapped axes.

use crate::emitter::Emitter;
use crate::types::tensor_type;
use rjax_ir::primitive::ReduceOp;
use rjax_ir::{AVal, Error, Result};

/// The position of `name` among the mapped axes, and the axes' sizes.
fn axis(e: &Emitter, op: &str, name: &str) -> Result<(usize, Vec<usize>)> {
    let sizes: Vec<usize> = e.axes.iter().map(|(_, s)| *s).collect();
    e.axes
        .iter()
        .position(|(n, _)| n == name)
        .map(|k| (k, sizes))
        .ok_or_else(|| Error::unbound_axis(op, name))
}

/// Replica groups for a collective over axis `k`: replicas are numbered
/// row-major over the axes; a group varies only along axis `k`.
fn replica_groups(k: usize, sizes: &[usize]) -> String {
    let total: usize = sizes.iter().product();
    let stride: usize = sizes[k + 1..].iter().product();
    let n = sizes[k];
    let groups: Vec<String> = (0..total)
        .filter(|r| (r / stride) % n == 0)
        .map(|first| {
            let ids: Vec<String> = (0..n).map(|i| (first + i * stride).to_string()).collect();
            format!("[{}]", ids.join(", "))
        })
        .collect();
    format!(
        "dense<[{}]> : tensor<{}x{}xi64>",
        groups.join(", "),
        groups.len(),
        n
    )
}

pub(crate) fn all_reduce(
    e: &mut Emitter,
    x: &str,
    a: &AVal,
    op: ReduceOp,
    name: &str,
    prim: &str,
) -> Result<String> {
    let (k, sizes) = axis(e, prim, name)?;
    let scalar = tensor_type(&AVal::scalar(a.dtype));
    let combine = crate::rules::reduce_body(op, a.dtype);
    let t = tensor_type(a);
    let result = e.fresh();
    e.line(format!("{result} = \"stablehlo.all_reduce\"({x}) ({{"));
    e.line(format!("^bb0(%lhs: {scalar}, %rhs: {scalar}):"));
    e.line(format!("  %combined = {combine} %lhs, %rhs : {scalar}"));
    e.line(format!("  stablehlo.return %combined : {scalar}"));
    e.line(format!(
        "}}) {{replica_groups = {}}} : ({t}) -> {t}",
        replica_groups(k, &sizes)
    ));
    Ok(result)
}

pub(crate) fn all_gather(
    e: &mut Emitter,
    x: &str,
    a: &AVal,
    dim: usize,
    tiled: bool,
    name: &str,
    out: &AVal,
) -> Result<String> {
    let (k, sizes) = axis(e, "all_gather", name)?;
    let (operand, t_in) = if tiled {
        (x.to_string(), a.clone())
    } else {
        let mut shape = a.shape.clone();
        shape.insert(dim, 1);
        let expanded = a.with_shape(shape);
        let v = e.op(format!(
            "stablehlo.reshape {x} : ({}) -> {}",
            tensor_type(a),
            tensor_type(&expanded)
        ));
        (v, expanded)
    };
    Ok(e.op(format!(
        "\"stablehlo.all_gather\"({operand}) {{all_gather_dim = {dim} : i64, replica_groups = {}}} : ({}) -> {}",
        replica_groups(k, &sizes),
        tensor_type(&t_in),
        tensor_type(out)
    )))
}

pub(crate) fn axis_index(e: &mut Emitter, name: &str) -> Result<String> {
    let (k, sizes) = axis(e, "axis_index", name)?;
    let stride: usize = sizes[k + 1..].iter().product();
    let id = e.op("stablehlo.replica_id : tensor<ui32>");
    let id = e.op(format!(
        "stablehlo.convert {id} : (tensor<ui32>) -> tensor<i32>"
    ));
    let div = e.op(format!("stablehlo.constant dense<{stride}> : tensor<i32>"));
    let q = e.op(format!("stablehlo.divide {id}, {div} : tensor<i32>"));
    let n = e.op(format!(
        "stablehlo.constant dense<{}> : tensor<i32>",
        sizes[k]
    ));
    Ok(e.op(format!("stablehlo.remainder {q}, {n} : tensor<i32>")))
}
