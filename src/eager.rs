//! Eager execution: each primitive applied to concrete values runs as a
//! small compiled program, cached by (primitive, parameters, operand types).

use crate::runtime::{DeviceArray, Runtime, device_array, execute, runtime, runtime_of};
use rjax_ir::{AVal, Atom, DType, Eqn, Evaluator, Jaxpr, Primitive, Result, Value, Var};
use rjax_pjrt::{Buffer, Executable};
use std::collections::HashMap;
use std::hash::{BuildHasher, Hash, Hasher, RandomState};
use std::sync::{Arc, Mutex, OnceLock};

/// Operand types that matter to compilation (weakness does not).
type Signature = Vec<(Vec<usize>, DType)>;

struct Entry {
    prim: Primitive,
    signature: Signature,
    exe: Arc<Executable>,
    /// The runtime whose client compiled `exe` (every device's for a
    /// `pmap`, else the single-device one).
    rt: &'static Runtime,
}

/// Compiled single-primitive programs, bucketed by a hash of the key so a
/// lookup compares in place instead of building an owned key.
#[derive(Default)]
struct Cache {
    hasher: RandomState,
    buckets: HashMap<u64, Vec<Entry>>,
}

fn cache() -> &'static Mutex<Cache> {
    static CACHE: OnceLock<Mutex<Cache>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// Runs primitives on PJRT device arrays.
struct PjrtEvaluator;

/// Make PJRT the evaluator of level 0 (the plugin loads on first use).
pub(crate) fn install() {
    rjax_ir::install_evaluator(|| Box::new(PjrtEvaluator));
}

impl Evaluator for PjrtEvaluator {
    fn eval(&self, prim: &Primitive, args: &[Value], out_avals: &[AVal]) -> Result<Vec<Value>> {
        if let Primitive::Custom(c) = prim {
            return c.0.eval(args);
        }
        if let Some(name) = prim.axis_name() {
            return Err(rjax_ir::Error::unbound_axis(prim.name(), name));
        }
        let rt = runtime()?;
        let mut held = args
            .iter()
            .map(|a| device_array(a, rt, prim.name()))
            .collect::<Result<Vec<_>>>()?;
        let (exe, exe_rt) = executable(prim, &held)?;
        if !std::ptr::eq(exe_rt, rt) {
            // A `pmap` runs on the client of every device.
            held = args
                .iter()
                .map(|a| device_array(a, exe_rt, prim.name()))
                .collect::<Result<Vec<_>>>()?;
        }
        let buffers: Vec<&Buffer> = held.iter().map(|d| &d.buffer).collect();
        let outs = execute(&exe, &buffers, out_avals, prim.name())?;
        Ok(outs.into_iter().map(|d| Value::Concrete(d)).collect())
    }
}

/// The program applying `prim` to arguments like `args`, and the runtime
/// it runs on.
fn executable(
    prim: &Primitive,
    args: &[Arc<DeviceArray>],
) -> Result<(Arc<Executable>, &'static Runtime)> {
    let mut cache = cache().lock().unwrap_or_else(|p| p.into_inner());
    let mut h = cache.hasher.build_hasher();
    prim.hash(&mut h);
    for a in args {
        a.aval.shape.hash(&mut h);
        a.aval.dtype.hash(&mut h);
    }
    let key = h.finish();
    let matches = |e: &Entry| {
        e.prim == *prim
            && e.signature.len() == args.len()
            && e.signature
                .iter()
                .zip(args)
                .all(|((s, d), a)| *s == a.aval.shape && *d == a.aval.dtype)
    };
    if let Some(e) = cache
        .buckets
        .get(&key)
        .and_then(|b| b.iter().find(|e| matches(e)))
    {
        return Ok((e.exe.clone(), e.rt));
    }
    let signature: Signature = args
        .iter()
        .map(|a| (a.aval.shape.clone(), a.aval.dtype))
        .collect();
    let (exe, rt) = compile_one(prim, &signature)?;
    let exe = Arc::new(exe);
    // Programs staged afresh on every call (a `grad` of a `pmap` outside
    // `jit`) make new keys each time: bound the cache.
    if cache.buckets.len() >= 4096 {
        cache.buckets.clear();
    }
    cache.buckets.entry(key).or_default().push(Entry {
        prim: prim.clone(),
        signature,
        exe: exe.clone(),
        rt,
    });
    Ok((exe, rt))
}

/// A one-equation Jaxpr applying `prim` to inputs of the given types,
/// compiled on the runtime that runs it.
fn compile_one(prim: &Primitive, signature: &Signature) -> Result<(Executable, &'static Runtime)> {
    let invars: Vec<Var> = signature
        .iter()
        .enumerate()
        .map(|(i, (s, d))| Var {
            id: i as u32,
            aval: AVal::new(s.clone(), *d),
        })
        .collect();
    let in_avals: Vec<AVal> = invars.iter().map(|v| v.aval.clone()).collect();
    let out_avals = rjax_ir::abstract_eval(prim, &in_avals)?;
    let outputs: Vec<Var> = out_avals
        .into_iter()
        .enumerate()
        .map(|(i, aval)| Var {
            id: (invars.len() + i) as u32,
            aval,
        })
        .collect();
    let jaxpr = Jaxpr {
        constvars: Vec::new(),
        invars: invars.clone(),
        outvars: outputs.iter().cloned().map(Atom::Var).collect(),
        eqns: vec![Eqn {
            prim: prim.clone(),
            inputs: invars.into_iter().map(Atom::Var).collect(),
            outputs,
        }],
    };
    let rt = runtime_of(&jaxpr)?;
    Ok((rt.compile(&jaxpr, prim.name(), &[])?, rt))
}
