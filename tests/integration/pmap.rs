//! pmap over 8 CPU devices: the seed's examples with small shapes, each
//! collective against the host, sharded results, errors.

use crate::common::{array, assert_close, f64s, values};
use rjax::numpy as jnp;
use rjax::{
    Array, AxisSpec, DType, ErrorKind, PmapSpec, VmapSpec, lax, pmap, pmap_with, vmap_with,
};

#[test]
fn the_seed_normalize() {
    if !crate::common::has_devices(8) {
        return;
    }
    let normalize = pmap_with(
        |x: Array| &x / &lax::psum(&x, "i"),
        PmapSpec::default().axis_name("i"),
    );
    let out = normalize(jnp::arange_f32(0.0, 4.0, 1.0)).unwrap();
    assert_eq!(
        out.to_vec::<f32>().unwrap(),
        vec![0.0, 0.16666667, 0.33333334, 0.5]
    );
    assert_eq!(
        out.to_string(),
        "[0.         0.16666667 0.33333334 0.5       ]"
    );
}

#[test]
fn per_device_matmul_and_mean() {
    if !crate::common::has_devices(8) {
        return;
    }
    // The seed's per-device x . x^T and pmap(mean), with small shapes.
    let x = array(&values(8 * 3 * 4, -1.0, 1.0, 1), &[8, 3, 4], DType::F32);
    let y = pmap(|x: Array| jnp::matmul(&x, &x.t()))(x.clone()).unwrap();
    assert_eq!(y.shape().unwrap(), [8, 3, 3]);
    let want = jnp::matmul(&x, &lax::transpose(&x, &[0, 2, 1]));
    assert_close(&f64s(&y), &f64s(&want), 1e-5, "per-device x x^T");
    let m = pmap(|x: Array| x.mean())(y.clone()).unwrap();
    assert_close(
        &f64s(&m),
        &f64s(&jnp::mean(&want, [1, 2], false)),
        1e-5,
        "pmap(mean)",
    );
}

#[test]
fn collectives_against_the_host() {
    if !crate::common::has_devices(8) {
        return;
    }
    let x = array(&values(8 * 2, -1.0, 1.0, 2), &[8, 2], DType::F32);
    let host = f64s(&x);
    let col = |j: usize| (0..8).map(|i| host[i * 2 + j]).collect::<Vec<f64>>();
    let each = |f: fn(Array) -> Array| pmap_with(f, PmapSpec::default().axis_name("i"))(x.clone());
    let sum: Vec<f64> = (0..2).map(|j| col(j).iter().sum()).collect();
    let max: Vec<f64> = (0..2)
        .map(|j| col(j).iter().copied().fold(f64::MIN, f64::max))
        .collect();
    let min: Vec<f64> = (0..2)
        .map(|j| col(j).iter().copied().fold(f64::MAX, f64::min))
        .collect();
    let tile = |v: &[f64]| v.repeat(8);
    assert_close(
        &f64s(&each(|r| lax::psum(&r, "i")).unwrap()),
        &tile(&sum),
        1e-6,
        "psum",
    );
    assert_close(
        &f64s(&each(|r| lax::pmean(&r, "i")).unwrap()),
        &tile(&sum.iter().map(|s| s / 8.0).collect::<Vec<_>>()),
        1e-6,
        "pmean",
    );
    assert_close(
        &f64s(&each(|r| lax::pmax(&r, "i")).unwrap()),
        &tile(&max),
        0.0,
        "pmax",
    );
    assert_close(
        &f64s(&each(|r| lax::pmin(&r, "i")).unwrap()),
        &tile(&min),
        0.0,
        "pmin",
    );
    let gathered = each(|r| lax::all_gather(&r, "i", 0, false)).unwrap();
    assert_eq!(gathered.shape().unwrap(), [8, 8, 2]);
    assert_close(&f64s(&gathered), &host.repeat(8), 0.0, "all_gather");
    assert_eq!(
        each(|r| lax::all_gather(&r, "i", 0, true))
            .unwrap()
            .shape()
            .unwrap(),
        vec![8, 16]
    );
    let idx = each(|r| &r * 0.0 + &lax::axis_index("i").astype(DType::F32)).unwrap();
    assert_eq!(
        f64s(&idx),
        (0..8).flat_map(|i| [i as f64; 2]).collect::<Vec<_>>()
    );
}

#[test]
fn unmapped_arguments_and_matching_vmap() {
    if !crate::common::has_devices(8) {
        return;
    }
    let x = array(&values(4 * 3, -1.0, 1.0, 3), &[4, 3], DType::F32);
    let w = array(&values(3, -1.0, 1.0, 4), &[3], DType::F32);
    let spec = PmapSpec::default()
        .axis_name("i")
        .in_axes(AxisSpec::each([0.into(), AxisSpec::NONE]));
    let f = |(x, w): (Array, Array)| &(&x * &w) / &lax::psum(&(&x * &w).sum(), "i");
    let p = pmap_with(f, spec)((x.clone(), w.clone())).unwrap();
    let v = vmap_with(
        f,
        VmapSpec::default()
            .in_axes(AxisSpec::each([0.into(), AxisSpec::NONE]))
            .axis_name("i"),
    )((x, w))
    .unwrap();
    assert_close(
        &f64s(&p),
        &f64s(&v),
        1e-6,
        "pmap == vmap with the same collectives",
    );
}

#[test]
fn snapshot_of_a_pmapped_psum() {
    if !crate::common::has_devices(8) {
        return;
    }
    let normalize = |x: Array| &x / &lax::psum(&x, "i");
    let lowered = rjax::pmap_lower(
        normalize,
        &PmapSpec::default().axis_name("i"),
        jnp::ones(&[4, 3], DType::F32),
    )
    .unwrap();
    insta::assert_snapshot!("pmap_psum_stablehlo", lowered.as_text());
    assert!(lowered.as_text().contains("mhlo.num_replicas = 4"));
}

#[test]
fn errors() {
    if !crate::common::has_devices(8) {
        return;
    }
    let too_many = pmap(|x: Array| x)(jnp::ones(&[9, 2], DType::F32)).unwrap_err();
    assert_eq!(too_many.kind, ErrorKind::Shape, "{too_many}");
    assert!(too_many.to_string().contains("devices"), "{too_many}");
    let unknown = pmap(|x: Array| lax::psum(&x, "j"))(jnp::ones(&[2], DType::F32)).unwrap_err();
    assert_eq!(unknown.kind, ErrorKind::Axis, "{unknown}");
    assert!(unknown.to_string().contains("`j`"), "{unknown}");
    let outside = lax::axis_index("i").check().unwrap_err();
    assert_eq!(outside.kind, ErrorKind::Axis, "{outside}");
}

#[test]
fn sharded_results_feed_the_next_pmap_and_eager_code() {
    if !crate::common::has_devices(8) {
        return;
    }
    let x = array(&values(8 * 5, -1.0, 1.0, 5), &[8, 5], DType::F32);
    let once = pmap(|r: Array| &r * 2.0)(x.clone()).unwrap();
    let twice = pmap(|r: Array| &r + 1.0)(once.clone()).unwrap();
    assert_close(
        &f64s(&twice),
        &f64s(&(&x * 2.0 + 1.0)),
        1e-6,
        "pmap of a sharded result",
    );
    assert_close(
        &f64s(&(&once * 3.0)),
        &f64s(&(&x * 6.0)),
        1e-6,
        "eager op on a sharded result",
    );
    let w = Array::from_slice(&[1.0f32, 2.0, 3.0, 4.0, 5.0], &[5]);
    let captured = pmap(|r: Array| &r * &w)(x.clone()).unwrap();
    assert_close(
        &f64s(&captured),
        &f64s(&(&x * &w)),
        1e-6,
        "captured constants on every device",
    );
}

/// The seed's nested pmap with grad inside and outside.
fn seed_nested(x: Array) -> rjax::Result<Array> {
    let y = x.sin();
    let g = pmap(|z: Array| &(&z.cos() * &y.sum().tan()) * &x.tanh().sum());
    rjax::grad(|w: Array| Ok(g(w)?.sum()))(x.clone())
}

#[test]
fn the_seed_nested_pmap_with_grad() {
    if !crate::common::has_devices(8) {
        return;
    }
    let x = jnp::arange_f32(0.0, 8.0, 1.0).reshape(&[4, 2]);
    let f = pmap(seed_nested);
    let fx = f(x.clone()).unwrap();
    let want_f = [
        0.0, -0.7170829, -3.1085277, -0.4824334, 10.366485, 13.135097, 0.2216303, -0.5211169,
    ];
    assert_close(&f64s(&fx), &want_f, 1e-5, "f(x)");
    let gx = rjax::grad(|x: Array| Ok(f(x)?.sum()))(x.clone()).unwrap();
    let want_g = [
        -3.2369647, -1.6356438, 4.7571836, 11.607095, -98.52297, 42.765064, -1.6007087, -1.256835,
    ];
    assert_close(&f64s(&gx), &want_g, 1e-5, "grad(sum(f))(x)");
}
