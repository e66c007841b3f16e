//! Host callbacks: [`pure_callback`], [`io_callback`] and [`debug::print`]
//! run Rust closures on the host from inside compiled programs, as JAX's
//! functions of the same names do.
//!
//! Each call registers its closure under a fresh id in a process-wide
//! registry and binds a [`CustomRule`] that lowers to
//! `stablehlo.custom_call @rjax_host_callback` with that id; XLA runs the
//! handler rjax registered through the plugin's FFI extension, which looks
//! the closure up here. The entry is removed when the last program (Jaxpr
//! or jitted function) holding the rule is dropped. Eagerly, the rule calls
//! the closure directly.

use crate::element::{Element, from_bytes, to_bytes};
use crate::runtime::{pjrt_error, runtime};
use crate::{AVal, Array, DType, Error, ErrorKind, Result};
use rjax_ir::{CustomCall, CustomCallLowering, CustomRule, Primitive, Value};
use rjax_pjrt::{FfiArg, FfiResult, HOST_CALLBACK_TARGET};
use std::collections::HashMap;
use std::fmt;
use std::panic::{AssertUnwindSafe, Location, catch_unwind};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// An array in host memory, as a host callback sees its operands and
/// returns its results (JAX hands callbacks numpy arrays).
#[derive(Clone, Debug, PartialEq)]
pub struct HostArray {
    bytes: Vec<u8>,
    shape: Vec<usize>,
    dtype: DType,
}

impl HostArray {
    /// An array of `data` in the given shape.
    pub fn from_slice<T: Element>(data: &[T], shape: &[usize]) -> Result<HostArray> {
        if shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d)) != Some(data.len()) {
            return Err(Error::new(
                ErrorKind::Shape,
                "HostArray::from_slice",
                format!("{} elements do not fill shape {shape:?}", data.len()),
            ));
        }
        Ok(HostArray {
            bytes: to_bytes(data),
            shape: shape.to_vec(),
            dtype: T::DTYPE,
        })
    }

    /// A rank-0 array.
    pub fn scalar<T: Element>(value: T) -> HostArray {
        HostArray {
            bytes: to_bytes(&[value]),
            shape: Vec::new(),
            dtype: T::DTYPE,
        }
    }

    /// The elements in row-major order; `T` must be the dtype's type.
    pub fn to_vec<T: Element>(&self) -> Result<Vec<T>> {
        if self.dtype != T::DTYPE {
            return Err(Error::new(
                ErrorKind::DType,
                "HostArray::to_vec",
                format!(
                    "cannot read a {} array as {}",
                    self.dtype.name(),
                    T::DTYPE.name()
                ),
            ));
        }
        Ok(from_bytes(&self.bytes))
    }

    pub fn shape(&self) -> &[usize] {
        &self.shape
    }

    pub fn dtype(&self) -> DType {
        self.dtype
    }

    fn aval(&self) -> AVal {
        AVal::new(self.shape.clone(), self.dtype)
    }

    /// The host copy of a concrete value.
    fn of_value(v: &Value) -> Result<HostArray> {
        let (bytes, aval) = Array::from_value(v.clone()).host_bytes()?;
        Ok(HostArray {
            bytes,
            shape: aval.shape,
            dtype: aval.dtype,
        })
    }
}

impl fmt::Display for HostArray {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&crate::display::format_host(&self.bytes, &self.aval()))
    }
}

/// A callback as registered: the closure and the results it promises.
type HostFn = dyn Fn(&[HostArray]) -> Result<Vec<HostArray>> + Send + Sync;

struct Registered {
    f: Box<HostFn>,
    results: Vec<AVal>,
    name: &'static str,
}

static REGISTRY: Mutex<Option<HashMap<u64, Arc<Registered>>>> = Mutex::new(None);
static NEXT_ID: AtomicU64 = AtomicU64::new(1);

fn registry() -> std::sync::MutexGuard<'static, Option<HashMap<u64, Arc<Registered>>>> {
    REGISTRY
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn lookup(id: u64) -> Option<Arc<Registered>> {
    registry().as_ref()?.get(&id).cloned()
}

/// A registry entry, removed when the last rule holding it is dropped.
struct Entry {
    id: u64,
    callback: Arc<Registered>,
    kind: Kind,
}

impl Drop for Entry {
    fn drop(&mut self) {
        if let Some(map) = registry().as_mut() {
            map.remove(&self.id);
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Pure,
    Io,
    Print,
}

/// The primitive of a host callback.
struct HostCallback(Arc<Entry>);

impl HostCallback {
    fn bind(entry: Arc<Entry>, args: &[Value]) -> Result<Vec<Value>> {
        let rule: Arc<dyn CustomRule> = Arc::new(HostCallback(entry));
        // A callback may be the first operation a thread binds.
        crate::eager::install();
        rjax_ir::bind(&Primitive::Custom(CustomCall(rule)), args)
    }
}

impl CustomRule for HostCallback {
    fn name(&self) -> &str {
        self.0.callback.name
    }
    fn out_avals(&self, _in_avals: &[AVal]) -> Result<Vec<AVal>> {
        Ok(self.0.callback.results.clone())
    }
    fn jaxpr(&self) -> Option<&rjax_ir::Jaxpr> {
        None
    }
    fn num_outputs(&self) -> usize {
        self.0.callback.results.len()
    }
    fn eval(&self, args: &[Value]) -> Result<Vec<Value>> {
        let hosts = args
            .iter()
            .map(HostArray::of_value)
            .collect::<Result<Vec<_>>>()?;
        let outs = run(&self.0.callback, &hosts)?;
        let rt = runtime()?;
        outs.into_iter()
            .map(|h| {
                let aval = h.aval();
                Ok(Value::Concrete(Arc::new(rt.upload(&h.bytes, aval)?)))
            })
            .collect()
    }
    /// Without tangents the callback runs as is. `debug::print` prints its
    /// primal operands (JAX's rule); the other callbacks are not
    /// differentiable (wrap them in `custom_jvp`).
    fn jvp(
        &self,
        primals: &[Value],
        tangents: &[Option<Value>],
    ) -> Result<(Vec<Value>, Vec<Option<Value>>)> {
        if self.0.kind != Kind::Print && tangents.iter().any(Option::is_some) {
            return Err(self.unsupported(
                "differentiation (wrap the callback in custom_jvp to give it a derivative)",
            ));
        }
        let outs = HostCallback::bind(self.0.clone(), primals)?;
        let none = vec![None; outs.len()];
        Ok((outs, none))
    }
    fn lowering(&self) -> Option<CustomCallLowering> {
        Some(CustomCallLowering {
            target: HOST_CALLBACK_TARGET.to_string(),
            backend_config: vec![("callback_id".to_string(), self.0.id)],
            has_side_effect: self.0.kind != Kind::Pure,
            sharding: None,
        })
    }
}

/// Run a callback, checking what it returns against what it promised; a
/// panic becomes an error.
fn run(callback: &Registered, args: &[HostArray]) -> Result<Vec<HostArray>> {
    let outs = catch_unwind(AssertUnwindSafe(|| (callback.f)(args)))
        .map_err(|_| Error::new(ErrorKind::Runtime, callback.name, "the callback panicked"))??;
    let found: Vec<AVal> = outs.iter().map(HostArray::aval).collect();
    if found != callback.results {
        let list = |a: &[AVal]| {
            a.iter()
                .map(|a| a.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        return Err(Error::new(
            ErrorKind::Shape,
            callback.name,
            format!(
                "the callback returned [{}] where it declared [{}]",
                list(&found),
                list(&callback.results)
            ),
        ));
    }
    Ok(outs)
}

/// Register rjax's handler with the plugin, once per process, on the first
/// host callback (so that a plugin without the FFI extension only fails
/// programs that use callbacks).
fn ensure_handler() -> Result<()> {
    static REGISTERED: OnceLock<Result<()>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            let client = &runtime()?.client;
            let platform = client
                .platform_name()
                .map_err(|e| pjrt_error("host callback", e))?;
            client
                .plugin()
                .register_host_callbacks(&platform, dispatch)
                .map_err(|e| pjrt_error("host callback", e))
        })
        .clone()
}

/// Register `f` and bind it to `args`.
fn call(
    name: &'static str,
    kind: Kind,
    f: Box<HostFn>,
    results: &[AVal],
    args: &[&Array],
) -> Result<Vec<Array>> {
    let values = args
        .iter()
        .map(|a| a.value().cloned())
        .collect::<Result<Vec<_>>>()?;
    ensure_handler()?;
    let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
    let callback = Arc::new(Registered {
        f,
        results: results
            .iter()
            .map(|a| AVal::new(a.shape.clone(), a.dtype))
            .collect(),
        name,
    });
    registry()
        .get_or_insert_with(HashMap::new)
        .insert(id, callback.clone());
    let entry = Arc::new(Entry { id, callback, kind });
    let outs = HostCallback::bind(entry, &values)?;
    Ok(outs.into_iter().map(Array::from_value).collect())
}

/// Call `f` on the host with the values of `args`; it returns arrays of
/// the shapes and dtypes `results` declares. Like JAX's `pure_callback`,
/// `f` must be pure: under `jit` it may be skipped when its results are
/// unused. Under `vmap` it is called once per batch member
/// (`vmap_method="sequential"`). It has no derivative (wrap it in
/// [`crate::custom_jvp`]).
///
/// ```
/// use rjax::{AVal, Array, DType, HostArray, jit, pure_callback};
/// let f = jit(|x: Array| {
///     let host_sin = |a: &[HostArray]| {
///         let v: Vec<f32> = a[0].to_vec()?.iter().map(|x: &f32| x.sin()).collect();
///         Ok(vec![HostArray::from_slice(&v, a[0].shape())?])
///     };
///     let out = pure_callback(host_sin, &[AVal::new(vec![2], DType::F32)], &[&x])?;
///     Ok(&out[0] * 2.0)
/// });
/// let y = f.call(Array::from_slice(&[0.0f32, 0.5], &[2])).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 2.0 * 0.5f32.sin()]);
/// ```
#[track_caller]
pub fn pure_callback<F>(f: F, results: &[AVal], args: &[&Array]) -> Result<Vec<Array>>
where
    F: Fn(&[HostArray]) -> Result<Vec<HostArray>> + Send + Sync + 'static,
{
    let location = Location::caller();
    call("pure_callback", Kind::Pure, Box::new(f), results, args).map_err(|e| e.at(location))
}

/// Call `f` on the host for its side effects (and results, as declared by
/// `results`). Unlike [`pure_callback`] it is never skipped, and the
/// callbacks of one program run in program order. It is not
/// differentiable.
///
/// ```
/// use rjax::{Array, HostArray, io_callback, jit};
/// use std::sync::{Arc, Mutex, OnceLock};
/// let seen = Arc::new(Mutex::new(Vec::new()));
/// let log = seen.clone();
/// let f = jit(move |x: Array| {
///     let log = log.clone();
///     io_callback(move |a: &[HostArray]| {
///         log.lock().unwrap().extend(a[0].to_vec::<f32>()?);
///         Ok(vec![])
///     }, &[], &[&x])?;
///     Ok(&x + 1.0)
/// });
/// f.call(Array::from_slice(&[3.0f32], &[1])).unwrap();
/// assert_eq!(*seen.lock().unwrap(), vec![3.0]);
/// ```
#[track_caller]
pub fn io_callback<F>(f: F, results: &[AVal], args: &[&Array]) -> Result<Vec<Array>>
where
    F: Fn(&[HostArray]) -> Result<Vec<HostArray>> + Send + Sync + 'static,
{
    let location = Location::caller();
    call("io_callback", Kind::Io, Box::new(f), results, args).map_err(|e| e.at(location))
}

/// Printing from inside transformed code, as JAX's `jax.debug`.
pub mod debug {
    use super::{HostArray, Kind, call};
    use crate::{Array, Error, ErrorKind, Result};
    use std::panic::Location;

    /// Print `format` with each `{}` replaced by the value of the next of
    /// `args`, when the values are known: at once when called eagerly, at
    /// each execution under `jit`, once per member under `vmap`, and the
    /// primal values under `grad`. Prints of one program appear in program
    /// order.
    ///
    /// ```
    /// use rjax::{Array, debug, jit};
    /// let f = jit(|x: Array| {
    ///     debug::print("x = {}", &[&x])?;
    ///     Ok(&x * 2.0)
    /// });
    /// f.call(Array::from_slice(&[1.0f32, 2.0], &[2])).unwrap(); // prints "x = [1. 2.]"
    /// ```
    #[track_caller]
    pub fn print(format: &str, args: &[&Array]) -> Result<()> {
        let location = Location::caller();
        let pieces: Vec<String> = format.split("{}").map(str::to_string).collect();
        if pieces.len() != args.len() + 1 {
            return Err(Error::new(
                ErrorKind::Param,
                "debug_print",
                format!(
                    "the format has {} placeholders for {} arguments",
                    pieces.len() - 1,
                    args.len()
                ),
            )
            .at(location));
        }
        let print = move |values: &[HostArray]| {
            let mut text = pieces[0].clone();
            for (v, piece) in values.iter().zip(&pieces[1..]) {
                text.push_str(&v.to_string());
                text.push_str(piece);
            }
            println!("{text}");
            Ok(Vec::new())
        };
        call("debug_print", Kind::Print, Box::new(print), &[], args)
            .map(|_| ())
            .map_err(|e| e.at(location))
    }
}

/// The dtype of an XLA primitive type number, for the dtypes rjax has.
fn dtype_of_primitive(primitive_type: u32) -> Option<DType> {
    Some(match primitive_type {
        1 => DType::Bool,
        2 => DType::I8,
        3 => DType::I16,
        4 => DType::I32,
        5 => DType::I64,
        6 => DType::U8,
        7 => DType::U16,
        8 => DType::U32,
        9 => DType::U64,
        10 => DType::F16,
        16 => DType::BF16,
        11 => DType::F32,
        12 => DType::F64,
        _ => return None,
    })
}

fn shape_of(dims: &[i64]) -> Vec<usize> {
    dims.iter().map(|&d| d.max(0) as usize).collect()
}

/// The dispatcher XLA's handler calls (see [`rjax_pjrt::HostDispatch`]):
/// run callback `id` and copy its results into XLA's buffers.
pub(crate) fn dispatch(
    id: u64,
    args: &[FfiArg<'_>],
    results: &mut [FfiResult<'_>],
) -> std::result::Result<(), String> {
    let callback = lookup(id).ok_or_else(|| format!("host callback {id} is not registered"))?;
    let hosts = args
        .iter()
        .map(|a| {
            let dtype = dtype_of_primitive(a.primitive_type)
                .ok_or_else(|| format!("operand of XLA type {}", a.primitive_type))?;
            Ok(HostArray {
                bytes: a.bytes.to_vec(),
                shape: shape_of(a.dims),
                dtype,
            })
        })
        .collect::<std::result::Result<Vec<_>, String>>()?;
    let outs = run(&callback, &hosts).map_err(|e| e.to_string())?;
    if outs.len() != results.len() {
        return Err(format!(
            "{}: {} results for {} buffers",
            callback.name,
            outs.len(),
            results.len()
        ));
    }
    for (out, buffer) in outs.iter().zip(results.iter_mut()) {
        if out.bytes.len() != buffer.bytes.len() || out.shape != shape_of(buffer.dims) {
            return Err(format!(
                "{}: a result of shape {:?} for a buffer of shape {:?}",
                callback.name, out.shape, buffer.dims
            ));
        }
        buffer.bytes.copy_from_slice(&out.bytes);
    }
    Ok(())
}
