//! Values, tracers, the thread-local trace stack and [`bind`].
//!
//! A [`Value`] is concrete (a device array owned by the runtime), a scalar
//! literal, or a [`Tracer`] belonging to one level of the trace stack. Each
//! level is an [`Interpreter`] (staging, jvp, batching, ...). `bind` checks
//! the operands' abstract values, finds the highest level among the operands
//! (and the innermost staging trace), and lets that interpreter process the
//! primitive; with no tracer involved the installed [`Evaluator`] runs it.

use crate::{AVal, Error, ErrorKind, Literal, Primitive, Result, abstract_eval};
use std::any::Any;
use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::Location;
use std::rc::Rc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

/// A concrete array owned by a runtime (for rjax: PJRT device buffers).
pub trait Concrete: Any + Send + Sync + fmt::Debug {
    fn aval(&self) -> &AVal;
}

/// A value flowing through user code: concrete, literal or traced.
#[derive(Clone, Debug)]
pub enum Value {
    Concrete(Arc<dyn Concrete>),
    Literal(Literal),
    Tracer(Arc<Tracer>),
}

impl Value {
    /// The abstract value (shape, dtype, weakness).
    pub fn aval(&self) -> AVal {
        match self {
            Value::Concrete(c) => c.aval().clone(),
            Value::Literal(l) => l.aval(),
            Value::Tracer(t) => t.aval.clone(),
        }
    }
    /// Whether this value is a tracer (its numbers are not known yet).
    pub fn is_traced(&self) -> bool {
        matches!(self, Value::Tracer(_))
    }
}

/// A value under a transformation: its abstract value plus whatever the
/// interpreter at `level` keeps for it (a Jaxpr variable, a primal/tangent
/// pair, a batched value and its batch axis, ...).
pub struct Tracer {
    pub main: MainId,
    pub level: usize,
    pub aval: AVal,
    pub payload: Box<dyn Any + Send + Sync>,
}

impl fmt::Debug for Tracer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Tracer<{}>(level {})", self.aval, self.level)
    }
}

/// Identifies one run of a transformation (one frame of the trace stack).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct MainId(u64);

/// One level of the trace stack: how a transformation processes primitives.
pub trait Interpreter {
    /// Apply `prim` to `args` — tracers of this level or values from lower
    /// levels — whose results have the already checked `out_avals`.
    fn process(&self, prim: &Primitive, args: &[Value], out_avals: Vec<AVal>)
    -> Result<Vec<Value>>;

    /// The value one level down that `tracer` stands for, when this
    /// transformation keeps one (a JVP tracer's primal); `None` when its
    /// value is not known yet (staging).
    fn lower(&self, _tracer: &Tracer) -> Option<Value> {
        None
    }

    /// The name and size of the axis this transformation maps, as
    /// collectives refer to it.
    fn mapped_axis(&self) -> Option<(&str, usize)> {
        None
    }
}

/// Runs primitives on concrete values (level 0 of every trace stack).
pub trait Evaluator: Send + Sync {
    /// Apply `prim` to concrete or literal `args`.
    fn eval(&self, prim: &Primitive, args: &[Value], out_avals: &[AVal]) -> Result<Vec<Value>>;
}

static EVALUATOR: OnceLock<Box<dyn Evaluator>> = OnceLock::new();

/// Install the process-wide evaluator; the first installation wins.
pub fn install_evaluator(make: impl FnOnce() -> Box<dyn Evaluator>) {
    EVALUATOR.get_or_init(make);
}

struct Frame {
    main: MainId,
    interp: Rc<dyn Interpreter>,
}

thread_local! {
    static STACK: RefCell<Vec<Frame>> = const { RefCell::new(Vec::new()) };
    /// Level of the innermost staging trace: every bind reaches at least it,
    /// so constants created inside `jit` are staged, not computed eagerly.
    static DYNAMIC: Cell<usize> = const { Cell::new(0) };
}

static NEXT_MAIN: AtomicU64 = AtomicU64::new(1);

/// Keeps a transformation's frame on the trace stack; popping happens on drop.
pub struct MainGuard {
    pub main: MainId,
    pub level: usize,
    saved_dynamic: Option<usize>,
}

impl Drop for MainGuard {
    fn drop(&mut self) {
        STACK.with(|s| s.borrow_mut().truncate(self.level - 1));
        if let Some(d) = self.saved_dynamic {
            DYNAMIC.with(|c| c.set(d));
        }
    }
}

/// Push a new transformation frame, made by `make` from its id and level;
/// `dynamic` frames (staging) capture every bind made while they are
/// innermost. Returns the guard that pops it and the interpreter.
pub fn new_main<T: Interpreter + 'static>(
    make: impl FnOnce(MainId, usize) -> T,
    dynamic: bool,
) -> (MainGuard, Rc<T>) {
    let main = MainId(NEXT_MAIN.fetch_add(1, Ordering::Relaxed));
    let (level, interp) = STACK.with(|s| {
        let mut s = s.borrow_mut();
        let level = s.len() + 1;
        let interp = Rc::new(make(main, level));
        s.push(Frame {
            main,
            interp: interp.clone(),
        });
        (level, interp)
    });
    let saved_dynamic = dynamic.then(|| DYNAMIC.with(|c| c.replace(level)));
    (
        MainGuard {
            main,
            level,
            saved_dynamic,
        },
        interp,
    )
}

/// The concrete value a tracer stands for, if every transformation between
/// it and level 0 knows it (as JVP does for primals); the value itself if it
/// is not traced. This is what lets Rust control flow inspect numbers under
/// `grad`, while inside `jit` it stays unknown.
pub fn concrete_value(v: &Value) -> Option<Value> {
    let mut v = v.clone();
    loop {
        let Value::Tracer(t) = &v else { return Some(v) };
        let interp = STACK.with(|s| {
            let stack = s.borrow();
            stack
                .get(t.level.wrapping_sub(1))
                .filter(|f| f.main == t.main)
                .map(|f| f.interp.clone())
        })?;
        v = interp.lower(t)?;
    }
}

/// The size of the innermost mapped axis called `name`, if one is active.
pub fn axis_size(name: &str) -> Option<usize> {
    STACK.with(|s| {
        s.borrow().iter().rev().find_map(|f| {
            f.interp
                .mapped_axis()
                .filter(|(n, _)| *n == name)
                .map(|(_, size)| size)
        })
    })
}

/// Whether any transformation is active on this thread.
pub fn is_tracing() -> bool {
    STACK.with(|s| !s.borrow().is_empty())
}

/// Apply a primitive to values: check the operands, then let the highest
/// trace among them (or the evaluator) process it. Errors carry the caller's
/// location.
///
/// ```no_run
/// use rjax_ir::{bind, primitive::UnaryOp, Literal, DType, Primitive, Value};
/// let x = Value::Literal(Literal::float(1.0, DType::F32, false));
/// let y = bind(&Primitive::Unary(UnaryOp::Sin), &[x]); // needs an evaluator
/// ```
#[track_caller]
pub fn bind(prim: &Primitive, args: &[Value]) -> Result<Vec<Value>> {
    let location = Location::caller();
    let in_avals: Vec<AVal> = args.iter().map(Value::aval).collect();
    let out_avals = abstract_eval(prim, &in_avals).map_err(|e| e.at(location))?;
    let interp = top_interpreter(prim, args).map_err(|e| e.at(location))?;
    let result = match interp {
        Some(interp) => interp.process(prim, args, out_avals),
        None => match EVALUATOR.get() {
            Some(ev) => ev.eval(prim, args, &out_avals),
            None => Err(Error::new(
                ErrorKind::Plugin,
                prim.name(),
                "no evaluator is installed; use rjax's facade, which installs the PJRT evaluator",
            )),
        },
    };
    result.map_err(|e| e.at(location))
}

/// [`bind`] for primitives with one result.
#[track_caller]
pub fn bind1(prim: &Primitive, args: &[Value]) -> Result<Value> {
    let mut out = bind(prim, args)?;
    Ok(out.swap_remove(0))
}

fn top_interpreter(prim: &Primitive, args: &[Value]) -> Result<Option<Rc<dyn Interpreter>>> {
    STACK.with(|s| {
        let stack = s.borrow();
        let mut level = DYNAMIC.with(Cell::get).min(stack.len());
        // A collective belongs to the transformation that maps its axis,
        // even when none of its operands is traced there.
        if let Some(name) = prim.axis_name() {
            if let Some(i) = stack.iter().rposition(|f| f.interp.mapped_axis().is_some_and(|(n, _)| n == name)) {
                level = level.max(i + 1);
            }
        }
        for arg in args {
            if let Value::Tracer(t) = arg {
                let live = stack.get(t.level.wrapping_sub(1)).is_some_and(|f| f.main == t.main);
                if !live {
                    return Err(Error::new(
                        ErrorKind::LeakedTracer,
                        prim.name(),
                        format!("a traced {} escaped the transformation that created it (was it stored outside the traced function?)", t.aval),
                    ));
                }
                level = level.max(t.level);
            }
        }
        Ok((level > 0).then(|| stack[level - 1].interp.clone()))
    })
}
