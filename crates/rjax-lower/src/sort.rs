//! `sort` as `stablehlo.sort` with a lexicographic comparator over the key
//! operands (floats in total order once -0.0 is made +0.0 and every NaN
//! the positive quiet NaN, as JAX does: NaNs sort last, zeros stay stable).

use crate::emitter::Emitter;
use crate::types::tensor_type;
use rjax_ir::{AVal, DType};

/// Emit the sort of `operands` (all of one shape) and return the names of
/// the sorted results.
pub(crate) fn sort(
    e: &mut Emitter,
    operands: &[String],
    ins: &[AVal],
    dimension: usize,
    is_stable: bool,
    num_keys: usize,
) -> Vec<String> {
    let n = operands.len();
    let result = e.fresh();
    let scalar = |a: &AVal| tensor_type(&AVal::scalar(a.dtype));
    let params: Vec<String> = ins
        .iter()
        .enumerate()
        .flat_map(|(i, a)| {
            let t = scalar(a);
            [format!("%l{i}: {t}"), format!("%r{i}: {t}")]
        })
        .collect();
    let mut body = Vec::new();
    // From the last key to the first: lt_k = lt(key k) or (eq(key k) and lt_{k+1}).
    let mut acc: Option<String> = None;
    for k in (0..num_keys).rev() {
        let (t, ty) = (scalar(&ins[k]), compare_type(ins[k].dtype));
        let (l, r) = if ins[k].dtype.is_float() {
            body.extend(canonical_float(k, ins[k].dtype));
            (format!("%lc{k}"), format!("%rc{k}"))
        } else {
            (format!("%l{k}"), format!("%r{k}"))
        };
        let cmp = |dir: &str, name: &str| {
            format!(
                "%{name}{k} = stablehlo.compare  {dir}, {l}, {r},  {ty} : ({t}, {t}) -> tensor<i1>"
            )
        };
        body.push(cmp("LT", "lt"));
        acc = Some(match acc {
            None => format!("%lt{k}"),
            Some(next) => {
                body.push(cmp("EQ", "eq"));
                body.push(format!(
                    "%tie{k} = stablehlo.and %eq{k}, {next} : tensor<i1>"
                ));
                body.push(format!(
                    "%less{k} = stablehlo.or %lt{k}, %tie{k} : tensor<i1>"
                ));
                format!("%less{k}")
            }
        });
    }
    let less = acc.unwrap_or_default();
    let types: Vec<String> = ins.iter().map(tensor_type).collect();
    let types = types.join(", ");
    e.line(format!(
        "{result}:{n} = \"stablehlo.sort\"({}) ({{",
        operands.join(", ")
    ));
    e.line(format!("  ^bb0({}):", params.join(", ")));
    for l in body {
        e.line(format!("    {l}"));
    }
    e.line(format!("    stablehlo.return {less} : tensor<i1>"));
    e.line(format!(
        "}}) {{dimension = {dimension} : i64, is_stable = {is_stable}}} : ({types}) -> ({types})"
    ));
    (0..n).map(|i| format!("{result}#{i}")).collect()
}

/// Lines defining `%lc{k}` and `%rc{k}`: the float keys `%l{k}` and
/// `%r{k}` with -0.0 replaced by +0.0 and any NaN by the positive quiet
/// NaN. The replacement works on the bits, where XLA cannot simplify it
/// away.
fn canonical_float(k: usize, d: DType) -> Vec<String> {
    let t = tensor_type(&AVal::scalar(d));
    let bits = match d.size_bytes() {
        2 => "i16",
        4 => "i32",
        _ => "i64",
    };
    let bits_t = format!("tensor<{bits}>");
    let quiet_nan: u64 = match d {
        DType::F16 => 0x7e00,
        DType::BF16 => 0x7fc0,
        DType::F32 => 0x7fc0_0000,
        _ => 0x7ff8_0000_0000_0000,
    };
    let mut lines = vec![
        format!("%zero{k} = stablehlo.constant dense<0.0> : {t}"),
        format!("%zerobits{k} = stablehlo.constant dense<0> : {bits_t}"),
        format!("%nanbits{k} = stablehlo.constant dense<{quiet_nan}> : {bits_t}"),
    ];
    for side in ["l", "r"] {
        let x = format!("%{side}{k}");
        lines.extend([
            format!("%{side}bits{k} = stablehlo.bitcast_convert {x} : ({t}) -> {bits_t}"),
            format!("%{side}zero{k} = stablehlo.compare  EQ, {x}, %zero{k},  FLOAT : ({t}, {t}) -> tensor<i1>"),
            format!("%{side}nan{k} = stablehlo.compare  NE, {x}, {x},  FLOAT : ({t}, {t}) -> tensor<i1>"),
            format!("%{side}b0{k} = stablehlo.select %{side}zero{k}, %zerobits{k}, %{side}bits{k} : tensor<i1>, {bits_t}"),
            format!("%{side}b1{k} = stablehlo.select %{side}nan{k}, %nanbits{k}, %{side}b0{k} : tensor<i1>, {bits_t}"),
            format!("%{side}c{k} = stablehlo.bitcast_convert %{side}b1{k} : ({bits_t}) -> {t}"),
        ]);
    }
    lines
}

/// Floats compare in total order (after [`canonical_float`]).
fn compare_type(d: DType) -> &'static str {
    if d.is_float() {
        "TOTALORDER"
    } else {
        crate::rules::comparison_type(d)
    }
}
