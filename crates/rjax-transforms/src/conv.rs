//! `conv_general_dilated`: transposition (the gradient of a convolution is
//! a convolution) and batching (a batch axis folds into the batch, feature
//! or feature-group structure the convolution already has).

use crate::batch::moveaxis;
use crate::ops::{convert, reshape};
use rjax_ir::{AVal, ConvDims, ConvParams, Primitive, Result, Value, bind1, dilate};

fn conv(p: ConvParams, lhs: &Value, rhs: &Value) -> Result<Value> {
    bind1(&Primitive::Conv(p), &[lhs.clone(), rhs.clone()])
}

/// Split axis `axis` of `x` into `(n, size / n)`, in place.
fn split_axis(x: &Value, axis: usize, n: usize) -> Result<Value> {
    let mut shape = x.aval().shape;
    shape[axis] /= n;
    shape.insert(axis, n);
    reshape(x, &shape)
}

/// Fold axis `from` of `x` into axis `into`, as its major part.
fn merge_axis(x: &Value, from: usize, into: usize) -> Result<Value> {
    let target = if from < into { into - 1 } else { into };
    let moved = moveaxis(x, from, target)?;
    let mut shape = moved.aval().shape;
    let n = shape.remove(target);
    shape[target] *= n;
    reshape(&moved, &shape)
}

/// The position of an unbatched axis in a value whose batch axis is `b`.
fn batched(axis: usize, b: usize) -> usize {
    if axis >= b { axis + 1 } else { axis }
}

/// The groups of a convolution (one of the two counts is 1).
fn groups(p: &ConvParams) -> usize {
    p.feature_group_count.max(p.batch_group_count)
}

/// Along spatial axis `i`: the input dilated by `lhs_dilation`, the
/// window dilated by `rhs_dilation`, and the output dilated by the strides
/// (the extents the transposed convolutions must reproduce).
fn dilated_sizes(p: &ConvParams, i: usize, lhs: &AVal, rhs: &AVal, out: &AVal) -> [i64; 3] {
    let d = &p.dims;
    [
        dilate(lhs.shape[d.lhs.spatial[i]], p.lhs_dilation[i]) as i64,
        dilate(rhs.shape[d.rhs.spatial[i]], p.rhs_dilation[i]) as i64,
        dilate(out.shape[d.out.spatial[i]], p.window_strides[i]) as i64,
    ]
}

/// The cotangent of the input `lhs` given the output cotangent `ct`: the
/// convolution of `ct` with the spatially reversed kernel, in and out
/// features exchanged, strides and input dilation exchanged.
pub(crate) fn transpose_lhs(p: &ConvParams, ct: &Value, lhs: &AVal, rhs: &Value) -> Result<Value> {
    let d = &p.dims;
    let g = groups(p);
    let mut kernel = rhs.clone();
    if g > 1 {
        // [.., O, .., I, ..] -> [.., O/g, .., g*I, ..]
        kernel = split_axis(&kernel, d.rhs.batch, g)?;
        kernel = merge_axis(&kernel, d.rhs.batch, batched(d.rhs.feature, d.rhs.batch))?;
    }
    let kernel = bind1(
        &Primitive::Rev {
            dimensions: d.rhs.spatial.clone(),
        },
        &[kernel],
    )?;
    let k = rhs.aval();
    let padding = (0..p.spatial_rank())
        .map(|i| {
            let [input, window, output] = dilated_sizes(p, i, lhs, &k, &ct.aval());
            let lo = window - 1 - p.padding[i].0;
            (lo, input + window - 1 - output - lo)
        })
        .collect();
    let params = ConvParams {
        window_strides: p.lhs_dilation.clone(),
        padding,
        lhs_dilation: p.window_strides.clone(),
        rhs_dilation: p.rhs_dilation.clone(),
        dims: ConvDims {
            lhs: d.out.clone(),
            rhs: d.rhs.swapped(),
            out: d.lhs.clone(),
        },
        feature_group_count: g,
        batch_group_count: 1,
        preferred_element_type: None,
    };
    let mut t = conv(params, &convert(ct, k.dtype)?, &kernel)?;
    if p.batch_group_count > 1 {
        // Features (groups, C) -> batch (groups major).
        t = split_axis(&t, d.lhs.feature, g)?;
        t = merge_axis(&t, d.lhs.feature, batched(d.lhs.batch, d.lhs.feature))?;
    }
    convert(&t, lhs.dtype)
}

/// The cotangent of the kernel `rhs` given the output cotangent `ct`: the
/// convolution of the input with `ct`, batch and feature roles exchanged,
/// strides and kernel dilation exchanged.
pub(crate) fn transpose_rhs(p: &ConvParams, ct: &Value, lhs: &Value, rhs: &AVal) -> Result<Value> {
    let d = &p.dims;
    let x = lhs.aval();
    let padding = (0..p.spatial_rank())
        .map(|i| {
            let [input, window, output] = dilated_sizes(p, i, &x, rhs, &ct.aval());
            let lo = p.padding[i].0;
            (lo, output - input + window - lo - 1)
        })
        .collect();
    let params = ConvParams {
        window_strides: p.rhs_dilation.clone(),
        padding,
        lhs_dilation: p.lhs_dilation.clone(),
        rhs_dilation: p.window_strides.clone(),
        dims: ConvDims {
            lhs: d.lhs.swapped(),
            rhs: d.out.swapped(),
            out: d.rhs.swapped(),
        },
        feature_group_count: p.batch_group_count,
        batch_group_count: p.feature_group_count,
        preferred_element_type: None,
    };
    let t = conv(params, lhs, &convert(ct, x.dtype)?)?;
    convert(&t, rhs.dtype)
}

/// A convolution whose operands carry batch axes `d` (with
/// `batch_group_count == 1`). Returns the result and its batch axis.
pub(crate) fn batched_conv(
    p: &ConvParams,
    x: &[Value],
    d: &[Option<usize>],
    size: usize,
) -> Result<(Value, usize)> {
    let dims = &p.dims;
    match (d[0], d[1]) {
        (Some(b), None) => {
            // Into the input's batch axis.
            let lhs = merge_axis(&x[0], b, batched(dims.lhs.batch, b))?;
            let out = conv(p.clone(), &lhs, &x[1])?;
            Ok((split_axis(&out, dims.out.batch, size)?, dims.out.batch))
        }
        (None, Some(b)) => {
            // Into the kernel's output features, inside each feature group.
            let g = p.feature_group_count;
            let (o, f) = (dims.rhs.batch, dims.out.feature);
            let rhs = moveaxis(&x[1], b, o)?;
            let mut shape = rhs.aval().shape;
            let per_group = shape[o + 1] / g;
            let grouped = [&shape[..o], &[size, g, per_group], &shape[o + 2..]].concat();
            let rhs = swap_adjacent(&reshape(&rhs, &grouped)?, o)?;
            shape[o + 1] *= size;
            shape.remove(o);
            let out = conv(p.clone(), &x[0], &reshape(&rhs, &shape)?)?;
            let mut shape = out.aval().shape;
            let grouped = [&shape[..f], &[g, size, per_group], &shape[f + 1..]].concat();
            let out = swap_adjacent(&reshape(&out, &grouped)?, f)?;
            shape[f] /= size;
            shape.insert(f, size);
            Ok((reshape(&out, &shape)?, f))
        }
        (Some(bl), Some(br)) => {
            // One feature group per member.
            let lhs = merge_axis(&x[0], bl, batched(dims.lhs.feature, bl))?;
            let rhs = merge_axis(&x[1], br, batched(dims.rhs.batch, br))?;
            let params = ConvParams {
                feature_group_count: p.feature_group_count * size,
                ..p.clone()
            };
            let out = conv(params, &lhs, &rhs)?;
            Ok((split_axis(&out, dims.out.feature, size)?, dims.out.feature))
        }
        (None, None) => Ok((conv(p.clone(), &x[0], &x[1])?, 0)),
    }
}

/// Exchange axes `a` and `a + 1`.
fn swap_adjacent(x: &Value, a: usize) -> Result<Value> {
    let mut permutation: Vec<usize> = (0..x.aval().rank()).collect();
    permutation.swap(a, a + 1);
    bind1(
        &Primitive::Transpose { permutation },
        std::slice::from_ref(x),
    )
}
