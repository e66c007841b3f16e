//! Lowering of a [`Jaxpr`] to a StableHLO module in the pretty textual form
//! that JAX prints, ready for a PJRT plugin to compile (format "mlir").
//!
//! ```
//! use rjax_ir::{trace_to_jaxpr, AVal, DType};
//! # fn main() -> rjax_ir::Result<()> {
//! let closed = trace_to_jaxpr(&[AVal::new(vec![3], DType::F32)], |xs| Ok(xs.to_vec()))?;
//! let text = rjax_lower::lower(&closed.hoist_consts(), &rjax_lower::LowerOptions::default())?;
//! assert!(text.contains("func.func public @main(%arg0: tensor<3xf32>) -> (tensor<3xf32>)"));
//! # Ok(()) }
//! ```

mod bessel;
mod collectives;
mod control;
mod custom_call;
mod emitter;
mod gather;
mod manual;
mod rules;
mod sharding;
mod sort;
mod threefry;
mod types;

pub use sharding::sharding_attribute;
pub use types::{dtype_of_element, element_type, tensor_type};

use emitter::Emitter;
use rjax_ir::{Jaxpr, MeshSharding, Result};

/// Module-level settings of a lowering.
#[derive(Clone, Debug)]
pub struct LowerOptions {
    /// The module's symbol name (`@jit_f`).
    pub module_name: String,
    /// `mhlo.num_replicas`: how many replicas (devices) run the program.
    pub num_replicas: usize,
    /// `mhlo.num_partitions`.
    pub num_partitions: usize,
    /// The mapped axes (name, size), outermost first, whose product is the
    /// replica count: collectives over an axis communicate within replica
    /// groups that vary only along it.
    pub axes: Vec<(String, usize)>,
    /// The layout of each argument (constants first) over the partitions,
    /// for XLA's SPMD partitioner; empty or `None`: unannotated.
    pub arg_shardings: Vec<Option<MeshSharding>>,
    /// The layout of each result; empty or `None`: unannotated.
    pub out_shardings: Vec<Option<MeshSharding>>,
}

impl Default for LowerOptions {
    fn default() -> Self {
        LowerOptions {
            module_name: "jit_fn".into(),
            axes: Vec::new(),
            num_replicas: 1,
            num_partitions: 1,
            arg_shardings: Vec::new(),
            out_shardings: Vec::new(),
        }
    }
}

/// Lower a Jaxpr that closes over nothing (hoist constants into inputs
/// `name` as an MLIR symbol: characters other than letters, digits, `_`,
/// `$` and `.` become `_` (so `scatter-add` is `scatter_add`).
fn symbol_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "_$.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .collect();
    if !out.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_') {
        out.insert(0, '_');
    }
    out
}

/// first) to StableHLO module text with one `func.func public @main`.
pub fn lower(jaxpr: &Jaxpr, opts: &LowerOptions) -> Result<String> {
    let mut e = Emitter::new("    ", opts.axes.clone());
    e.partitions = opts.num_partitions;
    let params: Vec<String> = (0..jaxpr.constvars.len() + jaxpr.invars.len())
        .map(|i| format!("%arg{i}"))
        .collect();
    let outs = e.jaxpr(jaxpr, params.clone())?;
    let all_in = jaxpr.constvars.iter().chain(&jaxpr.invars);
    let annotation = |list: &[Option<MeshSharding>], i: usize| {
        list.get(i)
            .and_then(Option::as_ref)
            .map_or(String::new(), sharding::argument_attribute)
    };
    let sig: Vec<String> = all_in
        .zip(&params)
        .enumerate()
        .map(|(i, (v, p))| {
            let attr = annotation(&opts.arg_shardings, i);
            format!("{p}: {}{attr}", tensor_type(&v.aval))
        })
        .collect();
    let out_types: Vec<String> = jaxpr
        .outvars
        .iter()
        .map(|a| tensor_type(&a.aval()))
        .collect();
    let result_decls: Vec<String> = out_types
        .iter()
        .enumerate()
        .map(|(i, t)| format!("{t}{}", annotation(&opts.out_shardings, i)))
        .collect();
    let mut text = format!(
        "module @{} attributes {{mhlo.num_partitions = {} : i32, mhlo.num_replicas = {} : i32}} {{\n",
        symbol_name(&opts.module_name),
        opts.num_partitions,
        opts.num_replicas
    );
    text += &format!(
        "  func.func public @main({}) -> ({}) {{\n",
        sig.join(", "),
        result_decls.join(", ")
    );
    text += &e.finish();
    if outs.is_empty() {
        text += "    return\n";
    } else {
        text += &format!(
            "    return {} : {}\n",
            outs.join(", "),
            out_types.join(", ")
        );
    }
    text += "  }\n}\n";
    Ok(text)
}

/// The device grid a program runs on: the axes in `outer` (those of a
/// `pmap` whose body `jaxpr` is), then the axes of the `pmap` calls inside
/// it, outermost first. A program with `pmap` calls but no outer axes (a
/// `jit` of a `pmap`) runs replicated over the calls' axes.
///
/// ```
/// # use rjax_ir::{trace_to_jaxpr, AVal, DType};
/// # let j = trace_to_jaxpr(&[AVal::new(vec![3], DType::F32)], |xs| Ok(xs.to_vec())).unwrap().jaxpr;
/// let grid = rjax_lower::device_grid(&j, &[("i".to_string(), 4)]).unwrap();
/// assert_eq!(grid, vec![("i".to_string(), 4)]);
/// ```
pub fn device_grid(jaxpr: &Jaxpr, outer: &[(String, usize)]) -> Result<Vec<(String, usize)>> {
    fn walk(j: &Jaxpr, grid: &mut Vec<(String, usize)>) -> Result<()> {
        for eqn in &j.eqns {
            if let rjax_ir::Primitive::Pmap(rjax_ir::PmapParams {
                axis_name,
                axis_size,
                ..
            }) = &eqn.prim
            {
                match grid.iter().find(|(n, _)| n == axis_name) {
                    Some((_, s)) if s != axis_size => {
                        return Err(rjax_ir::Error::new(
                            rjax_ir::ErrorKind::Shape,
                            "xla_pmap",
                            format!(
                                "axis {axis_name} is mapped with size {axis_size} inside a program that maps it with size {s}"
                            ),
                        ));
                    }
                    Some(_) => {}
                    None => grid.push((axis_name.clone(), *axis_size)),
                }
            }
            for (_, sub) in eqn.prim.sub_jaxprs() {
                walk(sub, grid)?;
            }
        }
        Ok(())
    }
    let mut grid = outer.to_vec();
    walk(jaxpr, &mut grid)?;
    Ok(grid)
}
