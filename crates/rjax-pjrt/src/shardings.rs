//! The Shardings extension (`PJRT_Extension_Type_Shardings`, 19): the
//! layouts XLA's SPMD partitioner chose for a compiled program's outputs.

use crate::op_sharding::OpSharding;
use crate::plugin::Plugin;
use crate::{Error, Executable, Result, sys};
use std::mem::{offset_of, size_of};

/// The extension type number of `PJRT_Shardings_Extension`.
pub(crate) const SHARDINGS_EXTENSION: u32 = 19;

/// `PJRT_Shardings_Extension` (version 1): the base, then the parameter
/// and output functions.
#[repr(C)]
pub(crate) struct ShardingsExtension {
    pub(crate) base: sys::PJRT_Extension_Base,
    pub(crate) _parameter_shardings: Option<ShardingsFn>,
    pub(crate) output_shardings: Option<ShardingsFn>,
}

/// The type of the extension's two functions.
pub(crate) type ShardingsFn = unsafe extern "C" fn(*mut ShardingsArgs) -> *mut sys::PJRT_Error;

/// `PJRT_Shardings_PJRT_Executable_OutputShardings_Args` (the parameter
/// variant has the same layout). The arrays it returns belong to the
/// executable and live as long as it.
#[repr(C)]
pub(crate) struct ShardingsArgs {
    pub(crate) struct_size: usize,
    pub(crate) extension_start: *mut sys::PJRT_Extension_Base,
    pub(crate) executable: *mut sys::PJRT_Executable,
    pub(crate) num_outputs: usize,
    pub(crate) shardings: *const *const std::os::raw::c_char,
    pub(crate) sharding_sizes: *const usize,
}

impl Executable {
    /// The sharding of each output that the compiler chose (for a program
    /// compiled with SPMD partitioning), as `xla.OpSharding`s; `None` when
    /// the plugin does not report shardings.
    pub fn output_shardings(&self) -> Result<Option<Vec<OpSharding>>> {
        self.with_executable(|plugin, executable| {
            let Some(f) = output_shardings_fn(plugin) else {
                return Ok(None);
            };
            let mut a = ShardingsArgs {
                struct_size: size_of::<ShardingsArgs>(),
                extension_start: std::ptr::null_mut(),
                executable,
                num_outputs: 0,
                shardings: std::ptr::null(),
                sharding_sizes: std::ptr::null(),
            };
            // SAFETY: `f` is the plugin's output-shardings function, which
            // takes this args struct; `executable` is live for this closure
            // (`with_executable`) and `a` outlives the call.
            let err = unsafe { f(&mut a) };
            // SAFETY: `err` was just returned by the plugin and is ours.
            unsafe { plugin.take_error("PJRT_Shardings_PJRT_Executable_OutputShardings", err) }?;
            if a.shardings.is_null() || a.sharding_sizes.is_null() {
                return Ok(None);
            }
            (0..a.num_outputs)
                .map(|i| {
                    // SAFETY: the plugin returned `num_outputs` pointers and
                    // sizes, owned by `executable`, which is alive until
                    // this closure returns; each sharding is copied out
                    // (decoded) before that.
                    let bytes = unsafe {
                        let data = a.shardings.add(i).read();
                        let size = a.sharding_sizes.add(i).read();
                        if data.is_null() {
                            if size != 0 {
                                return Err(Error::Unsupported(format!(
                                    "the plugin gave output {i} no sharding but a size of {size}"
                                )));
                            }
                            &[][..]
                        } else {
                            std::slice::from_raw_parts(data.cast::<u8>(), size)
                        }
                    };
                    OpSharding::decode(bytes)
                })
                .collect::<Result<Vec<_>>>()
                .map(Some)
        })
    }
}

/// The plugin's `PJRT_Shardings_PJRT_Executable_OutputShardings`, when its
/// Shardings extension is listed and large enough to hold it.
fn output_shardings_fn(plugin: &Plugin) -> Option<ShardingsFn> {
    let ext = plugin
        .extension_ptr(SHARDINGS_EXTENSION)?
        .cast::<ShardingsExtension>();
    // SAFETY: `ext` is the plugin's Shardings extension (its base says so),
    // static in the loaded library; its size is read before any field past
    // the base.
    let size = unsafe { std::ptr::addr_of!((*ext).base.struct_size).read() };
    if size < offset_of!(ShardingsExtension, output_shardings) + size_of::<usize>() {
        return None;
    }
    // SAFETY: the struct is large enough for the field (checked above); a
    // null entry reads as `None`.
    unsafe { std::ptr::addr_of!((*ext).output_shardings).read() }
}
