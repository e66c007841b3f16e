//! The README's `slow_f` and linear algebra under `jit`, timed as
//! `tools/bench/bench_jax.py` times them in JAX (`tools/bench/compare.sh`
//! prints the ratios). Each figure is also printed as
//! `bench: <name> <microseconds>`.

use rjax::numpy as jnp;
use rjax::numpy::linalg::{self, QrMode};
use rjax::{Array, DType, jit, lax};

mod support;
use support::median_us;

fn slow_f(x: Array) -> Array {
    &x * &x + &x * 2.0
}

/// A symmetric positive definite n × n matrix from a fixed ramp, the
/// one the JAX side builds.
fn spd(n: usize) -> Array {
    let i = jnp::arange_f32(0.0, (n * n) as f32, 1.0).reshape(&[n as i64, n as i64]);
    let a = (&i * 0.37).sin() * 0.5;
    jnp::matmul(&a, &a.t()) + jnp::eye(n, None, 0, DType::F32) * n as f64
}

fn report(name: &str, us: f64) {
    println!("bench: {name} {us:.1}");
}

fn main() {
    let x = jnp::ones(&[5000, 5000], DType::F32);
    let fast = jit(slow_f);
    fast.call(x.clone()).unwrap().block_until_ready().unwrap();
    report(
        "slow_f_jit",
        median_us(5, 3, || {
            fast.call(x.clone()).unwrap().block_until_ready().unwrap();
        }),
    );
    report(
        "slow_f_eager",
        median_us(5, 3, || {
            slow_f(x.clone()).block_until_ready().unwrap();
        }),
    );
    type Case = (&'static str, fn(&Array) -> Vec<Array>, &'static [usize]);
    let cases: [Case; 5] = [
        ("cholesky", |a| vec![linalg::cholesky(a)], &[128, 512]),
        (
            "solve",
            |a| {
                let n = a.shape().unwrap()[0];
                vec![linalg::solve(a, &lax::slice(a, &[0, 0], &[n, 1], None))]
            },
            &[128, 512],
        ),
        (
            "qr",
            |a| {
                let (q, r) = linalg::qr(a, QrMode::Reduced);
                vec![q, r]
            },
            &[128, 512],
        ),
        (
            "eigh",
            |a| {
                let (w, v) = linalg::eigh(a);
                vec![w, v]
            },
            &[128, 512],
        ),
        (
            "svd",
            |a| {
                let (u, s, vt) = linalg::svd(a, true);
                vec![u, s, vt]
            },
            &[128, 512],
        ),
    ];
    for (name, f, sizes) in cases {
        let g = jit(move |a: Array| f(&a));
        for &n in sizes {
            let a = spd(n);
            let run = || {
                for out in g.call(a.clone()).unwrap() {
                    out.block_until_ready().unwrap();
                }
            };
            run();
            report(&format!("{name}_{n}"), median_us(3, 1, run));
        }
    }
}
