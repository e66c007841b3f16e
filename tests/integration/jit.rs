//! jit: staging, caching, lowering, composition and steady-state behaviour.

use crate::common::{assert_close, f64s};
use rjax::numpy as jnp;
use rjax::{Array, DType, jit, lax, make_jaxpr};

fn slow_f(x: Array) -> Array {
    &x * &x + &x * 2.0
}

#[test]
fn the_readme_example() {
    let x = jnp::ones(&[50, 50], DType::F32);
    let fast_f = jit(slow_f);
    assert_eq!(
        fast_f.call(x.clone()).unwrap().to_vec::<f32>().unwrap(),
        vec![3.0; 2500]
    );
    assert_eq!(slow_f(x).to_vec::<f32>().unwrap(), vec![3.0; 2500]);
}

#[test]
fn compiles_once_per_signature() {
    let f = jit(|x: Array| x.sin());
    for _ in 0..3 {
        f.call(jnp::ones(&[3], DType::F32)).unwrap();
    }
    assert_eq!(f.cache_size(), 1);
    f.call(jnp::ones(&[4], DType::F32)).unwrap();
    f.call(jnp::ones(&[3], DType::F64)).unwrap();
    assert_eq!(f.cache_size(), 3);
}

#[test]
fn the_cache_keeps_the_most_recently_used_programs_and_frees_the_rest() {
    let f = jit(|x: Array| &x * 2.0).cache_capacity(3);
    let call = |n: usize| {
        let out = f.call(jnp::ones(&[n], DType::F32)).unwrap();
        assert_eq!(out.to_vec::<f32>().unwrap(), vec![2.0; n]);
    };
    for n in 1..=12 {
        call(n);
        assert!(
            f.cache_size() <= 3 && f.live_programs() <= 3,
            "after {n} shapes"
        );
    }
    assert_eq!((f.cache_size(), f.live_programs()), (3, 3));
    call(10);
    call(1);
    call(12);
    assert_eq!((f.cache_size(), f.live_programs()), (3, 3));
    assert_eq!(rjax::JIT_CACHE_CAPACITY, 64);
}

#[test]
fn jit_static_keeps_a_bounded_number_of_static_values() {
    let scale = rjax::jit_static(|k: &u32, x: Array| &x * (*k as f64));
    for k in 0..(rjax::JIT_CACHE_CAPACITY as u32 + 8) {
        let y = scale.call(k, Array::scalar(1.0f32)).unwrap();
        assert_eq!(y.item::<f32>().unwrap(), k as f32);
    }
    assert_eq!(scale.cache_size(), rjax::JIT_CACHE_CAPACITY);
}

#[test]
fn concurrent_first_calls_trace_and_compile_once() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let traces = AtomicUsize::new(0);
    let fs: Vec<_> = (0..20)
        .map(|k| {
            let traces = &traces;
            jit(move |x: Array| {
                traces.fetch_add(1, Ordering::SeqCst);
                &x * (k as f64)
            })
        })
        .collect();
    std::thread::scope(|s| {
        for _ in 0..8 {
            s.spawn(|| {
                for (k, f) in fs.iter().enumerate() {
                    let y = f.call(jnp::ones(&[2], DType::F32)).unwrap();
                    assert_eq!(y.to_vec::<f32>().unwrap(), vec![k as f32; 2]);
                }
            });
        }
    });
    assert_eq!(traces.load(Ordering::SeqCst), 20);
    assert!(
        fs.iter()
            .all(|f| f.cache_size() == 1 && f.live_programs() == 1)
    );
}

#[test]
fn a_failed_trace_is_not_cached() {
    let f = jit(|x: Array| lax::reshape(&x, &[5]));
    assert!(f.call(jnp::ones(&[2], DType::F32)).is_err());
    assert_eq!(f.cache_size(), 0);
}

#[test]
fn make_jaxpr_prints_like_jax() {
    let x = jnp::ones(&[3], DType::F32);
    let j = make_jaxpr(|x: Array| jnp::sum(&(&x * 2.0).tanh(), (), false), x).unwrap();
    assert_eq!(
        j.to_string(),
        "{ lambda ; a:f32[3]. let\n    b:f32[3] = mul a 2.0:f32[]\n    c:f32[3] = tanh b\n    d:f32[] = reduce_sum[axes=(0,)] c\n  in (d,) }"
    );
}

#[test]
fn captured_arrays_become_constants() {
    let w = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
    let f = jit(|x: Array| &x * &w);
    let y = f
        .call(Array::from_slice(&[2.0f32, 2.0, 2.0], &[3]))
        .unwrap();
    assert_eq!(y.to_vec::<f32>().unwrap(), vec![2.0, 4.0, 6.0]);
    let j = make_jaxpr(|x: Array| &x * &w, jnp::ones(&[3], DType::F32)).unwrap();
    assert_eq!(j.jaxpr.constvars.len(), 1);
}

#[test]
fn constants_made_inside_jit_are_staged() {
    let j = make_jaxpr(
        |x: Array| &x + &jnp::arange(3).astype(DType::F32),
        jnp::ones(&[3], DType::F32),
    )
    .unwrap();
    assert!(j.jaxpr.constvars.is_empty(), "{j}");
    assert!(j.to_string().contains("iota"), "{j}");
}

#[test]
fn nested_jit_stages_a_call() {
    let inner = jit(|x: Array| x.exp());
    let outer = jit(|x: Array| inner.call(x * 2.0).unwrap() + 1.0);
    let x = Array::from_slice(&[0.0f32, 0.5], &[2]);
    let got = f64s(&outer.call(x.clone()).unwrap());
    assert_close(&got, &[2.0, 1f64.exp() + 1.0], 1e-6, "jit of jit");
    let j = make_jaxpr(|x: Array| inner.call(x).unwrap(), x).unwrap();
    assert!(j.to_string().contains("pjit"), "{j}");
}

#[test]
fn trees_in_and_out() {
    let f = jit(|(a, b): (Array, Vec<Array>)| (&a + &b[0], vec![&a * &b[1]]));
    let (s, p) = f
        .call((
            Array::scalar(2.0f32),
            vec![Array::scalar(3.0f32), Array::scalar(4.0f32)],
        ))
        .unwrap();
    assert_eq!(s.item::<f32>().unwrap(), 5.0);
    assert_eq!(p[0].item::<f32>().unwrap(), 8.0);
}

#[test]
fn lowering_reads_like_jax() {
    let text = jit(slow_f)
        .named("slow_f")
        .lower(jnp::ones(&[2, 2], DType::F32))
        .unwrap();
    let text = text.as_text();
    assert!(text.starts_with("module @jit_slow_f attributes {mhlo.num_partitions = 1 : i32, mhlo.num_replicas = 1 : i32}"), "{text}");
    assert!(
        text.contains("stablehlo.multiply %arg0, %arg0 : tensor<2x2xf32>"),
        "{text}"
    );
}

#[test]
fn weak_scalars_stay_weak_through_jit() {
    let f = jit(|x: Array| &x * 3.0);
    let h = Array::from_slice(&[1.0f32], &[1]).astype(DType::F16);
    assert_eq!(f.call(h).unwrap().dtype().unwrap(), DType::F16);
}

#[test]
fn numpy_reductions_and_shapes() {
    let x = Array::from_slice(&[1.0f32, 5.0, 3.0, 4.0, 2.0, 6.0], &[2, 3]);
    assert_eq!(jnp::max(&x, 1, true).shape().unwrap(), [2, 1]);
    assert_eq!(
        jnp::max(&x, 1, false).to_vec::<f32>().unwrap(),
        vec![5.0, 6.0]
    );
    assert_eq!(jnp::min(&x, (), false).to_vec::<f32>().unwrap(), vec![1.0]);
    assert_eq!(
        jnp::argmax(&x, None, false).to_vec::<i32>().unwrap(),
        vec![5]
    );
    assert_eq!(jnp::argmax(&x, Some(1), true).shape().unwrap(), [2, 1]);
    assert_eq!(
        jnp::argmin(&x, Some(0), false).to_vec::<i32>().unwrap(),
        vec![0, 1, 0]
    );
    assert_eq!(
        jnp::mean(&x, -1, false).to_vec::<f32>().unwrap(),
        vec![3.0, 4.0]
    );
    assert_eq!(jnp::sum(&x, [0, 1], true).shape().unwrap(), [1, 1]);
    assert_eq!(jnp::transpose(&x, None).shape().unwrap(), [3, 2]);
    assert_eq!(
        jnp::stack(&[x.clone(), x.clone()], -1).shape().unwrap(),
        vec![2, 3, 2]
    );
    assert_eq!(
        jnp::concatenate(&[x.clone(), x.clone()], 1)
            .shape()
            .unwrap(),
        vec![2, 6]
    );
    assert_eq!(
        jnp::broadcast_to(&Array::from_slice(&[1.0f32, 2.0], &[2, 1]), &[3, 2, 4])
            .shape()
            .unwrap(),
        vec![3, 2, 4]
    );
    assert_eq!(
        jnp::linspace(0.0, 1.0, 5).to_vec::<f32>().unwrap(),
        vec![0.0, 0.25, 0.5, 0.75, 1.0]
    );
    assert_eq!(
        jnp::eye(2, Some(3), 1, DType::I32).to_vec::<i32>().unwrap(),
        vec![0, 1, 0, 0, 0, 1]
    );
    assert_eq!(jnp::full(&[2], 7u8).to_vec::<u8>().unwrap(), vec![7, 7]);
    let w = jnp::where_(&x.gt(2.5), &x, &Array::weak(0.0f32));
    assert_eq!(
        w.to_vec::<f32>().unwrap(),
        vec![0.0, 5.0, 3.0, 4.0, 0.0, 6.0]
    );
    assert_eq!(
        (&jnp::arange(3) / 2).to_vec::<f32>().unwrap(),
        vec![0.0, 0.5, 1.0]
    );
    assert_eq!(
        jnp::sum(&Array::from_slice(&[true, true, false], &[3]), (), false)
            .to_vec::<i32>()
            .unwrap(),
        vec![2]
    );
    assert_eq!(
        jnp::matmul(
            &jnp::ones(&[4, 2, 3], DType::F32),
            &jnp::ones(&[3], DType::F32)
        )
        .shape()
        .unwrap(),
        vec![4, 2]
    );
}

#[test]
fn display_like_numpy() {
    let x = lax::div(&jnp::arange_f32(0.0, 4.0, 1.0), &Array::weak(6.0f32));
    assert_eq!(
        x.to_string(),
        "[0.         0.16666667 0.33333334 0.5       ]"
    );
    assert_eq!(
        jnp::ones(&[2, 2], DType::F32).to_string(),
        "[[1. 1.]\n [1. 1.]]"
    );
    assert_eq!(jnp::arange(3).to_string(), "[0 1 2]");
    assert_eq!(
        Array::from_slice(&[true, false], &[2]).to_string(),
        "[ True False]"
    );
    assert_eq!(Array::scalar(2.5f32).to_string(), "2.5");
    let shown = std::cell::RefCell::new(String::new());
    make_jaxpr(
        |x: Array| {
            *shown.borrow_mut() = x.to_string();
            x
        },
        jnp::ones(&[3], DType::F32),
    )
    .unwrap();
    assert_eq!(shown.into_inner(), "Traced<f32[3]>");
    let big = jnp::arange(2000);
    assert_eq!(big.to_string(), "[   0    1    2 ... 1997 1998 1999]");
}
