//! The parameters of the loop primitives, `while` and `scan`.

use crate::SubJaxpr;

/// The parameters of [`Primitive::While`](crate::Primitive::While).
/// Operands: `cond_consts` constants of `cond`, `body_consts` of `body`,
/// then the loop carry; `cond` maps (consts, carry) to a bool scalar,
/// `body` maps (consts, carry) to the next carry.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WhileParams {
    pub cond: SubJaxpr,
    pub body: SubJaxpr,
    pub cond_consts: usize,
    pub body_consts: usize,
}

impl WhileParams {
    /// The parameters as `make_jaxpr` prints them.
    pub fn text(&self) -> String {
        format!(
            "body_nconsts={} cond_nconsts={}",
            self.body_consts, self.cond_consts
        )
    }
}

/// The parameters of [`Primitive::Scan`](crate::Primitive::Scan).
/// Operands: `num_consts` constants, `num_carry` carried values, then
/// arrays scanned along their leading axis of `length`. `body` maps
/// (consts, carry, slices) to (carry, output slices); the results are the
/// final carry and the stacked outputs.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct ScanParams {
    pub body: SubJaxpr,
    pub length: usize,
    pub reverse: bool,
    pub num_consts: usize,
    pub num_carry: usize,
}

impl ScanParams {
    /// The parameters as `make_jaxpr` prints them.
    pub fn text(&self) -> String {
        format!(
            "length={} num_carry={} num_consts={} reverse={}",
            self.length,
            self.num_carry,
            self.num_consts,
            crate::primitive::py_bool(self.reverse)
        )
    }
}
