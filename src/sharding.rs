//! Shardings: a [`Mesh`] lays devices out in a grid with named axes, a
//! [`PartitionSpec`] (written with [`P!`](crate::P)) says which mesh axes
//! split each dimension of an array, and a [`NamedSharding`] pairs the two.
//! [`device_put`](crate::device_put) places an array that way, and `jit`
//! compiles programs over sharded arrays (see [`crate::Jit::in_shardings`]).

use crate::module::partitions::HloSharding;
use crate::runtime::device_count;
use rjax_ir::{AVal, Error, ErrorKind, MeshSharding, Result};
use std::fmt;
use std::panic::Location;

/// A grid of devices with a name for each axis, like `jax.sharding.Mesh`.
///
/// ```
/// use rjax::Mesh;
/// let mesh = Mesh::new(&[4, 2], &["data", "model"]).unwrap();
/// assert_eq!((mesh.size(), mesh.axis_size("model")), (8, Some(2)));
/// assert!(Mesh::new(&[4, 4], &["data", "model"]).is_err()); // 16 > 8 devices
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Mesh {
    shape: Vec<usize>,
    axis_names: Vec<String>,
    devices: Vec<usize>,
}

impl Mesh {
    /// A mesh of the given axis sizes over the client's first devices, in
    /// order (row-major: the last axis varies fastest).
    #[track_caller]
    pub fn new(shape: &[usize], axis_names: &[&str]) -> Result<Mesh> {
        let location = Location::caller();
        let available = device_count().map_err(|e| e.at(location))?;
        // More devices than exist (or an overflowing size) is reported by
        // `with_devices`; one past the count is enough to trip it.
        let size = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        let devices: Vec<usize> = (0..size.unwrap_or(usize::MAX).min(available + 1)).collect();
        Mesh::with_devices(shape, axis_names, &devices)
    }

    /// A mesh over an explicit list of devices (indices among the client's
    /// devices), laid out row-major over the grid.
    #[track_caller]
    pub fn with_devices(shape: &[usize], axis_names: &[&str], devices: &[usize]) -> Result<Mesh> {
        let location = Location::caller();
        let fail = |kind, message: String| Err(Error::new(kind, "Mesh", message).at(location));
        if shape.len() != axis_names.len() {
            return fail(
                ErrorKind::Param,
                format!(
                    "{} axis sizes {shape:?} but {} axis names {axis_names:?}",
                    shape.len(),
                    axis_names.len()
                ),
            );
        }
        if let Some(n) = repeated(axis_names) {
            return fail(ErrorKind::Axis, format!("axis name {n:?} is used twice"));
        }
        let size: Option<usize> = shape.iter().try_fold(1usize, |n, &d| n.checked_mul(d));
        let available = device_count().map_err(|e| e.at(location))?;
        match size {
            Some(n) if n > available => {
                return fail(
                    ErrorKind::Shape,
                    format!(
                        "a mesh of shape {shape:?} needs {n} devices, but only {available} exist (set RJAX_CPU_DEVICE_COUNT for more CPU devices)"
                    ),
                );
            }
            Some(n) if n > 0 && n == devices.len() => {}
            _ => {
                return fail(
                    ErrorKind::Shape,
                    format!(
                        "a mesh of shape {shape:?} needs {} devices, {} are given",
                        size.map_or("too many".to_string(), |n| n.to_string()),
                        devices.len()
                    ),
                );
            }
        }
        if let Some(d) = devices.iter().find(|&&d| d >= available) {
            return fail(
                ErrorKind::Param,
                format!("device {d} does not exist: there are {available} devices"),
            );
        }
        if let Some(d) = repeated(devices) {
            return fail(ErrorKind::Param, format!("device {d} appears twice"));
        }
        Ok(Mesh {
            shape: shape.to_vec(),
            axis_names: axis_names.iter().map(|s| s.to_string()).collect(),
            devices: devices.to_vec(),
        })
    }

    /// The axis sizes.
    pub fn shape(&self) -> &[usize] {
        &self.shape
    }
    /// The axis names.
    pub fn axis_names(&self) -> &[String] {
        &self.axis_names
    }
    /// The devices (indices among the client's devices), row-major.
    pub fn devices(&self) -> &[usize] {
        &self.devices
    }
    /// How many devices the mesh holds.
    pub fn size(&self) -> usize {
        self.devices.len()
    }
    /// The size of the axis `name`.
    pub fn axis_size(&self, name: &str) -> Option<usize> {
        self.axis_index(name).map(|k| self.shape[k])
    }
    pub(crate) fn axis_index(&self, name: &str) -> Option<usize> {
        self.axis_names.iter().position(|n| n == name)
    }
}

/// The first item equal to an earlier one.
fn repeated<T: PartialEq>(items: impl IntoIterator<Item = T>) -> Option<T> {
    let mut seen = Vec::new();
    for x in items {
        if seen.contains(&x) {
            return Some(x);
        }
        seen.push(x);
    }
    None
}

/// Which mesh axes split one dimension of an array (none: the dimension
/// is whole on every device). Made from `None`, an axis name, or a tuple or
/// array of names (major first) by [`P!`](crate::P).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct DimSpec(pub Vec<String>);

impl From<&str> for DimSpec {
    fn from(name: &str) -> DimSpec {
        DimSpec(vec![name.to_string()])
    }
}
impl From<Option<&str>> for DimSpec {
    fn from(name: Option<&str>) -> DimSpec {
        DimSpec(name.into_iter().map(str::to_string).collect())
    }
}
impl<const N: usize> From<[&str; N]> for DimSpec {
    fn from(names: [&str; N]) -> DimSpec {
        DimSpec(names.iter().map(|s| s.to_string()).collect())
    }
}
impl From<(&str, &str)> for DimSpec {
    fn from((a, b): (&str, &str)) -> DimSpec {
        DimSpec(vec![a.to_string(), b.to_string()])
    }
}

/// How each dimension of an array is split over the axes of a mesh, like
/// `jax.sharding.PartitionSpec`; dimensions past its length are whole.
/// Written with [`P!`](crate::P).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct PartitionSpec(pub Vec<DimSpec>);

impl fmt::Display for PartitionSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let dims: Vec<String> = self
            .0
            .iter()
            .map(|d| match d.0.as_slice() {
                [] => "None".to_string(),
                [one] => format!("{one:?}"),
                many => format!("({})", many.join(", ")),
            })
            .collect();
        write!(f, "P[{}]", dims.join(", "))
    }
}

/// A [`PartitionSpec`]: one entry per leading dimension, each `None`, an
/// axis name, or a tuple or array of axis names.
///
/// ```
/// use rjax::P;
/// let spec = P!["data", None, ("x", "y")];
/// assert_eq!(spec.to_string(), "P[\"data\", None, (x, y)]");
/// assert_eq!(P![].0.len(), 0); // replicated
/// ```
#[macro_export]
macro_rules! P {
    ($($dim:expr),* $(,)?) => {
        $crate::PartitionSpec(vec![$($crate::DimSpec::from($dim)),*])
    };
}

/// A [`Mesh`] and a [`PartitionSpec`]: where each piece of an array lives,
/// like `jax.sharding.NamedSharding`.
///
/// ```
/// use rjax::{Mesh, NamedSharding, P};
/// let mesh = Mesh::new(&[4, 2], &["data", "model"]).unwrap();
/// let s = NamedSharding::new(&mesh, P!["data", "model"]).unwrap();
/// assert_eq!(s.shard_shape(&[8, 6]).unwrap(), [2, 3]);
/// assert!(NamedSharding::new(&mesh, P!["batch"]).is_err()); // not a mesh axis
/// assert!(NamedSharding::new(&mesh, P!["data", "data"]).is_err()); // used twice
/// assert!(s.shard_shape(&[8, 5]).is_err()); // 5 does not split in 2
/// ```
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NamedSharding {
    mesh: Mesh,
    spec: PartitionSpec,
}

impl NamedSharding {
    /// A sharding of `mesh`; each axis of the spec must be one of the
    /// mesh's, used at most once.
    #[track_caller]
    pub fn new(mesh: &Mesh, spec: PartitionSpec) -> Result<NamedSharding> {
        let location = Location::caller();
        let names = spec.0.iter().flat_map(|d| d.0.iter());
        if let Some(n) = names.clone().find(|n| mesh.axis_index(n).is_none()) {
            return Err(Error::new(
                ErrorKind::Axis,
                "NamedSharding",
                format!(
                    "{spec} names axis {n:?}, which is not in the mesh (axes {:?})",
                    mesh.axis_names
                ),
            )
            .at(location));
        }
        if let Some(n) = repeated(names) {
            return Err(Error::new(
                ErrorKind::Axis,
                "NamedSharding",
                format!("{spec} uses mesh axis {n:?} twice"),
            )
            .at(location));
        }
        Ok(NamedSharding {
            mesh: mesh.clone(),
            spec,
        })
    }

    /// The whole array on every device of `mesh`.
    pub fn replicated(mesh: &Mesh) -> NamedSharding {
        NamedSharding {
            mesh: mesh.clone(),
            spec: PartitionSpec::default(),
        }
    }

    /// The whole array on one device (an index among the client's devices).
    #[track_caller]
    pub fn single_device(device: usize) -> Result<NamedSharding> {
        let mesh = Mesh::with_devices(&[1], &["_device"], &[device])?;
        Ok(NamedSharding::replicated(&mesh))
    }

    pub fn mesh(&self) -> &Mesh {
        &self.mesh
    }
    pub fn spec(&self) -> &PartitionSpec {
        &self.spec
    }

    /// The shape of each device's piece of an array of `shape`; a typed
    /// error where the spec is longer than the shape or a dimension does
    /// not divide evenly.
    #[track_caller]
    pub fn shard_shape(&self, shape: &[usize]) -> Result<Vec<usize>> {
        let location = Location::caller();
        let layout = self
            .layout(
                &AVal::new(shape.to_vec(), rjax_ir::DType::F32),
                "shard_shape",
            )
            .map_err(|e| e.at(location))?;
        Ok(block_shape(shape, &layout))
    }

    /// The layout over the mesh of an array of type `aval`, checked: the
    /// spec fits the rank and every split dimension divides evenly.
    pub(crate) fn layout(&self, aval: &AVal, op: &str) -> Result<MeshSharding> {
        let fail = |message: String| {
            Err(Error::new(ErrorKind::Shape, op, message).with_operands(vec![aval.clone()]))
        };
        if self.spec.0.len() > aval.rank() {
            return fail(format!(
                "{} has {} entries, more than the {} dimensions of {aval}",
                self.spec,
                self.spec.0.len(),
                aval.rank()
            ));
        }
        let mut dim_axes: Vec<Vec<usize>> = self
            .spec
            .0
            .iter()
            .map(|d| d.0.iter().filter_map(|n| self.mesh.axis_index(n)).collect())
            .collect();
        dim_axes.resize(aval.rank(), Vec::new());
        let layout = MeshSharding {
            mesh_shape: self.mesh.shape.clone(),
            dim_axes,
            devices: self.mesh.devices.clone(),
        };
        for (d, (&n, t)) in aval.shape.iter().zip(layout.tiles()).enumerate() {
            if n % t != 0 {
                return fail(format!(
                    "dimension {d} of {aval} (size {n}) does not split evenly into {t} pieces as {} asks",
                    self.spec
                ));
            }
        }
        Ok(layout)
    }
}

impl fmt::Display for NamedSharding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let axes: Vec<String> = self
            .mesh
            .axis_names
            .iter()
            .zip(&self.mesh.shape)
            .map(|(n, s)| format!("{n}={s}"))
            .collect();
        write!(f, "NamedSharding(mesh[{}], {})", axes.join(", "), self.spec)
    }
}

/// The sharding over `mesh` of an array of type `aval` that partition `p`
/// (running on `mesh.devices()[p]`) holds as `chosen` says, as JAX names
/// the layouts XLA's partitioner chose: the first of `preferred` (the
/// arguments' shardings) that lays the array out the same, else
/// replicated when every partition holds the whole array, else the spec
/// with one entry per dimension. `None` when no spec over the mesh's axes
/// gives those blocks (a maximal sharding, or tiles that cut across the
/// mesh's axes).
pub(crate) fn matching_sharding(
    mesh: &Mesh,
    chosen: &HloSharding,
    aval: &AVal,
    preferred: &[&NamedSharding],
) -> Option<NamedSharding> {
    let rank = aval.rank();
    let same = |s: &NamedSharding| {
        s.mesh().devices() == mesh.devices()
            && s.layout(aval, "jit").is_ok_and(|layout| {
                (0..mesh.size()).all(|p| layout.block_of(p) == chosen.block_of(p, rank))
            })
    };
    if matches!(chosen, HloSharding::Maximal(_)) {
        return None;
    }
    if let Some(s) = preferred.iter().find(|s| same(s)) {
        return Some((*s).clone());
    }
    let replicated = NamedSharding::replicated(mesh);
    if same(&replicated) {
        return Some(replicated);
    }
    // Stepping one mesh axis from partition 0 moves the block along the
    // dimension it splits, by the product of the sizes of the axes after
    // it there: that says which dimension each axis splits, and in which
    // order. The spec read so is then checked on every partition.
    let origin = chosen.block_of(0, rank);
    let mut dims: Vec<Vec<(usize, usize)>> = vec![Vec::new(); rank];
    for (a, &size) in mesh.shape.iter().enumerate() {
        if size == 1 {
            continue;
        }
        let stride: usize = mesh.shape[a + 1..].iter().product();
        let moved: Vec<(usize, usize)> = chosen
            .block_of(stride, rank)
            .iter()
            .zip(&origin)
            .enumerate()
            .filter(|(_, (b, o))| b != o)
            .map(|(d, (&b, &o))| (d, b.wrapping_sub(o)))
            .collect();
        match moved.as_slice() {
            [] => {}
            &[(d, step)] => dims[d].push((step, a)),
            _ => return None,
        }
    }
    let spec = dims
        .into_iter()
        .map(|mut axes| {
            axes.sort_by_key(|&(step, _)| std::cmp::Reverse(step));
            DimSpec(
                axes.iter()
                    .map(|&(_, a)| mesh.axis_names[a].clone())
                    .collect(),
            )
        })
        .collect();
    let s = NamedSharding::new(mesh, PartitionSpec(spec)).ok()?;
    same(&s).then_some(s)
}

/// The shape of one block of an array of `shape` laid out as `layout`.
pub(crate) fn block_shape(shape: &[usize], layout: &MeshSharding) -> Vec<usize> {
    shape
        .iter()
        .zip(layout.tiles())
        .map(|(&n, t)| n / t)
        .collect()
}

/// The element ranges, along each dimension, of the block partition `p`
/// holds.
pub(crate) fn block_ranges(
    shape: &[usize],
    layout: &MeshSharding,
    p: usize,
) -> Vec<std::ops::Range<usize>> {
    block_shape(shape, layout)
        .iter()
        .zip(layout.block_of(p))
        .map(|(&b, i)| i * b..(i + 1) * b)
        .collect()
}

/// Visit the contiguous runs that make up a block of a row-major array of
/// `shape` (elements of `width` bytes): `copy(offset in the array, offset
/// in the block, length)`, all in bytes.
fn for_each_run(
    shape: &[usize],
    ranges: &[std::ops::Range<usize>],
    width: usize,
    mut copy: impl FnMut(usize, usize, usize),
) {
    let rank = shape.len();
    if rank == 0 {
        copy(0, 0, width);
        return;
    }
    let run = ranges[rank - 1].len() * width;
    let rows: usize = ranges[..rank - 1].iter().map(|r| r.len()).product();
    let mut index = vec![0usize; rank - 1];
    for row in 0..rows {
        let mut offset = 0;
        for (d, (&n, r)) in shape.iter().zip(ranges).enumerate() {
            let i = if d + 1 < rank {
                r.start + index[d]
            } else {
                r.start
            };
            offset = offset * n + i;
        }
        copy(offset * width, row * run, run);
        // Advance the row index, last dimension fastest.
        for d in (0..rank - 1).rev() {
            index[d] += 1;
            if index[d] < ranges[d].len() {
                break;
            }
            index[d] = 0;
        }
    }
}

/// The bytes of the block partition `p` holds, cut from the array's.
pub(crate) fn cut_block(bytes: &[u8], aval: &AVal, layout: &MeshSharding, p: usize) -> Vec<u8> {
    let width = aval.dtype.size_bytes();
    let ranges = block_ranges(&aval.shape, layout, p);
    let mut out = vec![0u8; ranges.iter().map(|r| r.len()).product::<usize>() * width];
    for_each_run(&aval.shape, &ranges, width, |from, to, n| {
        out[to..to + n].copy_from_slice(&bytes[from..from + n]);
    });
    out
}

/// Write the block partition `p` holds into the array's bytes.
pub(crate) fn paste_block(
    out: &mut [u8],
    aval: &AVal,
    layout: &MeshSharding,
    p: usize,
    block: &[u8],
) {
    let width = aval.dtype.size_bytes();
    let ranges = block_ranges(&aval.shape, layout, p);
    for_each_run(&aval.shape, &ranges, width, |to, from, n| {
        out[to..to + n].copy_from_slice(&block[from..from + n]);
    });
}
