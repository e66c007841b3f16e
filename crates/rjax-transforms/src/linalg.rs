//! The rules of `cholesky` and `triangular_solve`: their JVPs, the
//! transpose of a solve in its right-hand side, and batching over leading
//! axes (which both primitives take natively).

use crate::batch::with_batch_axis;
use crate::ops::{add, broadcast, compare, mul, neg, scalar, select, zeros};
use rjax_ir::primitive::Comparison;
use rjax_ir::{DType, DotDims, Primitive, Result, TriangularSolveParams, Value, bind, bind1};

/// `x` solving the triangular system of `p` with matrix `a` and
/// right-hand side `b`.
fn solve(p: TriangularSolveParams, a: &Value, b: &Value) -> Result<Value> {
    bind1(&Primitive::TriangularSolve(p), &[a.clone(), b.clone()])
}

/// Matrix products over the last two axes, the leading ones batched.
fn matmul(x: &Value, y: &Value) -> Result<Value> {
    let r = x.aval().rank();
    let batch: Vec<usize> = (0..r - 2).collect();
    bind1(
        &Primitive::DotGeneral {
            dims: DotDims {
                lhs_contracting: vec![r - 1],
                rhs_contracting: vec![r - 2],
                lhs_batch: batch.clone(),
                rhs_batch: batch,
            },
            preferred_element_type: None,
        },
        &[x.clone(), y.clone()],
    )
}

/// `x` with its last two axes swapped.
fn swap_last(x: &Value) -> Result<Value> {
    let r = x.aval().rank();
    let mut permutation: Vec<usize> = (0..r).collect();
    permutation.swap(r - 2, r - 1);
    bind1(
        &Primitive::Transpose { permutation },
        std::slice::from_ref(x),
    )
}

/// `x` where row index `cmp` column index holds, zero elsewhere.
fn keep(x: &Value, cmp: Comparison) -> Result<Value> {
    let a = x.aval();
    let r = a.rank();
    let iota = |dimension: usize| {
        bind1(
            &Primitive::Iota {
                dtype: DType::I32,
                shape: a.shape[r - 2..].to_vec(),
                dimension,
            },
            &[],
        )
    };
    let mask = compare(cmp, &iota(0)?, &iota(1)?)?;
    let mask = broadcast(&mask, &a.shape, &[r - 2, r - 1])?;
    select(&mask, x, &zeros(&a)?)
}

/// The tangent of `l = cholesky(a)` along `ta`:
/// `l · Φ(l⁻¹ sym(ta) l⁻ᵀ)`, `Φ` keeping the lower triangle and half the
/// diagonal.
pub fn cholesky_jvp(l: &Value, ta: &Value) -> Result<Value> {
    let d = ta.aval().dtype;
    let l = keep(l, Comparison::Ge)?;
    let sym = mul(&add(ta, &swap_last(ta)?)?, &scalar(0.5, d))?;
    let lower = |left_side, transpose_a| TriangularSolveParams {
        left_side,
        lower: true,
        transpose_a,
        unit_diagonal: false,
    };
    let right = solve(lower(false, true), &l, &sym)?;
    let inner = solve(lower(true, false), &l, &right)?;
    let diagonal = mul(&keep(&inner, Comparison::Eq)?, &scalar(0.5, d))?;
    let phi = add(&keep(&inner, Comparison::Gt)?, &diagonal)?;
    matmul(&l, &phi)
}

/// The tangent of `x = solve(a, b)`: the solve of `tb`, minus the solve
/// of `op(ta)` applied to `x` (`ta` restricted to the triangle read).
pub(crate) fn triangular_solve_jvp(
    p: TriangularSolveParams,
    a: &Value,
    x: &Value,
    ta: Option<&Value>,
    tb: Option<&Value>,
) -> Result<Option<Value>> {
    let from_b = tb.map(|tb| solve(p, a, tb)).transpose()?;
    let from_a = ta
        .map(|ta| {
            let triangle = match (p.lower, p.unit_diagonal) {
                (true, false) => Comparison::Ge,
                (true, true) => Comparison::Gt,
                (false, false) => Comparison::Le,
                (false, true) => Comparison::Lt,
            };
            let ta = keep(ta, triangle)?;
            let op = if p.transpose_a { swap_last(&ta)? } else { ta };
            let product = if p.left_side {
                matmul(&op, x)?
            } else {
                matmul(x, &op)?
            };
            neg(&solve(p, a, &product)?)
        })
        .transpose()?;
    Ok(match (from_a, from_b) {
        (Some(u), Some(v)) => Some(add(&u, &v)?),
        (u, v) => u.or(v),
    })
}

/// The cotangent of a solve's right-hand side: the solve by the
/// transposed matrix.
pub(crate) fn triangular_solve_transpose(
    p: TriangularSolveParams,
    a: &Value,
    ct: &Value,
) -> Result<Value> {
    let transposed = TriangularSolveParams {
        transpose_a: !p.transpose_a,
        ..p
    };
    solve(transposed, a, ct)
}

/// `prim` with every operand's batch axis moved first (leading axes are
/// batch axes to both primitives).
pub(crate) fn batched(
    prim: &Primitive,
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<Value> {
    let moved = x
        .iter()
        .zip(d)
        .map(|(v, b)| with_batch_axis(v, *b, size, 0))
        .collect::<Result<Vec<_>>>()?;
    Ok(bind(prim, &moved)?.swap_remove(0))
}
