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
use std::fmt;
use std::sync::Arc;

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

impl UnaryOp {
    pub fn name(self) -> &'static str {
        use UnaryOp::*;
        match self {
            Neg => "neg",
            Exp => "exp",
            Log => "log",
            Log1p => "log1p",
            Expm1 => "expm1",
            Tanh => "tanh",
            Logistic => "logistic",
            Sin => "sin",
            Cos => "cos",
            Tan => "tan",
            Sqrt => "sqrt",
            Rsqrt => "rsqrt",
            Abs => "abs",
            Sign => "sign",
            Floor => "floor",
            Ceil => "ceil",
            Round => "round",
            Not => "not",
            IsFinite => "is_finite",
            Erf => "erf",
            ErfInv => "erf_inv",
            Cbrt => "cbrt",
            Sinh => "sinh",
            Cosh => "cosh",
            Asin => "asin",
            Acos => "acos",
            Atan => "atan",
            Asinh => "asinh",
            Acosh => "acosh",
            Atanh => "atanh",
            Lgamma => "lgamma",
            Digamma => "digamma",
            Erfc => "erfc",
            BesselI0e => "bessel_i0e",
            BesselI1e => "bessel_i1e",
            PopulationCount => "population_count",
            Clz => "clz",
        }
    }
}

impl BinaryOp {
    pub fn name(self) -> &'static str {
        use BinaryOp::*;
        match self {
            Add => "add",
            Sub => "sub",
            Mul => "mul",
            Div => "div",
            Rem => "rem",
            Pow => "pow",
            Max => "max",
            Min => "min",
            Atan2 => "atan2",
            And => "and",
            Or => "or",
            Xor => "xor",
            ShiftLeft => "shift_left",
            ShiftRightLogical => "shift_right_logical",
            ShiftRightArithmetic => "shift_right_arithmetic",
            NextAfter => "nextafter",
            Polygamma => "polygamma",
            Zeta => "zeta",
        }
    }
}

impl Comparison {
    pub fn name(self) -> &'static str {
        use Comparison::*;
        match self {
            Eq => "eq",
            Ne => "ne",
            Lt => "lt",
            Le => "le",
            Gt => "gt",
            Ge => "ge",
        }
    }
}

/// The bit generator of [`Primitive::RngBitGenerator`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RngAlgorithm {
    /// The backend's choice.
    Default,
    ThreeFry,
    Philox,
}

impl RngAlgorithm {
    /// StableHLO's (and XLA's) name.
    pub fn name(self) -> &'static str {
        match self {
            RngAlgorithm::Default => "DEFAULT",
            RngAlgorithm::ThreeFry => "THREE_FRY",
            RngAlgorithm::Philox => "PHILOX",
        }
    }
}

impl ReduceOp {
    /// And, or and xor: defined on bool and integers only, and never
    /// differentiated.
    pub fn is_logical(self) -> bool {
        matches!(self, ReduceOp::And | ReduceOp::Or | ReduceOp::Xor)
    }

    pub fn name(self) -> &'static str {
        match self {
            ReduceOp::Sum => "reduce_sum",
            ReduceOp::Max => "reduce_max",
            ReduceOp::Min => "reduce_min",
            ReduceOp::Prod => "reduce_prod",
            ReduceOp::And => "reduce_and",
            ReduceOp::Or => "reduce_or",
            ReduceOp::Xor => "reduce_xor",
        }
    }
}

impl Primitive {
    /// The primitive's name as `make_jaxpr` prints it.
    pub fn name(&self) -> &'static str {
        use Primitive::*;
        match self {
            Unary(op) => op.name(),
            Binary(op) => op.name(),
            Compare(op) => op.name(),
            Select => "select_n",
            ConvertElementType { .. } => "convert_element_type",
            BitcastConvertType { .. } => "bitcast_convert_type",
            Threefry2x32 => "threefry2x32",
            BroadcastInDim { .. } => "broadcast_in_dim",
            Reshape { .. } => "reshape",
            Transpose { .. } => "transpose",
            Squeeze { .. } => "squeeze",
            ExpandDims { .. } => "expand_dims",
            Reduce { op, .. } => op.name(),
            ArgReduce {
                op: ArgOp::ArgMax, ..
            } => "argmax",
            ArgReduce {
                op: ArgOp::ArgMin, ..
            } => "argmin",
            DotGeneral { .. } => "dot_general",
            Slice { .. } => "slice",
            DynamicSlice { .. } => "dynamic_slice",
            DynamicUpdateSlice => "dynamic_update_slice",
            Concatenate { .. } => "concatenate",
            Conv(_) => "conv_general_dilated",
            Gather { .. } => "gather",
            Scatter { op, .. } => op.name(),
            Cholesky => "cholesky",
            TriangularSolve(_) => "triangular_solve",
            RngBitGenerator { .. } => "rng_bit_generator",
            Rev { .. } => "rev",
            Sort { .. } => "sort",
            Pad { .. } => "pad",
            Iota { .. } => "iota",
            StopGradient => "stop_gradient",
            ReducePrecision { .. } => "reduce_precision",
            AllReduce {
                op: ReduceOp::Sum, ..
            } => "psum",
            AllReduce {
                op: ReduceOp::Max, ..
            } => "pmax",
            AllReduce {
                op: ReduceOp::Min, ..
            } => "pmin",
            AllReduce {
                op: ReduceOp::Prod, ..
            } => "pprod",
            // Not bound by any collective (the shape rule refuses them).
            AllReduce {
                op: ReduceOp::And | ReduceOp::Or | ReduceOp::Xor,
                ..
            } => "all_reduce",
            AllGather { .. } => "all_gather",
            AxisIndex { .. } => "axis_index",
            Ppermute { .. } => "ppermute",
            AllToAll { .. } => "all_to_all",
            PsumScatter { .. } => "reduce_scatter",
            Pmap(_) => "xla_pmap",
            Custom(_) => "custom_call",
            Cond { .. } => "cond",
            While(_) => "while",
            Scan(_) => "scan",
            Jit(_) => "pjit",
        }
    }

    /// Jaxprs nested in the parameters, with their names (for printing).
    pub fn sub_jaxprs(&self) -> Vec<(String, &Jaxpr)> {
        use Primitive::*;
        match self {
            Jit(call) => vec![("jaxpr".into(), &*call.jaxpr)],
            Cond { branches } => branches
                .iter()
                .enumerate()
                .map(|(i, b)| (format!("branch{i}"), &*b.0))
                .collect(),
            While(p) => vec![
                ("cond_jaxpr".into(), &*p.cond.0),
                ("body_jaxpr".into(), &*p.body.0),
            ],
            Scan(p) => vec![("jaxpr".into(), &*p.body.0)],
            Pmap(p) => vec![("call_jaxpr".into(), &*p.body.0)],
            // A custom rule's program, if it has one, is its
            // `CustomRule::jaxpr`, not a parameter.
            Custom(_) => Vec::new(),
            Unary(_)
            | Binary(_)
            | Compare(_)
            | Select
            | ConvertElementType { .. }
            | BitcastConvertType { .. }
            | Threefry2x32
            | BroadcastInDim { .. }
            | Reshape { .. }
            | Transpose { .. }
            | Squeeze { .. }
            | ExpandDims { .. }
            | Reduce { .. }
            | ArgReduce { .. }
            | DotGeneral { .. }
            | Slice { .. }
            | DynamicSlice { .. }
            | DynamicUpdateSlice
            | Concatenate { .. }
            | Pad { .. }
            | Iota { .. }
            | StopGradient
            | ReducePrecision { .. }
            | Conv(_)
            | Gather { .. }
            | Scatter { .. }
            | Cholesky
            | TriangularSolve(_)
            | RngBitGenerator { .. }
            | Rev { .. }
            | Sort { .. }
            | AllReduce { .. }
            | AllGather { .. }
            | AxisIndex { .. }
            | Ppermute { .. }
            | AllToAll { .. }
            | PsumScatter { .. } => Vec::new(),
        }
    }

    /// The mapped axis a collective communicates over.
    pub fn axis_name(&self) -> Option<&str> {
        use Primitive::*;
        match self {
            AllReduce { axis_name, .. }
            | AllGather { axis_name, .. }
            | AxisIndex { axis_name }
            | Ppermute { axis_name, .. }
            | AllToAll { axis_name, .. }
            | PsumScatter { axis_name, .. } => Some(axis_name),
            // A pmap binds its axis name for its body; it does not
            // communicate over it.
            Pmap(_) => None,
            Unary(_)
            | Binary(_)
            | Compare(_)
            | Select
            | ConvertElementType { .. }
            | BitcastConvertType { .. }
            | Threefry2x32
            | BroadcastInDim { .. }
            | Reshape { .. }
            | Transpose { .. }
            | Squeeze { .. }
            | ExpandDims { .. }
            | Reduce { .. }
            | ArgReduce { .. }
            | DotGeneral { .. }
            | Slice { .. }
            | DynamicSlice { .. }
            | DynamicUpdateSlice
            | Concatenate { .. }
            | Pad { .. }
            | Iota { .. }
            | StopGradient
            | ReducePrecision { .. }
            | Conv(_)
            | Gather { .. }
            | Scatter { .. }
            | Cholesky
            | TriangularSolve(_)
            | RngBitGenerator { .. }
            | Rev { .. }
            | Sort { .. }
            | Custom(_)
            | Jit(_)
            | Cond { .. }
            | While(_)
            | Scan(_) => None,
        }
    }

    /// How many results the primitive produces when applied to
    /// `num_operands` operands.
    pub fn num_outputs(&self, num_operands: usize) -> usize {
        use Primitive::*;
        match self {
            Jit(call) => call.jaxpr.outvars.len(),
            Cond { branches } => branches.first().map_or(0, |b| b.0.outvars.len()),
            While(WhileParams { body, .. })
            | Scan(ScanParams { body, .. })
            | Pmap(PmapParams { body, .. }) => body.0.outvars.len(),
            Custom(c) => c.0.num_outputs(),
            Threefry2x32 | RngBitGenerator { .. } => 2,
            Sort { .. } => num_operands,
            Unary(_)
            | Binary(_)
            | Compare(_)
            | Select
            | ConvertElementType { .. }
            | BitcastConvertType { .. }
            | BroadcastInDim { .. }
            | Reshape { .. }
            | Transpose { .. }
            | Squeeze { .. }
            | ExpandDims { .. }
            | Reduce { .. }
            | ArgReduce { .. }
            | DotGeneral { .. }
            | Slice { .. }
            | DynamicSlice { .. }
            | DynamicUpdateSlice
            | Concatenate { .. }
            | Pad { .. }
            | Iota { .. }
            | StopGradient
            | ReducePrecision { .. }
            | Conv(_)
            | Gather { .. }
            | Scatter { .. }
            | Cholesky
            | TriangularSolve(_)
            | Rev { .. }
            | AllReduce { .. }
            | AllGather { .. }
            | AxisIndex { .. }
            | Ppermute { .. }
            | AllToAll { .. }
            | PsumScatter { .. } => 1,
        }
    }

    /// The parameters as `make_jaxpr` prints them between brackets
    /// (empty when the primitive has none).
    pub fn params_text(&self) -> String {
        use Primitive::*;
        let t = |v: &[usize]| tuple(v);
        match self {
            Unary(_) | Binary(_) | Compare(_) | Select | DynamicUpdateSlice | StopGradient
            | Threefry2x32 | Cholesky => String::new(),
            BitcastConvertType { new_dtype } => format!("new_dtype={}", new_dtype.name()),
            ConvertElementType {
                new_dtype,
                weak_type,
            } => {
                format!(
                    "new_dtype={} weak_type={}",
                    new_dtype.name(),
                    py_bool(*weak_type)
                )
            }
            BroadcastInDim {
                shape,
                broadcast_dimensions,
            } => format!(
                "broadcast_dimensions={} shape={}",
                t(broadcast_dimensions),
                t(shape)
            ),
            Reshape { new_sizes } => format!("dimensions=None new_sizes={}", t(new_sizes)),
            Transpose { permutation } => format!("permutation={}", t(permutation)),
            Squeeze { dimensions } | ExpandDims { dimensions } => {
                format!("dimensions={}", t(dimensions))
            }
            Reduce { axes, .. } => format!("axes={}", t(axes)),
            ArgReduce {
                axis, index_dtype, ..
            } => {
                format!("axes=({axis},) index_dtype={}", index_dtype.name())
            }
            DotGeneral {
                dims,
                preferred_element_type,
            } => format!(
                "dimension_numbers=(({:?}, {:?}), ({:?}, {:?})) preferred_element_type={}",
                dims.lhs_contracting,
                dims.rhs_contracting,
                dims.lhs_batch,
                dims.rhs_batch,
                preferred_element_type.map_or("None", |d| d.name())
            ),
            Slice {
                start,
                limit,
                strides,
            } => format!(
                "limit_indices={} start_indices={} strides={}",
                t(limit),
                t(start),
                t(strides)
            ),
            DynamicSlice { slice_sizes } => format!("slice_sizes={}", t(slice_sizes)),
            ReducePrecision {
                exponent_bits,
                mantissa_bits,
            } => format!("exponent_bits={exponent_bits} mantissa_bits={mantissa_bits}"),
            Concatenate { dimension } => format!("dimension={dimension}"),
            Conv(p) => p.text(),
            Gather { dims, slice_sizes } => {
                format!("{} slice_sizes={}", dims.text(), t(slice_sizes))
            }
            Scatter { dims, .. } => dims.text(),
            TriangularSolve(p) => p.text(),
            RngBitGenerator {
                shape,
                dtype,
                algorithm,
            } => format!(
                "algorithm={} dtype={} shape={}",
                algorithm.name(),
                dtype.name(),
                t(shape)
            ),
            Rev { dimensions } => format!("dimensions={}", t(dimensions)),
            Sort {
                dimension,
                is_stable,
                num_keys,
            } => format!(
                "dimension={dimension} is_stable={} num_keys={num_keys}",
                py_bool(*is_stable)
            ),
            Pad {
                low,
                high,
                interior,
            } => {
                let cfg: Vec<String> = (0..low.len())
                    .map(|i| format!("({}, {}, {})", low[i], high[i], interior[i]))
                    .collect();
                format!("padding_config=({},)", cfg.join(", "))
            }
            Iota {
                dtype,
                shape,
                dimension,
            } => {
                format!(
                    "dimension={dimension} dtype={} shape={}",
                    dtype.name(),
                    t(shape)
                )
            }
            Jit(call) => format!("name={}", call.name),
            Custom(c) => format!("name={}", c.0.name()),
            Cond { branches } => format!("branches={}", branches.len()),
            While(p) => p.text(),
            Scan(p) => p.text(),
            AllReduce { axis_name, .. } | AxisIndex { axis_name } => {
                format!("axis_name={axis_name}")
            }
            AllGather {
                axis_name,
                axis,
                tiled,
                axis_size,
            } => {
                format!(
                    "all_gather_dimension={axis} axis_name={axis_name} axis_size={axis_size} tiled={}",
                    py_bool(*tiled)
                )
            }
            Ppermute { axis_name, perm } => {
                let pairs: Vec<String> = perm.iter().map(|(s, d)| format!("({s}, {d})")).collect();
                format!("axis_name={axis_name} perm=({},)", pairs.join(", "))
            }
            AllToAll {
                axis_name,
                split_axis,
                concat_axis,
                axis_size,
            } => format!(
                "axis_name={axis_name} axis_size={axis_size} concat_axis={concat_axis} split_axis={split_axis} tiled=True"
            ),
            PsumScatter {
                axis_name,
                scatter_dimension,
                axis_size,
            } => format!(
                "axis_name={axis_name} axis_size={axis_size} scatter_dimension={scatter_dimension} tiled=True"
            ),
            Pmap(p) => p.text(),
        }
    }
}

impl fmt::Display for Primitive {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let params = self.params_text();
        if params.is_empty() {
            f.write_str(self.name())
        } else {
            write!(f, "{}[{}]", self.name(), params)
        }
    }
}

/// Python's tuple notation: `(1,)`, `(2, 3)`, `()`.
fn tuple(v: &[usize]) -> String {
    match v {
        [] => "()".into(),
        [x] => format!("({x},)"),
        _ => format!(
            "({})",
            v.iter()
                .map(|x| x.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

pub(crate) fn py_bool(b: bool) -> &'static str {
    if b { "True" } else { "False" }
}
