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
        let eager = grad(piecewise)(Array::scalar(x as f32)).unwrap();
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
    let batched = vmap(piecewise)(xs.clone()).unwrap();
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
        &f64s(&vmap(steps)(starts.clone()).unwrap()),
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

/// A small tanh RNN over a sequence: h' = tanh(W h + U x).
fn rnn_scan((w, u, xs): (Array, Array, Array)) -> Array {
    let h0 = jnp::zeros(&[3], DType::F32);
    let (h, hs) = lax::scan(
        |h: Array, x: Array| {
            let h2 = (jnp::dot(&w, &h) + jnp::dot(&u, &x)).tanh();
            (h2.clone(), h2)
        },
        h0,
        xs,
    )
    .unwrap();
    h.sum() + hs.sum() * 0.5
}

fn rnn_unrolled((w, u, xs): (Array, Array, Array)) -> Array {
    let mut h = jnp::zeros(&[3], DType::F32);
    let mut total = Array::scalar(0.0f32);
    for t in 0..xs.shape().unwrap()[0] {
        let x = lax::squeeze(&lax::slice(&xs, &[t, 0], &[t + 1, 2], None), &[0]);
        h = (jnp::dot(&w, &h) + jnp::dot(&u, &x)).tanh();
        total = &total + &h.sum();
    }
    h.sum() + &total * 0.5
}

#[test]
fn scan_rnn_gradients_match_the_unrolled_rnn() {
    let args = (
        array(&values(9, -0.8, 0.8, 1), &[3, 3], DType::F32),
        array(&values(6, -0.8, 0.8, 2), &[3, 2], DType::F32),
        array(&values(10, -1.0, 1.0, 3), &[5, 2], DType::F32),
    );
    assert_close(
        &f64s(&rnn_scan(args.clone())),
        &f64s(&rnn_unrolled(args.clone())),
        1e-5,
        "scan forward",
    );
    let g_scan = grad(rnn_scan)(args.clone()).unwrap();
    let g_unrolled = grad(rnn_unrolled)(args.clone()).unwrap();
    let g_jit = jit(grad(rnn_scan)).call(args.clone()).unwrap();
    for (name, a, b, c) in [
        ("W", &g_scan.0, &g_unrolled.0, &g_jit.0),
        ("U", &g_scan.1, &g_unrolled.1, &g_jit.1),
        ("xs", &g_scan.2, &g_unrolled.2, &g_jit.2),
    ] {
        assert_close(
            &f64s(a),
            &f64s(b),
            1e-5,
            &format!("grad {name}: scan == unrolled"),
        );
        assert_close(
            &f64s(c),
            &f64s(b),
            1e-5,
            &format!("jit(grad) {name}: scan == unrolled"),
        );
    }
    // vmap over a batch of sequences == a loop.
    let batch = array(&values(30, -1.0, 1.0, 4), &[3, 5, 2], DType::F32);
    let spec = rjax::VmapSpec::default().in_axes(rjax::AxisSpec::each([
        rjax::AxisSpec::NONE,
        rjax::AxisSpec::NONE,
        0.into(),
    ]));
    let batched =
        rjax::vmap_with(rnn_scan, spec)((args.0.clone(), args.1.clone(), batch.clone())).unwrap();
    let looped: Vec<f64> = (0..3)
        .map(|i| {
            f64s(&rnn_unrolled((
                args.0.clone(),
                args.1.clone(),
                lax::squeeze(&lax::slice(&batch, &[i, 0, 0], &[i + 1, 5, 2], None), &[0]),
            )))[0]
        })
        .collect();
    assert_close(&f64s(&batched), &looped, 1e-5, "vmap(scan)");
    // reverse, and a static fori_loop is reverse-differentiable under jit.
    let xs = Array::from_slice(&[1.0f32, 2.0, 3.0], &[3]);
    let (_, rev) = lax::scan_with(
        |c: Array, x: Array| {
            let s = &c + &x;
            (s.clone(), s)
        },
        Array::scalar(0.0f32),
        xs,
        None,
        true,
    )
    .unwrap();
    assert_eq!(rev.to_vec::<f32>().unwrap(), vec![6.0, 5.0, 3.0]);
    let power = |x: Array| {
        lax::fori_loop(0, 3, |_i: Array, v: Array| &v * &x, Array::scalar(1.0f32)).unwrap()
    };
    assert_close(
        &f64s(&jit(grad(power)).call(Array::scalar(2.0f32)).unwrap()),
        &[12.0],
        1e-5,
        "jit(grad(fori_loop))",
    );
    let text = jit(rnn_scan).named("rnn").lower(args).unwrap();
    insta::assert_snapshot!("scan_stablehlo", text.as_text());
}

#[test]
fn map_and_dynamic_fori() {
    let xs = array(&values(6, -1.0, 1.0, 9), &[3, 2], DType::F32);
    let mapped = jit(|x: Array| lax::map(|r: Array| r.sin().sum(), x))
        .call(xs.clone())
        .unwrap();
    assert_close(
        &f64s(&mapped),
        &f64s(&jnp::sum(&xs.sin(), 1, false)),
        1e-6,
        "map",
    );
    let dynamic = jit(|(n, x): (Array, Array)| {
        lax::fori_loop_dynamic(&Array::scalar(0i32), &n, |_i: Array, v: Array| &v * 2.0, x).unwrap()
    });
    assert_eq!(
        dynamic
            .call((Array::scalar(5i32), Array::scalar(1.0f32)))
            .unwrap()
            .item::<f32>()
            .unwrap(),
        32.0
    );
    assert_eq!(
        dynamic
            .call((Array::scalar(2i32), Array::scalar(1.0f32)))
            .unwrap()
            .item::<f32>()
            .unwrap(),
        4.0
    );
}

/// The error of `f` run eagerly equals the one `jit(f)` reports.
#[track_caller]
fn same_error_eager_and_jitted(f: impl Fn(Array) -> rjax::Result<Array> + Copy, x: Array) {
    let eager = f(x.clone()).unwrap_err();
    let staged = jit(move |x: Array| Array::from_result(f(x)))
        .call(x)
        .unwrap_err();
    assert_eq!(
        (eager.kind, &eager.op, &eager.message),
        (staged.kind, &staged.op, &staged.message),
        "eager: {eager}\njitted: {staged}"
    );
}

#[test]
fn eager_control_flow_checks_what_jit_checks() {
    let x = Array::scalar(1.5f32);
    let xs = Array::from_slice(&[1.0f32, 2.0], &[2]);
    // cond branches of different dtypes.
    same_error_eager_and_jitted(
        |x| lax::cond(&x.gt(0.0), |x: Array| x, |x: Array| x.astype(DType::I32), x),
        x.clone(),
    );
    // while_loop bodies changing the carry's dtype or shape (even when the
    // body never runs).
    same_error_eager_and_jitted(
        |x| lax::while_loop(|c: &Array| c.lt(0.0), |c: Array| c.astype(DType::I32), x),
        x.clone(),
    );
    same_error_eager_and_jitted(
        |x| lax::while_loop(|c: &Array| c.lt(2.0), |c: Array| c.reshape(&[1]), x),
        x.clone(),
    );
    // scan bodies changing the carry's dtype or shape.
    let carry_to_int = |xs: Array| {
        let step = |c: Array, x: Array| (c.astype(DType::I32), x);
        lax::scan(step, Array::scalar(0.0f32), xs).map(|(_, ys)| ys)
    };
    same_error_eager_and_jitted(carry_to_int, xs.clone());
    let carry_to_vector = |xs: Array| {
        let step = |c: Array, x: Array| (&c.reshape(&[1]) + &x, x);
        lax::scan(step, Array::scalar(0.0f32), xs).map(|(_, ys)| ys)
    };
    same_error_eager_and_jitted(carry_to_vector, xs.clone());
    let e = carry_to_int(xs).unwrap_err();
    assert_eq!((e.kind, e.op.as_str()), (ErrorKind::Tree, "scan"), "{e}");
    assert!(e.location.unwrap().file().ends_with("control.rs"), "{e}");
}

#[test]
fn dead_code_inside_loops_is_removed() {
    let xs = Array::from_slice(&[1.0f32, -2.0, 3.0], &[3]);
    // A cond without outputs, a carry nothing reads (`b`) and per-step
    // outputs nobody uses: all dead.
    let scanned = |xs: Array| {
        let step = |(a, b): (Array, Array), x: Array| {
            lax::cond(&x.gt(0.0), |_: Array| (), |_: Array| (), x.clone()).unwrap();
            ((&a + &x, b.cos()), x.sin())
        };
        let start = (Array::scalar(0.0f32), Array::scalar(1.0f32));
        lax::scan(step, start, xs).unwrap().0.0
    };
    let text = jit(scanned).lower(xs.clone()).unwrap();
    let text = text.as_text();
    assert!(!text.contains("sine") && !text.contains("case"), "{text}");
    assert_eq!(
        jit(scanned)
            .call(xs.clone())
            .unwrap()
            .item::<f32>()
            .unwrap(),
        2.0
    );
    assert_eq!(scanned(xs.clone()).item::<f32>().unwrap(), 2.0);
    // The total and the outputs still used survive.
    let both = |xs: Array| {
        let step = |c: Array, x: Array| (&c + &x, x.sin());
        let (c, ys) = lax::scan(step, Array::scalar(0.0f32), xs).unwrap();
        &c + &ys.sum()
    };
    let want = 2.0 + [1.0f64, -2.0, 3.0].iter().map(|x| x.sin()).sum::<f64>();
    assert_close(
        &f64s(&jit(both).call(xs.clone()).unwrap()),
        &[want],
        1e-6,
        "scan ys",
    );
    // A while loop keeps what its condition and the used carries read.
    let looped = |x: Array| {
        let step = |(i, a, b): (Array, Array, Array)| (&i + 1, &a + &x, b.cos());
        let start = (Array::scalar(0i32), Array::scalar(0.0f32), x.clone());
        let keep_going = |(i, _, _): &(Array, Array, Array)| i.lt(&Array::scalar(3i32));
        lax::while_loop(keep_going, step, start).unwrap().1
    };
    let x = Array::scalar(0.5f32);
    let text = jit(looped).lower(x.clone()).unwrap();
    assert!(!text.as_text().contains("cosine"), "{}", text.as_text());
    assert_eq!(
        jit(looped).call(x.clone()).unwrap().item::<f32>().unwrap(),
        1.5
    );
    assert_eq!(looped(x.clone()).item::<f32>().unwrap(), 1.5);
    // A cond's unused output goes from every branch, and so does the
    // unused output of a nested jit.
    let branches = |x: Array| {
        let inner = jit(|x: Array| (x.exp(), x.cos()));
        let (e, _) = inner.call(x.clone()).unwrap();
        let pair = |x: Array| (&x * 2.0, x.cos());
        let swapped = |x: Array| (&x * 3.0, &x.cos() + 1.0);
        &lax::cond(&x.gt(0.0), pair, swapped, x).unwrap().0 + &e
    };
    let text = jit(branches).lower(x.clone()).unwrap();
    assert!(!text.as_text().contains("cosine"), "{}", text.as_text());
    let want = 1.0 + 0.5f64.exp();
    assert_close(
        &f64s(&jit(branches).call(x.clone()).unwrap()),
        &[want],
        1e-6,
        "cond",
    );
    assert_close(&f64s(&branches(x)), &[want], 1e-6, "eager cond");
}

#[test]
fn scan_without_xs_runs_length_steps_under_jit_and_grad() {
    // x^4 by four multiplications of the carry.
    let power4 = |x: Array| -> rjax::Result<Array> {
        let (acc, partial) = lax::scan_length(
            |acc: Array| {
                let next = &acc * &x;
                (next.clone(), next)
            },
            Array::scalar(1.0f32),
            4,
        )?;
        Ok(&acc + &(&partial.sum() * 0.0))
    };
    let x = Array::scalar(1.5f32);
    assert_eq!(power4(x.clone()).unwrap().item::<f32>().unwrap(), 5.0625);
    assert_eq!(
        jit(power4).call(x.clone()).unwrap().item::<f32>().unwrap(),
        5.0625
    );
    // d/dx x^4 = 4 x^3 = 13.5
    assert_eq!(
        jit(grad(power4)).call(x).unwrap().item::<f32>().unwrap(),
        13.5
    );
}
