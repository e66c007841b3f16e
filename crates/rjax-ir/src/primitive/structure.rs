//! What a primitive's parameters say about its calls: the programs
//! nested in them, the mapped axis a collective communicates over, and the
//! number of results.

use super::Primitive;
use crate::{Jaxpr, PmapParams, ScanParams, WhileParams};

impl Primitive {
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
            | Fft { .. }
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
            | Fft { .. }
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
            | Fft { .. }
            | AllReduce { .. }
            | AllGather { .. }
            | AxisIndex { .. }
            | Ppermute { .. }
            | AllToAll { .. }
            | PsumScatter { .. } => 1,
        }
    }
}
