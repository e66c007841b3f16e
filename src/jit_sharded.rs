//! `jit` over sharded arrays: the program keeps its global shapes, its
//! arguments and results carry their layouts, and XLA's SPMD partitioner
//! splits it over the mesh's devices and inserts the collectives. Each
//! call runs one partition per device on the arguments' pieces, and the
//! results come back as sharded arrays that stay on their devices.
//!
//! Results without a given sharding are left to the partitioner, as in
//! JAX: their layouts are read back from the compiled program and named
//! over the mesh ([`matching_sharding`]). A layout no sharding of the mesh
//! describes (rare: a maximal sharding, or tiles cut across the mesh's
//! axes) is not kept: the program is compiled again with that result
//! replicated.

use crate::Array;
use crate::module::partitions::HloSharding;
use crate::runtime::{DeviceArray, Layouts, Placement, ShardedArray, devices_runtime};
use crate::sharded::{as_sharded, named_devices, put};
use crate::sharding::{Mesh, NamedSharding, block_shape, matching_sharding};
use rjax_ir::{AVal, Error, ErrorKind, Jaxpr, MeshSharding, Result, Value};
use rjax_pjrt::{Buffer, Executable};
use std::sync::Arc;

/// Where a partitioned program runs and how its inputs (constants first)
/// and results are laid out.
pub(crate) struct Plan {
    mesh: Mesh,
    devices: Vec<usize>,
    ins: Vec<(NamedSharding, MeshSharding)>,
    /// The results' given shardings; `None`: the partitioner chooses.
    outs: Vec<Option<Laid>>,
    out_avals: Vec<AVal>,
}

/// A sharding and its layout.
type Laid = (NamedSharding, MeshSharding);

/// The plan of `jaxpr` (its first `consts` inputs are captured constants)
/// for arguments and results with the given shardings (`None`: an
/// argument is replicated, a result laid out as the partitioner chooses);
/// `None` when neither they nor a constraint or `shard_map` inside the
/// program name devices, so the program runs on one device (or on the
/// replicas of its `pmap` calls).
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
    let in_shardings: Vec<Option<NamedSharding>> = std::iter::repeat_n(None, consts)
        .chain(args.iter().cloned())
        .collect();
    let ins = in_shardings
        .into_iter()
        .zip(&jaxpr.invars)
        .map(|(s, v)| lay(s.unwrap_or_else(|| replicated.clone()), &v.aval))
        .collect::<Result<_>>()?;
    let out_avals = jaxpr.out_avals();
    let outs = outs
        .iter()
        .zip(&out_avals)
        .map(|(s, a)| s.clone().map(|s| lay(s, a)).transpose())
        .collect::<Result<_>>()?;
    Ok(Some(Plan {
        devices: mesh.devices().to_vec(),
        mesh,
        ins,
        outs,
        out_avals,
    }))
}

/// `s` with its layout for an array of type `aval`, checked.
fn lay(s: NamedSharding, aval: &AVal) -> Result<Laid> {
    let layout = s.layout(aval, "jit")?;
    Ok((s, layout))
}

impl Plan {
    fn layouts(&self) -> Layouts {
        Layouts {
            args: self.ins.iter().map(|(_, l)| Some(l.clone())).collect(),
            outs: self
                .outs
                .iter()
                .map(|o| o.as_ref().map(|(_, l)| l.clone()))
                .collect(),
        }
    }

    /// Each result's sharding in the compiled `exe`: the given one, else
    /// the partitioner's choice named over the mesh; `None` where the
    /// plugin does not report it or no sharding of the mesh describes it.
    fn chosen_outs(&self, exe: &Executable) -> Result<Vec<Option<Laid>>> {
        let reported = exe
            .output_shardings()
            .map_err(|e| crate::runtime::pjrt_error("jit", e))?
            .filter(|r| r.len() == self.outs.len());
        let preferred: Vec<&NamedSharding> = self.ins.iter().map(|(s, _)| s).collect();
        self.outs
            .iter()
            .zip(&self.out_avals)
            .enumerate()
            .map(|(i, (given, aval))| {
                if given.is_some() {
                    return Ok(given.clone());
                }
                let Some(proto) = reported.as_ref().map(|r| &r[i]) else {
                    return Ok(None);
                };
                let chosen = HloSharding::from_proto(proto, aval.rank(), self.devices.len()).ok();
                chosen
                    .and_then(|c| matching_sharding(&self.mesh, &c, aval, &preferred))
                    .map(|s| lay(s, aval))
                    .transpose()
            })
            .collect()
    }

    /// The annotated StableHLO text of `jaxpr` under this plan.
    pub(crate) fn lower_text(&self, jaxpr: &Jaxpr, name: &str) -> Result<String> {
        crate::runtime::lower_partitioned_text(jaxpr, name, &self.layouts(), self.devices.len())
    }
}

/// A compiled partitioned program, its constants on every device.
pub(crate) struct Partitioned {
    exe: Executable,
    /// Each result's sharding, as compiled.
    outs: Vec<Laid>,
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
    let mut layouts = plan.layouts();
    let exe = rt.compile_partitioned(jaxpr, name, &layouts, &plan.devices)?;
    let chosen = plan.chosen_outs(&exe)?;
    let (exe, outs) = if chosen.iter().all(Option::is_some) {
        (exe, chosen.into_iter().flatten().collect())
    } else {
        // Ask for the layouts not named replicated, and compile again.
        let replicated = NamedSharding::replicated(&plan.mesh);
        let outs = chosen
            .into_iter()
            .zip(&plan.out_avals)
            .map(|(c, a)| c.map_or_else(|| lay(replicated.clone(), a), Ok))
            .collect::<Result<Vec<_>>>()?;
        layouts.outs = outs.iter().map(|(_, l)| Some(l.clone())).collect();
        let exe = rt.compile_partitioned(jaxpr, name, &layouts, &plan.devices)?;
        (exe, outs)
    };
    let consts = consts
        .iter()
        .zip(&plan.ins)
        .map(|(c, (s, _))| placed(&Array::from_value(c.clone()), s))
        .collect::<Result<_>>()?;
    Ok(Partitioned {
        exe,
        outs,
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
    let blocks: Vec<AVal> = program
        .outs
        .iter()
        .zip(&plan.out_avals)
        .map(|((_, layout), a)| AVal::new(block_shape(&a.shape, layout), a.dtype))
        .collect();
    let mut per_output: Vec<Vec<Arc<DeviceArray>>> = vec![Vec::new(); program.outs.len()];
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
        .zip(&program.outs)
        .zip(&plan.out_avals)
        .map(|((shards, (s, layout)), aval)| {
            let placement = Placement::Named(s.clone(), layout.clone());
            let array = ShardedArray::placed(aval.clone(), shards, placement);
            Array::from_value(Value::Concrete(Arc::new(array)))
        })
        .collect())
}
