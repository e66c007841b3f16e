//! The parameters of `triangular_solve`.

/// The parameters of
/// [`Primitive::TriangularSolve`](crate::Primitive::TriangularSolve): solve
/// `op(a) x = b` (`left_side`) or `x op(a) = b` for `x`, with `a`
/// triangular (`lower` or upper, only that triangle read; its diagonal
/// taken as ones when `unit_diagonal`) and `op` the transpose when
/// `transpose_a`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
pub struct TriangularSolveParams {
    pub left_side: bool,
    pub lower: bool,
    pub transpose_a: bool,
    pub unit_diagonal: bool,
}

impl TriangularSolveParams {
    /// The parameters as `make_jaxpr` prints them.
    pub fn text(&self) -> String {
        use crate::primitive::py_bool;
        format!(
            "left_side={} lower={} transpose_a={} unit_diagonal={}",
            py_bool(self.left_side),
            py_bool(self.lower),
            py_bool(self.transpose_a),
            py_bool(self.unit_diagonal)
        )
    }
}
