//! Control flow: against Rust `if`/loops, under jit, grad, jvp and vmap,
//! snapshots, errors.

use crate::common::{array, assert_close, f64s, values};
use rjax::numpy as jnp;
use rjax::{Array, DType, ErrorKind, grad, hessian, jit, jvp, lax, vmap};

fn piecewise(x: Array) -> Array {
    lax::cond(
        &x.gt(0.0),
        |x: Array| x.sin() * &x,
        |x: Array| x.cos() - 1.0,
        x,
    )
    .unwrap()
}

fn piecewise_rust(x: f64) -> f64 {
    if x > 0.0 { x.sin() * x } else { x.cos() - 1.0 }
}

#[test]
fn cond_and_switch_match_rust() {
    let f = jit(piecewise);
    for x in [-1.5f32, -0.25, 0.0, 0.5, 2.0] {
        let want = piecewise_rust(x as f64);
        assert_close(
            &f64s(&piecewise(Array::scalar(x))),
            &[want],
            1e-6,
            "cond eager",
        );
        assert_close(
            &f64s(&f.call(Array::scalar(x)).unwrap()),
            &[want],
            1e-6,
            "cond jit",
        );
    }
    let w = Array::from_slice(&[2.0f32, 3.0], &[2]);
    type Branch<'a> = &'a dyn Fn((Array, Array)) -> (Array, Array);
    let branches: [Branch; 3] = [
        &|(a, b)| (&a + &b, a.clone()),
        &|(a, b)| (&a * &b, &b * &w),
        &|(a, b)| (&a - &b, b.clone()),
    ];
    let sw = jit(|(i, a, b): (Array, Array, Array)| lax::switch(&i, &branches, (a, b)).unwrap());
    let a = Array::from_slice(&[1.0f32, 2.0], &[2]);
    let b = Array::from_slice(&[5.0f32, 7.0], &[2]);
    for (i, want0, want1) in [
        (0, [6.0, 9.0], [1.0, 2.0]),
        (1, [5.0, 14.0], [10.0, 21.0]),
        (7, [-4.0, -5.0], [5.0, 7.0]),
    ] {
        let (o0, o1) = sw.call((Array::scalar(i), a.clone(), b.clone())).unwrap();
        assert_eq!(o0.to_vec::<f32>().unwrap(), want0.to_vec(), "switch {i}");
        assert_eq!(
            o1.to_vec::<f32>().unwrap(),
            want1.to_vec(),
            "switch {i}, captured constant"
        );
    }
}

#[test]
fn loops_match_rust() {
    let collatz = |n: Array| {
        lax::while_loop(
            |(n, _): &(Array, Array)| n.gt(1),
            |(n, steps): (Array, Array)| {
                let even = jnp::equal(&(&n % 2), &Array::weak(0i32));
                (
                    jnp::where_(&even, &(&n / 2).astype(DType::I32), &(&n * 3 + 1)),
                    &steps + 1,
                )
            },
            (n, Array::scalar(0i32)),
        )
        .unwrap()
        .1
    };
    let jitted = jit(collatz);
    for n in [1, 6, 27] {
        let (mut m, mut steps) = (n, 0);
        while m > 1 {
            m = if m % 2 == 0 { m / 2 } else { 3 * m + 1 };
            steps += 1;
        }
        assert_eq!(
            collatz(Array::scalar(n)).item::<i32>().unwrap(),
            steps,
            "eager collatz({n})"
        );
        assert_eq!(
            jitted
                .call(Array::scalar(n))
                .unwrap()
                .item::<i32>()
                .unwrap(),
            steps,
            "jit collatz({n})"
        );
    }
    let sum_sq = jit(|x: Array| {
        lax::fori_loop(
            0,
            4,
            |i: Array, acc: Array| &acc + &(&x * &i.astype(DType::F32)).sum(),
            Array::scalar(0.0f32),
        )
        .unwrap()
    });
    let x = Array::from_slice(&[1.0f32, 2.0], &[2]);
    assert_eq!(sum_sq.call(x).unwrap().item::<f32>().unwrap(), 18.0);
}

#[test]
fn differentiating_control_flow() {
    for x in [-1.0f64, 0.7] {
        let want = if x > 0.0 {
            x.sin() + x * x.cos()
        } else {
            -x.sin()
        };
        let eager = grad(piecewise)(Array::scalar(x as f32));
        let jitted = jit(grad(piecewise)).call(Array::scalar(x as f32)).unwrap();
        assert_close(&f64s(&eager), &[want], 1e-5, "grad(cond)");
        assert_close(&f64s(&jitted), &[want], 1e-5, "jit(grad(cond))");
        let second = if x > 0.0 {
            2.0 * x.cos() - x * x.sin()
        } else {
            -x.cos()
        };
        assert_close(
            &f64s(
                &jit(hessian(piecewise))
                    .call(Array::scalar(x as f32))
                    .unwrap(),
            ),
            &[second],
            1e-5,
            "hessian(cond)",
        );
    }
    // Forward mode through a traced while loop: x -> x * 1.5^k until > 10.
    let grow = |x: Array| lax::while_loop(|v: &Array| v.lt(10.0), |v: Array| &v * 1.5, x).unwrap();
    let jitted_jvp = jit(|x: Array| jvp(grow, x, Array::scalar(1.0f32)).unwrap().1);
    let slope = jitted_jvp
        .call(Array::scalar(1.0f32))
        .unwrap()
        .item::<f32>()
        .unwrap();
    assert!(
        (slope - 1.5f32.powi(6)).abs() < 1e-4,
        "d/dx of six steps of 1.5x: {slope}"
    );
    let e = jit(grad(grow)).call(Array::scalar(1.0f32)).unwrap_err();
    assert!(
        e.to_string().contains("while"),
        "reverse mode through a traced while_loop is an error: {e}"
    );
}

#[test]
fn vmap_of_control_flow() {
    let xs = array(&values(6, -2.0, 2.0, 1), &[6], DType::F32);
    let batched = vmap(piecewise)(xs.clone());
    let looped: Vec<f64> = f64s(&xs).into_iter().map(piecewise_rust).collect();
    assert_close(
        &f64s(&batched),
        &looped,
        1e-5,
        "vmap(cond) with a batched predicate",
    );
    let steps = |x: Array| lax::while_loop(|v: &Array| v.lt(10.0), |v: Array| &v * 2.0, x).unwrap();
    let starts = Array::from_slice(&[1.0f32, 3.0, 20.0, 0.5], &[4]);
    let want: Vec<f64> = [1.0f64, 3.0, 20.0, 0.5]
        .iter()
        .map(|&v| {
            let mut v = v;
            while v < 10.0 {
                v *= 2.0;
            }
            v
        })
        .collect();
    assert_close(
        &f64s(&vmap(steps)(starts.clone())),
        &want,
        0.0,
        "vmap(while) with a batched predicate",
    );
    assert_close(
        &f64s(&jit(vmap(steps)).call(starts).unwrap()),
        &want,
        0.0,
        "jit(vmap(while))",
    );
}

#[test]
fn snapshots_and_errors() {
    let x = Array::scalar(0.5f32);
    let cond_text = jit(piecewise).named("piecewise").lower(x.clone()).unwrap();
    insta::assert_snapshot!("cond_stablehlo", cond_text.as_text());
    let loop_fn = |x: Array| lax::fori_loop(0, 3, |_i: Array, v: Array| v.sin(), x).unwrap();
    let loop_text = jit(loop_fn).named("fori").lower(x.clone()).unwrap();
    insta::assert_snapshot!("while_stablehlo", loop_text.as_text());
    assert_close(
        &f64s(&jit(loop_fn).call(x.clone()).unwrap()),
        &[0.5f64.sin().sin().sin()],
        1e-6,
        "fori snapshot runs",
    );
    // Branches returning different Rust types do not compile; different
    // shapes are a typed error naming both.
    let traced_err = rjax::make_jaxpr(
        |x: Array| {
            Array::from_result(lax::cond(
                &x.gt(0.0),
                |x: Array| x.clone(),
                |x: Array| x.reshape(&[1]),
                x,
            ))
        },
        x.clone(),
    )
    .unwrap_err();
    assert_eq!(traced_err.kind, ErrorKind::Tree, "{traced_err}");
    assert!(traced_err.to_string().contains("branch"), "{traced_err}");
    let not_bool = lax::cond(&Array::scalar(1.0f32), |x: Array| x, |x: Array| x, x)
        .err()
        .unwrap();
    assert_eq!(not_bool.kind, ErrorKind::DType, "{not_bool}");
}
