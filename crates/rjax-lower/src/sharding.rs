//! The partitioner's annotations, in one place. rjax writes XLA's GSPMD
//! form: `mhlo.sharding = "{devices=[...]...}"` on the arguments and
//! results of `@main`, `stablehlo.custom_call @Sharding` for a
//! constraint inside the program, and `@SPMDFullToShardShape` /
//! `@SPMDShardToFullShape` around a manual region (see `manual`),
//! compiled with `num_partitions` and
//! `use_spmd_partitioning` (docs/decisions.md, "Sharding: XLA's GSPMD
//! form"). Switching to Shardy (`sdy.mesh`, `#sdy.sharding`) would change
//! this module and the compile options only.

use crate::emitter::Emitter;
use crate::types::tensor_type;
use rjax_ir::{AVal, MeshSharding};

/// The HLO sharding text of `s`: `{replicated}`, or the tile assignment
/// (`{devices=[tiles..., copies]ids... last_tile_dim_replicate}`), whose
/// ids are partition numbers.
///
/// ```
/// use rjax_ir::MeshSharding;
/// let s = MeshSharding { mesh_shape: vec![4, 2], dim_axes: vec![vec![0], vec![]], devices: (0..8).collect() };
/// assert_eq!(rjax_lower::sharding_attribute(&s), "{devices=[4,1,2]0,1,2,3,4,5,6,7 last_tile_dim_replicate}");
/// ```
pub fn sharding_attribute(s: &MeshSharding) -> String {
    if s.is_replicated() {
        return "{replicated}".into();
    }
    let mut dims = s.tiles();
    let copies: usize = s
        .replicated_axes()
        .iter()
        .map(|&a| s.mesh_shape[a])
        .product();
    if copies > 1 {
        dims.push(copies);
    }
    let mut ids = vec![0; s.num_devices()];
    for p in 0..s.num_devices() {
        let mut at = s.block_of(p);
        if copies > 1 {
            at.push(s.replica_of(p));
        }
        let slot = at.iter().zip(&dims).fold(0, |i, (&k, &n)| i * n + k);
        ids[slot] = p;
    }
    let list = |v: &[usize]| {
        v.iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",")
    };
    let last = if copies > 1 {
        " last_tile_dim_replicate"
    } else {
        ""
    };
    format!("{{devices=[{}]{}{last}}}", list(&dims), list(&ids))
}

/// The attribute dictionary that annotates an argument or result.
pub(crate) fn argument_attribute(s: &MeshSharding) -> String {
    format!(" {{mhlo.sharding = \"{}\"}}", sharding_attribute(s))
}

/// A sharding constraint on `x`: the partitioner lays the value out as `s`.
pub(crate) fn constraint(e: &mut Emitter, x: &str, a: &AVal, s: &MeshSharding) -> String {
    let t = tensor_type(a);
    e.op(format!(
        "stablehlo.custom_call @Sharding({x}) {{mhlo.sharding = \"{}\"}} : ({t}) -> {t}",
        sharding_attribute(s)
    ))
}

/// Enter a manual region: `x` (of type `a`) laid out as `s` becomes each
/// partition's block, of type `block` (the rank of `a`; the partitioner
/// no longer touches what is computed from it).
pub(crate) fn to_manual(
    e: &mut Emitter,
    x: &str,
    (a, block): (&AVal, &AVal),
    s: &MeshSharding,
) -> String {
    let laid = constraint(e, x, a, s);
    e.op(format!(
        "stablehlo.custom_call @SPMDFullToShardShape({laid}) {{mhlo.sharding = \"{{manual}}\"}} : ({}) -> {}",
        tensor_type(a),
        tensor_type(block)
    ))
}

/// Leave a manual region: each partition's block `x` (of type `block`)
/// is its piece of the value of type `a` laid out as `s`.
pub(crate) fn from_manual(
    e: &mut Emitter,
    x: &str,
    (block, a): (&AVal, &AVal),
    s: &MeshSharding,
) -> String {
    let b = tensor_type(block);
    let manual = e.op(format!(
        "stablehlo.custom_call @Sharding({x}) {{mhlo.sharding = \"{{manual}}\"}} : ({b}) -> {b}"
    ));
    e.op(format!(
        "stablehlo.custom_call @SPMDShardToFullShape({manual}) {{mhlo.sharding = \"{}\"}} : ({b}) -> {}",
        sharding_attribute(s),
        tensor_type(a)
    ))
}
