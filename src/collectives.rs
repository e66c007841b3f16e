//! Collectives: communication between the members of a mapped axis
//! (`pmap`'s devices, or `vmap`'s batch members when the axis is named).
//! Re-exported by [`crate::lax`].

use crate::Array;
use crate::lax::bind1;
use rjax_ir::primitive::ReduceOp;
use rjax_ir::{Error, Primitive};

/// The size of the mapped axis `axis_name`, for a collective of `x` that
/// needs it (an error already in `x` comes first).
#[track_caller]
fn bound_size(op: &str, axis_name: &str, x: Option<&Array>) -> Result<usize, Error> {
    let location = crate::location::current();
    if let Some(x) = x {
        x.check()?;
    }
    rjax_ir::axis_size(axis_name).ok_or_else(|| Error::unbound_axis(op, axis_name).at(location))
}

/// The number of members of the mapped axis `axis_name` (an error outside
/// any transformation that maps it).
///
/// ```
/// use rjax::{lax, vmap_with, Array, VmapSpec};
/// let f = vmap_with(|x: Array| &x * lax::axis_size("b").unwrap() as f64, VmapSpec::default().axis_name("b"));
/// assert_eq!(f(Array::from_slice(&[1.0f32, 2.0], &[2])).unwrap().to_vec::<f32>().unwrap(), vec![2.0, 4.0]);
/// assert!(lax::axis_size("b").is_err());
/// ```
#[track_caller]
pub fn axis_size(axis_name: &str) -> Result<usize, Error> {
    bound_size("axis_size", axis_name, None)
}

macro_rules! all_reduce {
    ($($(#[$doc:meta])* $name:ident => $op:ident;)*) => {$(
        $(#[$doc])*
        #[track_caller]
        pub fn $name(x: &Array, axis_name: &str) -> Array {
            bind1(Primitive::AllReduce { op: ReduceOp::$op, axis_name: axis_name.to_string() }, &[x])
        }
    )*};
}

all_reduce! {
    /// The sum over the members of the mapped axis `axis_name`.
    ///
    /// ```
    /// use rjax::{lax, vmap_with, Array, VmapSpec};
    /// // The README's `normalize` over arange(4.).
    /// let normalize = vmap_with(|x: Array| &x / &lax::psum(&x, "i"), VmapSpec::default().axis_name("i"));
    /// let out = normalize(rjax::numpy::arange_f32(0.0, 4.0, 1.0)).unwrap();
    /// assert_eq!(out.to_vec::<f32>().unwrap(), vec![0.0, 0.16666667, 0.33333334, 0.5]);
    /// ```
    psum => Sum;
    /// The maximum over the members of the mapped axis `axis_name`.
    pmax => Max;
    /// The minimum over the members of the mapped axis `axis_name`.
    pmin => Min;
}

/// The mean over the members of the mapped axis `axis_name`.
#[track_caller]
pub fn pmean(x: &Array, axis_name: &str) -> Array {
    match bound_size("pmean", axis_name, Some(x)) {
        Ok(n) => &psum(x, axis_name) / (n as f64),
        Err(e) => Array::from_error(e),
    }
}

/// All members' values, stacked at `axis` (concatenated along it when
/// `tiled`), on every member.
#[track_caller]
pub fn all_gather(x: &Array, axis_name: &str, axis: usize, tiled: bool) -> Array {
    match bound_size("all_gather", axis_name, Some(x)) {
        Ok(axis_size) => bind1(
            Primitive::AllGather {
                axis_name: axis_name.to_string(),
                axis,
                tiled,
                axis_size,
            },
            &[x],
        ),
        Err(e) => Array::from_error(e),
    }
}

/// This member's index along the mapped axis `axis_name` (int32).
#[track_caller]
pub fn axis_index(axis_name: &str) -> Array {
    bind1(
        Primitive::AxisIndex {
            axis_name: axis_name.to_string(),
        },
        &[],
    )
}

/// Member `dst` of each `(src, dst)` pair in `perm` gets member `src`'s
/// `x`; members no pair sends to get zeros.
///
/// ```
/// use rjax::{lax, vmap_with, Array, VmapSpec};
/// // Shift right by one around a ring of 4.
/// let ring: Vec<(usize, usize)> = (0..4).map(|i| (i, (i + 1) % 4)).collect();
/// let f = vmap_with(move |x: Array| lax::ppermute(&x, "i", &ring), VmapSpec::default().axis_name("i"));
/// let y = f(Array::from_slice(&[0.0f32, 1.0, 2.0, 3.0], &[4])).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![3.0, 0.0, 1.0, 2.0]);
/// ```
#[track_caller]
pub fn ppermute(x: &Array, axis_name: &str, perm: &[(usize, usize)]) -> Array {
    if let Err(e) = bound_size("ppermute", axis_name, Some(x)).and_then(|n| {
        match perm.iter().find(|(s, d)| *s >= n || *d >= n) {
            Some(p) => Err(Error::new(
                rjax_ir::ErrorKind::Param,
                "ppermute",
                format!("pair {p:?} names a member outside the {n} of axis `{axis_name}`"),
            )
            .at(crate::location::current())),
            None => Ok(()),
        }
    }) {
        return Array::from_error(e);
    }
    bind1(
        Primitive::Ppermute {
            axis_name: axis_name.to_string(),
            perm: perm.to_vec(),
        },
        &[x],
    )
}

/// Split `x` along `split_axis` into one chunk per member, send chunk `j`
/// to member `j`, and put what arrives along `concat_axis` in member order.
/// Untiled (`tiled = false`), `split_axis` must have the axis' size and is
/// removed, and a new axis of that size appears at `concat_axis`; tiled,
/// the chunks are concatenated along the existing `concat_axis`.
///
/// ```
/// use rjax::{lax, numpy as jnp, vmap_with, Array, VmapSpec};
/// // Members' rows become members' columns: a transpose across the axis.
/// let f = vmap_with(|x: Array| lax::all_to_all(&x, "i", 0, 0, false), VmapSpec::default().axis_name("i"));
/// let x = jnp::arange_f32(0.0, 9.0, 1.0).reshape(&[3, 3]);
/// assert_eq!(f(x.clone()).unwrap().to_vec::<f32>().unwrap(), x.t().to_vec::<f32>().unwrap());
/// ```
#[track_caller]
pub fn all_to_all(
    x: &Array,
    axis_name: &str,
    split_axis: usize,
    concat_axis: usize,
    tiled: bool,
) -> Array {
    let axis_size = match bound_size("all_to_all", axis_name, Some(x)) {
        Ok(n) => n,
        Err(e) => return Array::from_error(e),
    };
    let call = |x: &Array, split_axis, concat_axis| {
        bind1(
            Primitive::AllToAll {
                axis_name: axis_name.to_string(),
                split_axis,
                concat_axis,
                axis_size,
            },
            &[x],
        )
    };
    if tiled {
        return call(x, split_axis, concat_axis);
    }
    // A unit axis at `concat_axis` receives the chunks; the split axis,
    // reduced to one, goes.
    let (split, concat) = if split_axis < concat_axis {
        (split_axis, concat_axis + 1)
    } else {
        (split_axis + 1, concat_axis)
    };
    let y = call(&crate::lax::expand_dims(x, &[concat]), split, concat);
    crate::lax::squeeze(&y, &[split])
}

/// The sum over the members of the axis, scattered: member `j` gets chunk
/// `j` of the sum along `scatter_dimension`. Untiled, that dimension must
/// have the axis' size and is removed; tiled, it shrinks by that factor.
///
/// ```
/// use rjax::{lax, numpy as jnp, vmap_with, Array, VmapSpec};
/// let f = vmap_with(|x: Array| lax::psum_scatter(&x, "i", 0, false), VmapSpec::default().axis_name("i"));
/// let x = jnp::arange_f32(0.0, 4.0, 1.0).reshape(&[2, 2]);
/// // Member j gets column sum j: [0 + 2, 1 + 3].
/// assert_eq!(f(x).unwrap().to_vec::<f32>().unwrap(), vec![2.0, 4.0]);
/// ```
#[track_caller]
pub fn psum_scatter(x: &Array, axis_name: &str, scatter_dimension: usize, tiled: bool) -> Array {
    let axis_size = match bound_size("psum_scatter", axis_name, Some(x)) {
        Ok(n) => n,
        Err(e) => return Array::from_error(e),
    };
    let y = bind1(
        Primitive::PsumScatter {
            axis_name: axis_name.to_string(),
            scatter_dimension,
            axis_size,
        },
        &[x],
    );
    if tiled {
        y
    } else {
        crate::lax::squeeze(&y, &[scatter_dimension])
    }
}

/// Every member's `x` replaced by the `source` member's (JAX's
/// `pbroadcast`): a `psum` of the source's value and zeros.
///
/// ```
/// use rjax::{lax, vmap_with, Array, VmapSpec};
/// let f = vmap_with(|x: Array| lax::pbroadcast(&x, "i", 2), VmapSpec::default().axis_name("i"));
/// let y = f(Array::from_slice(&[1.0f32, 2.0, 3.0], &[3])).unwrap();
/// assert_eq!(y.to_vec::<f32>().unwrap(), vec![3.0, 3.0, 3.0]);
/// ```
#[track_caller]
pub fn pbroadcast(x: &Array, axis_name: &str, source: usize) -> Array {
    let is_source = axis_index(axis_name).eq(source as i32);
    let zeros = crate::numpy::zeros_like(x, None);
    psum(&crate::numpy::where_(&is_source, x, &zeros), axis_name)
}

/// Member `i` receives member `perm[i]`'s `x` (JAX's `pshuffle`, a
/// [`ppermute`] written by sources).
#[track_caller]
pub fn pshuffle(x: &Array, axis_name: &str, perm: &[usize]) -> Array {
    let pairs: Vec<(usize, usize)> = perm.iter().enumerate().map(|(i, &p)| (p, i)).collect();
    ppermute(x, axis_name, &pairs)
}

/// The named axis swapped with `x`'s `axis` (of the same size): an
/// [`all_to_all`] that splits and concatenates along `axis`.
#[track_caller]
pub fn pswapaxes(x: &Array, axis_name: &str, axis: usize) -> Array {
    all_to_all(x, axis_name, axis, axis, false)
}
