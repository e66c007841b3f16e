//! `sort` as `stablehlo.sort` with a lexicographic comparator over the key
//! operands (floats in total order).

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
        let cmp = |dir: &str, name: &str| {
            format!(
                "%{name}{k} = stablehlo.compare  {dir}, %l{k}, %r{k},  {ty} : ({t}, {t}) -> tensor<i1>"
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

/// Floats compare in total order, so NaNs and signed zeros sort too.
fn compare_type(d: DType) -> &'static str {
    if d.is_float() {
        "TOTALORDER"
    } else {
        crate::rules::comparison_type(d)
    }
}
