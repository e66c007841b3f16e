//! Jacobians and Hessians of functions between trees, as JAX builds them:
//! `jacfwd` is `vmap` of a JVP over the inputs' basis vectors, `jacrev` is
//! `vmap` of one linearization's transpose over the outputs' basis vectors.
//!
//! The Jacobian of a function from a tree of type `I` to a tree of type `O`
//! is `O` with each of its arrays replaced by an `I` whose leaves hold the
//! blocks `d out_leaf / d in_leaf` (shape `out_leaf.shape ++ in_leaf.shape`),
//! as in JAX. [`JacobianOf`] names that type: `Array` with respect to `I` is
//! `I`, `(A, B)` is `(A's, B's)`, and so on through `Vec`, `[T; N]`,
//! `Option` and `BTreeMap`.
//!
//! JAX's `argnums` picks the arguments to differentiate. A Rust closure
//! takes one tree, so the Rust form is to pass the differentiated arguments
//! as that tree (a tuple for several) and capture the others.

use crate::numpy as jnp;
use crate::tree::{Tree, TreeDef, TreeOutput};
use crate::{Array, lax};
use rjax_ir::{AVal, Error, ErrorKind, Result};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::panic::Location;

/// The type of the Jacobian of a function returning `Self` with respect
/// to an input of type `I`: `Self` with every array replaced by an `I`.
///
/// ```
/// use rjax::{jacrev, Array};
/// // Array -> (Array, Array): the Jacobian is a pair of arrays.
/// let f = |x: Array| (x.sin(), &x * 2.0);
/// let (a, b) = jacrev(f)(Array::scalar(0.0f32)).unwrap();
/// assert_eq!((a.item::<f32>().unwrap(), b.item::<f32>().unwrap()), (1.0, 2.0));
/// ```
pub trait JacobianOf<I: Tree>: Tree {
    /// `Self` with every array replaced by an `I`.
    type Jacobian: Tree;
}

impl<I: Tree> JacobianOf<I> for Array {
    type Jacobian = I;
}

impl<I: Tree, T: JacobianOf<I>> JacobianOf<I> for Vec<T> {
    type Jacobian = Vec<T::Jacobian>;
}

impl<I: Tree, T: JacobianOf<I>, const N: usize> JacobianOf<I> for [T; N] {
    type Jacobian = [T::Jacobian; N];
}

impl<I: Tree, T: JacobianOf<I>> JacobianOf<I> for Option<T> {
    type Jacobian = Option<T::Jacobian>;
}

impl<I: Tree, T: JacobianOf<I>> JacobianOf<I> for BTreeMap<String, T> {
    type Jacobian = BTreeMap<String, T::Jacobian>;
}

macro_rules! tuple_jacobian {
    ($($name:ident),+) => {
        impl<I: Tree, $($name: JacobianOf<I>),+> JacobianOf<I> for ($($name,)+) {
            type Jacobian = ($($name::Jacobian,)+);
        }
    };
}

tuple_jacobian!(A);
tuple_jacobian!(A, B);
tuple_jacobian!(A, B, C);
tuple_jacobian!(A, B, C, D);
tuple_jacobian!(A, B, C, D, E);
tuple_jacobian!(A, B, C, D, E, F);

/// The Jacobian type of `f: I -> R` (see [`JacobianOf`]).
pub type Jacobian<R, I> = <<R as TreeOutput>::Tree as JacobianOf<I>>::Jacobian;

/// `outer` with each leaf replaced by `inner`: the structure of a tree of
/// trees, whose leaves come out-leaf-major.
fn graft(outer: &TreeDef, inner: &TreeDef) -> TreeDef {
    match outer {
        TreeDef::Leaf => inner.clone(),
        TreeDef::Node(kind, children) => {
            TreeDef::Node(kind, children.iter().map(|c| graft(c, inner)).collect())
        }
        TreeDef::Struct(kind, fields, children) => TreeDef::Struct(
            kind,
            fields,
            children.iter().map(|c| graft(c, inner)).collect(),
        ),
        TreeDef::Dict(items) => TreeDef::Dict(
            items
                .iter()
                .map(|(k, c)| (k.clone(), graft(c, inner)))
                .collect(),
        ),
    }
}

/// How a Jacobian is taken: by forward or reverse mode, of a general or a
/// holomorphic function. The mode decides which element types the inputs
/// and outputs may have, as JAX's `holomorphic` flag does.
#[derive(Clone, Copy)]
struct Mode {
    reverse: bool,
    holomorphic: bool,
}

impl Mode {
    const FORWARD: Mode = Mode {
        reverse: false,
        holomorphic: false,
    };
    const REVERSE: Mode = Mode {
        reverse: true,
        holomorphic: false,
    };
    const FORWARD_HOLOMORPHIC: Mode = Mode {
        reverse: false,
        holomorphic: true,
    };
    const REVERSE_HOLOMORPHIC: Mode = Mode {
        reverse: true,
        holomorphic: true,
    };

    fn name(self) -> &'static str {
        match (self.reverse, self.holomorphic) {
            (false, false) => "jacfwd",
            (true, false) => "jacrev",
            (false, true) => "jacfwd_holomorphic",
            (true, true) => "jacrev_holomorphic",
        }
    }

    /// Checks the leaves' element types: complex throughout for a
    /// holomorphic function; otherwise real inputs for forward mode (a
    /// complex basis would make it holomorphic) and real outputs for
    /// reverse mode (a real cotangent basis), the other side real or
    /// complex.
    fn check(self, leaves: &[Array], inputs: bool) -> Result<Vec<AVal>> {
        let what = if inputs { "inputs" } else { "outputs" };
        let (ok, wanted): (fn(rjax_ir::DType) -> bool, &str) = if self.holomorphic {
            (|d| d.is_complex(), "complex")
        } else if self.reverse != inputs {
            (|d| d.is_float(), "float")
        } else {
            (|d| d.is_float() || d.is_complex(), "float or complex")
        };
        let hint = if self.holomorphic {
            ""
        } else if self.reverse {
            " (use jacrev_holomorphic for a holomorphic function, or vjp)"
        } else {
            " (use jacfwd_holomorphic for a holomorphic function)"
        };
        leaves
            .iter()
            .map(|x| {
                let a = x.aval()?;
                if ok(a.dtype) {
                    Ok(a)
                } else {
                    let hint = if a.dtype.is_complex() { hint } else { "" };
                    Err(Error::new(
                        ErrorKind::DType,
                        self.name(),
                        format!("needs {wanted} {what}, got {a}{hint}"),
                    )
                    .with_operands(vec![a]))
                }
            })
            .collect()
    }
}

/// One basis per leaf: leaf `j` of the result is `[n, shape_j...]`, where
/// `n` is the total size, row `k` is the `k`-th unit vector of the
/// concatenated leaves, sliced to leaf `j`. Returns the bases and each
/// leaf's offset in the concatenation.
fn bases(avals: &[AVal]) -> (Vec<Array>, Vec<usize>) {
    let sizes: Vec<usize> = avals.iter().map(AVal::size).collect();
    let n: usize = sizes.iter().sum();
    let mut offset = 0;
    let mut offsets = Vec::with_capacity(avals.len());
    let bases = avals
        .iter()
        .zip(&sizes)
        .map(|(a, &size)| {
            offsets.push(offset);
            let eye = jnp::eye(n, Some(size), -(offset as i64), a.dtype);
            offset += size;
            eye.reshape(&dims(&[&[n], &a.shape[..]].concat()))
        })
        .collect();
    (bases, offsets)
}

fn dims(shape: &[usize]) -> Vec<i64> {
    shape.iter().map(|&d| d as i64).collect()
}

/// The block of `stacked` (`[n, rest...]`) for the basis rows
/// `offset..offset + len`, reshaped to `lead ++ rest` (`lead` has `len`
/// elements).
fn rows(stacked: &Array, offset: usize, lead: &[usize]) -> Result<Array> {
    let shape = stacked.shape()?;
    let len: usize = lead.iter().product();
    let mut start = vec![0; shape.len()];
    let mut limit = shape.clone();
    start[0] = offset;
    limit[0] = offset + len;
    let block = lax::slice(stacked, &start, &limit, None);
    Ok(block.reshape(&dims(&[lead, &shape[1..]].concat())))
}

/// The block of `stacked` (`[n, out...]`) for the basis rows
/// `offset..offset + len`, moved last and reshaped to `out ++ trail`
/// (`trail` has `len` elements).
fn columns(stacked: &Array, offset: usize, trail: &[usize]) -> Result<Array> {
    let block = rows(stacked, offset, &[trail.iter().product()])?;
    let rank = block.ndim()?;
    let moved = lax::transpose(&block, &(1..rank).chain([0]).collect::<Vec<_>>());
    let out = &block.shape()?[1..];
    Ok(moved.reshape(&dims(&[out, trail].concat())))
}

/// A function of a tree as a function of its leaves, recording the output
/// structure.
struct Flat<'a, I, R> {
    f: &'a dyn Fn(I) -> R,
    in_def: TreeDef,
    out_def: RefCell<Option<TreeDef>>,
}

impl<I: Tree, R: TreeOutput> Flat<'_, I, R> {
    fn call(&self, leaves: Vec<Array>) -> Result<Vec<Array>> {
        let (y, def) = (self.f)(I::unflatten_tree(&self.in_def, leaves)?)
            .into_result()?
            .flatten_tree();
        self.out_def.replace(Some(def));
        Ok(y)
    }

    fn out_def(&self) -> Result<TreeDef> {
        self.out_def.borrow().clone().ok_or_else(|| {
            Error::new(
                ErrorKind::Tree,
                "jacobian",
                "the function returned no output",
            )
        })
    }
}

/// The Jacobian of `f` at `x` as a flat list of blocks (out-leaf-major)
/// with its structure, by forward (`reverse = false`) or reverse mode.
fn jacobian_leaves<I: Tree, R: TreeOutput>(
    f: &dyn Fn(I) -> R,
    x: &I,
    mode: Mode,
) -> Result<(Vec<Array>, TreeDef)> {
    let (x_leaves, in_def) = x.flatten_tree();
    let in_avals = mode.check(&x_leaves, true)?;
    let flat = Flat {
        f,
        in_def: in_def.clone(),
        out_def: RefCell::new(None),
    };
    let mut blocks = Vec::new();
    if mode.reverse {
        let (y, pullback) = crate::vjp(|xs: Vec<Array>| flat.call(xs), x_leaves)?;
        let out_avals = mode.check(&y, false)?;
        let (basis, offsets) = bases(&out_avals);
        // Leaf j: [m, in_j...], row k the cotangent of the k-th output.
        let stacked = crate::vmap(|ct: Vec<Array>| pullback.call(ct))(basis)?;
        for (a, &offset) in out_avals.iter().zip(&offsets) {
            for x in &stacked {
                blocks.push(rows(x, offset, &a.shape)?);
            }
        }
    } else {
        let (basis, offsets) = bases(&in_avals);
        let pushforward = |t: Vec<Array>| {
            crate::jvp(|xs: Vec<Array>| flat.call(xs), x_leaves.clone(), t).map(|(_, dy)| dy)
        };
        // Leaf i: [n, out_i...], row k the tangent along the k-th input.
        let stacked = crate::vmap(pushforward)(basis)?;
        mode.check(&stacked, false)?;
        for y in &stacked {
            for (a, &offset) in in_avals.iter().zip(&offsets) {
                blocks.push(columns(y, offset, &a.shape)?);
            }
        }
    }
    Ok((blocks, graft(&flat.out_def()?, &in_def)))
}

/// The Jacobian of `f` at `x`, assembled into its tree type.
fn jacobian<I: Tree, R: TreeOutput>(f: &dyn Fn(I) -> R, x: &I, mode: Mode) -> Result<Jacobian<R, I>>
where
    R::Tree: JacobianOf<I>,
{
    let (blocks, def) = jacobian_leaves(f, x, mode)?;
    Tree::unflatten_tree(&def, blocks)
}

/// `f`'s Jacobian function in `mode`, its errors located at `location`.
fn jacobian_fn<I: Tree, R: TreeOutput>(
    f: impl Fn(I) -> R,
    mode: Mode,
    location: &'static Location<'static>,
) -> impl Fn(I) -> Result<Jacobian<R, I>>
where
    R::Tree: JacobianOf<I>,
{
    move |x: I| jacobian(&f, &x, mode).map_err(|e| e.at(location))
}

/// The Jacobian by forward mode, one JVP per input element (batched by
/// `vmap`): for arrays, `jacfwd(f)(x)` has shape `f(x).shape ++ x.shape`;
/// for trees, see [`JacobianOf`].
///
/// ```
/// use rjax::{jacfwd, Array};
/// let j = jacfwd(|x: Array| &x * &x)(Array::from_slice(&[1.0f32, 2.0], &[2])).unwrap();
/// assert_eq!(j.to_vec::<f32>().unwrap(), vec![2.0, 0.0, 0.0, 4.0]);
/// // With respect to two arguments (JAX's `argnums=(0, 1)`): one block each.
/// let (da, db) = jacfwd(|(a, b): (Array, Array)| &a * &b)((Array::scalar(2.0f32), Array::scalar(3.0f32))).unwrap();
/// assert_eq!((da.item::<f32>().unwrap(), db.item::<f32>().unwrap()), (3.0, 2.0));
/// ```
#[track_caller]
pub fn jacfwd<I: Tree, R: TreeOutput>(f: impl Fn(I) -> R) -> impl Fn(I) -> Result<Jacobian<R, I>>
where
    R::Tree: JacobianOf<I>,
{
    jacobian_fn(f, Mode::FORWARD, Location::caller())
}

/// The Jacobian by reverse mode: one linearization, then one transpose per
/// output element (batched by `vmap`). Same result as [`jacfwd`].
///
/// ```
/// use rjax::{jacrev, Array};
/// let j = jacrev(|x: Array| x.sin())(Array::from_slice(&[0.0f32, 0.0], &[2])).unwrap();
/// assert_eq!(j.to_vec::<f32>().unwrap(), vec![1.0, 0.0, 0.0, 1.0]);
/// ```
#[track_caller]
pub fn jacrev<I: Tree, R: TreeOutput>(f: impl Fn(I) -> R) -> impl Fn(I) -> Result<Jacobian<R, I>>
where
    R::Tree: JacobianOf<I>,
{
    jacobian_fn(f, Mode::REVERSE, Location::caller())
}

/// The Jacobian of a holomorphic `f` from complex inputs to complex
/// outputs, by forward mode (JAX's `jacfwd(f, holomorphic=True)`): each
/// block holds the complex derivatives `d out / d in`.
///
/// ```
/// use rjax::{jacfwd_holomorphic, Array, Complex};
/// let z = Array::from_vec(vec![Complex::new(1.0f32, 2.0)]);
/// let j = jacfwd_holomorphic(|z: Array| &z * &z)(z).unwrap();
/// assert_eq!(j.to_vec::<Complex<f32>>().unwrap(), vec![Complex::new(2.0, 4.0)]);
/// ```
#[track_caller]
pub fn jacfwd_holomorphic<I: Tree, R: TreeOutput>(
    f: impl Fn(I) -> R,
) -> impl Fn(I) -> Result<Jacobian<R, I>>
where
    R::Tree: JacobianOf<I>,
{
    jacobian_fn(f, Mode::FORWARD_HOLOMORPHIC, Location::caller())
}

/// [`jacfwd_holomorphic`] by reverse mode (JAX's
/// `jacrev(f, holomorphic=True)`).
///
/// ```
/// use rjax::{jacrev_holomorphic, Array, Complex};
/// let z = Array::from_vec(vec![Complex::new(0.0f32, 0.0)]);
/// let j = jacrev_holomorphic(|z: Array| z.exp())(z).unwrap();
/// assert_eq!(j.to_vec::<Complex<f32>>().unwrap(), vec![Complex::new(1.0, 0.0)]);
/// ```
#[track_caller]
pub fn jacrev_holomorphic<I: Tree, R: TreeOutput>(
    f: impl Fn(I) -> R,
) -> impl Fn(I) -> Result<Jacobian<R, I>>
where
    R::Tree: JacobianOf<I>,
{
    jacobian_fn(f, Mode::REVERSE_HOLOMORPHIC, Location::caller())
}

/// [`jacfwd`] of an `f` returning `(output, aux)` (JAX's `has_aux=True`):
/// the Jacobian of the output, and `aux` undifferentiated. `f` runs once
/// more, outside the transformation, for `aux`.
///
/// ```
/// use rjax::{jacfwd_aux, Array};
/// let (j, aux) = jacfwd_aux(|x: Array| (&x * 3.0, x.sum()))(Array::from_slice(&[1.0f32, 2.0], &[2])).unwrap();
/// assert_eq!(j.to_vec::<f32>().unwrap(), vec![3.0, 0.0, 0.0, 3.0]);
/// assert_eq!(aux.item::<f32>().unwrap(), 3.0);
/// ```
#[track_caller]
#[allow(clippy::type_complexity)]
pub fn jacfwd_aux<I: Tree, O: JacobianOf<I>, A: Tree, R: TreeOutput<Tree = (O, A)>>(
    f: impl Fn(I) -> R,
) -> impl Fn(I) -> Result<(O::Jacobian, A)> {
    let location = Location::caller();
    move |x: I| with_aux(&f, x, Mode::FORWARD).map_err(|e| e.at(location))
}

/// [`jacrev`] of an `f` returning `(output, aux)` (JAX's `has_aux=True`).
///
/// ```
/// use rjax::{jacrev_aux, Array};
/// let (j, aux) = jacrev_aux(|x: Array| (x.sin(), x.cos()))(Array::scalar(0.0f32)).unwrap();
/// assert_eq!((j.item::<f32>().unwrap(), aux.item::<f32>().unwrap()), (1.0, 1.0));
/// ```
#[track_caller]
#[allow(clippy::type_complexity)]
pub fn jacrev_aux<I: Tree, O: JacobianOf<I>, A: Tree, R: TreeOutput<Tree = (O, A)>>(
    f: impl Fn(I) -> R,
) -> impl Fn(I) -> Result<(O::Jacobian, A)> {
    let location = Location::caller();
    move |x: I| with_aux(&f, x, Mode::REVERSE).map_err(|e| e.at(location))
}

fn with_aux<I: Tree, O: JacobianOf<I>, A: Tree, R: TreeOutput<Tree = (O, A)>>(
    f: &impl Fn(I) -> R,
    x: I,
    mode: Mode,
) -> Result<(O::Jacobian, A)> {
    let output = |x: I| f(x).into_result().map(|(y, _)| y);
    let j = jacobian(&output, &x, mode)?;
    let (_, aux) = f(x).into_result()?;
    Ok((j, aux))
}

/// The Hessian, `jacfwd(jacrev(f))`: for a scalar-valued `f` of an array,
/// shape `x.shape ++ x.shape`; for a tree `x`, a tree of trees.
///
/// ```
/// use rjax::{hessian, Array};
/// let h = hessian(|x: Array| x.tanh())(Array::scalar(1.0f32)).unwrap();
/// assert!((h.item::<f32>().unwrap() + 0.63969994).abs() < 1e-6);
/// ```
#[track_caller]
pub fn hessian<I: JacobianOf<I>, R: TreeOutput<Tree = Array>>(
    f: impl Fn(I) -> R,
) -> impl Fn(I) -> Result<I::Jacobian> {
    jacfwd(jacrev(f))
}
