//! The PJRT binding's reporting and ownership against the real plugin (the
//! crate's own tests cover each error path with a fake plugin): device ids
//! come from the plugin, buffer queries return `Result`s, and a buffer is
//! only ever passed to its own client.

use rjax_pjrt::{Client, ClientOptions, CompileOptions, ElementType, Error, Plugin};
use std::path::PathBuf;

fn new_client(devices: i64) -> Client {
    let path = std::env::var_os("RJAX_PJRT_PLUGIN")
        .map(PathBuf::from)
        .or(option_env!("RJAX_DEFAULT_PJRT_PLUGIN").map(PathBuf::from))
        .expect("a PJRT plugin: the build fetches one, or set RJAX_PJRT_PLUGIN");
    let plugin = Plugin::load(&path).expect("plugin loads");
    let opts = ClientOptions {
        cpu_device_count: Some(devices),
        asynchronous: Some(false),
    };
    Client::new(plugin, &opts).expect("client")
}

#[test]
fn device_ids_come_from_the_plugin() {
    let c = new_client(3);
    let ids: Vec<i64> = c.devices().iter().map(|d| d.id).collect();
    assert_eq!(ids, [0, 1, 2]);
    assert_eq!(c.platform_name().unwrap(), "cpu");
}

#[test]
fn buffer_queries_report_shape_and_type() {
    let c = new_client(2);
    let scalar = c
        .buffer_from_host(&2.5f64.to_le_bytes(), ElementType::F64, &[], 1)
        .unwrap();
    assert_eq!(scalar.dims().unwrap(), Vec::<i64>::new());
    assert_eq!(scalar.element_type().unwrap(), ElementType::F64);
    assert_eq!(format!("{scalar:?}"), "Buffer(F64 [] on device 1)");
    let empty = c
        .buffer_from_host(&[], ElementType::S32, &[3, 0], 0)
        .unwrap();
    assert_eq!(empty.dims().unwrap(), [3, 0]);
    empty.to_host(&mut []).unwrap();
    let copy = scalar.copy_to_device(0).unwrap();
    copy.block_until_ready().unwrap();
    let mut bytes = [0u8; 8];
    copy.to_host(&mut bytes).unwrap();
    assert_eq!(f64::from_le_bytes(bytes), 2.5);
    assert!(matches!(
        copy.to_host(&mut [0u8; 4]),
        Err(Error::InvalidArgument(_))
    ));
    assert!(matches!(
        c.buffer_from_host(&[], ElementType::F32, &[i64::MAX, 2], 0),
        Err(Error::InvalidArgument(_))
    ));
}

#[test]
fn a_buffer_of_another_client_is_refused() {
    let (a, b) = (new_client(1), new_client(1));
    let identity = "module { func.func public @main(%x: tensor<f32>) -> tensor<f32> { return %x : tensor<f32> } }";
    let exe = a.compile(identity, &CompileOptions::default()).unwrap();
    let own = a
        .buffer_from_host(&1.5f32.to_le_bytes(), ElementType::F32, &[], 0)
        .unwrap();
    let foreign = b
        .buffer_from_host(&1.5f32.to_le_bytes(), ElementType::F32, &[], 0)
        .unwrap();
    assert!(matches!(
        exe.execute(&[&[&foreign]]),
        Err(Error::InvalidArgument(_))
    ));
    let out = exe.execute(&[&[&own]]).unwrap();
    assert_eq!(out[0][0].dims().unwrap(), Vec::<i64>::new());
}
