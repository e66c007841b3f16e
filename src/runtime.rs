//! The process-wide PJRT runtime: plugin discovery, the clients,
//! compilation and the device arrays that concrete values live in.
//!
//! On the CPU plugin with more than one device, single-device work runs on
//! a client of its own with one device, and the multi-device client is
//! created on the first `pmap`, sharding or device count (see `Clients`
//! and docs/decisions.md, "Single-device programs on the 8-device CPU
//! client").

use crate::compilation_cache::{self, DiskCache};
use crate::sharding::NamedSharding;
use rjax_ir::{
    AVal, Concrete, DType, Error, ErrorKind, Jaxpr, Literal, MeshSharding, Result, Value,
};
use rjax_lower::LowerOptions;
use rjax_pjrt::{Buffer, Client, ClientOptions, CompileOptions, ElementType, Executable, Plugin};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

/// A scalar literal by dtype and bytes.
type ScalarKey = (DType, Vec<u8>);

/// One client of the plugin and its caches: what eager execution, `jit`,
/// `pmap` and sharding compile on and upload to.
pub(crate) struct Runtime {
    pub client: Client,
    /// The persistent compilation cache; `None` when off.
    pub disk_cache: Option<&'static DiskCache>,
    scalars: Mutex<HashMap<ScalarKey, Arc<DeviceArray>>>,
}

/// The loaded plugin and the clients made of it, each created on first use.
struct Platform {
    plugin: Arc<Plugin>,
    disk_cache: Option<DiskCache>,
    /// The options of the client that sees every device.
    options: ClientOptions,
    clients: Clients,
}

/// Which clients a platform has.
enum Clients {
    /// One client for everything: a CPU plugin asked for one device, or a
    /// plugin whose device count is the hardware's (CUDA).
    One(OnceLock<Result<Runtime>>),
    /// The CPU plugin with several devices: XLA sizes a CPU client's
    /// thread pools to its device count when that exceeds the cores, so
    /// single-device programs get a one-device client whose pools match
    /// the cores, and the multi-device client serves `pmap` and sharding.
    Split {
        single: OnceLock<Result<Runtime>>,
        devices: OnceLock<Result<Runtime>>,
    },
}

impl Clients {
    /// The choice, in one place: a second client only for CPU options
    /// asking for more than one device.
    fn for_options(options: &ClientOptions) -> Clients {
        match options.cpu_device_count {
            Some(n) if n > 1 => Clients::Split {
                single: OnceLock::new(),
                devices: OnceLock::new(),
            },
            _ => Clients::One(OnceLock::new()),
        }
    }
}

static PLATFORM: OnceLock<Result<Platform>> = OnceLock::new();

fn platform() -> Result<&'static Platform> {
    PLATFORM
        .get_or_init(Platform::start)
        .as_ref()
        .map_err(Clone::clone)
}

/// The runtime of single-device work (eager operations, `jit` of programs
/// on one device, uploads), created on first use: loads the plugin and
/// creates its client.
pub(crate) fn runtime() -> Result<&'static Runtime> {
    let p = platform()?;
    match &p.clients {
        Clients::One(only) => p.client(only, &p.options),
        Clients::Split { single, .. } => {
            let one = ClientOptions {
                cpu_device_count: Some(1),
                ..p.options.clone()
            };
            p.client(single, &one)
        }
    }
}

/// The runtime that sees every device (`pmap`, sharding, device counts),
/// created on first use.
pub(crate) fn devices_runtime() -> Result<&'static Runtime> {
    let p = platform()?;
    match &p.clients {
        Clients::One(only) => p.client(only, &p.options),
        Clients::Split { devices, .. } => p.client(devices, &p.options),
    }
}

/// The runtime of a program replicated over `replicas` devices.
pub(crate) fn runtime_for(replicas: usize) -> Result<&'static Runtime> {
    if replicas > 1 {
        devices_runtime()
    } else {
        runtime()
    }
}

/// The runtime that runs `jaxpr`: the one of all devices when the `pmap`
/// calls inside it need several, else the single-device one.
pub(crate) fn runtime_of(jaxpr: &Jaxpr) -> Result<&'static Runtime> {
    runtime_for(replicas(&rjax_lower::device_grid(jaxpr, &[])?))
}

/// The persistent compilation cache, when it is on (loads the plugin).
pub(crate) fn disk_cache() -> Result<Option<&'static DiskCache>> {
    Ok(platform()?.disk_cache.as_ref())
}

impl Platform {
    fn start() -> Result<Platform> {
        let env = |name| std::env::var_os(name).map(|v| v.to_string_lossy().into_owned());
        let cpu_options = ClientOptions {
            cpu_device_count: Some(cpu_device_count(env("RJAX_CPU_DEVICE_COUNT").as_deref())?),
            asynchronous: Some(asynchronous(env("RJAX_ASYNC").as_deref())?),
        };
        let cuda = is_cuda(env("RJAX_PLATFORM").as_deref())?;
        // The CUDA plugin refuses create options it does not know, and
        // these two are the CPU plugin's.
        let options = if cuda {
            ClientOptions::default()
        } else {
            cpu_options
        };
        let retain = retain_host_buffers(env("RJAX_HOST_MALLOC").as_deref())?;
        let (path, sha256) = plugin_source(cuda)?;
        if retain && !cuda && !malloc_tuned_by_user() {
            rjax_pjrt::retain_host_buffers();
        }
        crate::dump::before_plugin_load()?;
        quiet_plugin_logs();
        let disk_cache = DiskCache::from_env(&match sha256 {
            Some(hash) => format!("sha256 {hash}"),
            None => compilation_cache::file_identity(&path),
        })?;
        let plugin = match sha256 {
            Some(hash) => Plugin::load_verified(&path, hash),
            None => Plugin::load(&path),
        }
        .map_err(|e| pjrt_error("load plugin", e))?;
        Ok(Platform {
            plugin,
            disk_cache,
            clients: Clients::for_options(&options),
            options,
        })
    }

    /// The runtime in `slot`, creating its client with `options` the first
    /// time. Clients live as long as the process.
    fn client(
        &'static self,
        slot: &'static OnceLock<Result<Runtime>>,
        options: &ClientOptions,
    ) -> Result<&'static Runtime> {
        slot.get_or_init(|| {
            let client = Client::new(self.plugin.clone(), options)
                .map_err(|e| pjrt_error("create client", e))?;
            Ok(Runtime {
                client,
                disk_cache: self.disk_cache.as_ref(),
                scalars: Mutex::default(),
            })
        })
        .as_ref()
        .map_err(Clone::clone)
    }
}

impl Runtime {
    /// Lower and compile a Jaxpr that closes over nothing, replicated over
    /// the mapped `axes` and those of the `pmap` calls inside it (none: one
    /// device).
    pub fn compile(
        &self,
        jaxpr: &Jaxpr,
        name: &str,
        axes: &[(String, usize)],
    ) -> Result<Executable> {
        self.compile_on(jaxpr, name, axes, None)
    }

    /// [`Runtime::compile`] with replica `r` on device `devices[r]` (indices
    /// among the client's devices; `None`: replica `r` on device `r`).
    pub fn compile_on(
        &self,
        jaxpr: &Jaxpr,
        name: &str,
        axes: &[(String, usize)],
        devices: Option<&[usize]>,
    ) -> Result<Executable> {
        let grid = rjax_lower::device_grid(jaxpr, axes)?;
        let available = self.client.devices().len();
        if replicas(&grid) > available {
            return Err(Error::new(
                ErrorKind::Shape,
                name,
                format!(
                    "the mapped axes {grid:?} need {} devices, but only {available} exist (set RJAX_CPU_DEVICE_COUNT for more CPU devices)",
                    replicas(&grid)
                ),
            ));
        }
        let text = lower_text(jaxpr, name, &grid)?;
        let all = self.client.devices();
        let device_assignment = match devices {
            None => None,
            Some(list) if list.len() == replicas(&grid) && list.iter().all(|&d| d < available) => {
                Some(list.iter().map(|&d| all[d].id).collect())
            }
            Some(list) => {
                return Err(Error::new(
                    ErrorKind::Param,
                    name,
                    format!(
                        "devices {list:?} do not give each of the {} replicas one of the {available} devices",
                        replicas(&grid)
                    ),
                ));
            }
        };
        let opts = CompileOptions {
            num_replicas: replicas(&grid) as u32,
            device_assignment,
            ..CompileOptions::default()
        };
        self.compile_traced(jaxpr, name, &text, &opts)
    }

    /// Lower and compile a program for XLA's SPMD partitioner: one
    /// partition on each of `devices` (indices among the client's), the
    /// arguments (constants first) and results laid out as given; results
    /// without a layout get the one the partitioner chooses (read it back
    /// with [`Executable::output_shardings`]).
    pub fn compile_partitioned(
        &self,
        jaxpr: &Jaxpr,
        name: &str,
        layouts: &Layouts,
        devices: &[usize],
    ) -> Result<Executable> {
        let text = lower_partitioned_text(jaxpr, name, layouts, devices.len())?;
        let all = self.client.devices();
        let opts = CompileOptions {
            num_replicas: 1,
            num_partitions: devices.len() as u32,
            use_spmd_partitioning: true,
            device_assignment: Some(devices.iter().map(|&d| all[d].id).collect()),
            propagate_output_shardings: if layouts.outs.iter().any(Option::is_none) {
                layouts.outs.iter().map(Option::is_none).collect()
            } else {
                Vec::new()
            },
        };
        self.compile_traced(jaxpr, name, &text, &opts)
    }

    /// Compile the StableHLO `text` lowered from `jaxpr`, and dump both
    /// when dumping is on.
    fn compile_traced(
        &self,
        jaxpr: &Jaxpr,
        name: &str,
        text: &str,
        opts: &CompileOptions,
    ) -> Result<Executable> {
        let started = std::time::Instant::now();
        let executable = self.compile_text(text, opts, name)?;
        crate::dump::compiled(&crate::dump::Compiled {
            jaxpr,
            name,
            stablehlo: text,
            options: opts,
            executable: &executable,
            compile_time: started.elapsed(),
            devices: self.client.devices().len(),
        })?;
        Ok(executable)
    }

    /// Compile StableHLO text, through the persistent compilation cache
    /// when it is on.
    pub fn compile_text(
        &self,
        text: &str,
        opts: &CompileOptions,
        name: &str,
    ) -> Result<Executable> {
        match &self.disk_cache {
            Some(cache) => cache.compile(&self.client, text, opts),
            None => self.client.compile(text, opts),
        }
        .map_err(|e| pjrt_error(name, e))
    }

    /// Copy host bytes to device 0 as an array of type `aval`.
    pub fn upload(&self, bytes: &[u8], aval: AVal) -> Result<DeviceArray> {
        self.upload_to(bytes, aval, 0)
    }

    /// Copy host bytes to `device` as an array of type `aval`.
    pub fn upload_to(&self, bytes: &[u8], aval: AVal, device: usize) -> Result<DeviceArray> {
        let dims: Vec<i64> = aval.shape.iter().map(|&d| d as i64).collect();
        let buffer = self
            .client
            .buffer_from_host(bytes, element_type(aval.dtype), &dims, device)
            .map_err(|e| pjrt_error("device_put", e))?;
        Ok(DeviceArray { aval, buffer })
    }

    /// A device copy of a scalar literal, shared between uses.
    pub fn scalar(&self, l: &Literal) -> Result<Arc<DeviceArray>> {
        let key = (l.dtype, l.to_bytes());
        let mut cache = self.scalars.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(a) = cache.get(&key) {
            return Ok(a.clone());
        }
        if cache.len() >= 4096 {
            cache.clear();
        }
        let a = Arc::new(self.upload(&key.1, l.aval())?);
        cache.insert(key, a.clone());
        Ok(a)
    }
}

/// StableHLO text of a Jaxpr that closes over nothing.
pub(crate) fn lower_text(jaxpr: &Jaxpr, name: &str, axes: &[(String, usize)]) -> Result<String> {
    let grid = rjax_lower::device_grid(jaxpr, axes)?;
    let opts = LowerOptions {
        module_name: name.to_string(),
        num_replicas: replicas(&grid),
        axes: grid,
        ..LowerOptions::default()
    };
    rjax_lower::lower(jaxpr, &opts)
}

/// The layouts of a partitioned program's arguments (constants first)
/// and results.
pub(crate) struct Layouts {
    pub args: Vec<Option<MeshSharding>>,
    pub outs: Vec<Option<MeshSharding>>,
}

/// StableHLO text of a Jaxpr that closes over nothing, annotated for XLA's
/// SPMD partitioner over `partitions` devices.
pub(crate) fn lower_partitioned_text(
    jaxpr: &Jaxpr,
    name: &str,
    layouts: &Layouts,
    partitions: usize,
) -> Result<String> {
    let opts = LowerOptions {
        module_name: name.to_string(),
        num_partitions: partitions,
        arg_shardings: layouts.args.clone(),
        out_shardings: layouts.outs.clone(),
        ..LowerOptions::default()
    };
    rjax_lower::lower(jaxpr, &opts)
}

fn replicas(axes: &[(String, usize)]) -> usize {
    axes.iter().map(|(_, n)| n).product()
}

/// Which plugin to load, and the SHA-256 it must have: `RJAX_PJRT_PLUGIN`
/// (loaded as it is), else with `cuda` the CUDA plugin pip installed
/// (loaded as it is), else the CPU plugin the build fetched (hashed again
/// before loading, against the hash the build pinned).
fn plugin_source(cuda: bool) -> Result<(PathBuf, Option<&'static str>)> {
    if let Some(p) = std::env::var_os("RJAX_PJRT_PLUGIN") {
        return Ok((p.into(), None));
    }
    let no_plugin = |what: &str| {
        Error::new(
            ErrorKind::Plugin,
            "load plugin",
            format!(
                "no {what} PJRT plugin found; set RJAX_PJRT_PLUGIN=/path/to/plugin.so, or rebuild rjax with python3 and pip available so its build fetches the `lammps-jax-pjrt-cpu` package"
            ),
        )
    };
    if cuda {
        return rjax_pjrt::default_cuda_plugin()
            .map(|p| (p, None))
            .ok_or_else(|| {
                no_plugin("CUDA (install jax-cuda12-pjrt or jax-cuda13-pjrt with pip)")
            });
    }
    match (
        option_env!("RJAX_DEFAULT_PJRT_PLUGIN"),
        option_env!("RJAX_DEFAULT_PJRT_PLUGIN_SHA256"),
    ) {
        (Some(path), Some(hash)) => Ok((PathBuf::from(path), Some(hash))),
        _ => Err(no_plugin("CPU")),
    }
}

/// The most CPU devices `RJAX_CPU_DEVICE_COUNT` may ask for: each costs
/// threads and memory in XLA, and far larger counts exhaust the host.
pub(crate) const MAX_CPU_DEVICES: i64 = 1024;

/// `RJAX_CPU_DEVICE_COUNT`: an integer in `1..=MAX_CPU_DEVICES`, default 8.
fn cpu_device_count(value: Option<&str>) -> Result<i64> {
    let Some(text) = value else { return Ok(8) };
    match text.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_CPU_DEVICES).contains(&n) => Ok(n),
        _ => Err(bad_env(
            "RJAX_CPU_DEVICE_COUNT",
            text,
            &format!("an integer from 1 to {MAX_CPU_DEVICES} (how many CPU devices to create)"),
        )),
    }
}

/// `RJAX_ASYNC`: `1` runs programs asynchronously, `0` (the default) on
/// the calling thread.
fn asynchronous(value: Option<&str>) -> Result<bool> {
    match value.map(str::trim) {
        None | Some("0") => Ok(false),
        Some("1") => Ok(true),
        Some(text) => Err(bad_env("RJAX_ASYNC", text, "0 or 1")),
    }
}

/// `RJAX_HOST_MALLOC`: `retain` (the default) keeps the CPU plugin's
/// large buffers in the heap for reuse (`rjax_pjrt::retain_host_buffers`);
/// `system` leaves the allocator as the process configured it.
fn retain_host_buffers(value: Option<&str>) -> Result<bool> {
    match value.map(str::trim) {
        None | Some("retain") => Ok(true),
        Some("system") => Ok(false),
        Some(text) => Err(bad_env("RJAX_HOST_MALLOC", text, "retain or system")),
    }
}

/// Whether the process tuned glibc's allocator itself, which then wins.
fn malloc_tuned_by_user() -> bool {
    std::env::vars_os().any(|(name, _)| {
        let name = name.to_string_lossy();
        name == "GLIBC_TUNABLES" || name.starts_with("MALLOC_")
    })
}

/// `RJAX_PLATFORM`: `cpu` (the default) or `cuda`.
fn is_cuda(value: Option<&str>) -> Result<bool> {
    match value.map(str::trim) {
        None | Some("cpu") => Ok(false),
        Some("cuda") => Ok(true),
        Some(text) => Err(bad_env("RJAX_PLATFORM", text, "cpu or cuda")),
    }
}

pub(crate) fn bad_env(name: &str, value: &str, expected: &str) -> Error {
    Error::new(
        ErrorKind::Param,
        "runtime",
        format!("{name}={value:?} is not valid: expected {expected}"),
    )
}

/// XLA logs its client options at INFO level to stderr; keep warnings and
/// errors only, unless the user chose a level.
fn quiet_plugin_logs() {
    if std::env::var_os("TF_CPP_MIN_LOG_LEVEL").is_none() {
        // SAFETY: called once, before the plugin is loaded, so no C code of
        // ours reads the environment concurrently; Rust's own environment
        // accesses are serialized by std.
        unsafe { std::env::set_var("TF_CPP_MIN_LOG_LEVEL", "1") };
    }
}

/// A PJRT error as a pipeline error of `op`.
pub(crate) fn pjrt_error(op: &str, e: rjax_pjrt::Error) -> Error {
    let kind = match e {
        rjax_pjrt::Error::PluginLoad { .. } | rjax_pjrt::Error::MissingSymbol { .. } => {
            ErrorKind::Plugin
        }
        _ => ErrorKind::Runtime,
    };
    Error::new(kind, op, e.to_string())
}

pub(crate) fn element_type(d: DType) -> ElementType {
    match d {
        DType::Bool => ElementType::Pred,
        DType::I8 => ElementType::S8,
        DType::I16 => ElementType::S16,
        DType::I32 => ElementType::S32,
        DType::I64 => ElementType::S64,
        DType::U8 => ElementType::U8,
        DType::U16 => ElementType::U16,
        DType::U32 => ElementType::U32,
        DType::U64 => ElementType::U64,
        DType::F16 => ElementType::F16,
        DType::BF16 => ElementType::BF16,
        DType::F32 => ElementType::F32,
        DType::F64 => ElementType::F64,
        DType::C64 => ElementType::C64,
        DType::C128 => ElementType::C128,
    }
}

/// A concrete array: a PJRT buffer with its abstract value.
#[derive(Debug)]
pub(crate) struct DeviceArray {
    pub aval: AVal,
    pub buffer: Buffer,
}

impl Concrete for DeviceArray {
    fn aval(&self) -> &AVal {
        &self.aval
    }
}

impl DeviceArray {
    /// The array's bytes on the host (waits for the computation producing it).
    pub fn to_host(&self) -> Result<Vec<u8>> {
        let mut out = vec![0u8; self.aval.size_bytes()];
        self.buffer
            .to_host(&mut out)
            .map_err(|e| pjrt_error("to_host", e))?;
        Ok(out)
    }
}

/// How many devices the client has (like `jax.device_count()`); meshes
/// and `pmap` use devices `0..device_count()`.
///
/// ```
/// assert!(rjax::device_count().unwrap() >= 1);
/// ```
pub fn device_count() -> Result<usize> {
    Ok(devices_runtime()?.client.devices().len())
}

/// Run a replicated executable, one argument list per device.
pub(crate) fn execute_replicas(
    exe: &Executable,
    args: &[Vec<&Buffer>],
    op: &str,
) -> Result<Vec<Vec<Buffer>>> {
    let lists: Vec<&[&Buffer]> = args.iter().map(|l| l.as_slice()).collect();
    exe.execute(&lists).map_err(|e| pjrt_error(op, e))
}

/// Run an executable on arguments on device 0 and wrap its results. A
/// replicated program (a `jit` of a `pmap`) gets copies of the arguments
/// on every device and gives device 0's results.
pub(crate) fn execute(
    exe: &Executable,
    args: &[&Buffer],
    out_avals: &[AVal],
    op: &str,
) -> Result<Vec<Arc<DeviceArray>>> {
    if exe.num_replicas() <= 1 {
        let outs = exe.execute(&[args]).map_err(|e| pjrt_error(op, e))?;
        return Ok(wrap(outs.into_iter().next().unwrap_or_default(), out_avals));
    }
    let copies: Vec<Vec<Buffer>> = (1..exe.num_replicas())
        .map(|device| args.iter().map(|b| b.copy_to_device(device)).collect())
        .collect::<std::result::Result<_, _>>()
        .map_err(|e| pjrt_error(op, e))?;
    let lists: Vec<Vec<&Buffer>> = std::iter::once(args.to_vec())
        .chain(copies.iter().map(|c| c.iter().collect()))
        .collect();
    let lists: Vec<&[&Buffer]> = lists.iter().map(Vec::as_slice).collect();
    let outs = exe.execute(&lists).map_err(|e| pjrt_error(op, e))?;
    Ok(wrap(outs.into_iter().next().unwrap_or_default(), out_avals))
}

fn wrap(buffers: Vec<Buffer>, out_avals: &[AVal]) -> Vec<Arc<DeviceArray>> {
    buffers
        .into_iter()
        .zip(out_avals)
        .map(|(buffer, aval)| {
            Arc::new(DeviceArray {
                aval: aval.clone(),
                buffer,
            })
        })
        .collect()
}

/// The device array behind a concrete value or literal, on `rt`'s first
/// device (literals become cached device scalars).
pub(crate) fn device_array(v: &Value, rt: &Runtime, op: &str) -> Result<Arc<DeviceArray>> {
    match v {
        Value::Literal(l) => rt.scalar(l),
        Value::Concrete(c) => {
            let any: Arc<dyn std::any::Any + Send + Sync> = c.clone();
            match any.downcast::<DeviceArray>() {
                Ok(d) => on_first_device(d, rt, op),
                Err(any) => match any.downcast_ref::<ShardedArray>() {
                    Some(s) => on_first_device(s.gathered()?, rt, op),
                    None => Err(Error::new(
                        ErrorKind::Runtime,
                        op,
                        "operand is not a PJRT device array",
                    )),
                },
            }
        }
        Value::Tracer(t) => Err(Error::new(
            ErrorKind::Concretization,
            op,
            format!("a traced {} reached the device", t.aval),
        )),
    }
}

/// `d` on the first device of `rt`: as it is, copied from another device
/// of the same client (a piece of a sharded array), or through the host
/// from another client (a client's programs take only its own buffers).
fn on_first_device(d: Arc<DeviceArray>, rt: &Runtime, op: &str) -> Result<Arc<DeviceArray>> {
    if !d.buffer.belongs_to(&rt.client) {
        return Ok(Arc::new(rt.upload(&d.to_host()?, d.aval.clone())?));
    }
    if d.buffer.device_index() == 0 {
        return Ok(d);
    }
    Ok(Arc::new(DeviceArray {
        aval: d.aval.clone(),
        buffer: d.buffer.copy_to_device(0).map_err(|e| pjrt_error(op, e))?,
    }))
}

/// The bytes of a concrete value on the host, with its abstract value.
pub(crate) fn host_bytes(c: &dyn Concrete) -> Result<Vec<u8>> {
    let any: &dyn std::any::Any = c;
    if let Some(d) = any.downcast_ref::<DeviceArray>() {
        return d.to_host();
    }
    match any.downcast_ref::<ShardedArray>() {
        Some(s) => s.to_host(),
        None => Err(Error::new(
            ErrorKind::Runtime,
            "to_vec",
            "value is not a PJRT device array",
        )),
    }
}

/// Wait until every buffer behind a concrete value is computed.
pub(crate) fn block_until_ready(c: &dyn Concrete) -> Result<()> {
    let any: &dyn std::any::Any = c;
    let buffers: Vec<&Buffer> = match (
        any.downcast_ref::<DeviceArray>(),
        any.downcast_ref::<ShardedArray>(),
    ) {
        (Some(d), _) => vec![&d.buffer],
        (_, Some(s)) => s.shards.iter().map(|d| &d.buffer).collect(),
        _ => Vec::new(),
    };
    for b in buffers {
        b.block_until_ready()
            .map_err(|e| pjrt_error("block_until_ready", e))?;
    }
    Ok(())
}

/// How the shards of a [`ShardedArray`] make up the array.
#[derive(Debug)]
pub(crate) enum Placement {
    /// `pmap`'s results: shard `i` is member `i` of axis 0, without that
    /// axis.
    Stacked,
    /// A [`NamedSharding`]: shard `p` is the block partition `p` of the
    /// layout holds, on device `p` of the mesh.
    Named(NamedSharding, MeshSharding),
}

/// An array in pieces across devices, one buffer per device: what `pmap`
/// and sharded `jit` programs return and what `device_put` makes. It stays
/// there until read; operations outside those programs gather it to the
/// device of single-device work first.
#[derive(Debug)]
pub(crate) struct ShardedArray {
    pub aval: AVal,
    pub shards: Vec<Arc<DeviceArray>>,
    pub placement: Placement,
    gathered: OnceLock<Result<Arc<DeviceArray>>>,
}

impl Concrete for ShardedArray {
    fn aval(&self) -> &AVal {
        &self.aval
    }
}

impl ShardedArray {
    /// `pmap`'s stacking of one buffer per member along axis 0.
    pub fn new(aval: AVal, shards: Vec<Buffer>) -> ShardedArray {
        let member = aval.with_shape(aval.shape.get(1..).unwrap_or_default().to_vec());
        let shards = shards
            .into_iter()
            .map(|buffer| {
                Arc::new(DeviceArray {
                    aval: member.clone(),
                    buffer,
                })
            })
            .collect();
        ShardedArray::placed(aval, shards, Placement::Stacked)
    }

    pub fn placed(aval: AVal, shards: Vec<Arc<DeviceArray>>, placement: Placement) -> ShardedArray {
        ShardedArray {
            aval,
            shards,
            placement,
            gathered: OnceLock::new(),
        }
    }

    /// The layout, when the array was placed by a sharding.
    pub fn named(&self) -> Option<(&NamedSharding, &MeshSharding)> {
        match &self.placement {
            Placement::Named(s, l) => Some((s, l)),
            Placement::Stacked => None,
        }
    }

    fn to_host(&self) -> Result<Vec<u8>> {
        let mut out = vec![0u8; self.aval.size_bytes()];
        match &self.placement {
            Placement::Stacked => {
                let shard_bytes = self.aval.size_bytes() / self.shards.len().max(1);
                for (chunk, b) in out.chunks_mut(shard_bytes.max(1)).zip(&self.shards) {
                    b.buffer
                        .to_host(chunk)
                        .map_err(|e| pjrt_error("to_host", e))?;
                }
            }
            Placement::Named(_, layout) => {
                // One copy of each block: those of the first replica.
                for (p, shard) in self.shards.iter().enumerate() {
                    if layout.replica_of(p) == 0 {
                        let block = shard.to_host()?;
                        crate::sharding::paste_block(&mut out, &self.aval, layout, p, &block);
                    }
                }
            }
        }
        Ok(out)
    }

    /// The whole array on the device of single-device work (copied once,
    /// then reused).
    fn gathered(&self) -> Result<Arc<DeviceArray>> {
        self.gathered
            .get_or_init(|| {
                Ok(Arc::new(
                    runtime()?.upload(&self.to_host()?, self.aval.clone())?,
                ))
            })
            .clone()
    }
}
