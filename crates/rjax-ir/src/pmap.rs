//! The parameters of `pmap`'s call primitive.

use crate::SubJaxpr;

/// The parameters of [`Primitive::Pmap`](crate::Primitive::Pmap): `body`
/// runs once per member of the mapped axis `axis_name` (`axis_size`
/// members, one per device). Operands marked `mapped` are split along
/// their axis 0, the others reach every member whole; the results are
/// stacked along a new axis 0.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PmapParams {
    pub body: SubJaxpr,
    pub axis_name: String,
    pub axis_size: usize,
    pub mapped: Vec<bool>,
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
