//! Compile and run StableHLO text written elsewhere (what `stablehlo-dump
//! run` does with a `.mlir` file): single-device, replicated
//! (`mhlo.num_replicas`) or partitioned by XLA's SPMD partitioner
//! (`mhlo.num_partitions`, with `mhlo.sharding` on `@main`'s parameters and
//! results, as JAX's `jit` with shardings emits).

pub(crate) mod partitions;

use crate::Array;
use crate::runtime::{DeviceArray, Runtime, device_array, pjrt_error, runtime_for};
use crate::sharding::{block_shape, cut_block, paste_block};
use partitions::{HloSharding, main_shardings};
use rjax_ir::{AVal, DType, Error, ErrorKind, Result, Value};
use rjax_pjrt::{Buffer, CompileOptions, ElementType, Executable};
use std::sync::Arc;

/// A compiled StableHLO module, replicated or partitioned over one or
/// more devices.
pub struct Module {
    exe: Executable,
    /// The runtime whose client compiled `exe`.
    rt: &'static Runtime,
    /// For a partitioned module, the sharding text of each parameter and
    /// result of `@main` (`None`: replicated).
    partitioned: Option<Shardings>,
}

/// The sharding text on `@main`'s parameters and results, and the
/// results' global dimensions where the signature gives them.
struct Shardings {
    params: Vec<Option<String>>,
    results: Vec<Option<String>>,
    result_dims: Vec<Option<Vec<usize>>>,
}

/// Compile StableHLO module text with the PJRT plugin. Modules asking for
/// more than one device (`mhlo.num_replicas` or `mhlo.num_partitions`)
/// are refused: see [`compile_module_on`].
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

/// How many devices the module text asks for: its `mhlo.num_partitions`
/// or `mhlo.num_replicas`, whichever is above 1 (1 when neither is, or
/// when the value cannot be read: [`compile_module_on`] then says why).
///
/// ```
/// assert_eq!(rjax::module_devices("module @m attributes {mhlo.num_partitions = 8 : i32, mhlo.num_replicas = 1 : i32} {}"), 8);
/// assert_eq!(rjax::module_devices("module @m {}"), 1);
/// ```
pub fn module_devices(text: &str) -> usize {
    ["mhlo.num_partitions", "mhlo.num_replicas"]
        .iter()
        .flat_map(|name| attribute_values(text, name))
        .flatten()
        .filter_map(|n| usize::try_from(n).ok())
        .max()
        .unwrap_or(1)
        .max(1)
}

/// Compile StableHLO module text over the first `devices` devices: the
/// module's `mhlo.num_replicas` or `mhlo.num_partitions` (1 where absent)
/// must be `devices`. [`Module::run`] gives every replica the same
/// arguments and returns the first replica's results; a partitioned
/// module's arguments are split, and its results assembled, as the
/// `mhlo.sharding` attributes of `@main` say.
///
/// ```
/// let m = rjax::compile_module_on("module @m attributes {mhlo.num_replicas = 2 : i32} { func.func public @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {\n %0 = \"stablehlo.all_reduce\"(%arg0) ({\n ^bb0(%a: tensor<f32>, %b: tensor<f32>):\n %s = stablehlo.add %a, %b : tensor<f32>\n stablehlo.return %s : tensor<f32>\n }) {replica_groups = dense<[[0, 1]]> : tensor<1x2xi64>} : (tensor<2xf32>) -> tensor<2xf32>\n return %0 : tensor<2xf32>\n } }", 2).unwrap();
/// let out = m.run(&[rjax::Array::from_slice(&[1.0f32, 2.0], &[2])]).unwrap();
/// assert_eq!(out[0].to_vec::<f32>().unwrap(), vec![2.0, 4.0]);
/// ```
pub fn compile_module_on(text: &str, devices: usize) -> Result<Module> {
    let partitions = attribute_values(text, "mhlo.num_partitions");
    let partitioned = partitions.iter().any(|&n| n != Some(1));
    let (counts, kind) = if partitioned {
        (partitions, "partition")
    } else {
        (attribute_values(text, "mhlo.num_replicas"), "replica")
    };
    let wanted = if counts.is_empty() {
        vec![Some(1)]
    } else {
        counts
    };
    if wanted.iter().any(|&n| n != Some(devices as u64))
        || (partitioned
            && attribute_values(text, "mhlo.num_replicas")
                .iter()
                .any(|&n| n != Some(1)))
    {
        return Err(Error::new(
            ErrorKind::Param,
            "compile_module",
            format!(
                "only {} modules can be run on {devices} device{}; this one sets mhlo.num_{kind}s to {}",
                if devices == 1 {
                    "single-device".to_string()
                } else {
                    format!("{devices}-replica or {devices}-partition")
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
    let (options, partitioned) = if partitioned {
        let (params, results, result_dims) = main_shardings(text).ok_or_else(|| {
            Error::new(
                ErrorKind::Param,
                "compile_module",
                "a partitioned module needs a readable @main signature",
            )
        })?;
        let all = rt.client.devices();
        let options = CompileOptions {
            num_replicas: 1,
            num_partitions: devices as u32,
            use_spmd_partitioning: true,
            device_assignment: Some(all[..devices].iter().map(|d| d.id).collect()),
            ..CompileOptions::default()
        };
        let shardings = Shardings {
            params,
            results,
            result_dims,
        };
        (options, Some(shardings))
    } else {
        let options = CompileOptions {
            num_replicas: devices as u32,
            ..CompileOptions::default()
        };
        (options, None)
    };
    let exe = rt.compile_text(text, &options, "compile_module")?;
    Ok(Module {
        exe,
        rt,
        partitioned,
    })
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

    /// Run on the default device (a partitioned module: on its devices,
    /// with the arguments split and the results assembled); outputs take
    /// their types from the device.
    pub fn run(&self, args: &[Array]) -> Result<Vec<Array>> {
        if let Some(shardings) = &self.partitioned {
            return self.run_partitioned(shardings, args);
        }
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
            .map(|buffer| Ok(Array::from_value(Value::Concrete(on_device(buffer)?))))
            .collect()
    }

    /// [`Module::run`] of a partitioned module: partition `p` runs on
    /// device `p` with its blocks of the arguments; each result is put
    /// together from the partitions' blocks on the host, then placed on
    /// the default device.
    fn run_partitioned(&self, shardings: &Shardings, args: &[Array]) -> Result<Vec<Array>> {
        let rt = self.rt;
        let n = self.exe.num_partitions();
        let mut lists: Vec<Vec<Buffer>> = (0..n).map(|_| Vec::new()).collect();
        for (i, x) in args.iter().enumerate() {
            let (bytes, aval) = x.host_bytes()?;
            let aval = AVal::new(aval.shape, aval.dtype);
            let text = shardings.params.get(i).cloned().flatten();
            let sharding = parse_sharding(text.as_deref(), aval.shape.len(), n, "parameter", i)?;
            for (p, list) in lists.iter_mut().enumerate() {
                let (piece, block) = match &sharding {
                    HloSharding::Tiled { layout, slots } => {
                        if aval
                            .shape
                            .iter()
                            .zip(layout.tiles())
                            .any(|(&d, t)| d % t != 0)
                        {
                            return Err(Error::new(
                                ErrorKind::Shape,
                                "run",
                                format!(
                                    "parameter {i}'s tiles {:?} do not divide its shape",
                                    layout.tiles()
                                ),
                            )
                            .with_operands(vec![aval]));
                        }
                        let block = AVal::new(block_shape(&aval.shape, layout), aval.dtype);
                        (cut_block(&bytes, &aval, layout, slots[p]), block)
                    }
                    _ => (bytes.clone(), aval.clone()),
                };
                list.push(rt.upload_to(&piece, block, p)?.buffer);
            }
        }
        let lists: Vec<Vec<&Buffer>> = lists.iter().map(|l| l.iter().collect()).collect();
        let lists: Vec<&[&Buffer]> = lists.iter().map(Vec::as_slice).collect();
        let per_partition = self.exe.execute(&lists).map_err(|e| pjrt_error("run", e))?;
        let mut per_result: Vec<Vec<Arc<DeviceArray>>> = Vec::new();
        for outs in per_partition {
            per_result.resize_with(outs.len(), Vec::new);
            for (list, buffer) in per_result.iter_mut().zip(outs) {
                list.push(on_device(buffer)?);
            }
        }
        per_result
            .iter()
            .enumerate()
            .map(|(j, blocks)| {
                let block = &blocks[0].aval;
                let text = shardings.results.get(j).cloned().flatten();
                let sharding = parse_sharding(text.as_deref(), block.shape.len(), n, "result", j)?;
                let whole = match &sharding {
                    HloSharding::Replicated => {
                        return Ok(Array::from_value(Value::Concrete(blocks[0].clone())));
                    }
                    HloSharding::Maximal(p) => {
                        return Ok(Array::from_value(Value::Concrete(blocks[*p].clone())));
                    }
                    HloSharding::Tiled { layout, slots } => {
                        let shape: Vec<usize> = block
                            .shape
                            .iter()
                            .zip(layout.tiles())
                            .map(|(&b, t)| b * t)
                            .collect();
                        if let Some(Some(declared)) = shardings.result_dims.get(j)
                            && *declared != shape
                        {
                            return Err(Error::new(
                                ErrorKind::Shape,
                                "run",
                                format!(
                                    "result {j} of @main is {declared:?}, which its tiles {:?} do not divide evenly",
                                    layout.tiles()
                                ),
                            ));
                        }
                        let aval = AVal::new(shape, block.dtype);
                        let mut bytes = vec![0u8; aval.size() * aval.dtype.size_bytes()];
                        for (p, b) in blocks.iter().enumerate() {
                            paste_block(&mut bytes, &aval, layout, slots[p], &b.to_host()?);
                        }
                        rt.upload(&bytes, aval)?
                    }
                };
                Ok(Array::from_value(Value::Concrete(Arc::new(whole))))
            })
            .collect()
    }
}

/// A result buffer as an array, its type read from the device.
fn on_device(buffer: Buffer) -> Result<Arc<DeviceArray>> {
    let dims = buffer.dims().map_err(|e| pjrt_error("run", e))?;
    let ty = buffer.element_type().map_err(|e| pjrt_error("run", e))?;
    let shape = dims.iter().map(|&d| d as usize).collect();
    let aval = AVal::new(shape, dtype_of(ty)?);
    Ok(Arc::new(DeviceArray { aval, buffer }))
}

/// The sharding of `what` `i` of a partitioned module (replicated where
/// the module gives none).
fn parse_sharding(
    text: Option<&str>,
    rank: usize,
    partitions: usize,
    what: &str,
    i: usize,
) -> Result<HloSharding> {
    text.map_or(Ok(HloSharding::Replicated), |t| {
        HloSharding::parse(t, rank, partitions)
            .map_err(|m| Error::new(ErrorKind::Param, "run", format!("{what} {i} of @main: {m}")))
    })
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

/// The values of every attribute `name` (e.g. `mhlo.num_replicas`) in MLIR
/// text (`None` where the value is not a plain integer), read from the code
/// only: text in `//` comments and in string literals does not count,
/// except that a quoted attribute name (`"mhlo.num_replicas" = 2`) does.
fn attribute_values(text: &str, name: &str) -> Vec<Option<u64>> {
    let code = code_only(text, name);
    let is_name_char = |c: char| c.is_ascii_alphanumeric() || "_.$-".contains(c);
    code.match_indices(name)
        .filter(|&(at, _)| !code[..at].ends_with(is_name_char))
        .filter_map(|(at, _)| {
            let rest = &code[at + name.len()..];
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
