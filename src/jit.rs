//! `jit`, `make_jaxpr` and lowering: stage a Rust function out to a Jaxpr,
//! compile it once per input signature, and run it with a cache lookup plus
//! one PJRT execute per call.

use crate::Array;
use crate::jit_sharded::{Partitioned, Plan};
use crate::lru::OnceLru;
use crate::runtime::{DeviceArray, Runtime, device_array, execute, runtime_of};
use crate::sharded::{Shardings, as_sharded, with_sharding_constraint};
use crate::sharding::NamedSharding;
use crate::tree::{Tree, TreeDef, TreeOutput};
use crate::vmap::prefix_leaves;
use rjax_ir::{
    AVal, ClosedJaxpr, Error, ErrorKind, Jaxpr, JitCall, Primitive, Result, Value, trace_to_jaxpr,
};
use rjax_pjrt::{Buffer, Executable};
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::{Arc, OnceLock};

/// Trace `f` on the abstract values of `args` (their shapes and dtypes).
/// Returns the Jaxpr, its captured constants and the output structure.
pub(crate) fn trace_tree<I: Tree, R: TreeOutput>(
    f: &dyn Fn(I) -> R,
    def: &TreeDef,
    avals: &[AVal],
) -> Result<(ClosedJaxpr, TreeDef)> {
    let mut out_def = None;
    let closed = trace_to_jaxpr(avals, |tracers| {
        let args = I::unflatten_tree(
            def,
            tracers.iter().cloned().map(Array::from_value).collect(),
        )?;
        let (leaves, def) = f(args).into_result()?.flatten_tree();
        out_def = Some(def);
        leaves.iter().map(|a| a.value().cloned()).collect()
    })?;
    let out_def = out_def
        .ok_or_else(|| Error::new(ErrorKind::Tree, "trace", "the function produced no output"))?;
    Ok((closed, out_def))
}

/// The leaves of `args` as values with their abstract values.
pub(crate) fn flatten_args<I: Tree>(args: &I) -> Result<(Vec<Value>, Vec<AVal>, TreeDef)> {
    let (leaves, def) = args.flatten_tree();
    let values = leaves
        .iter()
        .map(|a| a.value().cloned())
        .collect::<Result<Vec<_>>>()?;
    let avals = values.iter().map(Value::aval).collect();
    Ok((values, avals, def))
}

/// The Jaxpr of `f` applied to arguments like `args`, as `jax.make_jaxpr`.
///
/// ```
/// use rjax::{make_jaxpr, Array};
/// let x = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
/// let j = make_jaxpr(|x: Array| (&x * 2.0).sin(), x).unwrap();
/// assert_eq!(j.to_string(), "{ lambda ; a:f32[3]. let\n    b:f32[3] = mul a 2.0:f32[]\n    c:f32[3] = sin b\n  in (c,) }");
/// ```
#[track_caller]
pub fn make_jaxpr<I: Tree, R: TreeOutput>(f: impl Fn(I) -> R, args: I) -> Result<ClosedJaxpr> {
    let location = Location::caller();
    let (_, avals, def) = flatten_args(&args).map_err(|e| e.at(location))?;
    trace_tree(&f, &def, &avals)
        .map(|(c, _)| c)
        .map_err(|e| e.at(location))
}

/// A staged program: its Jaxpr (constants hoisted into leading inputs),
/// the constants, the output structure and, once compiled, the executable.
struct Staged {
    jaxpr: Arc<Jaxpr>,
    consts: Vec<Value>,
    out_def: TreeDef,
    out_avals: Vec<AVal>,
    /// How the program is partitioned over a mesh, when it is.
    plan: Option<Plan>,
    compiled: OnceLock<Result<Compiled>>,
    partitioned: OnceLock<Result<Partitioned>>,
}

struct Compiled {
    exe: Executable,
    /// The runtime whose client compiled `exe` (a `jit` of a `pmap` runs
    /// on every device, other programs on one).
    rt: &'static Runtime,
    const_arrays: Vec<Arc<DeviceArray>>,
    /// Counts this program among its function's live ones until dropped.
    _live: Arc<()>,
}

/// How many input signatures one jitted function keeps compiled programs
/// for (see [`Jit::cache_capacity`]); calling it with more evicts the least
/// recently used, whose executable is freed once no call is using it.
pub const JIT_CACHE_CAPACITY: usize = 64;

#[derive(Clone, PartialEq, Eq, Hash)]
struct Key {
    def: TreeDef,
    avals: Vec<AVal>,
    /// Each argument leaf's sharding (given, or its own).
    shardings: Vec<Option<NamedSharding>>,
}

/// A function compiled on first call for each input signature (tree
/// structure, shapes, dtypes). Made by [`jit`]. It keeps the programs of
/// the [`JIT_CACHE_CAPACITY`] most recently used signatures.
pub struct Jit<F, I, R> {
    f: F,
    name: String,
    cache: OnceLru<Key, Arc<Staged>>,
    /// One clone per live compiled program (see [`Jit::live_programs`]).
    live: Arc<()>,
    /// The function's type name and where `jit` was called, for dumps.
    function: &'static str,
    defined_at: &'static Location<'static>,
    in_shardings: Shardings,
    out_shardings: Shardings,
    _types: PhantomData<fn(I) -> R>,
}

/// Compile `f` with XLA: traced once per input signature, then each call is
/// a cache lookup and one execution on the device.
///
/// ```
/// use rjax::{jit, Array};
/// let f = jit(|x: Array| &x * &x + 1.0);
/// let x = Array::from_slice(&[1.0f32, 2.0], &[2]);
/// assert_eq!(f.call(x).unwrap().to_vec::<f32>().unwrap(), vec![2.0, 5.0]);
/// ```
#[track_caller]
pub fn jit<I: Tree, R: TreeOutput, F: Fn(I) -> R>(f: F) -> Jit<F, I, R> {
    Jit {
        f,
        name: "jit_fn".to_string(),
        cache: OnceLru::new(JIT_CACHE_CAPACITY),
        live: Arc::new(()),
        function: std::any::type_name::<F>(),
        defined_at: Location::caller(),
        in_shardings: Shardings::NONE,
        out_shardings: Shardings::NONE,
        _types: PhantomData,
    }
}

/// A lowered program: the StableHLO text of a jitted function.
#[derive(Clone, Debug)]
pub struct Lowered {
    text: String,
    jaxpr: ClosedJaxpr,
}

impl Lowered {
    pub(crate) fn new(text: String, jaxpr: ClosedJaxpr) -> Lowered {
        Lowered { text, jaxpr }
    }

    /// The StableHLO module text.
    pub fn as_text(&self) -> &str {
        &self.text
    }
    /// The Jaxpr it was lowered from.
    pub fn jaxpr(&self) -> &ClosedJaxpr {
        &self.jaxpr
    }
}

impl<F: Fn(I) -> R, I: Tree, R: TreeOutput> Jit<F, I, R> {
    /// Name the program (the StableHLO module becomes `@jit_<name>`).
    pub fn named(mut self, name: &str) -> Self {
        self.name = format!("jit_{name}");
        self
    }

    /// Lay the arguments out as `spec` says (a prefix of the arguments'
    /// tree, like `in_axes`): they are split over the mesh (or used in
    /// place when they already are), and XLA's SPMD partitioner splits the
    /// program. Leaves left `None` keep their own sharding (replicated when
    /// they have none).
    ///
    /// ```
    /// use rjax::{jit, numpy as jnp, Array, Mesh, NamedSharding, P};
    /// let mesh = Mesh::new(&[4, 2], &["data", "model"]).unwrap();
    /// let rows = NamedSharding::new(&mesh, P!["data"]).unwrap();
    /// let f = jit(|(x, w): (Array, Array)| jnp::matmul(&x, &w))
    ///     .in_shardings(rjax::Shardings::each([rows.clone().into(), rjax::Shardings::NONE]))
    ///     .out_shardings(rows.clone());
    /// let x = jnp::ones(&[8, 3], rjax::DType::F32);
    /// let y = f.call((x, jnp::ones(&[3, 2], rjax::DType::F32))).unwrap();
    /// assert_eq!(y.sharding().unwrap(), rows);
    /// assert_eq!(y.to_vec::<f32>().unwrap(), vec![3.0; 16]);
    /// ```
    pub fn in_shardings(mut self, spec: impl Into<Shardings>) -> Self {
        self.in_shardings = spec.into();
        self
    }

    /// Lay the results out as `spec` says (a prefix of the results' tree).
    /// Results left `None` are laid out as XLA's SPMD partitioner chooses,
    /// as in JAX: an elementwise function of a batch-split array stays
    /// split, a full reduction is replicated. [`Array::sharding`] reports
    /// the choice, named over the program's mesh (the sharding of an
    /// argument laid out the same where there is one).
    ///
    /// ```
    /// use rjax::{device_put, jit, numpy as jnp, Array, Mesh, NamedSharding, P};
    /// let mesh = Mesh::new(&[8], &["data"]).unwrap();
    /// let rows = NamedSharding::new(&mesh, P!["data", None]).unwrap();
    /// let x = device_put(&jnp::ones(&[16, 4], rjax::DType::F32), &rows);
    /// let y = jit(|x: Array| x.tanh() * 2.0).call(x.clone()).unwrap();
    /// assert_eq!(y.sharding().unwrap(), rows); // kept split, no gather
    /// let everywhere = NamedSharding::replicated(&mesh);
    /// let f = jit(|x: Array| x.tanh() * 2.0).out_shardings(everywhere.clone());
    /// assert_eq!(f.call(x).unwrap().sharding().unwrap(), everywhere);
    /// ```
    pub fn out_shardings(mut self, spec: impl Into<Shardings>) -> Self {
        self.out_shardings = spec.into();
        self
    }

    /// Keep programs for at most `capacity` input signatures (at least one)
    /// instead of [`JIT_CACHE_CAPACITY`].
    ///
    /// ```
    /// use rjax::{jit, Array};
    /// let f = jit(|x: Array| &x + 1.0).cache_capacity(2);
    /// for n in 1..=5 {
    ///     f.call(Array::from_slice(&vec![0.0f32; n], &[n])).unwrap();
    /// }
    /// assert_eq!(f.cache_size(), 2);
    /// ```
    pub fn cache_capacity(self, capacity: usize) -> Self {
        self.cache.set_capacity(capacity);
        self
    }

    /// How many input signatures are cached (traced, and compiled once
    /// called).
    pub fn cache_size(&self) -> usize {
        self.cache.len()
    }

    /// How many compiled programs of this function are alive: those cached
    /// and those evicted but still running. Evicted programs are freed when
    /// their last call ends, so this never exceeds the cache size for long.
    #[doc(hidden)]
    pub fn live_programs(&self) -> usize {
        Arc::strong_count(&self.live) - 1
    }

    /// The staged program for this signature, traced once however many
    /// threads ask for it at the same time.
    fn staged(&self, values: &[Value], avals: Vec<AVal>, def: TreeDef) -> Result<Arc<Staged>> {
        let shardings = self.arg_shardings(values, &def)?;
        let key = Key {
            def,
            avals,
            shardings,
        };
        self.cache.get_or_try_make(&key, || {
            let (closed, out_def) = trace_tree(&self.constrained(), &key.def, &key.avals)?;
            let jaxpr = rjax_transforms::dce(&closed.hoist_consts());
            let outs = prefix_leaves(
                &self.out_shardings,
                &out_def,
                ("out_shardings", "output", "jit"),
            )?;
            let plan =
                crate::jit_sharded::plan(&jaxpr, closed.consts.len(), &key.shardings, &outs)?;
            Ok(Arc::new(Staged {
                out_avals: jaxpr.out_avals(),
                jaxpr: Arc::new(jaxpr),
                consts: closed.consts,
                out_def,
                plan,
                compiled: OnceLock::new(),
                partitioned: OnceLock::new(),
            }))
        })
    }

    /// Each argument leaf's sharding: the one `in_shardings` gives, else
    /// its own when it is sharded.
    fn arg_shardings(&self, values: &[Value], def: &TreeDef) -> Result<Vec<Option<NamedSharding>>> {
        let given = prefix_leaves(&self.in_shardings, def, ("in_shardings", "argument", "jit"))?;
        Ok(given
            .into_iter()
            .zip(values)
            .map(|(g, v)| {
                g.or_else(|| as_sharded(v).and_then(|s| s.named().map(|(n, _)| n.clone())))
            })
            .collect())
    }

    /// `f` with the given shardings as constraints on its arguments and
    /// results, so that they hold wherever the program is staged (inside
    /// another `jit`, under `grad` or `vmap`).
    fn constrained(&self) -> impl Fn(I) -> Result<R::Tree> + '_ {
        let constrain = |leaves: Vec<Array>, spec: &Shardings, def: &TreeDef, what| {
            let specs = prefix_leaves(spec, def, (what, what, "jit"))?;
            Ok::<_, Error>(
                leaves
                    .iter()
                    .zip(specs)
                    .map(|(a, s)| s.map_or_else(|| a.clone(), |s| with_sharding_constraint(a, &s)))
                    .collect::<Vec<_>>(),
            )
        };
        move |args: I| {
            let (leaves, def) = args.flatten_tree();
            let args = I::unflatten_tree(
                &def,
                constrain(leaves, &self.in_shardings, &def, "in_shardings")?,
            )?;
            let (leaves, def) = (self.f)(args).into_result()?.flatten_tree();
            R::Tree::unflatten_tree(
                &def,
                constrain(leaves, &self.out_shardings, &def, "out_shardings")?,
            )
        }
    }

    /// Run the compiled function. Under another transformation (inside an
    /// outer `jit`, `make_jaxpr`, ...) the call is staged as a `pjit`
    /// equation instead.
    #[track_caller]
    pub fn call(&self, args: I) -> Result<R::Tree> {
        let location = Location::caller();
        self.call_inner(args, location).map_err(|e| e.at(location))
    }

    fn call_inner(&self, args: I, location: &'static Location<'static>) -> Result<R::Tree> {
        let (values, avals, def) = flatten_args(&args)?;
        let staged = self.staged(&values, avals, def)?;
        if rjax_ir::is_tracing() || values.iter().any(Value::is_traced) {
            let call = Primitive::Jit(JitCall {
                name: self.name.clone(),
                jaxpr: staged.jaxpr.clone(),
            });
            let inputs: Vec<Value> = staged.consts.iter().chain(&values).cloned().collect();
            let outs = rjax_ir::bind(&call, &inputs)?;
            return R::Tree::unflatten_tree(
                &staged.out_def,
                outs.into_iter().map(Array::from_value).collect(),
            );
        }
        let site = crate::dump::Site {
            kind: "jit",
            function: self.function,
            defined_at: Some(self.defined_at),
            called_at: location,
        };
        if let Some(plan) = &staged.plan {
            let program = staged
                .partitioned
                .get_or_init(|| {
                    crate::dump::at_site(site, || {
                        crate::jit_sharded::compile(
                            plan,
                            &staged.jaxpr,
                            &self.name,
                            &staged.consts,
                            self.live.clone(),
                        )
                    })
                })
                .as_ref()
                .map_err(Clone::clone)?;
            let outs = crate::jit_sharded::run(plan, program, &values)?;
            return R::Tree::unflatten_tree(&staged.out_def, outs);
        }
        let compiled = staged
            .compiled
            .get_or_init(|| {
                let rt = runtime_of(&staged.jaxpr)?;
                let exe =
                    crate::dump::at_site(site, || rt.compile(&staged.jaxpr, &self.name, &[]))?;
                let const_arrays = staged
                    .consts
                    .iter()
                    .map(|c| device_array(c, rt, &self.name))
                    .collect::<Result<Vec<_>>>()?;
                Ok(Compiled {
                    exe,
                    rt,
                    const_arrays,
                    _live: self.live.clone(),
                })
            })
            .as_ref()
            .map_err(Clone::clone)?;
        let arg_arrays = values
            .iter()
            .map(|v| device_array(v, compiled.rt, &self.name))
            .collect::<Result<Vec<_>>>()?;
        let buffers: Vec<&Buffer> = compiled
            .const_arrays
            .iter()
            .chain(&arg_arrays)
            .map(|d| &d.buffer)
            .collect();
        let outs = execute(&compiled.exe, &buffers, &staged.out_avals, &self.name)?;
        R::Tree::unflatten_tree(
            &staged.out_def,
            outs.into_iter()
                .map(|d| Array::from_value(Value::Concrete(d)))
                .collect(),
        )
    }

    /// Stage and lower for arguments like `args`, without compiling.
    #[track_caller]
    pub fn lower(&self, args: I) -> Result<Lowered> {
        let location = Location::caller();
        (|| {
            let (values, avals, def) = flatten_args(&args)?;
            let staged = self.staged(&values, avals.clone(), def.clone())?;
            let (closed, _) = trace_tree(&self.constrained(), &def, &avals)?;
            let text = match &staged.plan {
                Some(plan) => plan.lower_text(&staged.jaxpr, &self.name)?,
                None => crate::runtime::lower_text(&staged.jaxpr, &self.name, &[])?,
            };
            Ok(Lowered {
                text,
                jaxpr: closed,
            })
        })()
        .map_err(|e: Error| e.at(location))
    }
}

/// A function of a static argument and traced ones.
type StaticFn<S, I, O> = Arc<dyn Fn(&S, I) -> O>;

/// A `jit` of a boxed closure (one per static value).
type BoxedJit<I, O> = Jit<Box<dyn Fn(I) -> O>, I, O>;

/// A function with a static (compile-time) argument, made by
/// [`jit_static`]: each distinct static value gets its own compiled
/// programs, like JAX's `static_argnums`. It keeps those of the
/// [`JIT_CACHE_CAPACITY`] most recently used static values.
pub struct JitStatic<S, I, O> {
    f: StaticFn<S, I, O>,
    /// The function's type name and where `jit_static` was called.
    function: &'static str,
    defined_at: &'static Location<'static>,
    jits: OnceLru<S, Arc<BoxedJit<I, O>>>,
}

/// `jit` with a static first argument `s` that Rust code may inspect
/// (branch on, loop over, use as a shape).
///
/// ```
/// use rjax::{jit_static, Array};
/// let power = jit_static(|n: &u32, x: Array| (0..*n).fold(Array::weak(1.0), |acc, _| &acc * &x));
/// assert_eq!(power.call(3, Array::scalar(2.0f32)).unwrap().item::<f32>().unwrap(), 8.0);
/// assert_eq!(power.call(2, Array::scalar(2.0f32)).unwrap().item::<f32>().unwrap(), 4.0);
/// ```
#[track_caller]
pub fn jit_static<S, I, O>(f: impl Fn(&S, I) -> O + 'static) -> JitStatic<S, I, O>
where
    S: std::hash::Hash + Eq + Clone + 'static,
    I: Tree + 'static,
    O: Tree + 'static,
{
    JitStatic {
        function: std::any::type_name_of_val(&f),
        defined_at: Location::caller(),
        f: Arc::new(f),
        jits: OnceLru::new(JIT_CACHE_CAPACITY),
    }
}

impl<S, I, O> JitStatic<S, I, O>
where
    S: std::hash::Hash + Eq + Clone + 'static,
    I: Tree + 'static,
    O: Tree + 'static,
{
    /// How many static values have programs cached.
    pub fn cache_size(&self) -> usize {
        self.jits.len()
    }

    /// Run the program compiled for `s` (compiling it on first use).
    #[track_caller]
    pub fn call(&self, s: S, args: I) -> Result<O> {
        let jit = self.jits.get_or_try_make(&s, || {
            let f = self.f.clone();
            let key = s.clone();
            let g: Box<dyn Fn(I) -> O> = Box::new(move |x| f(&key, x));
            Ok::<_, Error>(Arc::new(Jit {
                function: self.function,
                defined_at: self.defined_at,
                ..jit(g)
            }))
        })?;
        jit.call(args)
    }
}
