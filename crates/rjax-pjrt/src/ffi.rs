//! Typed-FFI custom calls into Rust through the plugin's FFI extension.
//! Each target has one C-ABI handler, registered with XLA, that reads
//! XLA's FFI call frame (operand and result buffers, the integer
//! attributes) and hands them to a Rust dispatcher: host callbacks
//! ([`HOST_CALLBACK_TARGET`], the `callback_id` attribute) and linear
//! algebra on the host ([`LINALG_TARGET`]).
//!
//! The structs below mirror the XLA FFI C API (`xla/ffi/api/c_api.h`, API
//! version 0.1) and the PJRT FFI extension
//! (`xla/pjrt/c/pjrt_c_api_ffi_extension.h`), written from their documented
//! layouts. Only the fields rjax reads are named; every struct starts with
//! its `struct_size`, which is checked before a field past the header is
//! read.

use crate::plugin::{Plugin, text};
use crate::{Error, Result, sys};
use std::ffi::{CString, c_char, c_void};
use std::mem::{offset_of, size_of};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::OnceLock;

/// The custom-call target of rjax's host callbacks. A StableHLO
/// `stablehlo.custom_call @rjax_host_callback(...)` with `api_version = 4`
/// and `backend_config = {callback_id = N : ui64}` runs the callback `N`
/// of the dispatcher given to [`Plugin::register_host_callbacks`].
pub const HOST_CALLBACK_TARGET: &str = "rjax_host_callback";

/// The custom-call target of rjax's host linear algebra: the dispatcher
/// given to [`Plugin::register_linalg`] reads the call's integer
/// attributes (which factorization, its options) and fills the results.
pub const LINALG_TARGET: &str = "rjax_linalg";

/// An operand of a custom call: its XLA element type (the
/// `xla::PrimitiveType` number), dimensions and bytes (row-major).
pub struct FfiArg<'a> {
    pub primitive_type: u32,
    pub dims: &'a [i64],
    pub bytes: &'a [u8],
}

/// A result of a custom call, to be filled by the dispatcher.
pub struct FfiResult<'a> {
    pub primitive_type: u32,
    pub dims: &'a [i64],
    pub bytes: &'a mut [u8],
}

/// The Rust side of the host callbacks: runs callback `id` on the operands
/// and fills the results, or says why it could not (the message becomes
/// the error of the execution).
pub type HostDispatch = fn(
    id: u64,
    args: &[FfiArg<'_>],
    results: &mut [FfiResult<'_>],
) -> std::result::Result<(), String>;

/// The Rust side of [`LINALG_TARGET`]: runs the call the attributes
/// (name, integer value) describe on the operands and fills the results,
/// or says why it could not.
pub type LinalgDispatch = fn(
    attrs: &[(&str, u64)],
    args: &[FfiArg<'_>],
    results: &mut [FfiResult<'_>],
) -> std::result::Result<(), String>;

/// The dispatchers of this process, each set once by its registration.
static HOST_DISPATCH: OnceLock<HostDispatch> = OnceLock::new();
static LINALG_DISPATCH: OnceLock<LinalgDispatch> = OnceLock::new();

/// A PJRT extension a plugin offers (an entry of its `extension_start`
/// list).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Extension {
    /// The `PJRT_Extension_Type` number.
    pub type_id: u32,
    /// Its name in the C API, or `"unknown"`.
    pub name: &'static str,
}

impl Plugin {
    /// The extensions the plugin's API table lists, in list order.
    pub fn extensions(&self) -> Vec<Extension> {
        let mut found = Vec::new();
        let mut next = self.api.extension_start.cast_const();
        // Plugins list a handful of extensions; the bound guards against a
        // cyclic list.
        while !next.is_null() && found.len() < 64 {
            // SAFETY: a non-null entry of the list points at a static
            // extension struct of the still-loaded library (the `Plugin`
            // owns it), which begins with a `PJRT_Extension_Base` (size,
            // type, next), as the C API requires of every extension.
            let base = unsafe { next.read() };
            found.push(Extension {
                type_id: base.type_,
                name: extension_name(base.type_),
            });
            next = base.next.cast_const();
        }
        found
    }

    /// Register rjax's host-callback handler for the custom-call target
    /// [`HOST_CALLBACK_TARGET`] on `platform` (`"Host"` for the CPU
    /// plugin), with `dispatch` running the callbacks. Call it once per
    /// process and plugin (XLA's handler registry is process-wide); the
    /// dispatcher is fixed by the first call.
    pub fn register_host_callbacks(&self, platform: &str, dispatch: HostDispatch) -> Result<()> {
        let _ = HOST_DISPATCH.set(dispatch);
        self.register_handler(platform, HOST_CALLBACK_TARGET, host_callback_handler)
    }

    /// Register rjax's linear-algebra handler for the custom-call target
    /// [`LINALG_TARGET`] on `platform`, with `dispatch` running the calls;
    /// as [`Plugin::register_host_callbacks`], once per process.
    pub fn register_linalg(&self, platform: &str, dispatch: LinalgDispatch) -> Result<()> {
        let _ = LINALG_DISPATCH.set(dispatch);
        self.register_handler(platform, LINALG_TARGET, linalg_handler)
    }

    /// Register `handler` for the custom-call `target` on `platform`.
    fn register_handler(&self, platform: &str, target: &str, handler: Handler) -> Result<()> {
        let unsupported = |message: &str| Error::Pjrt {
            call: "PJRT_FFI_Register_Handler",
            code: "UNIMPLEMENTED".into(),
            message: message.into(),
        };
        let ext = self
            .extension_ptr(sys::PJRT_Extension_Type_PJRT_Extension_Type_FFI)
            .ok_or_else(|| unsupported("the plugin has no FFI extension"))?
            .cast::<FfiExtension>();
        // SAFETY: `ext` is the plugin's FFI extension struct (its base says
        // so), static in the loaded library; its size is read before any
        // field past the base.
        let size = unsafe { std::ptr::addr_of!((*ext).base.struct_size).read() };
        if size < offset_of!(FfiExtension, register_handler) + size_of::<usize>() {
            return Err(unsupported("the FFI extension has no handler registration"));
        }
        // SAFETY: the struct is at least large enough for the field (checked
        // above); a null entry reads as `None`.
        let register = unsafe { std::ptr::addr_of!((*ext).register_handler).read() }
            .ok_or_else(|| unsupported("the FFI extension has no handler registration"))?;
        let mut args = RegisterHandlerArgs {
            struct_size: size_of::<RegisterHandlerArgs>(),
            target_name: target.as_ptr().cast(),
            target_name_size: target.len(),
            handler: handler as *mut c_void,
            platform_name: platform.as_ptr().cast(),
            platform_name_size: platform.len(),
            traits: 0,
        };
        // SAFETY: `register` is the plugin's `PJRT_FFI_Register_Handler`,
        // taking this args struct; the strings are valid for their sizes
        // during the call (XLA copies them); the handler is a `'static`
        // function with the XLA FFI handler signature. The returned error, if any, is ours and destroyed by
        // `take_error`.
        let err = unsafe { register(&mut args) };
        // SAFETY: `err` was just returned by the plugin and nobody else has
        // it.
        unsafe { self.take_error("PJRT_FFI_Register_Handler", err) }
    }

    /// The first extension of type `type_id`, if the plugin lists one.
    pub(crate) fn extension_ptr(&self, type_id: u32) -> Option<*const sys::PJRT_Extension_Base> {
        let mut next = self.api.extension_start.cast_const();
        for _ in 0..64 {
            if next.is_null() {
                return None;
            }
            // SAFETY: as in `extensions`: each entry starts with the base.
            let base = unsafe { next.read() };
            if base.type_ == type_id {
                return Some(next);
            }
            next = base.next.cast_const();
        }
        None
    }
}

fn extension_name(type_id: u32) -> &'static str {
    const NAMES: [&str; 20] = [
        "Gpu_Custom_Call",
        "Profiler",
        "Custom_Partitioner",
        "Stream",
        "Layouts",
        "FFI",
        "MemoryDescriptions",
        "Triton",
        "RawBuffer",
        "PhaseCompile",
        "Example",
        "Unknown",
        "CrossHostTransfers",
        "ExecutableMetadata",
        "Callback",
        "HostAllocator",
        "TpuTopology",
        "TpuExecutable",
        "Megascale",
        "Shardings",
    ];
    NAMES.get(type_id as usize).copied().unwrap_or("unknown")
}

/// `PJRT_FFI_Extension`: the base, then three function pointers.
#[repr(C)]
struct FfiExtension {
    base: sys::PJRT_Extension_Base,
    type_id_register: Option<unsafe extern "C" fn(*mut c_void) -> *mut sys::PJRT_Error>,
    user_data_add: Option<unsafe extern "C" fn(*mut c_void) -> *mut sys::PJRT_Error>,
    register_handler:
        Option<unsafe extern "C" fn(*mut RegisterHandlerArgs) -> *mut sys::PJRT_Error>,
}

/// `PJRT_FFI_Register_Handler_Args` as the pinned plugin's XLA lays it
/// out: typed-FFI handlers only, so without the `api_version` field that
/// earlier versions had between the name and the handler.
#[repr(C)]
struct RegisterHandlerArgs {
    struct_size: usize,
    target_name: *const c_char,
    target_name_size: usize,
    handler: *mut c_void,
    platform_name: *const c_char,
    platform_name_size: usize,
    traits: u32,
}

/// An opaque `XLA_FFI_Error`.
#[repr(C)]
struct XlaError {
    _private: [u8; 0],
}

/// `XLA_FFI_Extension_Base`.
#[repr(C)]
struct XlaExtensionBase {
    struct_size: usize,
    type_: i32,
    next: *mut XlaExtensionBase,
}

/// `XLA_FFI_Api_Version`.
#[repr(C)]
struct XlaApiVersion {
    struct_size: usize,
    extension_start: *mut XlaExtensionBase,
    major_version: i32,
    minor_version: i32,
}

/// `XLA_FFI_Error_Create_Args`.
#[repr(C)]
struct ErrorCreateArgs {
    struct_size: usize,
    extension_start: *mut XlaExtensionBase,
    message: *const c_char,
    errc: i32,
}

/// The head of `XLA_FFI_Api`, up to `XLA_FFI_Error_Create`.
#[repr(C)]
struct XlaApi {
    struct_size: usize,
    extension_start: *mut XlaExtensionBase,
    api_version: XlaApiVersion,
    internal_api: *mut c_void,
    error_create: Option<unsafe extern "C" fn(*mut ErrorCreateArgs) -> *mut XlaError>,
}

/// `XLA_FFI_Args` and `XLA_FFI_Rets` (same layout).
#[repr(C)]
struct XlaList {
    struct_size: usize,
    extension_start: *mut XlaExtensionBase,
    size: i64,
    types: *const i32,
    items: *const *mut c_void,
}

/// `XLA_FFI_Attrs`.
#[repr(C)]
struct XlaAttrs {
    struct_size: usize,
    extension_start: *mut XlaExtensionBase,
    size: i64,
    types: *const i32,
    names: *const *const ByteSpan,
    attrs: *const *mut c_void,
}

/// `XLA_FFI_ByteSpan`.
#[repr(C)]
struct ByteSpan {
    ptr: *const c_char,
    len: usize,
}

/// `XLA_FFI_Scalar`.
#[repr(C)]
struct XlaScalar {
    dtype: i32,
    value: *const c_void,
}

/// `XLA_FFI_Buffer`.
#[repr(C)]
struct XlaBuffer {
    struct_size: usize,
    extension_start: *mut XlaExtensionBase,
    dtype: i32,
    data: *mut c_void,
    rank: i64,
    dims: *const i64,
}

/// `XLA_FFI_CallFrame` up to its attributes.
#[repr(C)]
struct CallFrame {
    struct_size: usize,
    extension_start: *mut XlaExtensionBase,
    api: *const XlaApi,
    ctx: *mut c_void,
    stage: i32,
    args: XlaList,
    rets: XlaList,
    attrs: XlaAttrs,
}

/// `XLA_FFI_Metadata` and its extension, through which XLA asks a handler
/// which FFI version it speaks.
#[repr(C)]
struct Metadata {
    struct_size: usize,
    api_version: XlaApiVersion,
    traits: u32,
}
#[repr(C)]
struct MetadataExtension {
    base: XlaExtensionBase,
    metadata: *mut Metadata,
}

const METADATA_EXTENSION: i32 = 1;
const STAGE_EXECUTE: i32 = 3;
const ARG_BUFFER: i32 = 1;
const ATTR_SCALAR: i32 = 3;
const TOKEN: i32 = 17;
const ERROR_INTERNAL: i32 = 13;

/// An XLA FFI handler.
type Handler = extern "C" fn(*mut CallFrame) -> *mut XlaError;

/// What a handler runs at the execute stage: the call's integer
/// attributes, operands and results.
type Body =
    fn(&[(&str, u64)], &[FfiArg<'_>], &mut [FfiResult<'_>]) -> std::result::Result<(), String>;

/// The FFI handler XLA calls for [`HOST_CALLBACK_TARGET`].
extern "C" fn host_callback_handler(frame: *mut CallFrame) -> *mut XlaError {
    guarded(frame, |attrs, args, results| {
        let id = attrs
            .iter()
            .find(|(name, _)| *name == "callback_id")
            .map(|&(_, id)| id)
            .ok_or("the custom call has no integer callback_id attribute")?;
        let dispatch = HOST_DISPATCH
            .get()
            .ok_or("no host-callback dispatcher is registered")?;
        dispatch(id, args, results)
    })
}

/// The FFI handler XLA calls for [`LINALG_TARGET`].
extern "C" fn linalg_handler(frame: *mut CallFrame) -> *mut XlaError {
    guarded(frame, |attrs, args, results| {
        let dispatch = LINALG_DISPATCH
            .get()
            .ok_or("no linear-algebra dispatcher is registered")?;
        dispatch(attrs, args, results)
    })
}

/// Run `body` on the frame. A panic is caught here and returned as an
/// error, like the body's own errors: nothing unwinds into XLA.
fn guarded(frame: *mut CallFrame, body: Body) -> *mut XlaError {
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        // SAFETY: XLA calls the handler with a valid call frame that lives
        // for the call (the FFI handler contract).
        unsafe { handle(frame, body) }
    }));
    let message = match outcome {
        Ok(Ok(())) => return std::ptr::null_mut(),
        Ok(Err(message)) => message,
        Err(_) => "the custom call panicked".to_string(),
    };
    // SAFETY: as above, `frame` is valid for the call.
    unsafe { xla_error(frame, &message) }
}

/// Answer a metadata query, or run `body` at the execute stage.
///
/// # Safety
///
/// `frame` is a call frame XLA passed to the handler, valid for the call.
unsafe fn handle(frame: *mut CallFrame, body: Body) -> std::result::Result<(), String> {
    // SAFETY: the frame starts with its size (contract).
    let size = unsafe { (*frame).struct_size };
    // SAFETY: `extension_start` is in the header every version has.
    let ext = unsafe { (*frame).extension_start };
    if !ext.is_null() {
        // SAFETY: a non-null extension starts with its base.
        if unsafe { (*ext).type_ } == METADATA_EXTENSION {
            // SAFETY: an extension of the metadata type is a
            // `XLA_FFI_Metadata_Extension` whose `metadata` XLA owns and
            // lets the handler fill.
            unsafe { fill_metadata(ext.cast::<MetadataExtension>()) };
            return Ok(());
        }
    }
    if size < size_of::<CallFrame>() {
        return Err(format!("the XLA FFI call frame has {size} bytes, too few"));
    }
    // SAFETY: the frame holds every field of `CallFrame` (checked above).
    let frame = unsafe { &*frame };
    if frame.stage != STAGE_EXECUTE {
        return Ok(());
    }
    // SAFETY: the attributes, operands and results of a valid frame are
    // arrays of the sizes it states, alive for the call; the buffers'
    // data are the device (host) memory of the operands and results.
    let attrs = unsafe { integer_attrs(&frame.attrs) }?;
    // SAFETY: as above.
    let args = unsafe { buffers(&frame.args) }?;
    // SAFETY: as above.
    let rets = unsafe { buffers(&frame.rets) }?;
    let args: Vec<FfiArg<'_>> = args
        .into_iter()
        .map(|(primitive_type, dims, data, len)| FfiArg {
            primitive_type,
            dims,
            // SAFETY: an operand buffer is readable for its whole size,
            // which `len` is (its element count times its element size).
            bytes: unsafe { slice(data, len) },
        })
        .collect();
    let mut results: Vec<FfiResult<'_>> = rets
        .into_iter()
        .map(|(primitive_type, dims, data, len)| FfiResult {
            primitive_type,
            dims,
            // SAFETY: a result buffer is writable for its whole size and
            // no other reference to it exists during the handler; results
            // never alias operands (XLA assigns distinct buffers unless the
            // custom call declares aliasing, which rjax's does not).
            bytes: unsafe { slice_mut(data, len) },
        })
        .collect();
    let attrs: Vec<(&str, u64)> = attrs.iter().map(|(n, v)| (n.as_str(), *v)).collect();
    body(&attrs, &args, &mut results)
}

/// The integer scalar attributes, by name (other attributes are left
/// out).
///
/// # Safety
///
/// `attrs` is a valid frame's attributes.
unsafe fn integer_attrs(attrs: &XlaAttrs) -> std::result::Result<Vec<(String, u64)>, String> {
    let mut found = Vec::new();
    for i in 0..attrs.size.max(0) as usize {
        // SAFETY: `names`, `types` and `attrs` have `size` entries
        // (contract); each name is a byte span valid for the call.
        let (name, kind, attr) = unsafe {
            let span = &**attrs.names.add(i);
            (
                text(span.ptr, span.len),
                *attrs.types.add(i),
                *attrs.attrs.add(i),
            )
        };
        if kind != ATTR_SCALAR {
            continue;
        }
        // SAFETY: a scalar attribute is an `XLA_FFI_Scalar` whose value
        // points at one element of its dtype.
        let scalar = unsafe { &*attr.cast::<XlaScalar>() };
        // SAFETY: as above; the integer width follows the dtype.
        let value = unsafe {
            match scalar.dtype {
                5 => *scalar.value.cast::<i64>() as u64,
                9 => *scalar.value.cast::<u64>(),
                4 => *scalar.value.cast::<i32>() as u64,
                8 => u64::from(*scalar.value.cast::<u32>()),
                _ => continue,
            }
        };
        found.push((name, value));
    }
    Ok(found)
}

type RawBuffer<'a> = (u32, &'a [i64], *mut u8, usize);

/// The buffers of an operand or result list (tokens left out): type,
/// dims, data, byte size.
///
/// # Safety
///
/// `list` is a valid frame's operand or result list.
unsafe fn buffers<'a>(list: &'a XlaList) -> std::result::Result<Vec<RawBuffer<'a>>, String> {
    (0..list.size.max(0) as usize)
        .map(|i| {
            // SAFETY: `types` and `items` have `size` entries (contract).
            let (kind, item) = unsafe { (*list.types.add(i), *list.items.add(i)) };
            if kind != ARG_BUFFER {
                return Err(format!("operand {i} is not a buffer"));
            }
            // SAFETY: a buffer entry is an `XLA_FFI_Buffer` whose `dims` has
            // `rank` entries, all valid for the call.
            let b = unsafe { &*item.cast::<XlaBuffer>() };
            // Tokens order the calls; they carry no data.
            if b.dtype == TOKEN {
                return Ok(None);
            }
            let dims: &[i64] = if b.rank > 0 && !b.dims.is_null() {
                // SAFETY: as above.
                unsafe { std::slice::from_raw_parts(b.dims, b.rank as usize) }
            } else {
                &[]
            };
            let elements: i64 = dims.iter().product();
            let width = element_width(b.dtype)
                .ok_or_else(|| format!("buffer {i} has XLA type {}", b.dtype))?;
            Ok(Some((
                b.dtype as u32,
                dims,
                b.data.cast::<u8>(),
                elements.max(0) as usize * width,
            )))
        })
        .filter_map(std::result::Result::transpose)
        .collect()
}

/// Bytes per element of an XLA primitive type rjax exchanges.
fn element_width(primitive_type: i32) -> Option<usize> {
    Some(match primitive_type {
        1 | 2 | 6 => 1,
        3 | 7 | 10 | 16 => 2,
        4 | 8 | 11 => 4,
        5 | 9 | 12 | 15 => 8,
        18 => 16,
        _ => return None,
    })
}

/// # Safety
///
/// `data` is readable for `len` bytes for `'a` (or `len` is 0).
unsafe fn slice<'a>(data: *const u8, len: usize) -> &'a [u8] {
    if len == 0 || data.is_null() {
        return &[];
    }
    // SAFETY: readable for `len` bytes (contract).
    unsafe { std::slice::from_raw_parts(data, len) }
}

/// # Safety
///
/// `data` is writable for `len` bytes for `'a` and nothing else refers to
/// them (or `len` is 0).
unsafe fn slice_mut<'a>(data: *mut u8, len: usize) -> &'a mut [u8] {
    if len == 0 || data.is_null() {
        return &mut [];
    }
    // SAFETY: writable and unaliased for `len` bytes (contract).
    unsafe { std::slice::from_raw_parts_mut(data, len) }
}

/// Tell XLA the handler speaks FFI API 0.1 and has no traits.
///
/// # Safety
///
/// `ext` is XLA's metadata extension, its `metadata` valid to write.
unsafe fn fill_metadata(ext: *mut MetadataExtension) {
    // SAFETY: contract.
    let metadata = unsafe { (*ext).metadata };
    if metadata.is_null() {
        return;
    }
    // SAFETY: contract: XLA lets the handler fill the struct.
    unsafe {
        (*metadata).api_version = XlaApiVersion {
            struct_size: size_of::<XlaApiVersion>(),
            extension_start: std::ptr::null_mut(),
            major_version: 0,
            minor_version: 1,
        };
        (*metadata).traits = 0;
    }
}

/// An XLA FFI error with `message`, made by the runtime's own API (XLA
/// destroys what a handler returns). Null (success) if the frame offers no
/// way to make one.
///
/// # Safety
///
/// `frame` is a valid call frame.
unsafe fn xla_error(frame: *mut CallFrame, message: &str) -> *mut XlaError {
    // SAFETY: the header of a valid frame names the API table.
    let api = unsafe { (*frame).api };
    if api.is_null() {
        return std::ptr::null_mut();
    }
    // SAFETY: the API table starts with its size.
    let size = unsafe { (*api).struct_size };
    if size < size_of::<XlaApi>() {
        return std::ptr::null_mut();
    }
    // SAFETY: the table holds `error_create` (checked above).
    let Some(create) = (unsafe { (*api).error_create }) else {
        return std::ptr::null_mut();
    };
    let message = CString::new(message.replace('\0', " ")).unwrap_or_default();
    let mut args = ErrorCreateArgs {
        struct_size: size_of::<ErrorCreateArgs>(),
        extension_start: std::ptr::null_mut(),
        message: message.as_ptr(),
        errc: ERROR_INTERNAL,
    };
    // SAFETY: `create` is XLA's `XLA_FFI_Error_Create`, given a valid args
    // struct whose message is a NUL-terminated string alive for the call
    // (XLA copies it into the status it makes).
    unsafe { create(&mut args) }
}
