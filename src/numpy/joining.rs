//! Assembling and taking apart arrays: `block`, `hsplit`, `vsplit`,
//! `dsplit`, `unstack` and `rollaxis`.

use super::shape::axis_of;
use super::{concatenate, fallible, moveaxis, split};
use crate::{Array, lax, location};
use rjax_ir::{Error, ErrorKind};

/// A nested list of arrays for [`block`].
#[derive(Clone, Debug)]
pub enum Block {
    /// One array.
    Array(Array),
    /// A list of blocks, joined along one axis.
    List(Vec<Block>),
}

impl From<&Array> for Block {
    fn from(a: &Array) -> Block {
        Block::Array(a.clone())
    }
}

impl<T: Into<Block>> From<Vec<T>> for Block {
    fn from(items: Vec<T>) -> Block {
        Block::List(items.into_iter().map(Into::into).collect())
    }
}

impl Block {
    /// The nesting depth (every branch must agree) and the largest rank.
    fn depth_and_rank(&self) -> Result<(usize, usize), Error> {
        match self {
            Block::Array(a) => Ok((0, a.ndim()?)),
            Block::List(items) => {
                let mut depth = None;
                let mut rank = 0;
                for item in items {
                    let (d, r) = item.depth_and_rank()?;
                    if depth.is_some_and(|e| e != d) {
                        return Err(Error::new(
                            ErrorKind::Shape,
                            "block",
                            "the lists are nested to different depths",
                        )
                        .at(location::current()));
                    }
                    depth = Some(d);
                    rank = rank.max(r);
                }
                Ok((depth.unwrap_or(0) + 1, rank))
            }
        }
    }

    /// The block joined: innermost lists along the last axis, the lists
    /// around them along the axis before...
    fn join(&self, depth: usize, rank: usize) -> Array {
        match self {
            Block::Array(a) => {
                let missing = rank.saturating_sub(a.ndim().unwrap_or(rank));
                let shape: Vec<usize> = std::iter::repeat_n(1, missing)
                    .chain(a.shape().unwrap_or_default())
                    .collect();
                lax::reshape(a, &shape)
            }
            Block::List(items) => {
                let parts: Vec<Array> = items.iter().map(|b| b.join(depth - 1, rank)).collect();
                concatenate(&parts, -(depth as i64))
            }
        }
    }
}

/// The array assembled from a nested list of blocks, as numpy's `block`:
/// the innermost lists join along the last axis, the next along the one
/// before, and arrays gain leading axes to the larger of their rank and
/// the nesting depth.
///
/// ```
/// use rjax::{Array, numpy::{self as jnp, Block}};
/// let a = Array::from_slice(&[1.0f32, 2.0], &[1, 2]);
/// let b = Array::from_slice(&[3.0f32], &[1, 1]);
/// let m = jnp::block(&Block::from(vec![vec![&a, &b], vec![&b, &a]]));
/// assert_eq!(m.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0, 3.0, 1.0, 2.0]);
/// ```
#[track_caller]
pub fn block(arrays: &Block) -> Array {
    fallible(|| {
        let (depth, rank) = arrays.depth_and_rank()?;
        let rank = rank.max(depth);
        let out = arrays.join(depth, rank);
        out.check()?;
        Ok(out)
    })
}

/// `x` split into `sections` equal parts along axis 1 (axis 0 for 1-d).
#[track_caller]
pub fn hsplit(x: &Array, sections: usize) -> Vec<Array> {
    let axis = if x.ndim().unwrap_or(1) == 1 { 0 } else { 1 };
    split(x, sections, axis)
}

/// `x` split into `sections` equal parts along axis 0 (rank >= 2).
#[track_caller]
pub fn vsplit(x: &Array, sections: usize) -> Vec<Array> {
    split_needing(x, sections, 0, 2, "vsplit")
}

/// `x` split into `sections` equal parts along axis 2 (rank >= 3).
#[track_caller]
pub fn dsplit(x: &Array, sections: usize) -> Vec<Array> {
    split_needing(x, sections, 2, 3, "dsplit")
}

#[track_caller]
fn split_needing(x: &Array, sections: usize, axis: i64, rank: usize, op: &str) -> Vec<Array> {
    match x.ndim() {
        Ok(r) if r >= rank => split(x, sections, axis),
        Ok(_) => vec![Array::from_error(
            Error::new(
                ErrorKind::Shape,
                op,
                format!("needs an array of rank >= {rank}"),
            )
            .with_operands(x.aval().into_iter().collect())
            .at(location::current()),
        )],
        Err(e) => vec![Array::from_error(e)],
    }
}

/// The slices of `x` along `axis`, that axis removed.
#[track_caller]
pub fn unstack(x: &Array, axis: i64) -> Vec<Array> {
    lax::unstack(x, axis)
}

/// `x` with `axis` moved to stand before position `start` (numpy's older
/// [`moveaxis`]).
#[track_caller]
pub fn rollaxis(x: &Array, axis: i64, start: i64) -> Array {
    fallible(|| {
        let rank = x.ndim()? as i64;
        let ax = axis_of("rollaxis", x, axis)? as i64;
        if start < -rank || start > rank {
            return Err(Error::new(
                ErrorKind::Axis,
                "rollaxis",
                format!("start {start} is out of bounds for rank {rank}"),
            )
            .with_operands(vec![x.aval()?])
            .at(location::current()));
        }
        let mut start = if start < 0 { start + rank } else { start };
        if start > ax {
            start -= 1;
        }
        Ok(moveaxis(x, ax, start))
    })
}
