//! Dead-code elimination: drop equations none of whose results are used.

use rjax_ir::{Atom, Jaxpr};
use std::collections::HashSet;

/// The Jaxpr without equations that do not contribute to its outputs.
/// Every primitive is pure, so an unused result means an unneeded equation.
/// Inputs and constants are kept so the signature does not change.
///
/// ```
/// use rjax_ir::{Atom, Eqn, Jaxpr, Primitive, Var, AVal, DType, primitive::UnaryOp};
/// let x = Var { id: 0, aval: AVal::new(vec![], DType::F32) };
/// let y = Var { id: 1, aval: x.aval.clone() };
/// let j = Jaxpr {
///     invars: vec![x.clone()],
///     eqns: vec![Eqn { prim: Primitive::Unary(UnaryOp::Sin), inputs: vec![Atom::Var(x.clone())], outputs: vec![y] }],
///     outvars: vec![Atom::Var(x)],
///     ..Jaxpr::default()
/// };
/// assert!(rjax_transforms::dce(&j).eqns.is_empty());
/// ```
pub fn dce(jaxpr: &Jaxpr) -> Jaxpr {
    let mut live: HashSet<u32> = jaxpr
        .outvars
        .iter()
        .filter_map(|a| match a {
            Atom::Var(v) => Some(v.id),
            Atom::Lit(_) => None,
        })
        .collect();
    let mut kept = Vec::with_capacity(jaxpr.eqns.len());
    for eqn in jaxpr.eqns.iter().rev() {
        if eqn.outputs.iter().any(|v| live.contains(&v.id)) {
            for a in &eqn.inputs {
                if let Atom::Var(v) = a {
                    live.insert(v.id);
                }
            }
            kept.push(eqn.clone());
        }
    }
    kept.reverse();
    Jaxpr {
        eqns: kept,
        ..jaxpr.clone()
    }
}
