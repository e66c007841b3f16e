//! vmap: every primitive against a Rust loop, the seed's programs, axes,
//! composition and errors.

use crate::common::{array, assert_close, f64s, values};
use rjax::indexing::step;
use rjax::numpy as jnp;
use rjax::{
    Array, AxisSpec, DType, ErrorKind, Tree, VmapSpec, grad, idx, jit, lax, vmap, vmap_with,
};

const B: usize = 3;

/// Stack per-member results along axis 0.
fn stack(parts: Vec<Array>) -> Array {
    jnp::stack(&parts, 0)
}

/// Member `i` of `x` along `axis`.
fn take(x: &Array, axis: usize, i: usize) -> Array {
    let shape = x.shape().unwrap();
    let mut start = vec![0; shape.len()];
    let mut limit = shape.clone();
    start[axis] = i;
    limit[axis] = i + 1;
    lax::squeeze(&lax::slice(x, &start, &limit, None), &[axis])
}

#[test]
fn every_primitive_matches_a_loop() {
    for (case, (name, f, domain)) in crate::autodiff::cases().into_iter().enumerate() {
        // Operand k is mapped along axis (case + k) % (rank + 1), and the
        // last operand of binary cases is left unmapped on odd cases.
        let mut inputs = Vec::new();
        let mut axes = Vec::new();
        for (k, (shape, lo, hi)) in domain.iter().enumerate() {
            let unmapped = k == 1 && case % 2 == 1;
            if unmapped {
                inputs.push(array(
                    &values(shape.iter().product(), *lo, *hi, k as u64),
                    shape,
                    DType::F64,
                ));
                axes.push(AxisSpec::NONE);
                continue;
            }
            let axis = (case + k) % (shape.len() + 1);
            let mut batched = shape.clone();
            batched.insert(axis, B);
            inputs.push(array(
                &values(batched.iter().product(), *lo, *hi, k as u64 + 11),
                &batched,
                DType::F64,
            ));
            axes.push((axis as i64).into());
        }
        let spec = VmapSpec::default().in_axes(AxisSpec::each(axes.clone()));
        let got = vmap_with(|xs: Vec<Array>| f(&xs), spec)(inputs.clone()).unwrap();
        let expected = stack(
            (0..B)
                .map(|i| {
                    let member: Vec<Array> = inputs
                        .iter()
                        .zip(&axes)
                        .map(|(x, a)| match a {
                            AxisSpec::Axis(Some(a)) => take(x, *a as usize, i),
                            _ => x.clone(),
                        })
                        .collect();
                    f(&member)
                })
                .collect(),
        );
        assert_eq!(
            got.shape().unwrap(),
            expected.shape().unwrap(),
            "{name}: shape"
        );
        assert_close(
            &f64s(&got),
            &f64s(&expected),
            1e-12,
            &format!("{name}: vmap == loop"),
        );
    }
}

#[test]
fn select_with_an_unbatched_scalar_case() {
    let x = array(&[-1.0, 2.0, -3.0], &[3], DType::F32);
    let relu = |x: Array| lax::select(&x.gt(0.0), &x, &Array::scalar(0.0f32));
    assert_eq!(f64s(&vmap(relu)(x).unwrap()), vec![0.0, 2.0, 0.0]);
}

#[test]
fn integer_and_index_primitives() {
    let x = array(&values(12, -1.0, 1.0, 1), &[B, 4], DType::F32);
    let got = vmap(|r: Array| jnp::argmax(&r, None, false))(x.clone()).unwrap();
    let want: Vec<i32> = (0..B)
        .map(|i| {
            jnp::argmax(&take(&x, 0, i), None, false)
                .item::<i32>()
                .unwrap()
        })
        .collect();
    assert_eq!(got.to_vec::<i32>().unwrap(), want);
    let idx = Array::from_slice(&[0i32, 2, 1], &[B]);
    let sliced =
        vmap(|(r, i): (Array, Array)| lax::dynamic_slice(&r, &[i], &[2]))((x.clone(), idx.clone()))
            .unwrap();
    let want: Vec<f32> = (0..B)
        .flat_map(|i| {
            lax::dynamic_slice(&take(&x, 0, i), &[take(&idx, 0, i)], &[2])
                .to_vec::<f32>()
                .unwrap()
        })
        .collect();
    assert_eq!(
        sliced.to_vec::<f32>().unwrap(),
        want,
        "batched start indices"
    );
}

#[test]
fn gathers_and_scatters_with_batched_indices() {
    let x = array(&values(B * 20, -1.0, 1.0, 2), &[B, 4, 5], DType::F32);
    let u = array(&values(B * 10, -1.0, 1.0, 3), &[B, 2, 5], DType::F32);
    // Two positions per member, one of them out of bounds.
    let i = Array::from_slice(&[3i32, 0, -1, 1, 1, 9], &[B, 2]);
    let read = |x: &Array, i: &Array| x.get(idx![i, step(.., 2)]);
    let add = |x: &Array, i: &Array, u: &Array| x.at(idx![i]).add(u);
    let member = |a: &Array, k: usize| take(a, 0, k);
    let by_loop = |f: &dyn Fn(usize) -> Array| stack((0..B).map(f).collect());
    let check = |got: Array, want: Array, what: &str| {
        assert_close(&f64s(&got), &f64s(&want), 1e-6, what);
    };
    let got = vmap(|(x, i): (Array, Array)| read(&x, &i))((x.clone(), i.clone())).unwrap();
    check(
        got,
        by_loop(&|k| read(&member(&x, k), &member(&i, k))),
        "gather, both batched",
    );
    let x0 = member(&x, 0);
    let spec = VmapSpec::default().in_axes(AxisSpec::each(vec![AxisSpec::NONE, 0.into()]));
    let got =
        vmap_with(|(x, i): (Array, Array)| read(&x, &i), spec)((x0.clone(), i.clone())).unwrap();
    check(
        got,
        by_loop(&|k| read(&x0, &member(&i, k))),
        "gather, indices batched",
    );
    let got =
        vmap(|(x, i, u): (Array, Array, Array)| add(&x, &i, &u))((x.clone(), i.clone(), u.clone()))
            .unwrap();
    let want = by_loop(&|k| add(&member(&x, k), &member(&i, k), &member(&u, k)));
    check(got, want, "scatter-add, all batched");
    let u0 = member(&u, 0);
    let spec = VmapSpec::default().in_axes(AxisSpec::each(vec![
        AxisSpec::NONE,
        0.into(),
        AxisSpec::NONE,
    ]));
    let got = vmap_with(|(x, i, u): (Array, Array, Array)| add(&x, &i, &u), spec)((
        x0.clone(),
        i.clone(),
        u0.clone(),
    ))
    .unwrap();
    check(
        got,
        by_loop(&|k| add(&x0, &member(&i, k), &u0)),
        "scatter-add, indices batched",
    );
}

#[derive(Tree, Clone)]
struct Layer {
    w: Array,
    b: Array,
}

fn predict(params: &[Layer], input_vec: &Array) -> Array {
    let mut activations = input_vec.clone();
    let mut outputs = activations.clone();
    for layer in params {
        outputs = jnp::dot(&layer.w, &activations) + &layer.b;
        activations = outputs.tanh();
    }
    outputs
}

fn loss(params: &[Layer], x: &Array, y: &Array) -> Array {
    let d = predict(params, x) - y;
    (&d * &d).sum()
}

fn params() -> Vec<Layer> {
    vec![
        Layer {
            w: array(&values(12, -1.0, 1.0, 1), &[4, 3], DType::F32),
            b: array(&values(4, -1.0, 1.0, 2), &[4], DType::F32),
        },
        Layer {
            w: array(&values(8, -1.0, 1.0, 3), &[2, 4], DType::F32),
            b: array(&values(2, -1.0, 1.0, 4), &[2], DType::F32),
        },
    ]
}

#[test]
fn the_seed_batched_predict_and_per_example_gradients() {
    let p = params();
    let batch = array(&values(5 * 3, -1.0, 1.0, 5), &[5, 3], DType::F32);
    let targets = array(&values(5 * 2, -1.0, 1.0, 6), &[5, 2], DType::F32);
    let batched = vmap_with(
        |(p, x): (Vec<Layer>, Array)| predict(&p, &x),
        VmapSpec::default().in_axes(AxisSpec::each([AxisSpec::NONE, 0.into()])),
    )((p.clone(), batch.clone()))
    .unwrap();
    let looped = stack((0..5).map(|i| predict(&p, &take(&batch, 0, i))).collect());
    assert_close(&f64s(&batched), &f64s(&looped), 1e-6, "batched predict");

    let spec = VmapSpec::default().in_axes(AxisSpec::each([AxisSpec::NONE, 0.into(), 0.into()]));
    let per_example = vmap_with(
        |(p, x, y): (Vec<Layer>, Array, Array)| grad(|p: Vec<Layer>| loss(&p, &x, &y))(p),
        spec.clone(),
    );
    let grads = per_example((p.clone(), batch.clone(), targets.clone())).unwrap();
    assert_eq!(grads[0].w.shape().unwrap(), [5, 4, 3]);
    let jitted = jit(vmap_with(
        |(p, x, y): (Vec<Layer>, Array, Array)| grad(|p: Vec<Layer>| loss(&p, &x, &y))(p),
        spec,
    ))
    .call((p.clone(), batch.clone(), targets.clone()))
    .unwrap();
    let total = grad(|p: Vec<Layer>| {
        let losses =
            vmap(|(x, y): (Array, Array)| loss(&p, &x, &y))((batch.clone(), targets.clone()))?;
        Ok(losses.sum())
    })(p.clone())
    .unwrap();
    for (l, (g, j)) in grads.iter().zip(&jitted).enumerate() {
        assert_close(
            &f64s(&g.w),
            &f64s(&j.w),
            1e-6,
            &format!("layer {l}: jit(vmap(grad)) == vmap(grad)"),
        );
        assert_close(
            &f64s(&jnp::sum(&g.w, 0, false)),
            &f64s(&total[l].w),
            1e-5,
            &format!("layer {l}: per-example grads sum to the batch grad"),
        );
        assert_close(
            &f64s(&jnp::sum(&g.b, 0, false)),
            &f64s(&total[l].b),
            1e-5,
            &format!("layer {l}: bias"),
        );
    }
}

#[test]
fn axes_sizes_and_nesting() {
    let x = array(&values(24, -1.0, 1.0, 1), &[2, 3, 4], DType::F32);
    let out = vmap_with(|r: Array| r.sum(), VmapSpec::default().in_axes(-1))(x.clone()).unwrap();
    assert_close(
        &f64s(&out),
        &f64s(&jnp::sum(&x, [0, 1], false)),
        1e-6,
        "negative in_axes",
    );
    let moved = vmap_with(
        |r: Array| r * 2.0,
        VmapSpec::default().in_axes(1).out_axes(-1),
    )(x.clone())
    .unwrap();
    assert_eq!(moved.shape().unwrap(), [2, 4, 3]);
    let nested = vmap(vmap(|v: Array| v.sum()))(x.clone()).unwrap();
    assert_close(
        &f64s(&nested),
        &f64s(&jnp::sum(&x, 2, false)),
        1e-6,
        "nested vmap",
    );
    let made = vmap_with(
        |_: ()| jnp::ones(&[2], DType::F32),
        VmapSpec::default().axis_size(3),
    )(())
    .unwrap();
    assert_eq!(made.shape().unwrap(), [3, 2]);
    let g = grad(|x: Array| Ok(vmap(|r: Array| r.sin().sum())(x)?.sum()))(x.clone()).unwrap();
    assert_close(&f64s(&g), &f64s(&x.cos()), 1e-6, "grad(vmap)");
    let jf = jit(|r: Array| r * 3.0);
    assert_close(
        &f64s(&vmap(|r: Array| jf.call(r).unwrap())(x.clone()).unwrap()),
        &f64s(&(&x * 3.0)),
        1e-6,
        "vmap(jit)",
    );
}

#[test]
fn errors_name_the_argument() {
    let a = jnp::ones(&[3, 2], DType::F32);
    let b = jnp::ones(&[4, 2], DType::F32);
    let e = vmap(|(a, b): (Array, Array)| &a + &b)((a.clone(), b)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Shape, "{e}");
    assert!(e.to_string().contains("leaf 1"), "{e}");
    assert!(e.location.unwrap().file().ends_with("vmap.rs"), "{e}");
    let e = vmap_with(|a: Array| a, VmapSpec::default().in_axes(2))(a.clone()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Axis, "{e}");
    let spec = VmapSpec::default().in_axes(AxisSpec::each([0.into(), 0.into(), 0.into()]));
    let e = vmap_with(|(a, b): (Array, Array)| &a + &b, spec)((a.clone(), a)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Tree, "{e}");
}

#[test]
fn an_error_before_the_function_runs_does_not_run_it() {
    // The error is returned; the user's function is not run to build an
    // output tree to carry it.
    let calls = std::cell::Cell::new(0);
    let counted = |x: Array| {
        calls.set(calls.get() + 1);
        x.sin()
    };
    let x = jnp::ones(&[3, 2], DType::F32);
    let e = vmap_with(&counted, VmapSpec::default().in_axes(2))(x.clone()).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Axis, "{e}");
    let e = rjax::pmap(&counted)(jnp::ones(&[64, 2], DType::F32)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Shape, "{e}");
    let e = grad(&counted)(x.astype(DType::I32)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::DType, "{e}");
    assert_eq!(calls.get(), 0);
    // An error inside the function comes out of the call, once.
    let e = vmap(|x: Array| &counted(x) + &jnp::ones(&[5], DType::F32))(x).unwrap_err();
    assert_eq!(e.op, "add", "{e}");
    assert_eq!(calls.get(), 1);
}

#[test]
fn snapshot_of_per_example_gradients() {
    let p = vec![
        Layer {
            w: jnp::ones(&[3, 2], DType::F32),
            b: jnp::zeros(&[3], DType::F32),
        },
        Layer {
            w: jnp::ones(&[1, 3], DType::F32),
            b: jnp::zeros(&[1], DType::F32),
        },
    ];
    let x = jnp::ones(&[4, 2], DType::F32);
    let y = jnp::zeros(&[4, 1], DType::F32);
    let spec = VmapSpec::default().in_axes(AxisSpec::each([AxisSpec::NONE, 0.into(), 0.into()]));
    let f = vmap_with(
        |(p, x, y): (Vec<Layer>, Array, Array)| grad(|p: Vec<Layer>| loss(&p, &x, &y))(p),
        spec,
    );
    let lowered = jit(&f).lower((p.clone(), x.clone(), y.clone())).unwrap();
    insta::assert_snapshot!("per_example_grads_stablehlo", lowered.as_text());
    let grads = jit(&f).call((p, x, y)).unwrap();
    // Every example is the same: prediction 3 tanh(2), d/db2 = 2 * 3 tanh(2).
    assert_close(
        &f64s(&grads[1].b),
        &[6.0 * 2f64.tanh(); 4],
        1e-5,
        "per-example last bias gradient",
    );
}

#[test]
fn collectives_over_a_named_axis() {
    let named = |name: &str| VmapSpec::default().axis_name(name);
    // The README's normalize, over arange(4.).
    let normalize = vmap_with(|x: Array| &x / &lax::psum(&x, "i"), named("i"));
    assert_eq!(
        normalize(jnp::arange_f32(0.0, 4.0, 1.0))
            .unwrap()
            .to_vec::<f32>()
            .unwrap(),
        vec![0.0, 0.16666667, 0.33333334, 0.5]
    );
    let x = array(&[3.0, -1.0, 4.0, 1.0, -5.0, 9.0], &[3, 2], DType::F32);
    let each = |f: fn(&Array) -> Array| vmap_with(move |r: Array| f(&r), named("i"))(x.clone());
    assert_eq!(
        each(|r| lax::pmax(r, "i"))
            .unwrap()
            .to_vec::<f32>()
            .unwrap(),
        vec![4.0, 9.0, 4.0, 9.0, 4.0, 9.0]
    );
    assert_eq!(
        each(|r| lax::pmin(r, "i"))
            .unwrap()
            .to_vec::<f32>()
            .unwrap(),
        vec![-5.0, -1.0, -5.0, -1.0, -5.0, -1.0]
    );
    assert_close(
        &f64s(&each(|r| lax::pmean(r, "i")).unwrap()),
        &[2.0 / 3.0, 3.0, 2.0 / 3.0, 3.0, 2.0 / 3.0, 3.0],
        1e-6,
        "pmean",
    );
    let gathered = each(|r| lax::all_gather(r, "i", 0, false)).unwrap();
    assert_eq!(gathered.shape().unwrap(), [3, 3, 2]);
    assert_eq!(
        f64s(&take(&gathered, 0, 2)),
        f64s(&x),
        "every member sees every member"
    );
    assert_eq!(
        each(|r| lax::all_gather(r, "i", 0, true))
            .unwrap()
            .shape()
            .unwrap(),
        vec![3, 6]
    );
    let idx = vmap_with(
        |r: Array| &r * 0.0 + &lax::axis_index("i").astype(DType::F32),
        named("i"),
    )(x.clone())
    .unwrap();
    assert_eq!(
        idx.to_vec::<f32>().unwrap(),
        vec![0.0, 0.0, 1.0, 1.0, 2.0, 2.0]
    );
    // Nested axes: sum over the inner axis only, then over both.
    let grid = array(&values(6, -1.0, 1.0, 1), &[2, 3], DType::F32);
    let inner = vmap_with(
        vmap_with(|v: Array| lax::psum(&v, "j"), named("j")),
        named("i"),
    )(grid.clone())
    .unwrap();
    assert_close(
        &f64s(&take(&inner, 1, 0)),
        &f64s(&jnp::sum(&grid, 1, false)),
        1e-6,
        "psum over the inner axis",
    );
    let both = vmap_with(
        vmap_with(|v: Array| lax::psum(&lax::psum(&v, "j"), "i"), named("j")),
        named("i"),
    )(grid.clone())
    .unwrap();
    assert_close(
        &f64s(&both),
        &[f64s(&grid.sum())[0]; 6],
        1e-6,
        "psum over both axes",
    );
    // Differentiable: d/dx_k of sum_m (x_m / psum(x)) is 0.
    let normalize = vmap_with(|v: Array| &v / &lax::psum(&v, "i"), named("i"));
    let g = grad(|x: Array| Ok(normalize(x)?.sum()))(array(&[1.0, 2.0, 3.0], &[3], DType::F32))
        .unwrap();
    assert_close(&f64s(&g), &[0.0, 0.0, 0.0], 1e-6, "grad through psum");
    let e = lax::psum(&x, "nope").check().unwrap_err();
    assert_eq!(e.kind, ErrorKind::Axis, "{e}");
    assert!(e.to_string().contains("nope"), "{e}");
}

#[test]
fn tree_leaves_mapped_separately() {
    // Map a layer's weights over axis 0 but share its bias.
    let layer = Layer {
        w: array(&values(12, -1.0, 1.0, 1), &[3, 2, 2], DType::F32),
        b: array(&[0.5, -0.5], &[2], DType::F32),
    };
    let spec = VmapSpec::default().in_axes(AxisSpec::each([0.into(), AxisSpec::NONE]));
    let out = vmap_with(|l: Layer| jnp::dot(&l.w, &l.b), spec)(layer.clone()).unwrap();
    let looped = stack(
        (0..3)
            .map(|i| jnp::dot(&take(&layer.w, 0, i), &layer.b))
            .collect(),
    );
    assert_close(
        &f64s(&out),
        &f64s(&looped),
        1e-6,
        "per-leaf in_axes on a struct",
    );
}

/// A function with a custom JVP rule batches as one call on the whole batch
/// (its Jaxpr and its rule vectorized), not one call per member.
#[test]
fn custom_rules_batch_as_one_call() {
    let x = Array::from_slice(&[-1.0f32, 2.0, -3.0, 4.0, 0.5, -0.5], &[3, 2]);
    let relu = |x: Array| rjax::nn::relu(&x);
    let jaxpr = rjax::make_jaxpr(vmap(relu), x.clone()).unwrap().to_string();
    assert_eq!(jaxpr.matches("custom_call").count(), 1, "{jaxpr}");
    assert!(!jaxpr.contains("concatenate"), "{jaxpr}");
    let g = vmap(rjax::grad(|x: Array| rjax::nn::relu(&x).sum()))(x).unwrap();
    assert_eq!(
        g.to_vec::<f32>().unwrap(),
        vec![0.0, 1.0, 0.0, 1.0, 1.0, 0.0]
    );
}

/// `vmap` of a jitted function batches the called program once and keeps
/// it one call (run as one compiled program outside `jit` too); with a
/// collective inside, the call is inlined so that the axis resolves.
#[test]
fn a_jitted_function_batches_as_one_call() {
    let xs = Array::from_slice(&[0.5f32, -1.0, 2.0, 0.25, 3.0, -2.0], &[3, 2]);
    let f = jit(|x: Array| (&x * 2.0).sin());
    let batched = |x: Array| f.call(x).unwrap();
    let jaxpr = rjax::make_jaxpr(vmap(batched), xs.clone())
        .unwrap()
        .to_string();
    assert_eq!(jaxpr.matches("pjit").count(), 1, "{jaxpr}");
    assert!(!jaxpr.contains("concatenate"), "{jaxpr}");
    let want: Vec<f32> = xs
        .to_vec::<f32>()
        .unwrap()
        .iter()
        .map(|v| (v * 2.0).sin())
        .collect();
    assert_close(
        &f64s(&vmap(batched)(xs.clone()).unwrap()),
        &want.iter().map(|&v| v as f64).collect::<Vec<_>>(),
        1e-6,
        "vmap(jit(sin(2x)))",
    );
    let total = jit(|x: Array| lax::psum(&x, "i"));
    let spec = VmapSpec::default().axis_name("i");
    let sums = vmap_with(|x: Array| total.call(x).unwrap(), spec)(xs).unwrap();
    assert_eq!(
        sums.to_vec::<f32>().unwrap(),
        vec![5.5, -2.75, 5.5, -2.75, 5.5, -2.75]
    );
}

/// Functions outside the differentiable table (`zeta` has no derivative,
/// `reduce_precision` is a rounding, `scatter_apply` a `while_loop`, the
/// others take integers):
/// vmap against a loop, the operand batched along axis 1.
#[test]
fn non_differentiable_primitives_match_a_loop() {
    type F = fn(&Array) -> Array;
    let floats = array(&values(4 * B, 1.5, 4.0, 3), &[4, B], DType::F32);
    let ints = array(&values(4 * B, -1e6, 1e6, 5), &[4, B], DType::I32);
    let cases: [(&str, F, &Array); 6] = [
        ("zeta", |x| lax::zeta(x, &(x - 1.0)), &floats),
        (
            "reduce_precision",
            |x| lax::reduce_precision(&(x * 100.0), 5, 3),
            &floats,
        ),
        ("mulhi", |x| lax::mulhi(x, &(x * 4099)), &ints),
        ("reduce_xor", |x| lax::reduce_xor(x, &[0]), &ints),
        ("reduce_and", |x| lax::reduce_and(&x.gt(0), &[0]), &ints),
        (
            "scatter_apply (repeated rows)",
            |x| {
                let at = Array::from_slice(&[1i32, 3, 1], &[3, 1]);
                let dims = lax::IndexDims {
                    window_dims: vec![],
                    collapsed_dims: vec![0],
                    operand_batching_dims: vec![],
                    indices_batching_dims: vec![],
                    index_map: vec![0],
                    index_vector_dim: 1,
                };
                lax::scatter_apply(x, &at, |v| v * 2.0, &dims, &[3])
            },
            &floats,
        ),
    ];
    for (name, f, x) in cases {
        let spec = VmapSpec::default().in_axes(AxisSpec::each([1.into()]));
        let got = vmap_with(|xs: Vec<Array>| f(&xs[0]), spec)(vec![x.clone()]).unwrap();
        let want = stack((0..B).map(|i| f(&take(x, 1, i))).collect());
        assert_eq!(f64s(&got), f64s(&want), "{name}: vmap == loop");
    }
}
