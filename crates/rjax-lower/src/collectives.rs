//! Collectives over the mapped axes: `stablehlo.all_reduce`,
//! `all_gather`, `all_to_all`, `reduce_scatter`, `collective_permute` and
//! the member's index, with groups derived from the axes; and `pmap` calls
//! nested in such a program. In XLA's replica form
//! (`mhlo.num_replicas = N`) the groups name replicas (`replica_id`); in
//! a manual region of a partitioned program (see `manual`) they name
//! partitions: each collective gets a channel and, where the op has the
//! flag, `use_global_device_ids` (with one replica a global id is the
//! partition's), and the index comes from `partition_id`.

use crate::emitter::Emitter;
use crate::types::tensor_type;
use rjax_ir::primitive::ReduceOp;
use rjax_ir::{AVal, Error, Jaxpr, Result};

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

/// The attributes that name the groups of a collective over axis `k`:
/// its replica groups, and in a manual region its channel and (where
/// `global_ids`) the flag that makes the groups' ids partition ids.
fn grouping(e: &mut Emitter, k: usize, sizes: &[usize], global_ids: bool) -> String {
    let groups = format!("replica_groups = {}", replica_groups(k, sizes));
    match (e.manual, global_ids) {
        (false, _) => groups,
        (true, true) => format!("{}, {groups}, use_global_device_ids", e.channel()),
        (true, false) => format!("{}, {groups}", e.channel()),
    }
}

/// A collective that combines members' values with `op` (its region is
/// the combiner), with the given attributes.
fn reducing(
    e: &mut Emitter,
    name: &str,
    x: &str,
    (a, out): (&AVal, &AVal),
    op: ReduceOp,
    attributes: String,
) -> String {
    let scalar = tensor_type(&AVal::scalar(a.dtype));
    let combine = crate::rules::reduce_body(op, a.dtype);
    let result = e.fresh();
    e.line(format!("{result} = \"stablehlo.{name}\"({x}) ({{"));
    e.line(format!("^bb0(%lhs: {scalar}, %rhs: {scalar}):"));
    e.line(format!("  %combined = {combine} %lhs, %rhs : {scalar}"));
    e.line(format!("  stablehlo.return %combined : {scalar}"));
    e.line(format!(
        "}}) {{{attributes}}} : ({}) -> {}",
        tensor_type(a),
        tensor_type(out)
    ));
    result
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
    let groups = grouping(e, k, &sizes, true);
    Ok(reducing(e, "all_reduce", x, (a, a), op, groups))
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
        let v = e.reshape(x, a, &expanded);
        (v, expanded)
    };
    let groups = grouping(e, k, &sizes, true);
    Ok(e.op(format!(
        "\"stablehlo.all_gather\"({operand}) {{all_gather_dim = {dim} : i64, {groups}}} : ({}) -> {}",
        tensor_type(&t_in),
        tensor_type(out)
    )))
}

pub(crate) fn axis_index(e: &mut Emitter, name: &str) -> Result<String> {
    let (k, sizes) = axis(e, "axis_index", name)?;
    let stride: usize = sizes[k + 1..].iter().product();
    let id = if e.manual {
        e.op("stablehlo.partition_id : tensor<ui32>")
    } else {
        e.op("stablehlo.replica_id : tensor<ui32>")
    };
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

/// `(source, target)` replica pairs: the member pairs `perm` repeated in
/// every replica group of axis `k`.
fn replica_pairs(k: usize, sizes: &[usize], perm: &[(usize, usize)]) -> Vec<[usize; 2]> {
    let total: usize = sizes.iter().product();
    let stride: usize = sizes[k + 1..].iter().product();
    (0..total)
        .filter(|r| (r / stride) % sizes[k] == 0)
        .flat_map(|first| {
            perm.iter()
                .map(move |&(s, d)| [first + s * stride, first + d * stride])
        })
        .collect()
}

pub(crate) fn collective_permute(
    e: &mut Emitter,
    x: &str,
    a: &AVal,
    name: &str,
    perm: &[(usize, usize)],
) -> Result<String> {
    let (k, sizes) = axis(e, "ppermute", name)?;
    let t = tensor_type(a);
    let pairs = replica_pairs(k, &sizes, perm);
    if pairs.is_empty() {
        let zero = e.constant(&rjax_ir::Literal::float(0.0, a.dtype, false));
        return Ok(e.splat(&zero, &AVal::scalar(a.dtype), a));
    }
    let text: Vec<String> = pairs.iter().map(|[s, d]| format!("[{s}, {d}]")).collect();
    let channel = if e.manual {
        format!("{}, ", e.channel())
    } else {
        String::new()
    };
    Ok(e.op(format!(
        "\"stablehlo.collective_permute\"({x}) {{{channel}source_target_pairs = dense<[{}]> : tensor<{}x2xi64>}} : ({t}) -> {t}",
        text.join(", "),
        pairs.len()
    )))
}

pub(crate) fn all_to_all(
    e: &mut Emitter,
    x: &str,
    (a, out): (&AVal, &AVal),
    name: &str,
    (split, concat): (usize, usize),
) -> Result<String> {
    let (k, sizes) = axis(e, "all_to_all", name)?;
    let groups = grouping(e, k, &sizes, false);
    Ok(e.op(format!(
        "\"stablehlo.all_to_all\"({x}) {{concat_dimension = {concat} : i64, {groups}, split_count = {} : i64, split_dimension = {split} : i64}} : ({}) -> {}",
        sizes[k],
        tensor_type(a),
        tensor_type(out)
    )))
}

pub(crate) fn reduce_scatter(
    e: &mut Emitter,
    x: &str,
    (a, out): (&AVal, &AVal),
    name: &str,
    dim: usize,
) -> Result<String> {
    let (k, sizes) = axis(e, "reduce_scatter", name)?;
    let attributes = format!(
        "{}, scatter_dimension = {dim} : i64",
        grouping(e, k, &sizes, true)
    );
    Ok(reducing(
        e,
        "reduce_scatter",
        x,
        (a, out),
        ReduceOp::Sum,
        attributes,
    ))
}

/// A `pmap` call inside a replicated program whose device grid includes
/// its axis: each replica takes its slice of the split operands, runs the
/// body, and all-gathers the results along the axis, so that the call's
/// value is whole on every replica.
pub(crate) fn pmap(
    e: &mut Emitter,
    body: &Jaxpr,
    name: &str,
    mapped: &[bool],
    operands: &[String],
    (ins, outs): (&[AVal], &[AVal]),
) -> Result<Vec<String>> {
    let index = axis_index(e, name)?;
    let zero = e.op("stablehlo.constant dense<0> : tensor<i32>");
    let mut args = Vec::with_capacity(operands.len());
    for ((x, a), &m) in operands.iter().zip(ins).zip(mapped) {
        if !m {
            args.push(x.clone());
            continue;
        }
        args.push(e.leading_slice(x, a, &index, &zero));
    }
    let results = e.jaxpr(body, args)?;
    results
        .iter()
        .zip(outs)
        .map(|(r, out)| {
            let shard = out.with_shape(out.shape[1..].to_vec());
            all_gather(e, r, &shard, 0, false, name, out)
        })
        .collect()
}
