//! Transposition of linear Jaxprs: run a linear program backwards, turning
//! output cotangents into input cotangents. One rule per linear primitive.

use crate::ops::{self, add, convert, div, mul, neg, reshape, scalar, select, unbroadcast, zeros};
use rjax_ir::primitive::{BinaryOp, ReduceOp, UnaryOp};
use rjax_ir::{
    AVal, Atom, DotDims, Error, ErrorKind, Jaxpr, Primitive, Result, ScatterOp, Value, bind, bind1,
};
use std::collections::HashMap;

/// An equation operand during transposition: a linear input (only its
/// abstract value is known) or a known value (residual or literal).
enum Operand {
    Linear(AVal),
    Known(Value),
}

impl Operand {
    fn aval(&self) -> AVal {
        match self {
            Operand::Linear(a) => a.clone(),
            Operand::Known(v) => v.aval(),
        }
    }
    fn known(&self, prim: &Primitive) -> Result<&Value> {
        match self {
            Operand::Known(v) => Ok(v),
            Operand::Linear(_) => Err(not_linear(prim)),
        }
    }
}

fn not_linear(prim: &Primitive) -> Error {
    Error::new(
        ErrorKind::Param,
        prim.name(),
        "is not linear in the operands being transposed",
    )
}

/// Cotangents of the inputs of the linear `jaxpr` (constants: `residuals`)
/// given cotangents of its outputs. Inputs reached by no cotangent get
/// zeros.
pub fn transpose(jaxpr: &Jaxpr, residuals: &[Value], cotangents: &[Value]) -> Result<Vec<Value>> {
    let mut known: HashMap<u32, Value> = jaxpr
        .constvars
        .iter()
        .map(|v| v.id)
        .zip(residuals.iter().cloned())
        .collect();
    // Equations on known values only (a recomputation of primal values, as
    // in the tangent programs of control flow) run forward first.
    for eqn in &jaxpr.eqns {
        let inputs: Option<Vec<Value>> = eqn
            .inputs
            .iter()
            .map(|a| match a {
                Atom::Lit(l) => Some(Value::Literal(*l)),
                Atom::Var(v) => known.get(&v.id).cloned(),
            })
            .collect();
        if let Some(inputs) = inputs {
            for (v, x) in eqn.outputs.iter().zip(bind(&eqn.prim, &inputs)?) {
                known.insert(v.id, x);
            }
        }
    }
    let mut ct: HashMap<u32, Value> = HashMap::new();
    let accumulate = |ct: &mut HashMap<u32, Value>, id: u32, v: Value| -> Result<()> {
        let total = match ct.remove(&id) {
            Some(prev) => add(&prev, &v)?,
            None => v,
        };
        ct.insert(id, total);
        Ok(())
    };
    for (atom, c) in jaxpr.outvars.iter().zip(cotangents) {
        if let Atom::Var(v) = atom {
            if !known.contains_key(&v.id) {
                accumulate(&mut ct, v.id, c.clone())?;
            }
        }
    }
    for eqn in jaxpr
        .eqns
        .iter()
        .rev()
        .filter(|e| !e.outputs.iter().all(|v| known.contains_key(&v.id)))
    {
        let out_cts: Vec<Option<Value>> = eqn.outputs.iter().map(|v| ct.remove(&v.id)).collect();
        if out_cts.iter().all(Option::is_none) {
            continue;
        }
        let out_cts = eqn
            .outputs
            .iter()
            .zip(out_cts)
            .map(|(v, c)| c.map_or_else(|| zeros(&v.aval), Ok))
            .collect::<Result<Vec<Value>>>()?;
        let operands: Vec<Operand> = eqn
            .inputs
            .iter()
            .map(|a| match a {
                Atom::Lit(l) => Operand::Known(Value::Literal(*l)),
                Atom::Var(v) => match known.get(&v.id) {
                    Some(x) => Operand::Known(x.clone()),
                    None => Operand::Linear(v.aval.clone()),
                },
            })
            .collect();
        // Rules over nested programs see the known operands' values.
        let known = || -> Vec<Option<Value>> {
            operands
                .iter()
                .map(|o| match o {
                    Operand::Known(v) => Some(v.clone()),
                    Operand::Linear(_) => None,
                })
                .collect()
        };
        let in_cts = match &eqn.prim {
            Primitive::Scan(p) => crate::control::scan_transpose(p, &known(), &out_cts)?,
            Primitive::Cond { branches } => {
                crate::control::cond_transpose(branches, &known(), &out_cts)?
            }
            Primitive::Pmap(p) => crate::spmd::pmap_transpose(p, &known(), &out_cts)?,
            Primitive::Custom(c) => c.0.transpose(&known(), &out_cts)?,
            Primitive::Sort {
                dimension,
                num_keys,
                ..
            } => sort_transpose(*dimension, *num_keys, &operands, &out_cts)?,
            prim => transpose_rule(prim, &operands, &out_cts[0])?,
        };
        for ((atom, operand), c) in eqn.inputs.iter().zip(&operands).zip(in_cts) {
            if let (Atom::Var(v), Operand::Linear(_), Some(c)) = (atom, operand, c) {
                accumulate(&mut ct, v.id, c)?;
            }
        }
    }
    jaxpr
        .invars
        .iter()
        .map(|v| match ct.remove(&v.id) {
            Some(c) => Ok(c),
            None => zeros(&v.aval),
        })
        .collect()
}

/// Cotangents of a linear primitive's operands (`None` for known ones).
fn transpose_rule(prim: &Primitive, x: &[Operand], ct: &Value) -> Result<Vec<Option<Value>>> {
    use Primitive::*;
    let linear = |i: usize| matches!(x[i], Operand::Linear(_));
    let only = |i: usize, v: Value| -> Vec<Option<Value>> {
        (0..x.len())
            .map(|j| if j == i { Some(v.clone()) } else { None })
            .collect()
    };
    Ok(match prim {
        Unary(UnaryOp::Neg) => vec![Some(neg(ct)?)],
        ReducePrecision { .. } => vec![Some(bind1(prim, std::slice::from_ref(ct))?)],
        AllReduce {
            op: ReduceOp::Sum, ..
        } => vec![Some(bind1(prim, std::slice::from_ref(ct))?)],
        Binary(BinaryOp::Add) => vec![
            linear(0)
                .then(|| unbroadcast(ct, &x[0].aval()))
                .transpose()?,
            linear(1)
                .then(|| unbroadcast(ct, &x[1].aval()))
                .transpose()?,
        ],
        Binary(BinaryOp::Sub) => vec![
            linear(0)
                .then(|| unbroadcast(ct, &x[0].aval()))
                .transpose()?,
            linear(1)
                .then(|| unbroadcast(&neg(ct)?, &x[1].aval()))
                .transpose()?,
        ],
        Binary(BinaryOp::Mul) => {
            let (l, k) = if linear(0) { (0, 1) } else { (1, 0) };
            only(l, unbroadcast(&mul(ct, x[k].known(prim)?)?, &x[l].aval())?)
        }
        Binary(BinaryOp::Div) if linear(0) => {
            only(0, unbroadcast(&div(ct, x[1].known(prim)?)?, &x[0].aval())?)
        }
        ConvertElementType { .. } => vec![Some(convert(ct, x[0].aval().dtype)?)],
        Reshape { .. } | Squeeze { .. } | ExpandDims { .. } => {
            vec![Some(reshape(ct, &x[0].aval().shape)?)]
        }
        Transpose { permutation } => {
            let mut inverse = vec![0; permutation.len()];
            for (i, &p) in permutation.iter().enumerate() {
                inverse[p] = i;
            }
            vec![Some(bind1(
                &Transpose {
                    permutation: inverse,
                },
                std::slice::from_ref(ct),
            )?)]
        }
        BroadcastInDim {
            shape,
            broadcast_dimensions,
        } => {
            let operand = x[0].aval();
            let summed: Vec<usize> = (0..shape.len())
                .filter(|d| match broadcast_dimensions.iter().position(|b| b == d) {
                    None => true,
                    Some(i) => operand.shape[i] != shape[*d],
                })
                .collect();
            vec![Some(reshape(
                &ops::reduce_sum(ct, &summed)?,
                &operand.shape,
            )?)]
        }
        Reduce {
            op: ReduceOp::Sum,
            axes,
        } => {
            let operand = x[0].aval();
            let kept: Vec<usize> = (0..operand.rank()).filter(|i| !axes.contains(i)).collect();
            vec![Some(ops::broadcast(ct, &operand.shape, &kept)?)]
        }
        Select => {
            let pred = x[0].known(prim)?;
            let zero = zeros(&ct.aval())?;
            vec![
                None,
                linear(1).then(|| select(pred, &zero, ct)).transpose()?,
                linear(2).then(|| select(pred, ct, &zero)).transpose()?,
            ]
        }
        Slice { start, strides, .. } => {
            let operand = x[0].aval();
            let out = ct.aval();
            let config = (0..operand.rank())
                .map(|i| {
                    let n = out.shape[i];
                    let covered = if n == 0 {
                        0
                    } else {
                        start[i] + 1 + (n - 1) * strides[i]
                    };
                    (
                        start[i] as i64,
                        operand.shape[i] as i64 - covered.max(start[i]) as i64,
                        strides[i].saturating_sub(1),
                    )
                })
                .collect::<Vec<_>>();
            vec![Some(pad(ct, &scalar(0.0, operand.dtype), &config)?)]
        }
        Pad {
            low,
            high,
            interior,
        } => {
            let operand = x[0].aval();
            let unpadded = pad(
                ct,
                &scalar(0.0, operand.dtype),
                &(0..low.len())
                    .map(|i| (-low[i], -high[i], 0))
                    .collect::<Vec<_>>(),
            )?;
            let limit = unpadded.aval().shape;
            let strides: Vec<usize> = interior.iter().map(|i| i + 1).collect();
            let t_operand = bind1(
                &Slice {
                    start: vec![0; limit.len()],
                    limit,
                    strides,
                },
                &[unpadded],
            )?;
            let all: Vec<usize> = (0..operand.rank()).collect();
            let t_value = ops::sub(
                &ops::reduce_sum(ct, &all)?,
                &ops::reduce_sum(&t_operand, &all)?,
            )?;
            vec![linear(0).then_some(t_operand), linear(1).then_some(t_value)]
        }
        Concatenate { dimension } => {
            let mut offset = 0;
            x.iter()
                .map(|op| {
                    let a = op.aval();
                    let mut start = vec![0; a.rank()];
                    let mut limit = ct.aval().shape;
                    start[*dimension] = offset;
                    limit[*dimension] = offset + a.shape[*dimension];
                    offset += a.shape[*dimension];
                    matches!(op, Operand::Linear(_))
                        .then(|| {
                            bind1(
                                &Slice {
                                    start,
                                    limit,
                                    strides: vec![1; a.rank()],
                                },
                                std::slice::from_ref(ct),
                            )
                        })
                        .transpose()
                })
                .collect::<Result<_>>()?
        }
        DynamicSlice { .. } => {
            let idx = x[1..]
                .iter()
                .map(|o| o.known(prim).cloned())
                .collect::<Result<Vec<_>>>()?;
            let base = zeros(&x[0].aval())?;
            let args: Vec<Value> = [base, ct.clone()].into_iter().chain(idx).collect();
            only(0, bind1(&DynamicUpdateSlice, &args)?)
        }
        DynamicUpdateSlice => {
            let idx = x[2..]
                .iter()
                .map(|o| o.known(prim).cloned())
                .collect::<Result<Vec<_>>>()?;
            let update = x[1].aval();
            let hole: Vec<Value> = [ct.clone(), zeros(&update)?]
                .into_iter()
                .chain(idx.iter().cloned())
                .collect();
            let piece: Vec<Value> = std::iter::once(ct.clone()).chain(idx).collect();
            let mut out = vec![
                linear(0)
                    .then(|| bind1(&DynamicUpdateSlice, &hole))
                    .transpose()?,
                linear(1)
                    .then(|| {
                        bind1(
                            &DynamicSlice {
                                slice_sizes: update.shape.clone(),
                            },
                            &piece,
                        )
                    })
                    .transpose()?,
            ];
            out.resize_with(x.len(), || None);
            out
        }
        DotGeneral {
            dims,
            preferred_element_type,
        } => {
            if linear(0) {
                let rhs = x[1].known(prim)?;
                let t =
                    dot_transpose_lhs(ct, &x[0].aval(), rhs, dims, false, *preferred_element_type)?;
                vec![Some(t), None]
            } else {
                let lhs = x[0].known(prim)?;
                let swapped = DotDims {
                    lhs_contracting: dims.rhs_contracting.clone(),
                    rhs_contracting: dims.lhs_contracting.clone(),
                    lhs_batch: dims.rhs_batch.clone(),
                    rhs_batch: dims.lhs_batch.clone(),
                };
                let t = dot_transpose_lhs(
                    ct,
                    &x[1].aval(),
                    lhs,
                    &swapped,
                    true,
                    *preferred_element_type,
                )?;
                vec![None, Some(t)]
            }
        }
        Conv(p) => {
            if linear(0) {
                let rhs = x[1].known(prim)?;
                vec![
                    Some(crate::conv::transpose_lhs(p, ct, &x[0].aval(), rhs)?),
                    None,
                ]
            } else {
                let lhs = x[0].known(prim)?;
                vec![
                    None,
                    Some(crate::conv::transpose_rhs(p, ct, lhs, &x[1].aval())?),
                ]
            }
        }
        Rev { .. } => vec![Some(bind1(prim, std::slice::from_ref(ct))?)],
        TriangularSolve(p) if !linear(0) => {
            let a = x[0].known(prim)?;
            vec![
                None,
                Some(crate::linalg::triangular_solve_transpose(*p, a, ct)?),
            ]
        }
        Gather { dims, slice_sizes } => {
            let indices = x[1].known(prim)?;
            let t = crate::gather::gather_transpose(dims, slice_sizes, ct, &x[0].aval(), indices)?;
            vec![Some(t), None]
        }
        Scatter {
            dims,
            op: ScatterOp::Add,
        } => {
            let indices = x[1].known(prim)?;
            let updates = linear(2)
                .then(|| {
                    crate::gather::scatter_add_updates_transpose(dims, ct, indices, &x[2].aval())
                })
                .transpose()?;
            vec![linear(0).then(|| ct.clone()), None, updates]
        }
        Scatter {
            dims,
            op: ScatterOp::Mul,
        } if !linear(2) => {
            let (indices, updates) = (x[1].known(prim)?, x[2].known(prim)?);
            let t = crate::gather::scatter_mul_transpose(dims, ct, indices, updates)?;
            vec![Some(t), None, None]
        }
        While(_) => {
            return Err(Error::new(
                ErrorKind::Param,
                "while",
                "reverse-mode differentiation does not work through while_loop (its trip count is not known in advance); use scan, or fori_loop with static bounds",
            ));
        }
        Ppermute { .. } | AllToAll { .. } | PsumScatter { .. } | AllGather { .. } => {
            vec![crate::spmd::collective_transpose(prim, ct, &x[0].aval())?]
        }
        _ => return Err(not_linear(prim)),
    })
}

/// A sort linear in its non-key operands permutes them as it sorts the
/// (known) keys; its transpose applies the inverse permutation, found by
/// sorting the permutation itself.
fn sort_transpose(
    dimension: usize,
    num_keys: usize,
    x: &[Operand],
    cts: &[Value],
) -> Result<Vec<Option<Value>>> {
    let prim = |num_keys: usize| Primitive::Sort {
        dimension,
        is_stable: true,
        num_keys,
    };
    let sort = |num_keys: usize, args: &[Value]| bind(&prim(num_keys), args);
    let keys = x[..num_keys]
        .iter()
        .map(|k| k.known(&prim(num_keys)).cloned())
        .collect::<Result<Vec<_>>>()?;
    let shape = x[0].aval().shape;
    let iota = bind1(
        &Primitive::Iota {
            dtype: rjax_ir::DType::I32,
            shape,
            dimension,
        },
        &[],
    )?;
    let permutation = sort(num_keys, &[keys, vec![iota]].concat())?.swap_remove(num_keys);
    let mut out: Vec<Option<Value>> = vec![None; num_keys];
    for (operand, ct) in x[num_keys..].iter().zip(&cts[num_keys..]) {
        out.push(match operand {
            Operand::Linear(_) => Some(sort(1, &[permutation.clone(), ct.clone()])?.swap_remove(1)),
            Operand::Known(_) => None,
        });
    }
    Ok(out)
}

fn pad(x: &Value, value: &Value, config: &[(i64, i64, usize)]) -> Result<Value> {
    bind1(
        &Primitive::Pad {
            low: config.iter().map(|c| c.0).collect(),
            high: config.iter().map(|c| c.1).collect(),
            interior: config.iter().map(|c| c.2).collect(),
        },
        &[x.clone(), value.clone()],
    )
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
    preferred: Option<rjax_ir::DType>,
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
