//! `.npz` archives (the `npy` feature): `savez` / `savez_compressed` and
//! `load_npz` round trip every numpy dtype bit for bit; archives numpy
//! wrote (tools/fixtures/npz_fixtures.py) load with numpy's values; a
//! missing name, a bad file, bf16 and duplicate names are typed errors.

use half::{bf16, f16};
use rjax::{Array, DType, ErrorKind, numpy as jnp};
use std::path::{Path, PathBuf};

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("rjax-npz-{}-{name}", std::process::id()))
}

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

#[test]
fn every_numpy_dtype_round_trips_bit_for_bit_stored_and_deflated() {
    let arrays = crate::npy::one_array_per_dtype();
    let names: Vec<String> = (0..arrays.len()).map(|i| format!("a{i}")).collect();
    let named = || names.iter().map(String::as_str).zip(&arrays);
    let path = scratch("round-trip.npz");
    for compressed in [false, true] {
        if compressed {
            jnp::savez_compressed(&path, named()).unwrap();
        } else {
            jnp::savez(&path, named()).unwrap();
        }
        let npz = jnp::load_npz(&path).unwrap();
        assert_eq!(npz.names().collect::<Vec<_>>(), names);
        for (name, x) in named() {
            let y = npz.get(name).unwrap();
            let what = format!("{name} {:?} compressed={compressed}", x.aval().unwrap());
            assert_eq!(y.aval().unwrap(), x.aval().unwrap(), "{what}");
            assert_eq!(y.to_bytes().unwrap(), x.to_bytes().unwrap(), "{what}");
        }
    }
    assert!(std::fs::read(&path).unwrap().starts_with(b"PK\x03\x04"));
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn archives_written_by_numpy_load_with_numpy_values() {
    for file in ["numpy.npz", "numpy_compressed.npz"] {
        let npz = jnp::load_npz(fixture(file)).unwrap();
        let names: Vec<&str> = npz.names().collect();
        assert_eq!(
            names,
            [
                "f32",
                "f64",
                "f16",
                "i64",
                "u8",
                "bool",
                "fortran",
                "big_endian",
                "scalar",
                "empty"
            ],
            "{file}"
        );
        let get = |name: &str| {
            let x = npz.get(name).unwrap();
            (x.shape().unwrap(), x.dtype().unwrap(), x)
        };
        let (shape, dtype, x) = get("f32");
        assert_eq!((shape, dtype), (vec![2, 3], DType::F32));
        assert_eq!(
            x.to_vec::<f32>().unwrap(),
            [1.5, -2.0, 0.25, 4.0, 1e-3, -0.0]
        );
        let (_, _, x) = get("f64");
        assert_eq!(
            x.to_vec::<f64>().unwrap(),
            [std::f64::consts::PI, f64::NEG_INFINITY, 1e300]
        );
        let (_, _, x) = get("f16");
        assert_eq!(
            x.to_vec::<f16>().unwrap(),
            [0.5, -65504.0, 6e-8].map(f16::from_f64)
        );
        assert_eq!(get("i64").2.to_vec::<i64>().unwrap(), [-3, -2, -1, 0, 1, 2]);
        let (shape, _, x) = get("u8");
        assert_eq!(
            (shape, x.to_vec::<u8>().unwrap()),
            (vec![2, 2], vec![0, 255, 7, 128])
        );
        assert_eq!(get("bool").2.to_vec::<bool>().unwrap(), [true, false, true]);
        let (shape, dtype, x) = get("fortran");
        assert_eq!((shape, dtype), (vec![2, 3], DType::I32));
        assert_eq!(x.to_vec::<i32>().unwrap(), [0, 1, 2, 3, 4, 5]);
        let (_, dtype, x) = get("big_endian");
        assert_eq!(
            (dtype, x.to_vec::<i16>().unwrap()),
            (DType::I16, vec![1, -2, 300])
        );
        let (shape, _, x) = get("scalar");
        assert_eq!((shape, x.item::<f32>().unwrap()), (vec![], 7.0));
        assert_eq!(get("empty").0, [0, 2]);
    }
}

#[test]
fn missing_names_bad_files_bf16_and_duplicates_are_typed_errors() {
    let npz = jnp::load_npz(fixture("numpy.npz")).unwrap();
    let e = npz.get("weights").unwrap_err();
    assert_eq!((e.kind, e.op.as_str()), (ErrorKind::Param, "load_npz"));
    assert!(
        e.message.contains("`weights`") && e.message.contains("\"f32\""),
        "{e}"
    );
    assert!(e.location.unwrap().file().ends_with("npz.rs"), "{e}");

    let path = scratch("errors.npz");
    let x = Array::scalar(1.0f32);
    let e = jnp::savez(&path, [("w", &x), ("w", &x)]).unwrap_err();
    assert_eq!((e.kind, e.op.as_str()), (ErrorKind::Param, "savez"));
    let e = jnp::savez_compressed(&path, [("b", &Array::scalar(bf16::ONE))]).unwrap_err();
    assert_eq!(
        (e.kind, e.op.as_str()),
        (ErrorKind::DType, "savez_compressed")
    );
    assert!(e.message.contains("bfloat16"), "{e}");

    std::fs::write(&path, b"not a zip archive").unwrap();
    let e = jnp::load_npz(&path).unwrap_err();
    assert_eq!((e.kind, e.op.as_str()), (ErrorKind::Io, "load_npz"));
    assert!(e.location.unwrap().file().ends_with("npz.rs"), "{e}");
    // A truncated archive: numpy's, cut in half.
    let bytes = std::fs::read(fixture("numpy.npz")).unwrap();
    std::fs::write(&path, &bytes[..bytes.len() / 2]).unwrap();
    assert_eq!(jnp::load_npz(&path).unwrap_err().kind, ErrorKind::Io);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(jnp::load_npz(&path).unwrap_err().kind, ErrorKind::Io);
}
