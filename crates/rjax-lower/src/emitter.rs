//! SSA bookkeeping: names for values, constants for literals, the text of
//! the function body.

use crate::types::{dense_value, tensor_type};
use rjax_ir::{AVal, Atom, Error, ErrorKind, Jaxpr, Literal, Result};
use std::collections::HashMap;
use std::fmt::Write;

pub(crate) struct Emitter {
    body: String,
    indent: String,
    next: usize,
    /// Mapped axes (name, size), outermost first.
    pub(crate) axes: Vec<(String, usize)>,
    /// How many partitions run the program (1 unless it is partitioned).
    pub(crate) partitions: usize,
    /// Whether the code being emitted is a manual region of a partitioned
    /// program, whose collectives name partitions (see `manual`).
    pub(crate) manual: bool,
    /// The last channel handle given to a collective of a manual region.
    channels: usize,
    /// The token of the last side-effecting custom call of the current
    /// region (see `custom_call`), and those of the enclosing regions.
    pub(crate) effect_token: Option<String>,
    outer_effect_tokens: Vec<Option<String>>,
}

impl Emitter {
    pub(crate) fn new(indent: &str, axes: Vec<(String, usize)>) -> Emitter {
        Emitter {
            body: String::new(),
            indent: indent.to_string(),
            next: 0,
            axes,
            partitions: 1,
            manual: false,
            channels: 0,
            effect_token: None,
            outer_effect_tokens: Vec::new(),
        }
    }

    pub(crate) fn finish(self) -> String {
        self.body
    }

    /// A fresh channel handle, for a collective between partitions.
    pub(crate) fn channel(&mut self) -> String {
        self.channels += 1;
        format!(
            "channel_handle = #stablehlo.channel_handle<handle = {}, type = 1>",
            self.channels
        )
    }

    /// A fresh SSA name.
    pub(crate) fn fresh(&mut self) -> String {
        let n = self.next;
        self.next += 1;
        format!("%{n}")
    }

    /// Append `%name = <op text>` and return the name.
    pub(crate) fn op(&mut self, text: impl AsRef<str>) -> String {
        let name = self.fresh();
        let _ = writeln!(self.body, "{}{name} = {}", self.indent, text.as_ref());
        name
    }

    /// `x` of type `from` reshaped to `to` (same elements).
    pub(crate) fn reshape(&mut self, x: &str, from: &AVal, to: &AVal) -> String {
        self.op(format!(
            "stablehlo.reshape {x} : ({}) -> {}",
            tensor_type(from),
            tensor_type(to)
        ))
    }

    /// Append a line as is (region bodies, multi-result ops).
    pub(crate) fn line(&mut self, text: impl AsRef<str>) {
        let _ = writeln!(self.body, "{}{}", self.indent, text.as_ref());
    }

    pub(crate) fn constant(&mut self, l: &Literal) -> String {
        let t = tensor_type(&l.aval());
        self.op(format!(
            "stablehlo.constant dense<{}> : {t}",
            dense_value(l)
        ))
    }

    /// Broadcast a rank-0 value to `aval`'s shape.
    pub(crate) fn splat(&mut self, scalar: &str, scalar_aval: &AVal, to: &AVal) -> String {
        let target = to.with_dtype(scalar_aval.dtype);
        self.op(format!(
            "stablehlo.broadcast_in_dim {scalar}, dims = [] : ({}) -> {}",
            tensor_type(scalar_aval),
            tensor_type(&target)
        ))
    }

    /// Element `index` (an int32 scalar, with `zero` the int32 scalar 0)
    /// of `x` (of type `a`) along its leading axis.
    pub(crate) fn leading_slice(&mut self, x: &str, a: &AVal, index: &str, zero: &str) -> String {
        let starts: Vec<&str> = std::iter::once(index)
            .chain(std::iter::repeat_n(zero, a.rank() - 1))
            .collect();
        let one = a.with_shape([&[1][..], &a.shape[1..]].concat());
        let sizes: Vec<String> = one.shape.iter().map(|d| d.to_string()).collect();
        let scalars = vec!["tensor<i32>"; a.rank()].join(", ");
        let slice = self.op(format!(
            "stablehlo.dynamic_slice {x}, {}, sizes = [{}] : ({}, {scalars}) -> {}",
            starts.join(", "),
            sizes.join(", "),
            tensor_type(a),
            tensor_type(&one)
        ));
        let element = a.with_shape(a.shape[1..].to_vec());
        self.reshape(&slice, &one, &element)
    }

    /// Emit `jaxpr` as the body of a nested region, one level deeper:
    /// returns the region's text and the names of its outputs.
    pub(crate) fn region(
        &mut self,
        jaxpr: &Jaxpr,
        args: Vec<String>,
    ) -> Result<(String, Vec<String>)> {
        let saved = self.begin_region();
        let outs = self.jaxpr(jaxpr, args);
        let text = self.end_region(saved);
        Ok((text, outs?))
    }

    /// Start writing a nested region; returns what `end_region` restores.
    pub(crate) fn begin_region(&mut self) -> (String, String) {
        let saved = (std::mem::take(&mut self.body), self.indent.clone());
        self.indent.push_str("  ");
        let token = self.effect_token.take();
        self.outer_effect_tokens.push(token);
        saved
    }

    /// Finish a nested region, returning its text.
    pub(crate) fn end_region(&mut self, (body, indent): (String, String)) -> String {
        self.indent = indent;
        self.effect_token = self.outer_effect_tokens.pop().flatten();
        std::mem::replace(&mut self.body, body)
    }

    /// The current indentation.
    pub(crate) fn indent(&self) -> &str {
        &self.indent
    }

    /// Append already indented text.
    pub(crate) fn raw(&mut self, text: &str) {
        self.body.push_str(text);
    }

    /// Emit the equations of `jaxpr` with its inputs (constants first) bound
    /// to `args`; returns the names of its outputs.
    pub(crate) fn jaxpr(&mut self, jaxpr: &Jaxpr, args: Vec<String>) -> Result<Vec<String>> {
        let mut env: HashMap<u32, String> = HashMap::new();
        for (v, name) in jaxpr.constvars.iter().chain(&jaxpr.invars).zip(args) {
            env.insert(v.id, name);
        }
        for eqn in &jaxpr.eqns {
            let operands = eqn
                .inputs
                .iter()
                .map(|a| self.atom(&env, a))
                .collect::<Result<Vec<_>>>()?;
            let in_avals: Vec<AVal> = eqn.inputs.iter().map(Atom::aval).collect();
            let out_avals: Vec<AVal> = eqn.outputs.iter().map(|v| v.aval.clone()).collect();
            let results =
                crate::rules::lower_eqn(self, &eqn.prim, &operands, &in_avals, &out_avals)?;
            for (v, r) in eqn.outputs.iter().zip(results) {
                env.insert(v.id, r);
            }
        }
        jaxpr.outvars.iter().map(|a| self.atom(&env, a)).collect()
    }

    fn atom(&mut self, env: &HashMap<u32, String>, a: &Atom) -> Result<String> {
        match a {
            Atom::Var(v) => env.get(&v.id).cloned().ok_or_else(|| {
                Error::new(
                    ErrorKind::Lowering,
                    "lower",
                    format!(
                        "variable {} of type {} is used before it is defined",
                        v.id, v.aval
                    ),
                )
            }),
            Atom::Lit(l) => Ok(self.constant(l)),
        }
    }
}
