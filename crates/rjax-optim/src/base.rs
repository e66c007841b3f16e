//! The core types: a tree seen as its leaves ([`FlatTree`]), the
//! [`GradientTransformation`] trait, [`chain`] and [`apply_updates`].

use rjax::tree_util::KeyPath;
use rjax::{Array, Error, ErrorKind, Result, Tree, TreeDef};

/// Any tree, held as its leaves and its structure. It is itself a [`Tree`]
/// of whatever structure it holds, so a transformation's state (which
/// holds trees shaped like the parameters) goes through `jit` and
/// checkpoints with the parameters' key paths inside its own.
#[derive(Clone, Debug)]
pub struct FlatTree {
    /// The structure.
    pub def: TreeDef,
    /// The leaves, in order.
    pub leaves: Vec<Array>,
}

impl FlatTree {
    /// The leaves and structure of `tree`.
    pub fn of<T: Tree>(tree: &T) -> FlatTree {
        let (leaves, def) = tree.flatten_tree();
        FlatTree { def, leaves }
    }

    /// Rebuild a typed tree from these leaves.
    pub fn to<T: Tree>(&self) -> Result<T> {
        T::unflatten_tree(&self.def, self.leaves.clone())
    }

    /// The key path of every leaf.
    pub fn key_paths(&self) -> Vec<KeyPath> {
        self.def.key_paths()
    }

    /// The same structure with new leaves (as many as this tree has).
    pub(crate) fn with_leaves(&self, leaves: Vec<Array>) -> FlatTree {
        FlatTree {
            def: self.def.clone(),
            leaves,
        }
    }

    /// `f` applied leaf by leaf to this tree and `other`, which must have as
    /// many leaves (`op` names the caller in the error).
    pub(crate) fn zip_map(
        &self,
        other: &FlatTree,
        op: &str,
        mut f: impl FnMut(&Array, &Array) -> Array,
    ) -> Result<FlatTree> {
        if self.leaves.len() != other.leaves.len() {
            return Err(Error::new(
                ErrorKind::Tree,
                op,
                format!(
                    "the updates have {} leaves, the state or parameters {}",
                    self.leaves.len(),
                    other.leaves.len()
                ),
            ));
        }
        let leaves = self
            .leaves
            .iter()
            .zip(&other.leaves)
            .map(|(a, b)| f(a, b))
            .collect();
        Ok(self.with_leaves(leaves))
    }

    /// `f` applied to every leaf.
    pub(crate) fn map(&self, f: impl FnMut(&Array) -> Array) -> FlatTree {
        self.with_leaves(self.leaves.iter().map(f).collect())
    }
}

impl Tree for FlatTree {
    fn flatten(&self, leaves: &mut Vec<Array>) -> TreeDef {
        leaves.extend(self.leaves.iter().cloned());
        self.def.clone()
    }
    fn unflatten(def: &TreeDef, leaves: &mut dyn Iterator<Item = Array>) -> Result<Self> {
        let n = def.num_leaves();
        let taken: Vec<Array> = leaves.take(n).collect();
        if taken.len() != n {
            return Err(Error::new(
                ErrorKind::Tree,
                "unflatten",
                "ran out of leaves",
            ));
        }
        Ok(FlatTree {
            def: def.clone(),
            leaves: taken,
        })
    }
}

/// The state of a gradient transformation: a tree (count, moments shaped
/// like the parameters, the states of chained transformations...) that
/// `jit` takes and returns and checkpoints save.
pub type OptState = FlatTree;

/// optax's `EmptyState`: the state of stateless transformations.
#[derive(Tree)]
pub(crate) struct EmptyState;

/// A gradient transformation, optax's `GradientTransformation`: `init`
/// makes the state for some parameters, `update` turns gradients (or the
/// updates of an earlier transformation) into updates and a new state.
///
/// Implementors write the two `*_flat` methods, which see trees as
/// [`FlatTree`]s; users call [`init`](Self::init) and
/// [`update`](Self::update) on their own tree types.
///
/// ```
/// use rjax::Array;
/// use rjax_optim::{GradientTransformation, apply_updates, sgd};
/// let params = vec![Array::from_slice(&[1.0f32, 2.0], &[2])];
/// let opt = sgd(0.5);
/// let state = opt.init(&params).unwrap();
/// let grads = vec![Array::from_slice(&[2.0f32, 2.0], &[2])];
/// let (updates, _state) = opt.update(&grads, &state, Some(&params)).unwrap();
/// let params = apply_updates(&params, &updates).unwrap();
/// assert_eq!(params[0].to_vec::<f32>().unwrap(), [0.0, 1.0]);
/// ```
pub trait GradientTransformation {
    /// The initial state for `params`.
    fn init_flat(&self, params: &FlatTree) -> Result<OptState>;

    /// The transformed updates and the next state; `params` are needed by
    /// some transformations (weight decay) only.
    fn update_flat(
        &self,
        updates: FlatTree,
        state: &OptState,
        params: Option<&FlatTree>,
    ) -> Result<(FlatTree, OptState)>;

    /// The initial state for a parameter tree.
    fn init<T: Tree>(&self, params: &T) -> Result<OptState>
    where
        Self: Sized,
    {
        self.init_flat(&FlatTree::of(params))
    }

    /// Updates shaped like `updates` (the gradients, usually), and the next
    /// state.
    fn update<T: Tree>(
        &self,
        updates: &T,
        state: &OptState,
        params: Option<&T>,
    ) -> Result<(T, OptState)>
    where
        Self: Sized,
    {
        let params = params.map(FlatTree::of);
        let (updates, state) = self.update_flat(FlatTree::of(updates), state, params.as_ref())?;
        Ok((updates.to()?, state))
    }
}

/// A transformation chosen at run time.
pub type BoxedTransformation = Box<dyn GradientTransformation>;

impl GradientTransformation for BoxedTransformation {
    fn init_flat(&self, params: &FlatTree) -> Result<OptState> {
        (**self).init_flat(params)
    }
    fn update_flat(
        &self,
        updates: FlatTree,
        state: &OptState,
        params: Option<&FlatTree>,
    ) -> Result<(FlatTree, OptState)> {
        (**self).update_flat(updates, state, params)
    }
}

/// The updates unchanged (optax's `identity`).
pub struct Identity;

impl GradientTransformation for Identity {
    fn init_flat(&self, _params: &FlatTree) -> Result<OptState> {
        Ok(FlatTree::of(&EmptyState))
    }
    fn update_flat(
        &self,
        updates: FlatTree,
        state: &OptState,
        _params: Option<&FlatTree>,
    ) -> Result<(FlatTree, OptState)> {
        Ok((updates, state.clone()))
    }
}

/// Transformations applied one after the other; its state is the tuple of
/// theirs (made by [`chain`]).
pub struct Chain(pub Vec<BoxedTransformation>);

/// Apply transformations in order, each to the updates of the one before
/// (optax's `chain`). Takes a tuple of transformations, or a `Vec` of
/// boxed ones.
///
/// ```
/// use rjax_optim::{adam, chain, clip_by_global_norm};
/// let opt = chain((clip_by_global_norm(1.0), adam(1e-3)));
/// # let _ = opt;
/// ```
pub fn chain(transformations: impl IntoTransformations) -> Chain {
    Chain(transformations.into_transformations())
}

/// What [`chain`] accepts: a tuple of transformations or a `Vec` of boxed
/// ones.
pub trait IntoTransformations {
    /// The transformations, boxed, in order.
    fn into_transformations(self) -> Vec<BoxedTransformation>;
}

impl IntoTransformations for Vec<BoxedTransformation> {
    fn into_transformations(self) -> Vec<BoxedTransformation> {
        self
    }
}

macro_rules! tuple_transformations {
    ($($name:ident $idx:tt),+) => {
        impl<$($name: GradientTransformation + 'static),+> IntoTransformations for ($($name,)+) {
            fn into_transformations(self) -> Vec<BoxedTransformation> {
                vec![$(Box::new(self.$idx)),+]
            }
        }
    };
}

tuple_transformations!(A 0);
tuple_transformations!(A 0, B 1);
tuple_transformations!(A 0, B 1, C 2);
tuple_transformations!(A 0, B 1, C 2, D 3);
tuple_transformations!(A 0, B 1, C 2, D 3, E 4);
tuple_transformations!(A 0, B 1, C 2, D 3, E 4, F 5);

impl GradientTransformation for Chain {
    fn init_flat(&self, params: &FlatTree) -> Result<OptState> {
        let states = self
            .0
            .iter()
            .map(|t| t.init_flat(params))
            .collect::<Result<Vec<_>>>()?;
        Ok(FlatTree::of(&states))
    }

    fn update_flat(
        &self,
        mut updates: FlatTree,
        state: &OptState,
        params: Option<&FlatTree>,
    ) -> Result<(FlatTree, OptState)> {
        let states: Vec<FlatTree> = state.to()?;
        if states.len() != self.0.len() {
            return Err(Error::new(
                ErrorKind::Tree,
                "chain",
                format!(
                    "the state holds {} states for {} transformations",
                    states.len(),
                    self.0.len()
                ),
            ));
        }
        let mut next = Vec::with_capacity(states.len());
        for (t, s) in self.0.iter().zip(&states) {
            let (u, s) = t.update_flat(updates, s, params)?;
            updates = u;
            next.push(s);
        }
        Ok((updates, FlatTree::of(&next)))
    }
}

/// `params + updates` leaf by leaf, each sum computed in the promoted dtype
/// and stored in its parameter's (optax's `apply_updates`).
///
/// ```
/// use rjax::Array;
/// let p = vec![Array::scalar(1.0f32)];
/// let u = vec![Array::scalar(-0.25f32)];
/// let q = rjax_optim::apply_updates(&p, &u).unwrap();
/// assert_eq!(q[0].item::<f32>().unwrap(), 0.75);
/// ```
pub fn apply_updates<T: Tree>(params: &T, updates: &T) -> Result<T> {
    rjax::tree_util::tree_map2(params, updates, |p, u| {
        let dtype = p.dtype()?;
        Ok((p + u).astype(dtype))
    })
}
