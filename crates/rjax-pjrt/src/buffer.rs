//! Device buffers and their element types.

use crate::client::ClientInner;
use crate::plugin::{args, call};
use crate::{Error, Result, sys};
use std::sync::Arc;

/// Element types of device buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ElementType {
    Pred,
    S8,
    S16,
    S32,
    S64,
    U8,
    U16,
    U32,
    U64,
    F16,
    BF16,
    F32,
    F64,
}

impl ElementType {
    /// Bytes per element.
    pub fn byte_size(self) -> usize {
        use ElementType::*;
        match self {
            Pred | S8 | U8 => 1,
            S16 | U16 | F16 | BF16 => 2,
            S32 | U32 | F32 => 4,
            S64 | U64 | F64 => 8,
        }
    }

    pub(crate) fn raw(self) -> sys::PJRT_Buffer_Type {
        use ElementType::*;
        match self {
            Pred => sys::PJRT_Buffer_Type_PJRT_Buffer_Type_PRED,
            S8 => sys::PJRT_Buffer_Type_PJRT_Buffer_Type_S8,
            S16 => sys::PJRT_Buffer_Type_PJRT_Buffer_Type_S16,
            S32 => sys::PJRT_Buffer_Type_PJRT_Buffer_Type_S32,
            S64 => sys::PJRT_Buffer_Type_PJRT_Buffer_Type_S64,
            U8 => sys::PJRT_Buffer_Type_PJRT_Buffer_Type_U8,
            U16 => sys::PJRT_Buffer_Type_PJRT_Buffer_Type_U16,
            U32 => sys::PJRT_Buffer_Type_PJRT_Buffer_Type_U32,
            U64 => sys::PJRT_Buffer_Type_PJRT_Buffer_Type_U64,
            F16 => sys::PJRT_Buffer_Type_PJRT_Buffer_Type_F16,
            BF16 => sys::PJRT_Buffer_Type_PJRT_Buffer_Type_BF16,
            F32 => sys::PJRT_Buffer_Type_PJRT_Buffer_Type_F32,
            F64 => sys::PJRT_Buffer_Type_PJRT_Buffer_Type_F64,
        }
    }

    fn from_raw(raw: sys::PJRT_Buffer_Type) -> Option<ElementType> {
        use ElementType::*;
        [
            Pred, S8, S16, S32, S64, U8, U16, U32, U64, F16, BF16, F32, F64,
        ]
        .into_iter()
        .find(|t| t.raw() == raw)
    }
}

/// An array on a device. Dropping it frees the device memory.
pub struct Buffer {
    client: Arc<ClientInner>,
    raw: *mut sys::PJRT_Buffer,
    device: usize,
}

// PJRT buffers may be used and destroyed from any thread.
unsafe impl Send for Buffer {}
unsafe impl Sync for Buffer {}

impl std::fmt::Debug for Buffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Buffer({:?} {:?} on device {})",
            self.element_type(),
            self.dims(),
            self.device
        )
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        let mut a = args!(PJRT_Buffer_Destroy_Args { buffer: self.raw });
        let _ = call!(&self.client.plugin, PJRT_Buffer_Destroy, &mut a);
    }
}

impl Buffer {
    pub(crate) fn wrap(
        client: Arc<ClientInner>,
        raw: *mut sys::PJRT_Buffer,
        device: usize,
    ) -> Buffer {
        Buffer {
            client,
            raw,
            device,
        }
    }

    pub(crate) fn raw(&self) -> *mut sys::PJRT_Buffer {
        self.raw
    }

    /// Index of the device holding this buffer among the client's devices.
    pub fn device_index(&self) -> usize {
        self.device
    }

    /// The dimensions.
    pub fn dims(&self) -> Vec<i64> {
        let mut a = args!(PJRT_Buffer_Dimensions_Args { buffer: self.raw });
        match call!(&self.client.plugin, PJRT_Buffer_Dimensions, &mut a) {
            Ok(()) if !a.dims.is_null() => {
                unsafe { std::slice::from_raw_parts(a.dims, a.num_dims) }.to_vec()
            }
            _ => Vec::new(),
        }
    }

    /// The element type (`Pred` if the plugin reports one rjax does not know).
    pub fn element_type(&self) -> ElementType {
        let mut a = args!(PJRT_Buffer_ElementType_Args { buffer: self.raw });
        match call!(&self.client.plugin, PJRT_Buffer_ElementType, &mut a) {
            Ok(()) => ElementType::from_raw(a.type_).unwrap_or(ElementType::Pred),
            Err(_) => ElementType::Pred,
        }
    }

    /// Copy the contents into `dst`, waiting for the computation producing
    /// them; `dst` must have exactly the buffer's size.
    pub fn to_host(&self, dst: &mut [u8]) -> Result<()> {
        let want = self.dims().iter().product::<i64>() as usize * self.element_type().byte_size();
        if dst.len() != want {
            return Err(Error::InvalidArgument(format!(
                "destination has {} bytes, the buffer {want}",
                dst.len()
            )));
        }
        let mut a = args!(PJRT_Buffer_ToHostBuffer_Args {
            src: self.raw,
            dst: dst.as_mut_ptr().cast(),
            dst_size: dst.len()
        });
        let plugin = &self.client.plugin;
        call!(plugin, PJRT_Buffer_ToHostBuffer, &mut a)?;
        plugin.await_event("PJRT_Buffer_ToHostBuffer", a.event)
    }

    /// A copy of this buffer on `device` (an index among the client's
    /// devices), made device to device.
    pub fn copy_to_device(&self, device: usize) -> Result<Buffer> {
        let dev = self.client.devices.get(device).ok_or_else(|| {
            Error::InvalidArgument(format!(
                "device {device} does not exist ({} devices)",
                self.client.devices.len()
            ))
        })?;
        let mut a = args!(PJRT_Buffer_CopyToDevice_Args {
            buffer: self.raw,
            dst_device: dev.raw
        });
        call!(&self.client.plugin, PJRT_Buffer_CopyToDevice, &mut a)?;
        Ok(Buffer::wrap(self.client.clone(), a.dst_buffer, device))
    }

    /// Wait until the computation producing this buffer has finished.
    pub fn block_until_ready(&self) -> Result<()> {
        let mut a = args!(PJRT_Buffer_ReadyEvent_Args { buffer: self.raw });
        let plugin = &self.client.plugin;
        call!(plugin, PJRT_Buffer_ReadyEvent, &mut a)?;
        plugin.await_event("PJRT_Buffer_ReadyEvent", a.event)
    }
}
