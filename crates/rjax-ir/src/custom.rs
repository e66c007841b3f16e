//! Open extension: primitives defined outside the closed enum, such as
//! functions with custom derivative rules. Each is a [`CustomRule`] trait
//! object inside [`crate::Primitive::Custom`]; the interpreters call its
//! hooks where they would match a built-in primitive.

use crate::{AVal, Error, ErrorKind, Jaxpr, Result, Value, eval_jaxpr};
use std::fmt;
use std::sync::Arc;

/// The rules of a user-defined primitive.
pub trait CustomRule: Send + Sync {
    /// The name printed in Jaxprs.
    fn name(&self) -> &str;

    /// Output abstract values for the given operands (default: the
    /// Jaxpr's outputs).
    fn out_avals(&self, _in_avals: &[AVal]) -> Result<Vec<AVal>> {
        self.jaxpr()
            .map(Jaxpr::out_avals)
            .ok_or_else(|| self.unsupported("abstract evaluation"))
    }

    /// The computation as a Jaxpr over the operands (closing over nothing),
    /// used to lower and evaluate it. `None` for primitives that only exist
    /// inside derivative programs.
    fn jaxpr(&self) -> Option<&Jaxpr>;

    /// How many results it produces (default: the Jaxpr's outputs).
    fn num_outputs(&self) -> usize {
        self.jaxpr().map_or(1, |j| j.outvars.len())
    }

    /// Evaluate on concrete values (default: the Jaxpr, op by op).
    fn eval(&self, args: &[Value]) -> Result<Vec<Value>> {
        match self.jaxpr() {
            Some(j) => eval_jaxpr(j, &[], args),
            None => Err(self.unsupported("evaluation")),
        }
    }

    /// Primal and tangent outputs (`None`: zero) for primals and tangents.
    fn jvp(
        &self,
        primals: &[Value],
        tangents: &[Option<Value>],
    ) -> Result<(Vec<Value>, Vec<Option<Value>>)>;

    /// Cotangents of the operands given the known operands (`None` where
    /// the operand is linear) and the output cotangents, for primitives
    /// that are linear in some operands.
    fn transpose(
        &self,
        _known: &[Option<Value>],
        _cotangents: &[Value],
    ) -> Result<Vec<Option<Value>>> {
        Err(self.unsupported("transposition"))
    }

    /// This rule for a batch of `size` members, for operands that all carry
    /// the batch as their leading axis (its results do too), with constant
    /// operands to pass before them. `None` (the default): the batching
    /// interpreter applies the rule once per member.
    fn batched(&self, _size: usize) -> Option<Result<BatchedRule>> {
        None
    }

    /// How to lower the rule as a StableHLO custom call instead of its
    /// Jaxpr. `None` (the default): lower the Jaxpr.
    fn lowering(&self) -> Option<CustomCallLowering> {
        None
    }

    /// A typed error for a transformation the rule does not support.
    fn unsupported(&self, what: &str) -> Error {
        Error::new(
            ErrorKind::Param,
            self.name(),
            format!("{what} is not supported"),
        )
    }
}

/// A [`CustomRule`] lowered as `stablehlo.custom_call @target(...)` with
/// `api_version = 4` (XLA's typed FFI), the given `backend_config`
/// dictionary of unsigned integers, and `has_side_effect`. A rule with side
/// effects is kept by dead-code elimination even when its results are
/// unused. With `sharding`, the call is instead XLA's sharding constraint
/// on its one operand (`with_sharding_constraint`), and `target` and
/// `backend_config` are unused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CustomCallLowering {
    pub target: String,
    pub backend_config: Vec<(String, u64)>,
    pub has_side_effect: bool,
    pub sharding: Option<crate::MeshSharding>,
}

impl CustomCall {
    /// Whether the rule has side effects (see [`CustomCallLowering`]).
    pub fn has_side_effect(&self) -> bool {
        self.0.lowering().is_some_and(|l| l.has_side_effect)
    }
}

/// A rule made for a batch by [`CustomRule::batched`]: the new rule and the
/// constant operands that go before the batched ones.
pub struct BatchedRule {
    pub rule: Arc<dyn CustomRule>,
    pub consts: Vec<Value>,
}

/// A [`CustomRule`] as primitive parameters (compared by identity).
#[derive(Clone)]
pub struct CustomCall(pub Arc<dyn CustomRule>);

impl fmt::Debug for CustomCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "CustomCall({})", self.0.name())
    }
}

impl PartialEq for CustomCall {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}
impl Eq for CustomCall {}
impl std::hash::Hash for CustomCall {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        (Arc::as_ptr(&self.0) as *const () as usize).hash(state)
    }
}
