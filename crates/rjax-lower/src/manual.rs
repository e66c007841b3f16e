//! A `pmap` call in a partitioned program (`shard_map` or `pmap` inside a
//! `jit` over sharded arrays) as a manual region, the form XLA's SPMD
//! partitioner leaves alone: each operand, laid out with the call's axes
//! splitting its leading dimensions, becomes each partition's block
//! (`SPMDFullToShardShape`); the body runs once per partition with its
//! collectives over partition ids; each result's blocks make the global
//! value again (`SPMDShardToFullShape`). Partition `p` is the member at
//! the row-major coordinates of `p` in the grid of the call's axis and
//! those of the calls nested in it, so the grid must span the program's
//! partitions.
//!
//! A perfect nest (a body that is one call over the body's inputs,
//! returning its results, as `shard_map` builds one level per mesh axis)
//! becomes one region over all its levels; calls nested otherwise run
//! inside the region as nested calls of the replica form do.

use crate::emitter::Emitter;
use crate::sharding::{from_manual, to_manual};
use rjax_ir::{AVal, Atom, Error, ErrorKind, MeshSharding, PmapParams, Primitive, Result};

/// Where an input of the innermost body comes from: the call's operand,
/// and the levels of the nest that split it (their axes lead its shape,
/// in order).
#[derive(Clone)]
struct Source {
    operand: usize,
    levels: Vec<usize>,
}

/// The calls of the perfect nest that starts at `call`, outermost first,
/// and the source of each input of the innermost one.
fn perfect_nest(call: &PmapParams) -> (Vec<&PmapParams>, Vec<Source>) {
    let mut levels = vec![call];
    let mut sources: Vec<Source> = call
        .mapped
        .iter()
        .enumerate()
        .map(|(operand, &m)| Source {
            operand,
            levels: if m { vec![0] } else { Vec::new() },
        })
        .collect();
    loop {
        let body = &levels[levels.len() - 1].body.0;
        let [eqn] = &body.eqns[..] else { break };
        let Primitive::Pmap(inner) = &eqn.prim else {
            break;
        };
        let returns_all = body.outvars.len() == eqn.outputs.len()
            && body
                .outvars
                .iter()
                .zip(&eqn.outputs)
                .all(|(o, v)| matches!(o, Atom::Var(w) if w.id == v.id));
        if !returns_all || levels.iter().any(|l| l.axis_name == inner.axis_name) {
            break;
        }
        let inputs: Vec<u32> = body
            .constvars
            .iter()
            .chain(&body.invars)
            .map(|v| v.id)
            .collect();
        let next: Option<Vec<Source>> = eqn
            .inputs
            .iter()
            .zip(&inner.mapped)
            .map(|(a, &m)| {
                let Atom::Var(v) = a else { return None };
                let mut s = sources[inputs.iter().position(|&id| id == v.id)?].clone();
                if m {
                    s.levels.push(levels.len());
                }
                Some(s)
            })
            .collect();
        let Some(next) = next else { break };
        sources = next;
        levels.push(inner);
    }
    (levels, sources)
}

/// The layout of a value whose leading dimensions are split by the grid
/// axes `leading`, in order (the other axes replicate it).
fn layout(grid: &[usize], leading: &[usize], rank: usize) -> MeshSharding {
    MeshSharding {
        mesh_shape: grid.to_vec(),
        dim_axes: (0..rank)
            .map(|d| leading.get(d).map_or_else(Vec::new, |&a| vec![a]))
            .collect(),
        devices: (0..grid.iter().product()).collect(),
    }
}

/// `a` with its first `k` dimensions of size 1.
fn unit_leading(a: &AVal, k: usize) -> AVal {
    a.with_shape([vec![1; k], a.shape[k..].to_vec()].concat())
}

/// Lower `call` (outside any other call, in a partitioned program) as a
/// manual region; returns its results.
pub(crate) fn region(
    e: &mut Emitter,
    call: &PmapParams,
    operands: &[String],
    (ins, outs): (&[AVal], &[AVal]),
) -> Result<Vec<String>> {
    let grid = crate::device_grid(&call.body.0, &[(call.axis_name.clone(), call.axis_size)])?;
    let sizes: Vec<usize> = grid.iter().map(|(_, n)| *n).collect();
    let span: usize = sizes.iter().product();
    if span != e.partitions {
        return Err(Error::new(
            ErrorKind::Shape,
            "xla_pmap",
            format!(
                "the mapped axes {grid:?} span {span} devices, but the partitioned program runs on {}: a pmap or shard_map inside a jit over sharded arrays maps over all of the program's devices",
                e.partitions
            ),
        )
        .with_operands(ins.to_vec()));
    }
    let (levels, sources) = perfect_nest(call);
    // Each level's axis, as an index into the grid.
    let axes: Vec<usize> = levels
        .iter()
        .map(|l| {
            grid.iter()
                .position(|(n, _)| *n == l.axis_name)
                .unwrap_or(0)
        })
        .collect();
    let mut args = Vec::with_capacity(sources.len());
    for src in &sources {
        let a = &ins[src.operand];
        let k = src.levels.len();
        let split: Vec<usize> = src.levels.iter().map(|&l| axes[l]).collect();
        let piece = unit_leading(a, k);
        let block = a.with_shape(a.shape[k..].to_vec());
        let x = to_manual(
            e,
            &operands[src.operand],
            (a, &piece),
            &layout(&sizes, &split, a.rank()),
        );
        args.push(if k == 0 {
            x
        } else {
            e.reshape(&x, &piece, &block)
        });
    }
    let body = &levels[levels.len() - 1].body.0;
    let outer_axes = std::mem::replace(&mut e.axes, grid);
    let outer_manual = std::mem::replace(&mut e.manual, true);
    let results = e.jaxpr(body, args);
    e.axes = outer_axes;
    e.manual = outer_manual;
    let k = levels.len();
    results?
        .iter()
        .zip(outs)
        .map(|(r, out)| {
            let block = out.with_shape(out.shape[k..].to_vec());
            let piece = unit_leading(out, k);
            let x = e.reshape(r, &block, &piece);
            Ok(from_manual(
                e,
                &x,
                (&piece, out),
                &layout(&sizes, &axes, out.rank()),
            ))
        })
        .collect()
}
