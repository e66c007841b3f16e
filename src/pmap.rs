//! `pmap`: run a function on several devices at once, one slice of the
//! mapped axis each, with collectives (`lax::psum`, ...) over the devices.
//! The program is compiled once in XLA's replica form
//! (`mhlo.num_replicas = N`) and its results stay on their devices.
//! Under another transformation (`jit`, `grad`, `vmap`, an outer `pmap`)
//! the call is staged as a `Pmap` equation, whose rules live in
//! `rjax-transforms`; nested calls run on a grid of devices.

use crate::jit::flatten_args;
use crate::lru::OnceLru;
use crate::runtime::{DeviceArray, ShardedArray, devices_runtime, execute_replicas};
use crate::tree::{Tree, TreeDef, TreeOutput};
use crate::vmap::AxisSpec;
use crate::{Array, Lowered};
use rjax_ir::{
    AVal, ClosedJaxpr, Error, ErrorKind, Jaxpr, Primitive, Result, SubJaxpr, Value, trace_spmd,
};
use rjax_pjrt::{Buffer, Executable};
use std::panic::Location;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// How [`pmap_with`] maps: which leaves are split across devices (axis) or
/// copied to each (`None`), and the axis name collectives use.
#[derive(Clone, Debug, PartialEq)]
pub struct PmapSpec {
    pub in_axes: AxisSpec,
    /// Where each output's device axis goes (`None`: the output is the
    /// same on every device; device 0's is returned).
    pub out_axes: AxisSpec,
    pub axis_name: String,
    /// The device (index among the client's devices) of each replica, in
    /// order; `None`: devices 0, 1, ... Only for a `pmap` that is not
    /// inside another transformation.
    pub devices: Option<Vec<usize>>,
}

impl Default for PmapSpec {
    /// Every leaf split along axis 0, over an axis with a fresh name that
    /// no collective can mention (name it with [`PmapSpec::axis_name`]).
    fn default() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        PmapSpec {
            in_axes: 0.into(),
            out_axes: 0.into(),
            axis_name: format!("_pmap{}", NEXT.fetch_add(1, Ordering::Relaxed)),
            devices: None,
        }
    }
}

impl PmapSpec {
    pub fn in_axes(mut self, spec: impl Into<AxisSpec>) -> Self {
        self.in_axes = spec.into();
        self
    }
    pub fn out_axes(mut self, spec: impl Into<AxisSpec>) -> Self {
        self.out_axes = spec.into();
        self
    }
    pub fn axis_name(mut self, name: &str) -> Self {
        self.axis_name = name.to_string();
        self
    }
    /// Run replica `r` on device `devices[r]`.
    pub fn devices(mut self, devices: &[usize]) -> Self {
        self.devices = Some(devices.to_vec());
        self
    }
    /// The device of replica `r`.
    fn device_of(&self, r: usize) -> usize {
        self.devices.as_ref().map_or(r, |d| d[r])
    }
}

/// A compiled per-device program and what it needs.
struct Compiled {
    exe: Executable,
    /// Replicas per member of the mapped axis (the size of the grid of the
    /// `pmap` calls nested in the body; 1 without).
    inner: usize,
    /// The captured constants, on every device.
    const_arrays: Vec<Vec<Arc<DeviceArray>>>,
    out_def: TreeDef,
    out_avals: Vec<AVal>,
    /// The program compiled: it holds the host callbacks it calls, which
    /// stay registered while it lives.
    _jaxpr: Jaxpr,
}

/// The value as shards on the spec's devices, if it already is.
fn as_sharded(v: &Value, n: usize, spec: &PmapSpec) -> Option<Arc<ShardedArray>> {
    let Value::Concrete(c) = v else { return None };
    let any: Arc<dyn std::any::Any + Send + Sync> = c.clone();
    let s = any.downcast::<ShardedArray>().ok()?;
    let on_devices = s.named().is_none()
        && s.shards.len() == n
        && s.shards
            .iter()
            .enumerate()
            .all(|(i, d)| d.buffer.device_index() == spec.device_of(i));
    on_devices.then_some(s)
}

type Key = (TreeDef, Vec<AVal>, Vec<Option<usize>>);

/// `pmap` with every leaf split along axis 0 (over an unnamed axis).
///
/// ```
/// use rjax::{numpy as jnp, pmap, Array};
/// let x = jnp::arange_f32(0.0, 8.0, 1.0).reshape(&[4, 2]);
/// let y = pmap(|row: Array| &row * 2.0)(x).unwrap(); // one row per device
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 2.0, 4.0, 6.0, 8.0, 10.0, 12.0, 14.0]);
/// ```
#[track_caller]
pub fn pmap<I: Tree, R: TreeOutput>(f: impl Fn(I) -> R) -> impl Fn(I) -> Result<R::Tree> {
    pmap_with(f, PmapSpec::default())
}

/// Run `f` on as many devices as the mapped axis is long. Like `jit`, it
/// keeps the compiled programs of its [`JIT_CACHE_CAPACITY`](crate::JIT_CACHE_CAPACITY)
/// most recently used input signatures.
///
/// ```
/// use rjax::{lax, pmap_with, Array, PmapSpec};
/// // The README's normalize, one element per device.
/// let normalize = pmap_with(|x: Array| &x / &lax::psum(&x, "i"), PmapSpec::default().axis_name("i"));
/// let out = normalize(rjax::numpy::arange_f32(0.0, 4.0, 1.0)).unwrap();
/// assert_eq!(out.to_vec::<f32>().unwrap(), vec![0.0, 0.16666667, 0.33333334, 0.5]);
/// ```
#[track_caller]
pub fn pmap_with<I: Tree, R: TreeOutput>(
    f: impl Fn(I) -> R,
    spec: PmapSpec,
) -> impl Fn(I) -> Result<R::Tree> {
    pmap_naming(f, spec, None)
}

/// [`pmap_with`] whose call names the devices of its grid (its own axis
/// and those of the calls nested in it, row-major) wherever it runs: now
/// on them, and staged under another transformation as a call that names
/// them, so that a `jit` of it is partitioned over them (`shard_map`'s
/// outermost level, naming its mesh's devices).
#[track_caller]
pub(crate) fn pmap_naming<I: Tree, R: TreeOutput>(
    f: impl Fn(I) -> R,
    spec: PmapSpec,
    named: Option<Vec<usize>>,
) -> impl Fn(I) -> Result<R::Tree> {
    let location = Location::caller();
    let cache = OnceLru::new(crate::jit::JIT_CACHE_CAPACITY);
    let site = crate::dump::Site {
        kind: "pmap",
        function: std::any::type_name_of_val(&f),
        defined_at: Some(location),
        called_at: location,
    };
    let eager_spec = match &named {
        Some(d) => spec.clone().devices(d),
        None => spec.clone(),
    };
    move |x: I| {
        let staged = (&spec, named.as_deref());
        call(&f, (staged, &eager_spec), &cache, &x, site).map_err(|e| e.at(location))
    }
}

/// What a call maps: the leaves' values, tree structure, mapped axes,
/// per-device abstract values and the number of devices.
struct Signature {
    values: Vec<Value>,
    def: TreeDef,
    dims: Vec<Option<usize>>,
    shard_avals: Vec<AVal>,
    n: usize,
}

fn signature<I: Tree>(spec: &PmapSpec, x: &I) -> Result<Signature> {
    let (values, avals, def) = flatten_args(x)?;
    let axes = spec.in_axes.leaves_of(&def, "in_axes")?;
    let mut n = None;
    let mut dims = Vec::with_capacity(avals.len());
    let mut shard_avals = Vec::with_capacity(avals.len());
    for (i, (a, axis)) in avals.iter().zip(&axes).enumerate() {
        let mut shard = AVal::new(a.shape.clone(), a.dtype);
        let Some(ax) = axis else {
            dims.push(None);
            shard_avals.push(shard);
            continue;
        };
        let r = a.rank() as i64;
        if *ax < -r || *ax >= r {
            return Err(Error::new(
                ErrorKind::Axis,
                "pmap",
                format!("in_axes {ax} is out of range for argument leaf {i} of type {a}"),
            ));
        }
        let d = ax.rem_euclid(r) as usize;
        if let Some(n) = n.filter(|&n| n != a.shape[d]) {
            return Err(Error::new(
                ErrorKind::Shape,
                "pmap",
                format!(
                    "argument leaf {i} of type {a} has size {} along axis {d}, other mapped leaves {n}",
                    a.shape[d]
                ),
            ));
        }
        n = Some(a.shape[d]);
        dims.push(Some(d));
        shard.shape.remove(d);
        shard_avals.push(shard);
    }
    let n = n.ok_or_else(|| Error::new(ErrorKind::Param, "pmap", "no argument is mapped"))?;
    let available = devices_runtime()?.client.devices().len();
    if n > available {
        return Err(Error::new(
            ErrorKind::Shape,
            "pmap",
            format!(
                "the mapped axis has size {n}, but only {available} devices exist (set RJAX_CPU_DEVICE_COUNT for more CPU devices)"
            ),
        ));
    }
    Ok(Signature {
        values,
        def,
        dims,
        shard_avals,
        n,
    })
}

/// The per-device program of `pmap_with(f, spec)` applied to `x`, lowered
/// (like `jax.pmap(f).lower(x)`).
pub fn pmap_lower<I: Tree, R: TreeOutput>(
    f: impl Fn(I) -> R,
    spec: &PmapSpec,
    x: I,
) -> Result<Lowered> {
    let sig = signature(spec, &x)?;
    let (closed, _) = stage(&f, &sig.def, &sig.shard_avals, &spec.axis_name, sig.n)?;
    let text = crate::runtime::lower_text(
        &rjax_transforms::dce(&closed.hoist_consts()),
        "pmap_fn",
        &[(spec.axis_name.clone(), sig.n)],
    )?;
    Ok(Lowered::new(text, closed))
}

/// How a call maps when it is staged (with the devices it names) and
/// when it runs now.
type Specs<'a> = ((&'a PmapSpec, Option<&'a [usize]>), &'a PmapSpec);

fn call<I: Tree, R: TreeOutput>(
    f: &impl Fn(I) -> R,
    ((staged, named), spec): Specs<'_>,
    cache: &OnceLru<Key, Arc<Compiled>>,
    x: &I,
    site: crate::dump::Site,
) -> Result<R::Tree> {
    let sig = signature(spec, x)?;
    if rjax_ir::is_tracing() || sig.values.iter().any(Value::is_traced) {
        return call_traced(f, staged, named, sig);
    }
    let Signature {
        values,
        def,
        dims,
        shard_avals,
        n,
    } = sig;
    let rt = devices_runtime()?;
    let key: Key = (def.clone(), shard_avals.clone(), dims.clone());
    let compiled = cache.get_or_try_make(&key, || {
        compile(f, &def, &shard_avals, spec, n, site).map(Arc::new)
    })?;
    // Per-device argument lists: constants (uploaded at compile time) and
    // unmapped leaves on every device, mapped leaves split — or taken as
    // they are when they already live sharded on these devices.
    let inner = compiled.inner;
    let replicas = n * inner;
    let mut uploaded: Vec<Vec<Arc<DeviceArray>>> = vec![Vec::new(); replicas];
    let mut resident: Vec<Arc<ShardedArray>> = Vec::new();
    enum Slot {
        Const(usize),
        Uploaded(usize),
        Shard(usize),
    }
    let mut slots: Vec<Slot> = (0..compiled.const_arrays.first().map_or(0, Vec::len))
        .map(Slot::Const)
        .collect();
    for (v, d) in values.iter().zip(&dims) {
        if let (Some(0), Some(sharded), 1) = (d, as_sharded(v, n, spec), inner) {
            slots.push(Slot::Shard(resident.len()));
            resident.push(sharded);
            continue;
        }
        let (bytes, aval) = Array::from_value(v.clone()).host_bytes()?;
        slots.push(Slot::Uploaded(uploaded[0].len()));
        match d {
            None => {
                for (dev, list) in uploaded.iter_mut().enumerate() {
                    let device = spec.device_of(dev);
                    list.push(Arc::new(rt.upload_to(&bytes, aval.clone(), device)?));
                }
            }
            Some(axis) => {
                let shards = split(&bytes, &aval, *axis);
                for (dev, list) in uploaded.iter_mut().enumerate() {
                    let (shard, shard_aval) = &shards[dev / inner];
                    let device = spec.device_of(dev);
                    list.push(Arc::new(rt.upload_to(shard, shard_aval.clone(), device)?));
                }
            }
        }
    }
    let lists: Vec<Vec<&Buffer>> = (0..replicas)
        .map(|dev| {
            slots
                .iter()
                .map(|slot| match slot {
                    Slot::Const(k) => &compiled.const_arrays[dev][*k].buffer,
                    Slot::Uploaded(k) => &uploaded[dev][*k].buffer,
                    Slot::Shard(k) => &resident[*k].shards[dev].buffer,
                })
                .collect()
        })
        .collect();
    // Each member's results, from the first replica of its inner grid.
    let outs = execute_replicas(&compiled.exe, &lists, "pmap")?
        .into_iter()
        .step_by(inner)
        .collect();
    let arrays: Vec<Array> = transpose_outputs(outs)
        .into_iter()
        .zip(&compiled.out_avals)
        .map(|(shards, a)| {
            let aval = AVal::new([&[n][..], &a.shape].concat(), a.dtype);
            Array::from_value(Value::Concrete(Arc::new(ShardedArray::new(aval, shards))))
        })
        .collect();
    let arrays = place_outputs(arrays, &compiled.out_def, spec, n)?;
    R::Tree::unflatten_tree(&compiled.out_def, arrays)
}

/// Outputs stacked along axis 0, moved to their `out_axes`.
fn place_outputs(
    arrays: Vec<Array>,
    def: &TreeDef,
    spec: &PmapSpec,
    n: usize,
) -> Result<Vec<Array>> {
    let axes = spec.out_axes.leaves(def, "out_axes", "output")?;
    arrays
        .into_iter()
        .zip(axes)
        .map(|(a, axis)| {
            let v = a.value()?.clone();
            let placed = match axis {
                Some(0) => return Ok(a),
                Some(_) => crate::vmap::place_output(v, Some(0), axis, n)?,
                None => {
                    let mut shape = v.aval().shape;
                    let mut limit = shape.clone();
                    limit[0] = 1;
                    let first = crate::lax::slice(&a, &vec![0; shape.len()], &limit, None);
                    shape.remove(0);
                    return Ok(crate::lax::reshape(&first, &shape));
                }
            };
            Ok(Array::from_value(placed))
        })
        .collect()
}

/// `pmap` under another transformation (`jit`, `grad`, `vmap`, an outer
/// `pmap`): the per-device program is staged and bound as a `Pmap` call,
/// which those transformations know how to handle.
fn call_traced<I: Tree, R: TreeOutput>(
    f: &impl Fn(I) -> R,
    spec: &PmapSpec,
    named: Option<&[usize]>,
    sig: Signature,
) -> Result<R::Tree> {
    if spec.devices.is_some() {
        return Err(Error::new(
            ErrorKind::Param,
            "pmap",
            "an explicit device list applies only to a pmap outside other transformations",
        ));
    }
    let (closed, out_def) = stage(f, &sig.def, &sig.shard_avals, &spec.axis_name, sig.n)?;
    let mut args = closed.consts.clone();
    let mut mapped = vec![false; args.len()];
    for (v, d) in sig.values.iter().zip(&sig.dims) {
        args.push(match d {
            Some(d) => rjax_transforms::moveaxis(v, *d, 0)?,
            None => v.clone(),
        });
        mapped.push(d.is_some());
    }
    let call = Primitive::Pmap(rjax_ir::PmapParams {
        body: SubJaxpr(Arc::new(closed.hoist_consts())),
        axis_name: spec.axis_name.clone(),
        axis_size: sig.n,
        mapped,
        devices: named.map(<[usize]>::to_vec),
    });
    let outs = rjax_ir::bind(&call, &args)?;
    let arrays = outs.into_iter().map(Array::from_value).collect();
    R::Tree::unflatten_tree(&out_def, place_outputs(arrays, &out_def, spec, sig.n)?)
}

fn stage<I: Tree, R: TreeOutput>(
    f: &impl Fn(I) -> R,
    def: &TreeDef,
    avals: &[AVal],
    name: &str,
    n: usize,
) -> Result<(ClosedJaxpr, TreeDef)> {
    let mut out_def = None;
    let closed = trace_spmd(avals, (name, n), |tracers| {
        let args = I::unflatten_tree(
            def,
            tracers.iter().cloned().map(Array::from_value).collect(),
        )?;
        let (leaves, d) = f(args).into_result()?.flatten_tree();
        out_def = Some(d);
        leaves.iter().map(|a| a.value().cloned()).collect()
    })?;
    Ok((
        closed,
        out_def.ok_or_else(|| Error::new(ErrorKind::Tree, "pmap", "no output"))?,
    ))
}

fn compile<I: Tree, R: TreeOutput>(
    f: &impl Fn(I) -> R,
    def: &TreeDef,
    avals: &[AVal],
    spec: &PmapSpec,
    n: usize,
    site: crate::dump::Site,
) -> Result<Compiled> {
    let name = &spec.axis_name;
    let (closed, out_def) = stage(f, def, avals, name, n)?;
    let jaxpr: Jaxpr = rjax_transforms::dce(&closed.hoist_consts());
    let rt = devices_runtime()?;
    let grid = rjax_lower::device_grid(&jaxpr, &[(name.to_string(), n)])?;
    let exe = crate::dump::at_site(site, || {
        rt.compile_on(&jaxpr, "pmap_fn", &grid, spec.devices.as_deref())
    })?;
    let inner = exe.num_replicas() / n;
    let mut const_arrays = vec![Vec::new(); n * inner];
    for c in &closed.consts {
        let (bytes, aval) = Array::from_value(c.clone()).host_bytes()?;
        for (dev, list) in const_arrays.iter_mut().enumerate() {
            list.push(Arc::new(rt.upload_to(
                &bytes,
                aval.clone(),
                spec.device_of(dev),
            )?));
        }
    }
    Ok(Compiled {
        exe,
        inner,
        const_arrays,
        out_avals: jaxpr.out_avals(),
        out_def,
        _jaxpr: jaxpr,
    })
}

/// Split row-major bytes of `aval` along `axis` into its slices.
fn split(bytes: &[u8], aval: &AVal, axis: usize) -> Vec<(Vec<u8>, AVal)> {
    let n = aval.shape[axis];
    let outer: usize = aval.shape[..axis].iter().product();
    let inner: usize = aval.shape[axis + 1..].iter().product::<usize>() * aval.dtype.size_bytes();
    let mut shape = aval.shape.clone();
    shape.remove(axis);
    (0..n)
        .map(|i| {
            let mut out = Vec::with_capacity(outer * inner);
            for o in 0..outer {
                let start = (o * n + i) * inner;
                out.extend_from_slice(&bytes[start..start + inner]);
            }
            (out, AVal::new(shape.clone(), aval.dtype))
        })
        .collect()
}

/// Per-device output lists to per-output shard lists.
fn transpose_outputs(outs: Vec<Vec<Buffer>>) -> Vec<Vec<Buffer>> {
    let mut per_output: Vec<Vec<Buffer>> = Vec::new();
    for device_outs in outs {
        per_output.resize_with(device_outs.len(), Vec::new);
        for (k, b) in device_outs.into_iter().enumerate() {
            per_output[k].push(b);
        }
    }
    per_output
}
