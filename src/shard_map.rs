//! `shard_map`: per-device code over a [`Mesh`], each device seeing its
//! block of every argument, with collectives (`lax::psum`, `all_gather`,
//! `ppermute`, `psum_scatter`, `all_to_all`, `axis_index`) over the mesh's
//! axis names. It is built on `pmap`: one nested `pmap` per mesh axis, so
//! it runs on the mesh's devices, differentiates and batches as `pmap`
//! does. The outermost call names the mesh's devices, so a `jit` of it is
//! a program partitioned over them, in which the nested calls are one
//! manual region (docs/decisions.md, "shard_map inside a partitioned jit:
//! manual regions").

use crate::pmap::pmap_naming;
use crate::sharding::{Mesh, NamedSharding, PartitionSpec};
use crate::tree::{Tree, TreeDef, TreeOutput};
use crate::vmap::{PrefixNode, TreePrefix, prefix_leaves};
use crate::{Array, AxisSpec, PmapSpec, lax};
use rjax_ir::{AVal, Error, ErrorKind, MeshSharding, Result};
use std::cell::RefCell;
use std::panic::Location;

/// Partition specs given as a prefix of a tree (like `in_axes`).
#[derive(Clone, Debug, PartialEq)]
pub enum Specs {
    Leaf(PartitionSpec),
    Each(Vec<Specs>),
}

impl Specs {
    /// One spec per child of a tuple, `Vec`, struct or map.
    pub fn each(specs: impl IntoIterator<Item = Specs>) -> Specs {
        Specs::Each(specs.into_iter().collect())
    }
}

impl From<PartitionSpec> for Specs {
    fn from(s: PartitionSpec) -> Specs {
        Specs::Leaf(s)
    }
}

impl TreePrefix for Specs {
    type Leaf = PartitionSpec;
    fn node(&self) -> PrefixNode<'_, Self, PartitionSpec> {
        match self {
            Specs::Leaf(s) => PrefixNode::Leaf(s.clone()),
            Specs::Each(specs) => PrefixNode::Each(specs),
        }
    }
}

/// Map `f` over the devices of `mesh`: argument leaves are split into
/// blocks as `in_specs` say (a prefix of the arguments' tree), `f` runs
/// once per device on its blocks, and its results, laid out as
/// `out_specs` say, are assembled into global arrays. A result whose spec
/// leaves a mesh axis out must be the same on every device along it (it
/// is read from the first).
///
/// ```
/// use rjax::{lax, numpy as jnp, shard_map, Array, Mesh, P};
/// let mesh = Mesh::new(&[8], &["i"]).unwrap();
/// // Each device sums its block; psum adds the blocks' sums.
/// let total = shard_map(|x: Array| lax::psum(&x.sum(), "i"), &mesh, P!["i"], P![]);
/// let out = total(jnp::arange_f32(0.0, 16.0, 1.0)).unwrap();
/// assert_eq!(out.item::<f32>().unwrap(), 120.0);
/// ```
#[track_caller]
pub fn shard_map<I: Tree, R: TreeOutput>(
    f: impl Fn(I) -> R,
    mesh: &Mesh,
    in_specs: impl Into<Specs>,
    out_specs: impl Into<Specs>,
) -> impl Fn(I) -> Result<R::Tree> {
    let location = Location::caller();
    let (mesh, in_specs, out_specs) = (mesh.clone(), in_specs.into(), out_specs.into());
    move |x: I| call(&f, &mesh, (&in_specs, &out_specs), x).map_err(|e| e.at(location))
}

/// The block layout of an array of `aval` under `spec`, checked.
fn layout(mesh: &Mesh, spec: &PartitionSpec, aval: &AVal) -> Result<MeshSharding> {
    NamedSharding::new(mesh, spec.clone())?.layout(aval, "shard_map")
}

/// How a global array of `shape` is viewed with one axis per splitting
/// mesh axis: the expanded shape (each dimension preceded by the sizes
/// of the mesh axes that split it), and the permutation that brings those
/// axes to the front in mesh order, the blocks' dimensions after them.
fn expansion(shape: &[usize], layout: &MeshSharding) -> (Vec<usize>, Vec<usize>) {
    let mut expanded = Vec::new();
    let mut mesh_pos = vec![None; layout.mesh_shape.len()];
    let mut block_pos = Vec::new();
    for (d, (&n, axes)) in shape.iter().zip(&layout.dim_axes).enumerate() {
        for &a in axes {
            mesh_pos[a] = Some(expanded.len());
            expanded.push(layout.mesh_shape[a]);
        }
        block_pos.push(expanded.len());
        expanded.push(n / layout.tiles()[d]);
    }
    let perm = mesh_pos.into_iter().flatten().chain(block_pos).collect();
    (expanded, perm)
}

fn dims(shape: &[usize]) -> Vec<i64> {
    shape.iter().map(|&n| n as i64).collect()
}

fn inverse(perm: &[usize]) -> Vec<usize> {
    let mut inv = vec![0; perm.len()];
    for (i, &p) in perm.iter().enumerate() {
        inv[p] = i;
    }
    inv
}

fn call<I: Tree, R: TreeOutput>(
    f: &impl Fn(I) -> R,
    mesh: &Mesh,
    (in_specs, out_specs): (&Specs, &Specs),
    x: I,
) -> Result<R::Tree> {
    let (leaves, def) = x.flatten_tree();
    let specs = prefix_leaves(in_specs, &def, ("in_specs", "argument", "shard_map"))?;
    let mut split = Vec::with_capacity(leaves.len());
    let mut mapped = Vec::with_capacity(leaves.len());
    for (leaf, spec) in leaves.iter().zip(&specs) {
        let aval = leaf.aval()?;
        let l = layout(mesh, spec, &aval)?;
        let (expanded, perm) = expansion(&aval.shape, &l);
        split.push(lax::transpose(&leaf.reshape(&dims(&expanded)), &perm));
        mapped.push(
            (0..mesh.shape().len())
                .map(|a| l.dim_axes.iter().any(|d| d.contains(&a)))
                .collect::<Vec<_>>(),
        );
    }
    // A leaf mapped over every axis, so that each level maps something.
    split.push(crate::numpy::zeros(mesh.shape(), rjax_ir::DType::F32));
    mapped.push(vec![true; mesh.shape().len()]);
    let out_def = RefCell::new(None);
    let body = |blocks: Vec<Array>| -> Result<Vec<Array>> {
        let args = I::unflatten_tree(&def, blocks[..blocks.len() - 1].to_vec())?;
        let (outs, d) = f(args).into_result()?.flatten_tree();
        *out_def.borrow_mut() = Some(d);
        Ok(outs)
    };
    let devices = Some(mesh.devices().to_vec());
    let stacked = nest(&body, mesh, &mapped, 0, devices)(split)?;
    let out_def: TreeDef = out_def.into_inner().ok_or_else(|| {
        Error::new(
            ErrorKind::Tree,
            "shard_map",
            "the function produced no output",
        )
    })?;
    let specs = prefix_leaves(out_specs, &out_def, ("out_specs", "output", "shard_map"))?;
    let outs = stacked
        .iter()
        .zip(&specs)
        .map(|(y, spec)| assemble(y, spec, mesh))
        .collect::<Result<Vec<_>>>()?;
    R::Tree::unflatten_tree(&out_def, outs)
}

/// The `pmap` over mesh axis `level` of the `pmap`s over the next ones,
/// around `body`; every output is stacked along every mesh axis.
fn nest<'a>(
    body: &'a dyn Fn(Vec<Array>) -> Result<Vec<Array>>,
    mesh: &'a Mesh,
    mapped: &'a [Vec<bool>],
    level: usize,
    devices: Option<Vec<usize>>,
) -> Box<dyn Fn(Vec<Array>) -> Result<Vec<Array>> + 'a> {
    if level == mesh.shape().len() {
        return Box::new(body);
    }
    let in_axes = AxisSpec::each(
        mapped
            .iter()
            .map(|m| if m[level] { 0.into() } else { AxisSpec::NONE }),
    );
    let spec = PmapSpec::default()
        .axis_name(&mesh.axis_names()[level])
        .in_axes(in_axes)
        .out_axes(0);
    let inner = nest(body, mesh, mapped, level + 1, None);
    Box::new(pmap_naming(move |x: Vec<Array>| inner(x), spec, devices))
}

/// A result stacked along every mesh axis, as the global array `spec`
/// lays out: axes the spec leaves out are read at index 0, the others
/// are merged into the dimensions they split.
fn assemble(y: &Array, spec: &PartitionSpec, mesh: &Mesh) -> Result<Array> {
    let k = mesh.shape().len();
    let shape = y.shape()?;
    let block = &shape[k..];
    if spec.0.len() > block.len() {
        return Err(Error::new(
            ErrorKind::Shape,
            "shard_map",
            format!(
                "out_specs {spec} has more entries than the result's {} dimensions",
                block.len()
            ),
        ));
    }
    // The global shape: each block dimension times the axes splitting it.
    let named = NamedSharding::new(mesh, spec.clone())?;
    let mut global = block.to_vec();
    for (d, dim) in spec.0.iter().enumerate() {
        for a in &dim.0 {
            global[d] *= mesh.axis_size(a).unwrap_or(1);
        }
    }
    let l = named.layout(&AVal::new(global.clone(), y.dtype()?), "shard_map")?;
    let unused: Vec<usize> = l.replicated_axes();
    let mut kept = y.clone();
    for &a in unused.iter().rev() {
        kept = lax::index_in_dim(&kept, 0, a as i64, false);
    }
    let (_, perm) = expansion(&global, &l);
    Ok(lax::transpose(&kept, &inverse(&perm)).reshape(&dims(&global)))
}
