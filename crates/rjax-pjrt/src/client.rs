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

// PJRT clients are thread-safe.
unsafe impl Send for ClientInner {}
unsafe impl Sync for ClientInner {}

impl Drop for ClientInner {
    fn drop(&mut self) {
        let mut a = args!(PJRT_Client_Destroy_Args { client: self.raw });
        let _ = call!(&self.plugin, PJRT_Client_Destroy, &mut a);
    }
}

/// An addressable device of a client.
#[derive(Clone, Copy, Debug)]
pub struct Device {
    pub(crate) raw: *mut sys::PJRT_Device,
    /// The device's global id (what a device assignment names).
    pub id: i64,
}

unsafe impl Send for Device {}
unsafe impl Sync for Device {}

/// The global id of a device (its index if the plugin cannot say).
fn device_id(plugin: &Plugin, raw: *mut sys::PJRT_Device) -> i64 {
    let mut d = args!(PJRT_Device_GetDescription_Args { device: raw });
    if call!(plugin, PJRT_Device_GetDescription, &mut d).is_err() {
        return -1;
    }
    let mut a = args!(PJRT_DeviceDescription_Id_Args {
        device_description: d.device_description
    });
    match call!(plugin, PJRT_DeviceDescription_Id, &mut a) {
        Ok(()) => a.id as i64,
        Err(_) => -1,
    }
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
        call!(&plugin, PJRT_Client_Create, &mut a)?;
        let raw = a.client;
        let mut d = args!(PJRT_Client_AddressableDevices_Args { client: raw });
        let listed = call!(&plugin, PJRT_Client_AddressableDevices, &mut d);
        let mut inner = ClientInner {
            plugin,
            raw,
            devices: Vec::new(),
        };
        listed?;
        inner.devices = if d.addressable_devices.is_null() {
            Vec::new()
        } else {
            unsafe { std::slice::from_raw_parts(d.addressable_devices, d.num_addressable_devices) }
                .iter()
                .map(|&raw| {
                    let id = device_id(&inner.plugin, raw);
                    Device { raw, id }
                })
                .collect()
        };
        Ok(Client {
            inner: Arc::new(inner),
        })
    }

    /// The plugin this client runs on.
    pub fn plugin(&self) -> &Arc<Plugin> {
        &self.inner.plugin
    }

    /// The platform's name (`cpu`, `cuda`, ...).
    pub fn platform_name(&self) -> String {
        let mut a = args!(PJRT_Client_PlatformName_Args {
            client: self.inner.raw
        });
        match call!(&self.inner.plugin, PJRT_Client_PlatformName, &mut a) {
            Ok(()) => text(a.platform_name, a.platform_name_size),
            Err(_) => String::new(),
        }
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
        let elements: i64 = dims.iter().product();
        if dims.iter().any(|&d| d < 0) || elements as usize * ty.byte_size() != data.len() {
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
        call!(plugin, PJRT_Client_BufferFromHostBuffer, &mut a)?;
        let buffer = Buffer::wrap(self.inner.clone(), a.buffer, device);
        plugin.await_event("PJRT_Client_BufferFromHostBuffer", a.done_with_host_buffer)?;
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
        call!(&self.inner.plugin, PJRT_Client_Compile, &mut a)?;
        Executable::wrap(
            self.inner.clone(),
            a.executable,
            options.num_replicas as usize,
        )
    }
}

fn named_value(name: &'static str, ty: sys::PJRT_NamedValue_Type) -> sys::PJRT_NamedValue {
    args!(PJRT_NamedValue {
        name: name.as_ptr().cast(),
        name_size: name.len(),
        type_: ty,
        value_size: 1
    })
}
