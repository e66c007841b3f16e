//! A small CNN (conv -> relu -> max-pool -> dense -> log_softmax) trains
//! under `jit(value_and_grad)`: its loss falls.

use rjax::lax::{ConvOptions, Padding};
use rjax::numpy as jnp;
use rjax::{Array, DType, Tree, jit, lax, nn, random, value_and_grad};

#[derive(Clone, Tree)]
struct Cnn {
    kernel: Array,
    bias: Array,
    dense: Array,
    dense_bias: Array,
}

fn logits(p: &Cnn, images: &Array) -> Array {
    let opts = ConvOptions {
        padding: Padding::Same,
        ..Default::default()
    }
    .with_layouts("NHWC", "HWIO", "NHWC");
    let h = nn::relu(&(lax::conv_general_dilated(images, &p.kernel, &opts) + &p.bias));
    let pooled = nn::max_pool(&h, &[2, 2], &[2, 2], Padding::Valid);
    let flat = pooled.reshape(&[images.shape().unwrap()[0] as i64, -1]);
    flat.matmul(&p.dense) + &p.dense_bias
}

fn loss(p: &Cnn, images: &Array, labels: &Array) -> Array {
    let log_probs = nn::log_softmax(&logits(p, images), -1);
    -(jnp::sum(&(&log_probs * labels), (), false) / labels.shape().unwrap()[0] as f64)
}

/// 8x8 images of one bright quadrant; the label is the quadrant.
fn data(n: usize) -> (Array, Array) {
    let keys = random::split(&random::key(7), 2);
    let noise = random::uniform(&keys.index(0), &[n, 8, 8, 1], DType::F32, 0.0, 0.3);
    let quadrant: Vec<i32> = (0..n).map(|i| (i % 4) as i32).collect();
    let mut bright = vec![0.0f32; n * 64];
    for (i, &q) in quadrant.iter().enumerate() {
        let (r0, c0) = (4 * (q as usize / 2), 4 * (q as usize % 2));
        for r in r0..r0 + 4 {
            for c in c0..c0 + 4 {
                bright[i * 64 + r * 8 + c] = 1.0;
            }
        }
    }
    let images = Array::from_slice(&bright, &[n, 8, 8, 1]) + noise;
    let labels = nn::one_hot(&Array::from_slice(&quadrant, &[n]), 4, DType::F32);
    (images, labels)
}

#[test]
fn a_small_cnn_trains_under_jit_of_grad() {
    let keys = random::split(&random::key(0), 2);
    let mut params = Cnn {
        kernel: random::normal(&keys.index(0), &[3, 3, 1, 4], DType::F32) * 0.3,
        bias: jnp::zeros(&[4], DType::F32),
        dense: random::normal(&keys.index(1), &[64, 4], DType::F32) * 0.1,
        dense_bias: jnp::zeros(&[4], DType::F32),
    };
    let (images, labels) = data(32);
    let step = jit(|(p, x, y): (Cnn, Array, Array)| value_and_grad(|p: Cnn| loss(&p, &x, &y))(p));
    let mut losses = Vec::new();
    for _ in 0..40 {
        let (l, g) = step
            .call((params.clone(), images.clone(), labels.clone()))
            .unwrap();
        losses.push(l.item::<f32>().unwrap());
        params = Cnn {
            kernel: &params.kernel - &(&g.kernel * 0.5),
            bias: &params.bias - &(&g.bias * 0.5),
            dense: &params.dense - &(&g.dense * 0.5),
            dense_bias: &params.dense_bias - &(&g.dense_bias * 0.5),
        };
    }
    let (first, last) = (losses[0], *losses.last().unwrap());
    assert!(first > 1.2, "chance-level start: {losses:?}");
    assert!(last < 0.3 * first, "the loss falls: {losses:?}");
    let predicted = jnp::argmax(&logits(&params, &images), Some(-1), false);
    let truth = jnp::argmax(&labels, Some(-1), false);
    let accuracy = jnp::mean(&jnp::equal(&predicted, &truth), (), false);
    assert!(
        accuracy.item::<f32>().unwrap() > 0.9,
        "accuracy {accuracy:?}"
    );
}
