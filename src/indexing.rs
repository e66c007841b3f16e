//! NumPy indexing: `x[idx]` as [`Array::get`], and JAX's functional
//! updates `x.at[idx].set(v)` as [`Array::at`].
//!
//! An index is a list of [`Index`] entries, written with [`idx!`]
//! (`crate::idx`): integers (negative from the end), ranges (`1..`,
//! `..-1`, `..`), [`step`] and [`slice`] for Python's `start:stop:step`,
//! [`Index::NewAxis`], [`Index::Ellipsis`] and integer arrays (NumPy's
//! advanced indexing: the arrays broadcast together, and their axes go
//! where the first one stands if they are adjacent, else first).
//!
//! Out of bounds, as in JAX: reading clamps (or fills, with
//! [`IndexMode::Fill`]); updates at out-of-bounds positions are dropped.
//! Everything is differentiable and batchable (gathers and scatters).
//!
//! ```
//! use rjax::{Array, idx, indexing::step};
//! let x = Array::from_slice(&[0.0f32, 1.0, 2.0, 3.0, 4.0, 5.0], &[2, 3]);
//! assert_eq!(x.get(idx![.., step(.., -1)]).to_vec::<f32>().unwrap(), vec![2.0, 1.0, 0.0, 5.0, 4.0, 3.0]);
//! let rows = Array::from_slice(&[1i32, 1, 0], &[3]);
//! assert_eq!(x.get(idx![&rows, -1]).to_vec::<f32>().unwrap(), vec![5.0, 5.0, 2.0]);
//! let y = x.at(idx![0, 1..]).add(10.0);
//! assert_eq!(y.to_vec::<f32>().unwrap(), vec![0.0, 11.0, 12.0, 3.0, 4.0, 5.0]);
//! ```

use crate::numpy::{self as jnp, fallible};
use crate::{Array, DType, Error, ErrorKind, Operand, lax, location};
use rjax_ir::{IndexDims, ScatterOp};
use std::ops::{Range, RangeFrom, RangeFull, RangeTo};

/// One entry of an index: what `x[...]` takes between commas.
#[derive(Clone, Debug)]
pub enum Index {
    /// One position; the axis is dropped. Negative counts from the end.
    Int(i64),
    /// `start:stop:step`, with Python's meaning of each part.
    Slice(Slice),
    /// An integer array of positions (advanced indexing).
    Array(Array),
    /// A new axis of size 1 (`None` / `jnp.newaxis`).
    NewAxis,
    /// `...`: full slices for the axes the other entries leave.
    Ellipsis,
}

/// Python's `start:stop:step`; `None` bounds mean "from the start" and "to
/// the end" in the step's direction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Slice {
    pub start: Option<i64>,
    pub stop: Option<i64>,
    pub step: i64,
}

/// Python's `start:stop:step` from a range and a step: `step(.., -1)` is
/// `::-1`, `step(1.., 2)` is `1::2`.
pub fn step(range: impl Into<Slice>, step: i64) -> Index {
    Index::Slice(Slice {
        step,
        ..range.into()
    })
}

/// Python's `start:stop:step` spelled out: `slice(Some(3), Some(0), -2)`
/// is `3:0:-2` (a range that Rust would call empty).
pub fn slice(start: Option<i64>, stop: Option<i64>, step: i64) -> Index {
    Index::Slice(Slice { start, stop, step })
}

impl From<RangeFull> for Slice {
    fn from(_: RangeFull) -> Slice {
        Slice {
            start: None,
            stop: None,
            step: 1,
        }
    }
}

macro_rules! integer_indices {
    ($($t:ty)*) => {$(
        impl From<$t> for Index {
            fn from(i: $t) -> Index {
                Index::Int(i as i64)
            }
        }
        impl From<Range<$t>> for Slice {
            fn from(r: Range<$t>) -> Slice {
                Slice { start: Some(r.start as i64), stop: Some(r.end as i64), step: 1 }
            }
        }
        impl From<RangeFrom<$t>> for Slice {
            fn from(r: RangeFrom<$t>) -> Slice {
                Slice { start: Some(r.start as i64), stop: None, step: 1 }
            }
        }
        impl From<RangeTo<$t>> for Slice {
            fn from(r: RangeTo<$t>) -> Slice {
                Slice { start: None, stop: Some(r.end as i64), step: 1 }
            }
        }
        impl From<Range<$t>> for Index {
            fn from(r: Range<$t>) -> Index {
                Index::Slice(r.into())
            }
        }
        impl From<RangeFrom<$t>> for Index {
            fn from(r: RangeFrom<$t>) -> Index {
                Index::Slice(r.into())
            }
        }
        impl From<RangeTo<$t>> for Index {
            fn from(r: RangeTo<$t>) -> Index {
                Index::Slice(r.into())
            }
        }
    )*};
}

integer_indices!(i32 i64 isize usize);

impl From<RangeFull> for Index {
    fn from(r: RangeFull) -> Index {
        Index::Slice(r.into())
    }
}

impl From<Slice> for Index {
    fn from(s: Slice) -> Index {
        Index::Slice(s)
    }
}

impl From<&Array> for Index {
    fn from(a: &Array) -> Index {
        Index::Array(a.clone())
    }
}

impl From<Array> for Index {
    fn from(a: Array) -> Index {
        Index::Array(a)
    }
}

/// An index list, each entry converted with `Index::from`:
/// `idx![0, 1.., .., &positions]`.
#[macro_export]
macro_rules! idx {
    ($($entry:expr),* $(,)?) => {
        vec![$($crate::indexing::Index::from($entry)),*]
    };
}

/// What reading out of bounds gives.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum IndexMode {
    /// The nearest position in bounds (JAX's default for `x[idx]`).
    Clip,
    /// `NaN` for floats, the lowest signed or highest unsigned integer,
    /// `true` for booleans (JAX's `mode="fill"`, the default of `take`).
    Fill,
}

/// What one operand axis is indexed by, with its positions resolved.
#[derive(Clone, Debug)]
enum Pick {
    /// One position (unchecked: reading clamps it, updating drops it).
    At(i64),
    /// `n` positions from `start` by `step`, all in bounds.
    Range { start: i64, step: i64, n: usize },
    /// Positions from an integer array, negatives counted from the end.
    Array(Array),
}

/// An index resolved against a shape: one pick per axis, and the result's
/// layout.
struct Resolved {
    picks: Vec<Pick>,
    /// Where each entry's axes go in the result, in order.
    parts: Vec<Part>,
    /// The broadcast shape of the index arrays.
    advanced: Vec<usize>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Part {
    /// The range picked along this operand axis.
    Range(usize),
    /// The axes of the broadcast index arrays.
    Advanced,
    NewAxis,
}

#[track_caller]
fn index_error(x: &Array, message: String) -> Error {
    let e = Error::new(ErrorKind::Shape, "index", message).at(location::current());
    match x.aval() {
        Ok(a) => e.with_operands(vec![a]),
        Err(_) => e,
    }
}

/// Python's `slice.indices`: the first position, step and count.
fn resolve_slice(s: &Slice, size: i64) -> (i64, usize) {
    let (lower, upper) = if s.step > 0 {
        (0, size)
    } else {
        (-1, size - 1)
    };
    let bound = |v: Option<i64>, default: i64| match v {
        None => default,
        Some(v) if v < 0 => (v + size).max(lower),
        Some(v) => v.min(upper),
    };
    let start = bound(s.start, if s.step > 0 { lower } else { upper });
    let stop = bound(s.stop, if s.step > 0 { upper } else { lower });
    let span = if s.step > 0 {
        stop - start
    } else {
        start - stop
    };
    let n = (span + s.step.abs() - 1).div_euclid(s.step.abs()).max(0);
    (start, n as usize)
}

/// The entries of `index` with the ellipsis (or, without one, the end)
/// expanded into full slices, one entry per operand axis or new axis.
#[track_caller]
fn expand(x: &Array, index: &[Index], rank: usize) -> Result<Vec<Index>, Error> {
    let consumed = index
        .iter()
        .filter(|e| !matches!(e, Index::NewAxis | Index::Ellipsis))
        .count();
    let ellipses = index
        .iter()
        .filter(|e| matches!(e, Index::Ellipsis))
        .count();
    if ellipses > 1 || consumed > rank {
        return Err(index_error(
            x,
            format!(
                "{consumed} indexed axes (and {ellipses} ellipses) for an array of rank {rank}"
            ),
        ));
    }
    let full = || std::iter::repeat_with(|| Index::from(..)).take(rank - consumed);
    let mut entries = Vec::new();
    for e in index {
        match e {
            Index::Ellipsis => entries.extend(full()),
            e => entries.push(e.clone()),
        }
    }
    if ellipses == 0 {
        entries.extend(full());
    }
    Ok(entries)
}

impl Resolved {
    #[track_caller]
    fn new(x: &Array, index: &[Index]) -> Result<Resolved, Error> {
        let shape = x.aval()?.shape;
        let entries = expand(x, index, shape.len())?;
        let has_arrays = entries.iter().any(|e| matches!(e, Index::Array(_)));
        let mut picks = Vec::new();
        let mut parts = Vec::new();
        let mut arrays = Vec::new();
        // Entries that are advanced indices (integers count when arrays are present).
        let mut advanced_entries = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            let axis = picks.len();
            match e {
                Index::NewAxis => parts.push(Part::NewAxis),
                Index::Int(k) => {
                    picks.push(Pick::At(if *k < 0 { k + shape[axis] as i64 } else { *k }));
                    if has_arrays {
                        advanced_entries.push(i);
                    }
                }
                Index::Slice(s) => {
                    if s.step == 0 {
                        return Err(index_error(x, "slice step cannot be zero".into()));
                    }
                    let (start, n) = resolve_slice(s, shape[axis] as i64);
                    picks.push(Pick::Range {
                        start,
                        step: s.step,
                        n,
                    });
                    parts.push(Part::Range(axis));
                }
                Index::Array(a) => {
                    let aval = a.aval()?;
                    if !aval.dtype.is_int() {
                        return Err(index_error(
                            x,
                            format!(
                                "index arrays must be integers, got {}{:?} for axis {axis}",
                                aval.dtype.name(),
                                aval.shape
                            ),
                        ));
                    }
                    arrays.push(aval.shape);
                    picks.push(Pick::Array(a.clone()));
                    advanced_entries.push(i);
                }
                Index::Ellipsis => unreachable!("ellipses were expanded"),
            }
        }
        let advanced = arrays
            .iter()
            .try_fold(Vec::new(), |acc, s| rjax_ir::broadcast_shapes(&acc, s))
            .ok_or_else(|| {
                index_error(
                    x,
                    format!("index arrays of shapes {arrays:?} do not broadcast"),
                )
            })?;
        if has_arrays {
            let adjacent = advanced_entries.windows(2).all(|w| w[1] == w[0] + 1);
            // Parts before the first advanced entry, counted in `parts`.
            let at = if adjacent {
                let first = advanced_entries[0];
                entries[..first]
                    .iter()
                    .filter(|e| matches!(e, Index::NewAxis | Index::Slice(_)))
                    .count()
            } else {
                0
            };
            parts.insert(at, Part::Advanced);
        }
        Ok(Resolved {
            picks,
            parts,
            advanced,
        })
    }

    /// The shape of `x[index]`, with or without its new axes.
    fn shape(&self, new_axes: bool) -> Vec<usize> {
        self.parts
            .iter()
            .filter(|p| new_axes || **p != Part::NewAxis)
            .flat_map(|p| match p {
                Part::Range(axis) => match self.picks[*axis] {
                    Pick::Range { n, .. } => vec![n],
                    _ => unreachable!("ranges are picked by ranges"),
                },
                Part::Advanced => self.advanced.clone(),
                Part::NewAxis => vec![1],
            })
            .collect()
    }

    fn has_arrays(&self) -> bool {
        self.parts.contains(&Part::Advanced)
    }

    /// `x[index]` with static slices, reversals and reshapes.
    fn sliced(&self, x: &Array) -> Result<Array, Error> {
        let shape = x.shape()?;
        let mut start = vec![0; shape.len()];
        let mut limit = shape.clone();
        let mut strides = vec![1; shape.len()];
        let mut reversed = Vec::new();
        for (axis, pick) in self.picks.iter().enumerate() {
            let last = shape[axis].max(1) as i64 - 1;
            let (first, step, n) = match *pick {
                Pick::At(k) => (k.clamp(0, last), 1, 1),
                Pick::Range { start, step, n } if step < 0 && n > 0 => {
                    reversed.push(axis);
                    (start + step * (n as i64 - 1), -step, n)
                }
                Pick::Range { start, step, n } => (start.max(0), step, n),
                Pick::Array(_) => unreachable!("arrays take the gather path"),
            };
            start[axis] = first as usize;
            limit[axis] = if n == 0 {
                first as usize
            } else {
                (first + step * (n as i64 - 1) + 1) as usize
            };
            strides[axis] = step as usize;
        }
        let y = lax::slice(x, &start, &limit, Some(&strides));
        let y = if reversed.is_empty() {
            y
        } else {
            lax::rev(&y, &reversed)
        };
        Ok(lax::reshape(&y, &self.shape(true)))
    }

    /// The gather reading `x[index]` (and the scatter writing it), new
    /// axes left out. Every axis gets an index component; negative
    /// positions in index arrays count from the end. With `mask`, also
    /// which gathered elements were read in bounds.
    fn gather(&self, x: &Array, mask: bool) -> Result<Gather, Error> {
        let shape = x.shape()?;
        // The indices' batch axes, in result order: one per strided range,
        // and those of the broadcast index arrays.
        let mut batch = Vec::new();
        let mut window_dims = Vec::new();
        let mut slice_sizes = vec![1; shape.len()];
        let mut strided_at = vec![None; shape.len()];
        let mut advanced_at = 0;
        for part in &self.parts {
            let out = batch.len() + window_dims.len();
            match *part {
                Part::NewAxis => {}
                Part::Advanced => {
                    advanced_at = batch.len();
                    batch.extend(&self.advanced);
                }
                Part::Range(axis) => match self.picks[axis] {
                    Pick::Range { step: 1, n, .. } => {
                        window_dims.push(out);
                        slice_sizes[axis] = n;
                    }
                    Pick::Range { n, .. } => {
                        strided_at[axis] = Some(batch.len());
                        batch.push(n);
                    }
                    _ => unreachable!("ranges are picked by ranges"),
                },
            }
        }
        let advanced_axes: Vec<usize> = (advanced_at..advanced_at + self.advanced.len()).collect();
        let index = |a: &Array| lax::convert_element_type(a, DType::I32);
        let constant = |k: i64| index(&Array::scalar(k));
        let mut components = Vec::new();
        let mut collapsed = Vec::new();
        let mut valid = mask.then(|| Array::scalar(true));
        for (axis, pick) in self.picks.iter().enumerate() {
            let size = shape[axis] as i64;
            let component = match pick {
                Pick::At(k) => {
                    collapsed.push(axis);
                    valid =
                        valid.map(|v| lax::bitwise_and(&v, &Array::scalar((0..size).contains(k))));
                    lax::broadcast_in_dim(&constant(*k), &batch, &[])
                }
                Pick::Range { start, step, n } => match strided_at[axis] {
                    Some(b) => {
                        collapsed.push(axis);
                        let iota = lax::iota(DType::I32, &[*n], 0);
                        let positions =
                            lax::add(&lax::mul(&iota, &constant(*step)), &constant(*start));
                        lax::broadcast_in_dim(&positions, &batch, &[b])
                    }
                    None => lax::broadcast_in_dim(&constant(*start), &batch, &[]),
                },
                Pick::Array(a) => {
                    collapsed.push(axis);
                    let a = index(a);
                    let a = jnp::where_(
                        &lax::lt(&a, &constant(0)),
                        &lax::add(&a, &constant(size)),
                        &a,
                    );
                    let a = lax::broadcast_in_dim(
                        &jnp::broadcast_to(&a, &self.advanced),
                        &batch,
                        &advanced_axes,
                    );
                    valid = valid.map(|v| {
                        let inside = lax::bitwise_and(
                            &lax::ge(&a, &constant(0)),
                            &lax::lt(&a, &constant(size)),
                        );
                        lax::bitwise_and(&v, &inside)
                    });
                    a
                }
            };
            let mut column = batch.clone();
            column.push(1);
            components.push(lax::reshape(&component, &column));
        }
        let dims = IndexDims {
            window_dims,
            collapsed_dims: collapsed,
            operand_batching_dims: vec![],
            indices_batching_dims: vec![],
            index_map: (0..shape.len()).collect(),
            index_vector_dim: batch.len(),
        };
        let out = self.shape(false);
        let batch_axes: Vec<usize> = (0..out.len())
            .filter(|d| !dims.window_dims.contains(d))
            .collect();
        let valid =
            valid.map(|v| lax::broadcast_in_dim(&jnp::broadcast_to(&v, &batch), &out, &batch_axes));
        Ok(Gather {
            indices: lax::concatenate(&components, batch.len()),
            dims,
            slice_sizes,
            shape: out,
            valid,
        })
    }
}

/// A gather's (or scatter's) parameters for one index.
struct Gather {
    indices: Array,
    dims: IndexDims,
    slice_sizes: Vec<usize>,
    /// The gathered shape.
    shape: Vec<usize>,
    /// Which gathered elements lie in bounds (when asked for).
    valid: Option<Array>,
}

/// The value JAX's `mode="fill"` reads out of bounds, as a scalar of `dtype`.
fn fill_value(dtype: DType) -> Array {
    let bits = dtype.size_bytes() as u32 * 8;
    let zero = jnp::zeros(&[], dtype);
    match dtype {
        d if d.is_float() => lax::convert_element_type(&Array::scalar(f64::NAN), d),
        DType::Bool => Array::scalar(true),
        d if d.is_unsigned_int() => lax::not(&zero),
        d => lax::shift_left(
            &lax::convert_element_type(&Array::scalar(1i32), d),
            &lax::convert_element_type(&Array::scalar(bits as i32 - 1), d),
        ),
    }
}

/// `x[index]` in `mode`.
#[track_caller]
pub(crate) fn read(x: &Array, index: &[Index], mode: IndexMode) -> Array {
    fallible(|| {
        let r = Resolved::new(x, index)?;
        if !r.has_arrays() && mode == IndexMode::Clip {
            return r.sliced(x);
        }
        let shape = r.shape(true);
        if shape.contains(&0) {
            return Ok(jnp::zeros(&shape, x.dtype()?));
        }
        let g = r.gather(x, mode == IndexMode::Fill)?;
        let y = lax::gather(x, &g.indices, &g.dims, &g.slice_sizes);
        let y = match g.valid {
            Some(valid) => lax::select(
                &valid,
                &y,
                &lax::broadcast_in_dim(&fill_value(x.dtype()?), &g.shape, &[]),
            ),
            None => y,
        };
        Ok(lax::reshape(&y, &shape))
    })
}

impl Array {
    /// `x[index]` (NumPy indexing; out-of-bounds positions clamp, as in
    /// JAX). See [`crate::indexing`].
    ///
    /// ```
    /// use rjax::{Array, idx, indexing::Index};
    /// let x = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0], &[2, 3]);
    /// assert_eq!(x.get(idx![.., -1]).to_vec::<f32>().unwrap(), vec![3.0, 6.0]);
    /// assert_eq!(x.get(idx![Index::NewAxis, 1, ..2]).shape().unwrap(), [1, 2]);
    /// ```
    #[track_caller]
    pub fn get(&self, index: impl AsRef<[Index]>) -> Array {
        read(self, index.as_ref(), IndexMode::Clip)
    }

    /// JAX's `x.at[index]`: functional updates of the indexed elements.
    ///
    /// ```
    /// use rjax::{Array, idx};
    /// let x = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
    /// let i = Array::from_slice(&[0i32, 0, 7], &[3]);
    /// // Repeated positions accumulate; out-of-bounds ones are dropped.
    /// assert_eq!(x.at(idx![&i]).add(1.0).to_vec::<f32>().unwrap(), vec![3.0, 2.0, 3.0]);
    /// assert_eq!(x.at(idx![1..]).set(0.0).to_vec::<f32>().unwrap(), vec![1.0, 0.0, 0.0]);
    /// ```
    pub fn at(&self, index: impl AsRef<[Index]>) -> At {
        At {
            array: self.clone(),
            index: index.as_ref().to_vec(),
        }
    }
}

/// The indexed elements of an array, to read or to update functionally
/// (each update returns a new array). Made by [`Array::at`].
pub struct At {
    array: Array,
    index: Vec<Index>,
}

impl At {
    /// `x[index]`, reading out of bounds as `mode` says.
    #[track_caller]
    pub fn get(&self, mode: IndexMode) -> Array {
        read(&self.array, &self.index, mode)
    }

    /// The array with the indexed elements replaced by `values`
    /// (broadcast to `x[index]`'s shape, cast to the array's dtype).
    #[track_caller]
    pub fn set(&self, values: impl Into<Operand>) -> Array {
        self.update(ScatterOp::Set, values.into().0)
    }

    /// The array with `values` added at the indexed elements (repeated
    /// positions add repeatedly).
    #[track_caller]
    pub fn add(&self, values: impl Into<Operand>) -> Array {
        self.update(ScatterOp::Add, values.into().0)
    }

    /// The array with the indexed elements multiplied by `values`.
    #[track_caller]
    pub fn mul(&self, values: impl Into<Operand>) -> Array {
        self.update(ScatterOp::Mul, values.into().0)
    }

    /// The array with the indexed elements divided by `values`.
    #[track_caller]
    pub fn divide(&self, values: impl Into<Operand>) -> Array {
        let v = values.into().0;
        self.update(ScatterOp::Mul, jnp::reciprocal(&v))
    }

    /// The array with the indexed elements replaced by their minimum with
    /// `values`.
    #[track_caller]
    pub fn min(&self, values: impl Into<Operand>) -> Array {
        self.update(ScatterOp::Min, values.into().0)
    }

    /// The array with the indexed elements replaced by their maximum with
    /// `values`.
    #[track_caller]
    pub fn max(&self, values: impl Into<Operand>) -> Array {
        self.update(ScatterOp::Max, values.into().0)
    }

    #[track_caller]
    fn update(&self, op: ScatterOp, values: Array) -> Array {
        let x = &self.array;
        fallible(|| {
            let r = Resolved::new(x, &self.index)?;
            let target = r.shape(true);
            let a = values.aval()?;
            if rjax_ir::broadcast_shapes(&a.shape, &target).as_deref() != Some(&target[..]) {
                return Err(index_error(
                    x,
                    format!(
                        "values of shape {:?} do not broadcast to the indexed shape {target:?}",
                        a.shape
                    ),
                ));
            }
            if target.contains(&0) {
                return Ok(x.clone());
            }
            let g = r.gather(x, false)?;
            let values =
                jnp::broadcast_to(&lax::convert_element_type(&values, x.dtype()?), &target);
            let updates = lax::reshape(&values, &g.shape);
            Ok(lax::scatter_with(op, x, &g.indices, &updates, &g.dims))
        })
    }
}
