//! The Jaxpr IR: typed variables, equations and (sub-)programs.

use crate::{AVal, Literal, Primitive};
use std::collections::HashMap;
use std::fmt::{self, Write};

/// A typed variable, unique within its Jaxpr.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Var {
    pub id: u32,
    pub aval: AVal,
}

/// An equation operand: a variable or an inline scalar literal.
#[derive(Clone, Debug, PartialEq)]
pub enum Atom {
    Var(Var),
    Lit(Literal),
}

impl Atom {
    pub fn aval(&self) -> AVal {
        match self {
            Atom::Var(v) => v.aval.clone(),
            Atom::Lit(l) => l.aval(),
        }
    }
}

/// One primitive application: `outputs = prim(inputs)`.
#[derive(Clone, Debug, PartialEq)]
pub struct Eqn {
    pub prim: Primitive,
    pub inputs: Vec<Atom>,
    pub outputs: Vec<Var>,
}

/// A straight-line program in A-normal form. `constvars` are captured
/// arrays supplied alongside the inputs (see [`crate::ClosedJaxpr`]).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Jaxpr {
    pub constvars: Vec<Var>,
    pub invars: Vec<Var>,
    pub eqns: Vec<Eqn>,
    pub outvars: Vec<Atom>,
}

impl Jaxpr {
    /// Abstract values of the inputs (constants excluded).
    pub fn in_avals(&self) -> Vec<AVal> {
        self.invars.iter().map(|v| v.aval.clone()).collect()
    }
    /// Abstract values of the outputs.
    pub fn out_avals(&self) -> Vec<AVal> {
        self.outvars.iter().map(Atom::aval).collect()
    }
}

impl fmt::Display for Jaxpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        Printer::default().jaxpr(self, 0, &mut out)?;
        f.write_str(&out)
    }
}

/// Prints Jaxprs the way `jax.make_jaxpr` does, naming variables a, b, ...,
/// z, ba, bb, ... in order of definition.
#[derive(Default)]
struct Printer {
    names: HashMap<u32, String>,
}

impl Printer {
    fn name(&mut self, v: &Var) -> String {
        let next = self.names.len();
        self.names
            .entry(v.id)
            .or_insert_with(|| letters(next))
            .clone()
    }

    fn binder(&mut self, v: &Var) -> String {
        format!("{}:{}", self.name(v), v.aval)
    }

    fn atom(&mut self, a: &Atom) -> String {
        match a {
            Atom::Var(v) => self.name(v),
            Atom::Lit(l) => l.to_string(),
        }
    }

    fn jaxpr(&mut self, j: &Jaxpr, indent: usize, out: &mut String) -> fmt::Result {
        let pad = " ".repeat(indent);
        let consts: Vec<String> = j.constvars.iter().map(|v| self.binder(v)).collect();
        let ins: Vec<String> = j.invars.iter().map(|v| self.binder(v)).collect();
        write!(
            out,
            "{{ lambda {}; {}. let",
            consts.join(" "),
            ins.join(" ")
        )?;
        for eqn in &j.eqns {
            let outs: Vec<String> = eqn.outputs.iter().map(|v| self.binder(v)).collect();
            let args: Vec<String> = eqn.inputs.iter().map(|a| self.atom(a)).collect();
            write!(out, "\n{pad}    {} = {}", outs.join(" "), eqn.prim.name())?;
            let params = eqn.prim.params_text();
            let subs = eqn.prim.sub_jaxprs();
            if !subs.is_empty() {
                write!(out, "[")?;
                for (name, j) in subs {
                    write!(out, "\n{pad}      {name}=")?;
                    Printer::default().jaxpr(j, indent + 6, out)?;
                }
                write!(out, "\n{pad}      {params}\n{pad}    ]")?;
            } else if !params.is_empty() {
                write!(out, "[{params}]")?;
            }
            if !args.is_empty() {
                write!(out, " {}", args.join(" "))?;
            }
        }
        let outs: Vec<String> = j.outvars.iter().map(|a| self.atom(a)).collect();
        let trailing = if outs.len() == 1 { "," } else { "" };
        write!(out, "\n{pad}  in ({}{trailing}) }}", outs.join(", "))
    }
}

/// Base 26 in the digits a..z: 0 -> a, 25 -> z, 26 -> ba, ...
fn letters(mut n: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'a' + (n % 26) as u8);
        n /= 26;
        if n == 0 {
            break;
        }
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn variable_names_follow_jax() {
        assert_eq!(super::letters(0), "a");
        assert_eq!(super::letters(25), "z");
        assert_eq!(super::letters(26), "ba");
        assert_eq!(super::letters(27), "bb");
    }
}
