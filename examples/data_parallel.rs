//! Data-parallel training over the CPU devices: the batch is split by rows
//! over a one-axis mesh, the parameters and Adam's state are replicated,
//! and XLA's SPMD partitioner inserts the gradient all-reduce. The same
//! steps on one device give the same losses.
//!
//! ```text
//! cargo run --release --example data_parallel [-- --steps N]
//! ```

use rjax::prelude::*;
use rjax::{Mesh, NamedSharding, P, Shardings, device_count, device_put, idx, random};
use rjax_optim::{GradientTransformation, OptState, adam, apply_updates};

const FEATURES: usize = 32;
const HIDDEN: usize = 64;
const PER_DEVICE_BATCH: usize = 32;

#[derive(Tree, Clone)]
struct Mlp {
    w1: Array,
    b1: Array,
    w2: Array,
    b2: Array,
}

#[derive(Tree, Clone)]
struct TrainState {
    params: Mlp,
    opt_state: OptState,
}

impl Mlp {
    fn init(key: &Array) -> Mlp {
        let keys = random::split(key, 2);
        let layer = |i: usize, fan_in: usize, fan_out: usize| {
            let scale = (1.0 / fan_in as f64).sqrt();
            let w = random::normal(&keys.get(idx![i]), &[fan_in, fan_out], DType::F32) * scale;
            (w, jnp::zeros(&[fan_out], DType::F32))
        };
        let (w1, b1) = layer(0, FEATURES, HIDDEN);
        let (w2, b2) = layer(1, HIDDEN, 1);
        Mlp { w1, b1, w2, b2 }
    }

    /// Mean squared error of a one-hidden-layer tanh network.
    fn loss(&self, x: &Array, y: &Array) -> Array {
        let hidden = (jnp::dot(x, &self.w1) + &self.b1).tanh();
        let predicted = jnp::dot(&hidden, &self.w2) + &self.b2;
        jnp::square(&(predicted - y)).mean()
    }
}

/// A synthetic regression task: `y = sin(x · v)` for a fixed random `v`.
fn data(batch: usize) -> (Array, Array) {
    let keys = random::split(&random::PRNGKey(7), 2);
    let x = random::normal(&keys.get(idx![0]), &[batch, FEATURES], DType::F32);
    let v = random::normal(&keys.get(idx![1]), &[FEATURES, 1], DType::F32) * 0.3;
    let y = jnp::dot(&x, &v).sin();
    (x, y)
}

/// The losses of `steps` Adam steps: on one device, or with the batch split
/// over `mesh`'s `data` axis and the state replicated.
fn train(steps: usize, mesh: Option<&Mesh>) -> rjax::Result<Vec<f32>> {
    let optimizer = adam(1e-2);
    let params = Mlp::init(&random::PRNGKey(0));
    let mut state = TrainState {
        opt_state: optimizer.init(&params)?,
        params,
    };
    let (mut x, mut y) = data(PER_DEVICE_BATCH * device_count()?);
    let mut step = jit(|(state, x, y): (TrainState, Array, Array)| {
        let (loss, grads) = value_and_grad(|p: Mlp| p.loss(&x, &y))(state.params.clone())?;
        let (updates, opt_state) =
            optimizer.update(&grads, &state.opt_state, Some(&state.params))?;
        let params = apply_updates(&state.params, &updates)?;
        Ok((TrainState { params, opt_state }, loss))
    });
    if let Some(mesh) = mesh {
        let rows = NamedSharding::new(mesh, P!["data"])?;
        let replicated = NamedSharding::replicated(mesh);
        x = device_put(&x, &rows);
        y = device_put(&y, &rows);
        step = step
            .in_shardings(Shardings::each([
                replicated.clone().into(),
                rows.clone().into(),
                rows.into(),
            ]))
            .out_shardings(replicated);
    }
    let mut losses = Vec::with_capacity(steps);
    for _ in 0..steps {
        let (next, loss) = step.call((state, x.clone(), y.clone()))?;
        state = next;
        losses.push(loss.item::<f32>()?);
    }
    Ok(losses)
}

fn main() -> rjax::Result<()> {
    let steps = match std::env::args().skip_while(|a| a != "--steps").nth(1) {
        Some(n) => n.parse().unwrap_or(20),
        None => 20,
    };
    let devices = device_count()?;
    let mesh = Mesh::new(&[devices], &["data"])?;
    let sharded = train(steps, Some(&mesh))?;
    let single = train(steps, None)?;
    println!("{devices} devices, batch {}", PER_DEVICE_BATCH * devices);
    println!("step  sharded loss  one-device loss");
    for (i, (a, b)) in sharded.iter().zip(&single).enumerate() {
        println!("{:>4}  {a:>12.6}  {b:>15.6}", i + 1);
    }
    let worst = sharded
        .iter()
        .zip(&single)
        .map(|(a, b)| (a - b).abs() / b.abs().max(1e-6))
        .fold(0.0f32, f32::max);
    println!("largest relative difference: {worst:.2e}");
    Ok(())
}

#[test]
fn sharded_training_matches_one_device() {
    let devices = device_count().unwrap();
    let mesh = Mesh::new(&[devices], &["data"]).unwrap();
    let sharded = train(10, Some(&mesh)).unwrap();
    let single = train(10, None).unwrap();
    assert!(sharded.last() < sharded.first(), "{sharded:?}");
    for (a, b) in sharded.iter().zip(&single) {
        assert!((a - b).abs() <= 1e-5 * b.abs().max(1.0), "{a} vs {b}");
    }
}
