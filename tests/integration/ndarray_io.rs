//! `Array` to and from `ndarray` arrays (the `ndarray` feature): every
//! dtype round trips bit for bit, views in any layout come in row-major.

use half::{bf16, f16};
use ndarray::{ArrayD, IxDyn, s};
use rjax::{Array, DType, Element, ErrorKind};

fn round_trip<T: Element + PartialEq>(values: Vec<T>) {
    let host = ArrayD::from_shape_vec(IxDyn(&[2, values.len() / 2]), values).unwrap();
    let x = Array::from_ndarray(&host);
    assert_eq!(x.dtype().unwrap(), T::DTYPE);
    let back: ArrayD<T> = x.to_ndarray().unwrap();
    assert_eq!(back, host, "{:?}", T::DTYPE);
}

#[test]
fn every_dtype_round_trips() {
    round_trip(vec![true, false, false, true]);
    round_trip(vec![i8::MIN, -1, 0, i8::MAX]);
    round_trip(vec![i16::MIN, -1, 0, i16::MAX]);
    round_trip(vec![i32::MIN, -1, 0, i32::MAX]);
    round_trip(vec![i64::MIN, -1, 0, i64::MAX]);
    round_trip(vec![0u8, 1, 2, u8::MAX]);
    round_trip(vec![0u16, 1, 2, u16::MAX]);
    round_trip(vec![0u32, 1, 2, u32::MAX]);
    round_trip(vec![0u64, 1, 2, u64::MAX]);
    round_trip([0.1, -0.0, 65504.0, -2.5].map(f16::from_f64).to_vec());
    round_trip([0.1, -0.0, 1e30, -2.5].map(bf16::from_f64).to_vec());
    round_trip(vec![0.1f32, -0.0, f32::INFINITY, f32::MIN_POSITIVE]);
    round_trip(vec![0.1f64, -0.0, f64::NEG_INFINITY, f64::MAX]);
    // NaN compares unequal: check its bits.
    let nan = Array::from_ndarray(&ndarray::arr1(&[f32::NAN]));
    assert!(nan.to_ndarray::<f32>().unwrap()[[0]].is_nan());
}

#[test]
fn strided_views_come_in_row_major() {
    let host = ndarray::Array::from_shape_fn((3, 4), |(i, j)| (10 * i + j) as i32);
    let every_other = host.slice(s![.., ..;2]);
    let x = Array::from(&every_other);
    assert_eq!(x.shape().unwrap(), [3, 2]);
    assert_eq!(x.to_vec::<i32>().unwrap(), [0, 2, 10, 12, 20, 22]);
    let transposed = Array::from_ndarray(&host.t());
    assert_eq!(transposed.to_ndarray::<i32>().unwrap(), host.t().into_dyn());
}

#[test]
fn reading_as_another_type_is_a_typed_error() {
    let x = Array::from_ndarray(&ndarray::arr1(&[1.0f32, 2.0]));
    let e = x.to_ndarray::<f64>().unwrap_err();
    assert_eq!(e.kind, ErrorKind::DType);
    assert_eq!(x.dtype().unwrap(), DType::F32);
}
