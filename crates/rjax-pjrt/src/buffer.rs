//! Device buffers and their element types.

use crate::client::{ClientInner, byte_size, created};
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
    /// Complex numbers of two `f32`s.
    C64,
    /// Complex numbers of two `f64`s.
    C128,
}

impl ElementType {
    /// Bytes per element.
    pub fn byte_size(self) -> usize {
        use ElementType::*;
        match self {
            Pred | S8 | U8 => 1,
            S16 | U16 | F16 | BF16 => 2,
            S32 | U32 | F32 => 4,
            S64 | U64 | F64 | C64 => 8,
            C128 => 16,
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
            C64 => sys::PJRT_Buffer_Type_PJRT_Buffer_Type_C64,
            C128 => sys::PJRT_Buffer_Type_PJRT_Buffer_Type_C128,
        }
    }

    fn from_raw(raw: sys::PJRT_Buffer_Type) -> Option<ElementType> {
        use ElementType::*;
        [
            Pred, S8, S16, S32, S64, U8, U16, U32, U64, F16, BF16, F32, F64, C64, C128,
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

// SAFETY: `Buffer` is the only owner of `raw`, which rjax hands only to the
// plugin; PJRT buffers may be used and destroyed from any thread (the C
// API's objects are thread-safe), and the `Arc` keeps their client alive.
unsafe impl Send for Buffer {}
// SAFETY: as for `Send`: shared use only passes `raw` to thread-safe calls.
unsafe impl Sync for Buffer {}

impl std::fmt::Debug for Buffer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (self.element_type(), self.dims()) {
            (Ok(ty), Ok(dims)) => write!(f, "Buffer({ty:?} {dims:?} on device {})", self.device),
            (ty, dims) => write!(f, "Buffer({ty:?} {dims:?} on device {})", self.device),
        }
    }
}

impl Drop for Buffer {
    fn drop(&mut self) {
        let mut a = args!(PJRT_Buffer_Destroy_Args { buffer: self.raw });
        // SAFETY: `self.raw` is the live buffer this value owns alone, of a
        // client kept alive by `self.client`; it is destroyed once, here. A
        // failure has nowhere to go from `drop`: its error is freed.
        let _ = unsafe { call!(&self.client.plugin, PJRT_Buffer_Destroy, &mut a) };
    }
}

impl Buffer {
    /// Take ownership of `raw`: dropping the `Buffer` destroys it.
    ///
    /// # Safety
    ///
    /// `raw` is a live, non-null buffer of `client` that the plugin handed
    /// to rjax and that nothing else owns or destroys.
    pub(crate) unsafe fn wrap(
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

    /// Whether this buffer belongs to the client `client`.
    pub(crate) fn is_of(&self, client: &Arc<ClientInner>) -> bool {
        Arc::ptr_eq(&self.client, client)
    }

    /// Whether this buffer lives on a device of `client` (a client's
    /// executables take only its own buffers; another client's are copied
    /// through the host).
    pub fn belongs_to(&self, client: &crate::Client) -> bool {
        self.is_of(&client.inner)
    }

    /// The dimensions.
    pub fn dims(&self) -> Result<Vec<i64>> {
        let mut a = args!(PJRT_Buffer_Dimensions_Args { buffer: self.raw });
        // SAFETY: `self.raw` is this live buffer.
        unsafe { call!(&self.client.plugin, PJRT_Buffer_Dimensions, &mut a) }?;
        if a.num_dims == 0 {
            return Ok(Vec::new());
        }
        if a.dims.is_null() {
            return Err(Error::Pjrt {
                call: "PJRT_Buffer_Dimensions",
                code: "INTERNAL".into(),
                message: format!("{} dimensions but no array of them", a.num_dims),
            });
        }
        // SAFETY: the plugin returned `num_dims` dimensions in an array that
        // lives as long as the buffer, which `self` keeps alive; they are
        // copied here.
        Ok(unsafe { std::slice::from_raw_parts(a.dims, a.num_dims) }.to_vec())
    }

    /// The element type; [`Error::Unsupported`] for a type of the plugin
    /// that rjax does not know.
    pub fn element_type(&self) -> Result<ElementType> {
        let mut a = args!(PJRT_Buffer_ElementType_Args { buffer: self.raw });
        // SAFETY: `self.raw` is this live buffer.
        unsafe { call!(&self.client.plugin, PJRT_Buffer_ElementType, &mut a) }?;
        ElementType::from_raw(a.type_).ok_or_else(|| {
            Error::Unsupported(format!(
                "the buffer's element type (PJRT_Buffer_Type {})",
                a.type_
            ))
        })
    }

    /// Copy the contents into `dst`, waiting for the computation producing
    /// them; `dst` must have exactly the buffer's size.
    pub fn to_host(&self, dst: &mut [u8]) -> Result<()> {
        let dims = self.dims()?;
        let ty = self.element_type()?;
        if byte_size(&dims, ty) != Some(dst.len()) {
            return Err(Error::InvalidArgument(format!(
                "destination has {} bytes, the buffer is a {ty:?} array of dimensions {dims:?}",
                dst.len()
            )));
        }
        let mut a = args!(PJRT_Buffer_ToHostBuffer_Args {
            src: self.raw,
            dst: dst.as_mut_ptr().cast(),
            dst_size: dst.len()
        });
        let plugin = &self.client.plugin;
        // SAFETY: `self.raw` is this live buffer; `dst` is writable for
        // `dst_size` bytes, exactly the buffer's size (checked above), and
        // stays borrowed until the copy's event has completed below (the
        // plugin may write to it until then); no host layout is given (null).
        unsafe { call!(plugin, PJRT_Buffer_ToHostBuffer, &mut a) }?;
        // SAFETY: the event is the one this call returned, now ours;
        // `await_event` waits for it (the plugin has `PJRT_Event_Await`,
        // checked at load) before destroying it.
        unsafe { plugin.await_event("PJRT_Buffer_ToHostBuffer", a.event) }
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
        // SAFETY: `self.raw` is this live buffer and `dev.raw` a device of
        // its client (from that client's own list).
        unsafe { call!(&self.client.plugin, PJRT_Buffer_CopyToDevice, &mut a) }?;
        let raw = created("PJRT_Buffer_CopyToDevice", a.dst_buffer)?;
        // SAFETY: `raw` is the copy the plugin just made on this client and
        // handed to us; the new `Buffer` is its only owner.
        Ok(unsafe { Buffer::wrap(self.client.clone(), raw, device) })
    }

    /// Wait until the computation producing this buffer has finished.
    pub fn block_until_ready(&self) -> Result<()> {
        let mut a = args!(PJRT_Buffer_ReadyEvent_Args { buffer: self.raw });
        let plugin = &self.client.plugin;
        // SAFETY: `self.raw` is this live buffer.
        unsafe { call!(plugin, PJRT_Buffer_ReadyEvent, &mut a) }?;
        // SAFETY: the event is the one this call returned, now ours.
        unsafe { plugin.await_event("PJRT_Buffer_ReadyEvent", a.event) }
    }
}
