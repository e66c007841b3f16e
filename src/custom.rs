//! Functions with custom derivative rules (`custom_jvp`, `custom_vjp`) and
//! rematerialization (`checkpoint`). Each stages the function to a Jaxpr
//! and binds it as a [`Primitive::Custom`] whose rules the transformations
//! call.

use crate::Array;
use crate::jit::{flatten_args, trace_tree};
use crate::tree::{Tree, TreeDef, TreeOutput};
use rjax_ir::{
    AVal, BatchedRule, CustomCall, CustomRule, Error, ErrorKind, Jaxpr, Primitive, Result, Value,
};
use std::marker::PhantomData;
use std::panic::Location;
use std::sync::Arc;

fn arrays(values: &[Value]) -> Vec<Array> {
    values.iter().cloned().map(Array::from_value).collect()
}

fn leaf_values<T: Tree>(t: &T) -> Result<(Vec<Value>, TreeDef)> {
    let (leaves, def) = t.flatten_tree();
    Ok((
        leaves
            .iter()
            .map(|a| a.value().cloned())
            .collect::<Result<_>>()?,
        def,
    ))
}

/// Zeros for missing tangents.
fn instantiate(tangents: &[Option<Value>], primals: &[Value]) -> Result<Vec<Array>> {
    tangents
        .iter()
        .zip(primals)
        .map(|(t, p)| match t {
            Some(t) => Ok(Array::from_value(t.clone())),
            None => {
                let a = p.aval();
                crate::numpy::zeros(&a.shape, a.dtype)
                    .value()
                    .cloned()
                    .map(Array::from_value)
            }
        })
        .collect()
}

/// Stage `f` for `args`: the Jaxpr (constants first), the constants, the
/// argument values and the output structure.
fn stage<I: Tree, R: TreeOutput>(
    f: &dyn Fn(I) -> R,
    args: &I,
) -> Result<(Jaxpr, Vec<Value>, Vec<Value>, TreeDef)> {
    let (values, avals, def) = flatten_args(args)?;
    let (closed, out_def) = trace_tree(f, &def, &avals)?;
    Ok((closed.hoist_consts(), closed.consts, values, out_def))
}

pub(crate) type JvpFn =
    dyn Fn(&[Value], &[Option<Value>]) -> Result<(Vec<Value>, Vec<Option<Value>>)> + Send + Sync;

/// A staged function whose JVP is given by a closure over flat values.
struct StagedRule {
    name: &'static str,
    jaxpr: Jaxpr,
    num_consts: usize,
    jvp: Arc<JvpFn>,
}

impl CustomRule for StagedRule {
    fn name(&self) -> &str {
        self.name
    }
    fn jaxpr(&self) -> Option<&Jaxpr> {
        Some(&self.jaxpr)
    }
    fn jvp(
        &self,
        primals: &[Value],
        tangents: &[Option<Value>],
    ) -> Result<(Vec<Value>, Vec<Option<Value>>)> {
        let k = self.num_consts;
        (self.jvp)(&primals[k..], &tangents[k..])
    }
    fn batched(&self, size: usize) -> Option<Result<BatchedRule>> {
        Some(self.for_batch(size))
    }
}

impl StagedRule {
    /// The function and its JVP rule vectorized over a leading batch axis
    /// of every operand (JAX batches a `custom_jvp` the same way), so that
    /// `vmap` of it stays one program instead of one per member.
    fn for_batch(&self, size: usize) -> Result<BatchedRule> {
        let in_avals: Vec<AVal> = self
            .jaxpr
            .in_avals()
            .into_iter()
            .map(|a| a.with_shape([&[size][..], &a.shape].concat()))
            .collect();
        let jaxpr = &self.jaxpr;
        let closed = rjax_ir::trace_to_jaxpr(&in_avals, |args| {
            vmap_leading(|xs| rjax_ir::eval_jaxpr(jaxpr, &[], xs), args, size)
        })?;
        let num_outputs = jaxpr.outvars.len();
        let jvp = self.jvp.clone();
        let batched_jvp = move |primals: &[Value], tangents: &[Option<Value>]| {
            let given: Vec<Value> = tangents.iter().flatten().cloned().collect();
            let args: Vec<Value> = primals.iter().cloned().chain(given).collect();
            let mut zero_tangents = Vec::new();
            let outs = vmap_leading(
                |xs| {
                    let (p, mut t) = (&xs[..primals.len()], xs[primals.len()..].iter());
                    let t: Vec<Option<Value>> = tangents
                        .iter()
                        .map(|given| given.as_ref().and(t.next().cloned()))
                        .collect();
                    let (outs, touts) = jvp(p, &t)?;
                    zero_tangents = touts.iter().map(Option::is_none).collect();
                    Ok(outs
                        .into_iter()
                        .chain(touts.into_iter().flatten())
                        .collect())
                },
                &args,
                size,
            )?;
            let (outs, given) = outs.split_at(num_outputs);
            let mut given = given.iter().cloned();
            let touts = zero_tangents
                .iter()
                .map(|&zero| if zero { None } else { given.next() })
                .collect();
            Ok((outs.to_vec(), touts))
        };
        let rule = StagedRule {
            name: self.name,
            num_consts: self.num_consts + closed.consts.len(),
            jaxpr: closed.hoist_consts(),
            jvp: Arc::new(batched_jvp),
        };
        Ok(BatchedRule {
            rule: Arc::new(rule),
            consts: closed.consts,
        })
    }
}

/// `f` vectorized over the leading axis (of length `size`) of every
/// argument, with every result's batch axis leading too.
fn vmap_leading(
    f: impl FnOnce(&[Value]) -> Result<Vec<Value>>,
    args: &[Value],
    size: usize,
) -> Result<Vec<Value>> {
    let dims = vec![Some(0); args.len()];
    rjax_transforms::vmap(f, args, &dims, size, None)?
        .into_iter()
        .map(|(v, d)| rjax_transforms::with_batch_axis(&v, d, size, 0))
        .collect()
}

/// Call `f` as a custom primitive with the given JVP, or directly when no
/// transformation is active.
pub(crate) fn call_staged<I: Tree, O: Tree>(
    name: &'static str,
    f: &dyn Fn(I) -> O,
    x: I,
    jvp: Arc<JvpFn>,
) -> Result<O> {
    if !rjax_ir::is_tracing() {
        return Ok(f(x));
    }
    let (jaxpr, consts, values, out_def) = stage(f, &x)?;
    let rule = StagedRule {
        name,
        num_consts: consts.len(),
        jaxpr,
        jvp,
    };
    let args: Vec<Value> = consts.into_iter().chain(values).collect();
    let outs = rjax_ir::bind(&Primitive::Custom(CustomCall(Arc::new(rule))), &args)?;
    O::unflatten_tree(&out_def, arrays(&outs))
}

/// A function with a custom JVP rule, made by [`custom_jvp`].
pub struct CustomJvp<F, J, I, O> {
    f: F,
    jvp: Arc<J>,
    _types: PhantomData<fn(I) -> O>,
}

/// `f` with the derivative rule `jvp(primals, tangents) -> (outputs,
/// output tangents)`, used by every differentiation (JAX's `custom_jvp`).
///
/// ```
/// use rjax::{custom_jvp, grad, Array};
/// // log(1 + e^x), whose derivative e^x / (1 + e^x) overflows for large x
/// // when written naively; the rule uses 1 - 1 / (1 + e^x) instead.
/// let softplus = custom_jvp(
///     |x: Array| (x.exp() + 1.0).log(),
///     |x: Array, t: Array| ((x.exp() + 1.0).log(), &t * &(1.0 - 1.0 / (x.exp() + 1.0))),
/// );
/// let g = grad(|x: Array| softplus.call(x))(Array::scalar(100.0f32)).unwrap();
/// assert_eq!(g.item::<f32>().unwrap(), 1.0);
/// ```
pub fn custom_jvp<I, O, F, J>(f: F, jvp: J) -> CustomJvp<F, J, I, O>
where
    I: Tree + 'static,
    O: Tree + 'static,
    F: Fn(I) -> O,
    J: Fn(I, I) -> (O, O) + Send + Sync + 'static,
{
    CustomJvp {
        f,
        jvp: Arc::new(jvp),
        _types: PhantomData,
    }
}

impl<I, O, F, J> CustomJvp<F, J, I, O>
where
    I: Tree + 'static,
    O: Tree + 'static,
    F: Fn(I) -> O,
    J: Fn(I, I) -> (O, O) + Send + Sync + 'static,
{
    /// Apply the function (its rule takes over under differentiation).
    #[track_caller]
    pub fn call(&self, x: I) -> Result<O> {
        let location = Location::caller();
        let (_, def) = x.flatten_tree();
        let rule = self.jvp.clone();
        let jvp: Arc<JvpFn> = Arc::new(move |primals: &[Value], tangents: &[Option<Value>]| {
            let p = I::unflatten_tree(&def, arrays(primals))?;
            let t = I::unflatten_tree(&def, instantiate(tangents, primals)?)?;
            let (out, tout) = rule(p, t);
            let (outs, _) = leaf_values(&out)?;
            let (touts, _) = leaf_values(&tout)?;
            Ok((outs, touts.into_iter().map(Some).collect()))
        });
        call_staged("custom_jvp", &self.f, x, jvp).map_err(|e| e.at(location))
    }
}

/// A function with a custom VJP rule, made by [`custom_vjp`].
pub struct CustomVjp<F, Fw, B, I, O, R> {
    f: F,
    fwd: Arc<Fw>,
    bwd: Arc<B>,
    _types: PhantomData<fn(I) -> (O, R)>,
}

/// `f` with the reverse-mode rule `fwd(x) -> (f(x), residuals)` and
/// `bwd(residuals, output cotangents) -> input cotangents` (JAX's
/// `custom_vjp`). Forward-mode differentiation of it is an error, as in JAX.
///
/// ```
/// use rjax::{custom_vjp, grad, Array};
/// // Clip the gradient of x^2 to [-1, 1].
/// let f = custom_vjp(
///     |x: Array| &x * &x,
///     |x: Array| (&x * &x, x.clone()),
///     |x: Array, g: Array| rjax::numpy::minimum(&rjax::numpy::maximum(&(&g * &x * 2.0), &Array::weak(-1.0)), &Array::weak(1.0)),
/// );
/// assert_eq!(grad(|x: Array| f.call(x))(Array::scalar(3.0f32)).unwrap().item::<f32>().unwrap(), 1.0);
/// ```
pub fn custom_vjp<I, O, R, F, Fw, B>(f: F, fwd: Fw, bwd: B) -> CustomVjp<F, Fw, B, I, O, R>
where
    I: Tree + 'static,
    O: Tree + 'static,
    R: Tree + 'static,
    F: Fn(I) -> O,
    Fw: Fn(I) -> (O, R) + Send + Sync + 'static,
    B: Fn(R, O) -> I + Send + Sync + 'static,
{
    CustomVjp {
        f,
        fwd: Arc::new(fwd),
        bwd: Arc::new(bwd),
        _types: PhantomData,
    }
}

impl<I, O, R, F, Fw, B> CustomVjp<F, Fw, B, I, O, R>
where
    I: Tree + 'static,
    O: Tree + 'static,
    R: Tree + 'static,
    F: Fn(I) -> O,
    Fw: Fn(I) -> (O, R) + Send + Sync + 'static,
    B: Fn(R, O) -> I + Send + Sync + 'static,
{
    /// Apply the function (its rules take over under differentiation).
    #[track_caller]
    pub fn call(&self, x: I) -> Result<O> {
        let location = Location::caller();
        let (_, def) = x.flatten_tree();
        let (fwd, bwd) = (self.fwd.clone(), self.bwd.clone());
        let jvp: Arc<JvpFn> = Arc::new(move |primals: &[Value], tangents: &[Option<Value>]| {
            let (out, residuals) = fwd(I::unflatten_tree(&def, arrays(primals))?);
            let (outs, out_def) = leaf_values(&out)?;
            if tangents.iter().all(Option::is_none) {
                return Ok((outs.clone(), vec![None; outs.len()]));
            }
            let (res, res_def) = leaf_values(&residuals)?;
            let lin = CustomLinear {
                num_residuals: res.len(),
                out_avals: outs.iter().map(Value::aval).collect(),
                transpose: Arc::new({
                    let (bwd, in_def) = (bwd.clone(), def.clone());
                    move |res: &[Value], cts: &[Value]| {
                        let r = R::unflatten_tree(&res_def, arrays(res))?;
                        let c = O::unflatten_tree(&out_def, arrays(cts))?;
                        let (grads, d) = leaf_values(&bwd(r, c))?;
                        if d != in_def {
                            return Err(Error::new(
                                ErrorKind::Tree,
                                "custom_vjp",
                                "bwd must return cotangents shaped like the inputs",
                            ));
                        }
                        Ok(grads)
                    }
                }),
            };
            let args: Vec<Value> = res
                .into_iter()
                .chain(
                    instantiate(tangents, primals)?
                        .iter()
                        .map(|a| a.value().cloned())
                        .collect::<Result<Vec<_>>>()?,
                )
                .collect();
            let touts = rjax_ir::bind(&Primitive::Custom(CustomCall(Arc::new(lin))), &args)?;
            Ok((outs, touts.into_iter().map(Some).collect()))
        });
        call_staged("custom_vjp", &self.f, x, jvp).map_err(|e| e.at(location))
    }
}

type TransposeFn = dyn Fn(&[Value], &[Value]) -> Result<Vec<Value>> + Send + Sync;

/// The linear part of a `custom_vjp` function under linearization: its
/// operands are the residuals (known) and the input tangents (linear); its
/// transpose is the user's `bwd`.
struct CustomLinear {
    num_residuals: usize,
    out_avals: Vec<AVal>,
    transpose: Arc<TransposeFn>,
}

impl CustomRule for CustomLinear {
    fn name(&self) -> &str {
        "custom_lin"
    }
    fn out_avals(&self, _in_avals: &[AVal]) -> Result<Vec<AVal>> {
        Ok(self.out_avals.clone())
    }
    fn num_outputs(&self) -> usize {
        self.out_avals.len()
    }
    fn jaxpr(&self) -> Option<&Jaxpr> {
        None
    }
    fn jvp(
        &self,
        _primals: &[Value],
        _tangents: &[Option<Value>],
    ) -> Result<(Vec<Value>, Vec<Option<Value>>)> {
        Err(self.unsupported("forward-mode differentiation of a custom_vjp function"))
    }
    fn eval(&self, _args: &[Value]) -> Result<Vec<Value>> {
        Err(self.unsupported("forward-mode differentiation (jvp) of a custom_vjp function"))
    }
    fn transpose(
        &self,
        known: &[Option<Value>],
        cotangents: &[Value],
    ) -> Result<Vec<Option<Value>>> {
        let k = self.num_residuals;
        let res = known[..k]
            .iter()
            .map(|r| {
                r.clone()
                    .ok_or_else(|| self.unsupported("transposition with respect to residuals"))
            })
            .collect::<Result<Vec<_>>>()?;
        let cts = (self.transpose)(&res, cotangents)?;
        Ok(std::iter::repeat_n(None, k)
            .chain(cts.into_iter().map(Some))
            .collect())
    }
}

/// `f`, differentiated by recomputing its intermediates in the backward
/// pass instead of storing them (JAX's `checkpoint` / `remat`).
///
/// ```
/// use rjax::{checkpoint, grad, Array};
/// let g = grad(|x: Array| checkpoint(|x: Array| x.sin().sin(), x))(Array::scalar(0.5f32)).unwrap();
/// let want = 0.5f32.sin().cos() * 0.5f32.cos();
/// assert!((g.item::<f32>().unwrap() - want).abs() < 1e-6);
/// ```
#[track_caller]
pub fn checkpoint<I: Tree, R: TreeOutput>(f: impl Fn(I) -> R, x: I) -> Result<R::Tree> {
    let location = Location::caller();
    (|| {
        if !rjax_ir::is_tracing() {
            return f(x).into_result();
        }
        let (jaxpr, consts, values, out_def) = stage(&f, &x)?;
        let args: Vec<Value> = consts.into_iter().chain(values).collect();
        let outs = rjax_ir::bind(&rjax_transforms::checkpoint_call(jaxpr), &args)?;
        R::Tree::unflatten_tree(&out_def, arrays(&outs))
    })()
    .map_err(|e: Error| e.at(location))
}
