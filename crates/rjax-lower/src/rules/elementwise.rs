//! Lowering of the elementwise primitives.

use super::Site;
use crate::emitter::Emitter;
use crate::types::tensor_type;
use rjax_ir::primitive::{BinaryOp, Comparison, UnaryOp};
use rjax_ir::{AVal, DType};

pub(super) fn unary(e: &mut Emitter, s: &Site, op: UnaryOp) -> String {
    let (x, out) = (&s.x, s.out);
    match (op, unary_op(op)) {
        (UnaryOp::IsFinite, _) => e.op(format!("stablehlo.is_finite {x} : {}", s.sig())),
        (UnaryOp::Conj, _) => conj(e, x, &s.ins[0]),
        // The generic form where the result type differs (chlo, and the
        // real results of complex operands).
        (_, Some(name)) if name.starts_with("chlo.") || s.ins[0].dtype != out.dtype => {
            e.op(format!("\"{name}\"({x}) : {}", s.sig()))
        }
        (_, Some(name)) => e.op(format!("{name} {x} : {}", s.t_out)),
        (_, None) => crate::bessel::i0e(e, x, out),
    }
}

pub(super) fn binary(e: &mut Emitter, s: &Site, op: BinaryOp) -> String {
    let [a, b] = splat_scalars(e, s.operands, s.ins, s.out);
    let (name, t_out) = (binary_op(op), &s.t_out);
    if op == BinaryOp::Complex {
        let t_in = tensor_type(&s.ins[0].with_shape(s.out.shape.clone()));
        e.op(format!(
            "\"{name}\"({a}, {b}) : ({t_in}, {t_in}) -> {t_out}"
        ))
    } else if name.starts_with("chlo.") {
        e.op(format!(
            "\"{name}\"({a}, {b}) : ({t_out}, {t_out}) -> {t_out}"
        ))
    } else {
        e.op(format!("{name} {a}, {b} : {t_out}"))
    }
}

pub(super) fn compare(e: &mut Emitter, s: &Site, cmp: Comparison) -> String {
    let [a, b] = splat_scalars(e, s.operands, s.ins, s.out);
    let operand = s.ins[0].with_shape(s.out.shape.clone());
    e.op(format!(
        "stablehlo.compare  {}, {a}, {b},  {} : ({t}, {t}) -> {}",
        comparison(cmp),
        comparison_type(s.ins[0].dtype),
        s.t_out,
        t = tensor_type(&operand)
    ))
}

/// `convert_element_type`; complex numbers become real ones by their real
/// part, as in JAX.
pub(super) fn convert(e: &mut Emitter, s: &Site) -> String {
    let (x, a) = (&s.x, &s.ins[0]);
    if a.dtype.is_complex() && !s.out.dtype.is_complex() {
        let part = a.with_dtype(a.dtype.real_dtype());
        let re = e.op(format!(
            "\"stablehlo.real\"({x}) : ({}) -> {}",
            tensor_type(a),
            tensor_type(&part)
        ));
        if part.dtype == s.out.dtype {
            return re;
        }
        return e.op(format!(
            "stablehlo.convert {re} : ({}) -> {}",
            tensor_type(&part),
            s.t_out
        ));
    }
    e.op(format!("stablehlo.convert {x} : {}", s.sig()))
}

pub(super) fn select(e: &mut Emitter, s: &Site) -> String {
    let (p, f, t) = (&s.operands[0], &s.operands[1], &s.operands[2]);
    e.op(format!(
        "stablehlo.select {p}, {t}, {f} : {}, {}",
        tensor_type(&s.ins[0]),
        s.t_out
    ))
}

/// The complex conjugate, which StableHLO spells with the parts:
/// `complex(real(x), -imag(x))`.
fn conj(e: &mut Emitter, x: &str, a: &AVal) -> String {
    let (t, t_part) = (
        tensor_type(a),
        tensor_type(&a.with_dtype(a.dtype.real_dtype())),
    );
    let re = e.op(format!("\"stablehlo.real\"({x}) : ({t}) -> {t_part}"));
    let im = e.op(format!("\"stablehlo.imag\"({x}) : ({t}) -> {t_part}"));
    let neg_im = e.op(format!("stablehlo.negate {im} : {t_part}"));
    e.op(format!(
        "\"stablehlo.complex\"({re}, {neg_im}) : ({t_part}, {t_part}) -> {t}"
    ))
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
/// spelled out by [`crate::bessel`], and `conj`, by [`conj`].
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
        Real => "stablehlo.real",
        Imag => "stablehlo.imag",
        // Spelled out by [`conj`].
        Conj => return None,
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
        Complex => "stablehlo.complex",
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
    if d.is_inexact() {
        "FLOAT"
    } else if d.is_signed_int() {
        "SIGNED"
    } else {
        "UNSIGNED"
    }
}
