//! Shape arithmetic of convolutions and windowed reductions, without
//! arrays: `conv_dimension_numbers`, `conv_general_permutations`,
//! `conv_shape_tuple`, `conv_general_shape_tuple`,
//! `conv_transpose_shape_tuple`, `reduce_window_shape_tuple`.

use crate::conv::{Padding, parse_dims, transpose_padding};
use crate::{Error, ErrorKind, Result};
use rjax_ir::ConvDims;

/// The axes of an input, kernel and output layout, as JAX's
/// `ConvDimensionNumbers` (a batch/feature/spatial split of each).
pub use rjax_ir::ConvDims as ConvGeneralDilatedDimensionNumbers;

fn shape_error(op: &str, message: String) -> Error {
    Error::new(ErrorKind::Shape, op, message)
}

/// The dimension numbers of layout strings such as `("NHWC", "HWIO",
/// "NHWC")` for operands of `lhs_shape` and `rhs_shape`; `None` means
/// `NCHW`-style layouts (batch, feature, spatial axes in order).
///
/// ```
/// use rjax::lax;
/// let dn = lax::conv_dimension_numbers(&[1, 5, 5, 3], &[3, 3, 3, 8], Some(("NHWC", "HWIO", "NHWC"))).unwrap();
/// assert_eq!((dn.lhs.batch, dn.lhs.feature, dn.lhs.spatial.clone()), (0, 3, vec![1, 2]));
/// ```
pub fn conv_dimension_numbers(
    lhs_shape: &[usize],
    rhs_shape: &[usize],
    layouts: Option<(&str, &str, &str)>,
) -> Result<ConvDims> {
    let rank = lhs_shape.len();
    if rank != rhs_shape.len() || rank < 2 {
        return Err(shape_error(
            "conv_dimension_numbers",
            format!(
                "operands of rank {rank} and {} (need equal, >= 2)",
                rhs_shape.len()
            ),
        ));
    }
    match layouts {
        Some((l, r, o)) => parse_dims(l, r, o),
        None => {
            let plain = rjax_ir::ConvLayout {
                batch: 0,
                feature: 1,
                spatial: (2..rank).collect(),
            };
            Ok(ConvDims {
                lhs: plain.clone(),
                rhs: plain.clone(),
                out: plain,
            })
        }
    }
}

/// The permutations that bring the input, kernel and output layouts to
/// `NC...`, `OI...` and `NC...` order (spatial axes in the kernel's order).
pub fn conv_general_permutations(
    layouts: (&str, &str, &str),
) -> Result<(Vec<usize>, Vec<usize>, Vec<usize>)> {
    let dims = parse_dims(layouts.0, layouts.1, layouts.2)?;
    let perm = |l: &rjax_ir::ConvLayout| {
        let mut p = vec![l.batch, l.feature];
        p.extend(&l.spatial);
        p
    };
    Ok((perm(&dims.lhs), perm(&dims.rhs), perm(&dims.out)))
}

/// `(input + padding - window) / stride + 1` per axis, or an error when a
/// window does not fit.
fn strided(op: &str, padded: &[i64], windows: &[usize], strides: &[usize]) -> Result<Vec<usize>> {
    if padded.len() != windows.len() || padded.len() != strides.len() {
        return Err(shape_error(
            op,
            format!(
                "{} spatial axes, {} window sizes and {} strides",
                padded.len(),
                windows.len(),
                strides.len()
            ),
        ));
    }
    padded
        .iter()
        .zip(windows)
        .zip(strides)
        .map(|((&p, &w), &s)| {
            if p < 0 || s == 0 {
                return Err(shape_error(
                    op,
                    format!("padded size {p} or stride {s} is invalid"),
                ));
            }
            Ok(if (p as usize) < w {
                0
            } else {
                (p as usize - w) / s + 1
            })
        })
        .collect()
}

/// The output shape `(N, O, spatial...)` of a convolution of an `NC...`
/// input and an `OI...` kernel with `strides` and padding.
///
/// ```
/// use rjax::lax::{self, Padding};
/// let out = lax::conv_shape_tuple(&[2, 3, 7, 6], &[4, 3, 3, 2], &[2, 1], &Padding::Same, 1).unwrap();
/// assert_eq!(out, vec![2, 4, 4, 6]);
/// ```
pub fn conv_shape_tuple(
    lhs_shape: &[usize],
    rhs_shape: &[usize],
    strides: &[usize],
    padding: &Padding,
    batch_group_count: usize,
) -> Result<Vec<usize>> {
    let op = "conv_shape_tuple";
    if lhs_shape.len() < 2 || rhs_shape.len() != lhs_shape.len() || batch_group_count == 0 {
        return Err(shape_error(
            op,
            format!("operands {lhs_shape:?} and {rhs_shape:?}"),
        ));
    }
    let pads = crate::lax::padtype_to_pads(&lhs_shape[2..], &rhs_shape[2..], strides, padding)?;
    let padded: Vec<i64> = lhs_shape[2..]
        .iter()
        .zip(&pads)
        .map(|(&d, &(lo, hi))| d as i64 + lo + hi)
        .collect();
    let mut out = vec![lhs_shape[0] / batch_group_count, rhs_shape[0]];
    out.extend(strided(op, &padded, &rhs_shape[2..], strides)?);
    Ok(out)
}

/// `shape` permuted: entry `i` is `shape[perm[i]]`.
fn take(shape: &[usize], perm: &[usize]) -> Vec<usize> {
    perm.iter().map(|&p| shape[p]).collect()
}

/// `shape` in `NC...` order put back in the layout `perm` describes.
fn untake(shape: &[usize], perm: &[usize]) -> Vec<usize> {
    let mut out = vec![0; shape.len()];
    for (i, &p) in perm.iter().enumerate() {
        out[p] = shape[i];
    }
    out
}

/// [`conv_shape_tuple`] for operands and output in the given layouts.
pub fn conv_general_shape_tuple(
    lhs_shape: &[usize],
    rhs_shape: &[usize],
    window_strides: &[usize],
    padding: &Padding,
    layouts: (&str, &str, &str),
) -> Result<Vec<usize>> {
    let (lp, rp, op) = conv_general_permutations(layouts)?;
    if lhs_shape.len() != lp.len() || rhs_shape.len() != rp.len() {
        return Err(shape_error(
            "conv_general_shape_tuple",
            "operands differ from the layouts in rank".into(),
        ));
    }
    let out = conv_shape_tuple(
        &take(lhs_shape, &lp),
        &take(rhs_shape, &rp),
        window_strides,
        padding,
        1,
    )?;
    Ok(untake(&out, &op))
}

/// The output shape of [`crate::lax::conv_transpose`] for operands and
/// output in the given layouts (`Same`, `Valid` or explicit padding).
pub fn conv_transpose_shape_tuple(
    lhs_shape: &[usize],
    rhs_shape: &[usize],
    window_strides: &[usize],
    padding: &Padding,
    layouts: (&str, &str, &str),
) -> Result<Vec<usize>> {
    let (lp, rp, op) = conv_general_permutations(layouts)?;
    if lhs_shape.len() != lp.len()
        || rhs_shape.len() != rp.len()
        || window_strides.len() + 2 != lp.len()
    {
        return Err(shape_error(
            "conv_transpose_shape_tuple",
            "operands, strides and layouts differ in rank".into(),
        ));
    }
    let (l, r) = (take(lhs_shape, &lp), take(rhs_shape, &rp));
    let mut out = vec![l[0], r[0]];
    for (i, &s) in window_strides.iter().enumerate() {
        let (k, n) = (r[i + 2] as i64, l[i + 2] as i64);
        let (lo, hi) = match padding {
            Padding::Same | Padding::SameLower => transpose_padding(k, s as i64, true),
            Padding::Valid => transpose_padding(k, s as i64, false),
            Padding::Explicit(p) => *p.get(i).ok_or_else(|| {
                shape_error(
                    "conv_transpose_shape_tuple",
                    "one padding pair per spatial axis".into(),
                )
            })?,
        };
        let size = (n - 1) * s as i64 - k + 2 + lo + hi;
        out.push(size.max(0) as usize);
    }
    Ok(untake(&out, &op))
}

/// The output shape of [`crate::lax::reduce_window`] over `operand_shape`
/// with explicit padding and optional base and window dilation.
pub fn reduce_window_shape_tuple(
    operand_shape: &[usize],
    window_dimensions: &[usize],
    window_strides: &[usize],
    padding: &[(i64, i64)],
    base_dilation: Option<&[usize]>,
    window_dilation: Option<&[usize]>,
) -> Result<Vec<usize>> {
    let dilate = |shape: &[usize], d: Option<&[usize]>| -> Vec<usize> {
        match d {
            None => shape.to_vec(),
            Some(d) => shape
                .iter()
                .zip(d)
                .map(|(&s, &d)| rjax_ir::dilate(s, d))
                .collect(),
        }
    };
    let operand = dilate(operand_shape, base_dilation);
    let windows = dilate(window_dimensions, window_dilation);
    if padding.len() != operand.len() {
        return Err(shape_error(
            "reduce_window_shape_tuple",
            "one padding pair per axis".into(),
        ));
    }
    let padded: Vec<i64> = operand
        .iter()
        .zip(padding)
        .map(|(&d, &(lo, hi))| d as i64 + lo + hi)
        .collect();
    strided(
        "reduce_window_shape_tuple",
        &padded,
        &windows,
        window_strides,
    )
}
