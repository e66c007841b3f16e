//! Lowering of slices and pads, whose parameters are spelled per axis.

use super::{Site, list};
use crate::emitter::Emitter;

pub(super) fn slice(
    e: &mut Emitter,
    s: &Site,
    start: &[usize],
    limit: &[usize],
    strides: &[usize],
) -> String {
    let ranges: Vec<String> = (0..start.len())
        .map(|i| match strides[i] {
            1 => format!("{}:{}", start[i], limit[i]),
            st => format!("{}:{}:{st}", start[i], limit[i]),
        })
        .collect();
    e.op(format!(
        "stablehlo.slice {} [{}] : {}",
        s.x,
        ranges.join(", "),
        s.sig()
    ))
}

pub(super) fn pad(
    e: &mut Emitter,
    s: &Site,
    low: &[i64],
    high: &[i64],
    interior: &[usize],
) -> String {
    e.op(format!(
        "stablehlo.pad {}, {}, low = {}, high = {}, interior = {} : {}",
        s.x,
        s.operands[1],
        list(low),
        list(high),
        list(interior),
        s.sig()
    ))
}
