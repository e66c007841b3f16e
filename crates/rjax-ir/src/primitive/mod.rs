//! The closed set of primitives with their typed parameters.
//!
//! Every interpreter (evaluation, staging, jvp, batching, lowering) is an
//! exhaustive `match` over [`Primitive`]; adding a variant makes the compiler
//! point at every rule it still needs. Elementwise families ([`UnaryOp`],
//! [`BinaryOp`], [`Comparison`]) are sub-enums: each member is a primitive of
//! its own, matched exhaustively the same way, sharing one shape rule.

use crate::{
    ConvParams, CustomCall, DType, IndexDims, Jaxpr, PmapParams, ScanParams, ScatterOp,
    TriangularSolveParams, WhileParams,
};
use std::sync::Arc;

mod structure;
mod text;

pub(crate) use text::py_bool;

/// Elementwise functions of one operand.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    Neg,
    Exp,
    Log,
    Log1p,
    Expm1,
    Tanh,
    Logistic,
    Sin,
    Cos,
    Tan,
    Sqrt,
    Rsqrt,
    Abs,
    Sign,
    Floor,
    Ceil,
    /// Round half to even, as `jnp.round`.
    Round,
    /// Logical not on bool, bitwise not on integers.
    Not,
    IsFinite,
    Erf,
    ErfInv,
    Cbrt,
    Sinh,
    Cosh,
    Asin,
    Acos,
    Atan,
    Asinh,
    Acosh,
    Atanh,
    /// `log |Γ(x)|`.
    Lgamma,
    /// `d/dx log Γ(x)`.
    Digamma,
    /// `1 - erf(x)`, accurate where `erf(x)` is near 1.
    Erfc,
    /// `e^-|x| I₀(x)`: the exponentially scaled modified Bessel function
    /// of the first kind, of order 0.
    BesselI0e,
    /// `e^-|x| I₁(x)`: the same, of order 1.
    BesselI1e,
    /// The number of set bits (integers).
    PopulationCount,
    /// The number of leading zero bits (integers).
    Clz,
    /// The real part of a complex number (a float of the parts' width).
    Real,
    /// The imaginary part of a complex number.
    Imag,
    /// The complex conjugate.
    Conj,
}

/// Elementwise functions of two operands of equal dtype. Shapes must be equal,
/// except that a rank-0 operand broadcasts against the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
    Div,
    Rem,
    Pow,
    Max,
    Min,
    Atan2,
    And,
    Or,
    Xor,
    /// Integers only; shifts by the bit width or more give 0 (or the sign
    /// for the arithmetic right shift).
    ShiftLeft,
    ShiftRightLogical,
    ShiftRightArithmetic,
    /// The next representable float after `x` in the direction of `y`.
    NextAfter,
    /// `polygamma(n, x)`: the `n`-th derivative of digamma at `x`.
    Polygamma,
    /// The Hurwitz zeta function `zeta(x, q) = Σₖ (q + k)^-x`.
    Zeta,
    /// `x + y·i` from floats `x` and `y` (f32 or f64).
    Complex,
}

/// Elementwise comparisons giving bool.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Comparison {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// Reductions over axes with a monoid.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    Sum,
    Max,
    Min,
    Prod,
    /// Logical (bool) or bitwise (integers) and, or and xor.
    And,
    Or,
    Xor,
}

/// Index-of-extreme reductions along one axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ArgOp {
    ArgMax,
    ArgMin,
}

/// `dot_general` dimension numbers: which lhs/rhs axes contract and which are
/// batch axes. The result is `batch..., lhs free..., rhs free...`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Default)]
pub struct DotDims {
    pub lhs_contracting: Vec<usize>,
    pub rhs_contracting: Vec<usize>,
    pub lhs_batch: Vec<usize>,
    pub rhs_batch: Vec<usize>,
}

/// A primitive operation with its static parameters.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Primitive {
    Unary(UnaryOp),
    Binary(BinaryOp),
    Compare(Comparison),
    /// `select_n(pred, on_false, on_true)`: picks `on_true` where `pred`.
    Select,
    ConvertElementType {
        new_dtype: DType,
        weak_type: bool,
    },
    /// Reinterpret the bits as `new_dtype`, of the same width.
    BitcastConvertType {
        new_dtype: DType,
    },
    /// The Threefry-2x32 block cipher (20 rounds): operands key words
    /// `k1`, `k2` and count words `x1`, `x2`, all uint32 (rank-0 ones
    /// broadcast); results the two enciphered words.
    Threefry2x32,
    BroadcastInDim {
        shape: Vec<usize>,
        broadcast_dimensions: Vec<usize>,
    },
    Reshape {
        new_sizes: Vec<usize>,
    },
    Transpose {
        permutation: Vec<usize>,
    },
    Squeeze {
        dimensions: Vec<usize>,
    },
    ExpandDims {
        dimensions: Vec<usize>,
    },
    Reduce {
        op: ReduceOp,
        axes: Vec<usize>,
    },
    ArgReduce {
        op: ArgOp,
        axis: usize,
        index_dtype: DType,
    },
    DotGeneral {
        dims: DotDims,
        preferred_element_type: Option<DType>,
    },
    Slice {
        start: Vec<usize>,
        limit: Vec<usize>,
        strides: Vec<usize>,
    },
    /// Operands: the array, then one scalar start index per axis (clamped).
    DynamicSlice {
        slice_sizes: Vec<usize>,
    },
    /// Operands: the array, the update, then one scalar start index per axis.
    DynamicUpdateSlice,
    Concatenate {
        dimension: usize,
    },
    /// Operands: the array and a scalar padding value. Negative low/high crop.
    Pad {
        low: Vec<i64>,
        high: Vec<i64>,
        interior: Vec<usize>,
    },
    Iota {
        dtype: DType,
        shape: Vec<usize>,
        dimension: usize,
    },
    /// The identity, with a zero derivative.
    StopGradient,
    /// Round floats to `exponent_bits` and `mantissa_bits` (a narrower
    /// float format) and back, keeping the dtype.
    ReducePrecision {
        exponent_bits: u32,
        mantissa_bits: u32,
    },
    /// `conv_general_dilated`: operands the input and the kernel.
    Conv(ConvParams),
    /// Windows of `slice_sizes` read at the start positions in an indices
    /// array (operands: the array, the indices). Start positions are
    /// clamped so that every window lies in bounds, as XLA's gather does.
    Gather {
        dims: IndexDims,
        slice_sizes: Vec<usize>,
    },
    /// The operand with windows of updates combined in at the start
    /// positions in an indices array (operands: the array, the indices,
    /// the updates). Windows reaching out of bounds are skipped, as XLA's
    /// scatter does.
    Scatter {
        dims: IndexDims,
        op: ScatterOp,
    },
    /// The Cholesky factor `L` (lower triangular, `A = L Lᵀ`) of each
    /// symmetric positive definite matrix in the last two axes. Only the
    /// lower triangle of the input is read; the strict upper triangle of the
    /// result is unspecified (the facade zeroes it).
    Cholesky,
    /// Solve `op(a) x = b` or `x op(a) = b` for a triangular `a`
    /// ([`TriangularSolveParams`]). Operands `a` (`[..., m, m]`) and `b`;
    /// leading axes are batch axes.
    TriangularSolve(TriangularSolveParams),
    /// XLA's stateful-style generator: from a `uint32[4]` key, a new key
    /// and random bits of an unsigned `dtype` in `shape`.
    RngBitGenerator {
        shape: Vec<usize>,
        dtype: DType,
        algorithm: RngAlgorithm,
    },
    /// A discrete Fourier transform over the trailing
    /// `fft_lengths.len()` axes (one to three), of the kind [`FftType`].
    Fft {
        fft_type: FftType,
        fft_lengths: Vec<usize>,
    },
    /// Reverse the order of elements along `dimensions`.
    Rev {
        dimensions: Vec<usize>,
    },
    /// Sort operands of one shape together along `dimension`, ordered
    /// lexicographically by the first `num_keys` (floats in total order:
    /// `-NaN < -inf < … < -0 < 0 < … < inf < NaN`). One result per operand.
    Sort {
        dimension: usize,
        is_stable: bool,
        num_keys: usize,
    },
    /// Reduce across the members of the mapped axis `axis_name` (`psum`,
    /// `pmax`, `pmin`); every member gets the result.
    AllReduce {
        op: ReduceOp,
        axis_name: String,
    },
    /// Every member gets all members' values, stacked at `axis` (or
    /// concatenated along it when `tiled`).
    AllGather {
        axis_name: String,
        axis: usize,
        tiled: bool,
        axis_size: usize,
    },
    /// This member's index along the mapped axis `axis_name`.
    AxisIndex {
        axis_name: String,
    },
    /// Member `dst` of each `(src, dst)` pair gets member `src`'s value;
    /// members no pair sends to get zeros.
    Ppermute {
        axis_name: String,
        perm: Vec<(usize, usize)>,
    },
    /// Split along `split_axis` into `axis_size` chunks, send chunk `j` to
    /// member `j`, and concatenate what arrives along `concat_axis`, in
    /// member order.
    AllToAll {
        axis_name: String,
        split_axis: usize,
        concat_axis: usize,
        axis_size: usize,
    },
    /// The sum over the members, of which member `j` keeps chunk `j` of
    /// `axis_size` along `scatter_dimension`.
    PsumScatter {
        axis_name: String,
        scatter_dimension: usize,
        axis_size: usize,
    },
    /// `pmap`'s call ([`PmapParams`]): its body runs once per member of
    /// the mapped axis.
    Pmap(PmapParams),
    /// A user-defined primitive (custom derivative rules, checkpointing).
    Custom(CustomCall),
    /// A call of a staged function (what `jit` binds when it is traced).
    Jit(JitCall),
    /// Operands: an int32 branch index, then the branches' operands. Every
    /// branch takes the operands and returns outputs of the same types.
    Cond {
        branches: Vec<SubJaxpr>,
    },
    /// A loop while a condition holds ([`WhileParams`]).
    While(WhileParams),
    /// A loop over the leading axis of its scanned operands
    /// ([`ScanParams`]).
    Scan(ScanParams),
}

/// The parameters of a [`Primitive::Jit`] call: a named, closed-over-nothing
/// Jaxpr (captured constants are its leading inputs).
#[derive(Clone, Debug)]
pub struct JitCall {
    pub name: String,
    pub jaxpr: Arc<Jaxpr>,
}

/// A Jaxpr nested in primitive parameters (control flow), compared by
/// identity.
#[derive(Clone, Debug)]
pub struct SubJaxpr(pub Arc<Jaxpr>);

impl PartialEq for SubJaxpr {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
impl Eq for SubJaxpr {}
impl std::hash::Hash for SubJaxpr {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (Arc::as_ptr(&self.0) as usize).hash(state)
    }
}

impl PartialEq for JitCall {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.jaxpr, &other.jaxpr)
    }
}
impl Eq for JitCall {}
impl std::hash::Hash for JitCall {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (Arc::as_ptr(&self.jaxpr) as usize).hash(state)
    }
}

/// The kind of a [`Primitive::Fft`], as XLA names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FftType {
    /// Complex to complex, forward.
    Fft,
    /// Complex to complex, inverse (scaled by `1/n`).
    Ifft,
    /// Real to complex, forward: the `n/2 + 1` non-negative frequencies of
    /// the last axis.
    Rfft,
    /// Complex to real, inverse: `n` real values from `n/2 + 1`
    /// frequencies in the last axis.
    Irfft,
}

/// The bit generator of [`Primitive::RngBitGenerator`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RngAlgorithm {
    /// The backend's choice.
    Default,
    ThreeFry,
    Philox,
}

impl ReduceOp {
    /// And, or and xor: defined on bool and integers only, and never
    /// differentiated.
    pub fn is_logical(self) -> bool {
        matches!(self, ReduceOp::And | ReduceOp::Or | ReduceOp::Xor)
    }
}
