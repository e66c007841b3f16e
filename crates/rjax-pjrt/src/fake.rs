//! A PJRT plugin made of Rust functions, for testing the binding's error
//! paths and ownership without XLA. It hands out boxed objects, records
//! which are live, records any use or destroy of something that is not, and
//! fails whichever functions a test names. Its state is per thread: each
//! test runs on its own thread and the binding calls the fake synchronously.
//!
//! Its functions carry the C API's names, so that a test names the function
//! to fail as the resulting [`crate::Error::Pjrt`] does.
#![allow(non_snake_case)]

use crate::plugin::Plugin;
use crate::shardings::{SHARDINGS_EXTENSION, ShardingsArgs, ShardingsExtension};
use crate::sys;
use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::ptr::null_mut;
use std::sync::Arc;

thread_local! {
    /// Live objects: address → kind.
    static LIVE: RefCell<HashMap<usize, &'static str>> = RefCell::default();
    /// Kinds of objects used or destroyed while not live.
    static BAD_USES: RefCell<Vec<&'static str>> = RefCell::default();
    /// Functions (or behaviours) the test asked for.
    static FAILING: RefCell<HashSet<&'static str>> = RefCell::default();
}

/// Make the fake function `name` fail from now on (on this thread). Two
/// behaviours are named the same way: `"unknown element type"` (buffers
/// report an element type rjax does not know) and `"empty output"`
/// (execution leaves its second output null).
pub(crate) fn fail(name: &'static str) {
    FAILING.with_borrow_mut(|f| f.insert(name));
}

fn failing(name: &str) -> bool {
    FAILING.with_borrow(|f| f.contains(name))
}

/// The kinds of the objects still alive, sorted.
pub(crate) fn live() -> Vec<&'static str> {
    let mut kinds: Vec<_> = LIVE.with_borrow(|l| l.values().copied().collect());
    kinds.sort();
    kinds
}

/// The kinds of objects used or destroyed while not alive.
pub(crate) fn bad_uses() -> Vec<&'static str> {
    BAD_USES.with_borrow(|b| b.clone())
}

fn bad_use(kind: &'static str) {
    BAD_USES.with_borrow_mut(|b| b.push(kind));
}

struct FakeError {
    message: String,
}

struct FakeClient {
    devices: Vec<*mut sys::PJRT_Device>,
}

struct FakeDevice {
    id: i32,
}

struct FakeBuffer {
    dims: Vec<i64>,
    ty: sys::PJRT_Buffer_Type,
}

/// Hand out `value` as a live object of `kind`.
fn make<T>(kind: &'static str, value: T) -> *mut T {
    assert!(size_of::<T>() > 0, "objects need distinct addresses");
    let p = Box::into_raw(Box::new(value));
    LIVE.with_borrow_mut(|l| l.insert(p as usize, kind));
    p
}

/// Free the live object of `kind` at `p` (null is allowed, as in the C API);
/// anything else is a bad use.
fn destroy<T>(kind: &'static str, p: *mut T) {
    if p.is_null() {
        return;
    }
    let live = LIVE.with_borrow_mut(|l| {
        let ok = l.get(&(p as usize)) == Some(&kind);
        if ok {
            l.remove(&(p as usize));
        }
        ok
    });
    if live {
        // SAFETY: `p` was live as a `kind`, so `make` boxed it as the `T` the
        // fake uses for `kind`; it has just left `LIVE`, so it is freed once.
        drop(unsafe { Box::from_raw(p) });
    } else {
        bad_use(kind);
    }
}

/// Run `f` on the live object of `kind` at `p`; anything else is a bad use.
fn with<T, R>(kind: &'static str, p: *mut T, f: impl FnOnce(&T) -> R) -> Option<R> {
    if LIVE.with_borrow(|l| l.get(&(p as usize)) == Some(&kind)) {
        // SAFETY: `p` is live as a `kind`, so it is a box `make` made as the
        // `T` the fake uses for `kind`, not freed while `f` runs (`f` frees
        // nothing), and the fake never holds a `&mut` to it.
        Some(f(unsafe { &*p }))
    } else {
        bad_use(kind);
        None
    }
}

/// A new error for `name` if the test made it fail, else null.
fn outcome(name: &'static str) -> *mut sys::PJRT_Error {
    if failing(name) {
        let message = format!("{name} failed on purpose");
        make("error", FakeError { message }).cast()
    } else {
        null_mut()
    }
}

/// A fake entry: `$body` runs with `$a`, the args struct, unless the test
/// made the function fail.
macro_rules! fake {
    ($name:ident($a:ident: $t:ident) $body:block) => {
        unsafe extern "C" fn $name(args: *mut sys::$t) -> *mut sys::PJRT_Error {
            let err = outcome(stringify!($name));
            if err.is_null() {
                // SAFETY: the binding passes an exclusive args struct that
                // lives across the call (the contract of `Plugin::call`).
                let $a = unsafe { &mut *args };
                $body
            }
            err
        }
    };
}

unsafe extern "C" fn PJRT_Error_Destroy(args: *mut sys::PJRT_Error_Destroy_Args) {
    // SAFETY: the binding passes an args struct that lives across the call.
    let a = unsafe { &*args };
    destroy("error", a.error.cast::<FakeError>());
}

unsafe extern "C" fn PJRT_Error_Message(args: *mut sys::PJRT_Error_Message_Args) {
    // SAFETY: the binding passes an exclusive args struct that lives across
    // the call.
    let a = unsafe { &mut *args };
    let error = a.error.cast::<FakeError>().cast_mut();
    if let Some((message, size)) = with("error", error, |e| (e.message.as_ptr(), e.message.len())) {
        a.message = message.cast();
        a.message_size = size;
    }
}

fake!(PJRT_Error_GetCode(a: PJRT_Error_GetCode_Args) {
    let error = a.error.cast::<FakeError>().cast_mut();
    if with("error", error, |_| ()).is_some() {
        a.code = sys::PJRT_Error_Code_PJRT_Error_Code_INTERNAL;
    }
});

fake!(PJRT_Event_Await(a: PJRT_Event_Await_Args) {
    with("event", a.event.cast::<u8>(), |_| ());
});

fake!(PJRT_Event_Destroy(a: PJRT_Event_Destroy_Args) {
    destroy("event", a.event.cast::<u8>());
});

fake!(PJRT_Client_Create(a: PJRT_Client_Create_Args) {
    let devices = (10..12)
        .map(|id| make("device", FakeDevice { id }).cast())
        .collect();
    a.client = make("client", FakeClient { devices }).cast();
});

fake!(PJRT_Client_Destroy(a: PJRT_Client_Destroy_Args) {
    let client = a.client.cast::<FakeClient>();
    if let Some(devices) = with("client", client, |c| c.devices.clone()) {
        for device in devices {
            destroy("device", device.cast::<FakeDevice>());
        }
    }
    destroy("client", client);
});

fake!(PJRT_Client_PlatformName(a: PJRT_Client_PlatformName_Args) {
    if with("client", a.client.cast::<FakeClient>(), |_| ()).is_some() {
        a.platform_name = c"fake".as_ptr();
        a.platform_name_size = 4;
    }
});

fake!(PJRT_Client_AddressableDevices(a: PJRT_Client_AddressableDevices_Args) {
    let client = a.client.cast::<FakeClient>();
    if let Some((devices, n)) = with("client", client, |c| (c.devices.as_ptr(), c.devices.len())) {
        a.addressable_devices = devices;
        a.num_addressable_devices = n;
    }
});

// A device is its own description.
fake!(PJRT_Device_GetDescription(a: PJRT_Device_GetDescription_Args) {
    if with("device", a.device.cast::<FakeDevice>(), |_| ()).is_some() {
        a.device_description = a.device.cast();
    }
});

fake!(PJRT_DeviceDescription_Id(a: PJRT_DeviceDescription_Id_Args) {
    if let Some(id) = with("device", a.device_description.cast::<FakeDevice>(), |d| d.id) {
        a.id = id;
    }
});

fake!(PJRT_Client_BufferFromHostBuffer(a: PJRT_Client_BufferFromHostBuffer_Args) {
    let dims = if a.num_dims == 0 {
        Vec::new()
    } else {
        // SAFETY: the binding passes `num_dims` readable dimensions.
        unsafe { std::slice::from_raw_parts(a.dims, a.num_dims) }.to_vec()
    };
    a.buffer = make("buffer", FakeBuffer { dims, ty: a.type_ }).cast();
    a.done_with_host_buffer = make("event", 0u8).cast();
});

fake!(PJRT_Buffer_Destroy(a: PJRT_Buffer_Destroy_Args) {
    destroy("buffer", a.buffer.cast::<FakeBuffer>());
});

fake!(PJRT_Buffer_Dimensions(a: PJRT_Buffer_Dimensions_Args) {
    if let Some((dims, n)) = with("buffer", a.buffer.cast::<FakeBuffer>(), |b| (b.dims.as_ptr(), b.dims.len())) {
        a.dims = dims;
        a.num_dims = n;
    }
});

fake!(PJRT_Buffer_ElementType(a: PJRT_Buffer_ElementType_Args) {
    if let Some(ty) = with("buffer", a.buffer.cast::<FakeBuffer>(), |b| b.ty) {
        a.type_ = if failing("unknown element type") {
            sys::PJRT_Buffer_Type_PJRT_Buffer_Type_F8E5M2
        } else {
            ty
        };
    }
});

fake!(PJRT_Buffer_ToHostBuffer(a: PJRT_Buffer_ToHostBuffer_Args) {
    if with("buffer", a.src.cast::<FakeBuffer>(), |_| ()).is_some() {
        // SAFETY: the binding passes `dst` writable for `dst_size` bytes.
        unsafe { std::ptr::write_bytes(a.dst.cast::<u8>(), 7, a.dst_size) };
        a.event = make("event", 0u8).cast();
    }
});

fake!(PJRT_Client_Compile(a: PJRT_Client_Compile_Args) {
    if with("client", a.client.cast::<FakeClient>(), |_| ()).is_some() {
        a.executable = make("loaded executable", 0u8).cast();
    }
});

fake!(PJRT_LoadedExecutable_Destroy(a: PJRT_LoadedExecutable_Destroy_Args) {
    destroy("loaded executable", a.executable.cast::<u8>());
});

fake!(PJRT_LoadedExecutable_GetExecutable(a: PJRT_LoadedExecutable_GetExecutable_Args) {
    if with("loaded executable", a.loaded_executable.cast::<u8>(), |_| ()).is_some() {
        a.executable = make("executable", 0u8).cast();
    }
});

fake!(PJRT_Executable_NumOutputs(a: PJRT_Executable_NumOutputs_Args) {
    if with("executable", a.executable.cast::<u8>(), |_| ()).is_some() {
        a.num_outputs = 2;
    }
});

fake!(PJRT_Executable_Destroy(a: PJRT_Executable_Destroy_Args) {
    destroy("executable", a.executable.cast::<u8>());
});

/// The fake's serialized program: these bytes, owned by a live
/// "serialized executable".
const SERIALIZED: &[u8; 4] = b"fake";

unsafe extern "C" fn delete_serialized(p: *mut sys::PJRT_SerializedExecutable) {
    destroy("serialized executable", p.cast::<u8>());
}

fake!(PJRT_Executable_Serialize(a: PJRT_Executable_Serialize_Args) {
    if with("executable", a.executable.cast_mut().cast::<u8>(), |_| ()).is_some() {
        a.serialized_executable = make("serialized executable", 0u8).cast();
        a.serialized_bytes = SERIALIZED.as_ptr().cast();
        a.serialized_bytes_size = SERIALIZED.len();
        a.serialized_executable_deleter = Some(delete_serialized);
    }
});

fake!(PJRT_Executable_DeserializeAndLoad(a: PJRT_Executable_DeserializeAndLoad_Args) {
    if with("client", a.client.cast::<FakeClient>(), |_| ()).is_some() {
        a.loaded_executable = make("loaded executable", 0u8).cast();
    }
});

fake!(PJRT_LoadedExecutable_Execute(a: PJRT_LoadedExecutable_Execute_Args) {
    if with("loaded executable", a.executable.cast::<u8>(), |_| ()).is_none() {
        return null_mut();
    }
    for replica in 0..a.num_devices {
        // SAFETY: the binding passes `num_devices` output lists.
        let list = unsafe { *a.output_lists.add(replica) };
        for output in 0..2 {
            let buffer: *mut sys::PJRT_Buffer = if output == 1 && failing("empty output") {
                null_mut()
            } else {
                let ty = sys::PJRT_Buffer_Type_PJRT_Buffer_Type_F32;
                make("buffer", FakeBuffer { dims: Vec::new(), ty }).cast()
            };
            // SAFETY: each list has room for the executable's 2 outputs.
            unsafe { *list.add(output) = buffer };
        }
    }
});

/// The fake's output shardings, `{replicated}` (no bytes) and
/// `{devices=[2]1,0}`, owned by the executable (static here).
const OUTPUT_SHARDINGS: [&[u8]; 2] = [&[], &[0x08, 3, 0x1a, 1, 2, 0x22, 2, 1, 0]];

unsafe extern "C" fn PJRT_Shardings_PJRT_Executable_OutputShardings(
    args: *mut ShardingsArgs,
) -> *mut sys::PJRT_Error {
    let err = outcome("PJRT_Shardings_PJRT_Executable_OutputShardings");
    // SAFETY: the binding passes an exclusive args struct that lives across
    // the call.
    let a = unsafe { &mut *args };
    if err.is_null() && with("executable", a.executable.cast::<u8>(), |_| ()).is_some() {
        SHARDING_LISTS.with(|(data, sizes)| {
            a.num_outputs = OUTPUT_SHARDINGS.len();
            a.shardings = if failing("no shardings") {
                std::ptr::null()
            } else {
                data.as_ptr()
            };
            a.sharding_sizes = sizes.as_ptr();
        });
    }
    err
}

thread_local! {
    /// The arrays `OutputShardings` hands out: pointers and sizes.
    static SHARDING_LISTS: ([*const std::os::raw::c_char; 2], [usize; 2]) = (
        OUTPUT_SHARDINGS.map(|s| s.as_ptr().cast()),
        OUTPUT_SHARDINGS.map(<[u8]>::len),
    );
    /// The fake's Shardings extension, at a fixed address for the thread.
    static EXTENSION: ShardingsExtension = ShardingsExtension {
        base: sys::PJRT_Extension_Base {
            struct_size: size_of::<ShardingsExtension>(),
            type_: SHARDINGS_EXTENSION,
            next: null_mut(),
        },
        _parameter_shardings: None,
        output_shardings: Some(PJRT_Shardings_PJRT_Executable_OutputShardings),
    };
}

/// The fake's function table: everything above, and nothing else (so
/// `PJRT_Buffer_CopyToDevice`, for one, is absent), with the Shardings
/// extension (unless `"no extensions"` was asked for).
pub(crate) fn table() -> sys::PJRT_Api {
    let mut api = sys::PJRT_Api {
        struct_size: size_of::<sys::PJRT_Api>(),
        ..Default::default()
    };
    api.pjrt_api_version.major_version = sys::PJRT_API_MAJOR as i32;
    api.pjrt_api_version.minor_version = sys::PJRT_API_MINOR as i32;
    api.PJRT_Error_Destroy = Some(PJRT_Error_Destroy);
    api.PJRT_Error_Message = Some(PJRT_Error_Message);
    api.PJRT_Error_GetCode = Some(PJRT_Error_GetCode);
    api.PJRT_Event_Await = Some(PJRT_Event_Await);
    api.PJRT_Event_Destroy = Some(PJRT_Event_Destroy);
    api.PJRT_Client_Create = Some(PJRT_Client_Create);
    api.PJRT_Client_Destroy = Some(PJRT_Client_Destroy);
    api.PJRT_Client_PlatformName = Some(PJRT_Client_PlatformName);
    api.PJRT_Client_AddressableDevices = Some(PJRT_Client_AddressableDevices);
    api.PJRT_Device_GetDescription = Some(PJRT_Device_GetDescription);
    api.PJRT_DeviceDescription_Id = Some(PJRT_DeviceDescription_Id);
    api.PJRT_Client_BufferFromHostBuffer = Some(PJRT_Client_BufferFromHostBuffer);
    api.PJRT_Buffer_Destroy = Some(PJRT_Buffer_Destroy);
    api.PJRT_Buffer_Dimensions = Some(PJRT_Buffer_Dimensions);
    api.PJRT_Buffer_ElementType = Some(PJRT_Buffer_ElementType);
    api.PJRT_Buffer_ToHostBuffer = Some(PJRT_Buffer_ToHostBuffer);
    api.PJRT_Client_Compile = Some(PJRT_Client_Compile);
    api.PJRT_LoadedExecutable_Destroy = Some(PJRT_LoadedExecutable_Destroy);
    api.PJRT_LoadedExecutable_GetExecutable = Some(PJRT_LoadedExecutable_GetExecutable);
    api.PJRT_Executable_NumOutputs = Some(PJRT_Executable_NumOutputs);
    api.PJRT_Executable_Destroy = Some(PJRT_Executable_Destroy);
    api.PJRT_LoadedExecutable_Execute = Some(PJRT_LoadedExecutable_Execute);
    api.PJRT_Executable_Serialize = Some(PJRT_Executable_Serialize);
    api.PJRT_Executable_DeserializeAndLoad = Some(PJRT_Executable_DeserializeAndLoad);
    if !failing("no extensions") {
        api.extension_start = EXTENSION.with(|e| std::ptr::from_ref(&e.base).cast_mut());
    }
    api
}

/// The fake plugin.
pub(crate) fn plugin() -> Arc<Plugin> {
    Plugin::from_table(&table()).expect("the fake's table is complete")
}
