//! The parameters of `conv_general_dilated` and its shape rule.

use crate::{AVal, DType, Error, ErrorKind, Result};

/// Where an operand of a convolution keeps its batch-like axis, its
/// feature axis and its spatial axes. For the kernel, `batch` is the
/// output-feature axis and `feature` the input-feature axis.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConvLayout {
    pub batch: usize,
    pub feature: usize,
    pub spatial: Vec<usize>,
}

impl ConvLayout {
    /// Batch, feature, then the spatial axes in order (`NCHW`, `OIHW`).
    pub fn canonical(spatial_rank: usize) -> ConvLayout {
        ConvLayout {
            batch: 0,
            feature: 1,
            spatial: (2..spatial_rank + 2).collect(),
        }
    }

    /// The layout with the batch and feature roles exchanged.
    pub fn swapped(&self) -> ConvLayout {
        ConvLayout {
            batch: self.feature,
            feature: self.batch,
            spatial: self.spatial.clone(),
        }
    }

    fn rank(&self) -> usize {
        self.spatial.len() + 2
    }

    fn is_permutation(&self) -> bool {
        let mut seen = vec![false; self.rank()];
        for &a in [self.batch, self.feature].iter().chain(&self.spatial) {
            if a >= seen.len() || seen[a] {
                return false;
            }
            seen[a] = true;
        }
        true
    }

    /// StableHLO's spelling: `[b, 0, 1, f]` with `b`/`f` (or `o`/`i`).
    pub fn mlir(&self, batch: char, feature: char) -> String {
        let mut slots = vec![String::new(); self.rank()];
        slots[self.batch] = batch.to_string();
        slots[self.feature] = feature.to_string();
        for (i, &a) in self.spatial.iter().enumerate() {
            slots[a] = i.to_string();
        }
        format!("[{}]", slots.join(", "))
    }
}

/// The layouts of the input (`lhs`), kernel (`rhs`) and output.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConvDims {
    pub lhs: ConvLayout,
    pub rhs: ConvLayout,
    pub out: ConvLayout,
}

/// All static parameters of a convolution.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ConvParams {
    pub window_strides: Vec<usize>,
    /// Low and high padding per spatial axis (negative crops).
    pub padding: Vec<(i64, i64)>,
    pub lhs_dilation: Vec<usize>,
    pub rhs_dilation: Vec<usize>,
    pub dims: ConvDims,
    pub feature_group_count: usize,
    pub batch_group_count: usize,
    pub preferred_element_type: Option<DType>,
}

/// `(size - 1) * dilation + 1`, or 0 for an empty axis (saturating: an
/// overflowing size is rejected as too large later).
pub fn dilate(size: usize, dilation: usize) -> usize {
    if size == 0 {
        0
    } else {
        (size - 1).saturating_mul(dilation).saturating_add(1)
    }
}

impl ConvParams {
    /// The number of spatial axes.
    pub fn spatial_rank(&self) -> usize {
        self.dims.lhs.spatial.len()
    }

    /// The output's abstract value, or why the operands do not fit.
    pub fn output(&self, lhs: &AVal, rhs: &AVal) -> Result<AVal> {
        let err = |kind, msg: String| {
            Error::new(kind, "conv_general_dilated", msg)
                .with_operands(vec![lhs.clone(), rhs.clone()])
        };
        let n = self.spatial_rank();
        let d = &self.dims;
        let layouts_ok = [&d.lhs, &d.rhs, &d.out]
            .iter()
            .all(|l| l.spatial.len() == n && l.is_permutation());
        if !layouts_ok || lhs.rank() != n + 2 || rhs.rank() != n + 2 {
            return Err(err(
                ErrorKind::Axis,
                format!(
                    "dimension numbers {d:?} do not fit operands of rank {} and {}",
                    lhs.rank(),
                    rhs.rank()
                ),
            ));
        }
        let lens_ok = [
            self.window_strides.len(),
            self.padding.len(),
            self.lhs_dilation.len(),
            self.rhs_dilation.len(),
        ]
        .iter()
        .all(|&l| l == n);
        let positive = self
            .window_strides
            .iter()
            .chain(&self.lhs_dilation)
            .chain(&self.rhs_dilation)
            .all(|&s| s > 0);
        if !lens_ok || !positive {
            return Err(err(
                ErrorKind::Param,
                format!(
                    "strides {:?}, padding {:?} and dilations {:?}/{:?} need {n} positive entries",
                    self.window_strides, self.padding, self.lhs_dilation, self.rhs_dilation
                ),
            ));
        }
        let (fg, bg) = (self.feature_group_count, self.batch_group_count);
        let batch = lhs.shape[d.lhs.batch];
        let in_features = lhs.shape[d.lhs.feature];
        let out_features = rhs.shape[d.rhs.batch];
        let kernel_in = rhs.shape[d.rhs.feature];
        let groups_ok = fg > 0
            && bg > 0
            && (fg == 1 || bg == 1)
            && kernel_in.checked_mul(fg) == Some(in_features)
            && out_features % fg == 0
            && out_features % bg == 0
            && batch % bg == 0;
        if !groups_ok {
            return Err(err(
                ErrorKind::Shape,
                format!(
                    "{in_features} input features, kernel of {out_features} out / {kernel_in} in features, {batch} batch: not valid for feature_group_count={fg}, batch_group_count={bg}"
                ),
            ));
        }
        let mut shape = vec![0; n + 2];
        shape[d.out.batch] = batch / bg;
        shape[d.out.feature] = out_features;
        for i in 0..n {
            let (lo, hi) = self.padding[i];
            // In i128 the padded extent cannot overflow; a result beyond
            // usize saturates and fails the output's size check.
            let input = dilate(lhs.shape[d.lhs.spatial[i]], self.lhs_dilation[i]) as i128
                + lo as i128
                + hi as i128;
            let window = dilate(rhs.shape[d.rhs.spatial[i]], self.rhs_dilation[i]) as i128;
            shape[d.out.spatial[i]] = if input < window || input < 0 {
                0
            } else {
                let steps = (input - window) / self.window_strides[i] as i128 + 1;
                usize::try_from(steps).unwrap_or(usize::MAX)
            };
        }
        let dtype = self.preferred_element_type.unwrap_or(lhs.dtype);
        Ok(AVal::new(shape, dtype))
    }

    /// The parameters as `make_jaxpr` prints them.
    pub fn text(&self) -> String {
        let pads: Vec<String> = self
            .padding
            .iter()
            .map(|(l, h)| format!("({l}, {h})"))
            .collect();
        format!(
            "batch_group_count={} feature_group_count={} lhs_dilation={:?} padding=({}) rhs_dilation={:?} window_strides={:?}",
            self.batch_group_count,
            self.feature_group_count,
            self.lhs_dilation,
            pads.join(", "),
            self.rhs_dilation,
            self.window_strides
        )
    }
}
