//! Primitive applications on [`Value`]s, for writing transformation rules
//! tersely. Each binds one primitive at whatever trace level its operands
//! call for.

use rjax_ir::primitive::{BinaryOp, Comparison, ReduceOp, UnaryOp};
use rjax_ir::{AVal, DType, Literal, Primitive, Result, Value, bind1};

pub(crate) fn unary(op: UnaryOp, x: &Value) -> Result<Value> {
    bind1(&Primitive::Unary(op), std::slice::from_ref(x))
}

pub(crate) fn binary(op: BinaryOp, x: &Value, y: &Value) -> Result<Value> {
    bind1(&Primitive::Binary(op), &[x.clone(), y.clone()])
}

pub(crate) fn add(x: &Value, y: &Value) -> Result<Value> {
    binary(BinaryOp::Add, x, y)
}

pub(crate) fn sub(x: &Value, y: &Value) -> Result<Value> {
    binary(BinaryOp::Sub, x, y)
}

pub(crate) fn mul(x: &Value, y: &Value) -> Result<Value> {
    binary(BinaryOp::Mul, x, y)
}

pub(crate) fn div(x: &Value, y: &Value) -> Result<Value> {
    binary(BinaryOp::Div, x, y)
}

pub(crate) fn neg(x: &Value) -> Result<Value> {
    unary(UnaryOp::Neg, x)
}

pub(crate) fn compare(c: Comparison, x: &Value, y: &Value) -> Result<Value> {
    bind1(&Primitive::Compare(c), &[x.clone(), y.clone()])
}

/// `on_true` where `pred`, else `on_false`.
pub(crate) fn select(pred: &Value, on_true: &Value, on_false: &Value) -> Result<Value> {
    bind1(
        &Primitive::Select,
        &[pred.clone(), on_false.clone(), on_true.clone()],
    )
}

pub(crate) fn convert(x: &Value, dtype: DType) -> Result<Value> {
    if x.aval().dtype == dtype {
        return Ok(x.clone());
    }
    bind1(
        &Primitive::ConvertElementType {
            new_dtype: dtype,
            weak_type: false,
        },
        std::slice::from_ref(x),
    )
}

pub(crate) fn broadcast(x: &Value, shape: &[usize], dims: &[usize]) -> Result<Value> {
    bind1(
        &Primitive::BroadcastInDim {
            shape: shape.to_vec(),
            broadcast_dimensions: dims.to_vec(),
        },
        std::slice::from_ref(x),
    )
}

pub(crate) fn reshape(x: &Value, shape: &[usize]) -> Result<Value> {
    if x.aval().shape == shape {
        return Ok(x.clone());
    }
    bind1(
        &Primitive::Reshape {
            new_sizes: shape.to_vec(),
        },
        std::slice::from_ref(x),
    )
}

pub(crate) fn reduce_sum(x: &Value, axes: &[usize]) -> Result<Value> {
    if axes.is_empty() {
        return Ok(x.clone());
    }
    bind1(
        &Primitive::Reduce {
            op: ReduceOp::Sum,
            axes: axes.to_vec(),
        },
        std::slice::from_ref(x),
    )
}

/// A scalar literal of `dtype`.
pub(crate) fn scalar(v: f64, dtype: DType) -> Value {
    Value::Literal(Literal::float(v, dtype, false).cast(dtype))
}

/// Zeros shaped like `aval`.
pub(crate) fn zeros(aval: &AVal) -> Result<Value> {
    let zero = scalar(0.0, aval.dtype);
    if aval.rank() == 0 {
        return Ok(zero);
    }
    broadcast(&zero, &aval.shape, &[])
}

/// `x` (rank 0 or of `shape`) broadcast to `shape`.
pub(crate) fn fit(x: &Value, shape: &[usize]) -> Result<Value> {
    let a = x.aval();
    if a.shape == shape {
        Ok(x.clone())
    } else {
        broadcast(x, shape, &[])
    }
}

/// Sum `x` (of `out_shape`) down to a rank-0 operand's shape, undoing the
/// scalar broadcast of elementwise primitives.
pub(crate) fn unbroadcast(x: &Value, operand: &AVal) -> Result<Value> {
    let a = x.aval();
    if a.shape == operand.shape {
        return Ok(x.clone());
    }
    reduce_sum(x, &(0..a.rank()).collect::<Vec<_>>())
}
