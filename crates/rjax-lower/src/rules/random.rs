//! Lowering of the random bit generators.

use super::Site;
use crate::emitter::Emitter;
use crate::types::tensor_type;
use rjax_ir::AVal;
use rjax_ir::primitive::RngAlgorithm;

/// Threefry-2x32 with rank-0 words broadcast to the result's shape.
pub(super) fn threefry(e: &mut Emitter, s: &Site) -> Vec<String> {
    let words: [String; 4] = [0, 1, 2, 3].map(|i| {
        if s.ins[i].rank() == 0 && s.out.rank() > 0 {
            e.splat(&s.operands[i], &s.ins[i], s.out)
        } else {
            s.operands[i].clone()
        }
    });
    crate::threefry::threefry2x32(e, words, s.out).to_vec()
}

/// XLA's generator on the `uint32[4]` key viewed as `uint64[2]` (as JAX
/// lowers it); the new key is viewed back.
pub(super) fn rng_bit_generator(
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
