//! The README's tour, in Rust: automatic differentiation with `grad`, and
//! `jit` of an elementwise function on a 5000 x 5000 array compared with
//! running it op by op.
//!
//! Run with `cargo run --release --example quickstart`.

use rjax::prelude::*;
use std::time::Instant;

fn slow_f(x: Array) -> Array {
    // Element-wise ops see a large benefit from fusion
    &x * &x + &x * 2.0
}

/// The README's `vmap` section: an unbatched `predict` mapped over a batch,
/// and per-example gradients whose sum is the batch gradient.
fn vectorization() -> rjax::Result<()> {
    type Params = Vec<(Array, Array)>;
    fn predict(params: &Params, input_vec: &Array) -> Array {
        let mut activations = input_vec.clone();
        let mut outputs = activations.clone();
        for (w, b) in params {
            outputs = jnp::dot(w, &activations) + b; // `activations` on the right-hand side!
            activations = outputs.tanh();
        }
        outputs
    }
    fn loss(params: &Params, x: &Array, y: &Array) -> Array {
        let d = predict(params, x) - y;
        (&d * &d).sum()
    }
    let sample = |shape: &[usize], seed: u32| rjax::catalogue::sample(shape, seed);
    let params: Params = vec![
        (sample(&[8, 4], 1), sample(&[8], 2)),
        (sample(&[2, 8], 3), sample(&[2], 4)),
    ];
    let inputs = sample(&[16, 4], 5);
    let targets = sample(&[16, 2], 6);
    let shared = rjax::AxisSpec::NONE;
    let spec = rjax::VmapSpec::default().in_axes(rjax::AxisSpec::each([shared.clone(), 0.into()]));
    let batched = rjax::vmap_with(|(p, x): (Params, Array)| predict(&p, &x), spec)((
        params.clone(),
        inputs.clone(),
    ))?;
    let looped = jnp::stack(
        &(0..16)
            .map(|i| {
                predict(
                    &params,
                    &lax::squeeze(&lax::slice(&inputs, &[i, 0], &[i + 1, 4], None), &[0]),
                )
            })
            .collect::<Vec<_>>(),
        0,
    );
    let err = jnp::max(&(&batched - &looped).abs(), (), false).item::<f32>()?;
    println!("vmap(predict) over a batch of 16 vs a loop: max |difference| = {err:.1e}");

    let spec =
        rjax::VmapSpec::default().in_axes(rjax::AxisSpec::each([shared, 0.into(), 0.into()]));
    let per_example_grads = jit(rjax::vmap_with(
        |(p, x, y): (Params, Array, Array)| grad(|p: Params| loss(&p, &x, &y))(p),
        spec,
    ));
    let grads = per_example_grads.call((params.clone(), inputs.clone(), targets.clone()))?;
    let batch_grad = grad(|p: Params| {
        let losses = rjax::vmap(|(x, y): (Array, Array)| loss(&p, &x, &y))((
            inputs.clone(),
            targets.clone(),
        ))?;
        Ok(losses.sum())
    })(params)?;
    let err = jnp::max(
        &(jnp::sum(&grads[0].0, 0, false) - &batch_grad[0].0).abs(),
        (),
        false,
    )
    .item::<f32>()?;
    println!(
        "jit(vmap(grad(loss))): per-example W1 grads {:?}, their sum vs the batch gradient: max |difference| = {err:.1e}\n",
        grads[0].0.shape()?
    );
    Ok(())
}

/// The README's `pmap` section on the 8 CPU devices the plugin provides.
fn parallel() -> rjax::Result<()> {
    use rjax::{PmapSpec, pmap, pmap_with, random};
    println!("SPMD with pmap over 8 devices:");
    // One random matrix per device (the README's are 5000 x 6000; smaller
    // here so that the demo runs in seconds on a CPU).
    let keys = random::split(&random::PRNGKey(0), 8);
    let mats = pmap(|key: Array| random::normal(&key, &[500, 600], DType::F32))(keys)?;
    let result = pmap(|x: Array| jnp::matmul(&x, &x.t()))(mats)?;
    println!("  result.shape = {:?}", result.shape()?);
    println!(
        "  pmap(mean)(result) = {}",
        pmap(|x: Array| x.mean())(result)?
    );

    let normalize = pmap_with(
        |x: Array| &x / &lax::psum(&x, "i"),
        PmapSpec::default().axis_name("i"),
    );
    println!(
        "  normalize(arange(4.)) = {}",
        normalize(jnp::arange_f32(0.0, 4.0, 1.0))?
    );

    // Nested pmap (a 2-D device grid), differentiated inside and outside.
    let f = pmap(|x: Array| {
        let y = x.sin();
        let g = pmap(|z: Array| &(&z.cos() * &y.sum().tan()) * &x.tanh().sum());
        grad(|w: Array| Ok(g(w)?.sum()))(x.clone())
    });
    let x = jnp::arange_f32(0.0, 8.0, 1.0).reshape(&[4, 2]);
    println!("  f(x) =\n{}", f(x.clone())?);
    println!(
        "  grad(sum(f))(x) =\n{}\n",
        grad(|x: Array| Ok(f(x)?.sum()))(x)?
    );
    Ok(())
}

/// Median wall time of `runs` calls of `f`, in milliseconds.
fn time_ms(runs: usize, mut f: impl FnMut() -> rjax::Result<()>) -> rjax::Result<f64> {
    let mut times = Vec::with_capacity(runs);
    for _ in 0..runs {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(f64::total_cmp);
    Ok(times[runs / 2])
}

fn tanh(x: Array) -> Array {
    x.tanh()
}

fn abs_val(x: Array) -> Array {
    // Ordinary Rust control flow on concrete values works under grad.
    if x.gt(0.0).item::<bool>().unwrap_or(false) {
        x
    } else {
        -x
    }
}

fn main() -> rjax::Result<()> {
    println!("Automatic differentiation with grad:");
    let x = Array::scalar(1.0f32);
    println!("  grad(tanh)(1.0)             = {}", grad(tanh)(x.clone())?);
    println!(
        "  grad(grad(grad(tanh)))(1.0) = {}",
        grad(grad(grad(tanh)))(x.clone())?
    );
    println!(
        "  hessian(tanh)(1.0)          = {}",
        hessian(tanh)(x.clone())?
    );
    let dabs = grad(abs_val);
    println!(
        "  grad(abs_val)(1.0), (-1.0)  = {}, {}",
        dabs(x.clone())?,
        dabs(Array::scalar(-1.0f32))?
    );
    println!();

    vectorization()?;
    parallel()?;

    let x = jnp::ones(&[5000, 5000], DType::F32);
    let fast_f = jit(slow_f).named("slow_f");

    println!(
        "make_jaxpr(slow_f)(x):\n{}\n",
        make_jaxpr(slow_f, x.clone())?
    );
    println!(
        "jit(slow_f).lower(x).as_text():\n{}",
        fast_f.lower(x.clone())?.as_text()
    );

    let y = fast_f.call(x.clone())?;
    let corner = lax::slice(&y, &[0, 0], &[3, 3], None);
    println!("fast_f(x)[:3, :3] =\n{corner}");
    assert_eq!(slow_f(x.clone()).to_vec::<f32>()?[..3], [3.0, 3.0, 3.0]);

    let jit_ms = time_ms(30, || {
        fast_f.call(x.clone())?.block_until_ready().map(|_| ())
    })?;
    let eager_ms = time_ms(30, || slow_f(x.clone()).block_until_ready().map(|_| ()))?;
    println!("\nx = ones((5000, 5000)), median of 30 runs:");
    println!("  fast_f(x)  (jit, one fused program): {jit_ms:8.2} ms");
    println!("  slow_f(x)  (eager, op by op):        {eager_ms:8.2} ms");
    println!("  jit speed-up: {:.1}x", eager_ms / jit_ms);
    Ok(())
}
