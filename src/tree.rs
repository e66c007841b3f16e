//! Pytrees: nested containers of arrays that transformations flatten into
//! a list of leaves plus a structure, and rebuild afterwards.

use crate::Array;
use rjax_ir::{Error, ErrorKind, Result};
use std::collections::BTreeMap;

/// The structure of a flattened tree (everything but the leaves).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TreeDef {
    /// One array.
    Leaf,
    /// A sequence-like node (tuple, `Vec`, array, tuple struct) with its
    /// kind name.
    Node(&'static str, Vec<TreeDef>),
    /// A struct with named fields: its name, its field names, and one child
    /// per field (key paths name the fields; see [`crate::tree_util`]).
    Struct(&'static str, &'static [&'static str], Vec<TreeDef>),
    /// A `BTreeMap<String, _>` with its keys in order.
    Dict(Vec<(String, TreeDef)>),
}

impl TreeDef {
    /// Number of leaves.
    pub fn num_leaves(&self) -> usize {
        match self {
            TreeDef::Leaf => 1,
            TreeDef::Node(_, c) | TreeDef::Struct(_, _, c) => {
                c.iter().map(TreeDef::num_leaves).sum()
            }
            TreeDef::Dict(c) => c.iter().map(|(_, d)| d.num_leaves()).sum(),
        }
    }

    /// The children of a node of the given kind, or a typed tree error.
    pub fn children(&self, kind: &'static str) -> Result<&[TreeDef]> {
        match self {
            TreeDef::Node(k, c) | TreeDef::Struct(k, _, c) if *k == kind => Ok(c),
            other => Err(Error::new(
                ErrorKind::Tree,
                "unflatten",
                format!("expected a {kind} node, found {other:?}"),
            )),
        }
    }
}

/// A container of arrays that transformations can flatten and rebuild.
/// Implemented for [`Array`], tuples, `Vec`, `[T; N]`, `Option` and
/// `BTreeMap<String, T>`; derive it for structs with `#[derive(Tree)]`.
///
/// ```
/// use rjax::{Array, Tree};
/// let t = (Array::scalar(1.0f32), vec![Array::scalar(2.0f32), Array::scalar(3.0f32)]);
/// let (leaves, def) = t.flatten_tree();
/// assert_eq!(leaves.len(), 3);
/// let back = <(Array, Vec<Array>)>::unflatten_tree(&def, leaves).unwrap();
/// assert_eq!(back.1.len(), 2);
/// ```
pub trait Tree: Sized {
    /// Append this tree's leaves and return its structure.
    fn flatten(&self, leaves: &mut Vec<Array>) -> TreeDef;
    /// Rebuild a tree of structure `def`, taking leaves in order.
    fn unflatten(def: &TreeDef, leaves: &mut dyn Iterator<Item = Array>) -> Result<Self>;

    /// The leaves and structure of this tree.
    fn flatten_tree(&self) -> (Vec<Array>, TreeDef) {
        let mut leaves = Vec::new();
        let def = self.flatten(&mut leaves);
        (leaves, def)
    }

    /// Rebuild from exactly the given leaves.
    fn unflatten_tree(def: &TreeDef, leaves: Vec<Array>) -> Result<Self> {
        let n = leaves.len();
        if n != def.num_leaves() {
            return Err(Error::new(
                ErrorKind::Tree,
                "unflatten",
                format!("structure has {} leaves, got {n}", def.num_leaves()),
            ));
        }
        Self::unflatten(def, &mut leaves.into_iter())
    }
}

/// What a function handed to a transformation may return: a [`Tree`], or
/// a `Result` of one, so that closures can use `?` on fallible calls
/// (`lax::cond`, `grad(f)(x)`, ...). Transformations turn either into a
/// `Result` at their call.
///
/// ```
/// use rjax::{grad, vmap, Array};
/// // Both return a Result; the outer transformations accept either form.
/// let df = grad(|x: Array| x.sin());
/// let ddf = grad(&df);
/// let ddf_all = vmap(&ddf);
/// let x = Array::from_slice(&[0.0f32, 1.0], &[2]);
/// let y = ddf_all(x).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap()[0], 0.0);
/// ```
pub trait TreeOutput {
    /// The tree inside.
    type Tree: Tree;
    /// The tree, or the error the function returned.
    fn into_result(self) -> Result<Self::Tree>;
}

impl<T: Tree> TreeOutput for T {
    type Tree = T;
    fn into_result(self) -> Result<T> {
        Ok(self)
    }
}

impl<T: Tree> TreeOutput for Result<T> {
    type Tree = T;
    fn into_result(self) -> Result<T> {
        self
    }
}

impl Tree for Array {
    fn flatten(&self, leaves: &mut Vec<Array>) -> TreeDef {
        leaves.push(self.clone());
        TreeDef::Leaf
    }
    fn unflatten(def: &TreeDef, leaves: &mut dyn Iterator<Item = Array>) -> Result<Self> {
        match def {
            TreeDef::Leaf => leaves
                .next()
                .ok_or_else(|| Error::new(ErrorKind::Tree, "unflatten", "ran out of leaves")),
            other => Err(Error::new(
                ErrorKind::Tree,
                "unflatten",
                format!("expected an array, found {other:?}"),
            )),
        }
    }
}

impl<T: Tree> Tree for Vec<T> {
    fn flatten(&self, leaves: &mut Vec<Array>) -> TreeDef {
        TreeDef::Node("Vec", self.iter().map(|x| x.flatten(leaves)).collect())
    }
    fn unflatten(def: &TreeDef, leaves: &mut dyn Iterator<Item = Array>) -> Result<Self> {
        def.children("Vec")?
            .iter()
            .map(|d| T::unflatten(d, leaves))
            .collect()
    }
}

impl<T: Tree, const N: usize> Tree for [T; N] {
    fn flatten(&self, leaves: &mut Vec<Array>) -> TreeDef {
        TreeDef::Node("array", self.iter().map(|x| x.flatten(leaves)).collect())
    }
    fn unflatten(def: &TreeDef, leaves: &mut dyn Iterator<Item = Array>) -> Result<Self> {
        let items = def
            .children("array")?
            .iter()
            .map(|d| T::unflatten(d, leaves))
            .collect::<Result<Vec<T>>>()?;
        items.try_into().map_err(|v: Vec<T>| {
            Error::new(
                ErrorKind::Tree,
                "unflatten",
                format!("expected {N} items, found {}", v.len()),
            )
        })
    }
}

impl<T: Tree> Tree for Option<T> {
    fn flatten(&self, leaves: &mut Vec<Array>) -> TreeDef {
        match self {
            Some(x) => TreeDef::Node("Some", vec![x.flatten(leaves)]),
            None => TreeDef::Node("None", Vec::new()),
        }
    }
    fn unflatten(def: &TreeDef, leaves: &mut dyn Iterator<Item = Array>) -> Result<Self> {
        match def {
            TreeDef::Node("None", _) => Ok(None),
            _ => Ok(Some(T::unflatten(&def.children("Some")?[0], leaves)?)),
        }
    }
}

impl<T: Tree> Tree for BTreeMap<String, T> {
    fn flatten(&self, leaves: &mut Vec<Array>) -> TreeDef {
        TreeDef::Dict(
            self.iter()
                .map(|(k, v)| (k.clone(), v.flatten(leaves)))
                .collect(),
        )
    }
    fn unflatten(def: &TreeDef, leaves: &mut dyn Iterator<Item = Array>) -> Result<Self> {
        match def {
            TreeDef::Dict(items) => items
                .iter()
                .map(|(k, d)| Ok((k.clone(), T::unflatten(d, leaves)?)))
                .collect(),
            other => Err(Error::new(
                ErrorKind::Tree,
                "unflatten",
                format!("expected a map, found {other:?}"),
            )),
        }
    }
}

impl Tree for () {
    fn flatten(&self, _leaves: &mut Vec<Array>) -> TreeDef {
        TreeDef::Node("()", Vec::new())
    }
    fn unflatten(def: &TreeDef, _leaves: &mut dyn Iterator<Item = Array>) -> Result<Self> {
        def.children("()").map(|_| ())
    }
}

macro_rules! tuple_tree {
    ($($name:ident $idx:tt),+) => {
        impl<$($name: Tree),+> Tree for ($($name,)+) {
            fn flatten(&self, leaves: &mut Vec<Array>) -> TreeDef {
                TreeDef::Node("tuple", vec![$(self.$idx.flatten(leaves)),+])
            }
            fn unflatten(def: &TreeDef, leaves: &mut dyn Iterator<Item = Array>) -> Result<Self> {
                let c = def.children("tuple")?;
                let n = [$($idx),+].len();
                if c.len() != n {
                    return Err(Error::new(ErrorKind::Tree, "unflatten", format!("expected a {n}-tuple, found {}", c.len())));
                }
                Ok(($($name::unflatten(&c[$idx], leaves)?,)+))
            }
        }
    };
}

tuple_tree!(A 0);
tuple_tree!(A 0, B 1);
tuple_tree!(A 0, B 1, C 2);
tuple_tree!(A 0, B 1, C 2, D 3);
tuple_tree!(A 0, B 1, C 2, D 3, E 4);
tuple_tree!(A 0, B 1, C 2, D 3, E 4, F 5);
