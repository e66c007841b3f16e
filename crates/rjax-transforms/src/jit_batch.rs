//! Jitted calls under `vmap`: the called Jaxpr is batched once per
//! (program, batched operands, batch size, axis name) and the batched
//! program is remembered, so that a `vmap` of a jitted function compiles
//! once and then runs as one program per call. A program with collectives
//! is not batched (they may name axes of enclosing transformations, which
//! only the surrounding trace can resolve): the caller inlines it, and that
//! decision is remembered too.

use crate::batch::{vmap, with_batch_axis};
use rjax_ir::{AVal, Jaxpr, JitCall, Primitive, Result, Value, eval_jaxpr, trace_to_jaxpr};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// A batched jitted program: call it with `consts` before the operands.
#[derive(Clone)]
pub(crate) struct BatchedCall {
    pub call: JitCall,
    pub consts: Vec<Value>,
}

/// Which program, which operands are batched (along axis 0), the batch size
/// and the axis name.
type Key = (usize, Vec<bool>, usize, Option<String>);

struct Entry {
    /// Keeps the program alive, so that its address stays its identity.
    _program: Arc<Jaxpr>,
    /// `None`: inline the call.
    batched: Option<BatchedCall>,
}

fn cache() -> &'static Mutex<HashMap<Key, Entry>> {
    static CACHE: OnceLock<Mutex<HashMap<Key, Entry>>> = OnceLock::new();
    CACHE.get_or_init(Mutex::default)
}

/// `call` batched along axis 0 of the operands marked `batched` (its
/// results all batched along axis 0), or `None` when it must be inlined.
pub(crate) fn batched(
    call: &JitCall,
    batched: &[bool],
    size: usize,
    axis_name: Option<&str>,
) -> Result<Option<BatchedCall>> {
    let key: Key = (
        Arc::as_ptr(&call.jaxpr) as usize,
        batched.to_vec(),
        size,
        axis_name.map(str::to_string),
    );
    if let Some(e) = cache().lock().unwrap_or_else(|p| p.into_inner()).get(&key) {
        return Ok(e.batched.clone());
    }
    let made = match names_an_axis(&call.jaxpr) {
        true => None,
        false => Some(trace(call, batched, size, axis_name)?),
    };
    let mut cache = cache().lock().unwrap_or_else(|p| p.into_inner());
    // Functions jitted afresh on every call make new keys: bound the cache.
    if cache.len() >= 1024 {
        cache.clear();
    }
    let entry = Entry {
        _program: call.jaxpr.clone(),
        batched: made.clone(),
    };
    cache.insert(key, entry);
    Ok(made)
}

/// Whether a collective (or an axis index) appears anywhere in `jaxpr`.
fn names_an_axis(jaxpr: &Jaxpr) -> bool {
    jaxpr.eqns.iter().any(|e| {
        // Programs nested in parameters come from `sub_jaxprs` (exhaustive
        // over the primitives); a custom rule may carry one of its own.
        let custom = if let Primitive::Custom(c) = &e.prim {
            c.0.jaxpr()
        } else {
            None
        };
        e.prim.axis_name().is_some()
            || e.prim
                .sub_jaxprs()
                .into_iter()
                .map(|(_, j)| j)
                .chain(custom)
                .any(names_an_axis)
    })
}

fn trace(
    call: &JitCall,
    batched: &[bool],
    size: usize,
    axis_name: Option<&str>,
) -> Result<BatchedCall> {
    let in_avals: Vec<AVal> = call
        .jaxpr
        .in_avals()
        .into_iter()
        .zip(batched)
        .map(|(a, &b)| match b {
            true => a.with_shape([&[size][..], &a.shape].concat()),
            false => a,
        })
        .collect();
    let dims: Vec<Option<usize>> = batched.iter().map(|&b| b.then_some(0)).collect();
    let jaxpr = &call.jaxpr;
    let closed = trace_to_jaxpr(&in_avals, |args| {
        vmap(
            |xs| eval_jaxpr(jaxpr, &[], xs),
            args,
            &dims,
            size,
            axis_name,
        )?
        .into_iter()
        .map(|(v, d)| with_batch_axis(&v, d, size, 0))
        .collect()
    })?;
    Ok(BatchedCall {
        call: JitCall {
            name: call.name.clone(),
            jaxpr: Arc::new(closed.hoist_consts()),
        },
        consts: closed.consts,
    })
}
