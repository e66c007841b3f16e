//! Histograms: `histogram_bin_edges`, `histogram`, `histogram2d` and
//! `histogramdd`.

use super::searching::{Side, searchsorted};
use super::{cast, concatenate, fallible, ravel, to_float, where_};
use crate::{Array, idx, lax, location};
use rjax_ir::{Error, ErrorKind};

/// The bins of a histogram: a number of equal bins over the data's range
/// (or a given one), or the bin edges themselves.
#[derive(Clone, Debug)]
pub enum Bins {
    /// This many equal bins.
    Count(usize),
    /// These increasing edges (one more than the bins).
    Edges(Array),
}

impl From<usize> for Bins {
    fn from(n: usize) -> Bins {
        Bins::Count(n)
    }
}

impl From<&Array> for Bins {
    fn from(edges: &Array) -> Bins {
        Bins::Edges(edges.clone())
    }
}

/// `num` points from `start` to `stop` (scalar arrays), both included, as
/// JAX's `linspace` computes them.
fn linspace_between(start: &Array, stop: &Array, num: usize) -> Result<Array, Error> {
    let dtype = start.dtype()?;
    if num < 2 {
        return Ok(lax::broadcast_in_dim(start, &[num], &[]));
    }
    let div = (num - 1) as f64;
    let step = lax::iota(dtype, &[num - 1], 0) / div;
    let inner = start * (1.0 - &step) + stop * &step;
    Ok(concatenate(
        &[inner, lax::broadcast_in_dim(stop, &[1], &[])],
        0,
    ))
}

/// The edges of the bins [`histogram`] uses: `bins + 1` equally spaced
/// values over `range` (the data's, by default; an empty range widens by
/// 0.5 on each side), or the given edges.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let a = Array::from_slice(&[2.0f32, 5.0, 3.0, 6.0, 4.0, 1.0], &[6]);
/// let edges = jnp::histogram_bin_edges(&a, 5, None);
/// assert_eq!(edges.to_vec::<f32>().unwrap(), vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
/// ```
#[track_caller]
pub fn histogram_bin_edges(a: &Array, bins: impl Into<Bins>, range: Option<(f64, f64)>) -> Array {
    let bins = bins.into();
    fallible(|| {
        let a = to_float(a);
        let dtype = a.dtype()?;
        let n = match bins {
            Bins::Edges(e) => return Ok(cast(&e, dtype, false)),
            Bins::Count(n) => n,
        };
        let (lo, hi) = match range {
            Some((lo, hi)) => (
                Array::scalar(lo).astype(dtype),
                Array::scalar(hi).astype(dtype),
            ),
            None => (super::min(&a, (), false), super::max(&a, (), false)),
        };
        let empty = lo.eq(&hi);
        let lo = where_(&empty, &lo - 0.5, &lo);
        let hi = where_(&empty, &hi + 0.5, &hi);
        linspace_between(&lo, &hi, n + 1)
    })
}

/// The (weighted) number of elements of `a` in each bin, and the bin edges
/// (see [`histogram_bin_edges`]); the last bin includes its right edge.
/// With `density`, counts are scaled to integrate to 1.
///
/// ```
/// use rjax::{Array, numpy as jnp};
/// let a = Array::from_slice(&[1.0f32, 2.0, 1.0, 4.0], &[4]);
/// let (counts, _) = jnp::histogram(&a, 3, Some((0.0, 6.0)), None, false);
/// assert_eq!(counts.to_vec::<f32>().unwrap(), vec![2.0, 1.0, 1.0]);
/// ```
#[track_caller]
pub fn histogram(
    a: &Array,
    bins: impl Into<Bins>,
    range: Option<(f64, f64)>,
    weights: Option<&Array>,
    density: bool,
) -> (Array, Array) {
    let bins = bins.into();
    let _scope = location::scope();
    let result = (|| {
        let a = to_float(a);
        let weights = match weights {
            None => super::ones_like(&a, None),
            Some(w) => {
                if w.shape()? != a.shape()? {
                    return Err(Error::new(
                        ErrorKind::Shape,
                        "histogram",
                        "weights should have the same shape as a",
                    )
                    .with_operands(vec![a.aval()?, w.aval()?])
                    .at(location::current()));
                }
                to_float(w)
            }
        };
        let edges = histogram_bin_edges(&a, bins, range);
        let n = edges.shape()?[0];
        let bin = searchsorted(&edges, &a, Side::Right);
        let bin = where_(a.eq(edges.get(idx![-1])), (n - 1) as i32, &bin);
        let counts = super::zeros(&[n], weights.dtype()?)
            .at(idx![&bin])
            .add(&weights);
        let counts = counts.get(idx![1..]);
        let counts = if density {
            let widths = super::diff(&edges, 1, 0);
            &counts / &widths / super::sum(&counts, (), false)
        } else {
            counts
        };
        Ok((counts, edges))
    })();
    result.unwrap_or_else(|e| {
        let e = Array::from_error(e);
        (e.clone(), e)
    })
}

/// The histogram of the points whose coordinates are the columns of the
/// `(N, D)` array `sample`: counts of shape `(bins, ..., bins)` and the
/// edges along each axis (see [`histogram`]).
#[track_caller]
pub fn histogramdd(
    sample: &Array,
    bins: &[Bins],
    range: Option<&[(f64, f64)]>,
    weights: Option<&Array>,
    density: bool,
) -> (Array, Vec<Array>) {
    let _scope = location::scope();
    let result = (|| {
        let sample = to_float(sample);
        let shape = sample.shape()?;
        if shape.len() != 2 || (bins.len() != shape[1] && bins.len() != 1) {
            return Err(Error::new(
                ErrorKind::Shape,
                "histogramdd",
                format!(
                    "needs an (N, D) sample and 1 or D bins, got {} bins",
                    bins.len()
                ),
            )
            .with_operands(vec![sample.aval()?])
            .at(location::current()));
        }
        let d = shape[1];
        let mut edges = vec![];
        let mut flat = Array::scalar(0i32);
        let mut dims = vec![];
        for i in 0..d {
            let column = sample.get(idx![.., i as i64]);
            let e = histogram_bin_edges(
                &column,
                bins[i.min(bins.len() - 1)].clone(),
                range.map(|r| r[i.min(r.len() - 1)]),
            );
            let n = e.shape()?[0];
            let bin = searchsorted(&e, &column, Side::Right);
            let bin = where_(column.eq(e.get(idx![-1])), (n - 1) as i32, &bin);
            // Positions outside the edges (bins 0 and n + 1) are dropped.
            flat = flat * ((n + 1) as i32) + bin;
            dims.push(n + 1);
            edges.push(e);
        }
        let total: usize = dims.iter().product();
        let weights = match weights {
            None => super::ones(&[shape[0]], rjax_ir::DType::I32),
            Some(w) => to_float(w),
        };
        let counts = super::zeros(&[total], weights.dtype()?)
            .at(idx![&flat])
            .add(&weights);
        let mut counts = counts.reshape(&dims.iter().map(|&n| n as i64).collect::<Vec<_>>());
        for (axis, &n) in dims.iter().enumerate() {
            counts = super::shape::slice_along(&counts, axis, 1, n - 1, 1);
        }
        if density {
            counts = cast(&counts, sample.dtype()?, false);
            counts = &counts / super::sum(&counts, (), false);
            for (axis, e) in edges.iter().enumerate() {
                let mut shape = vec![1i64; d];
                shape[axis] = -1;
                counts = &counts / super::diff(e, 1, 0).reshape(&shape);
            }
        }
        Ok((counts, edges))
    })();
    result.unwrap_or_else(|e| (Array::from_error(e), vec![]))
}

/// The histogram of the points `(x[i], y[i])` (see [`histogramdd`]).
#[track_caller]
pub fn histogram2d(
    x: &Array,
    y: &Array,
    bins: &[Bins],
    range: Option<&[(f64, f64)]>,
    weights: Option<&Array>,
    density: bool,
) -> (Array, Array, Array) {
    let sample = super::stack(&[ravel(x), ravel(y)], 1);
    let (counts, edges) = histogramdd(&sample, bins, range, weights, density);
    match edges.as_slice() {
        [ex, ey] => (counts, ex.clone(), ey.clone()),
        _ => (counts.clone(), counts.clone(), counts),
    }
}
