//! One lowering rule per primitive (an exhaustive match).

use crate::collectives;
use crate::control;
use crate::emitter::Emitter;
use crate::types::tensor_type;
use rjax_ir::primitive::{ArgOp, BinaryOp, Comparison, ReduceOp, RngAlgorithm, UnaryOp};
use rjax_ir::{AVal, DType, Literal, Primitive, Result};

/// Emit `prim` applied to `operands` and return the names of its results.
pub(crate) fn lower_eqn(
    e: &mut Emitter,
    prim: &Primitive,
    operands: &[String],
    ins: &[AVal],
    outs: &[AVal],
) -> Result<Vec<String>> {
    use Primitive::*;
    if let Custom(c) = prim
        && let Some(call) = c.0.lowering()
    {
        return Ok(crate::custom_call::custom_call(
            e, &call, operands, ins, outs,
        ));
    }
    // Every other primitive is pure: one without results (a `cond` or loop whose
    // outputs are all unused) computes nothing.
    let Some(out) = outs.first() else {
        return Ok(Vec::new());
    };
    let t_out = tensor_type(out);
    let x = operands.first().cloned().unwrap_or_default();
    let sig = || signature(ins, out);
    let name = match prim {
        Unary(UnaryOp::IsFinite) => e.op(format!("stablehlo.is_finite {x} : {}", sig())),
        Unary(op) => match unary_op(*op) {
            Some(name) if name.starts_with("chlo.") => {
                e.op(format!("\"{name}\"({x}) : {}", sig()))
            }
            Some(name) => e.op(format!("{name} {x} : {t_out}")),
            None => crate::bessel::i0e(e, &x, out),
        },
        Binary(op @ (BinaryOp::NextAfter | BinaryOp::Polygamma | BinaryOp::Zeta)) => {
            let [a, b] = splat_scalars(e, operands, ins, out);
            e.op(format!(
                "\"{}\"({a}, {b}) : ({t_out}, {t_out}) -> {t_out}",
                binary_op(*op)
            ))
        }
        Binary(op) => {
            let [a, b] = splat_scalars(e, operands, ins, out);
            e.op(format!("{} {a}, {b} : {t_out}", binary_op(*op)))
        }
        Compare(cmp) => {
            let [a, b] = splat_scalars(e, operands, ins, out);
            let operand = ins[0].with_shape(out.shape.clone());
            e.op(format!(
                "stablehlo.compare  {}, {a}, {b},  {} : ({t}, {t}) -> {t_out}",
                comparison(*cmp),
                comparison_type(ins[0].dtype),
                t = tensor_type(&operand)
            ))
        }
        Select => {
            let (p, f, t) = (&operands[0], &operands[1], &operands[2]);
            e.op(format!(
                "stablehlo.select {p}, {t}, {f} : {}, {t_out}",
                tensor_type(&ins[0])
            ))
        }
        ConvertElementType { .. } => e.op(format!("stablehlo.convert {x} : {}", sig())),
        BitcastConvertType { .. } => e.op(format!("stablehlo.bitcast_convert {x} : {}", sig())),
        RngBitGenerator { algorithm, .. } => {
            return Ok(rng_bit_generator(e, &x, &outs[1], *algorithm));
        }
        Threefry2x32 => {
            let words: Vec<String> = (0..4)
                .map(|i| {
                    if ins[i].rank() == 0 && out.rank() > 0 {
                        e.splat(&operands[i], &ins[i], out)
                    } else {
                        operands[i].clone()
                    }
                })
                .collect();
            let words: [String; 4] = [0, 1, 2, 3].map(|i| words[i].clone());
            return Ok(crate::threefry::threefry2x32(e, words, out).to_vec());
        }
        BroadcastInDim {
            broadcast_dimensions,
            ..
        } => e.op(format!(
            "stablehlo.broadcast_in_dim {x}, dims = {} : {}",
            list(broadcast_dimensions),
            sig()
        )),
        Reshape { .. } | Squeeze { .. } | ExpandDims { .. } => {
            e.op(format!("stablehlo.reshape {x} : {}", sig()))
        }
        Transpose { permutation } => e.op(format!(
            "stablehlo.transpose {x}, dims = {} : {}",
            list(permutation),
            sig()
        )),
        Reduce { op, axes } => {
            let init = e.constant(&reduce_init(*op, ins[0].dtype));
            let t_init = tensor_type(&AVal::scalar(ins[0].dtype));
            e.op(format!(
                "stablehlo.reduce({x} init: {init}) applies {} across dimensions = {} : ({}, {t_init}) -> {t_out}",
                reduce_body(*op, ins[0].dtype),
                list(axes),
                tensor_type(&ins[0])
            ))
        }
        ArgReduce {
            op,
            axis,
            index_dtype,
        } => arg_reduce(e, &x, &ins[0], *op, *axis, *index_dtype, out),
        DotGeneral { dims, .. } if dims.lhs_contracting.iter().all(|&d| ins[0].shape[d] == 1) => {
            outer_product(e, operands, ins, dims, out)
        }
        DotGeneral { dims, .. } => {
            let batch = if dims.lhs_batch.is_empty() {
                String::new()
            } else {
                format!(
                    "batching_dims = {} x {}, ",
                    list(&dims.lhs_batch),
                    list(&dims.rhs_batch)
                )
            };
            e.op(format!(
                "stablehlo.dot_general {x}, {}, {batch}contracting_dims = {} x {} : {}",
                operands[1],
                list(&dims.lhs_contracting),
                list(&dims.rhs_contracting),
                sig()
            ))
        }
        Slice {
            start,
            limit,
            strides,
        } => {
            let ranges: Vec<String> = (0..start.len())
                .map(|i| match strides[i] {
                    1 => format!("{}:{}", start[i], limit[i]),
                    s => format!("{}:{}:{s}", start[i], limit[i]),
                })
                .collect();
            e.op(format!(
                "stablehlo.slice {x} [{}] : {}",
                ranges.join(", "),
                sig()
            ))
        }
        DynamicSlice { slice_sizes } => e.op(format!(
            "stablehlo.dynamic_slice {}, sizes = {} : {}",
            operands.join(", "),
            list(slice_sizes),
            sig()
        )),
        DynamicUpdateSlice => e.op(format!(
            "stablehlo.dynamic_update_slice {} : {}",
            operands.join(", "),
            sig()
        )),
        Concatenate { dimension } => e.op(format!(
            "stablehlo.concatenate {}, dim = {dimension} : {}",
            operands.join(", "),
            sig()
        )),
        Pad {
            low,
            high,
            interior,
        } => e.op(format!(
            "stablehlo.pad {x}, {}, low = {}, high = {}, interior = {} : {}",
            operands[1],
            list(low),
            list(high),
            list(interior),
            sig()
        )),
        Conv(p) => {
            let d = &p.dims;
            let pads: Vec<String> = p
                .padding
                .iter()
                .map(|(l, h)| format!("[{l}, {h}]"))
                .collect();
            e.op(format!(
                "stablehlo.convolution({x}, {}) dim_numbers = {}x{}->{}, window = {{stride = {}, pad = [{}], lhs_dilate = {}, rhs_dilate = {}}} {{batch_group_count = {} : i64, feature_group_count = {} : i64}} : {}",
                operands[1],
                d.lhs.mlir('b', 'f'),
                d.rhs.mlir('o', 'i'),
                d.out.mlir('b', 'f'),
                list(&p.window_strides),
                pads.join(", "),
                list(&p.lhs_dilation),
                list(&p.rhs_dilation),
                p.batch_group_count,
                p.feature_group_count,
                sig()
            ))
        }
        Cholesky => e.op(format!("\"stablehlo.cholesky\"({x}) {{lower = true}} : {}", sig())),
        TriangularSolve {
            left_side,
            lower,
            transpose_a,
            unit_diagonal,
        } => e.op(format!(
            "\"stablehlo.triangular_solve\"({x}, {}) {{left_side = {left_side}, lower = {lower}, unit_diagonal = {unit_diagonal}, transpose_a = #stablehlo<transpose {}>}} : {}",
            operands[1],
            if *transpose_a { "TRANSPOSE" } else { "NO_TRANSPOSE" },
            sig()
        )),
        Gather { dims, slice_sizes } => {
            crate::gather::gather(e, operands, ins, out, dims, slice_sizes)
        }
        Scatter { dims, op } => crate::gather::scatter(e, operands, ins, dims, *op),
        Rev { dimensions } => e.op(format!(
            "stablehlo.reverse {x}, dims = {} : {t_out}",
            list(dimensions)
        )),
        Sort {
            dimension,
            is_stable,
            num_keys,
        } => {
            return Ok(crate::sort::sort(
                e, operands, ins, *dimension, *is_stable, *num_keys,
            ));
        }
        Iota { dimension, .. } => e.op(format!("stablehlo.iota dim = {dimension} : {t_out}")),
        StopGradient => x,
        ReducePrecision {
            exponent_bits,
            mantissa_bits,
        } => e.op(format!(
            "stablehlo.reduce_precision {x}, format = e{exponent_bits}m{mantissa_bits} : {t_out}"
        )),
        AllReduce { op, axis_name } => {
            collectives::all_reduce(e, &x, &ins[0], *op, axis_name, prim.name())?
        }
        AllGather {
            axis_name,
            axis,
            tiled,
            ..
        } => collectives::all_gather(e, &x, &ins[0], *axis, *tiled, axis_name, out)?,
        AxisIndex { axis_name } => collectives::axis_index(e, axis_name)?,
        Ppermute { axis_name, perm } => {
            collectives::collective_permute(e, &x, &ins[0], axis_name, perm)?
        }
        AllToAll {
            axis_name,
            split_axis,
            concat_axis,
            ..
        } => collectives::all_to_all(
            e,
            &x,
            (&ins[0], out),
            axis_name,
            (*split_axis, *concat_axis),
        )?,
        PsumScatter {
            axis_name,
            scatter_dimension,
            ..
        } => collectives::reduce_scatter(e, &x, (&ins[0], out), axis_name, *scatter_dimension)?,
        Pmap {
            body,
            axis_name,
            mapped,
            ..
        } => return collectives::pmap(e, &body.0, axis_name, mapped, operands, (ins, outs)),
        Jit(call) => return e.jaxpr(&call.jaxpr, operands.to_vec()),
        Cond { branches } => {
            let js: Vec<&rjax_ir::Jaxpr> = branches.iter().map(|b| &*b.0).collect();
            return control::cond(e, operands, &js, outs);
        }
        Scan {
            body,
            length,
            reverse,
            num_consts,
            num_carry,
        } => {
            return control::scan(
                e,
                operands,
                ins,
                &body.0,
                (*length, *reverse),
                (*num_consts, *num_carry),
                outs,
            );
        }
        While {
            cond,
            body,
            cond_consts,
            body_consts,
        } => {
            return control::while_loop(
                e,
                operands,
                ins,
                &cond.0,
                &body.0,
                *cond_consts,
                *body_consts,
            );
        }
        Custom(c) => match c.0.jaxpr() {
            Some(j) => return e.jaxpr(j, operands.to_vec()),
            None => return Err(c.0.unsupported("lowering")),
        },
    };
    Ok(vec![name])
}

/// `(tensor<..>, tensor<..>) -> tensor<..>`
fn signature(ins: &[AVal], out: &AVal) -> String {
    let ts: Vec<String> = ins.iter().map(tensor_type).collect();
    format!("({}) -> {}", ts.join(", "), tensor_type(out))
}

pub(crate) fn list<T: ToString>(v: &[T]) -> String {
    format!(
        "[{}]",
        v.iter().map(T::to_string).collect::<Vec<_>>().join(", ")
    )
}

/// Operands of an elementwise op, with rank-0 ones broadcast to the result.
fn splat_scalars(e: &mut Emitter, operands: &[String], ins: &[AVal], out: &AVal) -> [String; 2] {
    let mut fit = |i: usize| {
        if ins[i].rank() == 0 && out.rank() > 0 {
            e.splat(&operands[i], &ins[i], out)
        } else {
            operands[i].clone()
        }
    };
    [fit(0), fit(1)]
}

/// The operation of a unary primitive; `None` for `bessel_i0e`, which is
/// spelled out by [`crate::bessel`].
fn unary_op(op: UnaryOp) -> Option<&'static str> {
    use UnaryOp::*;
    Some(match op {
        Neg => "stablehlo.negate",
        Exp => "stablehlo.exponential",
        Log => "stablehlo.log",
        Log1p => "stablehlo.log_plus_one",
        Expm1 => "stablehlo.exponential_minus_one",
        Tanh => "stablehlo.tanh",
        Logistic => "stablehlo.logistic",
        Sin => "stablehlo.sine",
        Cos => "stablehlo.cosine",
        Tan => "stablehlo.tan",
        Sqrt => "stablehlo.sqrt",
        Rsqrt => "stablehlo.rsqrt",
        Abs => "stablehlo.abs",
        Sign => "stablehlo.sign",
        Floor => "stablehlo.floor",
        Ceil => "stablehlo.ceil",
        Round => "stablehlo.round_nearest_even",
        Not => "stablehlo.not",
        IsFinite => "stablehlo.is_finite",
        Erf => "chlo.erf",
        ErfInv => "chlo.erf_inv",
        Cbrt => "stablehlo.cbrt",
        Sinh => "chlo.sinh",
        Cosh => "chlo.cosh",
        Asin => "chlo.asin",
        Acos => "chlo.acos",
        Atan => "chlo.atan",
        Asinh => "chlo.asinh",
        Acosh => "chlo.acosh",
        Atanh => "chlo.atanh",
        Lgamma => "chlo.lgamma",
        Digamma => "chlo.digamma",
        Erfc => "chlo.erfc",
        BesselI1e => "chlo.bessel_i1e",
        BesselI0e => return None,
        PopulationCount => "stablehlo.popcnt",
        Clz => "stablehlo.count_leading_zeros",
    })
}

fn binary_op(op: BinaryOp) -> &'static str {
    use BinaryOp::*;
    match op {
        Add => "stablehlo.add",
        Sub => "stablehlo.subtract",
        Mul => "stablehlo.multiply",
        Div => "stablehlo.divide",
        Rem => "stablehlo.remainder",
        Pow => "stablehlo.power",
        Max => "stablehlo.maximum",
        Min => "stablehlo.minimum",
        Atan2 => "stablehlo.atan2",
        And => "stablehlo.and",
        Or => "stablehlo.or",
        Xor => "stablehlo.xor",
        ShiftLeft => "stablehlo.shift_left",
        ShiftRightLogical => "stablehlo.shift_right_logical",
        ShiftRightArithmetic => "stablehlo.shift_right_arithmetic",
        NextAfter => "chlo.next_after",
        Polygamma => "chlo.polygamma",
        Zeta => "chlo.zeta",
    }
}

fn comparison(c: Comparison) -> &'static str {
    use Comparison::*;
    match c {
        Eq => "EQ",
        Ne => "NE",
        Lt => "LT",
        Le => "LE",
        Gt => "GT",
        Ge => "GE",
    }
}

pub(crate) fn comparison_type(d: DType) -> &'static str {
    if d.is_float() {
        "FLOAT"
    } else if d.is_signed_int() {
        "SIGNED"
    } else {
        "UNSIGNED"
    }
}

/// The identity of a reduction's monoid.
fn reduce_init(op: ReduceOp, d: DType) -> Literal {
    let extreme = |max: bool| match d {
        DType::Bool => Literal::bool(max),
        d if d.is_float() => Literal::float(
            if max {
                f64::INFINITY
            } else {
                f64::NEG_INFINITY
            },
            d,
            false,
        ),
        d if d.is_unsigned_int() => {
            if max {
                Literal {
                    dtype: d,
                    weak: false,
                    value: rjax_ir::Scalar::UInt(u64::MAX),
                }
                .cast(d)
            } else {
                Literal::int(0, d, false)
            }
        }
        d => Literal::int(if max { i64::MAX } else { i64::MIN }, d, false).cast(d),
    };
    match op {
        ReduceOp::Sum => Literal::int(0, d, false),
        ReduceOp::Prod => Literal::int(1, d, false),
        ReduceOp::Max => extreme(false),
        ReduceOp::Min => extreme(true),
        ReduceOp::Or | ReduceOp::Xor => Literal::int(0, d, false).cast(d),
        // All bits set.
        ReduceOp::And => Literal::int(-1, d, false).cast(d),
    }
}

/// The combining operation of a reduction (bool sums are `or`, products
/// `and`), shared by reductions and all-reduces.
pub(crate) fn reduce_body(op: ReduceOp, d: DType) -> &'static str {
    match (op, d) {
        (ReduceOp::Sum, DType::Bool) | (ReduceOp::Max, DType::Bool) => "stablehlo.or",
        (ReduceOp::Prod, DType::Bool) | (ReduceOp::Min, DType::Bool) => "stablehlo.and",
        (ReduceOp::Sum, _) => "stablehlo.add",
        (ReduceOp::Prod, _) => "stablehlo.multiply",
        (ReduceOp::Max, _) => "stablehlo.maximum",
        (ReduceOp::Min, _) => "stablehlo.minimum",
        (ReduceOp::And, _) => "stablehlo.and",
        (ReduceOp::Or, _) => "stablehlo.or",
        (ReduceOp::Xor, _) => "stablehlo.xor",
    }
}

/// argmax/argmin: a two-operand reduce over (value, index) that keeps the
/// first extreme index, with NaN counting as the extreme (as JAX does).
fn arg_reduce(
    e: &mut Emitter,
    x: &str,
    xa: &AVal,
    op: ArgOp,
    axis: usize,
    index_dtype: DType,
    out: &AVal,
) -> String {
    let idx_aval = xa.with_dtype(index_dtype);
    let iota = e.op(format!(
        "stablehlo.iota dim = {axis} : {}",
        tensor_type(&idx_aval)
    ));
    let init_v = e.constant(&reduce_init(
        if op == ArgOp::ArgMax {
            ReduceOp::Max
        } else {
            ReduceOp::Min
        },
        xa.dtype,
    ));
    let init_i = e.constant(&Literal::int(0, index_dtype, false));
    let (tv, ti) = (
        tensor_type(&AVal::scalar(xa.dtype)),
        tensor_type(&AVal::scalar(index_dtype)),
    );
    let bool_t = "tensor<i1>";
    let result = e.fresh();
    let dir = if op == ArgOp::ArgMax { "GT" } else { "LT" };
    let cmp_ty = comparison_type(xa.dtype);
    let mut body = vec![format!(
        "%better = stablehlo.compare  {dir}, %a, %b,  {cmp_ty} : ({tv}, {tv}) -> {bool_t}"
    )];
    if xa.dtype.is_float() {
        body.push(format!(
            "%nan = stablehlo.compare  NE, %a, %a,  FLOAT : ({tv}, {tv}) -> {bool_t}"
        ));
        body.push(format!("%pick0 = stablehlo.or %better, %nan : {bool_t}"));
    } else {
        body.push(format!("%pick0 = stablehlo.or %better, %better : {bool_t}"));
    }
    body.extend([
        format!("%eq = stablehlo.compare  EQ, %a, %b,  {cmp_ty} : ({tv}, {tv}) -> {bool_t}"),
        format!(
            "%first = stablehlo.compare  LT, %ia, %ib,  {} : ({ti}, {ti}) -> {bool_t}",
            comparison_type(index_dtype)
        ),
        format!("%tie = stablehlo.and %eq, %first : {bool_t}"),
        format!("%pick = stablehlo.or %pick0, %tie : {bool_t}"),
        format!("%v = stablehlo.select %pick, %a, %b : {bool_t}, {tv}"),
        format!("%i = stablehlo.select %pick, %ia, %ib : {bool_t}, {ti}"),
        format!("stablehlo.return %v, %i : {tv}, {ti}"),
    ]);
    let out_v = out.with_dtype(xa.dtype);
    e.line(format!(
        "{result}:2 = stablehlo.reduce({x} init: {init_v}), ({iota} init: {init_i}) across dimensions = [{axis}] : ({}, {}, {tv}, {ti}) -> ({}, {})",
        tensor_type(xa),
        tensor_type(&idx_aval),
        tensor_type(&out_v),
        tensor_type(out)
    ));
    e.line(format!(
        " reducer(%a: {tv}, %b: {tv}) (%ia: {ti}, %ib: {ti}) {{"
    ));
    for l in body {
        e.line(format!("  {l}"));
    }
    e.line(" }");
    format!("{result}#1")
}

/// A dot_general that contracts nothing (or only size-1 axes) is an outer
/// product: lower it to broadcasts and one multiply, which XLA fuses into a
/// single loop, instead of a matrix product with an inner dimension of 1
/// (slow on XLA's CPU backend; per-example gradients are full of them).
fn outer_product(
    e: &mut Emitter,
    operands: &[String],
    ins: &[AVal],
    dims: &rjax_ir::DotDims,
    out: &AVal,
) -> String {
    let nb = dims.lhs_batch.len();
    let lhs_free = (0..ins[0].rank())
        .filter(|i| !dims.lhs_batch.contains(i) && !dims.lhs_contracting.contains(i))
        .count();
    let side = |e: &mut Emitter,
                i: usize,
                batch: &[usize],
                contracting: &[usize],
                placed: Vec<usize>|
     -> String {
        let a = &ins[i];
        let free: Vec<usize> = (0..a.rank())
            .filter(|d| !batch.contains(d) && !contracting.contains(d))
            .collect();
        let order: Vec<usize> = batch
            .iter()
            .chain(&free)
            .chain(contracting)
            .copied()
            .collect();
        let mut v = operands[i].clone();
        let mut cur = a.clone();
        if order.iter().enumerate().any(|(k, &d)| k != d) {
            let t = cur.with_shape(order.iter().map(|&d| a.shape[d]).collect());
            v = e.op(format!(
                "stablehlo.transpose {v}, dims = {} : ({}) -> {}",
                list(&order),
                tensor_type(&cur),
                tensor_type(&t)
            ));
            cur = t;
        }
        let kept = cur.with_shape(cur.shape[..batch.len() + free.len()].to_vec());
        if kept.shape != cur.shape {
            v = e.op(format!(
                "stablehlo.reshape {v} : ({}) -> {}",
                tensor_type(&cur),
                tensor_type(&kept)
            ));
            cur = kept;
        }
        let target = out.with_dtype(cur.dtype);
        e.op(format!(
            "stablehlo.broadcast_in_dim {v}, dims = {} : ({}) -> {}",
            list(&placed),
            tensor_type(&cur),
            tensor_type(&target)
        ))
    };
    let lhs_placed: Vec<usize> = (0..nb + lhs_free).collect();
    let rhs_free = out.rank() - nb - lhs_free;
    let rhs_placed: Vec<usize> = (0..nb)
        .chain(nb + lhs_free..nb + lhs_free + rhs_free)
        .collect();
    let l = side(e, 0, &dims.lhs_batch, &dims.lhs_contracting, lhs_placed);
    let r = side(e, 1, &dims.rhs_batch, &dims.rhs_contracting, rhs_placed);
    let (l, r) = if ins[0].dtype == out.dtype {
        (l, r)
    } else {
        let from = out.with_dtype(ins[0].dtype);
        let conv = |e: &mut Emitter, v: String| {
            e.op(format!(
                "stablehlo.convert {v} : ({}) -> {}",
                tensor_type(&from),
                tensor_type(out)
            ))
        };
        (conv(e, l), conv(e, r))
    };
    e.op(format!(
        "stablehlo.multiply {l}, {r} : {}",
        tensor_type(out)
    ))
}

/// XLA's generator on the `uint32[4]` key viewed as `uint64[2]` (as JAX
/// lowers it); the new key is viewed back.
fn rng_bit_generator(
    e: &mut Emitter,
    key: &str,
    bits: &AVal,
    algorithm: RngAlgorithm,
) -> Vec<String> {
    let pairs = e.op(format!(
        "stablehlo.reshape {key} : (tensor<4xui32>) -> tensor<2x2xui32>"
    ));
    let state = e.op(format!(
        "stablehlo.bitcast_convert {pairs} : (tensor<2x2xui32>) -> tensor<2xui64>"
    ));
    let result = e.fresh();
    e.line(format!(
        "{result}:2 = \"stablehlo.rng_bit_generator\"({state}) {{rng_algorithm = #stablehlo<rng_algorithm {}>}} : (tensor<2xui64>) -> (tensor<2xui64>, {})",
        algorithm.name(),
        tensor_type(bits)
    ));
    let words = e.op(format!(
        "stablehlo.bitcast_convert {result}#0 : (tensor<2xui64>) -> tensor<2x2xui32>"
    ));
    let new_key = e.op(format!(
        "stablehlo.reshape {words} : (tensor<2x2xui32>) -> tensor<4xui32>"
    ));
    vec![new_key, format!("{result}#1")]
}
