//! How primitives print: their names and parameters as `make_jaxpr`
//! shows them.

use super::{ArgOp, BinaryOp, Comparison, FftType, Primitive, ReduceOp, RngAlgorithm, UnaryOp};
use std::fmt;

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
            Real => "real",
            Imag => "imag",
            Conj => "conj",
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
            Complex => "complex",
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

impl FftType {
    /// XLA's (and StableHLO's) name: `FFT`, `IFFT`, `RFFT`, `IRFFT`.
    pub fn name(self) -> &'static str {
        match self {
            FftType::Fft => "FFT",
            FftType::Ifft => "IFFT",
            FftType::Rfft => "RFFT",
            FftType::Irfft => "IRFFT",
        }
    }
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
            Fft { .. } => "fft",
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
            Fft {
                fft_type,
                fft_lengths,
            } => format!(
                "fft_lengths={} fft_type={}",
                t(fft_lengths),
                fft_type.name()
            ),
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
