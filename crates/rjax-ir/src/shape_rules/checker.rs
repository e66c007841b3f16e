//! Checks shared by the shape rules.

use crate::primitive::{BinaryOp, UnaryOp};
use crate::{AVal, DType, Error, ErrorKind, Primitive, Result};

/// Checks shared by the shape rules; every error names the primitive and
/// its operand abstract values.
pub(super) struct Checker<'a> {
    pub prim: &'a Primitive,
    pub inputs: &'a [AVal],
}

impl<'a> Checker<'a> {
    pub(super) fn err(&self, kind: ErrorKind, message: impl Into<String>) -> Error {
        Error::new(kind, self.prim.name(), message).with_operands(self.inputs.to_vec())
    }

    pub(super) fn too_large(&self) -> Error {
        self.err(
            ErrorKind::Shape,
            "the result's dimensions overflow (at most int64 elements and bytes)",
        )
    }

    /// `a * b` for a dimension, or an error when it overflows.
    pub(super) fn mul(&self, a: usize, b: usize) -> Result<usize> {
        a.checked_mul(b).ok_or_else(|| self.too_large())
    }

    /// A collective's axis size, which divides dimensions: not zero.
    pub(super) fn axis_size(&self, n: usize) -> Result<()> {
        if n == 0 {
            return Err(self.err(ErrorKind::Param, "axis_size must be positive"));
        }
        Ok(())
    }

    pub(super) fn arity<const N: usize>(&self) -> Result<&'a [AVal; N]> {
        self.inputs.try_into().map_err(|_| {
            self.err(
                ErrorKind::Param,
                format!("expects {N} operands, got {}", self.inputs.len()),
            )
        })
    }

    pub(super) fn at_least(&self, n: usize) -> Result<&'a AVal> {
        if self.inputs.len() < n {
            return Err(self.err(
                ErrorKind::Param,
                format!("expects at least {n} operands, got {}", self.inputs.len()),
            ));
        }
        Ok(&self.inputs[0])
    }

    pub(super) fn float(&self, x: &AVal) -> Result<()> {
        if x.dtype.is_float() {
            Ok(())
        } else {
            Err(self.err(
                ErrorKind::DType,
                format!("needs floats, got {}", x.dtype.name()),
            ))
        }
    }

    /// Real or complex floating point.
    pub(super) fn inexact(&self, x: &AVal) -> Result<()> {
        if x.dtype.is_float() || x.dtype.is_complex() {
            Ok(())
        } else {
            Err(self.err(
                ErrorKind::DType,
                format!("needs floats or complex numbers, got {}", x.dtype.name()),
            ))
        }
    }

    /// Values with an order: anything but complex numbers.
    pub(super) fn ordered(&self, x: &AVal) -> Result<()> {
        if x.dtype.is_complex() {
            return Err(self.err(
                ErrorKind::DType,
                format!("complex numbers have no order ({})", x.dtype.name()),
            ));
        }
        Ok(())
    }

    /// The size of the square matrices in the last two axes of `x`.
    pub(super) fn square_matrices(&self, x: &AVal) -> Result<usize> {
        let r = x.rank();
        if r < 2 || x.shape[r - 1] != x.shape[r - 2] {
            return Err(self.err(
                ErrorKind::Shape,
                "needs square matrices in the last two axes",
            ));
        }
        Ok(x.shape[r - 1])
    }

    pub(super) fn same_dtype(&self, xs: &[&AVal]) -> Result<()> {
        match xs.iter().find(|x| x.dtype != xs[0].dtype) {
            Some(x) => Err(self.err(
                ErrorKind::DType,
                format!(
                    "dtypes differ: {} and {}",
                    xs[0].dtype.name(),
                    x.dtype.name()
                ),
            )),
            None => Ok(()),
        }
    }

    pub(super) fn unary_dtype(&self, op: UnaryOp, d: DType) -> Result<()> {
        use UnaryOp::*;
        // As in JAX: the analytic functions extend to complex numbers; the
        // ones that need an order or are special functions of reals do not.
        let ok = match op {
            Neg | Abs | Sign => d.is_numeric(),
            Not => d.is_bool() || d.is_int(),
            PopulationCount | Clz => d.is_int(),
            Real | Imag | Conj => d.is_complex(),
            Exp | Log | Log1p | Expm1 | Tanh | Logistic | Sin | Cos | Tan | Sqrt | Rsqrt | Sinh
            | Cosh | Asin | Acos | Atan | Asinh | Acosh | Atanh => d.is_inexact(),
            Floor | Ceil | Round | IsFinite | Erf | ErfInv | Cbrt | Lgamma | Digamma | Erfc
            | BesselI0e | BesselI1e => d.is_float(),
        };
        if ok {
            Ok(())
        } else {
            Err(self.err(ErrorKind::DType, format!("not defined for {}", d.name())))
        }
    }

    pub(super) fn binary_dtype(&self, op: BinaryOp, x: &AVal, y: &AVal) -> Result<()> {
        use BinaryOp::*;
        self.same_dtype(&[x, y])?;
        let d = x.dtype;
        let ok = match op {
            And | Or | Xor => d.is_bool() || d.is_int(),
            ShiftLeft | ShiftRightLogical | ShiftRightArithmetic => d.is_int(),
            Pow => d.is_inexact(),
            Atan2 | NextAfter | Polygamma | Zeta => d.is_float(),
            Complex => matches!(d, DType::F32 | DType::F64),
            // Complex numbers have no order.
            Max | Min | Rem => !d.is_complex(),
            Add | Sub | Mul | Div => d.is_numeric(),
        };
        if ok {
            Ok(())
        } else {
            Err(self.err(ErrorKind::DType, format!("not defined for {}", d.name())))
        }
    }

    /// Equal shapes, or a rank-0 operand broadcasting against the others.
    pub(super) fn elementwise_shape(&self, xs: &[&AVal]) -> Result<Vec<usize>> {
        let shaped: Vec<&&AVal> = xs.iter().filter(|x| x.rank() > 0).collect();
        match shaped.first() {
            None => Ok(Vec::new()),
            Some(first) if shaped.iter().all(|x| x.shape == first.shape) => Ok(first.shape.clone()),
            Some(_) => Err(self.err(
                ErrorKind::Shape,
                "incompatible shapes for an elementwise operation",
            )),
        }
    }

    /// The nested Jaxpr `name` accepts operands of these types.
    pub(super) fn signature(&self, name: &str, j: &crate::Jaxpr, inputs: &[AVal]) -> Result<()> {
        let want = j.in_avals();
        if want.len() != inputs.len() || !want.iter().zip(inputs).all(|(a, b)| a.same_type(b)) {
            return Err(self.err(
                ErrorKind::Tree,
                format!(
                    "{name} takes {} but is given {}",
                    AVal::list(&want),
                    AVal::list(inputs)
                ),
            ));
        }
        Ok(())
    }

    pub(super) fn axes(&self, axes: &[usize], rank: usize) -> Result<()> {
        for (i, &a) in axes.iter().enumerate() {
            if a >= rank {
                return Err(self.err(
                    ErrorKind::Axis,
                    format!("axis {a} is out of bounds for rank {rank}"),
                ));
            }
            if axes[..i].contains(&a) {
                return Err(self.err(ErrorKind::Axis, format!("axis {a} is repeated")));
            }
        }
        Ok(())
    }

    pub(super) fn permutation(&self, perm: &[usize], rank: usize) -> Result<()> {
        if perm.len() != rank {
            return Err(self.err(
                ErrorKind::Param,
                format!("permutation {perm:?} does not have {rank} entries"),
            ));
        }
        self.axes(perm, rank)
    }

    pub(super) fn start_indices(&self, idx: &[AVal], rank: usize) -> Result<()> {
        if idx.len() != rank || idx.iter().any(|i| i.rank() != 0 || !i.dtype.is_int()) {
            return Err(self.err(
                ErrorKind::Param,
                format!("expects {rank} scalar integer start indices"),
            ));
        }
        Ok(())
    }

    pub(super) fn dot_general(
        &self,
        dims: &crate::DotDims,
        l: &AVal,
        r: &AVal,
        out: DType,
    ) -> Result<AVal> {
        let lhs_axes: Vec<usize> = dims
            .lhs_contracting
            .iter()
            .chain(&dims.lhs_batch)
            .copied()
            .collect();
        let rhs_axes: Vec<usize> = dims
            .rhs_contracting
            .iter()
            .chain(&dims.rhs_batch)
            .copied()
            .collect();
        self.axes(&lhs_axes, l.rank())?;
        self.axes(&rhs_axes, r.rank())?;
        let pairs_ok = dims.lhs_contracting.len() == dims.rhs_contracting.len()
            && dims.lhs_batch.len() == dims.rhs_batch.len()
            && dims
                .lhs_contracting
                .iter()
                .zip(&dims.rhs_contracting)
                .all(|(&a, &b)| l.shape[a] == r.shape[b])
            && dims
                .lhs_batch
                .iter()
                .zip(&dims.rhs_batch)
                .all(|(&a, &b)| l.shape[a] == r.shape[b]);
        if !pairs_ok {
            return Err(self.err(ErrorKind::Shape, format!(
                "contracting dimensions {:?} x {:?} / batch dimensions {:?} x {:?} do not match in size",
                dims.lhs_contracting, dims.rhs_contracting, dims.lhs_batch, dims.rhs_batch
            )));
        }
        let free = |a: &AVal, used: &[usize]| -> Vec<usize> {
            (0..a.rank())
                .filter(|i| !used.contains(i))
                .map(|i| a.shape[i])
                .collect()
        };
        let mut shape: Vec<usize> = dims.lhs_batch.iter().map(|&a| l.shape[a]).collect();
        shape.extend(free(l, &lhs_axes));
        shape.extend(free(r, &rhs_axes));
        Ok(AVal::new(shape, out))
    }
}
