//! `jit` over sharded arrays: the program keeps its global shapes, its
//! arguments and results carry their layouts, and XLA's SPMD partitioner
//! splits it over the mesh's devices and inserts the collectives. Each
//! call runs one partition per device on the arguments' pieces, and the
//! results come back as sharded arrays that stay on their devices.

use crate::Array;
use crate::runtime::{DeviceArray, Layouts, Placement, ShardedArray, devices_runtime};
use crate::sharded::{as_sharded, named_devices, put};
use crate::sharding::{Mesh, NamedSharding, block_shape};
use rjax_ir::{AVal, Error, ErrorKind, Jaxpr, MeshSharding, Result, Value};
use rjax_pjrt::{Buffer, Executable};
use std::sync::Arc;

/// Where a partitioned program runs and how its inputs (constants first)
/// and results are laid out.
pub(crate) struct Plan {
    devices: Vec<usize>,
    ins: Vec<(NamedSharding, MeshSharding)>,
    outs: Vec<(NamedSharding, MeshSharding)>,
    out_avals: Vec<AVal>,
}

/// The plan of `jaxpr` (its first `consts` inputs are captured constants)
/// for arguments and results with the given shardings (`None`:
/// replicated); `None` when neither they nor a constraint or `shard_map`
/// inside the program name devices, so the program runs on one device (or
/// on the replicas of its `pmap` calls).
pub(crate) fn plan(
    jaxpr: &Jaxpr,
    consts: usize,
    args: &[Option<NamedSharding>],
    outs: &[Option<NamedSharding>],
) -> Result<Option<Plan>> {
    let mut named = Vec::new();
    named_devices(jaxpr, &mut named);
    let given: Vec<&NamedSharding> = args.iter().chain(outs).flatten().collect();
    let mesh = match (given.first(), named.first()) {
        (Some(s), _) => s.mesh().clone(),
        (None, Some(d)) => Mesh::with_devices(&[d.len()], &["_devices"], d)?,
        (None, None) => return Ok(None),
    };
    let other = given
        .iter()
        .map(|s| s.mesh().devices())
        .chain(named.iter().map(Vec::as_slice))
        .find(|d| *d != mesh.devices());
    if let Some(d) = other {
        return Err(Error::new(
            ErrorKind::Param,
            "jit",
            format!(
                "the shardings, shard_maps and pmaps of one program must share their devices, but they use {:?} and {d:?}",
                mesh.devices()
            ),
        ));
    }
    let replicated = NamedSharding::replicated(&mesh);
    let lay = |shardings: Vec<Option<NamedSharding>>, avals: Vec<AVal>| {
        shardings
            .into_iter()
            .zip(avals)
            .map(|(s, a)| {
                let s = s.unwrap_or_else(|| replicated.clone());
                let layout = s.layout(&a, "jit")?;
                Ok((s, layout))
            })
            .collect::<Result<Vec<_>>>()
    };
    let in_shardings = std::iter::repeat_n(None, consts)
        .chain(args.iter().cloned())
        .collect();
    let in_avals = jaxpr.invars.iter().map(|v| v.aval.clone()).collect();
    let out_avals = jaxpr.out_avals();
    Ok(Some(Plan {
        devices: mesh.devices().to_vec(),
        ins: lay(in_shardings, in_avals)?,
        outs: lay(outs.to_vec(), out_avals.clone())?,
        out_avals,
    }))
}

impl Plan {
    fn layouts(&self) -> Layouts {
        let some =
            |v: &[(NamedSharding, MeshSharding)]| v.iter().map(|(_, l)| Some(l.clone())).collect();
        Layouts {
            args: some(&self.ins),
            outs: some(&self.outs),
        }
    }

    /// The annotated StableHLO text of `jaxpr` under this plan.
    pub(crate) fn lower_text(&self, jaxpr: &Jaxpr, name: &str) -> Result<String> {
        crate::runtime::lower_partitioned_text(jaxpr, name, &self.layouts(), self.devices.len())
    }
}

/// A compiled partitioned program, its constants on every device.
pub(crate) struct Partitioned {
    exe: Executable,
    consts: Vec<Arc<ShardedArray>>,
    /// Counts this program among its function's live ones until dropped.
    _live: Arc<()>,
}

pub(crate) fn compile(
    plan: &Plan,
    jaxpr: &Jaxpr,
    name: &str,
    consts: &[Value],
    live: Arc<()>,
) -> Result<Partitioned> {
    let rt = devices_runtime()?;
    let exe = rt.compile_partitioned(jaxpr, name, &plan.layouts(), &plan.devices)?;
    let consts = consts
        .iter()
        .zip(&plan.ins)
        .map(|(c, (s, _))| placed(&Array::from_value(c.clone()), s))
        .collect::<Result<_>>()?;
    Ok(Partitioned {
        exe,
        consts,
        _live: live,
    })
}

/// `x` laid out as `s` (as it is when it already is).
fn placed(x: &Array, s: &NamedSharding) -> Result<Arc<ShardedArray>> {
    let array = put(x, s)?;
    as_sharded(array.value()?).ok_or_else(|| {
        Error::new(
            ErrorKind::Runtime,
            "jit",
            "a sharded argument was not placed on its devices",
        )
    })
}

/// Run the program on arguments (after the constants): each is used in
/// place when it already has its planned sharding, and split otherwise.
pub(crate) fn run(plan: &Plan, program: &Partitioned, args: &[Value]) -> Result<Vec<Array>> {
    let consts = program.consts.len();
    let args = args
        .iter()
        .zip(&plan.ins[consts..])
        .map(|(v, (s, _))| placed(&Array::from_value(v.clone()), s))
        .collect::<Result<Vec<_>>>()?;
    let inputs: Vec<&Arc<ShardedArray>> = program.consts.iter().chain(&args).collect();
    let lists: Vec<Vec<&Buffer>> = (0..plan.devices.len())
        .map(|p| inputs.iter().map(|s| &s.shards[p].buffer).collect())
        .collect();
    let lists: Vec<&[&Buffer]> = lists.iter().map(Vec::as_slice).collect();
    let per_device = program
        .exe
        .execute(&lists)
        .map_err(|e| crate::runtime::pjrt_error("jit", e))?;
    let blocks: Vec<AVal> = plan
        .outs
        .iter()
        .zip(&plan.out_avals)
        .map(|((_, layout), a)| AVal::new(block_shape(&a.shape, layout), a.dtype))
        .collect();
    let mut per_output: Vec<Vec<Arc<DeviceArray>>> = vec![Vec::new(); plan.outs.len()];
    for device_outs in per_device {
        for ((buffer, list), block) in device_outs.into_iter().zip(&mut per_output).zip(&blocks) {
            list.push(Arc::new(DeviceArray {
                aval: block.clone(),
                buffer,
            }));
        }
    }
    Ok(per_output
        .into_iter()
        .zip(&plan.outs)
        .zip(&plan.out_avals)
        .map(|((shards, (s, layout)), aval)| {
            let placement = Placement::Named(s.clone(), layout.clone());
            let array = ShardedArray::placed(aval.clone(), shards, placement);
            Array::from_value(Value::Concrete(Arc::new(array)))
        })
        .collect())
}
