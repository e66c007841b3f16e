//! Conveniences of `jax.lax` built from other operations: `broadcast_like`,
//! `dtype`, `shape_as_value`, `approx_max_k`, `approx_min_k`, `reduce`
//! with a Rust closure, `ragged_dot`, `conv_general_dilated_patches` and
//! `conv_general_dilated_local`.

use crate::conv::{ConvOptions, Padding, conv_general_dilated};
use crate::numpy::{self as jnp, fallible};
use crate::{Array, DType, Error, ErrorKind, Result, lax, location};

/// `x` broadcast to the shape of `like`.
#[track_caller]
pub fn broadcast_like(x: &Array, like: &Array) -> Array {
    fallible(|| Ok(jnp::broadcast_to(x, &like.shape()?)))
}

/// The array's dtype.
pub fn dtype(x: &Array) -> Result<DType> {
    x.dtype()
}

/// A shape as a 1-d int32 array.
pub fn shape_as_value(shape: &[usize]) -> Array {
    let dims: Vec<i32> = shape.iter().map(|&d| d as i32).collect();
    Array::from_slice(&dims, &[dims.len()])
}

/// `x` with `axis` moved last, and the axis resolved.
fn last_axis(op: &str, x: &Array, axis: i64) -> std::result::Result<(Array, usize), Error> {
    let rank = x.ndim()?;
    let a = jnp::normalize_axes(op, &jnp::Axes::Some(vec![axis]), rank)?[0];
    Ok((jnp::moveaxis(x, a as i64, -1), a))
}

/// The `k` largest values along `reduction_dimension` and their int32
/// indices, largest first. XLA's approximate top-k is exact on the CPU, as
/// this is (any `recall_target` is met).
#[track_caller]
pub fn approx_max_k(x: &Array, k: usize, reduction_dimension: i64) -> (Array, Array) {
    let _scope = location::scope();
    match last_axis("approx_max_k", x, reduction_dimension) {
        Ok((moved, a)) => {
            let (v, i) = lax::top_k(&moved, k);
            (
                jnp::moveaxis(&v, -1, a as i64),
                jnp::moveaxis(&i, -1, a as i64),
            )
        }
        Err(e) => {
            let e = Array::from_error(e);
            (e.clone(), e)
        }
    }
}

/// The `k` smallest values along `reduction_dimension` and their int32
/// indices, smallest first (see [`approx_max_k`]).
#[track_caller]
pub fn approx_min_k(x: &Array, k: usize, reduction_dimension: i64) -> (Array, Array) {
    let (v, i) = approx_max_k(&lax::neg(x), k, reduction_dimension);
    (lax::neg(&v), i)
}

/// The reduction of `operand` over `dimensions` by the associative and
/// commutative `computation`, starting from `init_value` (JAX's
/// `lax.reduce` with a binary function): pairs of halves are combined until
/// one element remains, so `computation` is called on whole arrays.
///
/// ```
/// use rjax::{Array, lax};
/// let x = Array::from_slice(&[1.0f32, 5.0, 2.0, 7.0, 3.0, 4.0], &[2, 3]);
/// let m = lax::reduce(&x, &Array::scalar(f32::NEG_INFINITY), |a, b| lax::max(a, b), &[1]).unwrap();
/// assert_eq!(m.to_vec::<f32>().unwrap(), vec![5.0, 7.0]);
/// ```
#[track_caller]
pub fn reduce(
    operand: &Array,
    init_value: &Array,
    computation: impl Fn(&Array, &Array) -> Array,
    dimensions: &[usize],
) -> Result<Array> {
    let location = location::current();
    let shape = operand.shape()?;
    let mut dims = dimensions.to_vec();
    dims.sort_unstable();
    dims.dedup();
    if dims.iter().any(|&d| d >= shape.len()) || init_value.ndim()? != 0 {
        return Err(Error::new(
            ErrorKind::Axis,
            "reduce",
            format!(
                "dimensions {dimensions:?} for rank {} with a scalar init",
                shape.len()
            ),
        )
        .with_operands(vec![operand.aval()?, init_value.aval()?])
        .at(location));
    }
    let init = lax::convert_element_type(init_value, operand.dtype()?);
    let mut x = operand.clone();
    for &d in dims.iter().rev() {
        let mut n = x.shape()?[d];
        if n == 0 {
            let mut s = x.shape()?;
            s[d] = 1;
            x = lax::broadcast_in_dim(&init, &s, &[]);
            n = 1;
        }
        while n > 1 {
            if n % 2 == 1 {
                let mut pads = vec![(0, 0, 0); x.ndim()?];
                pads[d] = (0, 1, 0);
                x = lax::pad(&x, &init, &pads);
                n += 1;
            }
            let rank = x.ndim()?;
            let half = |start: usize| {
                let mut strides = vec![1; rank];
                strides[d] = 2;
                let mut lo = vec![0; rank];
                lo[d] = start;
                lax::slice(&x, &lo, &x.shape().unwrap_or_default(), Some(&strides))
            };
            x = computation(&half(0), &half(1));
            x.check()?;
            n /= 2;
        }
        x = lax::squeeze(&x, &[d]);
    }
    let out = computation(&lax::broadcast_in_dim(&init, &x.shape()?, &[]), &x);
    out.check()?;
    Ok(out)
}

/// Grouped matrix products: rows of `lhs` `[m, k]` belong, in order, to
/// `group_sizes[g]` consecutive groups, and each group is multiplied by its
/// own `rhs[g]` of `[g, k, n]`; rows past the groups give zeros.
///
/// ```
/// use rjax::{Array, lax, numpy as jnp, DType};
/// let lhs = jnp::ones(&[3, 2], DType::F32);
/// let rhs = Array::from_slice(&[1.0f32, 1.0, 2.0, 2.0], &[2, 2, 1]);
/// let sizes = Array::from_slice(&[1i32, 2], &[2]);
/// let y = lax::ragged_dot(&lhs, &rhs, &sizes);
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![2.0, 4.0, 4.0]);
/// ```
#[track_caller]
pub fn ragged_dot(lhs: &Array, rhs: &Array, group_sizes: &Array) -> Array {
    fallible(|| {
        let (sl, sr, sg) = (lhs.shape()?, rhs.shape()?, group_sizes.shape()?);
        if sl.len() != 2 || sr.len() != 3 || sg != [sr[0]] || sl[1] != sr[1] {
            return Err(Error::new(
                ErrorKind::Shape,
                "ragged_dot",
                "lhs must be [m, k], rhs [g, k, n] and group_sizes [g]",
            )
            .with_operands(vec![lhs.aval()?, rhs.aval()?, group_sizes.aval()?])
            .at(location::current()));
        }
        let (m, g) = (sl[0], sr[0]);
        let ends = lax::cumsum(&jnp::astype(group_sizes, DType::I32), 0, false);
        let rows = lax::iota(DType::I32, &[m], 0);
        let group = jnp::searchsorted(&ends, &rows, jnp::Side::Right);
        let all = jnp::einsum("mk,gkn->gmn", &[lhs.clone(), rhs.clone()]);
        let clipped = jnp::minimum(&group, (g as i32 - 1).max(0));
        let index = lax::expand_dims(&lax::expand_dims(&clipped, &[0]), &[2]);
        let picked = jnp::take_along_axis(&all, &index, 0, crate::indexing::IndexMode::Clip);
        let picked = lax::squeeze(&picked, &[0]);
        let inside = lax::expand_dims(&group.lt(g as i32), &[1]);
        Ok(jnp::where_(&inside, &picked, 0.0))
    })
}

/// The patches a convolution with a kernel of `filter_shape` sees, as
/// channels: for an `NC...` input, an `[N, C · prod(filter_shape), ...]`
/// output whose channel `c · P + p` is input channel `c` at kernel position
/// `p` (row-major).
#[track_caller]
pub fn conv_general_dilated_patches(
    lhs: &Array,
    filter_shape: &[usize],
    window_strides: &[usize],
    padding: Padding,
    lhs_dilation: &[usize],
    rhs_dilation: &[usize],
) -> Array {
    fallible(|| {
        let shape = lhs.shape()?;
        if shape.len() != filter_shape.len() + 2 {
            return Err(Error::new(
                ErrorKind::Shape,
                "conv_general_dilated_patches",
                format!(
                    "an NC... input of rank {} for {} spatial axes",
                    shape.len(),
                    filter_shape.len()
                ),
            )
            .with_operands(vec![lhs.aval()?])
            .at(location::current()));
        }
        let channels = shape[1];
        let p: usize = filter_shape.iter().product();
        let eye = jnp::eye(p, None, 0, lhs.dtype()?);
        let mut one_hot = vec![1, p, 1];
        one_hot.extend(filter_shape);
        let eye = lax::reshape(&eye, &one_hot[1..]);
        let mut kernel_shape = vec![channels, p, 1];
        kernel_shape.extend(filter_shape);
        let dims: Vec<usize> = (1..kernel_shape.len()).collect();
        let kernel = lax::broadcast_in_dim(&eye, &kernel_shape, &dims);
        let mut flat = vec![channels * p, 1];
        flat.extend(filter_shape);
        let kernel = lax::reshape(&kernel, &flat);
        let options = ConvOptions {
            window_strides: window_strides.to_vec(),
            padding,
            lhs_dilation: lhs_dilation.to_vec(),
            rhs_dilation: rhs_dilation.to_vec(),
            feature_group_count: channels,
            ..ConvOptions::default()
        };
        Ok(conv_general_dilated(lhs, &kernel, &options))
    })
}

/// A locally connected ("unshared") convolution: like a convolution of an
/// `NC...` input, but with a separate `[O, C · prod(filter_shape)]` kernel
/// at each output position: `rhs` is `[O, C · P, out_spatial...]`, its
/// channels ordered as [`conv_general_dilated_patches`] orders them.
#[track_caller]
pub fn conv_general_dilated_local(
    lhs: &Array,
    rhs: &Array,
    window_strides: &[usize],
    padding: Padding,
    filter_shape: &[usize],
    lhs_dilation: &[usize],
    rhs_dilation: &[usize],
) -> Array {
    fallible(|| {
        let patches = conv_general_dilated_patches(
            lhs,
            filter_shape,
            window_strides,
            padding,
            lhs_dilation,
            rhs_dilation,
        );
        let spatial: String = ('p'..).take(filter_shape.len()).collect();
        let spec = format!("nc{spatial},oc{spatial}->no{spatial}");
        let out = jnp::einsum(&spec, &[patches, rhs.clone()]);
        out.check()?;
        Ok(out)
    })
}

/// The result of the function registered for the platform rjax runs on
/// (`"cpu"`, `"cuda"`...), or of `default` when none is (JAX's
/// `platform_dependent`; rjax compiles for its one platform, so the choice
/// is made when tracing).
///
/// ```
/// use rjax::{Array, lax};
/// let here = || Array::scalar(1.0f32);
/// let other = || Array::scalar(2.0f32);
/// let x = lax::platform_dependent(&[("cpu", &here), ("cuda", &here)], Some(&other)).unwrap();
/// assert_eq!(x.item::<f32>().unwrap(), 1.0);
/// let y = lax::platform_dependent(&[("tpu", &here)], Some(&other)).unwrap();
/// assert_eq!(y.item::<f32>().unwrap(), 2.0);
/// ```
#[track_caller]
pub fn platform_dependent<T>(
    per_platform: &[(&str, &dyn Fn() -> T)],
    default: Option<&dyn Fn() -> T>,
) -> Result<T> {
    let location = location::current();
    let platform = crate::runtime::runtime()?
        .client
        .platform_name()
        .map_err(|e| crate::runtime::pjrt_error("platform_dependent", e))?
        .to_lowercase();
    let chosen = per_platform
        .iter()
        .find(|(name, _)| name.eq_ignore_ascii_case(&platform))
        .map(|(_, f)| *f)
        .or(default);
    match chosen {
        Some(f) => Ok(f()),
        None => Err(Error::new(
            ErrorKind::Param,
            "platform_dependent",
            format!("no function for platform {platform:?} and no default"),
        )
        .at(location)),
    }
}

/// The axes of a [`ragged_dot_general`]: its contractions and batch axes,
/// the ragged axis of `lhs` and the group axis of `rhs` (JAX's
/// `RaggedDotDimensionNumbers`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RaggedDotDimensionNumbers {
    pub dot_dimension_numbers: rjax_ir::DotDims,
    pub lhs_ragged_dimensions: Vec<usize>,
    pub rhs_group_dimensions: Vec<usize>,
}

/// Grouped products with the rows of a ragged axis split into consecutive
/// groups of `group_sizes`, in the two forms of JAX's
/// `ragged_dot_general` without batch axes: `lhs [m, k]` ragged along `m`
/// with `rhs [g, k, n]` grouped along 0 ([`ragged_dot`], giving `[m, n]`),
/// or ragged along the contracted `k` with `rhs [k, n]` (one product per
/// group over its slice of `k`, giving `[g, m, n]`). Other layouts are a
/// typed error.
#[track_caller]
pub fn ragged_dot_general(
    lhs: &Array,
    rhs: &Array,
    group_sizes: &Array,
    dims: &RaggedDotDimensionNumbers,
) -> Array {
    fallible(|| {
        let d = &dims.dot_dimension_numbers;
        let plain = d.lhs_batch.is_empty()
            && d.rhs_batch.is_empty()
            && d.lhs_contracting == [1]
            && lhs.ndim()? == 2;
        let unsupported = || {
            Error::new(
                ErrorKind::Param,
                "ragged_dot_general",
                format!("{dims:?}: only [m, k] lhs ragged along m (rhs [g, k, n]) or along k (rhs [k, n])"),
            )
            .at(location::current())
        };
        match (
            dims.lhs_ragged_dimensions.as_slice(),
            dims.rhs_group_dimensions.as_slice(),
        ) {
            ([0], [0]) if plain && d.rhs_contracting == [1] => {
                Ok(ragged_dot(lhs, rhs, group_sizes))
            }
            ([1], []) if plain && d.rhs_contracting == [0] && rhs.ndim()? == 2 => {
                let (k, g) = (
                    lhs.shape()?[1],
                    group_sizes.shape()?.first().copied().unwrap_or(0),
                );
                let ends = lax::cumsum(&jnp::astype(group_sizes, DType::I32), 0, false);
                let group =
                    jnp::searchsorted(&ends, &lax::iota(DType::I32, &[k], 0), jnp::Side::Right);
                let member = lax::iota(DType::I32, &[g, k], 0).eq(&lax::broadcast_in_dim(
                    &group,
                    &[g, k],
                    &[1],
                ));
                let member = jnp::astype(&member, lhs.dtype()?);
                Ok(jnp::einsum(
                    "mk,gk,kn->gmn",
                    &[lhs.clone(), member, rhs.clone()],
                ))
            }
            _ => Err(unsupported()),
        }
    })
}
