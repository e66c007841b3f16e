//! `lax.conv_general_dilated` and its conveniences: padding by name,
//! dimension numbers as layout strings (`"NHWC"`, `"HWIO"`).

use crate::Array;
use crate::lax::{self, bind1};
use rjax_ir::{ConvDims, ConvLayout, ConvParams, DType, Error, ErrorKind, Primitive};

/// How windows (of a convolution or a window reduction) are padded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Padding {
    /// No padding: only windows that fit.
    Valid,
    /// `ceil(input / stride)` outputs, the odd padding element at the end.
    Same,
    /// As [`Padding::Same`], the odd padding element at the start.
    SameLower,
    /// `(low, high)` per spatial axis; negative values crop.
    Explicit(Vec<(i64, i64)>),
}

impl Padding {
    /// Explicit `(low, high)` pairs for windows of `windows` (already
    /// dilated) moving by `strides` over `inputs`.
    pub fn pairs(&self, inputs: &[usize], windows: &[usize], strides: &[usize]) -> Vec<(i64, i64)> {
        let same = |lower: bool| {
            (0..inputs.len())
                .map(|i| {
                    // Mismatched lengths are reported by the shape rule.
                    let stride = strides.get(i).copied().unwrap_or(1).max(1);
                    let window = windows.get(i).copied().unwrap_or(1);
                    let out = inputs[i].div_ceil(stride);
                    let reach = (out.max(1) - 1)
                        .saturating_mul(stride)
                        .saturating_add(window);
                    let total = i64::try_from(reach.saturating_sub(inputs[i])).unwrap_or(i64::MAX);
                    let small = total / 2;
                    if lower {
                        (total - small, small)
                    } else {
                        (small, total - small)
                    }
                })
                .collect()
        };
        match self {
            Padding::Valid => vec![(0, 0); inputs.len()],
            Padding::Same => same(false),
            Padding::SameLower => same(true),
            Padding::Explicit(p) => p.clone(),
        }
    }
}

/// The `(low, high)` padding of each spatial axis that `padding` gives
/// windows of `window_shape` moving by `window_strides` over `in_shape`
/// (one entry per axis in each).
///
/// ```
/// use rjax::lax::{self, Padding};
/// let pads = lax::padtype_to_pads(&[7, 6], &[3, 2], &[2, 1], &Padding::Same).unwrap();
/// assert_eq!(pads, vec![(1, 1), (0, 1)]);
/// ```
#[track_caller]
pub fn padtype_to_pads(
    in_shape: &[usize],
    window_shape: &[usize],
    window_strides: &[usize],
    padding: &Padding,
) -> Result<Vec<(i64, i64)>, Error> {
    let n = in_shape.len();
    let explicit_fits = !matches!(padding, Padding::Explicit(p) if p.len() != n);
    if window_shape.len() != n || window_strides.len() != n || !explicit_fits {
        return Err(Error::new(
            ErrorKind::Shape,
            "padtype_to_pads",
            format!(
                "shapes {in_shape:?}, windows {window_shape:?}, strides {window_strides:?} and \
                 padding {padding:?} differ in length"
            ),
        )
        .at(crate::location::current()));
    }
    Ok(padding.pairs(in_shape, window_shape, window_strides))
}

/// The parameters of [`conv_general_dilated`] besides the operands. Empty
/// strides and dilations mean 1 on every spatial axis.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvOptions {
    pub window_strides: Vec<usize>,
    pub padding: Padding,
    pub lhs_dilation: Vec<usize>,
    pub rhs_dilation: Vec<usize>,
    /// Layout strings for input, kernel and output, e.g.
    /// `("NHWC", "HWIO", "NHWC")`; `None` is `NCHW, OIHW, NCHW` (any rank).
    pub dimension_numbers: Option<(String, String, String)>,
    pub feature_group_count: usize,
    pub batch_group_count: usize,
    pub preferred_element_type: Option<DType>,
}

impl Default for ConvOptions {
    fn default() -> ConvOptions {
        ConvOptions {
            window_strides: Vec::new(),
            padding: Padding::Valid,
            lhs_dilation: Vec::new(),
            rhs_dilation: Vec::new(),
            dimension_numbers: None,
            feature_group_count: 1,
            batch_group_count: 1,
            preferred_element_type: None,
        }
    }
}

impl ConvOptions {
    /// Options with the given layout strings (input, kernel, output).
    pub fn with_layouts(mut self, lhs: &str, rhs: &str, out: &str) -> ConvOptions {
        self.dimension_numbers = Some((lhs.into(), rhs.into(), out.into()));
        self
    }
}

fn layout_error(message: String) -> Error {
    Error::new(ErrorKind::Axis, "conv_general_dilated", message)
}

/// Parse layout strings: `N`/`C` (input, output) or `O`/`I` (kernel) name
/// the batch and feature axes; the other letters are spatial axes, matched
/// across the three strings by letter in the kernel's order.
pub(crate) fn parse_dims(lhs: &str, rhs: &str, out: &str) -> Result<ConvDims, Error> {
    let spatial: Vec<char> = rhs.chars().filter(|c| !"OI".contains(*c)).collect();
    let layout = |spec: &str, batch: char, feature: char| -> Result<ConvLayout, Error> {
        let pos = |c: char| {
            spec.chars().position(|x| x == c).ok_or_else(|| {
                layout_error(format!(
                    "layout {spec:?} has no {c:?} (kernel layout {rhs:?})"
                ))
            })
        };
        if spec.len() != rhs.len() {
            return Err(layout_error(format!(
                "layouts {lhs:?}, {rhs:?}, {out:?} differ in rank"
            )));
        }
        Ok(ConvLayout {
            batch: pos(batch)?,
            feature: pos(feature)?,
            spatial: spatial.iter().map(|&c| pos(c)).collect::<Result<_, _>>()?,
        })
    };
    Ok(ConvDims {
        lhs: layout(lhs, 'N', 'C')?,
        rhs: layout(rhs, 'O', 'I')?,
        out: layout(out, 'N', 'C')?,
    })
}

/// General convolution (JAX's `lax.conv_general_dilated`): strides,
/// padding, input (`lhs`) and kernel (`rhs`) dilation, feature and batch
/// groups, any layout.
///
/// ```
/// use rjax::{lax, Array};
/// use rjax::lax::{ConvOptions, Padding};
/// let x = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0], &[1, 4, 1]); // NWC
/// let k = Array::from_slice(&[1.0f32, -1.0], &[2, 1, 1]); // WIO
/// let opts = ConvOptions { padding: Padding::Valid, ..Default::default() }
///     .with_layouts("NWC", "WIO", "NWC");
/// let y = lax::conv_general_dilated(&x, &k, &opts);
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![-1.0, -1.0, -1.0]);
/// ```
#[track_caller]
pub fn conv_general_dilated(lhs: &Array, rhs: &Array, options: &ConvOptions) -> Array {
    let (lhs_shape, rhs_shape) = match (lhs.shape(), rhs.shape()) {
        (Ok(l), Ok(r)) => (l, r),
        (Err(e), _) | (_, Err(e)) => return Array::from_error(e),
    };
    let rank = lhs_shape.len();
    let n = rank.saturating_sub(2);
    let dims = match &options.dimension_numbers {
        Some((l, r, o)) => parse_dims(l, r, o),
        None => Ok(ConvDims {
            lhs: ConvLayout::canonical(n),
            rhs: ConvLayout::canonical(n),
            out: ConvLayout::canonical(n),
        }),
    };
    let dims = match dims {
        Ok(d) if d.lhs.spatial.len() == n && rhs_shape.len() == rank => d,
        Ok(d) => {
            let e = layout_error(format!(
                "layouts {d:?} do not fit operands of rank {rank} and {}",
                rhs_shape.len()
            ));
            return Array::from_error(e.at(crate::location::current()));
        }
        Err(e) => return Array::from_error(e.at(crate::location::current())),
    };
    let ones = |v: &[usize]| if v.is_empty() { vec![1; n] } else { v.to_vec() };
    let (window_strides, rhs_dilation) =
        (ones(&options.window_strides), ones(&options.rhs_dilation));
    let inputs: Vec<usize> = dims.lhs.spatial.iter().map(|&a| lhs_shape[a]).collect();
    let windows: Vec<usize> = (0..n)
        .map(|i| {
            rjax_ir::dilate(
                rhs_shape[dims.rhs.spatial[i]],
                rhs_dilation.get(i).copied().unwrap_or(1),
            )
        })
        .collect();
    let padding = options.padding.pairs(&inputs, &windows, &window_strides);
    let params = ConvParams {
        window_strides,
        padding,
        lhs_dilation: ones(&options.lhs_dilation),
        rhs_dilation,
        dims,
        feature_group_count: options.feature_group_count,
        batch_group_count: options.batch_group_count,
        preferred_element_type: options.preferred_element_type,
    };
    bind1(Primitive::Conv(params), &[lhs, rhs])
}

/// Convolution of an `NCHW`-style input with an `OIHW`-style kernel (any
/// number of spatial axes), JAX's `lax.conv`.
#[track_caller]
pub fn conv(lhs: &Array, rhs: &Array, window_strides: &[usize], padding: Padding) -> Array {
    let options = ConvOptions {
        window_strides: window_strides.to_vec(),
        padding,
        ..ConvOptions::default()
    };
    conv_general_dilated(lhs, rhs, &options)
}

/// [`conv_general_dilated`] in the default layouts with explicit padding
/// and dilations, JAX's `lax.conv_with_general_padding`.
///
/// ```
/// use rjax::{lax, Array};
/// let x = Array::from_slice(&[1.0f32, 2.0, 3.0], &[1, 1, 3]);
/// let k = Array::from_slice(&[1.0f32, 1.0], &[1, 1, 2]);
/// let y = lax::conv_with_general_padding(&x, &k, &[1], &[(1, 1)], &[1], &[1]);
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![1.0, 3.0, 5.0, 3.0]);
/// ```
#[track_caller]
pub fn conv_with_general_padding(
    lhs: &Array,
    rhs: &Array,
    window_strides: &[usize],
    padding: &[(i64, i64)],
    lhs_dilation: &[usize],
    rhs_dilation: &[usize],
) -> Array {
    let options = ConvOptions {
        window_strides: window_strides.to_vec(),
        padding: Padding::Explicit(padding.to_vec()),
        lhs_dilation: lhs_dilation.to_vec(),
        rhs_dilation: rhs_dilation.to_vec(),
        ..ConvOptions::default()
    };
    conv_general_dilated(lhs, rhs, &options)
}

/// The transposed convolution (JAX's `lax.conv_transpose`): the input
/// dilated by `strides` and convolved with stride 1, padded so that
/// `Valid` and `Same` undo the shapes of the forward convolution with that
/// padding (explicit padding is used as given). Layouts default to
/// channels last (`NC`, `NHC`, `NHWC`, `NHWDC` with kernels `IO`, `HIO`,
/// `HWIO`, `HWDIO`); `transpose_kernel` flips the kernel's spatial axes
/// and swaps its input and output features, giving the gradient of the
/// forward convolution.
///
/// ```
/// use rjax::{lax, Array, lax::Padding};
/// let x = Array::from_slice(&[1.0f32, 2.0], &[1, 2, 1]); // NHC
/// let k = Array::from_slice(&[1.0f32, 10.0], &[2, 1, 1]); // HIO
/// let y = lax::conv_transpose(&x, &k, &[2], Padding::Valid, &[], None, false);
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![10.0, 1.0, 20.0, 2.0]);
/// ```
#[track_caller]
pub fn conv_transpose(
    lhs: &Array,
    rhs: &Array,
    strides: &[usize],
    padding: Padding,
    rhs_dilation: &[usize],
    dimension_numbers: Option<(&str, &str, &str)>,
    transpose_kernel: bool,
) -> Array {
    let location = crate::location::current();
    let layouts = dimension_numbers.map(|(l, r, o)| (l.to_string(), r.to_string(), o.to_string()));
    let transposed = Transposed {
        strides,
        padding,
        rhs_dilation,
        transpose_kernel,
    };
    match transposed.forward(lhs, rhs, layouts) {
        Ok((kernel, options)) => conv_general_dilated(lhs, &kernel, &options),
        Err(e) => Array::from_error(e.at(location)),
    }
}

/// The parameters of a [`conv_transpose`].
struct Transposed<'a> {
    strides: &'a [usize],
    padding: Padding,
    rhs_dilation: &'a [usize],
    transpose_kernel: bool,
}

impl Transposed<'_> {
    /// The kernel and the options of the forward convolution computing it.
    fn forward(
        &self,
        lhs: &Array,
        rhs: &Array,
        layouts: Option<(String, String, String)>,
    ) -> Result<(Array, ConvOptions), Error> {
        let (rank, rhs_rank) = (lhs.ndim()?, rhs.ndim()?);
        let error = |kind, message: String| Error::new(kind, "conv_transpose", message);
        if rank < 2 || rhs_rank != rank {
            let message =
                format!("needs operands of one rank, at least 2, not {rank} and {rhs_rank}");
            return Err(error(ErrorKind::Shape, message));
        }
        let (l, r, o) = match layouts {
            Some(layouts) => layouts,
            None => {
                let spatial = "HWD".get(..rank - 2).ok_or_else(|| {
                    error(
                        ErrorKind::Shape,
                        format!("no default layouts for rank {rank}"),
                    )
                })?;
                let nc = format!("N{spatial}C");
                (nc.clone(), format!("{spatial}IO"), nc)
            }
        };
        let dims = parse_dims(&l, &r, &o)?;
        let n = dims.rhs.spatial.len();
        let dilation = match self.rhs_dilation {
            [] => vec![1; n],
            d => d.to_vec(),
        };
        if self.strides.len() != n || dilation.len() != n {
            let message = format!("strides and dilations need {n} entries, one per spatial axis");
            return Err(error(ErrorKind::Param, message));
        }
        let shape = rhs.shape()?;
        let pads = match &self.padding {
            Padding::Explicit(p) => p.clone(),
            Padding::Valid | Padding::Same => (0..n)
                .map(|i| {
                    let k = rjax_ir::dilate(shape[dims.rhs.spatial[i]], dilation[i]) as i64;
                    transpose_padding(k, self.strides[i] as i64, self.padding == Padding::Same)
                })
                .collect(),
            Padding::SameLower => {
                let message = "padding must be Valid, Same or explicit".to_string();
                return Err(error(ErrorKind::Param, message));
            }
        };
        let kernel = if self.transpose_kernel {
            let mut swap: Vec<usize> = (0..rank).collect();
            swap.swap(dims.rhs.batch, dims.rhs.feature);
            lax::transpose(&lax::rev(rhs, &dims.rhs.spatial), &swap)
        } else {
            rhs.clone()
        };
        let options = ConvOptions {
            padding: Padding::Explicit(pads),
            lhs_dilation: self.strides.to_vec(),
            rhs_dilation: dilation,
            ..ConvOptions::default()
        };
        Ok((kernel, options.with_layouts(&l, &r, &o)))
    }
}

/// Padding `(low, high)` of one spatial axis of a transposed convolution
/// with a (dilated) kernel of `k` and stride `s`, for the forward
/// convolution's `Same` or `Valid` padding.
pub(crate) fn transpose_padding(k: i64, s: i64, same: bool) -> (i64, i64) {
    let (total, low) = if same {
        let total = k + s - 2;
        (total, if s > k - 1 { k - 1 } else { (total + 1) / 2 })
    } else {
        (k + s - 2 + (k - s).max(0), k - 1)
    };
    (low, total - low)
}
