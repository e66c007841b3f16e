//! Apply a transformation to some leaves only (optax's `masked`).

use crate::base::{FlatTree, GradientTransformation, OptState};
use rjax::tree_util::KeyPath;
use rjax::{Array, Error, ErrorKind, Result, Tree, TreeDef};
use std::sync::Arc;

/// Which leaves a masked transformation sees: `true` for a leaf (given
/// by its key path and value) that it transforms.
pub type Mask = Arc<dyn Fn(&KeyPath, &Array) -> bool + Send + Sync>;

/// `inner` applied to the leaves `mask` selects; the others pass through
/// unchanged. `inner`'s state covers the selected leaves only (the others
/// are empty nodes in its structure), as optax's `MaskedState`.
pub struct Masked {
    inner: Box<dyn GradientTransformation>,
    mask: Mask,
}

/// Apply `inner` to the leaves for which `mask(path, leaf)` holds (the
/// mask sees the parameters in `init`, the updates in `update`).
///
/// ```
/// use rjax::{Array, Tree, tree_util::PathKey};
/// use rjax_optim::{GradientTransformation, add_decayed_weights, masked};
///
/// #[derive(Tree)]
/// struct Linear { w: Array, b: Array }
///
/// // Weight decay on weights, not biases.
/// let decay = masked(add_decayed_weights(0.5), |path, _| path.keys().last() != Some(&PathKey::Field("b")));
/// let p = Linear { w: Array::scalar(2.0f32), b: Array::scalar(2.0f32) };
/// let g = Linear { w: Array::scalar(0.0f32), b: Array::scalar(0.0f32) };
/// let state = decay.init(&p).unwrap();
/// let (u, _) = decay.update(&g, &state, Some(&p)).unwrap();
/// assert_eq!((u.w.item::<f32>().unwrap(), u.b.item::<f32>().unwrap()), (1.0, 0.0));
/// ```
pub fn masked(
    inner: impl GradientTransformation + 'static,
    mask: impl Fn(&KeyPath, &Array) -> bool + Send + Sync + 'static,
) -> Masked {
    Masked {
        inner: Box::new(inner),
        mask: Arc::new(mask),
    }
}

impl Masked {
    /// `inner` applied to the leaves `mask` selects.
    pub fn new(inner: Box<dyn GradientTransformation>, mask: Mask) -> Masked {
        Masked { inner, mask }
    }

    /// Whether the mask selects each leaf of `tree`.
    fn selection(&self, tree: &FlatTree) -> Vec<bool> {
        tree.key_paths()
            .iter()
            .zip(&tree.leaves)
            .map(|(p, x)| (self.mask)(p, x))
            .collect()
    }
}

/// `tree` with the unselected leaves replaced by empty nodes.
fn select(tree: &FlatTree, selected: &[bool]) -> FlatTree {
    let mut flags = selected.iter().copied();
    let def = masked_def(&tree.def, &mut flags);
    let leaves = tree
        .leaves
        .iter()
        .zip(selected)
        .filter(|(_, s)| **s)
        .map(|(x, _)| x.clone())
        .collect();
    FlatTree { def, leaves }
}

/// `def` with each leaf whose flag is false replaced by optax's
/// `MaskedNode` (a node without children).
fn masked_def(def: &TreeDef, flags: &mut dyn Iterator<Item = bool>) -> TreeDef {
    fn each(c: &[TreeDef], flags: &mut dyn Iterator<Item = bool>) -> Vec<TreeDef> {
        c.iter().map(|d| masked_def(d, flags)).collect()
    }
    match def {
        TreeDef::Leaf if flags.next().unwrap_or(false) => TreeDef::Leaf,
        TreeDef::Leaf => TreeDef::Node("MaskedNode", Vec::new()),
        TreeDef::Node(kind, c) => TreeDef::Node(kind, each(c, flags)),
        TreeDef::Struct(kind, names, c) => TreeDef::Struct(kind, names, each(c, flags)),
        TreeDef::Dict(items) => TreeDef::Dict(
            items
                .iter()
                .map(|(k, d)| (k.clone(), masked_def(d, flags)))
                .collect(),
        ),
    }
}

#[derive(Tree)]
struct MaskedState {
    inner_state: FlatTree,
}

impl GradientTransformation for Masked {
    fn init_flat(&self, params: &FlatTree) -> Result<OptState> {
        let selected = select(params, &self.selection(params));
        Ok(FlatTree::of(&MaskedState {
            inner_state: self.inner.init_flat(&selected)?,
        }))
    }

    fn update_flat(
        &self,
        updates: FlatTree,
        state: &OptState,
        params: Option<&FlatTree>,
    ) -> Result<(FlatTree, OptState)> {
        let MaskedState { inner_state } = state.to()?;
        let selection = self.selection(&updates);
        let params = params.map(|p| select(p, &selection));
        let (inner_updates, inner_state) =
            self.inner
                .update_flat(select(&updates, &selection), &inner_state, params.as_ref())?;
        let chosen = selection.iter().filter(|&&s| s).count();
        if inner_updates.leaves.len() != chosen {
            return Err(Error::new(
                ErrorKind::Tree,
                "masked",
                format!(
                    "the inner transformation returned {} updates for {chosen} leaves",
                    inner_updates.leaves.len()
                ),
            ));
        }
        let mut transformed = inner_updates.leaves.into_iter();
        let leaves = updates
            .leaves
            .iter()
            .zip(&selection)
            .map(|(u, &s)| match s {
                true => transformed.next().unwrap_or_else(|| u.clone()),
                false => u.clone(),
            })
            .collect();
        Ok((
            updates.with_leaves(leaves),
            FlatTree::of(&MaskedState { inner_state }),
        ))
    }
}
