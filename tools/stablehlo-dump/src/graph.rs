//! Graphviz DOT of a program's dataflow: one node per operation of the
//! entry function, an edge per use. In optimized HLO each fusion is a
//! cluster holding the operations fused into it.

use crate::ir::{Function, Op};
use std::collections::HashMap;
use std::fmt::Write;

/// DOT of `@main` of a StableHLO module (nested regions are drawn as their
/// parent op).
pub fn mlir_dot(functions: &[Function]) -> String {
    let main = functions
        .iter()
        .find(|f| f.name == "main")
        .unwrap_or(&functions[0]);
    let mut g = Dot::new(&main.name);
    for (name, ty) in &main.params {
        g.node(name, &format!("{name}\\n{ty}"), "shape=box,style=rounded");
        g.define(name, name);
    }
    for op in main.ops.iter().filter(|o| o.depth == 0) {
        g.op(op, "");
    }
    g.finish()
}

/// DOT of the entry computation of optimized HLO, fusions as clusters.
pub fn hlo_dot(computations: &[Function]) -> String {
    let by_name: HashMap<&str, &Function> =
        computations.iter().map(|c| (c.name.as_str(), c)).collect();
    let Some(entry) = computations.iter().find(|c| c.entry) else {
        return Dot::new("empty").finish();
    };
    let mut g = Dot::new(&entry.name);
    for op in &entry.ops {
        let fused = op
            .calls
            .as_deref()
            .filter(|_| op.name == "fusion")
            .and_then(|c| by_name.get(c));
        match fused {
            Some(body) => g.fusion(op, body),
            None => {
                g.op(op, "");
            }
        }
    }
    g.finish()
}

/// A DOT graph being written: its text and, per value, the node that
/// defines it.
struct Dot {
    text: String,
    defined: HashMap<String, String>,
    next: usize,
}

impl Dot {
    fn new(name: &str) -> Dot {
        let mut text = String::new();
        writeln!(text, "digraph {} {{", quote(name)).ok();
        text.push_str("  rankdir=TB;\n  node [shape=box, fontname=\"monospace\", fontsize=10];\n");
        Dot {
            text,
            defined: HashMap::new(),
            next: 0,
        }
    }

    fn node(&mut self, id: &str, label: &str, attrs: &str) {
        let sep = if attrs.is_empty() { "" } else { "," };
        writeln!(
            self.text,
            "  {} [label={}{sep}{attrs}];",
            quote(id),
            quote(label)
        )
        .ok();
    }

    fn define(&mut self, value: &str, node: &str) {
        self.defined.insert(value.to_string(), node.to_string());
    }

    fn fresh(&mut self) -> String {
        self.next += 1;
        format!("n{}", self.next)
    }

    /// A node for `op` (`prefix` scopes value names inside a fusion) with
    /// edges from the nodes defining its operands.
    fn op(&mut self, op: &Op, prefix: &str) -> String {
        let id = self.fresh();
        let label = match op.results.first() {
            Some(r) => format!("{}\\n{r}: {}", op.name, short(&op.ty)),
            None => op.name.clone(),
        };
        self.node(&id, &label, "");
        self.edges_into(&id, op, prefix);
        for r in &op.results {
            self.define(&format!("{prefix}{r}"), &id);
        }
        id
    }

    fn edges_into(&mut self, id: &str, op: &Op, prefix: &str) {
        for operand in &op.operands {
            if let Some(from) = self.defined.get(&format!("{prefix}{operand}")) {
                writeln!(self.text, "  {} -> {};", quote(from), quote(id)).ok();
            }
        }
    }

    /// A cluster for the fusion `op` with the operations of `body`; its
    /// parameters take the fusion's operands, its root defines its result.
    fn fusion(&mut self, op: &Op, body: &Function) {
        let prefix = format!("{}/", op.results[0]);
        writeln!(
            self.text,
            "  subgraph {} {{\n  label={};\n  style=filled; color=lightgrey;",
            quote(&format!("cluster_{}", op.results[0])),
            quote(&format!("{} ({})", op.results[0], short(&op.ty)))
        )
        .ok();
        let mut root = None;
        let mut param = 0;
        for inner in &body.ops {
            if inner.name == "parameter" {
                // The fusion's operand `param` flows into this parameter.
                let outer = Op {
                    operands: op.operands.get(param).cloned().into_iter().collect(),
                    ..inner.clone()
                };
                param += 1;
                let id = self.op(&outer, "");
                for r in &inner.results {
                    self.define(&format!("{prefix}{r}"), &id);
                }
                root = Some(id);
            } else {
                root = Some(self.op(inner, &prefix));
            }
        }
        self.text.push_str("  }\n");
        if let Some(root) = root {
            self.define(&op.results[0], &root);
        }
    }

    fn finish(mut self) -> String {
        self.text.push_str("}\n");
        self.text
    }
}

/// A type shortened for a label: `tensor<64x256xf32>` → `64x256xf32`,
/// HLO layouts dropped.
fn short(ty: &str) -> String {
    let t = ty.rsplit("-> ").next().unwrap_or(ty).trim();
    let t = t
        .strip_prefix("tensor<")
        .and_then(|t| t.strip_suffix('>'))
        .unwrap_or(t);
    match t.find('{') {
        Some(at) if !t.starts_with('(') => t[..at].to_string(),
        _ => t.to_string(),
    }
}

/// A DOT string literal.
fn quote(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\\\""))
}
