//! `shard_map` and `pmap` inside a partitioned `jit` (over sharded
//! arrays, with `in_shardings`, or naming the mesh itself): the call is a
//! manual region of the partitioned program, its collectives over
//! partition ids. Results equal the unsharded computation, gradients
//! too; the emitted module is snapshotted and run; what the manual form
//! cannot express is a typed error.

use crate::common::{assert_close, f64s};
use crate::sharding::{mesh, random, sharding};
use rjax::numpy as jnp;
use rjax::{
    Array, DType, ErrorKind, Mesh, NamedSharding, P, PmapSpec, Shardings, Specs, device_put, grad,
    jit, lax, pmap_with, shard_map,
};

/// Each block divided by the sum of all blocks, plus the whole array's
/// first rows gathered on every device (over a one-axis mesh).
fn normalize_and_gather(x: Array) -> Result<(Array, Array), rjax::Error> {
    let total = lax::psum(&x.sum(), "i");
    let gathered = lax::all_gather(&x, "i", 0, true);
    Ok((&x / &total, gathered))
}

#[test]
fn shard_map_in_jit_over_batch_sharded_input_on_eight_devices() {
    if !crate::common::has_devices(8) {
        return;
    }
    let flat = mesh(&[8], &["i"]);
    let x = random(&[16, 4], 60);
    let per_device = shard_map(
        normalize_and_gather,
        &flat,
        P!["i"],
        Specs::each([P!["i"].into(), P![].into()]),
    );
    let want = (&x / &x.sum(), x.clone());
    // The argument is a sharded array: the program is partitioned.
    let sharded_x = device_put(&x, &sharding(&flat, P!["i"]));
    let f = jit(|x: Array| per_device(x));
    let (y, g) = f.call(sharded_x).unwrap();
    assert_close(&f64s(&y), &f64s(&want.0), 1e-4, "psum");
    assert_close(&f64s(&g), &f64s(&want.1), 0.0, "all_gather");
    assert!(
        f.lower(x.clone())
            .unwrap()
            .as_text()
            .contains("@SPMDFullToShardShape")
    );
    // With in_shardings, and on an unsharded argument (shard_map names
    // the mesh).
    let (y, _) = jit(|x: Array| per_device(x))
        .in_shardings(sharding(&flat, P!["i"]))
        .call(x.clone())
        .unwrap();
    assert_close(&f64s(&y), &f64s(&want.0), 1e-4, "in_shardings");
    let (y, g) = f.call(x.clone()).unwrap();
    assert_close(&f64s(&y), &f64s(&want.0), 1e-4, "unsharded argument");
    assert_close(&f64s(&g), &f64s(&want.1), 0.0, "unsharded all_gather");
}

/// Megatron's row-parallel layer on a [4, 2] mesh: the batch over
/// "data", the contraction over "model", psum adding the partial products.
fn row_parallel(grid: &Mesh) -> impl Fn((Array, Array)) -> Result<Array, rjax::Error> {
    shard_map(
        |(x, w): (Array, Array)| lax::psum(&jnp::matmul(&x, &w), "model"),
        grid,
        Specs::each([P!["data", "model"].into(), P!["model"].into()]),
        P!["data"],
    )
}

#[test]
fn shard_map_in_jit_over_a_two_axis_mesh_and_its_grad() {
    if !crate::common::has_devices(8) {
        return;
    }
    let grid = mesh(&[4, 2], &["data", "model"]);
    let (x, w) = (random(&[16, 8], 61), random(&[8, 4], 62));
    let layer = row_parallel(&grid);
    let in_shardings = Shardings::each([
        sharding(&grid, P!["data"]).into(),
        NamedSharding::replicated(&grid).into(),
    ]);
    let y = jit(|xw: (Array, Array)| layer(xw))
        .in_shardings(in_shardings.clone())
        .call((x.clone(), w.clone()))
        .unwrap();
    assert_close(&f64s(&y), &f64s(&jnp::matmul(&x, &w)), 1e-5, "layer");
    // The gradient through the manual region, under the partitioned jit.
    let loss = |xw: (Array, Array)| Ok::<_, rjax::Error>(layer(xw)?.tanh().sum());
    let plain = |(x, w): (Array, Array)| jnp::matmul(&x, &w).tanh().sum();
    let (gx, gw) = jit(|xw: (Array, Array)| grad(loss)(xw))
        .in_shardings(in_shardings)
        .call((x.clone(), w.clone()))
        .unwrap();
    let (wx, ww) = grad(plain)((x, w)).unwrap();
    assert_close(&f64s(&gx), &f64s(&wx), 1e-5, "grad x");
    assert_close(&f64s(&gw), &f64s(&ww), 1e-5, "grad w");
}

#[test]
fn every_collective_in_a_manual_region_matches_the_replica_form() {
    if !crate::common::has_devices(8) {
        return;
    }
    let grid = mesh(&[4, 2], &["data", "model"]);
    let body = |x: Array| {
        let shifted = lax::ppermute(&x, "data", &[(0, 1), (1, 2), (2, 3), (3, 0)]);
        let scattered = lax::psum_scatter(&x, "data", 0, true);
        let swapped = lax::all_to_all(&x, "data", 0, 0, true);
        let index = lax::axis_index("data").astype(DType::F32) * 10.0
            + lax::axis_index("model").astype(DType::F32);
        (shifted + &index, scattered, swapped)
    };
    let spec = || P!["data", "model"];
    let mapped = shard_map(
        body,
        &grid,
        spec(),
        Specs::each([spec().into(), spec().into(), spec().into()]),
    );
    let x = random(&[32, 4], 63);
    // Eagerly, shard_map runs in the replica form.
    let want = mapped(x.clone()).unwrap();
    let got = jit(|x: Array| mapped(x))
        .in_shardings(sharding(&grid, P!["data"]))
        .call(x)
        .unwrap();
    assert_close(&f64s(&got.0), &f64s(&want.0), 0.0, "ppermute, axis_index");
    assert_close(&f64s(&got.1), &f64s(&want.1), 1e-6, "psum_scatter");
    assert_close(&f64s(&got.2), &f64s(&want.2), 0.0, "all_to_all");
}

#[test]
fn pmap_in_a_partitioned_jit() {
    if !crate::common::has_devices(8) {
        return;
    }
    let flat = mesh(&[8], &["i"]);
    let x = random(&[8, 3], 64);
    let normalize = pmap_with(
        |row: Array| &row / &lax::psum(&row.sum(), "i"),
        PmapSpec::default().axis_name("i"),
    );
    let y = jit(|x: Array| normalize(x))
        .in_shardings(sharding(&flat, P!["i"]))
        .call(x.clone())
        .unwrap();
    assert_close(&f64s(&y), &f64s(&(&x / &x.sum())), 1e-6, "pmap");
    // Without shardings, the program is partitioned over the pmap's
    // devices.
    let y = jit(|x: Array| normalize(x)).call(x.clone()).unwrap();
    assert_close(&f64s(&y), &f64s(&(&x / &x.sum())), 1e-6, "jit(pmap)");
    // Over 4 of the program's 8 devices: the manual form cannot say it.
    let half = pmap_with(|row: Array| &row * 2.0, PmapSpec::default());
    let err = jit(|x: Array| half(x.reshape(&[4, 6])))
        .in_shardings(sharding(&flat, P!["i"]))
        .call(x)
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Param);
    assert!(err.message.contains("share their devices"), "{err}");
}

#[test]
fn shard_map_on_other_devices_than_the_arguments_is_an_error() {
    if !crate::common::has_devices(8) {
        return;
    }
    let reversed: Vec<usize> = (0..8).rev().collect();
    let other = Mesh::with_devices(&[8], &["i"], &reversed).unwrap();
    let default_order = mesh(&[8], &["i"]);
    let per_device = shard_map(
        |x: Array| lax::psum(&x, "i"),
        &default_order,
        P!["i"],
        P!["i"],
    );
    let err = jit(|x: Array| per_device(x))
        .in_shardings(sharding(&other, P!["i"]))
        .call(random(&[8], 65))
        .unwrap_err();
    assert_eq!(err.kind, ErrorKind::Param);
    // On its own mesh's devices, in any order, it runs.
    let on_other = shard_map(|x: Array| lax::psum(&x, "i"), &other, P!["i"], P!["i"]);
    let x = random(&[8], 66);
    let y = jit(|x: Array| on_other(x))
        .in_shardings(sharding(&other, P!["i"]))
        .call(x.clone())
        .unwrap();
    assert_close(&f64s(&y), &[f64s(&x.sum())[0]; 8], 1e-5, "reversed mesh");
}

#[test]
fn emitted_manual_region_is_snapshotted_and_runs() {
    if !crate::common::has_devices(8) {
        return;
    }
    let grid = mesh(&[4, 2], &["data", "model"]);
    let per_device = shard_map(
        |x: Array| {
            let gathered = lax::all_gather(&x, "model", 1, true);
            &gathered * &lax::psum(&lax::psum(&x.sum(), "data"), "model")
        },
        &grid,
        P!["data", "model"],
        P!["data"],
    );
    let f = jit(|x: Array| per_device(x))
        .named("manual_region")
        .in_shardings(sharding(&grid, P!["data"]));
    let x = random(&[8, 4], 67);
    insta::assert_snapshot!(
        "manual_region_stablehlo",
        f.lower(x.clone()).unwrap().as_text()
    );
    let y = f.call(x.clone()).unwrap();
    assert_close(&f64s(&y), &f64s(&(&x * &x.sum())), 1e-5, "module");
}
