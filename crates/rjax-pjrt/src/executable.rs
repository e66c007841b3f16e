//! Compiled programs and their execution.

use crate::client::ClientInner;
use crate::plugin::{args, call};
use crate::{Buffer, Error, Result, sys};
use std::sync::Arc;

/// A compiled, loaded program. Dropping it frees it.
pub struct Executable {
    client: Arc<ClientInner>,
    raw: *mut sys::PJRT_LoadedExecutable,
    num_outputs: usize,
    num_replicas: usize,
}

unsafe impl Send for Executable {}
unsafe impl Sync for Executable {}

impl Drop for Executable {
    fn drop(&mut self) {
        let mut a = args!(PJRT_LoadedExecutable_Destroy_Args {
            executable: self.raw
        });
        let _ = call!(&self.client.plugin, PJRT_LoadedExecutable_Destroy, &mut a);
    }
}

impl std::fmt::Debug for Executable {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "Executable({} outputs, {} replicas)",
            self.num_outputs, self.num_replicas
        )
    }
}

impl Executable {
    pub(crate) fn wrap(
        client: Arc<ClientInner>,
        raw: *mut sys::PJRT_LoadedExecutable,
        num_replicas: usize,
    ) -> Result<Executable> {
        let mut exe = Executable {
            client,
            raw,
            num_outputs: 0,
            num_replicas,
        };
        let plugin = &exe.client.plugin;
        let mut get = args!(PJRT_LoadedExecutable_GetExecutable_Args {
            loaded_executable: raw
        });
        call!(plugin, PJRT_LoadedExecutable_GetExecutable, &mut get)?;
        let mut n = args!(PJRT_Executable_NumOutputs_Args {
            executable: get.executable
        });
        let counted = call!(plugin, PJRT_Executable_NumOutputs, &mut n);
        let mut d = args!(PJRT_Executable_Destroy_Args {
            executable: get.executable
        });
        call!(plugin, PJRT_Executable_Destroy, &mut d)?;
        counted?;
        exe.num_outputs = n.num_outputs;
        Ok(exe)
    }

    /// Results per replica.
    pub fn num_outputs(&self) -> usize {
        self.num_outputs
    }

    /// Replicas (devices) the program runs on.
    pub fn num_replicas(&self) -> usize {
        self.num_replicas
    }

    /// Run with one argument list per replica; returns one output list per
    /// replica. Inputs stay valid; outputs may still be computing until they
    /// are read or awaited.
    pub fn execute(&self, args: &[&[&Buffer]]) -> Result<Vec<Vec<Buffer>>> {
        let num_args = args.first().map_or(0, |a| a.len());
        if args.len() != self.num_replicas || args.iter().any(|a| a.len() != num_args) {
            return Err(Error::InvalidArgument(format!(
                "expected {} argument lists of equal length, got lengths {:?}",
                self.num_replicas,
                args.iter().map(|a| a.len()).collect::<Vec<_>>()
            )));
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
        call!(&self.client.plugin, PJRT_LoadedExecutable_Execute, &mut a)?;
        Ok(outs
            .into_iter()
            .enumerate()
            .map(|(device, list)| {
                let device = args[device].first().map_or(device, |b| b.device_index());
                list.into_iter()
                    .map(|raw| Buffer::wrap(self.client.clone(), raw, device))
                    .collect()
            })
            .collect())
    }
}
