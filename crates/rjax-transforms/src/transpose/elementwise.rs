//! Transposes of the elementwise primitives: negation, sums and
//! differences, products and quotients by a known factor, and selects.

use super::{Operand, not_linear};
use crate::ops::{
    binary as binary_op, div, mul, neg, select as select_n, unary as unary_op, unbroadcast, zeros,
};
use rjax_ir::primitive::{BinaryOp, UnaryOp};
use rjax_ir::{Primitive, Result, Value};

/// Of the unary functions negation, conjugation and the parts of complex
/// numbers are linear (over the reals). As in JAX, the transposes do not
/// conjugate: `real`'s is `ct + 0i`, `imag`'s is `0 - ct·i`.
pub(super) fn unary(op: UnaryOp, prim: &Primitive, ct: &Value) -> Result<Value> {
    use UnaryOp::*;
    let zero = || zeros(&ct.aval());
    match op {
        Neg => neg(ct),
        Conj => unary_op(Conj, ct),
        Real => binary_op(BinaryOp::Complex, ct, &zero()?),
        Imag => binary_op(BinaryOp::Complex, &zero()?, &neg(ct)?),
        Exp | Log | Log1p | Expm1 | Tanh | Logistic | Sin | Cos | Tan | Sqrt | Rsqrt | Abs
        | Sign | Floor | Ceil | Round | Not | IsFinite | Erf | ErfInv | Cbrt | Sinh | Cosh
        | Asin | Acos | Atan | Asinh | Acosh | Atanh | Lgamma | Digamma | Erfc | BesselI0e
        | BesselI1e | PopulationCount | Clz => Err(not_linear(prim)),
    }
}

/// Sums and differences in either operand; products in the operand the
/// other (known) one multiplies; quotients in the dividend.
pub(super) fn binary(
    op: BinaryOp,
    prim: &Primitive,
    x: &[Operand],
    ct: &Value,
) -> Result<Vec<Option<Value>>> {
    use BinaryOp::*;
    let linear = |i: usize| x[i].is_linear();
    let only = |i: usize, v: Value| -> Vec<Option<Value>> {
        (0..x.len()).map(|j| (j == i).then(|| v.clone())).collect()
    };
    Ok(match op {
        Add => vec![
            linear(0)
                .then(|| unbroadcast(ct, &x[0].aval()))
                .transpose()?,
            linear(1)
                .then(|| unbroadcast(ct, &x[1].aval()))
                .transpose()?,
        ],
        Sub => vec![
            linear(0)
                .then(|| unbroadcast(ct, &x[0].aval()))
                .transpose()?,
            linear(1)
                .then(|| unbroadcast(&neg(ct)?, &x[1].aval()))
                .transpose()?,
        ],
        Mul => {
            let (l, k) = if linear(0) { (0, 1) } else { (1, 0) };
            only(l, unbroadcast(&mul(ct, x[k].known(prim)?)?, &x[l].aval())?)
        }
        Div if linear(0) => only(0, unbroadcast(&div(ct, x[1].known(prim)?)?, &x[0].aval())?),
        Complex => {
            // Transposes of `re + 0i` and `0 + im·i`.
            let real = || unbroadcast(&unary_op(UnaryOp::Real, ct)?, &x[0].aval());
            let imag = || unbroadcast(&neg(&unary_op(UnaryOp::Imag, ct)?)?, &x[1].aval());
            vec![
                linear(0).then(real).transpose()?,
                linear(1).then(imag).transpose()?,
            ]
        }
        Div | Rem | Pow | Max | Min | Atan2 | And | Or | Xor | ShiftLeft | ShiftRightLogical
        | ShiftRightArithmetic | NextAfter | Polygamma | Zeta => return Err(not_linear(prim)),
    })
}

/// `select_n` is linear in its cases (the predicate is known).
pub(super) fn select(prim: &Primitive, x: &[Operand], ct: &Value) -> Result<Vec<Option<Value>>> {
    let pred = x[0].known(prim)?;
    let zero = zeros(&ct.aval())?;
    Ok(vec![
        None,
        x[1].is_linear()
            .then(|| select_n(pred, &zero, ct))
            .transpose()?,
        x[2].is_linear()
            .then(|| select_n(pred, ct, &zero))
            .transpose()?,
    ])
}
