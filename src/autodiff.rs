//! Automatic differentiation: `jvp`, `vjp`, `grad`, `value_and_grad`.
//! Forward mode is the JVP interpreter; reverse mode linearizes (JVP +
//! partial evaluation) and transposes the linear program, as JAX does.

use crate::Array;
use crate::tree::{Tree, TreeDef, TreeOutput};
use rjax_ir::{Error, ErrorKind, Literal, Result, Value};
use std::panic::Location;

pub(crate) fn values(leaves: &[Array]) -> Result<Vec<Value>> {
    leaves.iter().map(|a| a.value().cloned()).collect()
}

pub(crate) fn arrays(values: Vec<Value>) -> Vec<Array> {
    values.into_iter().map(Array::from_value).collect()
}

/// `f` as a function of flat values, for the transformations.
fn flat<I: Tree, R: TreeOutput>(
    f: &impl Fn(I) -> R,
    def: &TreeDef,
    out_def: &mut Option<TreeDef>,
) -> impl FnOnce(&[Value]) -> Result<Vec<Value>> {
    move |xs: &[Value]| {
        let args = I::unflatten_tree(def, arrays(xs.to_vec()))?;
        let (leaves, d) = f(args).into_result()?.flatten_tree();
        *out_def = Some(d);
        values(&leaves)
    }
}

fn missing_output() -> Error {
    Error::new(
        ErrorKind::Tree,
        "autodiff",
        "the function returned no output",
    )
}

/// Forward mode: `f(primals)` and its derivative along `tangents`.
///
/// ```
/// use rjax::{jvp, Array};
/// let (y, dy) = jvp(|x: Array| x.sin(), Array::scalar(0.0f32), Array::scalar(1.0f32)).unwrap();
/// assert_eq!((y.item::<f32>().unwrap(), dy.item::<f32>().unwrap()), (0.0, 1.0));
/// ```
#[track_caller]
pub fn jvp<I: Tree, R: TreeOutput>(
    f: impl Fn(I) -> R,
    primals: I,
    tangents: I,
) -> Result<(R::Tree, R::Tree)> {
    let location = Location::caller();
    (|| {
        let (p, def) = primals.flatten_tree();
        let (t, tdef) = tangents.flatten_tree();
        if def != tdef {
            return Err(Error::new(
                ErrorKind::Tree,
                "jvp",
                "primals and tangents have different structures",
            ));
        }
        let tangents: Vec<Option<Value>> = values(&t)?.into_iter().map(Some).collect();
        let mut out_def = None;
        let (outs, touts) =
            rjax_transforms::jvp(flat(&f, &def, &mut out_def), &values(&p)?, &tangents)?;
        let out_def = out_def.ok_or_else(missing_output)?;
        Ok((
            R::Tree::unflatten_tree(&out_def, arrays(outs))?,
            R::Tree::unflatten_tree(&out_def, arrays(touts))?,
        ))
    })()
    .map_err(|e: Error| e.at(location))
}

/// The pullback of a function at a point, made by [`vjp`].
pub struct Vjp<I, O> {
    linear: rjax_transforms::Linearized,
    in_def: TreeDef,
    out_def: TreeDef,
    /// Zero cotangents of the auxiliary outputs (see [`vjp_aux`]).
    aux_zeros: Vec<Value>,
    _types: std::marker::PhantomData<fn(O) -> I>,
}

impl<I: Tree, O: Tree> Vjp<I, O> {
    /// Cotangents of the inputs for cotangents of the outputs.
    pub fn call(&self, cotangents: O) -> Result<I> {
        let (c, def) = cotangents.flatten_tree();
        if def != self.out_def {
            return Err(Error::new(
                ErrorKind::Tree,
                "vjp",
                "cotangents do not have the outputs' structure",
            ));
        }
        let mut cotangents = values(&c)?;
        cotangents.extend(self.aux_zeros.iter().cloned());
        I::unflatten_tree(&self.in_def, arrays(self.linear.transpose(&cotangents)?))
    }
}

/// Reverse mode: `f(primals)` and its pullback.
///
/// ```
/// use rjax::{vjp, Array};
/// let (y, pullback) = vjp(|x: Array| &x * &x, Array::scalar(3.0f32)).unwrap();
/// assert_eq!(pullback.call(Array::scalar(1.0f32)).unwrap().item::<f32>().unwrap(), 6.0);
/// ```
#[track_caller]
#[allow(clippy::type_complexity)]
pub fn vjp<I: Tree, R: TreeOutput>(
    f: impl Fn(I) -> R,
    primals: I,
) -> Result<(R::Tree, Vjp<I, R::Tree>)> {
    let location = Location::caller();
    (|| {
        let (p, in_def) = primals.flatten_tree();
        let mut out_def = None;
        let (outs, linear) = rjax_transforms::vjp(flat(&f, &in_def, &mut out_def), &values(&p)?)?;
        let out_def = out_def.ok_or_else(missing_output)?;
        let out = R::Tree::unflatten_tree(&out_def, arrays(outs))?;
        Ok((
            out,
            Vjp {
                linear,
                in_def,
                out_def,
                aux_zeros: Vec::new(),
                _types: std::marker::PhantomData,
            },
        ))
    })()
    .map_err(|e: Error| e.at(location))
}

/// [`vjp`] of an `f` returning `(output, aux)` (JAX's `has_aux=True`):
/// the output, its pullback, and `aux`, which is not differentiated.
///
/// ```
/// use rjax::{vjp_aux, Array};
/// let (y, pullback, aux) = vjp_aux(|x: Array| (&x * &x, x.sin()), Array::scalar(3.0f32)).unwrap();
/// assert_eq!(y.item::<f32>().unwrap(), 9.0);
/// assert_eq!(pullback.call(Array::scalar(1.0f32)).unwrap().item::<f32>().unwrap(), 6.0);
/// assert!((aux.item::<f32>().unwrap() - 3f32.sin()).abs() < 1e-6);
/// ```
#[track_caller]
#[allow(clippy::type_complexity)]
pub fn vjp_aux<I: Tree, O: Tree, A: Tree, R: TreeOutput<Tree = (O, A)>>(
    f: impl Fn(I) -> R,
    primals: I,
) -> Result<(O, Vjp<I, O>, A)> {
    let location = Location::caller();
    (|| {
        let (p, in_def) = primals.flatten_tree();
        let mut out_def = None;
        let (outs, linear) = rjax_transforms::vjp(flat(&f, &in_def, &mut out_def), &values(&p)?)?;
        let (y, aux) =
            <(O, A)>::unflatten_tree(&out_def.ok_or_else(missing_output)?, arrays(outs))?;
        let (aux_leaves, _) = aux.flatten_tree();
        let aux_zeros = aux_leaves
            .iter()
            .map(|a| Ok(crate::numpy::zeros_like(a, None).value()?.clone()))
            .collect::<Result<Vec<_>>>()?;
        let (_, out_def) = y.flatten_tree();
        let pullback = Vjp {
            linear,
            in_def,
            out_def,
            aux_zeros,
            _types: std::marker::PhantomData,
        };
        Ok((y, pullback, aux))
    })()
    .map_err(|e: Error| e.at(location))
}

/// The outputs of `f` at `args` (the first must be a scalar float, or a
/// complex scalar when `holomorphic`; the rest ride along
/// undifferentiated) and the gradient of the first.
///
/// As in JAX, the gradient of a real function of complex inputs is the
/// transpose of its derivative applied to 1, without conjugation: for
/// `f(z) = |z|²` it is `2 conj(z)`, the conjugate of the steepest ascent.
fn value_and_grad_leaves<I: Tree, R: TreeOutput>(
    f: &impl Fn(I) -> R,
    args: &I,
    holomorphic: bool,
) -> Result<(R::Tree, Vec<Array>)> {
    let (leaves, def) = args.flatten_tree();
    let primals = values(&leaves)?;
    let (input_ok, inputs): (fn(rjax_ir::DType) -> bool, &str) = if holomorphic {
        (rjax_ir::DType::is_complex, "complex")
    } else {
        (rjax_ir::DType::is_inexact, "float or complex")
    };
    if let Some(bad) = primals.iter().map(Value::aval).find(|a| !input_ok(a.dtype)) {
        return Err(Error::new(
            ErrorKind::DType,
            "grad",
            format!("grad requires {inputs} inputs, got {bad} (differentiate with respect to {inputs} arrays only)"),
        )
        .with_operands(vec![bad]));
    }
    let mut out_def = None;
    let (outs, linear) = rjax_transforms::vjp(flat(f, &def, &mut out_def), &primals)?;
    let out_def = out_def.ok_or_else(missing_output)?;
    let aval = outs.first().ok_or_else(missing_output)?.aval();
    let (output_ok, output) = if holomorphic {
        (aval.dtype.is_complex(), "complex")
    } else {
        (aval.dtype.is_float(), "float")
    };
    if aval.rank() != 0 || !output_ok {
        let hint = if aval.dtype.is_complex() && !holomorphic {
            " (use grad_holomorphic for a holomorphic function)"
        } else {
            ""
        };
        return Err(Error::new(
            ErrorKind::Shape,
            "grad",
            format!("grad requires a scalar {output} output, the function returned {aval}{hint}"),
        )
        .with_operands(vec![aval]));
    }
    let mut seeds = vec![Value::Literal(Literal::float(1.0, aval.dtype, false))];
    for o in &outs[1..] {
        let a = o.aval();
        seeds.push(crate::numpy::zeros(&a.shape, a.dtype).value()?.clone());
    }
    let grads = linear.transpose(&seeds)?;
    Ok((
        R::Tree::unflatten_tree(&out_def, arrays(outs))?,
        arrays(grads),
    ))
}

/// `(f(x), ∇f(x))` for a scalar-valued `f` (which may return a `Result`).
///
/// ```
/// use rjax::{value_and_grad, Array};
/// let (v, g) = value_and_grad(|x: Array| &x * &x)(Array::scalar(3.0f32)).unwrap();
/// assert_eq!((v.item::<f32>().unwrap(), g.item::<f32>().unwrap()), (9.0, 6.0));
/// ```
#[track_caller]
pub fn value_and_grad<I: Tree, R: TreeOutput<Tree = Array>>(
    f: impl Fn(I) -> R,
) -> impl Fn(I) -> Result<(Array, I)> {
    value_and_grad_tree(f, false, Location::caller())
}

/// [`value_and_grad`], holomorphic or not, its errors located at `location`.
fn value_and_grad_tree<I: Tree, R: TreeOutput<Tree = Array>>(
    f: impl Fn(I) -> R,
    holomorphic: bool,
    location: &'static Location<'static>,
) -> impl Fn(I) -> Result<(Array, I)> {
    move |x: I| {
        let (_, def) = x.flatten_tree();
        let (v, g) = value_and_grad_leaves(&f, &x, holomorphic).map_err(|e| e.at(location))?;
        Ok((v, I::unflatten_tree(&def, g)?))
    }
}

/// [`value_and_grad`] of a holomorphic `f` from complex inputs to a
/// complex scalar (JAX's `holomorphic=True`): the gradient is `f'(z)`.
///
/// ```
/// use rjax::{value_and_grad_holomorphic, Array, Complex};
/// let z = Array::scalar(Complex::new(1.0f32, 2.0));
/// let (v, g) = value_and_grad_holomorphic(|z: Array| &z * &z)(z).unwrap();
/// assert_eq!(v.item::<Complex<f32>>().unwrap(), Complex::new(-3.0, 4.0));
/// assert_eq!(g.item::<Complex<f32>>().unwrap(), Complex::new(2.0, 4.0));
/// ```
#[track_caller]
pub fn value_and_grad_holomorphic<I: Tree, R: TreeOutput<Tree = Array>>(
    f: impl Fn(I) -> R,
) -> impl Fn(I) -> Result<(Array, I)> {
    value_and_grad_tree(f, true, Location::caller())
}

/// [`grad`] of a holomorphic `f` from complex inputs to a complex scalar
/// (JAX's `grad(f, holomorphic=True)`).
///
/// ```
/// use rjax::{grad_holomorphic, Array, Complex};
/// let df = grad_holomorphic(|z: Array| z.exp());
/// let g = df(Array::scalar(Complex::new(0.0f64, 0.0))).unwrap();
/// assert_eq!(g.item::<Complex<f64>>().unwrap(), Complex::new(1.0, 0.0));
/// ```
#[track_caller]
pub fn grad_holomorphic<I: Tree, R: TreeOutput<Tree = Array>>(
    f: impl Fn(I) -> R,
) -> impl Fn(I) -> Result<I> {
    let vg = value_and_grad_holomorphic(f);
    move |x: I| Ok(vg(x)?.1)
}

/// The gradient of a scalar-valued `f`, as a function of the same inputs:
/// `grad(f)(x)` has `x`'s structure. Compose freely: `grad(grad(f))`,
/// `jit(grad(f))`, `vmap(grad(f))`.
///
/// ```
/// use rjax::{grad, Array};
/// let df = grad(|x: Array| x.tanh());
/// let ddf = grad(&df);
/// assert!((df(Array::scalar(1.0f32)).unwrap().item::<f32>().unwrap() - 0.4199743).abs() < 1e-6);
/// assert!((ddf(Array::scalar(1.0f32)).unwrap().item::<f32>().unwrap() + 0.6397000).abs() < 1e-6);
/// ```
#[track_caller]
pub fn grad<I: Tree, R: TreeOutput<Tree = Array>>(f: impl Fn(I) -> R) -> impl Fn(I) -> Result<I> {
    let vg = value_and_grad(f);
    move |x: I| Ok(vg(x)?.1)
}

/// `(f(x), aux)` and `∇f(x)` for an `f` returning a scalar and auxiliary
/// outputs (JAX's `has_aux=True`); the auxiliary outputs are not
/// differentiated.
///
/// ```
/// use rjax::{value_and_grad_aux, Array};
/// let f = value_and_grad_aux(|x: Array| ((&x * &x).sum(), x.sin()));
/// let ((v, aux), g) = f(Array::scalar(2.0f32)).unwrap();
/// assert_eq!(v.item::<f32>().unwrap(), 4.0);
/// assert_eq!(g.item::<f32>().unwrap(), 4.0);
/// assert!((aux.item::<f32>().unwrap() - 2f32.sin()).abs() < 1e-6);
/// ```
#[track_caller]
pub fn value_and_grad_aux<I: Tree, A: Tree, R: TreeOutput<Tree = (Array, A)>>(
    f: impl Fn(I) -> R,
) -> impl Fn(I) -> Result<((Array, A), I)> {
    let location = Location::caller();
    move |x: I| {
        let (_, def) = x.flatten_tree();
        let (out, grads) = value_and_grad_leaves(&f, &x, false).map_err(|e| e.at(location))?;
        Ok((out, I::unflatten_tree(&def, grads)?))
    }
}
