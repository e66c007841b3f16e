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
/// more than one replica are refused (they need `pmap`'s device placement).
///
/// ```
/// let m = rjax::compile_module("module @m { func.func public @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {\n %0 = stablehlo.add %arg0, %arg0 : tensor<2xf32>\n return %0 : tensor<2xf32>\n } }").unwrap();
/// let out = m.run(&[rjax::Array::from_slice(&[1.0f32, 2.0], &[2])]).unwrap();
/// assert_eq!(out[0].to_vec::<f32>().unwrap(), vec![2.0, 4.0]);
/// assert!(rjax::compile_module("module { not stablehlo }").is_err());
/// ```
pub fn compile_module(text: &str) -> Result<Module> {
    if text.contains("mhlo.num_replicas") && !text.contains("mhlo.num_replicas = 1 ") {
        return Err(Error::new(
            ErrorKind::Param,
            "compile_module",
            "only single-replica modules can be run here",
        ));
    }
    let rt = runtime()?;
    let exe = rt
        .client
        .compile(text, &CompileOptions::default())
        .map_err(|e| pjrt_error("compile_module", e))?;
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
                let shape = buffer.dims().iter().map(|&d| d as usize).collect();
                let aval = AVal::new(shape, dtype_of(buffer.element_type())?);
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
