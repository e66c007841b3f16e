//! Host-overhead benchmarks: raw PJRT dispatch vs `jit` dispatch, eager
//! dispatch, and trace + lower of an MLP. Run with `cargo bench --bench
//! dispatch`; results are recorded in docs/benchmarks.md.

use rjax::numpy as jnp;
use rjax::{Array, DType, jit};
use rjax_pjrt::{Client, ClientOptions, CompileOptions, ElementType, Plugin};
use std::path::PathBuf;
use std::time::Instant;

mod support;
use support::median_us;

fn raw_client() -> Client {
    let path = std::env::var_os("RJAX_PJRT_PLUGIN")
        .map(PathBuf::from)
        .or(option_env!("RJAX_DEFAULT_PJRT_PLUGIN").map(PathBuf::from))
        .expect("a PJRT plugin");
    let plugin = Plugin::load(&path).expect("plugin");
    Client::new(
        plugin,
        &ClientOptions {
            cpu_device_count: Some(1),
            asynchronous: Some(false),
        },
    )
    .expect("client")
}

fn mlp(params: &[(Array, Array)], x: &Array) -> Array {
    let mut h = x.clone();
    for (i, (w, b)) in params.iter().enumerate() {
        let z = jnp::dot(&h, w) + b;
        h = if i + 1 < params.len() { z.tanh() } else { z };
    }
    h
}

fn main() {
    let f = jit(|x: Array| &x + 1.0);
    let x = jnp::ones(&[1000], DType::F32);
    let text = f.lower(x.clone()).unwrap().as_text().to_string();

    let client = raw_client();
    let exe = client.compile(&text, &CompileOptions::default()).unwrap();
    let buf = client
        .buffer_from_host(&vec![0u8; 4000], ElementType::F32, &[1000], 0)
        .unwrap();
    let raw = median_us(21, 20_000, || {
        let out = exe.execute(&[&[&buf]]).unwrap();
        out[0][0].block_until_ready().unwrap();
    });
    let jitted = median_us(21, 20_000, || {
        f.call(x.clone()).unwrap().block_until_ready().unwrap();
    });
    let eager = median_us(21, 20_000, || {
        (&x + 1.0).block_until_ready().unwrap();
    });
    println!("x + 1 on f32[1000], call + wait until ready (median):");
    println!("  raw PJRT execute + await    {raw:7.2} us");
    println!(
        "  jit dispatch                {jitted:7.2} us  ({:.2} x raw)",
        jitted / raw
    );
    println!("  eager                       {eager:7.2} us");
    println!("bench: raw_dispatch {raw:.2}");
    println!("bench: jit_dispatch {jitted:.2}");
    println!("bench: eager_dispatch {eager:.2}");

    let sizes = [784, 512, 512, 10];
    let params: Vec<(Array, Array)> = sizes
        .windows(2)
        .map(|s| {
            (
                jnp::ones(&[s[0], s[1]], DType::F32),
                jnp::zeros(&[s[1]], DType::F32),
            )
        })
        .collect();
    let batch = jnp::ones(&[128, 784], DType::F32);
    let lower = median_us(11, 50, || {
        let forward = jit(|(p, x): (Vec<(Array, Array)>, Array)| mlp(&p, &x));
        forward.lower((params.clone(), batch.clone())).unwrap();
    });
    let forward = jit(|(p, x): (Vec<(Array, Array)>, Array)| mlp(&p, &x));
    let t = Instant::now();
    forward
        .call((params.clone(), batch.clone()))
        .unwrap()
        .block_until_ready()
        .unwrap();
    let first = t.elapsed().as_secs_f64() * 1e3;
    let steady = median_us(11, 20, || {
        forward
            .call((params.clone(), batch.clone()))
            .unwrap()
            .block_until_ready()
            .unwrap();
    });
    println!("MLP forward 784-512-512-10 (tanh), batch 128, f32:");
    println!("  trace + lower               {lower:7.1} us");
    println!("  first call (with compile)   {first:7.1} ms");
    println!("  steady-state call           {steady:7.1} us");
    pmap_dispatch();
    vmap_of_jit();
    host_callback();
}

/// A jitted scalar function with one `pure_callback`, against the same
/// function without it: the cost of one trip to the host and back.
fn host_callback() {
    let with = jit(|x: Array| {
        let id = |a: &[rjax::HostArray]| Ok(vec![a[0].clone()]);
        let out = rjax::pure_callback(id, &[rjax::AVal::new(vec![], DType::F32)], &[&x])?;
        Ok::<_, rjax::Error>(out[0].clone())
    });
    let without = jit(|x: Array| &x + 0.0);
    let x = Array::scalar(1.0f32);
    let timed = |g: &dyn Fn() -> Array| {
        median_us(21, 2_000, || {
            g().block_until_ready().unwrap();
        })
    };
    let with = timed(&|| with.call(x.clone()).unwrap());
    let without = timed(&|| without.call(x.clone()).unwrap());
    println!("jit call of a scalar function (median):");
    println!("  with one pure_callback      {with:7.2} us");
    println!("  without                     {without:7.2} us");
}

/// `vmap` of a jitted function outside `jit`: one batched program per
/// call, against the same function batched primitive by primitive.
fn vmap_of_jit() {
    let w = jnp::ones(&[64, 64], DType::F32);
    let layer = move |x: Array| (jnp::dot(&x, &w) + 1.0).tanh().sum();
    let jitted = jit(layer.clone());
    let x = jnp::ones(&[128, 64], DType::F32);
    let of_jit = median_us(11, 200, || {
        rjax::vmap(|x: Array| jitted.call(x))(x.clone())
            .unwrap()
            .block_until_ready()
            .unwrap();
    });
    let op_by_op = median_us(11, 50, || {
        rjax::vmap(layer.clone())(x.clone())
            .unwrap()
            .block_until_ready()
            .unwrap();
    });
    let outer = jit(rjax::vmap(layer.clone()));
    let jit_of_vmap = median_us(11, 200, || {
        outer.call(x.clone()).unwrap().block_until_ready().unwrap();
    });
    println!("vmap of sum(tanh(x @ w + 1)) over f32[128,64] (median):");
    println!("  vmap(jit(f)), eager          {of_jit:8.1} us  (one batched program)");
    println!("  vmap(f), eager               {op_by_op:8.1} us  (primitive by primitive)");
    println!("  jit(vmap(f))                 {jit_of_vmap:8.1} us");
}

/// pmap over 8 CPU devices: dispatch of a tiny function against 8 jit
/// dispatches, and an all-reduce of 8 x 1 MB.
fn pmap_dispatch() {
    let tiny = rjax::pmap(|x: Array| &x + 1.0);
    let x8 = jnp::ones(&[8, 1000], DType::F32);
    let pmapped = median_us(11, 200, || {
        tiny(x8.clone()).unwrap().block_until_ready().unwrap();
    });
    let resident = tiny(x8.clone()).unwrap();
    let chained = median_us(11, 200, || {
        tiny(resident.clone()).unwrap().block_until_ready().unwrap();
    });
    let f = jit(|x: Array| &x + 1.0);
    let x = jnp::ones(&[1000], DType::F32);
    let eight_jits = median_us(11, 2000, || {
        for _ in 0..8 {
            f.call(x.clone()).unwrap().block_until_ready().unwrap();
        }
    });
    let reduce = rjax::pmap_with(
        |x: Array| rjax::lax::psum(&x, "i"),
        rjax::PmapSpec::default().axis_name("i"),
    );
    let big = jnp::ones(&[8, 262_144], DType::F32);
    let all_reduce = median_us(11, 20, || {
        reduce(big.clone()).unwrap().block_until_ready().unwrap();
    });
    println!("pmap over 8 CPU devices (call + wait until ready, median):");
    println!(
        "  pmap(x + 1), f32[8,1000]      {pmapped:8.1} us  (includes splitting the host array over devices)"
    );
    println!("  pmap(x + 1) on its own output {chained:8.1} us  (already sharded: no copies)");
    println!("  8 x jit(x + 1), f32[1000]     {eight_jits:8.1} us");
    println!("  psum of 8 x 1 MB (f32[8,262144]) {all_reduce:8.1} us");
}
