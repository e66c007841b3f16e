//! What XLA knows about a compiled program: its cost analysis (FLOPs,
//! bytes accessed...) and the memory it was compiled to use.

use crate::plugin::{args, call, text};
use crate::{Executable, Result, sys};

/// The memory a compiled program uses on its device, in bytes, from
/// `PJRT_Executable_GetCompiledMemoryStats`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemoryStats {
    /// Its arguments.
    pub argument_bytes: i64,
    /// Its results.
    pub output_bytes: i64,
    /// Results that share a buffer with an argument (counted in both).
    pub alias_bytes: i64,
    /// Scratch space XLA allocates while it runs.
    pub temp_bytes: i64,
    /// Its generated code.
    pub generated_code_bytes: i64,
    /// The most memory live at once, where the plugin reports it (0 if not).
    pub peak_bytes: i64,
}

impl Executable {
    /// XLA's cost analysis of the program, as (property, value) pairs in the
    /// plugin's order: `flops`, `bytes accessed`, `transcendentals`,
    /// `optimal_seconds`, per-operand byte counts... Integer and boolean
    /// properties are converted to `f64`; list and string ones are left out.
    pub fn cost_analysis(&self) -> Result<Vec<(String, f64)>> {
        self.with_executable(|plugin, executable| {
            let mut a = args!(PJRT_Executable_GetCostAnalysis_Args {
                executable: executable
            });
            // SAFETY: `executable` is live for this closure; the plugin fills
            // `num_properties` and `properties`.
            unsafe { call!(plugin, PJRT_Executable_GetCostAnalysis, &mut a) }?;
            if a.properties.is_null() {
                return Ok(Vec::new());
            }
            // SAFETY: the plugin returned `num_properties` named values at
            // `properties`, owned by the executable, which lives until this
            // closure returns; everything is copied out before then.
            let values = unsafe { std::slice::from_raw_parts(a.properties, a.num_properties) };
            Ok(values
                .iter()
                .filter_map(|v| {
                    // SAFETY: `name` is readable for `name_size` bytes, and
                    // the union member read is the one `type_` names.
                    unsafe {
                        let name = text(v.name, v.name_size);
                        let value = match v.type_ {
                            sys::PJRT_NamedValue_Type_PJRT_NamedValue_kFloat => {
                                v.__bindgen_anon_1.float_value as f64
                            }
                            sys::PJRT_NamedValue_Type_PJRT_NamedValue_kInt64 => {
                                v.__bindgen_anon_1.int64_value as f64
                            }
                            sys::PJRT_NamedValue_Type_PJRT_NamedValue_kBool => {
                                f64::from(u8::from(v.__bindgen_anon_1.bool_value))
                            }
                            _ => return None,
                        };
                        Some((name, value))
                    }
                })
                .collect())
        })
    }

    /// The memory the program was compiled to use on its device.
    pub fn memory_stats(&self) -> Result<MemoryStats> {
        self.with_executable(|plugin, executable| {
            let mut a = args!(PJRT_Executable_GetCompiledMemoryStats_Args {
                executable: executable
            });
            // SAFETY: `executable` is live for this closure; the plugin only
            // writes the integer fields of `a`.
            unsafe { call!(plugin, PJRT_Executable_GetCompiledMemoryStats, &mut a) }?;
            Ok(MemoryStats {
                argument_bytes: a.argument_size_in_bytes,
                output_bytes: a.output_size_in_bytes,
                alias_bytes: a.alias_size_in_bytes,
                temp_bytes: a.temp_size_in_bytes,
                generated_code_bytes: a.generated_code_size_in_bytes,
                peak_bytes: a.peak_memory_in_bytes,
            })
        })
    }
}
