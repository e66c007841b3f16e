//! Transposes of the products: `dot_general` and convolutions in either
//! operand, triangular solves in their right-hand side.

use super::{Operand, not_linear};
use crate::ops::convert;
use rjax_ir::{
    AVal, ConvParams, DType, DotDims, Primitive, Result, TriangularSolveParams, Value, bind1,
};

/// Cotangents of a dot_general linear in one operand (the other known).
pub(super) fn dot_general(
    prim: &Primitive,
    dims: &DotDims,
    preferred: Option<DType>,
    x: &[Operand],
    ct: &Value,
) -> Result<Vec<Option<Value>>> {
    if x[0].is_linear() {
        let rhs = x[1].known(prim)?;
        let t = dot_transpose_lhs(ct, &x[0].aval(), rhs, dims, false, preferred)?;
        Ok(vec![Some(t), None])
    } else {
        let lhs = x[0].known(prim)?;
        let swapped = DotDims {
            lhs_contracting: dims.rhs_contracting.clone(),
            rhs_contracting: dims.lhs_contracting.clone(),
            lhs_batch: dims.rhs_batch.clone(),
            rhs_batch: dims.lhs_batch.clone(),
        };
        let t = dot_transpose_lhs(ct, &x[1].aval(), lhs, &swapped, true, preferred)?;
        Ok(vec![None, Some(t)])
    }
}

/// Cotangents of a convolution linear in one operand (the other known).
pub(super) fn conv(
    p: &ConvParams,
    prim: &Primitive,
    x: &[Operand],
    ct: &Value,
) -> Result<Vec<Option<Value>>> {
    if x[0].is_linear() {
        let rhs = x[1].known(prim)?;
        let t = crate::conv::transpose_lhs(p, ct, &x[0].aval(), rhs)?;
        Ok(vec![Some(t), None])
    } else {
        let lhs = x[0].known(prim)?;
        let t = crate::conv::transpose_rhs(p, ct, lhs, &x[1].aval())?;
        Ok(vec![None, Some(t)])
    }
}

/// A triangular solve is linear in its right-hand side (the matrix known).
pub(super) fn triangular_solve(
    p: TriangularSolveParams,
    prim: &Primitive,
    x: &[Operand],
    ct: &Value,
) -> Result<Vec<Option<Value>>> {
    if x[0].is_linear() {
        return Err(not_linear(prim));
    }
    let a = x[0].known(prim)?;
    let t = crate::linalg::triangular_solve_transpose(p, a, ct)?;
    Ok(vec![None, Some(t)])
}

/// The cotangent of a dot_general's left operand `x` (of aval `x_aval`)
/// given the result cotangent `g` and the right operand `y`. With `swapped`,
/// `x` is really the right operand and the result's free axes come in the
/// other order.
fn dot_transpose_lhs(
    g: &Value,
    x_aval: &AVal,
    y: &Value,
    dims: &DotDims,
    swapped: bool,
    preferred: Option<DType>,
) -> Result<Value> {
    let y_rank = y.aval().rank();
    let free = |rank: usize, a: &[usize], b: &[usize]| -> Vec<usize> {
        (0..rank)
            .filter(|i| !a.contains(i) && !b.contains(i))
            .collect()
    };
    let x_kept = free(x_aval.rank(), &dims.lhs_contracting, &dims.lhs_batch);
    let y_kept = free(y_rank, &dims.rhs_contracting, &dims.rhs_batch);
    let nb = dims.lhs_batch.len();
    // Result axes: batch, then lhs free, then rhs free (swapped: the other way).
    let ans_batch: Vec<usize> = (0..nb).collect();
    let ans_y: Vec<usize> = if swapped {
        (nb..nb + y_kept.len()).collect()
    } else {
        (nb + x_kept.len()..nb + x_kept.len() + y_kept.len()).collect()
    };
    let g_dims = DotDims {
        lhs_contracting: ans_y,
        rhs_contracting: y_kept,
        lhs_batch: ans_batch,
        rhs_batch: dims.rhs_batch.clone(),
    };
    // The product's axes: batch, x kept, then x's contracting axes ordered
    // by y's — or, with the operands swapped, the last two groups swapped.
    // Take whichever order is already x's, to spare XLA a transpose.
    let mut order: Vec<usize> = (0..dims.rhs_contracting.len()).collect();
    order.sort_by_key(|&i| dims.rhs_contracting[i]);
    let x_contract_by_y: Vec<usize> = order.iter().map(|&i| dims.lhs_contracting[i]).collect();
    let batch = dims.lhs_batch.iter();
    let kept_first: Vec<usize> = batch
        .clone()
        .chain(&x_kept)
        .chain(&x_contract_by_y)
        .copied()
        .collect();
    let contract_first: Vec<usize> = batch
        .chain(&x_contract_by_y)
        .chain(&x_kept)
        .copied()
        .collect();
    let is_identity = |l: &[usize]| l.iter().enumerate().all(|(i, &a)| i == a);
    let swap = !is_identity(&kept_first) && is_identity(&contract_first);
    let (layout, prod) = if swap {
        let swapped = DotDims {
            lhs_contracting: g_dims.rhs_contracting.clone(),
            rhs_contracting: g_dims.lhs_contracting.clone(),
            lhs_batch: g_dims.rhs_batch.clone(),
            rhs_batch: g_dims.lhs_batch.clone(),
        };
        let p = bind1(
            &Primitive::DotGeneral {
                dims: swapped,
                preferred_element_type: preferred,
            },
            &[y.clone(), g.clone()],
        )?;
        (contract_first, p)
    } else {
        let p = bind1(
            &Primitive::DotGeneral {
                dims: g_dims,
                preferred_element_type: preferred,
            },
            &[g.clone(), y.clone()],
        )?;
        (kept_first, p)
    };
    let mut perm = vec![0; layout.len()];
    for (pos, &axis) in layout.iter().enumerate() {
        perm[axis] = pos;
    }
    let out = if is_identity(&perm) {
        prod
    } else {
        bind1(&Primitive::Transpose { permutation: perm }, &[prod])?
    };
    convert(&out, x_aval.dtype)
}
