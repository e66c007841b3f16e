//! A training step of a small MLP, jitted, for the `stablehlo-dump`
//! walkthrough (docs/stablehlo-dump.md): run it with `RJAX_DUMP_DIR` set
//! and every program it compiles is written there.
//!
//! ```sh
//! RJAX_DUMP_DIR=/tmp/dump RJAX_DUMP_OPTIMIZED=1 cargo run --example dump_training_step -- 512
//! ```
//!
//! The argument is the hidden layer's width (default 512).

use rjax::nn;
use rjax::prelude::*;

/// Softmax cross-entropy of a 256-HIDDEN-10 MLP on a batch.
fn loss(params: &[Array], x: &Array, y: &Array) -> Array {
    let h = nn::relu(&(x.matmul(&params[0]) + &params[1]));
    let logits = h.matmul(&params[2]) + &params[3];
    (y * &nn::log_softmax(&logits, -1)).sum() * (-1.0 / 64.0)
}

/// One step of plain gradient descent.
fn train_step((params, x, y): (Vec<Array>, Array, Array)) -> rjax::Result<Vec<Array>> {
    let grads = grad(|p: Vec<Array>| loss(&p, &x, &y))(params.clone())?;
    Ok(params
        .iter()
        .zip(&grads)
        .map(|(p, g)| p - &(g * 0.1))
        .collect())
}

fn main() -> rjax::Result<()> {
    let hidden: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse().map_err(|_| {
            rjax::Error::new(
                rjax::ErrorKind::Param,
                "main",
                format!("`{arg}` is not a width"),
            )
        })?,
        None => 512,
    };
    let sample = rjax::catalogue::sample;
    let mut params = vec![
        sample(&[256, hidden], 1) * 0.05,
        jnp::zeros(&[hidden], DType::F32),
        sample(&[hidden, 10], 2) * 0.05,
        jnp::zeros(&[10], DType::F32),
    ];
    let x = sample(&[64, 256], 3);
    let y = nn::softmax(&(sample(&[64, 10], 4) * 4.0), -1);
    let step = jit(train_step).named("train_step");
    for _ in 0..3 {
        params = step.call((params, x.clone(), y.clone()))?;
    }
    println!(
        "loss after 3 steps: {}",
        loss(&params, &x, &y).item::<f32>()?
    );
    Ok(())
}
