//! The binding against the fake plugin: every PJRT error is reported, not
//! swallowed, and every object the plugin hands out is destroyed exactly
//! once, on success and on each error path.

use crate::fake::{self, bad_uses, fail, live};
use crate::{Client, ClientOptions, CompileOptions, ElementType, Error, Plugin, Result, sys};
use std::mem::offset_of;

/// Nothing the fake handed out on this thread is alive or was misused.
fn assert_clean() {
    assert_eq!(live(), Vec::<&str>::new(), "leaked");
    assert_eq!(
        bad_uses(),
        Vec::<&str>::new(),
        "used or destroyed when not alive"
    );
}

fn client() -> Client {
    Client::new(fake::plugin(), &ClientOptions::default()).unwrap()
}

fn scalar(c: &Client) -> crate::Buffer {
    c.buffer_from_host(&[0; 24], ElementType::F32, &[2, 3], 1)
        .unwrap()
}

/// The PJRT function an error names, and its code.
fn failed<T: std::fmt::Debug>(r: Result<T>) -> (&'static str, String) {
    match r {
        Err(Error::Pjrt { call, code, .. }) => (call, code),
        other => panic!("expected a PJRT error, got {other:?}"),
    }
}

#[test]
fn every_object_is_destroyed_once() {
    {
        let c = client();
        let ids: Vec<i64> = c.devices().iter().map(|d| d.id).collect();
        assert_eq!(ids, [10, 11]);
        assert_eq!(c.platform_name().unwrap(), "fake");
        let b = scalar(&c);
        assert_eq!(b.dims().unwrap(), [2, 3]);
        assert_eq!(b.element_type().unwrap(), ElementType::F32);
        let mut out = [0u8; 24];
        b.to_host(&mut out).unwrap();
        assert_eq!(out, [7; 24]);
        let exe = c.compile("module {}", &CompileOptions::default()).unwrap();
        assert_eq!(exe.num_outputs(), 2);
        let outs = exe.execute(&[&[&b]]).unwrap();
        assert_eq!(outs[0].len(), 2);
        assert_eq!(outs[0][1].device_index(), 1);
        assert_eq!(live().iter().filter(|&&k| k == "buffer").count(), 3);
    }
    assert_clean();
}

#[test]
fn dims_error_is_reported() {
    let c = client();
    let b = scalar(&c);
    fail("PJRT_Buffer_Dimensions");
    assert_eq!(failed(b.dims()).0, "PJRT_Buffer_Dimensions");
    assert_eq!(failed(b.to_host(&mut [0; 24])).0, "PJRT_Buffer_Dimensions");
    drop((b, c));
    assert_clean();
}

#[test]
fn element_type_error_is_reported() {
    let c = client();
    let b = scalar(&c);
    fail("PJRT_Buffer_ElementType");
    assert_eq!(failed(b.element_type()).0, "PJRT_Buffer_ElementType");
    assert_eq!(failed(b.to_host(&mut [0; 24])).0, "PJRT_Buffer_ElementType");
    drop((b, c));
    assert_clean();
}

#[test]
fn unknown_element_type_is_an_error() {
    let c = client();
    let b = scalar(&c);
    fail("unknown element type");
    assert!(matches!(b.element_type(), Err(Error::Unsupported(_))));
    drop((b, c));
    assert_clean();
}

#[test]
fn device_id_error_fails_the_client_and_frees_it() {
    fail("PJRT_DeviceDescription_Id");
    let r = Client::new(fake::plugin(), &ClientOptions::default()).map(|_| ());
    assert_eq!(failed(r).0, "PJRT_DeviceDescription_Id");
    assert_clean();
}

#[test]
fn platform_name_error_is_reported() {
    let c = client();
    fail("PJRT_Client_PlatformName");
    assert_eq!(failed(c.platform_name()).0, "PJRT_Client_PlatformName");
    drop(c);
    assert_clean();
}

#[test]
fn an_error_whose_code_cannot_be_read_is_still_freed() {
    let c = client();
    fail("PJRT_Error_GetCode");
    fail("PJRT_Client_PlatformName");
    match c.platform_name() {
        Err(Error::Pjrt {
            call,
            code,
            message,
        }) => {
            assert_eq!(
                (call, code.as_str()),
                ("PJRT_Client_PlatformName", "UNKNOWN")
            );
            assert_eq!(message, "PJRT_Client_PlatformName failed on purpose");
        }
        other => panic!("{other:?}"),
    }
    drop(c);
    assert_clean();
}

#[test]
fn a_failed_wait_frees_the_event_and_the_buffer() {
    let c = client();
    fail("PJRT_Event_Await");
    let r = c.buffer_from_host(&[0; 4], ElementType::F32, &[], 0);
    assert_eq!(failed(r).0, "PJRT_Client_BufferFromHostBuffer");
    drop(c);
    assert_clean();
}

#[test]
fn a_failed_output_count_frees_both_executables() {
    let c = client();
    fail("PJRT_Executable_NumOutputs");
    let r = c.compile("module {}", &CompileOptions::default());
    assert_eq!(failed(r).0, "PJRT_Executable_NumOutputs");
    drop(c);
    assert_clean();
}

#[test]
fn an_empty_output_is_an_error_and_the_others_are_freed() {
    let c = client();
    let exe = c.compile("module {}", &CompileOptions::default()).unwrap();
    fail("empty output");
    let (call, code) = failed(exe.execute(&[&[]]));
    assert_eq!(
        (call, code.as_str()),
        ("PJRT_LoadedExecutable_Execute", "INTERNAL")
    );
    drop((exe, c));
    assert_clean();
}

#[test]
fn serializing_frees_what_it_was_given_and_loading_back_owns_the_result() {
    let c = client();
    let exe = c.compile("module {}", &CompileOptions::default()).unwrap();
    let bytes = exe.serialize().unwrap();
    assert_eq!(bytes, b"fake");
    let back = c.deserialize(&bytes, &CompileOptions::default()).unwrap();
    assert_eq!(back.num_outputs(), 2);
    fail("PJRT_Executable_Serialize");
    assert_eq!(failed(exe.serialize()).0, "PJRT_Executable_Serialize");
    fail("PJRT_Executable_DeserializeAndLoad");
    let r = c.deserialize(&bytes, &CompileOptions::default());
    assert_eq!(failed(r).0, "PJRT_Executable_DeserializeAndLoad");
    drop((back, exe, c));
    assert_clean();
}

#[test]
fn a_function_the_plugin_lacks_is_unimplemented() {
    let c = client();
    let b = scalar(&c);
    let (call, code) = failed(b.copy_to_device(0));
    assert_eq!(
        (call, code.as_str()),
        ("PJRT_Buffer_CopyToDevice", "UNIMPLEMENTED")
    );
    assert_eq!(failed(b.block_until_ready()).0, "PJRT_Buffer_ReadyEvent");
    drop((b, c));
    assert_clean();
}

#[test]
fn a_buffer_of_another_client_is_refused() {
    let (c1, c2) = (client(), client());
    let exe = c1.compile("module {}", &CompileOptions::default()).unwrap();
    let b = scalar(&c2);
    assert!(matches!(
        exe.execute(&[&[&b]]),
        Err(Error::InvalidArgument(_))
    ));
    drop((b, exe, c1, c2));
    assert_clean();
}

#[test]
fn sizes_that_do_not_fit_are_refused() {
    let c = client();
    for dims in [&[i64::MAX, 4][..], &[-1], &[1 << 62, 1 << 62]] {
        let r = c.buffer_from_host(&[], ElementType::F32, dims, 0);
        assert!(matches!(r, Err(Error::InvalidArgument(_))), "{dims:?}");
    }
    drop(c);
    assert_clean();
}

#[test]
fn entries_past_a_shorter_table_read_as_absent() {
    let mut table = fake::table();
    table.struct_size = offset_of!(sys::PJRT_Api, PJRT_Client_Create);
    let plugin = Plugin::from_table(&table).unwrap();
    let r = Client::new(plugin, &ClientOptions::default()).map(|_| ());
    assert_eq!(failed(r), ("PJRT_Client_Create", "UNIMPLEMENTED".into()));
    assert_clean();
}

#[test]
fn tables_rjax_cannot_use_are_refused() {
    let load = |table: &sys::PJRT_Api| match Plugin::from_table(table) {
        Err(Error::PluginLoad { reason, .. }) => reason,
        other => panic!("{:?}", other.map(|_| ())),
    };
    let mut t = fake::table();
    t.pjrt_api_version.major_version = 1;
    assert!(load(&t).contains("major version 1"));
    let mut t = fake::table();
    t.PJRT_Error_Destroy = None;
    assert!(load(&t).contains("PJRT_Error_Destroy"));
    let mut t = fake::table();
    t.struct_size = 8;
    assert!(load(&t).contains("8 bytes"));
}

#[test]
fn output_shardings_are_copied_before_their_executable_is_freed() {
    use crate::{OpSharding, OpShardingType};
    let c = client();
    let exe = c.compile("module {}", &CompileOptions::default()).unwrap();
    let got = exe.output_shardings().unwrap().unwrap();
    assert_eq!(got[0].kind, OpShardingType::Replicated);
    assert_eq!(
        (got[1].kind, &got[1].tile_assignment_devices),
        (OpShardingType::Other, &vec![1, 0])
    );
    assert_eq!(
        got[1],
        OpSharding::decode(&[0x08, 3, 0x1a, 1, 2, 0x22, 2, 1, 0]).unwrap()
    );
    // Null arrays: the plugin does not know the shardings.
    fail("no shardings");
    assert_eq!(exe.output_shardings().unwrap(), None);
    fail("PJRT_Shardings_PJRT_Executable_OutputShardings");
    let r = exe.output_shardings();
    assert_eq!(
        failed(r).0,
        "PJRT_Shardings_PJRT_Executable_OutputShardings"
    );
    drop((exe, c));
    assert_clean();
}

#[test]
fn a_plugin_without_the_shardings_extension_reports_none() {
    fail("no extensions");
    let c = client();
    let exe = c.compile("module {}", &CompileOptions::default()).unwrap();
    assert_eq!(exe.output_shardings().unwrap(), None);
    drop((exe, c));
    assert_clean();
}
