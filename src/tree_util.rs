//! `jax.tree_util` for Rust: map, reduce and rebuild [`Tree`]s, with key
//! paths that name struct fields, map keys and sequence positions, and the
//! arithmetic that training loops do on parameter trees.
//!
//! ```
//! use rjax::tree_util::{tree_add, tree_map, tree_scale};
//! use rjax::{Array, Tree};
//!
//! #[derive(Tree, Clone)]
//! struct Linear { w: Array, b: Array }
//!
//! let p = Linear { w: Array::from_slice(&[1.0f32, 2.0], &[2]), b: Array::scalar(0.5f32) };
//! let doubled = tree_map(&p, |x| x * 2.0).unwrap();
//! let sum = tree_add(&p, &tree_scale(&doubled, 0.5).unwrap()).unwrap();
//! assert_eq!(sum.w.to_vec::<f32>().unwrap(), [2.0, 4.0]);
//! ```

use crate::tree::{Tree, TreeDef, TreeOutput};
use crate::{Array, numpy as jnp};
use rjax_ir::{Error, ErrorKind, Result};
use std::fmt;

/// One step of a [`KeyPath`]: JAX's `GetAttrKey`, `SequenceKey` and
/// `DictKey`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum PathKey {
    /// A named field of a struct (`#[derive(Tree)]`).
    Field(&'static str),
    /// A position in a tuple, `Vec`, array or tuple struct.
    Index(usize),
    /// A key of a `BTreeMap<String, _>`.
    Key(String),
}

/// Where a leaf sits in a tree: the keys from the root down. It displays
/// as JAX's `keystr` does (`.layers[0].w`, `['bias']`); [`KeyPath::simple`]
/// joins the bare keys (`layers.0.w`), the form checkpoints name tensors by.
///
/// ```
/// use rjax::tree_util::tree_leaves_with_path;
/// use rjax::{Array, Tree};
///
/// #[derive(Tree)]
/// struct Mlp { layers: Vec<(Array, Array)> }
///
/// let mlp = Mlp { layers: vec![(Array::scalar(1.0f32), Array::scalar(2.0f32))] };
/// let paths: Vec<String> =
///     tree_leaves_with_path(&mlp).iter().map(|(p, _)| p.to_string()).collect();
/// assert_eq!(paths, [".layers[0][0]", ".layers[0][1]"]);
/// assert_eq!(tree_leaves_with_path(&mlp)[1].0.simple("."), "layers.0.1");
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KeyPath(pub Vec<PathKey>);

impl KeyPath {
    /// The keys, from the root down.
    pub fn keys(&self) -> &[PathKey] {
        &self.0
    }

    /// The bare keys joined by `separator` (JAX's `keystr(path, simple=True,
    /// separator=...)`): `layers.0.w`.
    pub fn simple(&self, separator: &str) -> String {
        let keys: Vec<String> = self
            .0
            .iter()
            .map(|k| match k {
                PathKey::Field(name) => name.to_string(),
                PathKey::Index(i) => i.to_string(),
                PathKey::Key(key) => key.clone(),
            })
            .collect();
        keys.join(separator)
    }

    fn child(&self, key: PathKey) -> KeyPath {
        let mut keys = self.0.clone();
        keys.push(key);
        KeyPath(keys)
    }
}

impl fmt::Display for KeyPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for key in &self.0 {
            match key {
                PathKey::Field(name) => write!(f, ".{name}")?,
                PathKey::Index(i) => write!(f, "[{i}]")?,
                PathKey::Key(key) => write!(f, "['{key}']")?,
            }
        }
        Ok(())
    }
}

impl TreeDef {
    /// The key path of every leaf, in leaf order. `Option`'s `Some` adds no
    /// key (it is the value itself, as `None` is JAX's empty node).
    ///
    /// ```
    /// use rjax::{Array, Tree};
    /// use std::collections::BTreeMap;
    /// let t = BTreeMap::from([("bias".to_string(), vec![Array::scalar(0.0f32)])]);
    /// let paths = t.flatten_tree().1.key_paths();
    /// assert_eq!(paths[0].to_string(), "['bias'][0]");
    /// ```
    pub fn key_paths(&self) -> Vec<KeyPath> {
        let mut out = Vec::with_capacity(self.num_leaves());
        self.collect_paths(&KeyPath::default(), &mut out);
        out
    }

    fn collect_paths(&self, here: &KeyPath, out: &mut Vec<KeyPath>) {
        match self {
            TreeDef::Leaf => out.push(here.clone()),
            TreeDef::Node("Some", children) => {
                children.iter().for_each(|c| c.collect_paths(here, out))
            }
            TreeDef::Node(_, children) => {
                for (i, c) in children.iter().enumerate() {
                    c.collect_paths(&here.child(PathKey::Index(i)), out);
                }
            }
            TreeDef::Struct(_, names, children) => {
                for (name, c) in names.iter().zip(children) {
                    c.collect_paths(&here.child(PathKey::Field(name)), out);
                }
            }
            TreeDef::Dict(items) => {
                for (key, c) in items {
                    c.collect_paths(&here.child(PathKey::Key(key.clone())), out);
                }
            }
        }
    }
}

/// The leaves of a tree, in order (`jax.tree_util.tree_leaves`).
///
/// ```
/// use rjax::{Array, tree_util::tree_leaves};
/// let t = (Array::scalar(1.0f32), vec![Array::scalar(2.0f32)]);
/// assert_eq!(tree_leaves(&t).len(), 2);
/// ```
pub fn tree_leaves<T: Tree>(tree: &T) -> Vec<Array> {
    tree.flatten_tree().0
}

/// The structure of a tree, without its leaves (`tree_structure`).
///
/// ```
/// use rjax::{Array, tree_util::tree_structure};
/// let def = tree_structure(&(Array::scalar(1.0f32), Array::scalar(2.0f32)));
/// assert_eq!(def.num_leaves(), 2);
/// ```
pub fn tree_structure<T: Tree>(tree: &T) -> TreeDef {
    tree.flatten_tree().1
}

/// The leaves and structure of a tree (`tree_flatten`).
///
/// ```
/// use rjax::{Array, tree_util::{tree_flatten, tree_unflatten}};
/// let (leaves, def) = tree_flatten(&vec![Array::scalar(1.0f32)]);
/// let back: Vec<Array> = tree_unflatten(&def, leaves).unwrap();
/// assert_eq!(back.len(), 1);
/// ```
pub fn tree_flatten<T: Tree>(tree: &T) -> (Vec<Array>, TreeDef) {
    tree.flatten_tree()
}

/// Rebuild a tree of structure `def` from exactly its leaves
/// (`tree_unflatten`); a wrong count or structure is a typed
/// [`ErrorKind::Tree`] error.
///
/// ```
/// use rjax::{Array, tree_util::{tree_structure, tree_unflatten}};
/// let def = tree_structure(&(Array::scalar(0.0f32), Array::scalar(0.0f32)));
/// let t: (Array, Array) = tree_unflatten(&def, vec![1.0f32.into(), 2.0f32.into()]).unwrap();
/// assert_eq!(t.1.item::<f32>().unwrap(), 2.0);
/// assert!(tree_unflatten::<(Array, Array)>(&def, vec![]).is_err());
/// ```
pub fn tree_unflatten<T: Tree>(def: &TreeDef, leaves: Vec<Array>) -> Result<T> {
    T::unflatten_tree(def, leaves)
}

/// The leaves with their key paths (`tree_leaves_with_path`).
///
/// ```
/// use rjax::{Array, Tree, tree_util::tree_leaves_with_path};
/// #[derive(Tree)]
/// struct Linear { w: Array, b: Array }
/// let p = Linear { w: Array::scalar(1.0f32), b: Array::scalar(0.0f32) };
/// let names: Vec<_> = tree_leaves_with_path(&p).iter().map(|(k, _)| k.simple("/")).collect();
/// assert_eq!(names, ["w", "b"]);
/// ```
pub fn tree_leaves_with_path<T: Tree>(tree: &T) -> Vec<(KeyPath, Array)> {
    tree_flatten_with_path(tree).0
}

/// The leaves with their key paths, and the structure
/// (`tree_flatten_with_path`).
///
/// ```
/// use rjax::{Array, tree_util::tree_flatten_with_path};
/// let (leaves, def) = tree_flatten_with_path(&[Array::scalar(1.0f32), Array::scalar(2.0f32)]);
/// assert_eq!(leaves[1].0.to_string(), "[1]");
/// assert_eq!(def.num_leaves(), 2);
/// ```
pub fn tree_flatten_with_path<T: Tree>(tree: &T) -> (Vec<(KeyPath, Array)>, TreeDef) {
    let (leaves, def) = tree.flatten_tree();
    (def.key_paths().into_iter().zip(leaves).collect(), def)
}

/// A tree of the same structure with `f` applied to every leaf
/// (`tree_map`). `f` returns an array or a `Result` of one.
///
/// ```
/// use rjax::{Array, tree_util::tree_map};
/// let t = (Array::scalar(1.0f32), vec![Array::scalar(2.0f32)]);
/// let t2 = tree_map(&t, |x| x * 10.0).unwrap();
/// assert_eq!(t2.1[0].item::<f32>().unwrap(), 20.0);
/// ```
pub fn tree_map<T, F, O>(tree: &T, mut f: F) -> Result<T>
where
    T: Tree,
    F: FnMut(&Array) -> O,
    O: TreeOutput<Tree = Array>,
{
    let (leaves, def) = tree.flatten_tree();
    let mapped = leaves
        .iter()
        .map(|x| f(x).into_result())
        .collect::<Result<Vec<_>>>()?;
    T::unflatten_tree(&def, mapped)
}

/// [`tree_map`] with each leaf's key path (`tree_map_with_path`).
///
/// ```
/// use rjax::{Array, Tree, tree_util::{PathKey, tree_map_with_path}};
/// #[derive(Tree)]
/// struct Linear { w: Array, b: Array }
/// let p = Linear { w: Array::scalar(1.0f32), b: Array::scalar(1.0f32) };
/// // Decay the weights, not the biases.
/// let q = tree_map_with_path(&p, |path, x| match path.keys().last() {
///     Some(PathKey::Field("b")) => x.clone(),
///     _ => x * 0.5,
/// })
/// .unwrap();
/// assert_eq!((q.w.item::<f32>().unwrap(), q.b.item::<f32>().unwrap()), (0.5, 1.0));
/// ```
pub fn tree_map_with_path<T, F, O>(tree: &T, mut f: F) -> Result<T>
where
    T: Tree,
    F: FnMut(&KeyPath, &Array) -> O,
    O: TreeOutput<Tree = Array>,
{
    let (leaves, def) = tree_flatten_with_path(tree);
    let mapped = leaves
        .iter()
        .map(|(path, x)| f(path, x).into_result())
        .collect::<Result<Vec<_>>>()?;
    T::unflatten_tree(&def, mapped)
}

/// `f` applied leaf by leaf to two trees of one structure (`tree_map(f, a,
/// b)`); trees of different structures are a typed [`ErrorKind::Tree`]
/// error.
///
/// ```
/// use rjax::{Array, tree_util::tree_map2};
/// let a = vec![Array::scalar(1.0f32), Array::scalar(2.0f32)];
/// let b = vec![Array::scalar(3.0f32), Array::scalar(4.0f32)];
/// let c = tree_map2(&a, &b, |x, y| x * y).unwrap();
/// assert_eq!(c[1].item::<f32>().unwrap(), 8.0);
/// assert!(tree_map2(&a, &vec![Array::scalar(1.0f32)], |x, y| x + y).is_err());
/// ```
pub fn tree_map2<T, F, O>(a: &T, b: &T, mut f: F) -> Result<T>
where
    T: Tree,
    F: FnMut(&Array, &Array) -> O,
    O: TreeOutput<Tree = Array>,
{
    tree_map_n(&[a, b], |xs| f(&xs[0], &xs[1]))
}

/// `f` applied leaf by leaf to any number of trees of one structure: it
/// gets the trees' leaves at one position, in the order of `trees`.
///
/// ```
/// use rjax::{Array, tree_util::tree_map_n};
/// let (a, b, c) = ([Array::scalar(1.0f32)], [Array::scalar(2.0f32)], [Array::scalar(3.0f32)]);
/// let fma = tree_map_n(&[&a, &b, &c], |x| &x[0] * &x[1] + &x[2]).unwrap();
/// assert_eq!(fma[0].item::<f32>().unwrap(), 5.0);
/// ```
pub fn tree_map_n<T, F, O>(trees: &[&T], mut f: F) -> Result<T>
where
    T: Tree,
    F: FnMut(&[Array]) -> O,
    O: TreeOutput<Tree = Array>,
{
    let Some((first, rest)) = trees.split_first() else {
        return Err(Error::new(
            ErrorKind::Tree,
            "tree_map",
            "no trees to map over",
        ));
    };
    let (first_leaves, def) = first.flatten_tree();
    let mut columns: Vec<Vec<Array>> = first_leaves.into_iter().map(|x| vec![x]).collect();
    for (i, tree) in rest.iter().enumerate() {
        let (leaves, other) = tree.flatten_tree();
        if other != def {
            return Err(Error::new(
                ErrorKind::Tree,
                "tree_map",
                format!(
                    "tree {} has structure {other:?}, but the first has {def:?}",
                    i + 1
                ),
            ));
        }
        columns.iter_mut().zip(leaves).for_each(|(c, x)| c.push(x));
    }
    let mapped = columns
        .iter()
        .map(|xs| f(xs).into_result())
        .collect::<Result<Vec<_>>>()?;
    T::unflatten_tree(&def, mapped)
}

/// Fold the leaves, in order, into one value (`tree_reduce(f, tree,
/// initializer)`).
///
/// ```
/// use rjax::{Array, tree_util::tree_reduce};
/// let t = (Array::scalar(1.0f32), [Array::scalar(2.0f32), Array::scalar(3.0f32)]);
/// let total = tree_reduce(&t, Array::scalar(0.0f32), |acc, x| acc + x);
/// assert_eq!(total.item::<f32>().unwrap(), 6.0);
/// let count = tree_reduce(&t, 0, |n, _| n + 1);
/// assert_eq!(count, 3);
/// ```
pub fn tree_reduce<T, A, F>(tree: &T, init: A, f: F) -> A
where
    T: Tree,
    F: FnMut(A, &Array) -> A,
{
    tree.flatten_tree().0.iter().fold(init, f)
}

/// `a + b` leaf by leaf.
///
/// ```
/// use rjax::{Array, tree_util::tree_add};
/// let s = tree_add(&[Array::scalar(1.0f32)], &[Array::scalar(2.0f32)]).unwrap();
/// assert_eq!(s[0].item::<f32>().unwrap(), 3.0);
/// ```
pub fn tree_add<T: Tree>(a: &T, b: &T) -> Result<T> {
    tree_map2(a, b, |x, y| x + y)
}

/// `a - b` leaf by leaf.
///
/// ```
/// use rjax::{Array, tree_util::tree_sub};
/// let d = tree_sub(&[Array::scalar(1.0f32)], &[Array::scalar(2.0f32)]).unwrap();
/// assert_eq!(d[0].item::<f32>().unwrap(), -1.0);
/// ```
pub fn tree_sub<T: Tree>(a: &T, b: &T) -> Result<T> {
    tree_map2(a, b, |x, y| x - y)
}

/// Every leaf times `factor`, which takes each leaf's dtype (a weakly
/// typed scalar, as `x * 0.5` is).
///
/// ```
/// use rjax::{Array, tree_util::tree_scale};
/// let s = tree_scale(&[Array::scalar(3.0f32)], 0.5).unwrap();
/// assert_eq!(s[0].item::<f32>().unwrap(), 1.5);
/// ```
pub fn tree_scale<T: Tree>(tree: &T, factor: f64) -> Result<T> {
    tree_map(tree, |x| x * factor)
}

/// A tree of the same structure whose leaves are zeros of each leaf's shape
/// and dtype.
///
/// ```
/// use rjax::{Array, DType, tree_util::tree_zeros_like};
/// let z = tree_zeros_like(&[Array::from_slice(&[1.0f32, 2.0], &[2])]).unwrap();
/// assert_eq!(z[0].to_vec::<f32>().unwrap(), [0.0, 0.0]);
/// assert_eq!(z[0].dtype().unwrap(), DType::F32);
/// ```
pub fn tree_zeros_like<T: Tree>(tree: &T) -> Result<T> {
    tree_map(tree, |x| jnp::zeros_like(x, None))
}
