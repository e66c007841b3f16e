//! Rules lowered as `stablehlo.custom_call` (see
//! [`rjax_ir::CustomCallLowering`]), such as host callbacks.

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
    let types = |avals: &[AVal]| {
        let ts: Vec<String> = avals.iter().map(tensor_type).collect();
        ts.join(", ")
    };
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
        types(ins),
        types(outs),
    );
    match outs.len() {
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
    }
}
