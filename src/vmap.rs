//! `vmap`: map a function over an axis of its arguments, pushing the loop
//! into the primitives.

use crate::Array;
use crate::tree::{Tree, TreeDef, TreeOutput};
use rjax_ir::{Error, ErrorKind, Result, Value};
use std::panic::Location;

/// Which axis of each leaf is mapped: one axis (or `None`, not mapped) for
/// a whole subtree, or one spec per child of a node — a prefix of the
/// arguments' tree, like JAX's `in_axes`.
///
/// ```
/// use rjax::AxisSpec;
/// // (params, inputs, targets) with params shared: JAX's in_axes=(None, 0, 0)
/// let spec = AxisSpec::each([AxisSpec::NONE, 0.into(), 0.into()]);
/// # let _ = spec;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum AxisSpec {
    Axis(Option<i64>),
    Each(Vec<AxisSpec>),
}

impl AxisSpec {
    /// Not mapped.
    pub const NONE: AxisSpec = AxisSpec::Axis(None);

    /// One spec per child of a tuple, `Vec`, struct or map.
    pub fn each(specs: impl IntoIterator<Item = AxisSpec>) -> AxisSpec {
        AxisSpec::Each(specs.into_iter().collect())
    }

    /// The axis of every leaf of `def`, in order (`what` names the spec in
    /// errors).
    pub(crate) fn leaves_of(&self, def: &TreeDef, what: &str) -> Result<Vec<Option<i64>>> {
        self.leaves(def, what, "argument")
    }

    /// The axis of every leaf of `def`, in order.
    pub(crate) fn leaves(&self, def: &TreeDef, what: &str, path: &str) -> Result<Vec<Option<i64>>> {
        prefix_leaves(self, def, (what, path, "vmap"))
    }
}

/// One node of a spec written as a prefix of a tree: a value for a whole
/// subtree, or one spec per child.
pub(crate) enum PrefixNode<'a, S, L> {
    Leaf(L),
    Each(&'a [S]),
}

/// A spec given as a prefix of a tree's structure (`in_axes`,
/// `in_shardings`, ...).
pub(crate) trait TreePrefix: Sized {
    type Leaf: Clone;
    fn node(&self) -> PrefixNode<'_, Self, Self::Leaf>;
}

impl TreePrefix for AxisSpec {
    type Leaf = Option<i64>;
    fn node(&self) -> PrefixNode<'_, Self, Option<i64>> {
        match self {
            AxisSpec::Axis(a) => PrefixNode::Leaf(*a),
            AxisSpec::Each(specs) => PrefixNode::Each(specs),
        }
    }
}

/// The value of `spec` at every leaf of `def`, in order (`what` names the
/// spec and `op` the operation in errors, `path` is where `def` sits).
pub(crate) fn prefix_leaves<S: TreePrefix>(
    spec: &S,
    def: &TreeDef,
    (what, path, op): (&str, &str, &str),
) -> Result<Vec<S::Leaf>> {
    match (spec.node(), def) {
        (PrefixNode::Leaf(a), d) => Ok(vec![a; d.num_leaves()]),
        (PrefixNode::Each(specs), TreeDef::Node(_, children) | TreeDef::Struct(_, _, children))
            if specs.len() == children.len() =>
        {
            let mut out = Vec::new();
            for (i, (s, c)) in specs.iter().zip(children).enumerate() {
                out.extend(prefix_leaves(s, c, (what, &format!("{path}.{i}"), op))?);
            }
            Ok(out)
        }
        (PrefixNode::Each(specs), TreeDef::Dict(children)) if specs.len() == children.len() => {
            let mut out = Vec::new();
            for (s, (k, c)) in specs.iter().zip(children) {
                out.extend(prefix_leaves(s, c, (what, &format!("{path}[{k:?}]"), op))?);
            }
            Ok(out)
        }
        (PrefixNode::Each(specs), d) => Err(Error::new(
            ErrorKind::Tree,
            op,
            format!(
                "{what} at `{path}` has {} entries, but the value there has structure {d:?}",
                specs.len()
            ),
        )),
    }
}

impl From<i64> for AxisSpec {
    fn from(a: i64) -> AxisSpec {
        AxisSpec::Axis(Some(a))
    }
}
impl From<i32> for AxisSpec {
    fn from(a: i32) -> AxisSpec {
        AxisSpec::Axis(Some(a as i64))
    }
}
impl From<Option<i64>> for AxisSpec {
    fn from(a: Option<i64>) -> AxisSpec {
        AxisSpec::Axis(a)
    }
}

/// How [`vmap_with`] maps: input axes, output axes, and the batch size for
/// functions with no mapped input.
#[derive(Clone, Debug, PartialEq)]
pub struct VmapSpec {
    pub in_axes: AxisSpec,
    pub out_axes: AxisSpec,
    pub axis_size: Option<usize>,
    /// The name collectives (`lax::psum`, ...) use for the mapped axis.
    pub axis_name: Option<String>,
}

impl Default for VmapSpec {
    fn default() -> Self {
        VmapSpec {
            in_axes: 0.into(),
            out_axes: 0.into(),
            axis_size: None,
            axis_name: None,
        }
    }
}

impl VmapSpec {
    pub fn in_axes(mut self, spec: impl Into<AxisSpec>) -> Self {
        self.in_axes = spec.into();
        self
    }
    pub fn out_axes(mut self, spec: impl Into<AxisSpec>) -> Self {
        self.out_axes = spec.into();
        self
    }
    pub fn axis_size(mut self, n: usize) -> Self {
        self.axis_size = Some(n);
        self
    }
    pub fn axis_name(mut self, name: &str) -> Self {
        self.axis_name = Some(name.to_string());
        self
    }
}

/// Map `f` over axis 0 of every argument leaf, stacking results along
/// axis 0.
///
/// ```
/// use rjax::{vmap, Array};
/// let rows = vmap(|r: Array| r.sum())(Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[2, 2]));
/// assert_eq!(rows.unwrap().to_vec::<f32>().unwrap(), vec![3.0, 7.0]);
/// ```
#[track_caller]
pub fn vmap<I: Tree, R: TreeOutput>(f: impl Fn(I) -> R) -> impl Fn(I) -> Result<R::Tree> {
    vmap_with(f, VmapSpec::default())
}

/// [`vmap`] with explicit input and output axes.
#[track_caller]
pub fn vmap_with<I: Tree, R: TreeOutput>(
    f: impl Fn(I) -> R,
    spec: VmapSpec,
) -> impl Fn(I) -> Result<R::Tree> {
    let location = Location::caller();
    move |x: I| {
        (|| {
            let (leaves, def) = x.flatten_tree();
            let (values, in_dims, size) = prepare(&spec, &leaves, &def)?;
            let mut out_def = None;
            let outs = rjax_transforms::vmap(
                |vals| {
                    let args = I::unflatten_tree(
                        &def,
                        vals.iter().cloned().map(Array::from_value).collect(),
                    )?;
                    let (outs, d) = f(args).into_result()?.flatten_tree();
                    out_def = Some(d);
                    outs.iter().map(|a| a.value().cloned()).collect()
                },
                &values,
                &in_dims,
                size,
                spec.axis_name.as_deref(),
            )?;
            let d = out_def.ok_or_else(|| Error::new(ErrorKind::Tree, "vmap", "no output"))?;
            let axes = spec.out_axes.leaves(&d, "out_axes", "output")?;
            let arrays = outs
                .into_iter()
                .zip(axes)
                .map(|((v, bdim), axis)| place_output(v, bdim, axis, size).map(Array::from_value))
                .collect::<Result<Vec<_>>>()?;
            R::Tree::unflatten_tree(&d, arrays)
        })()
        .map_err(|e: Error| e.at(location))
    }
}

/// The leaves' values, their batch axes and the common batch size.
fn prepare(
    spec: &VmapSpec,
    leaves: &[Array],
    def: &TreeDef,
) -> Result<(Vec<Value>, Vec<Option<usize>>, usize)> {
    let axes = spec.in_axes.leaves(def, "in_axes", "argument")?;
    let values = leaves
        .iter()
        .map(|a| a.value().cloned())
        .collect::<Result<Vec<_>>>()?;
    let mut size = spec.axis_size;
    let mut dims = Vec::with_capacity(values.len());
    for (i, (v, axis)) in values.iter().zip(axes).enumerate() {
        let Some(a) = axis else {
            dims.push(None);
            continue;
        };
        let aval = v.aval();
        let r = aval.rank() as i64;
        if a < -r || a >= r {
            return Err(Error::new(
                ErrorKind::Axis,
                "vmap",
                format!("in_axes {a} is out of range for argument leaf {i} of type {aval}"),
            )
            .with_operands(vec![aval]));
        }
        let a = a.rem_euclid(r) as usize;
        let n = aval.shape[a];
        match size {
            Some(s) if s != n => {
                return Err(Error::new(
                    ErrorKind::Shape,
                    "vmap",
                    format!("argument leaf {i} of type {aval} has size {n} along axis {a}, but the mapped size is {s}"),
                )
                .with_operands(vec![aval]));
            }
            _ => size = Some(n),
        }
        dims.push(Some(a));
    }
    let size = size.ok_or_else(|| {
        Error::new(
            ErrorKind::Param,
            "vmap",
            "no argument is mapped: give axis_size",
        )
    })?;
    Ok((values, dims, size))
}

/// An output with its batch axis at `axis` (or unmapped when `None`).
pub(crate) fn place_output(
    v: Value,
    bdim: Option<usize>,
    axis: Option<i64>,
    size: usize,
) -> Result<Value> {
    match axis {
        None if bdim.is_none() => Ok(v),
        None => Err(Error::new(
            ErrorKind::Axis,
            "vmap",
            "out_axes is None for an output that varies across the batch",
        )),
        Some(a) => {
            let r = v.aval().rank() as i64 + i64::from(bdim.is_none());
            if a < -r || a >= r {
                return Err(Error::new(
                    ErrorKind::Axis,
                    "vmap",
                    format!("out_axes {a} is out of range for an output of rank {r}"),
                ));
            }
            rjax_transforms::with_batch_axis(&v, bdim, size, a.rem_euclid(r) as usize)
        }
    }
}
