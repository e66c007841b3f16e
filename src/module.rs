//! Compile and run StableHLO text written elsewhere (what `stablehlo-dump
//! run` does with a `.mlir` file).

use crate::Array;
use crate::runtime::{DeviceArray, Runtime, device_array, pjrt_error, runtime_for};
use rjax_ir::{AVal, DType, Error, ErrorKind, Result, Value};
use rjax_pjrt::{Buffer, CompileOptions, ElementType, Executable};
use std::sync::Arc;

/// A compiled StableHLO module, replicated over one or more devices.
pub struct Module {
    exe: Executable,
    /// The runtime whose client compiled `exe`.
    rt: &'static Runtime,
}

/// Compile StableHLO module text with the PJRT plugin. Modules asking for
/// more than one replica (`mhlo.num_replicas`) are refused: see
/// [`compile_module_on`].
///
/// ```
/// let m = rjax::compile_module("module @m { func.func public @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {\n %0 = stablehlo.add %arg0, %arg0 : tensor<2xf32>\n return %0 : tensor<2xf32>\n } }").unwrap();
/// let out = m.run(&[rjax::Array::from_slice(&[1.0f32, 2.0], &[2])]).unwrap();
/// assert_eq!(out[0].to_vec::<f32>().unwrap(), vec![2.0, 4.0]);
/// assert!(rjax::compile_module("module { not stablehlo }").is_err());
/// ```
pub fn compile_module(text: &str) -> Result<Module> {
    compile_module_on(text, 1)
}

/// Compile StableHLO module text replicated over the first `devices`
/// devices; the module's `mhlo.num_replicas` (1 where absent) must be
/// `devices`. [`Module::run`] gives every replica the same arguments and
/// returns the first replica's results.
///
/// ```
/// let m = rjax::compile_module_on("module @m attributes {mhlo.num_replicas = 2 : i32} { func.func public @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {\n %0 = \"stablehlo.all_reduce\"(%arg0) ({\n ^bb0(%a: tensor<f32>, %b: tensor<f32>):\n %s = stablehlo.add %a, %b : tensor<f32>\n stablehlo.return %s : tensor<f32>\n }) {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<2xf32>) -> tensor<2xf32>\n return %0 : tensor<2xf32>\n } }", 2).unwrap();
/// let out = m.run(&[rjax::Array::from_slice(&[1.0f32, 2.0], &[2])]).unwrap();
/// assert_eq!(out[0].to_vec::<f32>().unwrap(), vec![2.0, 4.0]);
/// ```
pub fn compile_module_on(text: &str, devices: usize) -> Result<Module> {
    let counts = replica_counts(text);
    let wanted = if counts.is_empty() {
        vec![Some(1)]
    } else {
        counts
    };
    if wanted.iter().any(|&n| n != Some(devices as u64)) {
        return Err(Error::new(
            ErrorKind::Param,
            "compile_module",
            format!(
                "only {} modules can be run on {devices} device{}; this one sets mhlo.num_replicas to {}",
                if devices == 1 {
                    "single-replica".to_string()
                } else {
                    format!("{devices}-replica")
                },
                if devices == 1 { "" } else { "s" },
                wanted
                    .iter()
                    .map(|n| n.map_or("an unreadable value".to_string(), |n| n.to_string()))
                    .collect::<Vec<_>>()
                    .join(", "),
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
    let rt = runtime_for(devices)?;
    let available = rt.client.devices().len();
    if devices == 0 || devices > available {
        return Err(Error::new(
            ErrorKind::Param,
            "compile_module",
            format!(
                "{devices} devices asked for, but {available} exist (set RJAX_CPU_DEVICE_COUNT for more CPU devices)"
            ),
        ));
    }
    let options = CompileOptions {
        num_replicas: devices as u32,
        ..CompileOptions::default()
    };
    let exe = rt.compile_text(text, &options, "compile_module")?;
    Ok(Module { exe, rt })
}

impl Module {
    /// XLA's cost analysis of the compiled program: `(property, value)`
    /// pairs such as `flops`, `bytes accessed` and `transcendentals`.
    pub fn cost_analysis(&self) -> Result<Vec<(String, f64)>> {
        self.exe
            .cost_analysis()
            .map_err(|e| pjrt_error("cost_analysis", e))
    }

    /// The memory the compiled program uses: arguments, outputs,
    /// temporaries, code.
    pub fn memory_stats(&self) -> Result<rjax_pjrt::MemoryStats> {
        self.exe
            .memory_stats()
            .map_err(|e| pjrt_error("memory_stats", e))
    }

    /// Run on the default device; outputs take their types from the device.
    pub fn run(&self, args: &[Array]) -> Result<Vec<Array>> {
        let arrays = args
            .iter()
            .map(|a| device_array(a.value()?, self.rt, "run"))
            .collect::<Result<Vec<Arc<DeviceArray>>>>()?;
        let buffers: Vec<&Buffer> = arrays.iter().map(|d| &d.buffer).collect();
        let copies: Vec<Vec<Buffer>> = (1..self.exe.num_replicas())
            .map(|device| buffers.iter().map(|b| b.copy_to_device(device)).collect())
            .collect::<std::result::Result<_, _>>()
            .map_err(|e| pjrt_error("run", e))?;
        let lists: Vec<Vec<&Buffer>> = std::iter::once(buffers)
            .chain(copies.iter().map(|c| c.iter().collect()))
            .collect();
        let lists: Vec<&[&Buffer]> = lists.iter().map(Vec::as_slice).collect();
        let outs = self.exe.execute(&lists).map_err(|e| pjrt_error("run", e))?;
        outs.into_iter()
            .next()
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
