//! The parameters of `pmap`'s call primitive.

use crate::SubJaxpr;

/// The parameters of [`Primitive::Pmap`](crate::Primitive::Pmap): `body`
/// runs once per member of the mapped axis `axis_name` (`axis_size`
/// members, one per device). Operands marked `mapped` are split along
/// their axis 0, the others reach every member whole; the results are
/// stacked along a new axis 0.
///
/// `devices` names the devices (indices among the client's) of the grid
/// the call and the calls nested in it run on, row-major, when the caller
/// chose them (`shard_map` names its mesh's). A `jit` whose program holds
/// a call (outside any other) runs partitioned over its devices (`0..`
/// the grid's size when it names none), the call as a manual region
/// (docs/decisions.md, "shard_map inside a partitioned jit: manual
/// regions"); `make_jaxpr` does not print them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PmapParams {
    pub body: SubJaxpr,
    pub axis_name: String,
    pub axis_size: usize,
    pub mapped: Vec<bool>,
    pub devices: Option<Vec<usize>>,
}

impl PmapParams {
    /// The parameters as `make_jaxpr` prints them.
    pub fn text(&self) -> String {
        let axes: Vec<&str> = self
            .mapped
            .iter()
            .map(|&m| if m { "0" } else { "None" })
            .collect();
        format!(
            "axis_name={} axis_size={} in_axes=({},) out_axes=(0,)",
            self.axis_name,
            self.axis_size,
            axes.join(", ")
        )
    }
}
