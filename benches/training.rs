//! The autodiff workload: grad of the mean-squared loss of an MLP
//! 784-512-512-10 (tanh), batch 128, f32, and an SGD step under `jit`.
//! `tools/bench/compare.sh` runs it beside the same program in JAX.

use rjax::numpy as jnp;
use rjax::{Array, AxisSpec, DType, VmapSpec, grad, jit, vmap_with};
use std::time::Instant;

mod support;
use support::median_us;

type Params = Vec<(Array, Array)>;

/// Weights of 0.01 and zero biases for layers of the given sizes.
fn mlp_params(sizes: &[usize]) -> Params {
    sizes
        .windows(2)
        .map(|s| {
            (
                jnp::full(&[s[0], s[1]], 0.01f32),
                jnp::zeros(&[s[1]], DType::F32),
            )
        })
        .collect()
}

fn predict(params: &Params, x: &Array) -> Array {
    let mut h = x.clone();
    for (i, (w, b)) in params.iter().enumerate() {
        h = jnp::dot(&h, w) + b;
        if i + 1 < params.len() {
            h = h.tanh();
        }
    }
    h
}

fn loss(params: &Params, x: &Array, y: &Array) -> Array {
    let d = predict(params, x) - y;
    (&d * &d).mean()
}

fn step((params, x, y): (Params, Array, Array)) -> rjax::Result<Params> {
    let grads = grad(|p: Params| loss(&p, &x, &y))(params.clone())?;
    Ok(params
        .iter()
        .zip(&grads)
        .map(|((w, b), (gw, gb))| (w - &(gw * 0.01), b - &(gb * 0.01)))
        .collect())
}

fn main() {
    let sizes = [784, 512, 512, 10];
    let params = mlp_params(&sizes);
    let x = jnp::ones(&[128, 784], DType::F32);
    let y = jnp::zeros(&[128, 10], DType::F32);
    let args = (params, x, y);
    let lower = median_us(11, 20, || {
        jit(step).lower(args.clone()).unwrap();
    });
    let train = jit(step);
    let t = Instant::now();
    let first = train.call(args.clone()).unwrap();
    first[0].0.block_until_ready().unwrap();
    let compile_ms = t.elapsed().as_secs_f64() * 1e3;
    let steady = median_us(11, 20, || {
        let p = train.call(args.clone()).unwrap();
        p[2].1.block_until_ready().unwrap();
    });
    println!(
        "rjax: trace+transform+lower {lower:.1} us, first call {compile_ms:.1} ms, steady-state step {steady:.1} us"
    );
    println!("bench: trace_lower {lower:.1}");
    println!("bench: first_call {:.1}", compile_ms * 1e3);
    println!("bench: training_step {steady:.1}");
    per_example_gradients();
}

/// Per-example gradients `jit(vmap(grad(loss)))` of an MLP 784-128-10,
/// batch 128, and the batch gradient for reference.
fn per_example_gradients() {
    let sizes = [784, 128, 10];
    let params = mlp_params(&sizes);
    let x = jnp::ones(&[128, 784], DType::F32);
    let y = jnp::zeros(&[128, 10], DType::F32);
    let spec = VmapSpec::default().in_axes(AxisSpec::each([AxisSpec::NONE, 0.into(), 0.into()]));
    let per_example = jit(vmap_with(
        |(p, x, y): (Params, Array, Array)| {
            grad(|p: Params| loss(&p, &x.reshape(&[1, -1]), &y.reshape(&[1, -1])))(p)
        },
        spec,
    ));
    let batch = jit(|(p, x, y): (Params, Array, Array)| grad(|p: Params| loss(&p, &x, &y))(p));
    let args = (params, x, y);
    per_example.call(args.clone()).unwrap()[0]
        .0
        .block_until_ready()
        .unwrap();
    batch.call(args.clone()).unwrap()[0]
        .0
        .block_until_ready()
        .unwrap();
    let pe = median_us(11, 10, || {
        per_example.call(args.clone()).unwrap()[1]
            .1
            .block_until_ready()
            .unwrap();
    });
    let bg = median_us(11, 10, || {
        batch.call(args.clone()).unwrap()[1]
            .1
            .block_until_ready()
            .unwrap();
    });
    println!("rjax: per-example grads {pe:.1} us, batch grad {bg:.1} us");
    println!("bench: per_example_grads {pe:.1}");
    println!("bench: batch_grad {bg:.1}");
}
