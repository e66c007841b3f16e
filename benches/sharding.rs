//! Sharded programs over the 8 CPU devices: a data-parallel and a
//! tensor-parallel (Megatron column/row) training step of the MLP
//! 784-512-512-10 (tanh, mean squared loss, SGD), batch 128 per device,
//! beside the same step on one device, and the dispatch of a small
//! sharded `jit` call. `tools/bench/sharding_jax.py` runs the same in JAX
//! with `XLA_FLAGS=--xla_force_host_platform_device_count=8`.

use rjax::numpy as jnp;
use rjax::{Array, DType, Mesh, NamedSharding, P, Shardings, device_put, grad, jit};
use std::time::Instant;

mod support;
use support::median_us;

type Params = Vec<Array>;

fn mlp_params() -> Params {
    [784, 512, 512, 10]
        .windows(2)
        .flat_map(|s| {
            [
                jnp::full(&[s[0], s[1]], 0.01f32),
                jnp::zeros(&[s[1]], DType::F32),
            ]
        })
        .collect()
}

fn loss(p: &Params, x: &Array, y: &Array) -> Array {
    let h = (jnp::dot(x, &p[0]) + &p[1]).tanh();
    let h = (jnp::dot(&h, &p[2]) + &p[3]).tanh();
    let d = jnp::dot(&h, &p[4]) + &p[5] - y;
    (&d * &d).mean()
}

fn step((p, x, y): (Params, Array, Array)) -> rjax::Result<Params> {
    let g = grad(|p: Params| loss(&p, &x, &y))(p.clone())?;
    Ok(p.iter().zip(&g).map(|(p, g)| p - &(g * 0.01)).collect())
}

/// First-call and steady-state time of `train` on `args`.
fn time_step<F: Fn((Params, Array, Array)) -> rjax::Result<Params>>(
    what: &str,
    train: &rjax::Jit<F, (Params, Array, Array), rjax::Result<Params>>,
    args: (Params, Array, Array),
) {
    let t = Instant::now();
    train.call(args.clone()).unwrap()[0]
        .block_until_ready()
        .unwrap();
    let first_ms = t.elapsed().as_secs_f64() * 1e3;
    let steady = median_us(11, 10, || {
        train.call(args.clone()).unwrap()[5]
            .block_until_ready()
            .unwrap();
    });
    println!("rjax: {what:<16} first call {first_ms:8.1} ms, steady-state step {steady:9.1} us");
}

fn main() {
    let mesh = Mesh::new(&[8], &["d"]).unwrap();
    let everywhere = NamedSharding::replicated(&mesh);
    let rows = NamedSharding::new(&mesh, P!["d"]).unwrap();
    let x = jnp::ones(&[1024, 784], DType::F32);
    let y = jnp::zeros(&[1024, 10], DType::F32);

    let single = jit(step);
    time_step("one device", &single, (mlp_params(), x.clone(), y.clone()));

    // Data-parallel: parameters replicated, the batch split by rows.
    let data = jit(step)
        .in_shardings(Shardings::each([
            everywhere.clone().into(),
            rows.clone().into(),
            rows.clone().into(),
        ]))
        .out_shardings(everywhere.clone());
    let placed = (
        mlp_params()
            .iter()
            .map(|p| device_put(p, &everywhere))
            .collect(),
        device_put(&x, &rows),
        device_put(&y, &rows),
    );
    time_step("data-parallel", &data, placed);

    // Tensor-parallel: the first layer split by columns, the second by
    // rows, the batch replicated.
    let s = |spec| NamedSharding::new(&mesh, spec).unwrap();
    let layout = vec![
        s(P![None, "d"]),
        s(P!["d"]),
        s(P!["d", None]),
        everywhere.clone(),
        everywhere.clone(),
        everywhere.clone(),
    ];
    let params_spec = Shardings::each(layout.iter().map(Shardings::from));
    let tensor = jit(step)
        .in_shardings(Shardings::each([
            params_spec.clone(),
            everywhere.clone().into(),
            everywhere.clone().into(),
        ]))
        .out_shardings(params_spec);
    let placed = (
        mlp_params()
            .iter()
            .zip(&layout)
            .map(|(p, s)| device_put(p, s))
            .collect(),
        device_put(&x, &everywhere),
        device_put(&y, &everywhere),
    );
    time_step("tensor-parallel", &tensor, placed);

    // Dispatch: x + 1 on f32[8000] split over 8 devices, fed its own
    // sharded output (no copies).
    let f = jit(|x: Array| &x + 1.0).out_shardings(rows.clone());
    let mut v = device_put(&jnp::ones(&[8000], DType::F32), &rows);
    let dispatch = median_us(21, 2000, || {
        v = f.call(v.clone()).unwrap();
        v.block_until_ready().unwrap();
    });
    println!("rjax: sharded jit dispatch (x + 1, f32[8000] over 8 devices) {dispatch:.2} us");
}
