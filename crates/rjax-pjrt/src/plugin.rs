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
    /// The descriptor a verified plugin was loaded through, kept open so
    /// that the library's name (`/proc/self/fd/N`) keeps naming it.
    _file: Option<std::fs::File>,
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
    /// Load the plugin at `path` and initialize it, trusting the file as it
    /// is (what `RJAX_PJRT_PLUGIN` does). Loading a library runs its code in
    /// this process; see [`Plugin::load_verified`] for a checked load.
    pub fn load(path: &Path) -> Result<Arc<Plugin>> {
        if !path.is_file() {
            return Err(load_error(path, "no such file".into()));
        }
        Plugin::open(path, path, None)
    }

    /// Load the plugin at `path` only if its SHA-256 is `expected_sha256`
    /// (64 hex digits), and initialize it. The file is opened once, hashed
    /// from that open descriptor and, on Linux, loaded through the same
    /// descriptor (`/proc/self/fd/N`), so a file swapped in between is not
    /// what gets loaded. A file with another hash is refused with
    /// [`Error::PluginHash`] before any of its code runs. Hashing reads the
    /// whole file (about 0.2 s for the 200 MB CPU plugin).
    pub fn load_verified(path: &Path, expected_sha256: &str) -> Result<Arc<Plugin>> {
        let file = std::fs::File::open(path).map_err(|e| load_error(path, e.to_string()))?;
        let found = sha256_hex(&file).map_err(|e| load_error(path, e.to_string()))?;
        if !found.eq_ignore_ascii_case(expected_sha256) {
            return Err(Error::PluginHash {
                path: path.to_path_buf(),
                expected: expected_sha256.to_ascii_lowercase(),
                found,
            });
        }
        let open_path = descriptor_path(&file).unwrap_or_else(|| path.to_path_buf());
        Plugin::open(&open_path, path, Some(file))
    }

    /// `dlopen` the library at `open_path` (known to users as `path`), find
    /// the API table and initialize the plugin.
    fn open(open_path: &Path, path: &Path, file: Option<std::fs::File>) -> Result<Arc<Plugin>> {
        let library = unsafe { libloading::Library::new(open_path) }
            .map_err(|e| load_error(path, e.to_string()))?;
        let get_api: libloading::Symbol<unsafe extern "C" fn() -> *const sys::PJRT_Api> =
            unsafe { library.get(b"GetPjrtApi\0") }.map_err(|_| Error::MissingSymbol {
                path: path.to_path_buf(),
                symbol: "GetPjrtApi".into(),
            })?;
        let api = unsafe { get_api() };
        if api.is_null() {
            return Err(load_error(path, "GetPjrtApi returned null".into()));
        }
        let plugin = Plugin {
            api: unsafe { &*api },
            path: path.to_path_buf(),
            _library: library,
            _file: file,
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

fn load_error(path: &Path, reason: String) -> Error {
    Error::PluginLoad {
        path: path.to_path_buf(),
        reason,
    }
}

/// The SHA-256 of everything readable from `file`, as lowercase hex.
fn sha256_hex(mut file: &std::fs::File) -> std::io::Result<String> {
    use sha2::Digest;
    use std::io::Read;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        match file.read(&mut buf)? {
            0 => break,
            n => hasher.update(&buf[..n]),
        }
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// A path that opens the very file behind `file`, where the system has one.
#[cfg(target_os = "linux")]
fn descriptor_path(file: &std::fs::File) -> Option<PathBuf> {
    use std::os::fd::AsRawFd;
    let p = PathBuf::from(format!("/proc/self/fd/{}", file.as_raw_fd()));
    p.exists().then_some(p)
}

#[cfg(not(target_os = "linux"))]
fn descriptor_path(_: &std::fs::File) -> Option<PathBuf> {
    None
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
