//! Sharded arrays: [`device_put`] splits an array over a mesh,
//! [`Array::sharding`] and [`Array::addressable_shards`] show where its
//! pieces live, and [`with_sharding_constraint`] asks XLA's partitioner
//! for a layout inside a traced program.

use crate::Array;
use crate::runtime::{DeviceArray, Placement, ShardedArray, devices_runtime};
use crate::sharding::{Mesh, NamedSharding, PartitionSpec, block_ranges, block_shape, cut_block};
use crate::vmap::{PrefixNode, TreePrefix};
use rjax_ir::{
    AVal, BatchedRule, CustomCall, CustomCallLowering, CustomRule, Error, ErrorKind, Jaxpr,
    MeshSharding, Primitive, Result, Value,
};
use std::ops::Range;
use std::panic::Location;
use std::sync::Arc;

/// One device's piece of an array.
#[derive(Clone, Debug)]
pub struct Shard {
    /// The device (index among the client's devices).
    pub device: usize,
    /// The element range along each dimension that the piece covers.
    pub index: Vec<Range<usize>>,
    /// The piece, on its device.
    pub data: Array,
}

/// The array `x` split over a mesh as `sharding` says, one piece per device
/// (a host array, an array on one device, or a sharded one). Inside a
/// traced function it is [`with_sharding_constraint`].
///
/// ```
/// use rjax::{device_put, numpy as jnp, Mesh, NamedSharding, P};
/// let mesh = Mesh::new(&[4, 2], &["data", "model"]).unwrap();
/// let x = jnp::arange_f32(0.0, 16.0, 1.0).reshape(&[8, 2]);
/// let y = device_put(&x, &NamedSharding::new(&mesh, P!["data"]).unwrap());
/// let shards = y.addressable_shards().unwrap();
/// assert_eq!(shards.len(), 8);
/// assert_eq!(shards[2].index, [2..4, 0..2]); // devices 2 and 3 hold rows 2..4
/// assert_eq!(shards[2].data.to_vec::<f32>().unwrap(), [4.0, 5.0, 6.0, 7.0]);
/// assert_eq!(y.to_vec::<f32>().unwrap(), x.to_vec::<f32>().unwrap());
/// ```
#[track_caller]
pub fn device_put(x: &Array, sharding: &NamedSharding) -> Array {
    let location = Location::caller();
    Array::from_result(put(x, sharding)).located(location)
}

pub(crate) fn put(x: &Array, sharding: &NamedSharding) -> Result<Array> {
    let v = x.value()?;
    if rjax_ir::is_tracing() || v.is_traced() {
        return Ok(with_sharding_constraint(x, sharding));
    }
    if let Some(s) = as_sharded(v)
        && s.named().is_some_and(|(n, _)| n == sharding)
    {
        return Ok(x.clone());
    }
    let (bytes, aval) = x.host_bytes()?;
    let aval = AVal::new(aval.shape, aval.dtype);
    let layout = sharding.layout(&aval, "device_put")?;
    let block = AVal::new(block_shape(&aval.shape, &layout), aval.dtype);
    let rt = devices_runtime()?;
    let shards = (0..layout.num_devices())
        .map(|p| {
            let piece = cut_block(&bytes, &aval, &layout, p);
            rt.upload_to(&piece, block.clone(), layout.devices[p])
                .map(Arc::new)
        })
        .collect::<Result<Vec<_>>>()?;
    let placement = Placement::Named(sharding.clone(), layout);
    let array = ShardedArray::placed(aval, shards, placement);
    Ok(Array::from_value(Value::Concrete(Arc::new(array))))
}

/// The sharded array behind a concrete value, if it is one.
pub(crate) fn as_sharded(v: &Value) -> Option<Arc<ShardedArray>> {
    let Value::Concrete(c) = v else { return None };
    let any: Arc<dyn std::any::Any + Send + Sync> = c.clone();
    any.downcast::<ShardedArray>().ok()
}

fn device_of(v: &Value) -> usize {
    let Value::Concrete(c) = v else { return 0 };
    let any: &dyn std::any::Any = c.as_ref();
    any.downcast_ref::<DeviceArray>()
        .map_or(0, |d| d.buffer.device_index())
}

impl Array {
    /// Where the array lives: its [`NamedSharding`], or a single device's
    /// (`pmap` results: a one-axis mesh over their devices splitting
    /// axis 0). Traced arrays have none.
    #[track_caller]
    pub fn sharding(&self) -> Result<NamedSharding> {
        let location = Location::caller();
        self.sharding_inner().map_err(|e| e.at(location))
    }

    fn sharding_inner(&self) -> Result<NamedSharding> {
        let v = self.value()?;
        if v.is_traced() {
            return Err(Error::new(
                ErrorKind::Concretization,
                "sharding",
                "a traced array has no placement yet",
            )
            .with_operands(vec![v.aval()]));
        }
        match as_sharded(v) {
            Some(s) => match &s.placement {
                Placement::Named(n, _) => Ok(n.clone()),
                Placement::Stacked => {
                    let devices: Vec<usize> =
                        s.shards.iter().map(|d| d.buffer.device_index()).collect();
                    let mesh = Mesh::with_devices(&[devices.len()], &["_pmap"], &devices)?;
                    NamedSharding::new(&mesh, crate::P!["_pmap"])
                }
            },
            None => NamedSharding::single_device(device_of(v)),
        }
    }

    /// Each device's piece of the array, with the element ranges it covers.
    /// An array on one device is its only piece.
    #[track_caller]
    pub fn addressable_shards(&self) -> Result<Vec<Shard>> {
        let location = Location::caller();
        self.shards_inner().map_err(|e| e.at(location))
    }

    fn shards_inner(&self) -> Result<Vec<Shard>> {
        let sharding = self.sharding_inner()?;
        let v = self.value()?;
        let aval = v.aval();
        let whole = || aval.shape.iter().map(|&n| 0..n).collect::<Vec<_>>();
        let Some(s) = as_sharded(v) else {
            return Ok(vec![Shard {
                device: sharding.mesh().devices()[0],
                index: whole(),
                data: self.clone(),
            }]);
        };
        let rt = devices_runtime()?;
        s.shards
            .iter()
            .enumerate()
            .map(|(p, d)| {
                let device = d.buffer.device_index();
                Ok(match &s.placement {
                    Placement::Named(_, layout) => Shard {
                        device,
                        index: block_ranges(&aval.shape, layout, p),
                        data: Array::from_value(Value::Concrete(d.clone())),
                    },
                    // A pmap member lacks the leading axis: give it back.
                    Placement::Stacked => {
                        let mut index = whole();
                        index[0] = p..p + 1;
                        let mut shape = aval.shape.clone();
                        shape[0] = 1;
                        let piece = rt.upload_to(&d.to_host()?, aval.with_shape(shape), device)?;
                        Shard {
                            device,
                            index,
                            data: Array::from_value(Value::Concrete(Arc::new(piece))),
                        }
                    }
                })
            })
            .collect()
    }
}

/// Ask XLA's partitioner to lay `x` out as `sharding` at this point of a
/// traced program (`jax.lax.with_sharding_constraint`); outside any trace
/// it is [`device_put`]. It is the identity on values, differentiates to
/// the same constraint on tangents and cotangents, and under `vmap` leaves
/// the batch axis whole.
///
/// ```
/// use rjax::{jit, lax, numpy as jnp, Array, Mesh, NamedSharding, P};
/// let mesh = Mesh::new(&[8], &["x"]).unwrap();
/// let rows = NamedSharding::new(&mesh, P!["x"]).unwrap();
/// let f = jit(move |a: Array| lax::with_sharding_constraint(&(&a * 2.0), &rows).sum());
/// let out = f.call(jnp::ones(&[16, 4], rjax::DType::F32)).unwrap();
/// assert_eq!(out.item::<f32>().unwrap(), 128.0);
/// ```
#[track_caller]
pub fn with_sharding_constraint(x: &Array, sharding: &NamedSharding) -> Array {
    let location = Location::caller();
    let made = (|| {
        let v = x.value()?;
        if !rjax_ir::is_tracing() && !v.is_traced() {
            return put(x, sharding);
        }
        let layout = sharding.layout(&v.aval(), "with_sharding_constraint")?;
        let rule = ShardingConstraint {
            sharding: sharding.clone(),
            layout,
        };
        Ok(Array::from_value(rule.bind(v)?))
    })();
    Array::from_result(made).located(location)
}

/// The rule of `with_sharding_constraint`.
#[derive(Clone)]
struct ShardingConstraint {
    sharding: NamedSharding,
    layout: MeshSharding,
}

impl ShardingConstraint {
    fn bind(&self, x: &Value) -> Result<Value> {
        crate::eager::install();
        let rule: Arc<dyn CustomRule> = Arc::new(self.clone());
        let mut outs = rjax_ir::bind(
            &Primitive::Custom(CustomCall(rule)),
            std::slice::from_ref(x),
        )?;
        outs.pop()
            .ok_or_else(|| self.unsupported("a call without result"))
    }
}

impl CustomRule for ShardingConstraint {
    fn name(&self) -> &str {
        "sharding_constraint"
    }
    fn out_avals(&self, in_avals: &[AVal]) -> Result<Vec<AVal>> {
        match in_avals {
            [a] if a.rank() == self.layout.dim_axes.len() => Ok(vec![a.clone()]),
            _ => Err(Error::new(
                ErrorKind::Shape,
                "sharding_constraint",
                format!("{} does not fit these operands", self.sharding),
            )
            .with_operands(in_avals.to_vec())),
        }
    }
    fn jaxpr(&self) -> Option<&Jaxpr> {
        None
    }
    fn num_outputs(&self) -> usize {
        1
    }
    fn eval(&self, args: &[Value]) -> Result<Vec<Value>> {
        Ok(args.to_vec())
    }
    fn jvp(
        &self,
        primals: &[Value],
        tangents: &[Option<Value>],
    ) -> Result<(Vec<Value>, Vec<Option<Value>>)> {
        let primal = self.bind(&primals[0])?;
        let tangent = tangents[0].as_ref().map(|t| self.bind(t)).transpose()?;
        Ok((vec![primal], vec![tangent]))
    }
    fn transpose(
        &self,
        _known: &[Option<Value>],
        cotangents: &[Value],
    ) -> Result<Vec<Option<Value>>> {
        Ok(vec![Some(self.bind(&cotangents[0])?)])
    }
    fn batched(&self, _size: usize) -> Option<Result<BatchedRule>> {
        let mut spec = self.sharding.spec().0.clone();
        spec.insert(0, Default::default());
        let mut layout = self.layout.clone();
        layout.dim_axes.insert(0, Vec::new());
        let rule = ShardingConstraint {
            sharding: NamedSharding::new(self.sharding.mesh(), PartitionSpec(spec)).ok()?,
            layout,
        };
        Some(Ok(BatchedRule {
            rule: Arc::new(rule),
            consts: Vec::new(),
        }))
    }
    fn lowering(&self) -> Option<CustomCallLowering> {
        Some(CustomCallLowering {
            target: "Sharding".into(),
            backend_config: Vec::new(),
            has_side_effect: false,
            sharding: Some(self.layout.clone()),
        })
    }
}

/// Shardings given as a prefix of a tree (like `in_axes`): one sharding
/// (or `None`: unconstrained) for a whole subtree, or one spec per child.
///
/// ```
/// use rjax::{Mesh, NamedSharding, Shardings, P};
/// let mesh = Mesh::new(&[8], &["data"]).unwrap();
/// let batch = NamedSharding::new(&mesh, P!["data"]).unwrap();
/// // (params, batch): params replicated, inputs split by rows.
/// let spec = Shardings::each([NamedSharding::replicated(&mesh).into(), batch.into()]);
/// # let _ = spec;
/// ```
#[derive(Clone, Debug, PartialEq)]
pub enum Shardings {
    Leaf(Option<NamedSharding>),
    Each(Vec<Shardings>),
}

impl Shardings {
    /// Unconstrained: an argument keeps its own sharding (replicated when
    /// it has none); a result gets the one XLA's partitioner chooses.
    pub const NONE: Shardings = Shardings::Leaf(None);

    /// One spec per child of a tuple, `Vec`, struct or map.
    pub fn each(specs: impl IntoIterator<Item = Shardings>) -> Shardings {
        Shardings::Each(specs.into_iter().collect())
    }
}

impl From<NamedSharding> for Shardings {
    fn from(s: NamedSharding) -> Shardings {
        Shardings::Leaf(Some(s))
    }
}
impl From<&NamedSharding> for Shardings {
    fn from(s: &NamedSharding) -> Shardings {
        Shardings::Leaf(Some(s.clone()))
    }
}

impl TreePrefix for Shardings {
    type Leaf = Option<NamedSharding>;
    fn node(&self) -> PrefixNode<'_, Self, Option<NamedSharding>> {
        match self {
            Shardings::Leaf(s) => PrefixNode::Leaf(s.clone()),
            Shardings::Each(specs) => PrefixNode::Each(specs),
        }
    }
}

/// The device lists that `jaxpr` (and the programs inside it) names: those
/// of its sharding constraints, and those of its `pmap` calls outside any
/// other call (the devices a call names, `shard_map`'s mesh's; else
/// `0..` its grid's size), which run as manual regions of the program.
pub(crate) fn named_devices(jaxpr: &Jaxpr, out: &mut Vec<Vec<usize>>) {
    walk_named_devices(jaxpr, false, out);
}

fn walk_named_devices(jaxpr: &Jaxpr, in_pmap: bool, out: &mut Vec<Vec<usize>>) {
    for eqn in &jaxpr.eqns {
        match &eqn.prim {
            Primitive::Custom(c) => {
                if let Some(s) = c.0.lowering().and_then(|l| l.sharding) {
                    out.push(s.devices);
                }
                if let Some(j) = c.0.jaxpr() {
                    walk_named_devices(j, in_pmap, out);
                }
            }
            Primitive::Pmap(p) if !in_pmap => out.push(match &p.devices {
                Some(d) => d.clone(),
                None => {
                    let grid =
                        rjax_lower::device_grid(&p.body.0, &[(p.axis_name.clone(), p.axis_size)])
                            .unwrap_or_default();
                    (0..grid.iter().map(|(_, n)| n).product()).collect()
                }
            }),
            _ => {}
        }
        let in_pmap = in_pmap || matches!(eqn.prim, Primitive::Pmap(_));
        for (_, sub) in eqn.prim.sub_jaxprs() {
            walk_named_devices(sub, in_pmap, out);
        }
    }
}
