//! `numpy::save` / `numpy::load` (the `npy` feature): every numpy dtype
//! round trips bit for bit; files in Fortran order and big-endian bytes,
//! as numpy can write them, load as numpy reads them.

use half::{bf16, f16};
use rjax::{Array, Complex, DType, ErrorKind, numpy as jnp};
use std::path::PathBuf;

fn scratch(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("rjax-npy-{}-{name}", std::process::id()))
}

/// One array of each dtype numpy and rjax share, with edge values: NaN,
/// -0.0, infinities, the integer extremes, a scalar and an empty array.
pub(crate) fn one_array_per_dtype() -> Vec<Array> {
    let floats = [0.1f64, -0.0, f64::NAN, f64::NEG_INFINITY, 1e-3, 2.5];
    vec![
        Array::from_slice(&[true, false, true, true, false, false], &[2, 3]),
        Array::from_slice(&[i8::MIN, -1, 0, 1, 2, i8::MAX], &[3, 2]),
        Array::from_slice(&[i16::MIN, -1, 0, 1, 2, i16::MAX], &[6]),
        Array::from_slice(&[i32::MIN, -1, 0, 1, 2, i32::MAX], &[1, 6]),
        Array::from_slice(&[i64::MIN, -1, 0, 1, 2, i64::MAX], &[6, 1]),
        Array::from_slice(&[0u8, 1, 2, 3, 4, u8::MAX], &[2, 3]),
        Array::from_slice(&[0u16, 1, 2, 3, 4, u16::MAX], &[2, 3]),
        Array::from_slice(&[0u32, 1, 2, 3, 4, u32::MAX], &[2, 3]),
        Array::from_slice(&[0u64, 1, 2, 3, 4, u64::MAX], &[2, 3]),
        Array::from_slice(&floats.map(f16::from_f64), &[2, 3]),
        Array::from_slice(&floats.map(|v| v as f32), &[2, 1, 3]),
        Array::from_slice(&floats, &[6]),
        Array::from_slice(
            &floats.map(|v| Complex::new(v as f32, 1.0 - v as f32)),
            &[3, 2],
        ),
        Array::from_slice(&floats.map(|v| Complex::new(-v, v)), &[6]),
        Array::scalar(7.5f32),
        Array::from_slice::<f32>(&[], &[0, 3]),
    ]
}

#[test]
fn every_numpy_dtype_round_trips_bit_for_bit() {
    let arrays = one_array_per_dtype();
    let path = scratch("round-trip.npy");
    for x in &arrays {
        jnp::save(&path, x).unwrap();
        let y = jnp::load(&path).unwrap();
        let what = format!("{:?}", x.aval().unwrap());
        assert_eq!(y.aval().unwrap(), x.aval().unwrap(), "{what}");
        assert_eq!(y.to_bytes().unwrap(), x.to_bytes().unwrap(), "{what}");
    }
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"\x93NUMPY"));
    std::fs::remove_file(&path).unwrap();
}

/// A version 1.0 `.npy` file with the given header dictionary and data.
fn npy_file(header: &str, data: &[u8]) -> Vec<u8> {
    let mut header = header.to_string();
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut out = b"\x93NUMPY\x01\x00".to_vec();
    out.extend((header.len() as u16).to_le_bytes());
    out.extend(header.as_bytes());
    out.extend(data);
    out
}

#[test]
fn fortran_order_and_big_endian_files_load_as_numpy_reads_them() {
    // np.asfortranarray(np.array([[1, 2, 3], [4, 5, 6]], ">i4")): column by column.
    let data: Vec<u8> = [1i32, 4, 2, 5, 3, 6]
        .iter()
        .flat_map(|v| v.to_be_bytes())
        .collect();
    let header = "{'descr': '>i4', 'fortran_order': True, 'shape': (2, 3), }";
    let path = scratch("fortran.npy");
    std::fs::write(&path, npy_file(header, &data)).unwrap();
    let x = jnp::load(&path).unwrap();
    assert_eq!(
        (x.shape().unwrap(), x.dtype().unwrap()),
        (vec![2, 3], DType::I32)
    );
    assert_eq!(x.to_vec::<i32>().unwrap(), [1, 2, 3, 4, 5, 6]);
    std::fs::remove_file(&path).unwrap();
}

#[test]
fn unsupported_dtypes_and_bad_files_are_typed_errors() {
    let path = scratch("errors.npy");
    let e = jnp::save(&path, &Array::scalar(bf16::ONE)).unwrap_err();
    assert_eq!((e.kind, e.op.as_str()), (ErrorKind::DType, "save"));
    assert!(e.location.unwrap().file().ends_with("npy.rs"), "{e}");

    let header = "{'descr': '<c32', 'fortran_order': False, 'shape': (1,), }";
    std::fs::write(&path, npy_file(header, &[0; 32])).unwrap();
    let e = jnp::load(&path).unwrap_err();
    assert_eq!(e.kind, ErrorKind::DType);
    assert!(e.message.contains("<c32"), "{e}");

    std::fs::write(&path, b"not npy").unwrap();
    assert_eq!(jnp::load(&path).unwrap_err().kind, ErrorKind::Io);
    std::fs::remove_file(&path).unwrap();
    assert_eq!(jnp::load(&path).unwrap_err().kind, ErrorKind::Io);
}
