//! Loading a plugin (`dlopen`, `GetPjrtApi`, `PJRT_Plugin_Initialize`) and
//! calling its functions, turning `PJRT_Error`s into [`Error`]s.
//!
//! # The unsafe code of this crate
//!
//! Every call into the plugin goes through [`call!`], which expands to the
//! `unsafe fn` [`Plugin::call`]: each call site is an `unsafe` block whose
//! `SAFETY:` comment says why its arguments are valid for that function of
//! the PJRT C API (which objects are live, who owns what, which memory the
//! plugin reads or writes and for how long). What every call shares is
//! argued once, here:
//!
//! - The function table is a copy made at load time (see
//!   [`checked_table`]): an entry the plugin's table does not reach reads
//!   as `None`, and [`Plugin::call`] calls only `Some` entries, so a function
//!   is called only if the plugin provides it.
//! - The library stays loaded while the table is used: every client,
//!   buffer and executable holds an `Arc<Plugin>`, and the `Plugin` owns the
//!   library.
//! - Every args struct is built by [`args!`] (its `struct_size` is ours,
//!   every field not named is zero, so unset pointers are null and the
//!   plugin ignores fields it does not know) and is a local that outlives
//!   the synchronous call.
//! - Every object the plugin returns has exactly one Rust owner from the
//!   moment the call returns (`ClientInner`, `Buffer`, `Executable`, or a
//!   function that destroys it before returning), so each is destroyed once.
//!   Device and device-description handles are owned by the client and
//!   never destroyed by rjax; error objects are destroyed by
//!   [`Plugin::take_error`], events by [`Plugin::await_event`].

use crate::sys;
use crate::{Error, Result};
use std::mem::{offset_of, size_of};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// A loaded PJRT plugin. The library stays loaded while any client,
/// buffer or executable made from it is alive (they hold this `Arc`).
pub struct Plugin {
    /// The plugin's function table, copied by [`checked_table`].
    pub(crate) api: sys::PJRT_Api,
    path: PathBuf,
    /// The loaded library; `None` only for a table made in this process
    /// (the tests' fake plugin).
    _library: Option<libloading::Library>,
    /// The descriptor a verified plugin was loaded through, kept open so
    /// that the library's name (`/proc/self/fd/N`) keeps naming it.
    _file: Option<std::fs::File>,
}

// SAFETY: `Plugin` is an immutable copy of the plugin's function table (plus
// the library handle and a file, both `Send + Sync`); its only raw pointer,
// `extension_start`, names static extension structs of the library, which
// rjax only reads (see `ffi`). The PJRT C API's
// functions may be called from any thread: XLA's implementations lock
// internally, and JAX calls them from many threads.
unsafe impl Send for Plugin {}
// SAFETY: as for `Send`: shared references only read the immutable table.
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

/// Call the entry `$name` of the plugin's function table with `$args` (a
/// `&mut` args struct), turning a returned `PJRT_Error` into an [`Error`].
/// It expands to the `unsafe fn` [`Plugin::call`], so it compiles only
/// inside an `unsafe` block, whose `SAFETY:` comment says why `$args` is
/// valid for that function.
macro_rules! call {
    ($plugin:expr, $name:ident, $args:expr) => {{
        let plugin: &$crate::plugin::Plugin = $plugin;
        plugin.call(stringify!($name), plugin.api.$name, $args)
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
    /// [`Error::PluginHash`] before any of its code runs.
    ///
    /// Hashing reads the whole file (about 0.2 s for the 200 MB CPU
    /// plugin), so a verified file is remembered: a stamp beside it
    /// (`<path>.verified`) records the hash with the file's identity as
    /// the open descriptor reports it (device, inode, size, modification
    /// and status-change times). A later load whose descriptor reports the
    /// same identity skips the hash; any write to the file, a truncation
    /// or a replacement changes its status-change time or inode, and the
    /// file is hashed again.
    pub fn load_verified(path: &Path, expected_sha256: &str) -> Result<Arc<Plugin>> {
        let file = std::fs::File::open(path).map_err(|e| load_error(path, e.to_string()))?;
        let expected = expected_sha256.to_ascii_lowercase();
        let stamp = identity(&file).map(|id| (stamp_path(path), format!("{expected} {id}\n")));
        let remembered = stamp
            .as_ref()
            .is_some_and(|(at, line)| std::fs::read_to_string(at).is_ok_and(|s| s == *line));
        if !remembered {
            let found = sha256_hex(&file).map_err(|e| load_error(path, e.to_string()))?;
            if found != expected {
                return Err(Error::PluginHash {
                    path: path.to_path_buf(),
                    expected,
                    found,
                });
            }
            if let Some((at, line)) = &stamp {
                // A stamp that cannot be written only costs the next load a
                // hash.
                let _ = write_atomically(at, line);
            }
        }
        let open_path = descriptor_path(&file).unwrap_or_else(|| path.to_path_buf());
        Plugin::open(&open_path, path, Some(file))
    }

    /// `dlopen` the library at `open_path` (known to users as `path`), find
    /// the API table and initialize the plugin.
    fn open(open_path: &Path, path: &Path, file: Option<std::fs::File>) -> Result<Arc<Plugin>> {
        // SAFETY: loading a library runs its initializers in this process;
        // that is the trust the caller places in the file (`load` trusts the
        // path it is given, `load_verified` checked the file's hash first).
        let library = unsafe { libloading::Library::new(open_path) }
            .map_err(|e| load_error(path, e.to_string()))?;
        type GetPjrtApi = unsafe extern "C" fn() -> *const sys::PJRT_Api;
        // SAFETY: the PJRT C API declares `const PJRT_Api* GetPjrtApi(void)`,
        // the type given here; the symbol borrows `library`, so it is not
        // used after the library is unloaded.
        let get_api = unsafe { library.get::<GetPjrtApi>(b"GetPjrtApi\0") }.map_err(|_| {
            Error::MissingSymbol {
                path: path.to_path_buf(),
                symbol: "GetPjrtApi".into(),
            }
        })?;
        // SAFETY: called with its declared signature; it takes no arguments
        // and returns a pointer to the plugin's static function table.
        let raw_api = unsafe { get_api() };
        if raw_api.is_null() {
            return Err(load_error(path, "GetPjrtApi returned null".into()));
        }
        // SAFETY: `raw_api` is non-null and points at the plugin's table,
        // which lives in the still-loaded `library` and starts, like every
        // PJRT struct, with its `struct_size`.
        let api = unsafe { checked_table(raw_api) }.map_err(|reason| load_error(path, reason))?;
        let plugin = Plugin {
            api,
            path: path.to_path_buf(),
            _library: Some(library),
            _file: file,
        };
        let mut init = args!(PJRT_Plugin_Initialize_Args {});
        // SAFETY: the args struct has no pointers (its `extension_start` is
        // null) and lives across the call; it is the first call into the
        // plugin, as the C API requires.
        unsafe { call!(&plugin, PJRT_Plugin_Initialize, &mut init) }?;
        Ok(Arc::new(plugin))
    }

    /// A plugin made of an in-process table (the tests' fake plugin),
    /// checked like a loaded one.
    #[cfg(test)]
    pub(crate) fn from_table(table: &sys::PJRT_Api) -> Result<Arc<Plugin>> {
        // SAFETY: `table` is a reference to a whole `PJRT_Api`, so it is
        // readable for its `struct_size` whenever that is at most the
        // struct's size, which the tests' tables declare.
        let api = unsafe { checked_table(table) }.map_err(|reason| Error::PluginLoad {
            path: "fake".into(),
            reason,
        })?;
        Ok(Arc::new(Plugin {
            api,
            path: "fake".into(),
            _library: None,
            _file: None,
        }))
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

    /// Call `f`, this plugin's table entry named `name`, with `args` (use
    /// [`call!`], which passes the entry named by `name`). A returned error
    /// becomes [`Error::Pjrt`] and is destroyed; an entry the plugin lacks
    /// is [`Error::Pjrt`] `UNIMPLEMENTED`, without a call.
    ///
    /// # Safety
    ///
    /// `f` must be the entry `name` of this plugin's table, taking `*mut A`,
    /// and `args` must meet that function's contract in the PJRT C API: made
    /// by [`args!`], every input pointer valid for the whole call and naming
    /// a live object of this plugin (client, device, buffer, executable,
    /// event not yet destroyed) or memory of the size the struct states, and
    /// whatever the call hands back (objects, borrowed arrays) then used
    /// only as the C API allows.
    pub(crate) unsafe fn call<A>(
        &self,
        name: &'static str,
        f: Option<unsafe extern "C" fn(*mut A) -> *mut sys::PJRT_Error>,
        args: &mut A,
    ) -> Result<()> {
        let Some(f) = f else {
            return Err(Error::Pjrt {
                call: name,
                code: "UNIMPLEMENTED".into(),
                message: "the plugin does not provide this function".into(),
            });
        };
        // SAFETY: `f` is non-null and is the plugin's implementation of
        // `name`, whose args struct is `A`; `args` is exclusive, outlives
        // this synchronous call and meets the function's contract (this
        // function's own contract).
        let err = unsafe { f(args) };
        // SAFETY: `err` was just returned by the plugin: null, or an error
        // that the C API makes the caller's to destroy, and nobody else has.
        unsafe { self.take_error(name, err) }
    }

    /// `Ok` for a null error; otherwise its code and message as
    /// [`Error::Pjrt`], after destroying it.
    ///
    /// # Safety
    ///
    /// `err` is null or an error this plugin returned that nobody has
    /// destroyed; this function takes ownership of it.
    pub(crate) unsafe fn take_error(
        &self,
        call: &'static str,
        err: *mut sys::PJRT_Error,
    ) -> Result<()> {
        if err.is_null() {
            return Ok(());
        }
        let message = match self.api.PJRT_Error_Message {
            Some(f) => {
                let mut a = args!(PJRT_Error_Message_Args { error: err });
                // SAFETY: `err` is a live error (contract) and `a` outlives
                // the call.
                unsafe { f(&mut a) };
                // SAFETY: the C API gives `message` (`message_size` bytes)
                // the lifetime of `err`, which is destroyed only below,
                // after this copy.
                unsafe { text(a.message, a.message_size) }
            }
            None => String::new(),
        };
        let code = match self.api.PJRT_Error_GetCode {
            Some(f) => {
                let mut a = args!(PJRT_Error_GetCode_Args { error: err });
                // SAFETY: `err` is a live error (contract) and `a` outlives
                // the call.
                let failed = unsafe { f(&mut a) };
                if failed.is_null() {
                    code_name(a.code)
                } else {
                    // SAFETY: `failed` was just returned by the plugin and is
                    // ours; it is not read (reading its code could fail again).
                    unsafe { self.destroy_error(failed) };
                    "UNKNOWN"
                }
            }
            None => "UNKNOWN",
        };
        // SAFETY: `err` is live and ours (contract), and nothing reads it
        // after this.
        unsafe { self.destroy_error(err) };
        Err(Error::Pjrt {
            call,
            code: code.into(),
            message,
        })
    }

    /// Destroy an error without reading it.
    ///
    /// # Safety
    ///
    /// `err` is an error this plugin returned that nobody has destroyed and
    /// that is not used afterwards.
    unsafe fn destroy_error(&self, err: *mut sys::PJRT_Error) {
        if let Some(f) = self.api.PJRT_Error_Destroy {
            let mut d = args!(PJRT_Error_Destroy_Args { error: err });
            // SAFETY: `err` is live and ours (contract); `d` outlives the call.
            unsafe { f(&mut d) };
        }
    }

    /// Wait for `event`, then destroy it (a null event is already done); an
    /// error of the event is reported as one of `call`.
    ///
    /// # Safety
    ///
    /// `event` is null or an event this plugin returned that nobody has
    /// destroyed; this function takes ownership of it.
    pub(crate) unsafe fn await_event(
        &self,
        call: &'static str,
        event: *mut sys::PJRT_Event,
    ) -> Result<()> {
        if event.is_null() {
            return Ok(());
        }
        let mut a = args!(PJRT_Event_Await_Args { event: event });
        // SAFETY: `event` is live (contract) and `a` outlives the blocking
        // call. `checked_table` made sure the plugin has this function, so
        // the event has completed when this returns, error or not.
        let waited = unsafe { call!(self, PJRT_Event_Await, &mut a) };
        let mut d = args!(PJRT_Event_Destroy_Args { event: event });
        // SAFETY: `event` is live and ours (contract); it is destroyed once,
        // here, whether the wait failed or not, and not used afterwards.
        let destroyed = unsafe { call!(self, PJRT_Event_Destroy, &mut d) };
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

/// A copy of the plugin's function table: the `struct_size` bytes the plugin
/// declares, and zeros (`None` entries) past them, so that an entry newer
/// than the plugin's API reads as absent rather than as bytes beyond its
/// table. Refuses a table without the version header, of another major
/// version, or without the functions rjax needs to free what it is given
/// (errors, events).
///
/// # Safety
///
/// `raw` is non-null, aligned, and readable for the `struct_size` bytes it
/// declares in its first field.
unsafe fn checked_table(raw: *const sys::PJRT_Api) -> std::result::Result<sys::PJRT_Api, String> {
    // SAFETY: every PJRT struct starts with its `struct_size`, and `raw` is
    // readable for at least that field (contract).
    let size = unsafe { std::ptr::addr_of!((*raw).struct_size).read() };
    let header = offset_of!(sys::PJRT_Api, pjrt_api_version) + size_of::<sys::PJRT_Api_Version>();
    if size < header {
        return Err(format!(
            "its API table has {size} bytes, too few for a version"
        ));
    }
    // Whole words only: every entry is a pointer-sized field.
    let len = size.min(size_of::<sys::PJRT_Api>()) / size_of::<usize>() * size_of::<usize>();
    let mut table = sys::PJRT_Api::default();
    // SAFETY: `raw` is readable for `size >= len` bytes (contract); `table`
    // is a distinct local writable for `size_of::<PJRT_Api>() >= len` bytes;
    // the copied prefix ends on a field boundary (every field is a whole
    // number of words), and any bits are valid for those fields (integers,
    // raw pointers, and `Option`s of function pointers, null meaning `None`).
    unsafe { std::ptr::copy_nonoverlapping(raw.cast::<u8>(), (&raw mut table).cast::<u8>(), len) };
    let major = table.pjrt_api_version.major_version;
    if major != sys::PJRT_API_MAJOR as i32 {
        return Err(format!(
            "it implements PJRT C API major version {major}, rjax speaks {}",
            sys::PJRT_API_MAJOR
        ));
    }
    let required = [
        ("PJRT_Error_Destroy", table.PJRT_Error_Destroy.is_some()),
        ("PJRT_Error_Message", table.PJRT_Error_Message.is_some()),
        ("PJRT_Error_GetCode", table.PJRT_Error_GetCode.is_some()),
        ("PJRT_Event_Await", table.PJRT_Event_Await.is_some()),
        ("PJRT_Event_Destroy", table.PJRT_Event_Destroy.is_some()),
    ];
    if let Some((name, _)) = required.iter().find(|(_, present)| !present) {
        return Err(format!("it does not provide {name}"));
    }
    Ok(table)
}

fn load_error(path: &Path, reason: String) -> Error {
    Error::PluginLoad {
        path: path.to_path_buf(),
        reason,
    }
}

/// Where the stamp of a verified plugin at `path` lives.
fn stamp_path(path: &Path) -> std::path::PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".verified");
    name.into()
}

/// The identity of the open `file`'s contents without reading them:
/// device, inode, size, and modification and status-change times to the
/// nanosecond (`None` where the system does not report them).
#[cfg(unix)]
fn identity(file: &std::fs::File) -> Option<String> {
    use std::os::unix::fs::MetadataExt;
    let m = file.metadata().ok()?;
    Some(format!(
        "{} {} {} {}.{:09} {}.{:09}",
        m.dev(),
        m.ino(),
        m.len(),
        m.mtime(),
        m.mtime_nsec(),
        m.ctime(),
        m.ctime_nsec()
    ))
}

#[cfg(not(unix))]
fn identity(_: &std::fs::File) -> Option<String> {
    None
}

/// Write `text` to `path` through a temporary file and a rename, so that
/// readers see the old contents or the new, never a part.
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = std::path::PathBuf::from(tmp);
    std::fs::write(&tmp, text)?;
    std::fs::rename(&tmp, path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })
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

/// A (pointer, length) string from the plugin, copied (invalid UTF-8
/// replaced); a null pointer is the empty string.
///
/// # Safety
///
/// `ptr` is null or readable for `len` bytes during this call.
pub(crate) unsafe fn text(ptr: *const std::os::raw::c_char, len: usize) -> String {
    if ptr.is_null() {
        return String::new();
    }
    // SAFETY: `ptr` is non-null and readable for `len` bytes (contract); the
    // bytes are copied before returning.
    let bytes = unsafe { std::slice::from_raw_parts(ptr.cast::<u8>(), len) };
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
