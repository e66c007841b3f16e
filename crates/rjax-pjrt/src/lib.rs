//! rjax's own binding to the PJRT C API: load a plugin, create a client,
//! move arrays between host and devices, compile StableHLO and execute it.
//!
//! Every `PJRT_Error` becomes a typed [`Error`] carrying the plugin's
//! message; every object the binding creates is destroyed when its Rust
//! owner is dropped. How the `unsafe` code is argued is described in the
//! `plugin` module; each `unsafe` block carries its own `SAFETY:` comment.
//!
//! ```no_run
//! use rjax_pjrt::{Client, ClientOptions, CompileOptions, ElementType, Plugin};
//! # fn main() -> rjax_pjrt::Result<()> {
//! let plugin = Plugin::load(std::path::Path::new("/path/to/pjrt_c_api_cpu_plugin.so"))?;
//! let client = Client::new(plugin, &ClientOptions::default())?;
//! let exe = client.compile("module { func.func public @main(%x: tensor<f32>) -> tensor<f32> { return %x : tensor<f32> } }", &CompileOptions::default())?;
//! let x = client.buffer_from_host(&1.5f32.to_le_bytes(), ElementType::F32, &[], 0)?;
//! let out = exe.execute(&[&[&x]])?;
//! let mut bytes = [0u8; 4];
//! out[0][0].to_host(&mut bytes)?;
//! # Ok(()) }
//! ```

mod analysis;
mod buffer;
mod client;
mod discover;
mod error;
mod executable;
mod ffi;
mod host_memory;
mod op_sharding;
mod options;
mod plugin;
mod shardings;
// `sys` is bindgen's output (tools/gen-pjrt-bindings.sh), kept as
// generated: its only `unsafe` blocks are bindgen's zero-filling `Default`
// impls, sound because every field of those `repr(C)` structs (integers, raw
// pointers, `Option`s of function pointers) accepts all-zero bits.
#[rustfmt::skip]
#[allow(clippy::undocumented_unsafe_blocks)]
mod sys;
#[cfg(test)]
mod fake;
#[cfg(test)]
mod ownership_tests;

pub use analysis::MemoryStats;
pub use buffer::{Buffer, ElementType};
pub use client::{Client, Device};
pub use discover::default_cuda_plugin;
pub use error::{Error, Result};
pub use executable::Executable;
pub use ffi::{
    Extension, FfiArg, FfiResult, HOST_CALLBACK_TARGET, HostDispatch, LINALG_TARGET, LinalgDispatch,
};
pub use host_memory::{MMAP_THRESHOLD, TOP_PAD, TRIM_THRESHOLD, retain_host_buffers};
pub use op_sharding::{OpSharding, OpShardingType};
pub use options::{ClientOptions, CompileOptions, JAX_DEBUG_OPTIONS};
pub use plugin::Plugin;
