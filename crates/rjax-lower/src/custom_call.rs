//! Rules lowered as `stablehlo.custom_call` (see
//! [`rjax_ir::CustomCallLowering`]), such as host callbacks. Calls with
//! side effects are chained by a `!stablehlo.token` (an extra last operand
//! and result), so that XLA runs them in program order within a region.

use crate::emitter::Emitter;
use crate::types::tensor_type;
use rjax_ir::{AVal, CustomCallLowering};

/// Emit the custom call on `operands` and return the names of its results.
pub(crate) fn custom_call(
    e: &mut Emitter,
    call: &CustomCallLowering,
    operands: &[String],
    ins: &[AVal],
    outs: &[AVal],
) -> Vec<String> {
    if let (Some(s), [x], [a]) = (&call.sharding, operands, ins) {
        return vec![crate::sharding::constraint(e, x, a, s)];
    }
    let mut operands = operands.to_vec();
    let mut in_types: Vec<String> = ins.iter().map(tensor_type).collect();
    let mut out_types: Vec<String> = outs.iter().map(tensor_type).collect();
    if call.has_side_effect {
        let token = match e.effect_token.take() {
            Some(token) => token,
            None => e.op("\"stablehlo.after_all\"() : () -> !stablehlo.token"),
        };
        operands.push(token);
        in_types.push(TOKEN.into());
        out_types.push(TOKEN.into());
    }
    let config: Vec<String> = call
        .backend_config
        .iter()
        .map(|(name, value)| format!("{name} = {value} : ui64"))
        .collect();
    let text = format!(
        "stablehlo.custom_call @{}({}) {{api_version = 4 : i32, backend_config = {{{}}}, has_side_effect = {}}} : ({}) -> ({})",
        call.target,
        operands.join(", "),
        config.join(", "),
        call.has_side_effect,
        in_types.join(", "),
        out_types.join(", "),
    );
    let mut names = match out_types.len() {
        0 => {
            e.line(text);
            Vec::new()
        }
        1 => vec![e.op(text)],
        n => {
            let name = e.fresh();
            e.line(format!("{name}:{n} = {text}"));
            (0..n).map(|i| format!("{name}#{i}")).collect()
        }
    };
    if call.has_side_effect {
        e.effect_token = names.pop();
    }
    names
}

const TOKEN: &str = "!stablehlo.token";
