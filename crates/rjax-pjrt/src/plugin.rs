//! Loading a plugin: `dlopen`, `GetPjrtApi`, `PJRT_Plugin_Initialize`, and
//! turning `PJRT_Error`s into [`Error`]s.

use crate::sys;
use crate::{Error, Result};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A loaded PJRT plugin. The library stays loaded while any client,
/// buffer or executable made from it is alive (they hold this `Arc`).
pub struct Plugin {
    pub(crate) api: &'static sys::PJRT_Api,
    path: PathBuf,
    _library: libloading::Library,
}

// The PJRT C API is thread-safe; the table is immutable after loading.
unsafe impl Send for Plugin {}
unsafe impl Sync for Plugin {}

/// Build an `*_Args` struct with its `struct_size` set and everything else
/// zeroed, as the C API expects.
macro_rules! args {
    ($t:ident { $($field:ident : $value:expr),* $(,)? }) => {
        sys::$t {
            struct_size: std::mem::size_of::<sys::$t>(),
            $($field: $value,)*
            ..Default::default()
        }
    };
}
pub(crate) use args;

/// Call a function of the API table, converting a returned `PJRT_Error`.
macro_rules! call {
    ($plugin:expr, $name:ident, $args:expr) => {{
        let plugin: &$crate::plugin::Plugin = $plugin;
        match plugin.api.$name {
            Some(f) => {
                let err = unsafe { f($args) };
                plugin.check(stringify!($name), err)
            }
            None => Err($crate::Error::Pjrt {
                call: stringify!($name),
                code: "UNIMPLEMENTED".into(),
                message: "the plugin does not provide this function".into(),
            }),
        }
    }};
}
pub(crate) use call;

impl Plugin {
    /// Load the plugin at `path` and initialize it.
    pub fn load(path: &Path) -> Result<Arc<Plugin>> {
        let fail = |reason: String| Error::PluginLoad {
            path: path.to_path_buf(),
            reason,
        };
        if !path.is_file() {
            return Err(fail("no such file".into()));
        }
        let library = unsafe { libloading::Library::new(path) }.map_err(|e| fail(e.to_string()))?;
        let get_api: libloading::Symbol<unsafe extern "C" fn() -> *const sys::PJRT_Api> =
            unsafe { library.get(b"GetPjrtApi\0") }.map_err(|_| Error::MissingSymbol {
                path: path.to_path_buf(),
                symbol: "GetPjrtApi".into(),
            })?;
        let api = unsafe { get_api() };
        if api.is_null() {
            return Err(fail("GetPjrtApi returned null".into()));
        }
        let plugin = Plugin {
            api: unsafe { &*api },
            path: path.to_path_buf(),
            _library: library,
        };
        let mut init = args!(PJRT_Plugin_Initialize_Args {});
        call!(&plugin, PJRT_Plugin_Initialize, &mut init)?;
        Ok(Arc::new(plugin))
    }

    /// The plugin's PJRT C API version (major, minor).
    pub fn api_version(&self) -> (i32, i32) {
        let v = &self.api.pjrt_api_version;
        (v.major_version, v.minor_version)
    }

    /// Where the plugin was loaded from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `Ok` for a null error; otherwise its code and message, and destroy it.
    pub(crate) fn check(&self, call: &'static str, err: *mut sys::PJRT_Error) -> Result<()> {
        if err.is_null() {
            return Ok(());
        }
        let mut msg = args!(PJRT_Error_Message_Args { error: err });
        let message = match self.api.PJRT_Error_Message {
            Some(f) => {
                unsafe { f(&mut msg) };
                text(msg.message, msg.message_size)
            }
            None => String::new(),
        };
        let mut code = args!(PJRT_Error_GetCode_Args { error: err });
        let code_name = match self.api.PJRT_Error_GetCode {
            Some(f) if unsafe { f(&mut code) }.is_null() => code_name(code.code),
            _ => "UNKNOWN",
        };
        if let Some(f) = self.api.PJRT_Error_Destroy {
            let mut d = args!(PJRT_Error_Destroy_Args { error: err });
            unsafe { f(&mut d) };
        }
        Err(Error::Pjrt {
            call,
            code: code_name.into(),
            message,
        })
    }

    /// Wait for an event, then destroy it (a null event is already done).
    pub(crate) fn await_event(
        &self,
        call: &'static str,
        event: *mut sys::PJRT_Event,
    ) -> Result<()> {
        if event.is_null() {
            return Ok(());
        }
        let mut a = args!(PJRT_Event_Await_Args { event: event });
        let waited = call!(self, PJRT_Event_Await, &mut a);
        let mut d = args!(PJRT_Event_Destroy_Args { event: event });
        let destroyed = call!(self, PJRT_Event_Destroy, &mut d);
        waited.map_err(|e| match e {
            Error::Pjrt { code, message, .. } => Error::Pjrt {
                call,
                code,
                message,
            },
            other => other,
        })?;
        destroyed
    }
}

/// A (pointer, length) string from the plugin.
pub(crate) fn text(ptr: *const std::os::raw::c_char, len: usize) -> String {
    if ptr.is_null() {
        return String::new();
    }
    let bytes = unsafe { std::slice::from_raw_parts(ptr as *const u8, len) };
    String::from_utf8_lossy(bytes).into_owned()
}

fn code_name(code: sys::PJRT_Error_Code) -> &'static str {
    const NAMES: [&str; 17] = [
        "OK",
        "CANCELLED",
        "UNKNOWN",
        "INVALID_ARGUMENT",
        "DEADLINE_EXCEEDED",
        "NOT_FOUND",
        "ALREADY_EXISTS",
        "PERMISSION_DENIED",
        "RESOURCE_EXHAUSTED",
        "FAILED_PRECONDITION",
        "ABORTED",
        "OUT_OF_RANGE",
        "UNIMPLEMENTED",
        "INTERNAL",
        "UNAVAILABLE",
        "DATA_LOSS",
        "UNAUTHENTICATED",
    ];
    NAMES.get(code as usize).copied().unwrap_or("UNKNOWN")
}
