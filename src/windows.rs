//! `lax.reduce_window`: a reduction over sliding windows (pooling).
//!
//! Written with the primitives differentiation and batching already know:
//! the operand is padded with the initial value, and each of the window's
//! `k` positions contributes one strided slice, folded together with the
//! reduction. XLA fuses the slices into one loop; gradients flow through
//! the slices and the fold (see docs/decisions.md).

use crate::Array;
use crate::conv::Padding;
use crate::lax;
use rjax_ir::{Error, ErrorKind, dilate};

/// The windows of a window reduction: sizes, strides and padding per axis
/// of the operand; empty strides or dilations mean 1.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    pub dimensions: Vec<usize>,
    pub strides: Vec<usize>,
    pub padding: Padding,
    pub base_dilation: Vec<usize>,
    pub window_dilation: Vec<usize>,
}

impl Window {
    /// Windows of `dimensions` moving by `strides`, padded by `padding`.
    pub fn new(dimensions: &[usize], strides: &[usize], padding: Padding) -> Window {
        Window {
            dimensions: dimensions.to_vec(),
            strides: strides.to_vec(),
            padding,
            base_dilation: Vec::new(),
            window_dilation: Vec::new(),
        }
    }
}

/// The most elements a window of [`reduce_window`] may have: it emits one
/// strided slice per window element, so a larger window would trace (and
/// compile) that many operations. Reduce over whole axes with `jnp::sum`,
/// `jnp::max`, ... instead.
pub const MAX_WINDOW_ELEMENTS: usize = 4096;

/// Reduce each window of `x` with the associative `op` starting from
/// `init` (a scalar of `x`'s dtype), JAX's `lax.reduce_window`. Windows
/// have at most [`MAX_WINDOW_ELEMENTS`] elements.
///
/// ```
/// use rjax::{lax, Array};
/// use rjax::lax::{Padding, Window};
/// let x = Array::from_slice(&[1.0f32, 5.0, 2.0, 4.0, 3.0, 0.0], &[6]);
/// let w = Window::new(&[2], &[2], Padding::Valid);
/// let y = lax::reduce_window(&x, &Array::scalar(f32::NEG_INFINITY), lax::max, &w);
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![5.0, 4.0, 3.0]);
/// ```
#[track_caller]
pub fn reduce_window(
    x: &Array,
    init: &Array,
    op: impl Fn(&Array, &Array) -> Array,
    window: &Window,
) -> Array {
    let Ok(shape) = x.shape() else {
        return x.clone();
    };
    let rank = shape.len();
    let or_ones = |v: &[usize]| {
        if v.is_empty() {
            vec![1; rank]
        } else {
            v.to_vec()
        }
    };
    let strides = or_ones(&window.strides);
    let base = or_ones(&window.base_dilation);
    let dilation = or_ones(&window.window_dilation);
    let all_fit = [&window.dimensions, &strides, &base, &dilation]
        .iter()
        .all(|v| v.len() == rank && v.iter().all(|&s| s > 0));
    let pads_fit = !matches!(&window.padding, Padding::Explicit(p) if p.len() != rank);
    let location = crate::location::current();
    let fail = |message: String| {
        let e = Error::new(ErrorKind::Param, "reduce_window", message)
            .with_operands(x.value().map(|v| vec![v.aval()]).unwrap_or_default());
        Array::from_error(e.at(location))
    };
    if !all_fit || !pads_fit {
        return fail(format!(
            "window {window:?} does not fit an operand of rank {rank}"
        ));
    }
    let spans: Vec<usize> = (0..rank)
        .map(|i| dilate(window.dimensions[i], dilation[i]))
        .collect();
    let pads = window.padding.pairs(&shape, &spans, &strides);
    // Windows per axis, from the padded extent (in i128: an oversized pad
    // is the pad's own error below).
    let out: Vec<usize> = (0..rank)
        .map(|i| {
            let padded = dilate(shape[i], base[i]) as i128 + pads[i].0 as i128 + pads[i].1 as i128;
            let room = padded - spans[i] as i128;
            if room < 0 {
                0
            } else {
                usize::try_from(room / strides[i] as i128 + 1).unwrap_or(usize::MAX)
            }
        })
        .collect();
    if out.contains(&0) {
        // No window fits: an empty result, whatever the window's size.
        return lax::broadcast_in_dim(init, &out, &[]);
    }
    let count = window
        .dimensions
        .iter()
        .try_fold(1usize, |n, &d| n.checked_mul(d))
        .filter(|&n| n <= MAX_WINDOW_ELEMENTS);
    let Some(count) = count else {
        return fail(format!(
            "window {:?} has more than {MAX_WINDOW_ELEMENTS} elements (one slice each)",
            window.dimensions
        ));
    };
    let config: Vec<(i64, i64, usize)> = (0..rank)
        .map(|i| (pads[i].0, pads[i].1, base[i] - 1))
        .collect();
    let padded = lax::pad(x, init, &config);
    let mut acc: Option<Array> = None;
    for flat in 0..count {
        let mut rest = flat;
        let mut start = vec![0; rank];
        for i in (0..rank).rev() {
            start[i] = (rest % window.dimensions[i]) * dilation[i];
            rest /= window.dimensions[i];
        }
        let limit: Vec<usize> = (0..rank)
            .map(|i| start[i] + (out[i].max(1) - 1) * strides[i] + usize::from(out[i] > 0))
            .collect();
        let piece = lax::slice(&padded, &start, &limit, Some(&strides));
        acc = Some(match acc {
            None => piece,
            Some(a) => op(&a, &piece),
        });
    }
    acc.unwrap_or_else(|| lax::broadcast_in_dim(init, &out, &[]))
}
