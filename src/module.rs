//! Compile and run StableHLO text written elsewhere (what `stablehlo-dump
//! run` does with a `.mlir` file).

use crate::Array;
use crate::runtime::{DeviceArray, device_array, pjrt_error, runtime};
use rjax_ir::{AVal, DType, Error, ErrorKind, Result, Value};
use rjax_pjrt::{Buffer, CompileOptions, ElementType, Executable};
use std::sync::Arc;

/// A compiled StableHLO module with one replica.
pub struct Module {
    exe: Executable,
}

/// Compile StableHLO module text with the PJRT plugin. Modules asking for
/// more than one replica (`mhlo.num_replicas`) are refused: they need
/// `pmap`'s device placement.
///
/// ```
/// let m = rjax::compile_module("module @m { func.func public @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {\n %0 = stablehlo.add %arg0, %arg0 : tensor<2xf32>\n return %0 : tensor<2xf32>\n } }").unwrap();
/// let out = m.run(&[rjax::Array::from_slice(&[1.0f32, 2.0], &[2])]).unwrap();
/// assert_eq!(out[0].to_vec::<f32>().unwrap(), vec![2.0, 4.0]);
/// assert!(rjax::compile_module("module { not stablehlo }").is_err());
/// ```
pub fn compile_module(text: &str) -> Result<Module> {
    let counts = replica_counts(text);
    if counts.iter().any(|&n| n != Some(1)) {
        return Err(Error::new(
            ErrorKind::Param,
            "compile_module",
            format!(
                "only single-replica modules can be run here; this one sets mhlo.num_replicas to {}",
                counts
                    .iter()
                    .map(|n| n.map_or("an unreadable value".to_string(), |n| n.to_string()))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    if let Some(t) = oversized_tensor_type(text) {
        return Err(Error::new(
            ErrorKind::Shape,
            "compile_module",
            format!(
                "tensor<{t}> is too large: its size in bytes does not fit in int64, \
                 which XLA cannot represent"
            ),
        ));
    }
    let rt = runtime()?;
    let exe = rt.compile_text(text, &CompileOptions::default(), "compile_module")?;
    Ok(Module { exe })
}

impl Module {
    /// Run on the default device; outputs take their types from the device.
    pub fn run(&self, args: &[Array]) -> Result<Vec<Array>> {
        let rt = runtime()?;
        let arrays = args
            .iter()
            .map(|a| device_array(a.value()?, rt, "run"))
            .collect::<Result<Vec<Arc<DeviceArray>>>>()?;
        let buffers: Vec<&Buffer> = arrays.iter().map(|d| &d.buffer).collect();
        let mut outs = self
            .exe
            .execute(&[&buffers])
            .map_err(|e| pjrt_error("run", e))?;
        outs.pop()
            .unwrap_or_default()
            .into_iter()
            .map(|buffer| {
                let dims = buffer.dims().map_err(|e| pjrt_error("run", e))?;
                let ty = buffer.element_type().map_err(|e| pjrt_error("run", e))?;
                let shape = dims.iter().map(|&d| d as usize).collect();
                let aval = AVal::new(shape, dtype_of(ty)?);
                Ok(Array::from_value(Value::Concrete(Arc::new(DeviceArray {
                    aval,
                    buffer,
                }))))
            })
            .collect()
    }
}

fn dtype_of(t: ElementType) -> Result<DType> {
    rjax_ir::ALL_DTYPES
        .into_iter()
        .find(|&d| crate::runtime::element_type(d) == t)
        .ok_or_else(|| {
            Error::new(
                ErrorKind::Runtime,
                "run",
                format!("unsupported element type {t:?}"),
            )
        })
}

/// The values of every `mhlo.num_replicas` attribute in MLIR text (`None`
/// where the value is not a plain integer), read from the code only: text in
/// `//` comments and in string literals does not count, except that a
/// quoted attribute name (`"mhlo.num_replicas" = 2`) does.
fn replica_counts(text: &str) -> Vec<Option<u64>> {
    const NAME: &str = "mhlo.num_replicas";
    let code = code_only(text, NAME);
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || "_.$-".contains(c);
    code.match_indices(NAME)
        .filter(|&(at, _)| !code[..at].ends_with(is_name_char))
        .filter_map(|(at, _)| {
            let rest = &code[at + NAME.len()..];
            if rest.starts_with(is_name_char) {
                return None;
            }
            let value = rest.trim_start().strip_prefix('=')?.trim_start();
            let digits = value
                .find(|c: char| !c.is_ascii_digit())
                .unwrap_or(value.len());
            Some(value[..digits].parse().ok())
        })
        .collect()
}

/// The body of the first static `tensor<...>` type in the code whose byte
/// size overflows int64 (XLA's C++ side throws on such a type, which would
/// abort the process). Element types rjax does not know (complex, f8...)
/// count as 16 bytes.
fn oversized_tensor_type(text: &str) -> Option<String> {
    let code = code_only(text, "");
    code.match_indices("tensor<").find_map(|(at, _)| {
        let body = &code[at + "tensor<".len()..];
        let body = &body[..body.find('>')?];
        let mut parts: Vec<&str> = body.split('x').collect();
        let element = parts.pop()?;
        let width =
            rjax_lower::dtype_of_element(element.trim()).map_or(16, |d| d.size_bytes()) as u64;
        let bytes = parts
            .iter()
            .filter_map(|d| d.trim().parse::<u64>().ok())
            .try_fold(width, |n: u64, d| n.checked_mul(d.max(1)));
        match bytes {
            Some(b) if b <= i64::MAX as u64 => None,
            _ => Some(body.to_string()),
        }
    })
}

/// `text` with comments and string literals blanked out, except string
/// literals that spell `keep`, which become that bare word.
fn code_only(text: &str, keep: &str) -> String {
    let mut code = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'/') => {
                for c in chars.by_ref() {
                    if c == '\n' {
                        code.push('\n');
                        break;
                    }
                }
            }
            '"' => {
                let mut literal = String::new();
                while let Some(c) = chars.next() {
                    match c {
                        '\\' => {
                            literal.push(c);
                            literal.extend(chars.next());
                        }
                        '"' => break,
                        _ => literal.push(c),
                    }
                }
                code.push(' ');
                if literal == keep {
                    code.push_str(keep);
                }
                code.push(' ');
            }
            _ => code.push(c),
        }
    }
    code
}
