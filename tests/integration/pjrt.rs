//! The PJRT binding on its own: devices, transfers of every dtype,
//! compile + execute, multi-replica collectives, and no leaks.

use rjax_pjrt::{Client, ClientOptions, CompileOptions, ElementType, Plugin};
use std::path::PathBuf;
use std::sync::OnceLock;

/// One 8-device client for these tests (the facade's runtime has its own).
fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        let path = std::env::var_os("RJAX_PJRT_PLUGIN")
            .map(PathBuf::from)
            .or(option_env!("RJAX_DEFAULT_PJRT_PLUGIN").map(PathBuf::from))
            .expect("a PJRT plugin: the build fetches one, or set RJAX_PJRT_PLUGIN");
        let plugin = Plugin::load(&path).expect("plugin loads");
        let opts = ClientOptions {
            cpu_device_count: Some(8),
            asynchronous: Some(false),
        };
        Client::new(plugin, &opts).expect("client")
    })
}

#[test]
fn eight_cpu_devices() {
    let c = client();
    assert_eq!(c.devices().len(), 8);
    assert_eq!(c.platform_name(), "cpu");
    let (major, minor) = c.plugin().api_version();
    assert!(major == 0 && minor >= 81, "API {major}.{minor}");
}

#[test]
fn every_dtype_round_trips() {
    use ElementType::*;
    for ty in [
        Pred, S8, S16, S32, S64, U8, U16, U32, U64, F16, BF16, F32, F64,
    ] {
        let bytes: Vec<u8> = (0..6 * ty.byte_size())
            .map(|i| {
                if ty == Pred {
                    (i % 2) as u8
                } else {
                    (i * 37 % 251) as u8
                }
            })
            .collect();
        let b = client().buffer_from_host(&bytes, ty, &[2, 3], 3).unwrap();
        assert_eq!(b.dims(), vec![2, 3]);
        assert_eq!(b.element_type(), ty);
        assert_eq!(b.device_index(), 3);
        let mut back = vec![0u8; bytes.len()];
        b.to_host(&mut back).unwrap();
        assert_eq!(back, bytes, "{ty:?}");
    }
    assert!(
        client().buffer_from_host(&[0u8; 3], F32, &[1], 0).is_err(),
        "size mismatch is refused"
    );
    assert!(
        client().buffer_from_host(&[0u8; 4], F32, &[1], 99).is_err(),
        "unknown device is refused"
    );
}

#[test]
fn all_reduce_over_eight_replicas() {
    let text = "module @m attributes {mhlo.num_replicas = 8 : i32, mhlo.num_partitions = 1 : i32} {
  func.func public @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {
    %0 = \"stablehlo.all_reduce\"(%arg0) ({
    ^bb0(%a: tensor<f32>, %b: tensor<f32>):
      %s = stablehlo.add %a, %b : tensor<f32>
      stablehlo.return %s : tensor<f32>
    }) {replica_groups = dense<[[0, 1, 2, 3, 4, 5, 6, 7]]> : tensor<1x8xi64>} : (tensor<2xf32>) -> tensor<2xf32>
    return %0 : tensor<2xf32>
  }
}";
    let c = client();
    let exe = c
        .compile(
            text,
            &CompileOptions {
                num_replicas: 8,
                ..CompileOptions::default()
            },
        )
        .unwrap();
    let inputs: Vec<_> = (0..8)
        .map(|d| {
            let v = [d as f32, 1.0];
            let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
            c.buffer_from_host(&bytes, ElementType::F32, &[2], d)
                .unwrap()
        })
        .collect();
    let lists: Vec<Vec<&rjax_pjrt::Buffer>> = inputs.iter().map(|b| vec![b]).collect();
    let args: Vec<&[&rjax_pjrt::Buffer]> = lists.iter().map(|l| l.as_slice()).collect();
    let outs = exe.execute(&args).unwrap();
    for (d, out) in outs.iter().enumerate() {
        let mut bytes = [0u8; 8];
        out[0].to_host(&mut bytes).unwrap();
        assert_eq!(
            f32::from_le_bytes(bytes[..4].try_into().unwrap()),
            28.0,
            "device {d}"
        );
        assert_eq!(
            f32::from_le_bytes(bytes[4..].try_into().unwrap()),
            8.0,
            "device {d}"
        );
        assert_eq!(out[0].device_index(), d);
    }
    assert!(
        exe.execute(&args[..1]).is_err(),
        "one argument list for 8 replicas is refused"
    );
}

#[test]
fn errors_carry_the_plugin_message() {
    let err = client()
        .compile("module { this is not mlir }", &CompileOptions::default())
        .unwrap_err();
    match err {
        rjax_pjrt::Error::Pjrt { call, message, .. } => {
            assert_eq!(call, "PJRT_Client_Compile");
            assert!(!message.is_empty());
        }
        other => panic!("expected a PJRT error, got {other}"),
    }
}
