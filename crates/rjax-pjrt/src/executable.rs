//! Compiled programs and their execution.

use crate::client::{ClientInner, created};
use crate::plugin::{Plugin, args, call};
use crate::{Buffer, Error, Result, sys};
use std::sync::Arc;

/// A compiled, loaded program. Dropping it frees it.
pub struct Executable {
    client: Arc<ClientInner>,
    raw: *mut sys::PJRT_LoadedExecutable,
    num_outputs: usize,
    num_replicas: usize,
    num_partitions: usize,
}

// SAFETY: `Executable` is the only owner of `raw`, which rjax hands only to
// the plugin; PJRT executables may be run and destroyed from any thread (the
// C API's objects are thread-safe), and the `Arc` keeps their client alive.
unsafe impl Send for Executable {}
// SAFETY: as for `Send`: shared use only passes `raw` to thread-safe calls.
unsafe impl Sync for Executable {}

impl Drop for Executable {
    fn drop(&mut self) {
        let mut a = args!(PJRT_LoadedExecutable_Destroy_Args {
            executable: self.raw
        });
        // SAFETY: `self.raw` is the live loaded executable this value owns
        // alone, of a client kept alive by `self.client`; it is destroyed
        // once, here (outputs of past runs are separate buffers). A failure
        // has nowhere to go from `drop`: its error is freed.
        let _ = unsafe { call!(&self.client.plugin, PJRT_LoadedExecutable_Destroy, &mut a) };
    }
}

impl std::fmt::Debug for Executable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Executable({} outputs, {} replicas, {} partitions)",
            self.num_outputs, self.num_replicas, self.num_partitions
        )
    }
}

impl Executable {
    /// Take ownership of `raw` (dropping the `Executable`, or an error here,
    /// destroys it) and read its number of outputs.
    ///
    /// # Safety
    ///
    /// `raw` is a live, non-null loaded executable of `client` that the
    /// plugin handed to rjax and that nothing else owns or destroys.
    pub(crate) unsafe fn wrap(
        client: Arc<ClientInner>,
        raw: *mut sys::PJRT_LoadedExecutable,
        (num_replicas, num_partitions): (usize, usize),
    ) -> Result<Executable> {
        let mut exe = Executable {
            client,
            raw,
            num_outputs: 0,
            num_replicas,
            num_partitions,
        };
        exe.num_outputs = exe.with_executable(|plugin, executable| {
            let mut n = args!(PJRT_Executable_NumOutputs_Args {
                executable: executable
            });
            // SAFETY: `executable` is live for this closure (`with_executable`).
            unsafe { call!(plugin, PJRT_Executable_NumOutputs, &mut n) }?;
            Ok(n.num_outputs)
        })?;
        Ok(exe)
    }

    /// Run `f` on the `PJRT_Executable` behind this loaded executable,
    /// which lives until `f` returns (then it is destroyed, whatever `f`
    /// returned).
    pub(crate) fn with_executable<T>(
        &self,
        f: impl FnOnce(&Plugin, *mut sys::PJRT_Executable) -> Result<T>,
    ) -> Result<T> {
        let plugin = &self.client.plugin;
        let mut get = args!(PJRT_LoadedExecutable_GetExecutable_Args {
            loaded_executable: self.raw
        });
        // SAFETY: `self.raw` is the live loaded executable this value owns.
        unsafe { call!(plugin, PJRT_LoadedExecutable_GetExecutable, &mut get) }?;
        let executable = created("PJRT_LoadedExecutable_GetExecutable", get.executable)?;
        let result = f(plugin, executable);
        let mut d = args!(PJRT_Executable_Destroy_Args {
            executable: executable
        });
        // SAFETY: the C API makes the caller destroy what `GetExecutable`
        // returns; it is destroyed once, here, after `f` (which may not keep
        // it) and not used afterwards.
        unsafe { call!(plugin, PJRT_Executable_Destroy, &mut d) }?;
        result
    }

    /// The compiled program as bytes (`PJRT_Executable_Serialize`), which
    /// [`crate::Client::deserialize`] loads back into a client of the same
    /// plugin with the same devices, without compiling again.
    pub fn serialize(&self) -> Result<Vec<u8>> {
        let plugin = &self.client.plugin;
        let mut get = args!(PJRT_LoadedExecutable_GetExecutable_Args {
            loaded_executable: self.raw
        });
        // SAFETY: `self.raw` is this live loaded executable.
        unsafe { call!(plugin, PJRT_LoadedExecutable_GetExecutable, &mut get) }?;
        let executable = created("PJRT_LoadedExecutable_GetExecutable", get.executable)?;
        let mut s = args!(PJRT_Executable_Serialize_Args {
            executable: executable
        });
        // SAFETY: `executable` is the live executable just returned; on
        // success the plugin hands back bytes owned by
        // `serialized_executable`, which its deleter frees.
        let serialized = unsafe { call!(plugin, PJRT_Executable_Serialize, &mut s) };
        let bytes = serialized.map(|()| {
            let bytes = if s.serialized_bytes.is_null() {
                Vec::new()
            } else {
                // SAFETY: the plugin returned `serialized_bytes_size`
                // readable bytes, alive until the deleter runs below.
                unsafe {
                    std::slice::from_raw_parts(
                        s.serialized_bytes.cast::<u8>(),
                        s.serialized_bytes_size,
                    )
                }
                .to_vec()
            };
            if let Some(delete) = s.serialized_executable_deleter {
                // SAFETY: the deleter the plugin gave frees the object it
                // gave with it, once, here, after the bytes were copied.
                unsafe { delete(s.serialized_executable) };
            }
            bytes
        });
        let mut d = args!(PJRT_Executable_Destroy_Args {
            executable: executable
        });
        // SAFETY: what `GetExecutable` returns is the caller's to destroy;
        // it is destroyed once, here, serialized or not.
        unsafe { call!(plugin, PJRT_Executable_Destroy, &mut d) }?;
        let bytes = bytes?;
        if bytes.is_empty() {
            return Err(Error::Pjrt {
                call: "PJRT_Executable_Serialize",
                code: "INTERNAL".into(),
                message: "the plugin reported success but returned no bytes".into(),
            });
        }
        Ok(bytes)
    }

    /// Results per replica.
    pub fn num_outputs(&self) -> usize {
        self.num_outputs
    }

    /// Replicas the program runs as.
    pub fn num_replicas(&self) -> usize {
        self.num_replicas
    }

    /// Partitions of each replica (SPMD-partitioned programs).
    pub fn num_partitions(&self) -> usize {
        self.num_partitions
    }

    /// Devices the program runs on: one per (replica, partition).
    pub fn num_devices(&self) -> usize {
        self.num_replicas * self.num_partitions
    }

    /// Run with one argument list per device (replica-major, then
    /// partition); returns one output list per device. Inputs stay valid;
    /// outputs may still be computing until they are read or awaited.
    pub fn execute(&self, args: &[&[&Buffer]]) -> Result<Vec<Vec<Buffer>>> {
        let num_args = args.first().map_or(0, |a| a.len());
        if args.len() != self.num_devices() || args.iter().any(|a| a.len() != num_args) {
            return Err(Error::InvalidArgument(format!(
                "expected {} argument lists of equal length, got lengths {:?}",
                self.num_devices(),
                args.iter().map(|a| a.len()).collect::<Vec<_>>()
            )));
        }
        if args
            .iter()
            .flat_map(|a| a.iter())
            .any(|b| !b.is_of(&self.client))
        {
            return Err(Error::InvalidArgument(
                "an argument buffer belongs to another client".into(),
            ));
        }
        let raw_args: Vec<Vec<*mut sys::PJRT_Buffer>> = args
            .iter()
            .map(|list| list.iter().map(|b| b.raw()).collect())
            .collect();
        let arg_lists: Vec<*const *mut sys::PJRT_Buffer> =
            raw_args.iter().map(|l| l.as_ptr()).collect();
        let mut outs: Vec<Vec<*mut sys::PJRT_Buffer>> = (0..args.len())
            .map(|_| vec![std::ptr::null_mut(); self.num_outputs])
            .collect();
        let out_lists: Vec<*mut *mut sys::PJRT_Buffer> =
            outs.iter_mut().map(|l| l.as_mut_ptr()).collect();
        let mut options = args!(PJRT_ExecuteOptions {});
        let mut a = args!(PJRT_LoadedExecutable_Execute_Args {
            executable: self.raw,
            options: &mut options,
            argument_lists: arg_lists.as_ptr(),
            num_devices: args.len(),
            num_args: num_args,
            output_lists: out_lists.as_ptr(),
        });
        // SAFETY: `self.raw` is this live executable; `arg_lists` holds
        // `num_devices` pointers, each to `num_args` buffers of this client
        // (checked above) kept alive by the `args` borrow across the call;
        // `out_lists` holds `num_devices` pointers, each to room for
        // `num_outputs` buffer handles, the executable's output count, which
        // the plugin fills; `options` and every vector outlive the call; no
        // completion events are asked for (null), so none is returned.
        unsafe { call!(&self.client.plugin, PJRT_LoadedExecutable_Execute, &mut a) }?;
        // Wrap what came back first, so that on an error below every output
        // is dropped, which destroys it.
        let missing = outs.iter().flatten().any(|raw| raw.is_null());
        let outputs: Vec<Vec<Buffer>> = outs
            .into_iter()
            .enumerate()
            .map(|(replica, list)| {
                let device = args[replica].first().map_or(replica, |b| b.device_index());
                list.into_iter()
                    .filter(|raw| !raw.is_null())
                    // SAFETY: `raw` is an output buffer the plugin just
                    // created on this client and handed to us; each is
                    // wrapped once, so its `Buffer` is its only owner.
                    .map(|raw| unsafe { Buffer::wrap(self.client.clone(), raw, device) })
                    .collect()
            })
            .collect();
        if missing {
            return Err(Error::Pjrt {
                call: "PJRT_LoadedExecutable_Execute",
                code: "INTERNAL".into(),
                message: "the plugin reported success but left an output empty".into(),
            });
        }
        Ok(outputs)
    }
}
