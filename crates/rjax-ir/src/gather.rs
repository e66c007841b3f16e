//! The parameters of `gather` and `scatter` and their shape rules.
//!
//! A gather reads a window of the operand at each start position held in
//! an indices array; a scatter writes (or combines) windows of updates
//! there. Both are described by the same dimension numbers (StableHLO's
//! gather and scatter fields, paired up below), which is what makes each
//! the other's transpose.

use crate::{AVal, Error, ErrorKind, Result};

/// Where the windows and start positions of a gather or scatter live.
///
/// For an indices array of shape `[2, 1]` (two positions along axis 0 of a
/// `[5, 3]` operand, index vector at axis 1) that reads whole rows:
///
/// ```
/// use rjax_ir::{AVal, DType, IndexDims};
/// let dims = IndexDims {
///     window_dims: vec![1],
///     collapsed_dims: vec![0],
///     operand_batching_dims: vec![],
///     indices_batching_dims: vec![],
///     index_map: vec![0],
///     index_vector_dim: 1,
/// };
/// let out = dims
///     .gathered(&AVal::new(vec![5, 3], DType::F32), &AVal::new(vec![2, 1], DType::I32), &[1, 3])
///     .unwrap();
/// assert_eq!(out.shape, vec![2, 3]);
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct IndexDims {
    /// The axes of the gathered result (a scatter's updates) that run
    /// along a window (`offset_dims` / `update_window_dims`).
    pub window_dims: Vec<usize>,
    /// Operand axes whose window has size 1 and no axis of its own in the
    /// result (`collapsed_slice_dims` / `inserted_window_dims`).
    pub collapsed_dims: Vec<usize>,
    /// Operand axes paired one to one with `indices_batching_dims`: member
    /// `i` of those indices reads member `i` of the operand.
    pub operand_batching_dims: Vec<usize>,
    pub indices_batching_dims: Vec<usize>,
    /// The operand axis each component of an index vector starts
    /// (`start_index_map` / `scatter_dims_to_operand_dims`).
    pub index_map: Vec<usize>,
    /// The indices axis holding the index vectors; equal to the indices'
    /// rank when every vector has one component.
    pub index_vector_dim: usize,
}

/// How a scatter combines an update with the value already in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ScatterOp {
    /// The update replaces the value (of several updates to one place,
    /// one wins).
    Set,
    Add,
    Mul,
    Min,
    Max,
}

impl ScatterOp {
    /// The primitive's name as `make_jaxpr` prints it.
    pub fn name(self) -> &'static str {
        match self {
            ScatterOp::Set => "scatter",
            ScatterOp::Add => "scatter-add",
            ScatterOp::Mul => "scatter-mul",
            ScatterOp::Min => "scatter-min",
            ScatterOp::Max => "scatter-max",
        }
    }
}

impl IndexDims {
    /// The batch shape of `indices`: its shape without the index vector axis.
    pub fn batch_shape(&self, indices: &[usize]) -> Vec<usize> {
        let mut shape = indices.to_vec();
        if self.index_vector_dim < shape.len() {
            shape.remove(self.index_vector_dim);
        }
        shape
    }

    /// The operand axes that have an axis of their own in a window.
    pub fn windowed_axes(&self, operand_rank: usize) -> Vec<usize> {
        (0..operand_rank)
            .filter(|a| !self.collapsed_dims.contains(a) && !self.operand_batching_dims.contains(a))
            .collect()
    }

    /// A gather's result: the windows of `slice_sizes` at each start
    /// position of `indices`, or why they do not fit.
    pub fn gathered(&self, operand: &AVal, indices: &AVal, slice_sizes: &[usize]) -> Result<AVal> {
        let err = |msg: String| {
            Error::new(ErrorKind::Shape, "gather", msg)
                .with_operands(vec![operand.clone(), indices.clone()])
        };
        self.check(operand, indices, "gather")?;
        if slice_sizes.len() != operand.rank()
            || slice_sizes.iter().zip(&operand.shape).any(|(s, d)| s > d)
            || self
                .collapsed_dims
                .iter()
                .chain(&self.operand_batching_dims)
                .any(|&a| slice_sizes[a] > 1)
        {
            return Err(err(format!(
                "slice_sizes {slice_sizes:?} do not fit operand {:?} (collapsed and batching axes take 1)",
                operand.shape
            )));
        }
        let windows: Vec<usize> = self
            .windowed_axes(operand.rank())
            .iter()
            .map(|&a| slice_sizes[a])
            .collect();
        let shape = self.result_shape(&indices.shape, &windows, "gather")?;
        Ok(AVal::new(shape, operand.dtype))
    }

    /// Check a scatter's updates against its operand and indices; the
    /// result has the operand's abstract value.
    pub fn check_scatter(
        &self,
        op: ScatterOp,
        operand: &AVal,
        indices: &AVal,
        updates: &AVal,
    ) -> Result<AVal> {
        let err = |kind, msg: String| {
            Error::new(kind, op.name(), msg).with_operands(vec![
                operand.clone(),
                indices.clone(),
                updates.clone(),
            ])
        };
        self.check(operand, indices, op.name())?;
        if updates.dtype != operand.dtype {
            return Err(err(
                ErrorKind::DType,
                format!(
                    "updates of {} into an operand of {}",
                    updates.dtype.name(),
                    operand.dtype.name()
                ),
            ));
        }
        let axes = self.windowed_axes(operand.rank());
        let fits = self.window_dims.len() == axes.len()
            && self.window_dims.iter().all(|&d| d < updates.rank())
            && axes
                .iter()
                .zip(&self.window_dims)
                .all(|(&a, &d)| updates.shape[d] <= operand.shape[a]);
        let windows: Vec<usize> = self
            .window_dims
            .iter()
            .map(|&d| updates.shape.get(d).copied().unwrap_or(0))
            .collect();
        let want = self.result_shape(&indices.shape, &windows, op.name())?;
        if !fits || want != updates.shape {
            return Err(err(
                ErrorKind::Shape,
                format!(
                    "updates {:?} do not fit operand {:?} at indices {:?} ({self:?})",
                    updates.shape, operand.shape, indices.shape
                ),
            ));
        }
        Ok(operand.clone())
    }

    /// The window sizes along every operand axis for windows shaped as the
    /// window axes of `updates` (1 on collapsed and batching axes): the
    /// `slice_sizes` of the gather reading what a scatter writes.
    pub fn slice_sizes(&self, operand_rank: usize, updates: &[usize]) -> Vec<usize> {
        let mut sizes = vec![1; operand_rank];
        for (a, &d) in self
            .windowed_axes(operand_rank)
            .into_iter()
            .zip(&self.window_dims)
        {
            sizes[a] = updates[d];
        }
        sizes
    }

    /// Axes and dtypes common to gather and scatter.
    fn check(&self, operand: &AVal, indices: &AVal, op: &str) -> Result<()> {
        let err = |kind, msg: String| {
            Error::new(kind, op, msg).with_operands(vec![operand.clone(), indices.clone()])
        };
        if !indices.dtype.is_int() {
            return Err(err(
                ErrorKind::DType,
                format!("indices must be integers, got {}", indices.dtype.name()),
            ));
        }
        let r = operand.rank();
        let sorted_in =
            |v: &[usize], n: usize| v.windows(2).all(|w| w[0] < w[1]) && v.iter().all(|&a| a < n);
        let unique_in = |v: &[usize], n: usize| {
            let mut s = v.to_vec();
            s.sort_unstable();
            s.dedup();
            s.len() == v.len() && v.iter().all(|&a| a < n)
        };
        let disjoint = |a: &[usize], b: &[usize]| a.iter().all(|x| !b.contains(x));
        let ivd = self.index_vector_dim;
        let vector_len = indices.shape.get(ivd).copied().unwrap_or(1);
        let pairs_ok = self.operand_batching_dims.len() == self.indices_batching_dims.len()
            && self
                .operand_batching_dims
                .iter()
                .zip(&self.indices_batching_dims)
                .all(|(&o, &i)| {
                    i < indices.rank() && o < r && operand.shape[o] == indices.shape[i]
                });
        let ok = ivd <= indices.rank()
            && sorted_in(&self.collapsed_dims, r)
            && sorted_in(&self.operand_batching_dims, r)
            && disjoint(&self.collapsed_dims, &self.operand_batching_dims)
            && unique_in(&self.index_map, r)
            && disjoint(&self.index_map, &self.operand_batching_dims)
            && self.index_map.len() == vector_len
            && unique_in(&self.indices_batching_dims, indices.rank())
            && !self.indices_batching_dims.contains(&ivd)
            && pairs_ok;
        if !ok {
            return Err(err(
                ErrorKind::Axis,
                format!(
                    "dimension numbers {self:?} do not fit operand {:?} and indices {:?}",
                    operand.shape, indices.shape
                ),
            ));
        }
        Ok(())
    }

    /// The batch axes of `indices` interleaved with windows of `windows`
    /// sizes at `window_dims`.
    fn result_shape(&self, indices: &[usize], windows: &[usize], op: &str) -> Result<Vec<usize>> {
        let batch = self.batch_shape(indices);
        let rank = batch.len() + windows.len();
        let sorted = self.window_dims.windows(2).all(|w| w[0] < w[1]);
        if !sorted
            || self.window_dims.len() != windows.len()
            || self.window_dims.iter().any(|&d| d >= rank)
        {
            return Err(Error::new(
                ErrorKind::Axis,
                op,
                format!(
                    "window dims {:?} do not place {} window axes among {} batch axes",
                    self.window_dims,
                    windows.len(),
                    batch.len()
                ),
            ));
        }
        let (mut b, mut w) = (batch.into_iter(), windows.iter());
        Ok((0..rank)
            .map(|i| {
                if self.window_dims.contains(&i) {
                    *w.next().unwrap_or(&0)
                } else {
                    b.next().unwrap_or(0)
                }
            })
            .collect())
    }

    /// The parameters as `make_jaxpr` prints them.
    pub fn text(&self) -> String {
        format!(
            "dimension_numbers=(window_dims={:?}, collapsed_dims={:?}, operand_batching_dims={:?}, indices_batching_dims={:?}, index_map={:?}, index_vector_dim={})",
            self.window_dims,
            self.collapsed_dims,
            self.operand_batching_dims,
            self.indices_batching_dims,
            self.index_map,
            self.index_vector_dim
        )
    }
}
