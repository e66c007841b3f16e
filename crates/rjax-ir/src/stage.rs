//! Staging: trace a function into a [`Jaxpr`] (what `make_jaxpr` and `jit`
//! do), and evaluate a Jaxpr by binding its equations.

use crate::trace::{Interpreter, MainId, Tracer, new_main};
use crate::{AVal, Atom, Eqn, Error, ErrorKind, Jaxpr, Primitive, Result, Value, Var, bind};
use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;

/// A Jaxpr together with the values of its constants.
#[derive(Clone, Debug)]
pub struct ClosedJaxpr {
    pub jaxpr: Jaxpr,
    pub consts: Vec<Value>,
}

impl fmt::Display for ClosedJaxpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.jaxpr.fmt(f)
    }
}

impl ClosedJaxpr {
    /// The Jaxpr with its constants turned into leading inputs, so that it
    /// closes over nothing (what a compiled executable takes).
    pub fn hoist_consts(&self) -> Jaxpr {
        let mut j = self.jaxpr.clone();
        let mut invars = std::mem::take(&mut j.constvars);
        invars.append(&mut j.invars);
        j.invars = invars;
        j
    }
}

#[derive(Default)]
struct Builder {
    next_id: u32,
    eqns: Vec<Eqn>,
    constvars: Vec<Var>,
    consts: Vec<Value>,
    /// Constants seen so far, by the address of what they share.
    const_index: HashMap<usize, usize>,
}

impl Builder {
    fn fresh(&mut self, aval: AVal) -> Var {
        self.next_id += 1;
        Var {
            id: self.next_id,
            aval,
        }
    }

    fn constant(&mut self, v: &Value) -> Var {
        let key = match v {
            Value::Concrete(c) => Arc::as_ptr(c) as *const () as usize,
            Value::Tracer(t) => Arc::as_ptr(t) as *const () as usize,
            Value::Literal(_) => usize::MAX,
        };
        if let Some(&i) = self.const_index.get(&key) {
            return self.constvars[i].clone();
        }
        let var = self.fresh(v.aval());
        self.const_index.insert(key, self.constvars.len());
        self.constvars.push(var.clone());
        self.consts.push(v.clone());
        var
    }
}

struct StageInterpreter {
    main: MainId,
    level: usize,
    builder: RefCell<Builder>,
    /// The mapped axis whose collectives this trace records (SPMD staging).
    axis: Option<(String, usize)>,
}

impl StageInterpreter {
    fn atom(&self, v: &Value) -> Atom {
        match v {
            Value::Tracer(t) if t.main == self.main => match t.payload.downcast_ref::<Var>() {
                Some(var) => Atom::Var(var.clone()),
                None => Atom::Var(self.builder.borrow_mut().constant(v)),
            },
            Value::Literal(l) => Atom::Lit(*l),
            _ => Atom::Var(self.builder.borrow_mut().constant(v)),
        }
    }

    fn tracer(&self, var: Var) -> Value {
        Value::Tracer(Arc::new(Tracer {
            main: self.main,
            level: self.level,
            aval: var.aval.clone(),
            payload: Box::new(var),
        }))
    }
}

impl Interpreter for StageInterpreter {
    fn process(
        &self,
        prim: &Primitive,
        args: &[Value],
        out_avals: Vec<AVal>,
    ) -> Result<Vec<Value>> {
        let inputs: Vec<Atom> = args.iter().map(|a| self.atom(a)).collect();
        let outputs: Vec<Var> = {
            let mut b = self.builder.borrow_mut();
            out_avals.into_iter().map(|a| b.fresh(a)).collect()
        };
        self.builder.borrow_mut().eqns.push(Eqn {
            prim: prim.clone(),
            inputs,
            outputs: outputs.clone(),
        });
        Ok(outputs.into_iter().map(|v| self.tracer(v)).collect())
    }

    fn mapped_axis(&self) -> Option<(&str, usize)> {
        self.axis.as_ref().map(|(n, s)| (n.as_str(), *s))
    }
}

/// Trace `f` on abstract inputs into a Jaxpr. Values `f` captures from
/// outside (concrete arrays, tracers of enclosing transformations) become
/// the Jaxpr's constants.
///
/// ```no_run
/// use rjax_ir::{trace_to_jaxpr, AVal, DType};
/// let closed = trace_to_jaxpr(&[AVal::new(vec![3], DType::F32)], |xs| Ok(xs.to_vec())).unwrap();
/// assert_eq!(closed.jaxpr.eqns.len(), 0);
/// ```
pub fn trace_to_jaxpr(
    in_avals: &[AVal],
    f: impl FnOnce(&[Value]) -> Result<Vec<Value>>,
) -> Result<ClosedJaxpr> {
    stage(in_avals, true, None, f)
}

/// Trace the per-device program of an SPMD computation over the mapped
/// axis `axis` (name, size): collectives naming it are recorded as
/// equations, to be lowered to cross-device communication.
pub fn trace_spmd(
    in_avals: &[AVal],
    axis: (&str, usize),
    f: impl FnOnce(&[Value]) -> Result<Vec<Value>>,
) -> Result<ClosedJaxpr> {
    stage(in_avals, true, Some((axis.0.to_string(), axis.1)), f)
}

/// Partial evaluation: trace `f` staging only what depends on its inputs.
/// Operations on values known now (concrete, or tracers of enclosing
/// transformations) run as usual and enter the Jaxpr as constants
/// (residuals). This is how `linearize` splits a JVP into the primal
/// computation, done now, and the linear tangent program, staged.
pub fn trace_partial(
    in_avals: &[AVal],
    f: impl FnOnce(&[Value]) -> Result<Vec<Value>>,
) -> Result<ClosedJaxpr> {
    stage(in_avals, false, None, f)
}

fn stage(
    in_avals: &[AVal],
    dynamic: bool,
    axis: Option<(String, usize)>,
    f: impl FnOnce(&[Value]) -> Result<Vec<Value>>,
) -> Result<ClosedJaxpr> {
    let (guard, interp) = new_main(
        |main, level| StageInterpreter {
            main,
            level,
            builder: RefCell::default(),
            axis,
        },
        dynamic,
    );
    let invars: Vec<Var> = {
        let mut b = interp.builder.borrow_mut();
        in_avals.iter().map(|a| b.fresh(a.clone())).collect()
    };
    let args: Vec<Value> = invars.iter().map(|v| interp.tracer(v.clone())).collect();
    let outs = f(&args)?;
    let outvars: Vec<Atom> = outs.iter().map(|o| interp.atom(o)).collect();
    drop(guard);
    let b = interp.builder.take();
    Ok(ClosedJaxpr {
        jaxpr: Jaxpr {
            constvars: b.constvars,
            invars,
            eqns: b.eqns,
            outvars,
        },
        consts: b.consts,
    })
}

/// Evaluate a Jaxpr on values by binding each equation in turn, so that
/// whatever transformations are active see every primitive.
#[track_caller]
pub fn eval_jaxpr(jaxpr: &Jaxpr, consts: &[Value], args: &[Value]) -> Result<Vec<Value>> {
    if consts.len() != jaxpr.constvars.len() || args.len() != jaxpr.invars.len() {
        return Err(Error::new(
            ErrorKind::Param,
            "eval_jaxpr",
            format!(
                "expected {} constants and {} inputs, got {} and {}",
                jaxpr.constvars.len(),
                jaxpr.invars.len(),
                consts.len(),
                args.len()
            ),
        ));
    }
    let mut env: HashMap<u32, Value> = HashMap::new();
    for (v, x) in jaxpr
        .constvars
        .iter()
        .zip(consts)
        .chain(jaxpr.invars.iter().zip(args))
    {
        env.insert(v.id, x.clone());
    }
    let read = |env: &HashMap<u32, Value>, a: &Atom| match a {
        Atom::Var(v) => env[&v.id].clone(),
        Atom::Lit(l) => Value::Literal(*l),
    };
    for eqn in &jaxpr.eqns {
        let ins: Vec<Value> = eqn.inputs.iter().map(|a| read(&env, a)).collect();
        let outs = bind(&eqn.prim, &ins)?;
        for (v, x) in eqn.outputs.iter().zip(outs) {
            env.insert(v.id, x);
        }
    }
    Ok(jaxpr.outvars.iter().map(|a| read(&env, a)).collect())
}
