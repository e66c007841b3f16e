//! Sharded arrays and SPMD partitioning over the 8 CPU devices: meshes,
//! `device_put`, `jit` with shardings (data-parallel, Megatron-style
//! tensor-parallel and mixed) against unsharded results, constraints
//! under `grad` and `vmap`, the emitted module, and typed errors.

use crate::common::{array, assert_close, f64s, values};
use rjax::numpy as jnp;
use rjax::{
    Array, DType, ErrorKind, Mesh, NamedSharding, P, PartitionSpec, Shardings, Specs, device_put,
    grad, jit, lax, shard_map, vmap,
};

pub(crate) fn mesh(shape: &[usize], names: &[&str]) -> Mesh {
    Mesh::new(shape, names).unwrap()
}

pub(crate) fn sharding(mesh: &Mesh, spec: PartitionSpec) -> NamedSharding {
    NamedSharding::new(mesh, spec).unwrap()
}

/// Values in [-1, 1) of the given shape, f32.
pub(crate) fn random(shape: &[usize], seed: u64) -> Array {
    let n = shape.iter().product();
    array(&values(n, -1.0, 1.0, seed), shape, DType::F32)
}

/// Every shard holds the slice of the global value its index names (to
/// within `tol`: a partitioned matmul adds in another order).
fn check_shards(x: &Array, want: &Array, tol: f64) {
    let shape = want.shape().unwrap();
    let all = f64s(want);
    for shard in x.addressable_shards().unwrap() {
        let strides: Vec<usize> = (0..shape.len())
            .map(|d| shape[d + 1..].iter().product())
            .collect();
        let mut expected = Vec::new();
        let mut index = vec![0usize; shape.len()];
        let sizes: Vec<usize> = shard.index.iter().map(|r| r.len()).collect();
        for _ in 0..sizes.iter().product::<usize>() {
            let at: usize = (0..shape.len())
                .map(|d| (shard.index[d].start + index[d]) * strides[d])
                .sum();
            expected.push(all[at]);
            for d in (0..shape.len()).rev() {
                index[d] += 1;
                if index[d] < sizes[d] {
                    break;
                }
                index[d] = 0;
            }
        }
        assert_eq!(shard.data.shape().unwrap(), sizes);
        assert_close(&f64s(&shard.data), &expected, tol, "shard contents");
    }
}

#[test]
fn meshes_and_specs() {
    if !crate::common::has_devices(8) {
        return;
    }
    let m = mesh(&[4, 2], &["data", "model"]);
    assert_eq!(m.devices(), (0..8).collect::<Vec<_>>());
    assert_eq!(m.axis_size("data"), Some(4));
    let explicit = Mesh::with_devices(&[2, 2], &["a", "b"], &[7, 5, 3, 1]).unwrap();
    assert_eq!(explicit.devices(), [7, 5, 3, 1]);
    let s = sharding(&m, P![("data", "model"), None]);
    assert_eq!(s.shard_shape(&[16, 3]).unwrap(), [2, 3]);
    assert_eq!(s.spec().to_string(), "P[(data, model), None]");
    let r = NamedSharding::replicated(&m);
    assert_eq!(r.shard_shape(&[5, 3]).unwrap(), [5, 3]);
}

#[test]
fn typed_errors() {
    if !crate::common::has_devices(8) {
        return;
    }
    let m = mesh(&[4, 2], &["data", "model"]);
    let e = NamedSharding::new(&m, P!["batch"]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Axis);
    assert!(e.message.contains("not in the mesh"), "{e}");
    let e = NamedSharding::new(&m, P!["data", ("model", "data")]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Axis);
    assert!(e.message.contains("twice"), "{e}");
    let s = sharding(&m, P!["data"]);
    let e = device_put(&random(&[6, 2], 1), &s).check().unwrap_err();
    assert_eq!((e.kind, e.op.as_str()), (ErrorKind::Shape, "device_put"));
    assert!(e.message.contains("does not split evenly"), "{e}");
    assert!(e.location.unwrap().file().ends_with("sharding.rs"));
    let e = Mesh::new(&[4, 4], &["a", "b"]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Shape);
    assert!(e.message.contains("only 8 exist"), "{e}");
    let e = Mesh::new(&[4, 2], &["a", "a"]).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Axis);
    // A spec longer than the array, and an indivisible argument under jit.
    let f = jit(|x: Array| &x + 1.0).in_shardings(sharding(&m, P!["data", "model"]));
    let e = f.call(random(&[8], 2)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Shape);
    let e = f.call(random(&[8, 3], 2)).unwrap_err();
    assert!(e.message.contains("does not split evenly"), "{e}");
    // Shardings over different devices in one program.
    let other = Mesh::with_devices(&[2], &["x"], &[0, 1]).unwrap();
    let g = jit(|(a, b): (Array, Array)| &a + &b).in_shardings(Shardings::each([
        sharding(&m, P!["data"]).into(),
        sharding(&other, P!["x"]).into(),
    ]));
    let e = g.call((random(&[8], 3), random(&[8], 4))).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Param);
}

#[test]
fn device_put_round_trips_on_each_mesh() {
    if !crate::common::has_devices(8) {
        return;
    }
    let x = random(&[8, 4, 2], 3);
    for (shape, names, spec) in [
        (&[8][..], &["x"][..], P!["x"]),
        (&[4, 2], &["data", "model"], P!["data", "model"]),
        (&[4, 2], &["data", "model"], P![None, None, "model"]),
        (&[2, 2, 2], &["a", "b", "c"], P![("a", "c"), "b"]),
        (&[2, 2, 2], &["a", "b", "c"], P![]),
    ] {
        let s = sharding(&mesh(shape, names), spec);
        let y = device_put(&x, &s);
        assert_eq!(y.sharding().unwrap(), s);
        assert_eq!(y.addressable_shards().unwrap().len(), 8);
        assert_eq!(y.to_vec::<f32>().unwrap(), x.to_vec::<f32>().unwrap());
        check_shards(&y, &x, 0.0);
        // Eager operations on sharded arrays compute the same values.
        assert_close(
            &f64s(&(&y * 2.0 + 1.0)),
            &f64s(&(&x * 2.0 + 1.0)),
            0.0,
            "eager",
        );
        assert_eq!(y.to_string(), x.to_string());
    }
    // Single-device sharding and the sharding of ordinary arrays.
    let one = NamedSharding::single_device(3).unwrap();
    let z = device_put(&x, &one);
    assert_eq!(z.addressable_shards().unwrap()[0].device, 3);
    assert_eq!(x.addressable_shards().unwrap().len(), 1);
    assert_eq!(x.sharding().unwrap().mesh().devices(), [0]);
}

fn matmul_case(mesh: &Mesh, x_spec: PartitionSpec, w_spec: PartitionSpec, out: PartitionSpec) {
    let x = random(&[16, 8], 5);
    let w = random(&[8, 4], 6);
    let want = jnp::matmul(&x, &w);
    let out_sharding = sharding(mesh, out);
    let f = jit(|(x, w): (Array, Array)| jnp::matmul(&x, &w))
        .in_shardings(Shardings::each([
            sharding(mesh, x_spec).into(),
            sharding(mesh, w_spec).into(),
        ]))
        .out_shardings(out_sharding.clone());
    let y = f.call((x, w)).unwrap();
    assert_eq!(y.sharding().unwrap(), out_sharding);
    assert_close(&f64s(&y), &f64s(&want), 1e-5, "sharded matmul");
    check_shards(&y, &want, 1e-5);
}

#[test]
fn matmul_under_each_sharding() {
    if !crate::common::has_devices(8) {
        return;
    }
    let flat = mesh(&[8], &["x"]);
    matmul_case(&flat, P!["x"], P![], P!["x"]);
    matmul_case(&flat, P![None, "x"], P!["x"], P![]);
    let grid = mesh(&[4, 2], &["data", "model"]);
    matmul_case(&grid, P!["data"], P![None, "model"], P!["data", "model"]);
    matmul_case(&grid, P!["data", "model"], P!["model"], P!["data"]);
    let cube = mesh(&[2, 2, 2], &["a", "b", "c"]);
    matmul_case(&cube, P![("a", "b"), "c"], P!["c"], P![("a", "b")]);
}

/// A two-layer MLP with a mean squared loss.
fn mlp_loss((w1, b1, w2, b2): (Array, Array, Array, Array), x: &Array, y: &Array) -> Array {
    let h = (jnp::matmul(x, &w1) + &b1).tanh();
    let out = jnp::matmul(&h, &w2) + &b2;
    jnp::square(&(&out - y)).mean()
}

type Params = (Array, Array, Array, Array);

fn mlp_params() -> Params {
    (
        random(&[8, 16], 11),
        random(&[16], 12),
        random(&[16, 4], 13),
        random(&[4], 14),
    )
}

/// The MLP's loss and gradient under jit with the given shardings equal
/// the unsharded ones.
fn mlp_case(params_spec: Shardings, batch: NamedSharding) {
    let x = random(&[32, 8], 15);
    let y = random(&[32, 4], 16);
    let (want_loss, want_grad) = {
        let (xc, yc) = (x.clone(), y.clone());
        let g = grad(move |p: Params| mlp_loss(p, &xc, &yc))(mlp_params()).unwrap();
        (mlp_loss(mlp_params(), &x, &y), g)
    };
    let step = jit(|(p, x, y): (Params, Array, Array)| {
        let loss = mlp_loss(p.clone(), &x, &y);
        let g = grad(|p: Params| mlp_loss(p, &x, &y))(p)?;
        Ok::<_, rjax::Error>((loss, g))
    })
    .in_shardings(Shardings::each([
        params_spec,
        batch.clone().into(),
        batch.into(),
    ]));
    let (loss, g) = step.call((mlp_params(), x, y)).unwrap();
    assert_close(&f64s(&loss), &f64s(&want_loss), 1e-5, "loss");
    for (got, want) in [
        (g.0, want_grad.0),
        (g.1, want_grad.1),
        (g.2, want_grad.2),
        (g.3, want_grad.3),
    ] {
        assert_close(&f64s(&got), &f64s(&want), 1e-5, "gradient");
    }
}

#[test]
fn mlp_data_tensor_and_mixed_parallel() {
    if !crate::common::has_devices(8) {
        return;
    }
    // Data-parallel over 8 devices: params replicated, batch split.
    let flat = mesh(&[8], &["data"]);
    mlp_case(
        NamedSharding::replicated(&flat).into(),
        sharding(&flat, P!["data"]),
    );
    // Megatron: the first layer split by columns, the second by rows,
    // batch replicated.
    let tp = mesh(&[8], &["model"]);
    mlp_case(
        Shardings::each([
            sharding(&tp, P![None, "model"]).into(),
            sharding(&tp, P!["model"]).into(),
            sharding(&tp, P!["model", None]).into(),
            NamedSharding::replicated(&tp).into(),
        ]),
        NamedSharding::replicated(&tp),
    );
    // Mixed: data over one axis, model over the other.
    let grid = mesh(&[4, 2], &["data", "model"]);
    mlp_case(
        Shardings::each([
            sharding(&grid, P![None, "model"]).into(),
            sharding(&grid, P!["model"]).into(),
            sharding(&grid, P!["model", None]).into(),
            NamedSharding::replicated(&grid).into(),
        ]),
        sharding(&grid, P!["data"]),
    );
    let cube = mesh(&[2, 2, 2], &["a", "b", "c"]);
    mlp_case(
        Shardings::each([
            sharding(&cube, P![None, ("b", "c")]).into(),
            sharding(&cube, P![("b", "c")]).into(),
            sharding(&cube, P![("b", "c"), None]).into(),
            NamedSharding::replicated(&cube).into(),
        ]),
        sharding(&cube, P!["a"]),
    );
}

#[test]
fn sharded_outputs_feed_the_next_call_in_place() {
    if !crate::common::has_devices(8) {
        return;
    }
    let m = mesh(&[4, 2], &["data", "model"]);
    let s = sharding(&m, P!["data", "model"]);
    let x = device_put(&random(&[8, 4], 20), &s);
    // No shardings given: the argument keeps its own.
    let f = jit(|x: Array| &x * 2.0).out_shardings(s.clone());
    let y = f.call(x.clone()).unwrap();
    let z = f.call(y.clone()).unwrap();
    assert_eq!(z.sharding().unwrap(), s);
    assert_close(&f64s(&z), &f64s(&(&x * 4.0)), 0.0, "two calls");
    assert_eq!(f.cache_size(), 1);
    // Another sharding of the same shape is another program.
    let rows = sharding(&m, P!["data"]);
    f.call(device_put(&x, &rows)).unwrap();
    assert_eq!(f.cache_size(), 2);
}

#[test]
fn constraints_compose_with_grad_vmap_and_control_flow() {
    if !crate::common::has_devices(8) {
        return;
    }
    let m = mesh(&[8], &["x"]);
    let rows = sharding(&m, P!["x"]);
    let x = random(&[16, 4], 21);
    let r = rows.clone();
    let f = move |x: Array| lax::with_sharding_constraint(&(&x.sin() * 3.0), &r).sum();
    let want = f64s(&(&x.cos() * 3.0));
    // grad of a constrained function, under jit.
    let g = jit(|x: Array| grad(&f)(x)).call(x.clone()).unwrap();
    assert_close(&f64s(&g), &want, 1e-5, "jit(grad)");
    // vmap over a leading axis leaves it whole.
    let r = rows.clone();
    let v =
        jit(move |xs: Array| vmap(|x: Array| lax::with_sharding_constraint(&(&x * 2.0), &r))(xs))
            .call(random(&[3, 16, 4], 22))
            .unwrap();
    assert_close(
        &f64s(&v),
        &f64s(&(&random(&[3, 16, 4], 22) * 2.0)),
        0.0,
        "vmap",
    );
    // Inside a scan body.
    let r = rows.clone();
    let s = jit(move |x: Array| {
        lax::fori_loop(
            0,
            3,
            |_, c: Array| lax::with_sharding_constraint(&(&c + 1.0), &r),
            x,
        )
    })
    .call(x.clone())
    .unwrap();
    assert_close(&f64s(&s), &f64s(&(&x + 3.0)), 1e-6, "fori_loop");
}

#[test]
fn emitted_module_is_annotated_and_runs() {
    if !crate::common::has_devices(8) {
        return;
    }
    let m = mesh(&[4, 2], &["data", "model"]);
    let blocks = sharding(&m, P!["data", "model"]);
    let f = jit(move |(x, w): (Array, Array)| {
        let h = jnp::matmul(&x, &w);
        lax::with_sharding_constraint(&h.tanh(), &blocks)
    })
    .named("sharded_layer")
    .in_shardings(Shardings::each([
        sharding(&m, P!["data"]).into(),
        sharding(&m, P![None, "model"]).into(),
    ]))
    .out_shardings(sharding(&m, P!["data"]));
    let (x, w) = (random(&[8, 4], 30), random(&[4, 6], 31));
    let lowered = f.lower((x.clone(), w.clone())).unwrap();
    insta::assert_snapshot!("sharded_layer_stablehlo", lowered.as_text());
    let y = f.call((x.clone(), w.clone())).unwrap();
    assert_close(
        &f64s(&y),
        &f64s(&jnp::matmul(&x, &w).tanh()),
        1e-5,
        "module",
    );
}

#[test]
fn shard_map_matches_unsharded_and_pmap() {
    if !crate::common::has_devices(8) {
        return;
    }
    let grid = mesh(&[4, 2], &["data", "model"]);
    let x = random(&[16, 8], 40);
    let w = random(&[8, 4], 41);
    // Batch over "data", the contraction split over "model" (Megatron's
    // row-parallel layer): each device multiplies its blocks, psum adds.
    let layer = shard_map(
        |(x, w): (Array, Array)| lax::psum(&jnp::matmul(&x, &w), "model"),
        &grid,
        Specs::each([P!["data", "model"].into(), P!["model"].into()]),
        P!["data"],
    );
    let want = jnp::matmul(&x, &w);
    let y = layer((x.clone(), w.clone())).unwrap();
    assert_eq!(y.shape().unwrap(), [16, 4]);
    assert_close(&f64s(&y), &f64s(&want), 1e-5, "shard_map");
    // Under jit, and differentiated (eagerly and under jit).
    let jitted = jit(|xw: (Array, Array)| layer(xw))
        .call((x.clone(), w.clone()))
        .unwrap();
    assert_close(&f64s(&jitted), &f64s(&want), 1e-5, "jit(shard_map)");
    let loss = |xw: (Array, Array)| Ok::<_, rjax::Error>(layer(xw)?.tanh().sum());
    let plain = |(x, w): (Array, Array)| jnp::matmul(&x, &w).tanh().sum();
    let (gx, gw) = grad(loss)((x.clone(), w.clone())).unwrap();
    let (wx, ww) = grad(plain)((x.clone(), w.clone())).unwrap();
    assert_close(&f64s(&gx), &f64s(&wx), 1e-5, "grad x");
    assert_close(&f64s(&gw), &f64s(&ww), 1e-5, "grad w");
    let (jx, _) = jit(|xw: (Array, Array)| grad(loss)(xw))
        .call((x.clone(), w.clone()))
        .unwrap();
    assert_close(&f64s(&jx), &f64s(&wx), 1e-5, "jit(grad(shard_map))");
    // The same per-device program as pmap over a one-axis mesh.
    let flat = mesh(&[8], &["i"]);
    let per_device = |x: Array| &x / &lax::psum(&x.sum(), "i");
    let mapped = shard_map(per_device, &flat, P!["i"], P!["i"])(x.clone()).unwrap();
    let pmapped = rjax::pmap_with(per_device, rjax::PmapSpec::default().axis_name("i"))(
        x.reshape(&[8, 2, 8]),
    )
    .unwrap();
    assert_close(&f64s(&mapped), &f64s(&pmapped), 1e-6, "shard_map vs pmap");
    assert_close(
        &f64s(&mapped),
        &f64s(&(&x / &x.sum())),
        1e-5,
        "shard_map vs unsharded",
    );
    // On a [2, 2, 2] mesh: the mean over all devices of each block's sum.
    let cube = mesh(&[2, 2, 2], &["a", "b", "c"]);
    let total = shard_map(
        |x: Array| lax::psum(&lax::psum(&lax::psum(&x.sum(), "a"), "b"), "c"),
        &cube,
        P![("a", "b"), "c"],
        P![],
    )(x.clone())
    .unwrap();
    assert_close(&f64s(&total), &f64s(&x.sum()), 1e-4, "psum over three axes");
}

/// The 784-512-512-10 MLP's cross-entropy on soft labels.
fn classifier_loss(p: &[Array], x: &Array, y: &Array) -> Array {
    let h = (jnp::matmul(x, &p[0]) + &p[1]).tanh();
    let h = (jnp::matmul(&h, &p[2]) + &p[3]).tanh();
    let logits = jnp::matmul(&h, &p[4]) + &p[5];
    -(y * &rjax::nn::log_softmax(&logits, -1)).sum() / 1024.0
}

#[test]
fn data_parallel_training_matches_one_device() {
    if !crate::common::has_devices(8) {
        return;
    }
    let m = mesh(&[8], &["data"]);
    let batch = sharding(&m, P!["data"]);
    let everywhere = NamedSharding::replicated(&m);
    let x = array(&values(1024 * 784, 0.0, 1.0, 50), &[1024, 784], DType::F32);
    let y = rjax::nn::softmax(&random(&[1024, 10], 51), -1);
    let layer = |i: usize, o: usize, seed| {
        let scale = 1.0 / (i as f64).sqrt();
        vec![&random(&[i, o], seed) * scale, jnp::zeros(&[o], DType::F32)]
    };
    let params: Vec<Array> =
        [layer(784, 512, 52), layer(512, 512, 53), layer(512, 10, 54)].concat();
    let step = |(p, x, y): (Vec<Array>, Array, Array)| {
        let (loss, g) =
            rjax::value_and_grad(|p: Vec<Array>| classifier_loss(&p, &x, &y))(p.clone())?;
        let next: Vec<Array> = p.iter().zip(&g).map(|(p, g)| p - &(g * 0.5)).collect();
        Ok::<_, rjax::Error>((loss, next))
    };
    let sharded = jit(step)
        .in_shardings(Shardings::each([
            everywhere.clone().into(),
            batch.clone().into(),
            batch.into(),
        ]))
        .out_shardings(everywhere);
    let single = jit(step);
    let (mut p8, mut p1) = (params.clone(), params);
    let (x8, y8) = (x.clone(), y.clone());
    for _ in 0..3 {
        let (l8, n8) = sharded.call((p8, x8.clone(), y8.clone())).unwrap();
        let (l1, n1) = single.call((p1, x.clone(), y.clone())).unwrap();
        assert_close(&f64s(&l8), &f64s(&l1), 1e-5, "loss");
        assert_eq!(n8[0].addressable_shards().unwrap().len(), 8);
        (p8, p1) = (n8, n1);
    }
}

/// `f` on `x` under jit without out_shardings: the result's sharding is
/// `want` (what JAX 0.10.2 reports, `out.sharding.spec`, for the same
/// program), its shards hold their slices, and it equals `f` unsharded.
fn follows_the_partitioner(f: fn(&Array) -> Array, x: &Array, want: &NamedSharding) {
    let y = jit(move |x: Array| f(&x)).call(x.clone()).unwrap();
    let host = Array::from_slice(&x.to_vec::<f32>().unwrap(), &x.shape().unwrap());
    let unsharded = f(&host);
    assert_eq!(y.sharding().unwrap(), *want);
    check_shards(&y, &unsharded, 1e-6);
}

#[test]
fn unannotated_results_follow_the_partitioner() {
    if !crate::common::has_devices(8) {
        return;
    }
    let flat = mesh(&[8], &["data"]);
    let rows = sharding(&flat, P!["data", None]);
    let x = device_put(&random(&[16, 4], 40), &rows);
    // JAX: P('data', None), P(), P('data',), P(), P(None, 'data').
    follows_the_partitioner(|x| x.tanh() * 2.0, &x, &rows);
    follows_the_partitioner(|x| x.sum(), &x, &NamedSharding::replicated(&flat));
    follows_the_partitioner(|x| jnp::sum(x, 1, false), &x, &sharding(&flat, P!["data"]));
    follows_the_partitioner(
        |x| jnp::sum(x, 0, false),
        &x,
        &NamedSharding::replicated(&flat),
    );
    follows_the_partitioner(|x| x.t(), &x, &sharding(&flat, P![None, "data"]));
    // A result laid out like an argument keeps the argument's spec (JAX:
    // P('data',)).
    let short = sharding(&flat, P!["data"]);
    follows_the_partitioner(|x| x.tanh() * 2.0, &device_put(&x, &short), &short);
    // On a 4x2 grid (JAX: P('data', 'model'), P('model', 'data'),
    // P('data',), P('data',)).
    let grid = mesh(&[4, 2], &["data", "model"]);
    let blocks = sharding(&grid, P!["data", "model"]);
    let g = device_put(&random(&[8, 4], 41), &blocks);
    follows_the_partitioner(|x| x * 2.0, &g, &blocks);
    follows_the_partitioner(|x| x.t(), &g, &sharding(&grid, P!["model", "data"]));
    follows_the_partitioner(|x| x.reshape(&[32]), &g, &sharding(&grid, P!["data"]));
    follows_the_partitioner(|x| jnp::sum(x, 1, false), &g, &sharding(&grid, P!["data"]));
    // Axes combined on one dimension keep their order (JAX: P('b', ('c',
    // 'a')), P('b',), P(('c', 'a'),)).
    let cube = mesh(&[2, 2, 2], &["a", "b", "c"]);
    let c = device_put(&random(&[8, 4], 45), &sharding(&cube, P![("c", "a"), "b"]));
    follows_the_partitioner(|x| x.t(), &c, &sharding(&cube, P!["b", ("c", "a")]));
    follows_the_partitioner(|x| jnp::sum(x, 0, false), &c, &sharding(&cube, P!["b"]));
    let both = sharding(&cube, P![("c", "a")]);
    follows_the_partitioner(|x| jnp::sum(x, 1, false), &c, &both);
    // Blocks no spec over the grid describes (an 8-way split reshaped to
    // 2x4 splits axis `data` across both dimensions) come back replicated
    // (JAX, whose partitioner is Shardy: P()).
    let split = device_put(&random(&[8], 44), &sharding(&grid, P![("data", "model")]));
    let everywhere = NamedSharding::replicated(&grid);
    follows_the_partitioner(|x| x.reshape(&[2, 4]), &split, &everywhere);
}

#[test]
fn partitioned_results_feed_the_next_call_and_given_shardings_win() {
    if !crate::common::has_devices(8) {
        return;
    }
    let m = mesh(&[8], &["data"]);
    let rows = sharding(&m, P!["data", None]);
    let x = device_put(&random(&[16, 4], 42), &rows);
    let f = jit(|x: Array| x.tanh() * 2.0);
    let y = f.call(x.clone()).unwrap();
    let z = f.call(y.clone()).unwrap();
    assert_eq!(z.sharding().unwrap(), rows);
    assert_eq!(f.cache_size(), 1);
    let host = Array::from_slice(&x.to_vec::<f32>().unwrap(), &[16, 4]);
    check_shards(&z, &((host.tanh() * 2.0).tanh() * 2.0), 1e-6);
    // Given out_shardings still decide.
    let everywhere = NamedSharding::replicated(&m);
    let g = jit(|x: Array| x.tanh() * 2.0).out_shardings(everywhere.clone());
    let r = g.call(x.clone()).unwrap();
    assert_eq!(r.sharding().unwrap(), everywhere);
    assert_eq!(
        r.addressable_shards().unwrap()[3].data.shape().unwrap(),
        [16, 4]
    );
    // One result given, one chosen.
    let h = jit(|x: Array| (x.tanh(), &x * 3.0)).out_shardings(Shardings::each([
        everywhere.clone().into(),
        Shardings::NONE,
    ]));
    let (a, b) = h.call(x.clone()).unwrap();
    assert_eq!(a.sharding().unwrap(), everywhere);
    assert_eq!(b.sharding().unwrap(), rows);
    check_shards(&b, &(&host * 3.0), 0.0);
}

#[test]
fn data_parallel_mlp_forward_keeps_the_batch_split() {
    if !crate::common::has_devices(8) {
        return;
    }
    let m = mesh(&[8], &["data"]);
    let batch = sharding(&m, P!["data", None]);
    let (w1, b1, w2, b2) = mlp_params();
    let x = random(&[32, 8], 43);
    let forward = |(w1, b1, w2, b2, x): (Array, Array, Array, Array, Array)| {
        jnp::matmul(&(jnp::matmul(&x, &w1) + &b1).tanh(), &w2) + &b2
    };
    let want = forward((w1.clone(), b1.clone(), w2.clone(), b2.clone(), x.clone()));
    // Parameters on the host (replicated), the batch split by rows.
    let y = jit(forward)
        .call((w1, b1, w2, b2, device_put(&x, &batch)))
        .unwrap();
    // JAX: P('data', None).
    assert_eq!(y.sharding().unwrap(), batch);
    assert_eq!(y.addressable_shards().unwrap()[5].index, [20..24, 0..4]);
    check_shards(&y, &want, 1e-5);
}
