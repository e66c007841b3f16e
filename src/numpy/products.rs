//! Products: `outer`, `inner`, `vdot`, `kron`, `tensordot`, `einsum`.

use super::{Axes, fallible, promote_broadcast, ravel};
use crate::lax;
use crate::{Array, location};
use rjax_ir::{DotDims, Error, ErrorKind};

fn contract(a: &Array, b: &Array, lhs: Vec<usize>, rhs: Vec<usize>) -> Result<Array, Error> {
    let (a, b) = promote_dtype(a, b)?;
    let dims = DotDims {
        lhs_contracting: lhs,
        rhs_contracting: rhs,
        ..DotDims::default()
    };
    Ok(lax::dot_general(&a, &b, dims, None))
}

fn promote_dtype(a: &Array, b: &Array) -> Result<(Array, Array), Error> {
    let (aa, ba) = (a.aval()?, b.aval()?);
    let (d, _) = rjax_ir::promote_types((aa.dtype, aa.weak), (ba.dtype, ba.weak));
    Ok((super::cast(a, d, false), super::cast(b, d, false)))
}

/// The outer product of the flattened arrays.
#[track_caller]
pub fn outer(a: &Array, b: &Array) -> Array {
    fallible(|| contract(&ravel(a), &ravel(b), vec![], vec![]))
}

/// Sum product over the last axes of `a` and `b`.
#[track_caller]
pub fn inner(a: &Array, b: &Array) -> Array {
    fallible(|| {
        let (ra, rb) = (a.ndim()?, b.ndim()?);
        if ra == 0 || rb == 0 {
            return Ok(super::multiply(a, b));
        }
        contract(a, b, vec![ra - 1], vec![rb - 1])
    })
}

/// The dot product of the flattened arrays.
#[track_caller]
pub fn vdot(a: &Array, b: &Array) -> Array {
    fallible(|| contract(&ravel(a), &ravel(b), vec![0], vec![0]))
}

/// Contract the last `axes` axes of `a` with the first `axes` of `b`.
#[track_caller]
pub fn tensordot(a: &Array, b: &Array, axes: usize) -> Array {
    fallible(|| {
        let ra = a.ndim()?;
        Ok(tensordot_axes(
            a,
            b,
            &((ra.saturating_sub(axes)..ra)
                .map(|i| i as i64)
                .collect::<Vec<_>>()),
            &((0..axes).map(|i| i as i64).collect::<Vec<_>>()),
        ))
    })
}

/// Contract axes `a_axes` of `a` with `b_axes` of `b` (pairwise).
#[track_caller]
pub fn tensordot_axes(a: &Array, b: &Array, a_axes: &[i64], b_axes: &[i64]) -> Array {
    fallible(|| {
        let la = super::normalize_axes("tensordot", &Axes::Some(a_axes.to_vec()), a.ndim()?)?;
        let lb = super::normalize_axes("tensordot", &Axes::Some(b_axes.to_vec()), b.ndim()?)?;
        contract(a, b, la, lb)
    })
}

/// The Kronecker product.
#[track_caller]
pub fn kron(a: &Array, b: &Array) -> Array {
    fallible(|| {
        let rank = a.ndim()?.max(b.ndim()?);
        let lift = |x: &Array| -> Result<Array, Error> {
            let mut s = x.shape()?;
            while s.len() < rank {
                s.insert(0, 1);
            }
            Ok(lax::reshape(x, &s))
        };
        let (a, b) = (lift(a)?, lift(b)?);
        let (sa, sb) = (a.shape()?, b.shape()?);
        // a[i0, j0, ...] * b[i1, j1, ...] at (i0, i1, j0, j1, ...).
        let wide: Vec<usize> = (0..rank).flat_map(|i| [sa[i], sb[i]]).collect();
        let da: Vec<usize> = (0..rank).map(|i| 2 * i).collect();
        let db: Vec<usize> = (0..rank).map(|i| 2 * i + 1).collect();
        let (a, b) = promote_broadcast(
            "kron",
            &lax::broadcast_in_dim(&a, &wide, &da),
            &lax::broadcast_in_dim(&b, &wide, &db),
        )?;
        // Saturating: an overflowing size is already an error of the
        // broadcast, which the reshape passes on.
        let out: Vec<usize> = (0..rank).map(|i| sa[i].saturating_mul(sb[i])).collect();
        Ok(lax::reshape(&(&a * &b), &out))
    })
}

/// Einstein summation over explicit subscripts, e.g. `"ij,jk->ik"` or
/// `"bij,bjk->bik"`; without `->` the output is the letters used once, in
/// alphabetical order. Operands are contracted left to right; a letter
/// repeated within one operand takes its diagonal.
#[track_caller]
pub fn einsum(subscripts: &str, operands: &[Array]) -> Array {
    fallible(|| {
        let err = |m: String| Error::new(ErrorKind::Param, "einsum", m).at(location::current());
        let spec: String = subscripts.chars().filter(|c| !c.is_whitespace()).collect();
        let (inputs, output) = match spec.split_once("->") {
            Some((i, o)) => (i.to_string(), o.to_string()),
            None => {
                let mut once: Vec<char> = spec
                    .chars()
                    .filter(|c| c.is_alphabetic() && spec.matches(*c).count() == 1)
                    .collect();
                once.sort_unstable();
                (spec.clone(), once.into_iter().collect())
            }
        };
        let terms: Vec<Vec<char>> = inputs.split(',').map(|t| t.chars().collect()).collect();
        if terms.len() != operands.len() {
            return Err(err(format!(
                "{subscripts:?} names {} operands, got {}",
                terms.len(),
                operands.len()
            )));
        }
        let output: Vec<char> = output.chars().collect();
        check_subscripts(subscripts, &terms, &output, operands)?;
        let mut current: Option<(Array, Vec<char>)> = None;
        for (k, (term, x)) in terms.iter().zip(operands).enumerate() {
            if term.len() != x.ndim()? {
                return Err(err(format!(
                    "term {:?} does not fit an operand of rank {}",
                    term.iter().collect::<String>(),
                    x.ndim()?
                )));
            }
            let (x, term) = take_diagonals(x, term);
            // Letters still needed after this operand.
            let later: Vec<char> = terms[k + 1..]
                .iter()
                .flatten()
                .chain(&output)
                .copied()
                .collect();
            let (x, term) = sum_unneeded(&x, &term, &later, current.as_ref().map(|c| &c.1));
            current = Some(match current {
                None => (x, term),
                Some((acc, acc_term)) => pair(&acc, &acc_term, &x, &term, &later)?,
            });
        }
        let (acc, term) = current.ok_or_else(|| err("needs at least one operand".into()))?;
        let (acc, term) = sum_unneeded(&acc, &term, &output, None);
        let perm = output
            .iter()
            .map(|c| {
                term.iter()
                    .position(|t| t == c)
                    .ok_or_else(|| err(format!("output letter {c:?} is not in the inputs")))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(lax::transpose(&acc, &perm))
    })
}

/// The checks JAX makes before contracting: subscripts are ASCII letters,
/// output letters are distinct and appear in the inputs, and every letter
/// names axes of one size (within an operand too).
fn check_subscripts(
    subscripts: &str,
    terms: &[Vec<char>],
    output: &[char],
    operands: &[Array],
) -> Result<(), Error> {
    let avals = operands
        .iter()
        .map(Array::aval)
        .collect::<Result<Vec<_>, _>>()?;
    let err = |kind, m: String| {
        Error::new(kind, "einsum", m)
            .with_operands(avals.clone())
            .at(location::current())
    };
    let letters = terms.iter().flatten().chain(output);
    if let Some(c) = letters.clone().find(|c| !c.is_ascii_alphabetic()) {
        return Err(err(
            ErrorKind::Param,
            format!("{subscripts:?}: subscripts must be ASCII letters, found {c:?}"),
        ));
    }
    for (i, c) in output.iter().enumerate() {
        if output[..i].contains(c) || !terms.iter().flatten().any(|t| t == c) {
            return Err(err(
                ErrorKind::Param,
                format!("{subscripts:?}: output letter {c:?} is repeated or not in the inputs"),
            ));
        }
    }
    let mut sizes: Vec<(char, usize)> = Vec::new();
    for (term, aval) in terms.iter().zip(&avals) {
        for (c, &d) in term.iter().zip(&aval.shape) {
            match sizes.iter().find(|(l, _)| l == c) {
                Some(&(_, n)) if n != d => {
                    return Err(err(
                        ErrorKind::Shape,
                        format!("{subscripts:?}: letter {c:?} names axes of sizes {n} and {d}"),
                    ));
                }
                Some(_) => {}
                None => sizes.push((*c, d)),
            }
        }
    }
    Ok(())
}

/// Take the diagonal of letters repeated within one term.
fn take_diagonals(x: &Array, term: &[char]) -> (Array, Vec<char>) {
    let mut x = x.clone();
    let mut term = term.to_vec();
    while let Some((i, j)) = (0..term.len()).find_map(|i| {
        (i + 1..term.len())
            .find(|&j| term[j] == term[i])
            .map(|j| (i, j))
    }) {
        x = super::diagonal(&x, 0, i as i64, j as i64);
        let c = term[i];
        term.remove(j);
        term.remove(i);
        term.push(c);
    }
    (x, term)
}

/// Sum out the letters of `term` needed neither `later` nor by `other`.
fn sum_unneeded(
    x: &Array,
    term: &[char],
    later: &[char],
    other: Option<&Vec<char>>,
) -> (Array, Vec<char>) {
    let needed = |c: &char| later.contains(c) || other.is_some_and(|o| o.contains(c));
    let drop: Vec<usize> = (0..term.len()).filter(|&i| !needed(&term[i])).collect();
    if drop.is_empty() {
        return (x.clone(), term.to_vec());
    }
    let kept = term.iter().filter(|c| needed(c)).copied().collect();
    (lax::reduce_sum(x, &drop), kept)
}

/// Contract two operands: shared letters needed later are batch axes,
/// shared letters not needed later are contracted.
fn pair(
    a: &Array,
    ta: &[char],
    b: &Array,
    tb: &[char],
    later: &[char],
) -> Result<(Array, Vec<char>), Error> {
    let shared: Vec<char> = ta.iter().filter(|c| tb.contains(c)).copied().collect();
    let (batch, summed): (Vec<char>, Vec<char>) = shared.iter().partition(|c| later.contains(c));
    let pos = |t: &[char], c: &char| t.iter().position(|x| x == c).expect("letter");
    let dims = DotDims {
        lhs_contracting: summed.iter().map(|c| pos(ta, c)).collect(),
        rhs_contracting: summed.iter().map(|c| pos(tb, c)).collect(),
        lhs_batch: batch.iter().map(|c| pos(ta, c)).collect(),
        rhs_batch: batch.iter().map(|c| pos(tb, c)).collect(),
    };
    let (a, b) = promote_dtype(a, b)?;
    let out = lax::dot_general(&a, &b, dims, None);
    let free =
        |t: &[char]| -> Vec<char> { t.iter().filter(|c| !shared.contains(c)).copied().collect() };
    let term = batch
        .iter()
        .copied()
        .chain(free(ta))
        .chain(free(tb))
        .collect();
    Ok((out, term))
}
