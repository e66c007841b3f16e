//! Autodiff: the seed's numbers, composition with jit, and per-primitive
//! property tests (jvp against finite differences, vjp against jvp).

use crate::common::{array, assert_close, central_difference, dot, f64s, values};
use rjax::indexing::{IndexMode, step};
use rjax::lax::linalg::SolveOptions;
use rjax::numpy as jnp;
use rjax::{
    Array, DType, ErrorKind, Tree, grad, hessian, idx, jacfwd, jacrev, jit, jvp, lax,
    value_and_grad, vjp,
};

/// Constant int32 positions for index arrays.
fn positions(p: &[i32]) -> Array {
    Array::from_slice(p, &[p.len()])
}

fn tanh(x: Array) -> Array {
    x.tanh()
}

#[test]
fn the_seed_numbers() {
    let x = Array::scalar(1.0f32);
    let d1 = grad(tanh);
    assert_close(
        &f64s(&d1(x.clone()).unwrap()),
        &[0.4199743],
        1e-6,
        "grad(tanh)(1.0)",
    );
    let d3 = grad(grad(grad(tanh)));
    let got = d3(x.clone()).unwrap().item::<f32>().unwrap();
    assert!(
        got == 0.6216267 || got == 0.62162673,
        "grad(grad(grad(tanh)))(1.0) = {got}"
    );
}

fn abs_val(x: Array) -> Array {
    if x.gt(0.0).item::<bool>().unwrap() {
        x
    } else {
        -x
    }
}

#[test]
fn rust_control_flow_sees_concrete_values() {
    let d = grad(abs_val);
    assert_eq!(
        d(Array::scalar(1.0f32)).unwrap().item::<f32>().unwrap(),
        1.0
    );
    assert_eq!(
        d(Array::scalar(-1.0f32)).unwrap().item::<f32>().unwrap(),
        -1.0
    );
}

#[test]
fn jit_and_grad_compose() {
    let f = |x: Array| (x.sin() * &x).sum();
    let x = Array::from_slice(&[0.5f32, -1.0, 2.0], &[3]);
    let want: Vec<f64> = f64s(&x).iter().map(|v| v.sin() + v * v.cos()).collect();
    assert_close(&f64s(&grad(f)(x.clone()).unwrap()), &want, 1e-6, "grad");
    assert_close(
        &f64s(&jit(grad(f)).call(x.clone()).unwrap()),
        &want,
        1e-6,
        "jit(grad)",
    );
    let jf = jit(f);
    let g = grad(|x: Array| jf.call(x));
    assert_close(&f64s(&g(x.clone()).unwrap()), &want, 1e-6, "grad(jit)");
}

#[derive(Tree, Clone)]
struct Layer {
    w: Array,
    b: Array,
}

fn predict(params: &[Layer], inputs: &Array) -> Array {
    let mut activations = inputs.clone();
    for layer in params {
        let outputs = jnp::dot(&activations, &layer.w) + &layer.b;
        activations = outputs.tanh();
    }
    activations
}

fn loss(params: &[Layer], inputs: &Array, targets: &Array) -> Array {
    let preds = predict(params, inputs);
    jnp::sum(&((&preds - targets) * (&preds - targets)), (), false)
}

#[test]
fn the_seed_intro_program() {
    let params = vec![
        Layer {
            w: crate::common::array(&values(6, -1.0, 1.0, 1), &[3, 2], DType::F32),
            b: jnp::zeros(&[2], DType::F32),
        },
        Layer {
            w: crate::common::array(&values(2, -1.0, 1.0, 2), &[2, 1], DType::F32),
            b: jnp::ones(&[1], DType::F32),
        },
    ];
    let inputs = crate::common::array(&values(12, -1.0, 1.0, 3), &[4, 3], DType::F32);
    let targets = crate::common::array(&values(4, -1.0, 1.0, 4), &[4, 1], DType::F32);
    let step =
        jit(|(p, x, y): (Vec<Layer>, Array, Array)| grad(|p: Vec<Layer>| loss(&p, &x, &y))(p));
    let jitted = step
        .call((params.clone(), inputs.clone(), targets.clone()))
        .unwrap();
    let eager = grad(|p: Vec<Layer>| loss(&p, &inputs, &targets))(params.clone()).unwrap();
    // Check one weight against a central finite difference in f64.
    let eps = 1e-3;
    let bumped = |d: f64| {
        let mut p = params.clone();
        let mut w = f64s(&p[0].w);
        w[1] += d;
        p[0].w = Array::from_slice(&w, &[3, 2]).astype(DType::F32);
        f64s(&loss(&p, &inputs, &targets))[0]
    };
    let fd = (bumped(eps) - bumped(-eps)) / (2.0 * eps);
    assert_close(&[f64s(&eager[0].w)[1]], &[fd], 1e-2, "finite difference");
    for (a, b) in jitted.iter().zip(&eager) {
        assert_close(&f64s(&a.w), &f64s(&b.w), 1e-5, "jit(grad) == grad: w");
        assert_close(&f64s(&a.b), &f64s(&b.b), 1e-5, "jit(grad) == grad: b");
    }
}

#[test]
fn value_and_grad_and_vjp() {
    let (v, g) =
        value_and_grad(|x: Array| (&x * &x).sum())(Array::from_slice(&[1.0f32, 2.0], &[2]))
            .unwrap();
    assert_eq!(v.item::<f32>().unwrap(), 5.0);
    assert_eq!(g.to_vec::<f32>().unwrap(), vec![2.0, 4.0]);
    let (y, pullback) = vjp(
        |(a, b): (Array, Array)| &a * &b,
        (Array::scalar(3.0f32), Array::scalar(4.0f32)),
    )
    .unwrap();
    assert_eq!(y.item::<f32>().unwrap(), 12.0);
    let (da, db) = pullback.call(Array::scalar(1.0f32)).unwrap();
    assert_eq!(
        (da.item::<f32>().unwrap(), db.item::<f32>().unwrap()),
        (4.0, 3.0)
    );
}

#[test]
fn grad_errors() {
    let e = grad(|x: Array| x.sin())(jnp::ones(&[3], DType::F32)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::Shape, "{e}");
    assert!(e.to_string().contains("scalar"), "{e}");
    assert!(e.location.unwrap().file().ends_with("autodiff.rs"), "{e}");
    let e = grad(|x: Array| x.astype(DType::F32).sum())(jnp::ones(&[3], DType::I32)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::DType, "{e}");
    let zero = grad(|x: Array| jnp::argmax(&x, None, false).astype(DType::F32))(Array::from_slice(
        &[1.0f32, 3.0],
        &[2],
    ))
    .unwrap();
    assert_eq!(
        zero.to_vec::<f32>().unwrap(),
        vec![0.0, 0.0],
        "argmax has a zero derivative"
    );
}

/// A named function of arrays with the domain of each operand.
pub(crate) type Case = (
    &'static str,
    fn(&[Array]) -> Array,
    Vec<(Vec<usize>, f64, f64)>,
);

/// Every differentiable primitive as a function of f64 arrays, with an
/// input domain.
pub(crate) fn cases() -> Vec<Case> {
    let un = |lo: f64, hi: f64| vec![(vec![2, 3], lo, hi)];
    let bin = |lo: f64, hi: f64| vec![(vec![2, 3], lo, hi), (vec![2, 3], lo, hi)];
    vec![
        ("neg", |a| lax::neg(&a[0]), un(-2.0, 2.0)),
        ("exp", |a| lax::exp(&a[0]), un(-2.0, 2.0)),
        ("log", |a| lax::log(&a[0]), un(0.5, 3.0)),
        ("log1p", |a| lax::log1p(&a[0]), un(-0.5, 2.0)),
        ("expm1", |a| lax::expm1(&a[0]), un(-2.0, 2.0)),
        ("tanh", |a| lax::tanh(&a[0]), un(-2.0, 2.0)),
        ("logistic", |a| lax::logistic(&a[0]), un(-3.0, 3.0)),
        ("sin", |a| lax::sin(&a[0]), un(-3.0, 3.0)),
        ("cos", |a| lax::cos(&a[0]), un(-3.0, 3.0)),
        ("tan", |a| lax::tan(&a[0]), un(-1.0, 1.0)),
        ("sqrt", |a| lax::sqrt(&a[0]), un(0.5, 4.0)),
        ("rsqrt", |a| lax::rsqrt(&a[0]), un(0.5, 4.0)),
        ("abs", |a| lax::abs(&a[0]), un(0.2, 2.0)),
        ("erf", |a| lax::erf(&a[0]), un(-2.0, 2.0)),
        ("erf_inv", |a| lax::erf_inv(&a[0]), un(-0.9, 0.9)),
        ("cbrt", |a| lax::cbrt(&a[0]), un(0.5, 3.0)),
        ("sinh", |a| lax::sinh(&a[0]), un(-2.0, 2.0)),
        ("cosh", |a| lax::cosh(&a[0]), un(-2.0, 2.0)),
        ("asin", |a| lax::asin(&a[0]), un(-0.8, 0.8)),
        ("acos", |a| lax::acos(&a[0]), un(-0.8, 0.8)),
        ("atan", |a| lax::atan(&a[0]), un(-2.0, 2.0)),
        ("asinh", |a| lax::asinh(&a[0]), un(-2.0, 2.0)),
        ("acosh", |a| lax::acosh(&a[0]), un(1.5, 3.0)),
        ("atanh", |a| lax::atanh(&a[0]), un(-0.8, 0.8)),
        ("lgamma", |a| lax::lgamma(&a[0]), un(0.5, 3.0)),
        ("digamma", |a| lax::digamma(&a[0]), un(0.5, 3.0)),
        ("rev", |a| lax::rev(&a[0], &[1]), un(-1.0, 1.0)),
        (
            "sort (key and value)",
            |a| {
                let sorted = lax::sort(&[a[0].clone(), lax::sin(&a[1])], 1, true, 1);
                &sorted[0] * &sorted[1]
            },
            bin(-1.0, 1.0),
        ),
        ("top_k", |a| lax::top_k(&a[0], 2).0, un(-1.0, 1.0)),
        ("cumsum", |a| lax::cumsum(&a[0], 1, false), un(-1.0, 1.0)),
        ("cumprod", |a| lax::cumprod(&a[0], 1, true), un(0.5, 1.5)),
        ("cummax", |a| lax::cummax(&a[0], 1, false), un(-1.0, 1.0)),
        (
            "reduce_window max",
            |a| {
                let w = lax::Window::new(&[1, 2], &[1, 1], lax::Padding::Same);
                let init = lax::convert_element_type(
                    &Array::scalar(f64::NEG_INFINITY),
                    a[0].dtype().unwrap(),
                );
                lax::reduce_window(&a[0], &init, lax::max, &w)
            },
            un(-1.0, 1.0),
        ),
        (
            "conv",
            |a| lax::conv(&a[0], &a[1], &[2], lax::Padding::Same),
            vec![(vec![2, 2, 5], -1.0, 1.0), (vec![3, 2, 2], -1.0, 1.0)],
        ),
        (
            "conv dilated, grouped, channels last",
            |a| {
                let opts = lax::ConvOptions {
                    padding: lax::Padding::Explicit(vec![(1, 0)]),
                    lhs_dilation: vec![2],
                    rhs_dilation: vec![2],
                    feature_group_count: 2,
                    ..Default::default()
                }
                .with_layouts("NWC", "WIO", "NWC");
                lax::conv_general_dilated(&a[0], &a[1], &opts)
            },
            vec![(vec![1, 4, 4], -1.0, 1.0), (vec![2, 2, 4], -1.0, 1.0)],
        ),
        // The kernel first, so that vmap == loop also maps the kernel alone.
        (
            "conv grouped, kernel operand first",
            |a| {
                let opts = lax::ConvOptions {
                    feature_group_count: 2,
                    ..Default::default()
                };
                lax::conv_general_dilated(&a[1], &a[0], &opts)
            },
            vec![(vec![4, 1, 2], -1.0, 1.0), (vec![2, 2, 3], -1.0, 1.0)],
        ),
        (
            "conv strided, kernel operand first",
            |a| lax::conv(&a[1], &a[0], &[2], lax::Padding::Valid),
            vec![(vec![2, 3, 2], -1.0, 1.0), (vec![1, 3, 5], -1.0, 1.0)],
        ),
        (
            "gather (repeated rows, reversed stride)",
            |a| a[0].get(idx![&positions(&[2, 0, 2, -1]), step(.., -2)]),
            vec![(vec![3, 4], -1.0, 1.0)],
        ),
        (
            "take_along_axis",
            |a| {
                let i = positions(&[1, 0, 2, 2, 1, 0]).reshape(&[2, 3]);
                jnp::take_along_axis(&a[0], &i, 1, IndexMode::Fill)
            },
            un(-1.0, 1.0),
        ),
        (
            "scatter (repeated positions)",
            |a| a[0].at(idx![&positions(&[1, 3, 1])]).set(&lax::sin(&a[1])),
            vec![(vec![4, 3], -1.0, 1.0), (vec![3, 3], -1.0, 1.0)],
        ),
        (
            "scatter-add (an out-of-bounds column)",
            |a| a[0].at(idx![.., &positions(&[2, 5, 2])]).add(&a[1]),
            vec![(vec![2, 4], -1.0, 1.0), (vec![2, 3], -1.0, 1.0)],
        ),
        (
            "scatter-mul",
            |a| a[0].at(idx![&positions(&[1, 0, 1])]).mul(&a[1]),
            vec![(vec![2, 3], -1.0, 1.0), (vec![3, 3], 0.5, 1.5)],
        ),
        (
            "scatter-max",
            |a| a[0].at(idx![&positions(&[1, 0, 1])]).max(&a[1]),
            vec![(vec![2, 3], -1.0, 1.0), (vec![3, 3], -1.0, 1.0)],
        ),
        (
            "scatter-min",
            |a| a[0].at(idx![1.., step(.., 2)]).min(&a[1]),
            vec![(vec![3, 3], -1.0, 1.0), (vec![2, 2], -1.0, 1.0)],
        ),
        (
            "cholesky",
            |a| {
                let spd = &jnp::matmul(&a[0], &a[0].t())
                    + &(&jnp::eye(3, None, 0, a[0].dtype().unwrap()) * 3.0);
                jnp::linalg::cholesky(&spd)
            },
            vec![(vec![3, 3], -1.0, 1.0)],
        ),
        (
            "triangular_solve (left, lower)",
            |a| {
                let opts = SolveOptions {
                    left_side: true,
                    lower: true,
                    ..SolveOptions::default()
                };
                lax::linalg::triangular_solve(&a[0], &a[1], opts)
            },
            vec![(vec![3, 3], 1.0, 2.0), (vec![3, 2], -1.0, 1.0)],
        ),
        (
            "triangular_solve (right, upper, transposed, unit diagonal)",
            |a| {
                let opts = SolveOptions {
                    transpose_a: true,
                    unit_diagonal: true,
                    ..SolveOptions::default()
                };
                lax::linalg::triangular_solve(&a[0], &a[1], opts)
            },
            vec![(vec![3, 3], -1.0, 1.0), (vec![2, 3], -1.0, 1.0)],
        ),
        (
            "solve (LU with pivoting)",
            |a| {
                // Pivoting still happens (the off-diagonal can exceed the diagonal).
                let a0 = &a[0] + &(&jnp::eye(3, None, 0, a[0].dtype().unwrap()) * 0.5);
                jnp::linalg::solve(&a0, &a[1])
            },
            vec![(vec![3, 3], -1.0, 1.0), (vec![3, 2], -1.0, 1.0)],
        ),
        (
            "det",
            |a| jnp::linalg::det(&a[0]),
            vec![(vec![3, 3], -1.0, 1.0)],
        ),
        (
            "qr (q of a tall matrix)",
            // Well conditioned, so that f32 derivatives are accurate.
            |a| {
                lax::linalg::qr(
                    &(&a[0] + &(&jnp::eye(4, Some(3), 0, a[0].dtype().unwrap()) * 2.0)),
                    false,
                )
                .0
            },
            vec![(vec![4, 3], -1.0, 1.0)],
        ),
        (
            "eigh (eigenvalues)",
            |a| lax::linalg::eigh(&a[0]).1,
            vec![(vec![3, 3], -1.0, 1.0)],
        ),
        (
            "eigh (squared eigenvectors)",
            |a| {
                let v = lax::linalg::eigh(&a[0]).0;
                &v * &v
            },
            vec![(vec![3, 3], -1.0, 1.0)],
        ),
        (
            "svd (singular values)",
            |a| lax::linalg::svd(&a[0], false).0,
            vec![(vec![3, 2], -1.0, 1.0)],
        ),
        (
            "svd (squared vectors of a wide matrix)",
            |a| {
                let (_, u, vt) = lax::linalg::svd(&a[0], false);
                jnp::concatenate(&[&u * &u, (&vt * &vt).t()], 0)
            },
            vec![(vec![2, 3], -1.0, 1.0)],
        ),
        (
            "pinv",
            |a| jnp::linalg::pinv(&a[0], None),
            vec![(vec![3, 2], -1.0, 1.0)],
        ),
        (
            "qr (r of a wide matrix)",
            |a| lax::linalg::qr(&a[0], false).1,
            vec![(vec![2, 3], -1.0, 1.0)],
        ),
        ("add", |a| lax::add(&a[0], &a[1]), bin(-2.0, 2.0)),
        ("sub", |a| lax::sub(&a[0], &a[1]), bin(-2.0, 2.0)),
        ("mul", |a| lax::mul(&a[0], &a[1]), bin(-2.0, 2.0)),
        ("div", |a| lax::div(&a[0], &a[1]), bin(0.5, 2.0)),
        (
            "rem",
            |a| lax::rem(&a[0], &a[1]),
            vec![(vec![2, 3], 2.1, 4.9), (vec![2, 3], 1.05, 1.95)],
        ),
        ("pow", |a| lax::pow(&a[0], &a[1]), bin(0.5, 2.0)),
        (
            "max",
            |a| lax::max(&a[0], &a[1]),
            vec![(vec![2, 3], -2.0, 0.0), (vec![2, 3], 0.1, 2.0)],
        ),
        (
            "min",
            |a| lax::min(&a[0], &a[1]),
            vec![(vec![2, 3], -2.0, 0.0), (vec![2, 3], 0.1, 2.0)],
        ),
        ("atan2", |a| lax::atan2(&a[0], &a[1]), bin(0.5, 2.0)),
        // x on both sides of a: the series and the continued fraction.
        (
            "igamma",
            |a| lax::igamma(&a[0], &a[1]),
            vec![(vec![2, 3], 0.5, 4.0), (vec![2, 3], 0.2, 6.0)],
        ),
        (
            "igammac",
            |a| lax::igammac(&a[0], &a[1]),
            vec![(vec![2, 3], 0.5, 4.0), (vec![2, 3], 0.2, 6.0)],
        ),
        (
            "betainc (in x)",
            |a| {
                let shape = |v: f64| jnp::full_like(&a[0], v, None);
                lax::betainc(&shape(2.5), &shape(0.7), &a[0])
            },
            un(0.05, 0.95),
        ),
        (
            "scalar operand",
            |a| &a[0] * &lax::reduce_sum(&a[1], &[0, 1]),
            bin(-1.0, 1.0),
        ),
        (
            "select",
            |a| lax::select(&lax::gt(&a[0], &a[1]), &lax::sin(&a[0]), &lax::cos(&a[1])),
            bin(-1.0, 1.0),
        ),
        (
            "convert",
            |a| {
                lax::convert_element_type(&lax::convert_element_type(&a[0], DType::F32), DType::F64)
            },
            un(-1.0, 1.0),
        ),
        (
            "broadcast_in_dim",
            |a| lax::broadcast_in_dim(&a[0], &[4, 2, 3], &[1, 2]),
            un(-1.0, 1.0),
        ),
        ("reshape", |a| lax::reshape(&a[0], &[3, 2]), un(-1.0, 1.0)),
        (
            "transpose",
            |a| lax::transpose(&a[0], &[1, 0]),
            un(-1.0, 1.0),
        ),
        (
            "squeeze/expand_dims",
            |a| lax::squeeze(&lax::expand_dims(&a[0], &[0]), &[0]),
            un(-1.0, 1.0),
        ),
        (
            "reduce_sum",
            |a| lax::reduce_sum(&a[0], &[1]),
            un(-1.0, 1.0),
        ),
        (
            "reduce_max",
            |a| lax::reduce_max(&a[0], &[0]),
            un(-1.0, 1.0),
        ),
        (
            "reduce_min",
            |a| lax::reduce_min(&a[0], &[1]),
            un(-1.0, 1.0),
        ),
        (
            "reduce_prod",
            |a| lax::reduce_prod(&a[0], &[1]),
            un(0.5, 1.5),
        ),
        (
            "dot_general",
            |a| jnp::dot(&a[0], &lax::transpose(&a[1], &[1, 0])),
            bin(-1.0, 1.0),
        ),
        (
            "batched dot_general",
            |a| {
                jnp::matmul(
                    &lax::reshape(&a[0], &[2, 3, 1]),
                    &lax::reshape(&a[1], &[2, 1, 3]),
                )
            },
            bin(-1.0, 1.0),
        ),
        (
            "slice",
            |a| lax::slice(&a[0], &[0, 1], &[2, 3], Some(&[1, 2])),
            un(-1.0, 1.0),
        ),
        (
            "pad",
            |a| {
                lax::pad(
                    &a[0],
                    &lax::reduce_sum(&a[1], &[0, 1]),
                    &[(1, -1, 1), (0, 2, 0)],
                )
            },
            bin(-1.0, 1.0),
        ),
        (
            "concatenate",
            |a| lax::concatenate(&[a[0].clone(), a[1].clone()], 1),
            bin(-1.0, 1.0),
        ),
        (
            "dynamic_slice",
            |a| lax::dynamic_slice(&a[0], &[Array::scalar(1i32), Array::scalar(1i32)], &[1, 2]),
            un(-1.0, 1.0),
        ),
        (
            "dynamic_update_slice",
            |a| {
                lax::dynamic_update_slice(
                    &a[0],
                    &lax::slice(&a[1], &[0, 0], &[1, 2], None),
                    &[Array::scalar(1i32), Array::scalar(0i32)],
                )
            },
            bin(-1.0, 1.0),
        ),
        (
            "jit call",
            |a| jit(|x: Array| x.sin() * 2.0).call(a[0].clone()).unwrap(),
            un(-1.0, 1.0),
        ),
        ("erfc", |a| lax::erfc(&a[0]), un(-2.0, 2.0)),
        // Both expansions (|x| <= 8 and beyond), both signs.
        ("bessel_i0e", |a| lax::bessel_i0e(&a[0]), un(-12.0, -0.3)),
        ("bessel_i1e", |a| lax::bessel_i1e(&a[0]), un(0.3, 12.0)),
        (
            "polygamma (in x)",
            |a| lax::polygamma(&jnp::full_like(&a[0], 2.0, None), &a[0]),
            un(0.5, 3.0),
        ),
        ("integer_pow", |a| lax::integer_pow(&a[0], 3), un(-2.0, 2.0)),
        (
            "integer_pow (negative)",
            |a| lax::integer_pow(&a[0], -2),
            un(0.5, 2.0),
        ),
        (
            "cumlogsumexp",
            |a| lax::cumlogsumexp(&a[0], 1, true),
            un(-1.0, 1.0),
        ),
        (
            "select_n (three cases)",
            |a| {
                let which = positions(&[2, 0, 1, 1, 2, 0]).reshape(&[2, 3]);
                lax::select_n(&which, &[a[0].clone(), a[1].clone(), lax::sin(&a[0])])
            },
            bin(-1.0, 1.0),
        ),
        (
            "index_take",
            |a| lax::index_take(&a[0], &[positions(&[2, 0, -1])], &[1]),
            un(-1.0, 1.0),
        ),
        (
            "dynamic_update_index_in_dim",
            |a| {
                let row = lax::index_in_dim(&a[1], 0, 0, false);
                lax::dynamic_update_index_in_dim(&a[0], &row, &Array::scalar(-1i32), 0)
            },
            bin(-1.0, 1.0),
        ),
        (
            "batch_matmul",
            |a| lax::batch_matmul(&a[0], &a[1]),
            vec![(vec![2, 2, 3], -1.0, 1.0), (vec![2, 3, 2], -1.0, 1.0)],
        ),
        (
            "conv_transpose (transposed kernel)",
            |a| lax::conv_transpose(&a[0], &a[1], &[2], lax::Padding::Same, &[], None, true),
            vec![(vec![1, 4, 2], -1.0, 1.0), (vec![2, 3, 2], -1.0, 1.0)],
        ),
    ]
}

type Domain = [(Vec<usize>, f64, f64)];

/// Inputs inside `domain` and a direction in [-1, 1], deterministically.
fn point_and_direction(
    domain: &Domain,
    dtype: DType,
    seed: u64,
    direction_seed: u64,
) -> (Vec<Array>, Vec<Array>) {
    let make = |lo: f64, hi: f64, s: &[usize], seed: u64| {
        array(&values(s.iter().product(), lo, hi, seed), s, dtype)
    };
    let x = domain
        .iter()
        .enumerate()
        .map(|(i, (s, lo, hi))| make(*lo, *hi, s, seed + i as u64))
        .collect();
    let v = domain
        .iter()
        .enumerate()
        .map(|(i, (s, _, _))| make(-1.0, 1.0, s, direction_seed + i as u64))
        .collect();
    (x, v)
}

#[test]
fn jvp_matches_finite_differences_and_vjp_matches_jvp() {
    for (name, f, domain) in cases() {
        let (x, v) = point_and_direction(&domain, DType::F64, 1, 9);
        let (y, dy) = jvp(|xs: Vec<Array>| f(&xs), x.clone(), v.clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        // Central finite difference along v (wider for the f32 round trip).
        let (eps, tol) = if name == "convert" {
            (1e-2, 1e-4)
        } else {
            (1e-6, 1e-6)
        };
        let fd = central_difference(f, &x, &v, eps);
        assert_close(
            &f64s(&dy),
            &fd,
            tol,
            &format!("{name}: jvp vs finite differences"),
        );
        // <u, J v> == <J^T u, v>
        let u = array(
            &values(y.size().unwrap(), -1.0, 1.0, 5),
            &y.shape().unwrap(),
            DType::F64,
        );
        let (_, pullback) =
            vjp(|xs: Vec<Array>| f(&xs), x.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let ju = pullback
            .call(u.clone())
            .unwrap_or_else(|e| panic!("{name}: vjp: {e}"));
        let lhs = dot(&[u], &[dy]);
        let rhs = dot(&ju, &v);
        assert!(
            (lhs - rhs).abs() <= tol * 1e-3 * (1.0 + lhs.abs()),
            "{name}: <u, Jv> = {lhs} but <J^T u, v> = {rhs}"
        );
        // grad under jit == grad eagerly.
        let total = |xs: Vec<Array>| f(&xs).sum();
        let eager = grad(total)(x.clone()).unwrap();
        let jitted = jit(grad(total))
            .call(x.clone())
            .unwrap_or_else(|e| panic!("{name}: jit(grad): {e}"));
        for (a, b) in eager.iter().zip(&jitted) {
            assert_close(
                &f64s(a),
                &f64s(b),
                1e-12,
                &format!("{name}: grad == jit(grad)"),
            );
        }
    }
}

#[test]
fn jacobians_and_hessians() {
    let f = |x: Array| &x.sin() * &lax::reduce_sum(&x, &[0]);
    let x = Array::from_slice(&[0.3f64, -0.7, 1.1], &[3]);
    let xs = f64s(&x);
    let s: f64 = xs.iter().sum();
    let want: Vec<f64> = (0..3)
        .flat_map(|i| (0..3).map(move |j| (i, j)))
        .map(|(i, j)| if i == j { xs[i].cos() * s } else { 0.0 } + xs[i].sin())
        .collect();
    let fwd = jacfwd(f)(x.clone()).unwrap();
    let rev = jacrev(f)(x.clone()).unwrap();
    assert_eq!(fwd.shape().unwrap(), [3, 3]);
    assert_close(&f64s(&fwd), &want, 1e-12, "jacfwd");
    assert_close(&f64s(&rev), &want, 1e-12, "jacrev");
    let h = hessian(tanh)(Array::scalar(1.0f32))
        .unwrap()
        .item::<f32>()
        .unwrap();
    assert!((h + 0.63969994).abs() < 1e-6, "hessian(tanh)(1.0) = {h}");
    let jitted = jit(jacfwd(jacrev(|x: Array| (x.sin() * &x).sum())))
        .call(x.clone())
        .unwrap();
    let eager = jacfwd(jacrev(|x: Array| (x.sin() * &x).sum()))(x.clone()).unwrap();
    assert_eq!(jitted.shape().unwrap(), [3, 3]);
    assert_close(
        &f64s(&jitted),
        &f64s(&eager),
        1e-12,
        "jit(jacfwd(jacrev(f)))",
    );
    let e = jacfwd(tanh)(jnp::arange(3)).unwrap_err();
    assert_eq!(e.kind, ErrorKind::DType, "{e}");
}

#[test]
fn stop_gradient_and_aux() {
    let g = grad(|x: Array| (&x * &lax::stop_gradient(&x)).sum())(Array::scalar(3.0f32)).unwrap();
    assert_eq!(g.item::<f32>().unwrap(), 3.0);
    let f = rjax::value_and_grad_aux(|x: Array| ((&x * &x).sum(), (x.sin(), &x * 2.0)));
    let ((v, (s, d)), g) = f(Array::scalar(2.0f32)).unwrap();
    assert_eq!(
        (v.item::<f32>().unwrap(), g.item::<f32>().unwrap()),
        (4.0, 4.0)
    );
    assert!((s.item::<f32>().unwrap() - 2f32.sin()).abs() < 1e-6);
    assert_eq!(d.item::<f32>().unwrap(), 4.0);
}

#[test]
fn snapshots_of_grad_of_an_mlp_loss() {
    let params = vec![
        Layer {
            w: jnp::ones(&[3, 4], DType::F32),
            b: jnp::zeros(&[4], DType::F32),
        },
        Layer {
            w: jnp::ones(&[4, 1], DType::F32),
            b: jnp::zeros(&[1], DType::F32),
        },
    ];
    let inputs = jnp::ones(&[2, 3], DType::F32);
    let targets = jnp::zeros(&[2, 1], DType::F32);
    let step = |(p, x, y): (Vec<Layer>, Array, Array)| grad(|p: Vec<Layer>| loss(&p, &x, &y))(p);
    let args = (params, inputs, targets);
    insta::assert_snapshot!(
        "grad_mlp_jaxpr",
        rjax::make_jaxpr(step, args.clone()).unwrap().to_string()
    );
    let lowered = jit(step).lower(args.clone()).unwrap();
    insta::assert_snapshot!("grad_mlp_stablehlo", lowered.as_text());
    let out = jit(step).call(args).unwrap();
    // d/db of the last layer: 2 * sum over the batch of (pred - 0) * (1 - pred^2), pred = tanh(4 * tanh(3)).
    let pred = (4.0 * 3f64.tanh()).tanh();
    assert_close(
        &f64s(&out[1].b),
        &[2.0 * 2.0 * pred * (1.0 - pred * pred)],
        1e-5,
        "last bias gradient",
    );
}

#[test]
fn custom_rules_and_checkpoint() {
    let softplus = rjax::custom_jvp(
        |x: Array| (x.exp() + 1.0).log(),
        |x: Array, t: Array| ((x.exp() + 1.0).log(), &t * &(1.0 - 1.0 / (x.exp() + 1.0))),
    );
    let g = |x: Array| grad(|x: Array| softplus.call(x))(x);
    assert_eq!(
        g(Array::scalar(100.0f32)).unwrap().item::<f32>().unwrap(),
        1.0
    );
    assert_close(
        &f64s(&jit(g).call(Array::scalar(0.0f32)).unwrap()),
        &[0.5],
        1e-6,
        "jit(grad(custom_jvp))",
    );
    assert_eq!(
        softplus
            .call(Array::scalar(0.0f32))
            .unwrap()
            .item::<f32>()
            .unwrap(),
        2f32.ln()
    );

    let clipped = rjax::custom_vjp(
        |x: Array| &x * &x,
        |x: Array| (&x * &x, x.clone()),
        |x: Array, g: Array| {
            jnp::minimum(
                &jnp::maximum(&(&g * &x * 2.0), &Array::weak(-1.0)),
                &Array::weak(1.0),
            )
        },
    );
    let x = Array::from_slice(&[0.25f32, 3.0, -2.0], &[3]);
    let dg = grad(|x: Array| Ok(clipped.call(x)?.sum()));
    assert_eq!(
        dg(x.clone()).unwrap().to_vec::<f32>().unwrap(),
        vec![0.5, 1.0, -1.0]
    );
    assert_eq!(
        jit(&dg).call(x.clone()).unwrap().to_vec::<f32>().unwrap(),
        vec![0.5, 1.0, -1.0]
    );
    let e = jvp(
        |x: Array| Array::from_result(clipped.call(x)),
        x.clone(),
        x.clone(),
    )
    .expect_err("an error");
    assert!(
        e.to_string().contains("forward-mode"),
        "forward mode through custom_vjp is an error, as in JAX: {e}"
    );

    let f = |x: Array| x.sin().sin();
    let plain = grad(f)(Array::scalar(0.5f32)).unwrap();
    let remat = grad(|x: Array| rjax::checkpoint(f, x))(Array::scalar(0.5f32)).unwrap();
    assert_eq!(plain.item::<f32>().unwrap(), remat.item::<f32>().unwrap());
    let count_sin = |j: &rjax::ClosedJaxpr| j.to_string().matches(" = sin ").count();
    let without = rjax::make_jaxpr(grad(f), Array::scalar(0.5f32)).unwrap();
    let with = rjax::make_jaxpr(
        grad(|x: Array| rjax::checkpoint(f, x)),
        Array::scalar(0.5f32),
    )
    .unwrap();
    assert_eq!(count_sin(&without), 2, "{without}");
    assert!(
        count_sin(&with) > count_sin(&without),
        "the backward pass recomputes sin(x):\n{with}"
    );
    insta::assert_snapshot!("checkpoint_grad_jaxpr", with.to_string());
}

#[test]
fn argnums_by_closing_over_the_rest() {
    // JAX's grad(f, argnums=(0, 2))(a, b, c): differentiate a tuple of the
    // chosen arguments and close over the others.
    let f = |a: &Array, b: &Array, c: &Array| (a * b * c).sum();
    let (a, b, c) = (
        Array::scalar(2.0f32),
        Array::scalar(3.0f32),
        Array::scalar(5.0f32),
    );
    let (da, dc) = grad(|(a, c): (Array, Array)| f(&a, &b, &c))((a.clone(), c.clone())).unwrap();
    assert_eq!(
        (da.item::<f32>().unwrap(), dc.item::<f32>().unwrap()),
        (15.0, 6.0)
    );
}

#[test]
fn vjp_matches_jvp_in_f32() {
    for (name, f, domain) in cases() {
        let (x, v) = point_and_direction(&domain, DType::F32, 3, 5);
        let (y, dy) = jvp(|xs: Vec<Array>| f(&xs), x.clone(), v.clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let u = array(
            &values(y.size().unwrap(), -1.0, 1.0, 7),
            &y.shape().unwrap(),
            DType::F32,
        );
        let (_, pullback) =
            vjp(|xs: Vec<Array>| f(&xs), x.clone()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let ju = pullback
            .call(u.clone())
            .unwrap_or_else(|e| panic!("{name}: vjp: {e}"));
        let (lhs, rhs) = (dot(&[u], &[dy]), dot(&ju, &v));
        assert!(
            (lhs - rhs).abs() <= 1e-4 * (1.0 + lhs.abs()),
            "{name} f32: <u, Jv> = {lhs} but <J^T u, v> = {rhs}"
        );
    }
}
