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
    println!("  grad(tanh)(1.0)             = {}", grad(tanh)(x.clone()));
    println!(
        "  grad(grad(grad(tanh)))(1.0) = {}",
        grad(grad(grad(tanh)))(x.clone())
    );
    println!(
        "  hessian(tanh)(1.0)          = {}",
        hessian(tanh)(x.clone())
    );
    let dabs = grad(abs_val);
    println!(
        "  grad(abs_val)(1.0), (-1.0)  = {}, {}",
        dabs(x.clone()),
        dabs(Array::scalar(-1.0f32))
    );
    println!();

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
