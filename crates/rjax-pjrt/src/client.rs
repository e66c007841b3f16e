//! The client: devices, host-to-device transfers and compilation.

use crate::plugin::{Plugin, args, call, text};
use crate::{Buffer, ClientOptions, CompileOptions, ElementType, Error, Executable, Result, sys};
use std::sync::Arc;

/// A PJRT client with its addressable devices. Cheap to clone.
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<ClientInner>,
}

pub(crate) struct ClientInner {
    pub(crate) plugin: Arc<Plugin>,
    pub(crate) raw: *mut sys::PJRT_Client,
    pub(crate) devices: Vec<Device>,
}

// SAFETY: `ClientInner` is the only owner of `raw`, which rjax hands only to
// the plugin; PJRT clients may be used from any thread (the C API's objects
// are thread-safe), and `devices` are handles of the same client.
unsafe impl Send for ClientInner {}
// SAFETY: as for `Send`: shared use only passes `raw` to thread-safe calls.
unsafe impl Sync for ClientInner {}

impl Drop for ClientInner {
    fn drop(&mut self) {
        let mut a = args!(PJRT_Client_Destroy_Args { client: self.raw });
        // SAFETY: `self.raw` is the client this value owns alone; every
        // buffer and executable of it holds this `ClientInner` through an
        // `Arc`, so none is left, and the client is destroyed once, here.
        // A failure has nowhere to go from `drop`: its error is freed and
        // the client is abandoned to the plugin.
        let _ = unsafe { call!(&self.plugin, PJRT_Client_Destroy, &mut a) };
    }
}

/// An addressable device of a client.
#[derive(Clone, Copy, Debug)]
pub struct Device {
    pub(crate) raw: *mut sys::PJRT_Device,
    /// The device's global id (what a device assignment names).
    pub id: i64,
}

// SAFETY: a `Device` is an id and a handle that rjax never dereferences: it
// only passes `raw` to the plugin, through the client whose device list it
// was copied from (so while that client lives). PJRT devices are
// thread-safe.
unsafe impl Send for Device {}
// SAFETY: as for `Send`.
unsafe impl Sync for Device {}

/// The global id of a device, from its description.
///
/// # Safety
///
/// `raw` is a device of a live client of `plugin`.
unsafe fn device_id(plugin: &Plugin, raw: *mut sys::PJRT_Device) -> Result<i64> {
    let mut d = args!(PJRT_Device_GetDescription_Args { device: raw });
    // SAFETY: `raw` is a live device (contract); the description returned is
    // owned by the device (the C API has no destroy for it).
    unsafe { call!(plugin, PJRT_Device_GetDescription, &mut d) }?;
    let mut a = args!(PJRT_DeviceDescription_Id_Args {
        device_description: d.device_description
    });
    // SAFETY: `d.device_description` belongs to the live device `raw`.
    unsafe { call!(plugin, PJRT_DeviceDescription_Id, &mut a) }?;
    Ok(a.id.into())
}

impl Client {
    /// Create a client of `plugin` with the given options.
    pub fn new(plugin: Arc<Plugin>, options: &ClientOptions) -> Result<Client> {
        let mut named = Vec::new();
        if let Some(n) = options.cpu_device_count {
            let mut v = named_value(
                "cpu_device_count",
                sys::PJRT_NamedValue_Type_PJRT_NamedValue_kInt64,
            );
            v.__bindgen_anon_1.int64_value = n;
            named.push(v);
        }
        if let Some(b) = options.asynchronous {
            let mut v = named_value(
                "asynchronous",
                sys::PJRT_NamedValue_Type_PJRT_NamedValue_kBool,
            );
            v.__bindgen_anon_1.bool_value = b;
            named.push(v);
        }
        let mut a = args!(PJRT_Client_Create_Args {
            create_options: named.as_ptr(),
            num_options: named.len()
        });
        // SAFETY: `named` holds `num_options` values whose names point at
        // `'static` strings, and outlives the call (the plugin copies the
        // options); no key-value callbacks are given (null).
        unsafe { call!(&plugin, PJRT_Client_Create, &mut a) }?;
        let raw = created("PJRT_Client_Create", a.client)?;
        // From here `inner` owns the client: an error below destroys it.
        let mut inner = ClientInner {
            plugin,
            raw,
            devices: Vec::new(),
        };
        let mut d = args!(PJRT_Client_AddressableDevices_Args { client: raw });
        // SAFETY: `raw` is the live client just created.
        unsafe { call!(&inner.plugin, PJRT_Client_AddressableDevices, &mut d) }?;
        let raw_devices = if d.addressable_devices.is_null() {
            &[][..]
        } else {
            // SAFETY: the plugin returned an array of
            // `num_addressable_devices` device handles owned by the client,
            // which `inner` keeps alive while this slice is used.
            unsafe { std::slice::from_raw_parts(d.addressable_devices, d.num_addressable_devices) }
        };
        let devices = raw_devices
            .iter()
            .map(|&raw| {
                // SAFETY: `raw` is a device of the live client `inner`.
                let id = unsafe { device_id(&inner.plugin, raw) }?;
                Ok(Device { raw, id })
            })
            .collect::<Result<Vec<Device>>>()?;
        inner.devices = devices;
        Ok(Client {
            inner: Arc::new(inner),
        })
    }

    /// The plugin this client runs on.
    pub fn plugin(&self) -> &Arc<Plugin> {
        &self.inner.plugin
    }

    /// The platform's name (`cpu`, `cuda`, ...).
    pub fn platform_name(&self) -> Result<String> {
        let mut a = args!(PJRT_Client_PlatformName_Args {
            client: self.inner.raw
        });
        // SAFETY: `self.inner.raw` is this live client.
        unsafe { call!(&self.inner.plugin, PJRT_Client_PlatformName, &mut a) }?;
        // SAFETY: the name (`platform_name_size` bytes) is owned by the
        // client, alive while `self` is; it is copied here.
        Ok(unsafe { text(a.platform_name, a.platform_name_size) })
    }

    /// The kind of the addressable device `index` (the CPU plugin says
    /// `cpu`; the CUDA plugin names the GPU model).
    pub fn device_kind(&self, index: usize) -> Result<String> {
        let dev = self.inner.devices.get(index).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "device {index} does not exist ({} devices)",
                self.inner.devices.len()
            ))
        })?;
        let plugin = &self.inner.plugin;
        let mut d = args!(PJRT_Device_GetDescription_Args { device: dev.raw });
        // SAFETY: `dev.raw` is a device of this live client; the description
        // returned is owned by the device (the C API has no destroy for it).
        unsafe { call!(plugin, PJRT_Device_GetDescription, &mut d) }?;
        let mut k = args!(PJRT_DeviceDescription_Kind_Args {
            device_description: d.device_description
        });
        // SAFETY: the description belongs to the live device `dev.raw`.
        unsafe { call!(plugin, PJRT_DeviceDescription_Kind, &mut k) }?;
        // SAFETY: the kind (`device_kind_size` bytes) is owned by the
        // description, alive while the client is; it is copied here.
        Ok(unsafe { text(k.device_kind, k.device_kind_size) })
    }

    /// The devices this process can address.
    pub fn devices(&self) -> &[Device] {
        &self.inner.devices
    }

    /// Copy `data` (row-major, little-endian) to `device` as an array of
    /// `ty` with dimensions `dims`. The bytes are copied before returning.
    pub fn buffer_from_host(
        &self,
        data: &[u8],
        ty: ElementType,
        dims: &[i64],
        device: usize,
    ) -> Result<Buffer> {
        if byte_size(dims, ty) != Some(data.len()) {
            return Err(Error::InvalidArgument(format!(
                "{} bytes do not hold a {ty:?} array of dimensions {dims:?}",
                data.len()
            )));
        }
        let dev = self.inner.devices.get(device).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "device {device} does not exist ({} devices)",
                self.inner.devices.len()
            ))
        })?;
        let mut a = args!(PJRT_Client_BufferFromHostBuffer_Args {
            client: self.inner.raw,
            data: data.as_ptr().cast(),
            type_: ty.raw(),
            dims: dims.as_ptr(),
            num_dims: dims.len(),
            host_buffer_semantics:
                sys::PJRT_HostBufferSemantics_PJRT_HostBufferSemantics_kImmutableOnlyDuringCall,
            device: dev.raw,
        });
        let plugin = &self.inner.plugin;
        // SAFETY: `self.inner.raw` is this live client and `dev.raw` one of
        // its devices; `data` is readable for the `data.len()` bytes that
        // `dims` (`dims.len()` values) of `ty` take (checked above), and with
        // `kImmutableOnlyDuringCall` the plugin does not read it after the
        // call returns.
        unsafe { call!(plugin, PJRT_Client_BufferFromHostBuffer, &mut a) }?;
        // SAFETY: the event is the one this call returned, now ours; it is
        // taken (awaited and destroyed) once, here, even if the buffer below
        // turns out null.
        let done = unsafe {
            plugin.await_event("PJRT_Client_BufferFromHostBuffer", a.done_with_host_buffer)
        };
        let raw = created("PJRT_Client_BufferFromHostBuffer", a.buffer)?;
        // SAFETY: `raw` is the buffer the plugin just created on this client
        // and handed to us; the new `Buffer` is its only owner.
        let buffer = unsafe { Buffer::wrap(self.inner.clone(), raw, device) };
        done?;
        Ok(buffer)
    }

    /// Compile StableHLO module text (program format "mlir").
    pub fn compile(&self, mlir: &str, options: &CompileOptions) -> Result<Executable> {
        let proto = options.to_proto();
        let format = "mlir";
        let program = args!(PJRT_Program {
            code: mlir.as_ptr() as *mut _,
            code_size: mlir.len(),
            format: format.as_ptr().cast(),
            format_size: format.len(),
        });
        let mut a = args!(PJRT_Client_Compile_Args {
            client: self.inner.raw,
            program: &program,
            compile_options: proto.as_ptr().cast(),
            compile_options_size: proto.len(),
        });
        // SAFETY: `self.inner.raw` is this live client; `program` points at
        // `mlir` and `format`, and `proto` at the serialized options, all
        // alive across the call, which only reads them (`code` is `char*` in
        // the C API but is an input) and copies what it keeps.
        unsafe { call!(&self.inner.plugin, PJRT_Client_Compile, &mut a) }?;
        let raw = created("PJRT_Client_Compile", a.executable)?;
        // SAFETY: `raw` is the loaded executable just compiled on this client
        // and handed to us; `Executable::wrap` becomes its only owner.
        unsafe { Executable::wrap(self.inner.clone(), raw, replicas_and_partitions(options)) }
    }
}

impl Client {
    /// Load a program that [`Executable::serialize`] wrote, from a client of
    /// the same plugin with the same devices (`PJRT_Executable_DeserializeAndLoad`).
    /// `options` are those it was compiled with (its replica and partition
    /// counts are taken from them). The plugin checks the bytes' format; callers that keep
    /// them on disk check their integrity first.
    pub fn deserialize(&self, bytes: &[u8], options: &CompileOptions) -> Result<Executable> {
        let mut a = args!(PJRT_Executable_DeserializeAndLoad_Args {
            client: self.inner.raw,
            serialized_executable: bytes.as_ptr().cast(),
            serialized_executable_size: bytes.len(),
        });
        // SAFETY: `self.inner.raw` is this live client; `bytes` is readable
        // for its length across the call, which copies what it keeps; no
        // compile options override is passed (null).
        unsafe {
            call!(
                &self.inner.plugin,
                PJRT_Executable_DeserializeAndLoad,
                &mut a
            )
        }?;
        let raw = created("PJRT_Executable_DeserializeAndLoad", a.loaded_executable)?;
        // SAFETY: `raw` is the loaded executable just made on this client
        // and handed to us; `Executable::wrap` becomes its only owner.
        unsafe { Executable::wrap(self.inner.clone(), raw, replicas_and_partitions(options)) }
    }
}

/// How many replicas and partitions a program compiled with `options` runs.
fn replicas_and_partitions(options: &CompileOptions) -> (usize, usize) {
    (
        options.num_replicas as usize,
        options.num_partitions.max(1) as usize,
    )
}

/// The bytes of an array of `dims` of `ty`; `None` for a negative dimension
/// or a size beyond `usize`.
pub(crate) fn byte_size(dims: &[i64], ty: ElementType) -> Option<usize> {
    dims.iter().try_fold(ty.byte_size(), |bytes, &d| {
        bytes.checked_mul(usize::try_from(d).ok()?)
    })
}

/// `ptr`, which `call` succeeded in returning, unless the plugin left it null.
pub(crate) fn created<T>(call: &'static str, ptr: *mut T) -> Result<*mut T> {
    if ptr.is_null() {
        return Err(Error::Pjrt {
            call,
            code: "INTERNAL".into(),
            message: "the plugin reported success but returned no object".into(),
        });
    }
    Ok(ptr)
}

fn named_value(name: &'static str, ty: sys::PJRT_NamedValue_Type) -> sys::PJRT_NamedValue {
    args!(PJRT_NamedValue {
        name: name.as_ptr().cast(),
        name_size: name.len(),
        type_: ty,
        value_size: 1
    })
}
