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
    assert_eq!(c.platform_name().unwrap(), "cpu");
    assert_eq!(c.device_kind(7).unwrap(), "cpu");
    assert!(c.device_kind(8).is_err());
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
        assert_eq!(b.dims().unwrap(), vec![2, 3]);
        assert_eq!(b.element_type().unwrap(), ty);
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
fn a_serialized_program_loads_back_and_computes_the_same() {
    let text = "module @m {
  func.func public @main(%x: tensor<3xf32>) -> tensor<3xf32> {
    %0 = stablehlo.multiply %x, %x : tensor<3xf32>
    %1 = stablehlo.exponential %0 : tensor<3xf32>
    return %1 : tensor<3xf32>
  }
}";
    let c = client();
    let opts = CompileOptions::default();
    let exe = c.compile(text, &opts).unwrap();
    let bytes = exe.serialize().unwrap();
    let back = c.deserialize(&bytes, &opts).unwrap();
    assert_eq!(back.num_outputs(), 1);
    let x: Vec<u8> = [0.5f32, -1.0, 2.0]
        .iter()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    let arg = c.buffer_from_host(&x, ElementType::F32, &[3], 0).unwrap();
    let run = |e: &rjax_pjrt::Executable| {
        let mut out = [0u8; 12];
        e.execute(&[&[&arg]]).unwrap()[0][0]
            .to_host(&mut out)
            .unwrap();
        out
    };
    assert_eq!(run(&back), run(&exe), "bit for bit: the same machine code");
    let got: Vec<f32> = run(&back)
        .chunks(4)
        .map(|b| f32::from_le_bytes(b.try_into().unwrap()))
        .collect();
    for (g, want) in got.iter().zip([0.25f32.exp(), 1f32.exp(), 4f32.exp()]) {
        assert!((g - want).abs() <= 1e-5 * want, "{g} vs {want}");
    }
    assert!(
        c.deserialize(b"not a program", &opts).is_err(),
        "foreign bytes are an error"
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

/// The PJRT plugin the tests load (the build's unless RJAX_PJRT_PLUGIN).
fn plugin_path() -> PathBuf {
    std::env::var_os("RJAX_PJRT_PLUGIN")
        .map(PathBuf::from)
        .or(option_env!("RJAX_DEFAULT_PJRT_PLUGIN").map(PathBuf::from))
        .expect("a PJRT plugin")
}

/// A temporary directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("rjax-{name}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        std::fs::remove_dir_all(&self.0).ok();
    }
}

/// Whether this process has mapped a file at `path`.
fn is_mapped(path: &std::path::Path) -> bool {
    std::fs::read_to_string("/proc/self/maps")
        .map(|maps| maps.contains(path.to_str().unwrap()))
        .unwrap_or(false)
}

#[test]
fn a_changed_or_truncated_plugin_is_refused_before_loading() {
    let original = std::fs::read(plugin_path()).unwrap();
    let dir = TempDir::new("plugin-hash");
    let changed = dir.0.join("changed.so");
    let mut bytes = original.clone();
    bytes[original.len() / 2] ^= 1;
    std::fs::write(&changed, &bytes).unwrap();
    let truncated = dir.0.join("truncated.so");
    std::fs::write(&truncated, &original[..original.len() / 3]).unwrap();
    let expected = "ad1309ac822b1b24d51b7f9947c7c9fa9ef5d67f390584cbc3d1fa2428fed9c2";
    for copy in [&changed, &truncated] {
        match Plugin::load_verified(copy, expected) {
            Err(rjax_pjrt::Error::PluginHash {
                path,
                expected: e,
                found,
            }) => {
                assert_eq!(&path, copy);
                assert_eq!(e, expected);
                assert_eq!(found.len(), 64);
                assert_ne!(found, expected);
                let message = Plugin::load_verified(copy, expected)
                    .err()
                    .unwrap()
                    .to_string();
                assert!(
                    message.contains(&found) && message.contains(copy.to_str().unwrap()),
                    "{message}"
                );
            }
            Err(other) => panic!("{}: expected a hash error, got {other}", copy.display()),
            Ok(_) => panic!("{} was loaded", copy.display()),
        }
        assert!(!is_mapped(copy), "{} was mapped", copy.display());
    }
    assert!(matches!(
        Plugin::load_verified(&dir.0.join("missing.so"), expected),
        Err(rjax_pjrt::Error::PluginLoad { .. })
    ));
}

/// A verified file is stamped so that the next load skips the hash; a
/// file changed in place, even with its size and modification time kept,
/// is hashed again and refused.
#[test]
fn a_plugin_changed_after_its_stamp_is_hashed_again() {
    let dir = TempDir::new("plugin-stamp");
    let file = dir.0.join("fake.so");
    std::fs::write(&file, b"not a shared library, but hashable").unwrap();
    let hash = match Plugin::load_verified(&file, &"0".repeat(64)) {
        Err(rjax_pjrt::Error::PluginHash { found, .. }) => found,
        other => panic!("expected a hash error, got {:?}", other.err()),
    };
    // The hash matches, so the file is stamped, then refused by the loader.
    assert!(matches!(
        Plugin::load_verified(&file, &hash),
        Err(rjax_pjrt::Error::PluginLoad { .. })
    ));
    let stamp = std::fs::read_to_string(dir.0.join("fake.so.verified")).unwrap();
    assert!(stamp.starts_with(&hash), "{stamp}");
    let modified = std::fs::metadata(&file).unwrap().modified().unwrap();
    let mut bytes = std::fs::read(&file).unwrap();
    bytes[0] ^= 1;
    std::fs::write(&file, &bytes).unwrap();
    std::fs::File::options()
        .write(true)
        .open(&file)
        .unwrap()
        .set_modified(modified)
        .unwrap();
    assert!(matches!(
        Plugin::load_verified(&file, &hash),
        Err(rjax_pjrt::Error::PluginHash { .. })
    ));
}

#[test]
fn the_build_pins_the_plugin_hash() {
    let (Some(path), Some(hash)) = (
        option_env!("RJAX_DEFAULT_PJRT_PLUGIN"),
        option_env!("RJAX_DEFAULT_PJRT_PLUGIN_SHA256"),
    ) else {
        return;
    };
    let path = std::path::Path::new(path);
    let t = std::time::Instant::now();
    assert!(Plugin::load_verified(path, &"0".repeat(64)).is_err());
    let hashing = t.elapsed();
    let t = std::time::Instant::now();
    let plugin = Plugin::load_verified(path, hash).unwrap();
    eprintln!(
        "plugin: hashing {hashing:?}; hashing and loading {:?}",
        t.elapsed()
    );
    assert_eq!(plugin.path(), path);
    assert!(plugin.api_version().1 >= 81);
}

/// `stablehlo.maximum` of [NaN, 1] and [1, NaN] through the binding alone:
/// [NaN, NaN] as in JAX, because the compile options turn XLA's fast
/// min/max off.
#[test]
fn compile_options_make_max_propagate_nan() {
    let text = "module @m {
  func.func public @main(%a: tensor<2xf32>, %b: tensor<2xf32>) -> tensor<2xf32> {
    %0 = stablehlo.maximum %a, %b : tensor<2xf32>
    return %0 : tensor<2xf32>
  }
}";
    let c = client();
    let exe = c.compile(text, &CompileOptions::default()).unwrap();
    let upload = |v: [f32; 2]| {
        let bytes: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        c.buffer_from_host(&bytes, ElementType::F32, &[2], 0)
            .unwrap()
    };
    let (a, b) = (upload([f32::NAN, 1.0]), upload([1.0, f32::NAN]));
    let out = exe.execute(&[&[&a, &b]]).unwrap();
    let mut bytes = [0u8; 8];
    out[0][0].to_host(&mut bytes).unwrap();
    for half in bytes.chunks(4) {
        assert!(f32::from_le_bytes(half.try_into().unwrap()).is_nan());
    }
}

const ADD_MODULE: &str = "module @m ATTRS {
  func.func public @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {
    %0 = stablehlo.add %arg0, %arg0 : tensor<2xf32>
    return %0 : tensor<2xf32>
  }
}";

#[test]
fn compile_module_refuses_multi_device_modules_however_written() {
    let module = |attrs: &str| ADD_MODULE.replace("ATTRS", attrs);
    for attrs in [
        "attributes {mhlo.num_replicas = 2 : i32}",
        "attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 8 : i32}",
        "attributes {\"mhlo.num_replicas\" = 2 : i32}",
        "attributes {mhlo.num_replicas=2}",
        "attributes {mhlo.num_replicas = 2 : i32}\n// mhlo.num_replicas = 1 \n",
        "attributes {mhlo.num_replicas = 2 : i32, rjax.note = \"mhlo.num_replicas = 1 \"}",
        "attributes {mhlo.num_replicas = 0x2 : i32}",
        "attributes {mhlo.num_partitions = 2 : i32}",
        "attributes {mhlo.num_partitions = 2 : i32, mhlo.num_replicas = 2 : i32}",
    ] {
        let err = rjax::compile_module(&module(attrs))
            .err()
            .unwrap_or_else(|| panic!("{attrs}: compiled"));
        assert_eq!(err.kind, rjax::ErrorKind::Param, "{attrs}: {err}");
        assert!(err.message.contains("single-device"), "{attrs}: {err}");
    }
    for attrs in [
        "",
        "attributes {mhlo.num_replicas = 1 : i32}",
        "attributes {mhlo.num_replicas = 1 : i32}\n// mhlo.num_replicas = 8\n",
        "attributes {rjax.note = \"mhlo.num_replicas = 8\", mhlo.num_replicas = 1 : i32}",
        "attributes {xmhlo.num_replicas_total = 8 : i32}",
        "attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32}",
    ] {
        let m = rjax::compile_module(&module(attrs)).unwrap_or_else(|e| panic!("{attrs}: {e}"));
        let out = m
            .run(&[rjax::Array::from_slice(&[1.0f32, 2.0], &[2])])
            .unwrap();
        assert_eq!(out[0].to_vec::<f32>().unwrap(), vec![2.0, 4.0], "{attrs}");
    }
}
