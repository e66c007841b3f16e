//! `linearize` and `linear_transpose`: the derivative of a function at a
//! point as a reusable, compiled linear function, and the transpose of a
//! linear function.

use crate::autodiff::{arrays, values};
use crate::jit::{Jit, flatten_args, jit, trace_tree};
use crate::tree::{Tree, TreeDef, TreeOutput};
use rjax_ir::{Error, ErrorKind, Result, Value};
use std::panic::Location;
use std::sync::Arc;

/// A function's derivative at a point, made by [`linearize`]: a linear
/// function of the tangents, compiled once per tangent signature and
/// evaluated without recomputing the primal (its residuals are constants).
pub struct Linear<I, O> {
    jvp: Jit<TangentFn<I, O>, I, Result<O>>,
}

/// The tangent program of a [`Linear`], before `jit`.
type TangentFn<I, O> = Box<dyn Fn(I) -> Result<O>>;

impl<I: Tree, O: Tree> Linear<I, O> {
    /// The JVP along `tangents`, which have the primals' structure, shapes
    /// and dtypes.
    #[track_caller]
    pub fn call(&self, tangents: I) -> Result<O> {
        self.jvp.call(tangents)
    }
}

fn tree_mismatch(op: &str, what: &str) -> Error {
    Error::new(
        ErrorKind::Tree,
        op,
        format!("{what} do not have the structure the function was linearized with"),
    )
}

/// `f(primals)` and the linear map `t -> ∂f(primals)·t`, as JAX's
/// `jax.linearize`: the primal work runs once, now; each call of the
/// returned [`Linear`] runs only the tangent program (jitted).
///
/// ```
/// use rjax::{linearize, Array};
/// let (y, f_jvp) = linearize(|x: Array| x.sin(), Array::scalar(0.0f32)).unwrap();
/// assert_eq!(y.item::<f32>().unwrap(), 0.0);
/// assert_eq!(f_jvp.call(Array::scalar(2.0f32)).unwrap().item::<f32>().unwrap(), 2.0);
/// ```
#[track_caller]
#[allow(clippy::type_complexity)]
pub fn linearize<I: Tree + 'static, R: TreeOutput>(
    f: impl Fn(I) -> R,
    primals: I,
) -> Result<(R::Tree, Linear<I, R::Tree>)>
where
    R::Tree: 'static,
{
    let location = Location::caller();
    (|| {
        let (p, in_def) = primals.flatten_tree();
        let mut out_def = None;
        let flat = |xs: &[Value]| {
            let args = I::unflatten_tree(&in_def, arrays(xs.to_vec()))?;
            let (leaves, def) = f(args).into_result()?.flatten_tree();
            out_def = Some(def);
            values(&leaves)
        };
        let (outs, linear) = rjax_transforms::linearize(flat, &values(&p)?)?;
        let out_def = out_def.ok_or_else(|| {
            Error::new(
                ErrorKind::Tree,
                "linearize",
                "the function returned no output",
            )
        })?;
        let y = R::Tree::unflatten_tree(&out_def, arrays(outs))?;
        let linear = Arc::new(linear);
        let apply = move |t: I| -> Result<R::Tree> {
            let (leaves, def) = t.flatten_tree();
            if def != in_def {
                return Err(tree_mismatch("linearize", "tangents"));
            }
            R::Tree::unflatten_tree(&out_def, arrays(linear.apply(&values(&leaves)?)?))
        };
        let boxed: TangentFn<I, R::Tree> = Box::new(apply);
        Ok((
            y,
            Linear {
                jvp: jit(boxed).named("linearized"),
            },
        ))
    })()
    .map_err(|e: Error| e.at(location))
}

/// The transpose of a linear function `f`, as JAX's
/// `jax.linear_transpose`: `primals` only give the input structure,
/// shapes and dtypes. The result maps cotangents of `f`'s output to
/// cotangents of its input. A function that is not linear is a typed
/// error naming the first non-linear operation.
///
/// ```
/// use rjax::{linear_transpose, Array};
/// let w = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
/// let f = |x: Array| rjax::numpy::matmul(&w, &x); // [3] -> [2]
/// let ft = linear_transpose(f, Array::from_slice(&[0.0f32; 3], &[3])).unwrap();
/// let back = ft(Array::from_slice(&[1.0f32, 1.0], &[2])).unwrap();
/// assert_eq!(back.to_vec::<f32>().unwrap(), vec![5.0, 7.0, 9.0]);
/// ```
#[track_caller]
pub fn linear_transpose<I: Tree, R: TreeOutput>(
    f: impl Fn(I) -> R,
    primals: I,
) -> Result<impl Fn(R::Tree) -> Result<I>> {
    let location = Location::caller();
    let (closed, in_def, out_def) = (|| {
        let (_, avals, in_def) = flatten_args(&primals)?;
        let (closed, out_def) = trace_tree(&f, &in_def, &avals)?;
        Ok::<(_, TreeDef, TreeDef), Error>((closed, in_def, out_def))
    })()
    .map_err(|e| e.at(location))?;
    Ok(move |cotangents: R::Tree| {
        let (leaves, def) = cotangents.flatten_tree();
        if def != out_def {
            return Err(tree_mismatch("linear_transpose", "cotangents").at(location));
        }
        let cts = rjax_transforms::transpose(&closed.jaxpr, &closed.consts, &values(&leaves)?)
            .map_err(|e| e.at(location))?;
        I::unflatten_tree(&in_def, arrays(cts))
    })
}
