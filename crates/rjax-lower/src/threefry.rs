//! The Threefry-2x32 block cipher (20 rounds, as in Salmon et al. 2011)
//! spelled out in StableHLO integer operations: what `rjax::random` draws
//! its bits from.

use crate::emitter::Emitter;
use crate::types::tensor_type;
use rjax_ir::{AVal, DType};

const ROTATIONS: [[u32; 4]; 2] = [[13, 15, 26, 6], [17, 29, 16, 24]];

/// Emit the cipher of counts `(x1, x2)` under key `(k1, k2)`; every operand
/// already has `aval`'s shape. Returns the two output words.
pub(crate) fn threefry2x32(
    e: &mut Emitter,
    [k1, k2, x1, x2]: [String; 4],
    aval: &AVal,
) -> [String; 2] {
    let t = tensor_type(&aval.with_dtype(DType::U32));
    let c = |e: &mut Emitter, v: u32| e.op(format!("stablehlo.constant dense<{v}> : {t}"));
    let parity = c(e, 0x1BD1_1BDA);
    let k12 = e.op(format!("stablehlo.xor {k1}, {k2} : {t}"));
    let k3 = e.op(format!("stablehlo.xor {k12}, {parity} : {t}"));
    let ks = [k1, k2, k3];
    let add = |e: &mut Emitter, a: &str, b: &str| e.op(format!("stablehlo.add {a}, {b} : {t}"));
    let mut v0 = add(e, &x1, &ks[0]);
    let mut v1 = add(e, &x2, &ks[1]);
    for block in 0..5usize {
        for &r in &ROTATIONS[block % 2] {
            v0 = add(e, &v0, &v1);
            let left = c(e, r);
            let right = c(e, 32 - r);
            let hi = e.op(format!("stablehlo.shift_left {v1}, {left} : {t}"));
            let lo = e.op(format!("stablehlo.shift_right_logical {v1}, {right} : {t}"));
            let rotated = e.op(format!("stablehlo.or {hi}, {lo} : {t}"));
            v1 = e.op(format!("stablehlo.xor {v0}, {rotated} : {t}"));
        }
        // Key injection after every four rounds.
        v0 = add(e, &v0, &ks[(block + 1) % 3]);
        v1 = add(e, &v1, &ks[(block + 2) % 3]);
        let step = c(e, block as u32 + 1);
        v1 = add(e, &v1, &step);
    }
    [v0, v1]
}
