//! NaN, ±inf and -0.0 through extrema, clip, arg-extrema, sort and
//! reductions, eagerly and under `jit`, with the results JAX 0.10.2 gives on
//! CPU: NaN propagates through `max`/`min`/`maximum`/`minimum`/`clip`,
//! `argmax`/`argmin` return the first NaN, `sort` puts NaN last, and -0.0
//! orders below +0.0 in `maximum`/`minimum`. The sign of a NaN is not
//! compared: it depends on the CPU.

use rjax::numpy as jnp;
use rjax::{Array, DType, jit};

const NAN: f32 = f32::NAN;
const INF: f32 = f32::INFINITY;

/// `f` applied eagerly and under `jit` to f32 arrays of `inputs`.
fn eager_and_jit(f: fn(&[Array]) -> Array, inputs: &[&[f32]]) -> [Array; 2] {
    let arrays: Vec<Array> = inputs
        .iter()
        .map(|v| Array::from_slice(v, &[v.len()]))
        .collect();
    let eager = f(&arrays);
    let jitted = jit(move |xs: Vec<Array>| f(&xs))
        .call(arrays)
        .unwrap_or_else(|e| panic!("jit: {e}"));
    [eager, jitted]
}

/// Same float: NaN for NaN, zeros with their sign, anything else exactly.
fn same(got: f32, want: f32) -> bool {
    if want.is_nan() {
        got.is_nan()
    } else {
        got.to_bits() == want.to_bits()
    }
}

#[track_caller]
fn check(what: &str, f: fn(&[Array]) -> Array, inputs: &[&[f32]], want: &[f32]) {
    for (mode, out) in ["eager", "jit"].iter().zip(eager_and_jit(f, inputs)) {
        let got = out
            .astype(DType::F32)
            .to_vec::<f32>()
            .unwrap_or_else(|e| panic!("{what} ({mode}): {e}"));
        assert!(
            got.len() == want.len() && got.iter().zip(want).all(|(&g, &w)| same(g, w)),
            "{what} ({mode}): got {got:?}, want {want:?}"
        );
    }
}

#[track_caller]
fn check_indices(what: &str, f: fn(&[Array]) -> Array, inputs: &[&[f32]], want: &[i32]) {
    for (mode, out) in ["eager", "jit"].iter().zip(eager_and_jit(f, inputs)) {
        let got = out
            .to_vec::<i32>()
            .unwrap_or_else(|e| panic!("{what}: {e}"));
        assert_eq!(got, want, "{what} ({mode})");
    }
}

fn max_all(x: &[Array]) -> Array {
    jnp::max(&x[0], (), false)
}

fn min_all(x: &[Array]) -> Array {
    jnp::min(&x[0], (), false)
}

#[test]
fn max_and_min_propagate_nan() {
    check("max", max_all, &[&[1.0, NAN, 3.0]], &[NAN]);
    check("min", min_all, &[&[1.0, NAN, 3.0]], &[NAN]);
    check("max of a lone NaN", max_all, &[&[NAN]], &[NAN]);
    check("max of -infs", max_all, &[&[-INF, -INF]], &[-INF]);
    check("min of infs", min_all, &[&[INF, INF]], &[INF]);
    check("max of ±0", max_all, &[&[-0.0, 0.0]], &[0.0]);
    check("max of ±0, swapped", max_all, &[&[0.0, -0.0]], &[0.0]);
    check("min of ±0", min_all, &[&[0.0, -0.0]], &[-0.0]);
    check("min of ±0, swapped", min_all, &[&[-0.0, 0.0]], &[-0.0]);
    check(
        "max over axis 0",
        |x| jnp::max(&x[0].reshape(&[2, 2]), 0, false),
        &[&[1.0, NAN, 2.0, 3.0]],
        &[2.0, NAN],
    );
    check(
        "nanmax ignores NaN",
        |x| jnp::nanmax(&x[0], (), false),
        &[&[1.0, NAN, 3.0]],
        &[3.0],
    );
}

#[test]
fn max_and_min_propagate_nan_in_every_float_dtype() {
    for dtype in [DType::F16, DType::BF16, DType::F64] {
        let x = Array::from_slice(&[1.0f32, NAN, 3.0], &[3]).astype(dtype);
        for (name, r) in [
            ("max", jnp::max(&x, (), false)),
            ("min", jnp::min(&x, (), false)),
        ] {
            let v = r.astype(DType::F32).item::<f32>().unwrap();
            assert!(v.is_nan(), "{name} {dtype:?}: {v}");
        }
        let m = jnp::maximum(&x, &jnp::flip(&x, ()));
        assert!(f32s(&m)[1].is_nan(), "maximum {dtype:?}");
    }
}

fn f32s(a: &Array) -> Vec<f32> {
    a.astype(DType::F32).to_vec::<f32>().unwrap()
}

#[test]
fn maximum_and_minimum_propagate_nan_from_either_side() {
    let maximum = |x: &[Array]| jnp::maximum(&x[0], &x[1]);
    let minimum = |x: &[Array]| jnp::minimum(&x[0], &x[1]);
    check("maximum", maximum, &[&[NAN, 1.0], &[1.0, NAN]], &[NAN, NAN]);
    check("minimum", minimum, &[&[NAN, 1.0], &[1.0, NAN]], &[NAN, NAN]);
    check(
        "maximum with infs",
        maximum,
        &[&[-INF, INF, -INF], &[NAN, NAN, INF]],
        &[NAN, NAN, INF],
    );
    check(
        "maximum of ±0",
        maximum,
        &[&[-0.0, 0.0], &[0.0, -0.0]],
        &[0.0, 0.0],
    );
    check(
        "minimum of ±0",
        minimum,
        &[&[-0.0, 0.0], &[0.0, -0.0]],
        &[-0.0, -0.0],
    );
}

#[test]
fn clip_keeps_nan() {
    check(
        "clip to [0, 1]",
        |x| jnp::clip(&x[0], Some(&Array::weak(0.0)), Some(&Array::weak(1.0))),
        &[&[NAN, -INF, INF, -0.0, 0.5]],
        &[NAN, 0.0, 1.0, 0.0, 0.5],
    );
    check(
        "clip with a NaN bound",
        |x| jnp::clip(&x[0], Some(&Array::weak(f64::NAN)), Some(&Array::weak(1.0))),
        &[&[0.5]],
        &[NAN],
    );
}

#[test]
fn argmax_and_argmin_return_the_first_nan() {
    let argmax = |x: &[Array]| jnp::argmax(&x[0], None, false);
    let argmin = |x: &[Array]| jnp::argmin(&x[0], None, false);
    check_indices("argmax", argmax, &[&[1.0, NAN, 3.0, NAN]], &[1]);
    check_indices("argmin", argmin, &[&[1.0, NAN, 3.0, NAN]], &[1]);
    check_indices("argmax of infs", argmax, &[&[-INF, INF, INF]], &[1]);
    check_indices("argmin of infs", argmin, &[&[INF, -INF, -INF]], &[1]);
    check_indices("argmax of ±0", argmax, &[&[-0.0, 0.0]], &[0]);
    check_indices("argmin of ±0", argmin, &[&[0.0, -0.0]], &[0]);
}

#[test]
fn sort_puts_nan_last_and_keeps_zeros_stable() {
    let x: &[f32] = &[3.0, NAN, -INF, 1.0, INF, -NAN, -0.0, 0.0, -1.0];
    check(
        "sort",
        |x| jnp::sort(&x[0], None),
        &[x],
        &[-INF, -1.0, -0.0, 0.0, 1.0, 3.0, INF, NAN, NAN],
    );
    check_indices(
        "argsort",
        |x| jnp::argsort(&x[0], None),
        &[x],
        &[2, 8, 6, 7, 3, 0, 4, 1, 5],
    );
    let zeros: &[f32] = &[0.0, -0.0, NAN, -NAN, 0.0, 1.0];
    check(
        "sort keeps equal zeros in order",
        |x| jnp::sort(&x[0], None),
        &[zeros],
        &[0.0, -0.0, 0.0, 1.0, NAN, NAN],
    );
    for dtype in [DType::F16, DType::BF16, DType::F64] {
        let x = Array::from_slice(zeros, &[zeros.len()]).astype(dtype);
        let got = jnp::argsort(&x, None).to_vec::<i32>().unwrap();
        assert_eq!(got, vec![0, 1, 4, 5, 2, 3], "argsort {dtype:?}");
    }
}

#[test]
fn sums_and_products_follow_ieee() {
    let sum = |x: &[Array]| jnp::sum(&x[0], (), false);
    let prod = |x: &[Array]| jnp::prod(&x[0], (), false);
    check("sum with NaN", sum, &[&[1.0, NAN]], &[NAN]);
    check("sum of ±inf", sum, &[&[INF, -INF]], &[NAN]);
    check("sum with inf", sum, &[&[INF, 1.0]], &[INF]);
    check("sum of -0s", sum, &[&[-0.0, -0.0]], &[0.0]);
    check("prod of 0 and inf", prod, &[&[0.0, INF]], &[NAN]);
    check("prod of -1 and inf", prod, &[&[-1.0, INF]], &[-INF]);
    check("prod with NaN", prod, &[&[NAN, 0.0]], &[NAN]);
    check("prod of -0 and 1", prod, &[&[-0.0, 1.0]], &[-0.0]);
}

/// Rust's `f32::max` ignores NaN; rjax follows JAX instead. Reading the
/// result back bit for bit shows the NaN came through the device.
#[test]
fn results_reach_the_host_as_nan() {
    let x = Array::from_slice(&[2.0f32, NAN], &[2]);
    let v: f32 = jnp::max(&x, (), false).item().unwrap();
    assert!(v.is_nan() && !f32::max(2.0, NAN).is_nan());
}
