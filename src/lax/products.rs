//! `lax.dot` and `lax.batch_matmul`: `dot_general` with the dimension
//! numbers of vector and matrix products.

use crate::lax::dot_general;
use crate::{Array, location};
use rjax_ir::{DType, DotDims, Error, ErrorKind};

/// `lax.dot`: without dimension numbers, the product of vectors and
/// matrices (rank 1 or 2), contracting the last axis of `lhs` with the
/// first of `rhs`; with them, [`dot_general`].
///
/// ```
/// use rjax::{lax, Array, DType};
/// let a = Array::from_slice(&[1i8, 2, 3, 4], &[2, 2]);
/// let v = Array::from_slice(&[100i8, 100], &[2]);
/// let y = lax::dot(&a, &v, None, Some(DType::I32));
/// assert_eq!(y.to_vec::<i32>().unwrap(), vec![300, 700]);
/// ```
#[track_caller]
pub fn dot(
    lhs: &Array,
    rhs: &Array,
    dims: Option<DotDims>,
    preferred_element_type: Option<DType>,
) -> Array {
    let dims = match dims {
        Some(d) => d,
        None => {
            let fit = |l: &[usize], r: &[usize]| {
                let ranks_fit = (1..=2).contains(&l.len()) && (1..=2).contains(&r.len());
                ranks_fit && l.last() == r.first()
            };
            match (lhs.shape(), rhs.shape()) {
                (Ok(l), Ok(r)) if fit(&l, &r) => DotDims {
                    lhs_contracting: vec![l.len() - 1],
                    rhs_contracting: vec![0],
                    ..DotDims::default()
                },
                // An operand's own error comes out first.
                _ => {
                    return shape_error(
                        "dot",
                        "without dimension numbers, needs vectors or matrices whose inner sizes \
                         agree",
                        &[lhs, rhs],
                    );
                }
            }
        }
    };
    dot_general(lhs, rhs, dims, preferred_element_type)
}

/// Matrix products over the last two axes, the leading ones batch axes
/// (both operands of one rank, at least 2).
///
/// ```
/// use rjax::{lax, numpy as jnp, DType};
/// let a = jnp::ones(&[4, 2, 3], DType::F32);
/// let b = jnp::ones(&[4, 3, 5], DType::F32);
/// assert_eq!(lax::batch_matmul(&a, &b).shape().unwrap(), [4, 2, 5]);
/// ```
#[track_caller]
pub fn batch_matmul(lhs: &Array, rhs: &Array) -> Array {
    let rank = match (lhs.ndim(), rhs.ndim()) {
        (Ok(l), Ok(r)) if l >= 2 && r == l => l,
        // An operand's own error comes out first.
        _ => {
            return shape_error(
                "batch_matmul",
                "needs operands of one rank, at least 2",
                &[lhs, rhs],
            );
        }
    };
    let batch: Vec<usize> = (0..rank - 2).collect();
    let dims = DotDims {
        lhs_contracting: vec![rank - 1],
        rhs_contracting: vec![rank - 2],
        lhs_batch: batch.clone(),
        rhs_batch: batch,
    };
    dot_general(lhs, rhs, dims, None)
}

/// A shape error naming the operands (or the first error they hold).
#[track_caller]
fn shape_error(op: &str, message: &str, operands: &[&Array]) -> Array {
    let avals = operands
        .iter()
        .map(|a| a.aval())
        .collect::<rjax_ir::Result<Vec<_>>>();
    let e = match avals {
        Ok(avals) => Error::new(ErrorKind::Shape, op, message)
            .with_operands(avals)
            .at(location::current()),
        Err(e) => e,
    };
    Array::from_error(e)
}
