//! Every primitive: eager result == jit result == a value computed here in
//! plain Rust, over several shapes and the dtypes it supports.

use crate::common::{array, check, f64s, tolerance, values};
use rjax::numpy as jnp;
use rjax::{Array, DType, lax};

const SHAPES: [&[usize]; 3] = [&[], &[5], &[2, 3]];
const FLOATS: [DType; 2] = [DType::F32, DType::F64];

fn size(shape: &[usize]) -> usize {
    shape.iter().product()
}

type Unary = (&'static str, fn(&Array) -> Array, fn(f64) -> f64, f64, f64);

#[test]
fn unary_math_on_floats() {
    let cases: &[Unary] = &[
        ("neg", lax::neg, |x| -x, -3.0, 3.0),
        ("exp", lax::exp, f64::exp, -3.0, 3.0),
        ("log", lax::log, f64::ln, 0.1, 5.0),
        ("log1p", lax::log1p, f64::ln_1p, -0.5, 3.0),
        ("expm1", lax::expm1, f64::exp_m1, -2.0, 2.0),
        ("tanh", lax::tanh, f64::tanh, -3.0, 3.0),
        (
            "logistic",
            lax::logistic,
            |x| 1.0 / (1.0 + (-x).exp()),
            -4.0,
            4.0,
        ),
        ("sin", lax::sin, f64::sin, -3.0, 3.0),
        ("cos", lax::cos, f64::cos, -3.0, 3.0),
        ("tan", lax::tan, f64::tan, -1.2, 1.2),
        ("sqrt", lax::sqrt, f64::sqrt, 0.0, 9.0),
        ("rsqrt", lax::rsqrt, |x| 1.0 / x.sqrt(), 0.1, 9.0),
        ("abs", lax::abs, f64::abs, -3.0, 3.0),
        (
            "sign",
            lax::sign,
            |x| if x == 0.0 { 0.0 } else { x.signum() },
            -3.0,
            3.0,
        ),
        ("floor", lax::floor, f64::floor, -3.0, 3.0),
        ("ceil", lax::ceil, f64::ceil, -3.0, 3.0),
        ("round", lax::round, f64::round_ties_even, -3.0, 3.0),
        ("is_finite", lax::is_finite, |_| 1.0, -3.0, 3.0),
    ];
    for &(name, f, reference, lo, hi) in cases {
        for dtype in FLOATS {
            for (seed, shape) in SHAPES.iter().enumerate() {
                let x = array(&values(size(shape), lo, hi, seed as u64), shape, dtype);
                let want: Vec<f64> = f64s(&x).into_iter().map(reference).collect();
                check(
                    &format!("{name} {dtype}{shape:?}"),
                    move |a| f(&a[0]),
                    vec![x],
                    &want,
                    tolerance(dtype),
                );
            }
        }
    }
}

#[test]
fn unary_on_half_floats_and_ints() {
    for dtype in [DType::F16, DType::BF16] {
        let x = array(&values(6, -2.0, 2.0, 3), &[6], dtype);
        let want: Vec<f64> = f64s(&x).into_iter().map(f64::tanh).collect();
        check(
            &format!("tanh {dtype}"),
            |a| lax::tanh(&a[0]),
            vec![x],
            &want,
            tolerance(dtype),
        );
    }
    let ints = array(&[-3.0, 0.0, 5.0], &[3], DType::I32);
    check(
        "neg i32",
        |a| lax::neg(&a[0]),
        vec![ints.clone()],
        &[3.0, 0.0, -5.0],
        0.0,
    );
    check(
        "abs i32",
        |a| lax::abs(&a[0]),
        vec![ints.clone()],
        &[3.0, 0.0, 5.0],
        0.0,
    );
    check(
        "sign i32",
        |a| lax::sign(&a[0]),
        vec![ints.clone()],
        &[-1.0, 0.0, 1.0],
        0.0,
    );
    check(
        "not i32",
        |a| lax::not(&a[0]),
        vec![ints],
        &[2.0, -1.0, -6.0],
        0.0,
    );
    let b = Array::from_slice(&[true, false], &[2]);
    check("not bool", |a| lax::not(&a[0]), vec![b], &[0.0, 1.0], 0.0);
    let special = Array::from_slice(&[f32::NAN, f32::INFINITY, 1.0], &[3]);
    check(
        "is_finite special",
        |a| lax::is_finite(&a[0]),
        vec![special],
        &[0.0, 0.0, 1.0],
        0.0,
    );
}

type Binary = (
    &'static str,
    fn(&Array, &Array) -> Array,
    fn(f64, f64) -> f64,
);

#[test]
fn binary_math_on_floats() {
    let cases: &[Binary] = &[
        ("add", lax::add, |a, b| a + b),
        ("sub", lax::sub, |a, b| a - b),
        ("mul", lax::mul, |a, b| a * b),
        ("div", lax::div, |a, b| a / b),
        ("rem", lax::rem, |a, b| a % b),
        ("pow", lax::pow, f64::powf),
        ("max", lax::max, f64::max),
        ("min", lax::min, f64::min),
        ("atan2", lax::atan2, f64::atan2),
    ];
    for &(name, f, reference) in cases {
        for dtype in FLOATS {
            for (seed, shape) in SHAPES.iter().enumerate() {
                let x = array(&values(size(shape), 0.2, 3.0, seed as u64), shape, dtype);
                let y = array(
                    &values(size(shape), 0.5, 2.0, seed as u64 + 7),
                    shape,
                    dtype,
                );
                let want: Vec<f64> = f64s(&x)
                    .into_iter()
                    .zip(f64s(&y))
                    .map(|(a, b)| reference(a, b))
                    .collect();
                check(
                    &format!("{name} {dtype}{shape:?}"),
                    move |a| f(&a[0], &a[1]),
                    vec![x, y],
                    &want,
                    tolerance(dtype) * 4.0,
                );
            }
        }
    }
}

#[test]
fn binary_on_ints_and_bools() {
    let x = array(&[7.0, -7.0, 9.0, 0.0], &[4], DType::I32);
    let y = array(&[2.0, 2.0, -4.0, 3.0], &[4], DType::I32);
    let pair = vec![x, y];
    check(
        "add i32",
        |a| lax::add(&a[0], &a[1]),
        pair.clone(),
        &[9.0, -5.0, 5.0, 3.0],
        0.0,
    );
    check(
        "div i32 truncates",
        |a| lax::div(&a[0], &a[1]),
        pair.clone(),
        &[3.0, -3.0, -2.0, 0.0],
        0.0,
    );
    check(
        "rem i32 takes the dividend's sign",
        |a| lax::rem(&a[0], &a[1]),
        pair.clone(),
        &[1.0, -1.0, 1.0, 0.0],
        0.0,
    );
    check(
        "max i32",
        |a| lax::max(&a[0], &a[1]),
        pair.clone(),
        &[7.0, 2.0, 9.0, 3.0],
        0.0,
    );
    check(
        "and i32",
        |a| lax::bitwise_and(&a[0], &a[1]),
        pair.clone(),
        &[2.0, 0.0, 8.0, 0.0],
        0.0,
    );
    check(
        "or i32",
        |a| lax::bitwise_or(&a[0], &a[1]),
        pair.clone(),
        &[7.0, -5.0, -3.0, 3.0],
        0.0,
    );
    check(
        "xor i32",
        |a| lax::bitwise_xor(&a[0], &a[1]),
        pair,
        &[5.0, -5.0, -11.0, 3.0],
        0.0,
    );
    let p = Array::from_slice(&[true, true, false, false], &[4]);
    let q = Array::from_slice(&[true, false, true, false], &[4]);
    check(
        "and bool",
        |a| lax::bitwise_and(&a[0], &a[1]),
        vec![p.clone(), q.clone()],
        &[1.0, 0.0, 0.0, 0.0],
        0.0,
    );
    check(
        "or bool",
        |a| lax::bitwise_or(&a[0], &a[1]),
        vec![p.clone(), q.clone()],
        &[1.0, 1.0, 1.0, 0.0],
        0.0,
    );
    check(
        "xor bool",
        |a| lax::bitwise_xor(&a[0], &a[1]),
        vec![p, q],
        &[0.0, 1.0, 1.0, 0.0],
        0.0,
    );
    let u = array(&[200.0, 3.0], &[2], DType::U8);
    check(
        "add u8 wraps",
        |a| lax::add(&a[0], &a[0]),
        vec![u],
        &[144.0, 6.0],
        0.0,
    );
}

#[test]
fn scalar_operands_broadcast() {
    let x = array(&[1.0, 2.0, 3.0], &[3], DType::F32);
    check(
        "x * 2.0 + 1.0",
        |a| &a[0] * 2.0 + 1.0,
        vec![x.clone()],
        &[3.0, 5.0, 7.0],
        0.0,
    );
    check(
        "1.0 - x",
        |a| 1.0 - &a[0],
        vec![x.clone()],
        &[0.0, -1.0, -2.0],
        0.0,
    );
    let h = array(&[1.0, 2.0], &[2], DType::F16);
    assert_eq!(
        (&h * 2.0).dtype().unwrap(),
        DType::F16,
        "weak scalars keep the array's dtype"
    );
    assert_eq!(
        (&x + &Array::scalar(1.0f64)).dtype().unwrap(),
        DType::F64,
        "strong f64 promotes f32"
    );
    assert_eq!(
        (&array(&[1.0], &[1], DType::I32) + 1.5).dtype().unwrap(),
        DType::F32,
        "weak float promotes ints to f32"
    );
}

#[test]
fn comparisons() {
    let x = array(&[1.0, 2.0, 3.0, f64::NAN], &[4], DType::F32);
    let y = array(&[2.0, 2.0, 2.0, 2.0], &[4], DType::F32);
    let both = vec![x, y];
    check(
        "eq",
        |a| lax::eq(&a[0], &a[1]),
        both.clone(),
        &[0.0, 1.0, 0.0, 0.0],
        0.0,
    );
    check(
        "ne",
        |a| lax::ne(&a[0], &a[1]),
        both.clone(),
        &[1.0, 0.0, 1.0, 1.0],
        0.0,
    );
    check(
        "lt",
        |a| lax::lt(&a[0], &a[1]),
        both.clone(),
        &[1.0, 0.0, 0.0, 0.0],
        0.0,
    );
    check(
        "le",
        |a| lax::le(&a[0], &a[1]),
        both.clone(),
        &[1.0, 1.0, 0.0, 0.0],
        0.0,
    );
    check(
        "gt",
        |a| lax::gt(&a[0], &a[1]),
        both.clone(),
        &[0.0, 0.0, 1.0, 0.0],
        0.0,
    );
    check(
        "ge",
        |a| lax::ge(&a[0], &a[1]),
        both,
        &[0.0, 1.0, 1.0, 0.0],
        0.0,
    );
    let i = array(&[-1.0, 5.0], &[2], DType::I32);
    check(
        "lt i32 signed",
        |a| jnp::less(&a[0], &Array::weak(0i32)),
        vec![i],
        &[1.0, 0.0],
        0.0,
    );
    let u = array(&[250.0, 5.0], &[2], DType::U8);
    check(
        "gt u8 unsigned",
        |a| jnp::greater(&a[0], &Array::weak(100i32)),
        vec![u],
        &[1.0, 0.0],
        0.0,
    );
}

#[test]
fn select_and_convert() {
    let p = Array::from_slice(&[true, false, true], &[3]);
    let t = array(&[1.0, 2.0, 3.0], &[3], DType::F32);
    let f = array(&[-1.0, -2.0, -3.0], &[3], DType::F32);
    check(
        "select",
        |a| lax::select(&a[0], &a[1], &a[2]),
        vec![p, t, f],
        &[1.0, -2.0, 3.0],
        0.0,
    );
    let x = array(&[-1.7, -0.2, 0.0, 2.9], &[4], DType::F32);
    check(
        "f32 -> i32 truncates",
        |a| lax::convert_element_type(&a[0], DType::I32),
        vec![x.clone()],
        &[-1.0, 0.0, 0.0, 2.0],
        0.0,
    );
    check(
        "f32 -> bool",
        |a| lax::convert_element_type(&a[0], DType::Bool),
        vec![x.clone()],
        &[1.0, 1.0, 0.0, 1.0],
        0.0,
    );
    check(
        "f32 -> bf16",
        |a| lax::convert_element_type(&a[0], DType::BF16),
        vec![x.clone()],
        &[-1.703125, -0.2001953125, 0.0, 2.90625],
        0.0,
    );
    check(
        "f32 -> f16",
        |a| lax::convert_element_type(&a[0], DType::F16),
        vec![x],
        &[-1.7001953125, -0.199951171875, 0.0, 2.900390625],
        0.0,
    );
    let b = Array::from_slice(&[true, false], &[2]);
    check(
        "bool -> f32",
        |a| lax::convert_element_type(&a[0], DType::F32),
        vec![b],
        &[1.0, 0.0],
        0.0,
    );
    let i = array(&[300.0, -1.0], &[2], DType::I32);
    check(
        "i32 -> u8 wraps",
        |a| lax::convert_element_type(&a[0], DType::U8),
        vec![i],
        &[44.0, 255.0],
        0.0,
    );
}

#[test]
fn shape_primitives() {
    let x = array(&[0.0, 1.0, 2.0, 3.0, 4.0, 5.0], &[2, 3], DType::F32);
    check(
        "broadcast_in_dim",
        |a| lax::broadcast_in_dim(&a[0], &[2, 2, 3], &[1, 2]),
        vec![x.clone()],
        &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        0.0,
    );
    check(
        "broadcast_in_dim of size 1",
        |a| lax::broadcast_in_dim(&lax::reshape(&a[0], &[6, 1]), &[6, 2], &[0, 1]),
        vec![x.clone()],
        &[0.0, 0.0, 1.0, 1.0, 2.0, 2.0, 3.0, 3.0, 4.0, 4.0, 5.0, 5.0],
        0.0,
    );
    check(
        "reshape",
        |a| lax::reshape(&a[0], &[3, 2]),
        vec![x.clone()],
        &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        0.0,
    );
    check(
        "transpose",
        |a| lax::transpose(&a[0], &[1, 0]),
        vec![x.clone()],
        &[0.0, 3.0, 1.0, 4.0, 2.0, 5.0],
        0.0,
    );
    check(
        "expand_dims + squeeze",
        |a| lax::squeeze(&lax::expand_dims(&a[0], &[0, 2]), &[0]),
        vec![x.clone()],
        &[0.0, 1.0, 2.0, 3.0, 4.0, 5.0],
        0.0,
    );
    assert_eq!(lax::expand_dims(&x, &[0, 2]).shape().unwrap(), [1, 2, 1, 3]);
    let cube = array(
        &(0..24).map(f64::from).collect::<Vec<_>>(),
        &[2, 3, 4],
        DType::F64,
    );
    let want: Vec<f64> = (0..4)
        .flat_map(|k| (0..2).flat_map(move |i| (0..3).map(move |j| (i * 12 + j * 4 + k) as f64)))
        .collect();
    check(
        "transpose 3-d",
        |a| lax::transpose(&a[0], &[2, 0, 1]),
        vec![cube],
        &want,
        0.0,
    );
}

#[test]
fn reductions() {
    let data: Vec<f64> = vec![
        3.0, -1.0, 4.0, 1.0, -5.0, 9.0, 2.0, 6.0, -5.0, 3.0, 5.0, -8.0,
    ];
    let x = array(&data, &[3, 4], DType::F32);
    let rows = |f: fn(&[f64]) -> f64| -> Vec<f64> { data.chunks(4).map(f).collect() };
    let cols = |f: fn(&[f64]) -> f64| -> Vec<f64> {
        (0..4)
            .map(|j| f(&[data[j], data[4 + j], data[8 + j]]))
            .collect()
    };
    let sum = |v: &[f64]| v.iter().sum();
    let prod = |v: &[f64]| v.iter().product();
    let max = |v: &[f64]| v.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let min = |v: &[f64]| v.iter().copied().fold(f64::INFINITY, f64::min);
    check(
        "reduce_sum axis 1",
        |a| lax::reduce_sum(&a[0], &[1]),
        vec![x.clone()],
        &rows(sum),
        1e-6,
    );
    check(
        "reduce_sum axis 0",
        |a| lax::reduce_sum(&a[0], &[0]),
        vec![x.clone()],
        &cols(sum),
        1e-6,
    );
    check(
        "reduce_sum all",
        |a| lax::reduce_sum(&a[0], &[0, 1]),
        vec![x.clone()],
        &[sum(&data)],
        1e-6,
    );
    check(
        "reduce_prod axis 1",
        |a| lax::reduce_prod(&a[0], &[1]),
        vec![x.clone()],
        &rows(prod),
        1e-6,
    );
    check(
        "reduce_max axis 0",
        |a| lax::reduce_max(&a[0], &[0]),
        vec![x.clone()],
        &cols(max),
        0.0,
    );
    check(
        "reduce_min axis 1",
        |a| lax::reduce_min(&a[0], &[1]),
        vec![x.clone()],
        &rows(min),
        0.0,
    );
    let i = array(&data, &[3, 4], DType::I32);
    check(
        "reduce_max i32",
        |a| lax::reduce_max(&a[0], &[1]),
        vec![i.clone()],
        &rows(max),
        0.0,
    );
    check(
        "reduce_sum i32",
        |a| lax::reduce_sum(&a[0], &[0, 1]),
        vec![i],
        &[sum(&data)],
        0.0,
    );
    let b = Array::from_slice(&[true, false, false, false], &[2, 2]);
    check(
        "reduce_max bool is any",
        |a| lax::reduce_max(&a[0], &[1]),
        vec![b.clone()],
        &[1.0, 0.0],
        0.0,
    );
    check(
        "reduce_min bool is all",
        |a| lax::reduce_min(&a[0], &[1]),
        vec![b],
        &[0.0, 0.0],
        0.0,
    );
}

#[test]
fn arg_reductions() {
    let x = array(
        &[1.0, 7.0, 7.0, -2.0, 0.0, -2.0, 3.0, -2.0],
        &[2, 4],
        DType::F32,
    );
    check(
        "argmax axis 1 keeps the first",
        |a| lax::argmax(&a[0], 1, DType::I32),
        vec![x.clone()],
        &[1.0, 2.0],
        0.0,
    );
    check(
        "argmin axis 1 keeps the first",
        |a| lax::argmin(&a[0], 1, DType::I32),
        vec![x.clone()],
        &[3.0, 1.0],
        0.0,
    );
    check(
        "argmax axis 0",
        |a| lax::argmax(&a[0], 0, DType::I32),
        vec![x.clone()],
        &[0.0, 0.0, 0.0, 0.0],
        0.0,
    );
    let nan = array(&[1.0, f64::NAN, 5.0], &[3], DType::F32);
    check(
        "argmax sees NaN as the maximum",
        |a| lax::argmax(&a[0], 0, DType::I32),
        vec![nan],
        &[1.0],
        0.0,
    );
    let i = array(&[4.0, 9.0, 9.0, 1.0], &[4], DType::I64);
    check(
        "argmax i64",
        |a| lax::argmax(&a[0], 0, DType::I64),
        vec![i],
        &[1.0],
        0.0,
    );
}

#[test]
fn dot_general() {
    let a: Vec<f64> = (0..6).map(f64::from).collect();
    let b: Vec<f64> = (0..12).map(|v| f64::from(v) * 0.5).collect();
    let (x, y) = (
        array(&a, &[2, 3], DType::F32),
        array(&b, &[3, 4], DType::F32),
    );
    let want: Vec<f64> = (0..2)
        .flat_map(|i| {
            let (a, b) = (&a, &b);
            (0..4).map(move |j| (0..3).map(|k| a[i * 3 + k] * b[k * 4 + j]).sum())
        })
        .collect();
    check(
        "matmul",
        |v| jnp::dot(&v[0], &v[1]),
        vec![x, y],
        &want,
        1e-6,
    );
    let p: Vec<f64> = (0..24).map(|v| f64::from(v) * 0.25 - 2.0).collect();
    let q: Vec<f64> = (0..40).map(|v| f64::from(v % 7) - 3.0).collect();
    let (px, qx) = (
        array(&p, &[2, 3, 4], DType::F64),
        array(&q, &[2, 4, 5], DType::F64),
    );
    let want: Vec<f64> = (0..2)
        .flat_map(|bt| {
            let (p, q) = (&p, &q);
            (0..3).flat_map(move |i| {
                (0..5).map(move |j| {
                    (0..4)
                        .map(|k| p[bt * 12 + i * 4 + k] * q[bt * 20 + k * 5 + j])
                        .sum()
                })
            })
        })
        .collect();
    check(
        "batched matmul",
        |v| jnp::matmul(&v[0], &v[1]),
        vec![px, qx],
        &want,
        1e-12,
    );
    let v = array(&[1.0, 2.0, 3.0], &[3], DType::I32);
    check(
        "vector dot i32",
        |w| jnp::dot(&w[0], &w[0]),
        vec![v],
        &[14.0],
        0.0,
    );
}

#[test]
fn slicing() {
    let data: Vec<f64> = (0..20).map(f64::from).collect();
    let x = array(&data, &[4, 5], DType::F32);
    check(
        "slice",
        |a| lax::slice(&a[0], &[1, 1], &[3, 4], None),
        vec![x.clone()],
        &[6.0, 7.0, 8.0, 11.0, 12.0, 13.0],
        0.0,
    );
    check(
        "strided slice",
        |a| lax::slice(&a[0], &[0, 0], &[4, 5], Some(&[2, 3])),
        vec![x.clone()],
        &[0.0, 3.0, 10.0, 13.0],
        0.0,
    );
    let at = |i: i32, j: i32| vec![Array::scalar(i), Array::scalar(j)];
    check(
        "dynamic_slice",
        |a| lax::dynamic_slice(&a[0], &a[1..], &[2, 2]),
        [vec![x.clone()], at(1, 2)].concat(),
        &[7.0, 8.0, 12.0, 13.0],
        0.0,
    );
    check(
        "dynamic_slice clamps",
        |a| lax::dynamic_slice(&a[0], &a[1..], &[2, 2]),
        [vec![x.clone()], at(9, -3)].concat(),
        &[10.0, 11.0, 15.0, 16.0],
        0.0,
    );
    let u = array(&[-1.0, -2.0], &[1, 2], DType::F32);
    let mut want = data.clone();
    want[13] = -1.0;
    want[14] = -2.0;
    check(
        "dynamic_update_slice",
        |a| lax::dynamic_update_slice(&a[0], &a[1], &a[2..]),
        [vec![x.clone(), u.clone()], at(2, 3)].concat(),
        &want,
        0.0,
    );
    let mut clamped = data;
    clamped[18] = -1.0;
    clamped[19] = -2.0;
    check(
        "dynamic_update_slice clamps",
        |a| lax::dynamic_update_slice(&a[0], &a[1], &a[2..]),
        [vec![x, u], at(7, 7)].concat(),
        &clamped,
        0.0,
    );
}

#[test]
fn concatenate_pad_iota() {
    let x = array(&[1.0, 2.0, 3.0, 4.0], &[2, 2], DType::F32);
    let y = array(&[5.0, 6.0], &[2, 1], DType::F32);
    check(
        "concatenate axis 1",
        |a| lax::concatenate(&a[..2], 1),
        vec![x.clone(), y],
        &[1.0, 2.0, 5.0, 3.0, 4.0, 6.0],
        0.0,
    );
    check(
        "concatenate axis 0",
        |a| lax::concatenate(&[a[0].clone(), a[0].clone()], 0),
        vec![x.clone()],
        &[1.0, 2.0, 3.0, 4.0, 1.0, 2.0, 3.0, 4.0],
        0.0,
    );
    let v = array(&[1.0, 2.0, 3.0], &[3], DType::F32);
    check(
        "pad interior",
        |a| lax::pad(&a[0], &Array::scalar(0.0f32), &[(1, 2, 1)]),
        vec![v.clone()],
        &[0.0, 1.0, 0.0, 2.0, 0.0, 3.0, 0.0, 0.0],
        0.0,
    );
    check(
        "pad negative crops",
        |a| lax::pad(&a[0], &Array::scalar(9.0f32), &[(-1, 1, 0)]),
        vec![v],
        &[2.0, 3.0, 9.0],
        0.0,
    );
    check(
        "pad 2-d",
        |a| lax::pad(&a[0], &Array::scalar(0.0f32), &[(0, 1, 0), (1, 0, 0)]),
        vec![x],
        &[0.0, 1.0, 2.0, 0.0, 3.0, 4.0, 0.0, 0.0, 0.0],
        0.0,
    );
    for dtype in [DType::I32, DType::F32, DType::U8, DType::F64] {
        check(
            &format!("iota {dtype}"),
            move |_| lax::iota(dtype, &[2, 3], 1),
            vec![],
            &[0.0, 1.0, 2.0, 0.0, 1.0, 2.0],
            0.0,
        );
    }
}

#[test]
fn stop_gradient_is_the_identity() {
    let x = array(&[1.5, -2.0], &[2], DType::F32);
    check(
        "stop_gradient",
        |a| lax::stop_gradient(&a[0]),
        vec![x],
        &[1.5, -2.0],
        0.0,
    );
}

/// erf by its Taylor series (converges to f64 precision for |x| <= 3).
fn erf_reference(x: f64) -> f64 {
    let (mut term, mut sum) = (x, x);
    for n in 1..80 {
        term *= -x * x / n as f64;
        sum += term / (2 * n + 1) as f64;
    }
    sum * std::f64::consts::FRAC_2_SQRT_PI
}

/// erf's inverse by Newton's method on the series.
fn erf_inv_reference(y: f64) -> f64 {
    let mut x = 0.0f64;
    for _ in 0..60 {
        let slope = std::f64::consts::FRAC_2_SQRT_PI * (-x * x).exp();
        x -= (erf_reference(x) - y) / slope;
    }
    x
}

#[test]
fn erf_and_its_inverse() {
    type Case = (&'static str, fn(&Array) -> Array, fn(f64) -> f64, f64, f64);
    let cases: [Case; 2] = [
        ("erf", lax::erf, erf_reference, -2.5, 2.5),
        ("erf_inv", lax::erf_inv, erf_inv_reference, -0.95, 0.95),
    ];
    for (name, f, reference, lo, hi) in cases {
        for dtype in FLOATS {
            for (seed, shape) in SHAPES.iter().enumerate() {
                let x = array(&values(size(shape), lo, hi, seed as u64), shape, dtype);
                let want: Vec<f64> = f64s(&x).into_iter().map(reference).collect();
                let tol = if dtype == DType::F32 { 1e-6 } else { 1e-12 };
                check(
                    &format!("{name} {dtype}{shape:?}"),
                    move |a| f(&a[0]),
                    vec![x],
                    &want,
                    tol,
                );
            }
        }
    }
}

#[test]
fn shifts_bitcasts_and_threefry() {
    let x = array(&[1.0, -8.0, 255.0, 7.0], &[4], DType::I32);
    let by = array(&[3.0, 1.0, 4.0, 40.0], &[4], DType::I32);
    let pair = vec![x, by];
    check(
        "shift_left",
        |a| lax::shift_left(&a[0], &a[1]),
        pair.clone(),
        &[8.0, -16.0, 4080.0, 0.0],
        0.0,
    );
    check(
        "shift_right_arithmetic",
        |a| lax::shift_right_arithmetic(&a[0], &a[1]),
        pair.clone(),
        &[0.0, -4.0, 15.0, 0.0],
        0.0,
    );
    check(
        "shift_right_logical",
        |a| lax::shift_right_logical(&a[0], &a[1]),
        pair,
        &[0.0, 2147483644.0, 15.0, 0.0],
        0.0,
    );
    let f = Array::from_slice(&[1.0f32, -2.0, 0.5], &[3]);
    check(
        "bitcast f32 -> u32",
        |a| lax::bitcast_convert_type(&a[0], DType::U32),
        vec![f],
        &[1065353216.0, 3221225472.0, 1056964608.0],
        0.0,
    );
    // The Threefry-2x32 known-answer vectors (Salmon et al.'s Random123).
    let words = |v: u32| Array::from_slice(&[v], &[1]);
    let kat = [
        ([0u32, 0, 0, 0], [0x6b200159u32, 0x99ba4efe]),
        ([u32::MAX; 4], [0x1cb996fc, 0xbb002be7]),
        (
            [0x13198a2e, 0x03707344, 0x243f6a88, 0x85a308d3],
            [0xc4923a9c, 0x483df7a0],
        ),
    ];
    for ([k1, k2, x1, x2], want) in kat {
        let inputs = vec![words(k1), words(k2), words(x1), words(x2)];
        check(
            "threefry2x32 word 0",
            |a| lax::threefry2x32(&a[0], &a[1], &a[2], &a[3]).0,
            inputs.clone(),
            &[want[0] as f64],
            0.0,
        );
        check(
            "threefry2x32 word 1",
            |a| lax::threefry2x32(&a[0], &a[1], &a[2], &a[3]).1,
            inputs,
            &[want[1] as f64],
            0.0,
        );
    }
}
