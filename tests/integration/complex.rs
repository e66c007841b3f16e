//! Complex numbers and `jnp.fft`: values, gradients and transforms against
//! JAX's fixtures (tests/fixtures/api.txt), eager and jitted; property
//! tests of the complex primitives' rules (eager == jit, jvp against
//! finite differences, vjp against jvp, vmap against a loop); printing,
//! element access and the typed refusals.

use crate::common::{array, assert_close, central_difference, dot, f64s, values};
use crate::fixtures::{Case, check_case};
use rjax::lax::{self, FftType};
use rjax::numpy::{self as jnp, fft::Norm};
use rjax::{
    Array, Complex, DType, ErrorKind, grad, grad_holomorphic, jacfwd, jacfwd_holomorphic, jacrev,
    jacrev_holomorphic, jit, jvp, vjp, vmap,
};

const FIXTURES: &str = include_str!("../fixtures/api.txt");

/// `f`'s value and its VJP for the cotangent `linspace(-1, 1, size)` (of
/// `f`'s dtype: real-valued for complex outputs), as the fixtures take it.
fn with_vjp(f: fn(&Array) -> Array, x: &[Array]) -> Vec<Array> {
    let (y, pullback) = vjp(|x: Array| f(&x), x[0].clone()).expect("vjp");
    let shape: Vec<i64> = y.shape().unwrap().iter().map(|&d| d as i64).collect();
    let ct = jnp::linspace(-1.0, 1.0, y.size().unwrap())
        .astype(y.dtype().unwrap())
        .reshape(&shape);
    vec![y, pullback.call(ct).expect("pullback")]
}

fn fft(z: &Array) -> Array {
    jnp::fft::fft(z, None, -1, Norm::Backward)
}

fn rfft(x: &Array) -> Array {
    jnp::fft::rfft(x, None, -1, Norm::Backward)
}

fn irfft(y: &Array) -> Array {
    jnp::fft::irfft(y, None, -1, Norm::Backward)
}

const COMPLEX: &[(&str, Case)] = &[
    ("complex_make", |x| vec![lax::complex(&x[0], &x[1])]),
    ("complex_parts", |x| {
        let z = &x[0];
        vec![
            jnp::real(z),
            jnp::imag(z),
            jnp::conj(z),
            jnp::abs(z),
            jnp::angle(z, false),
            jnp::angle(z, true),
        ]
    }),
    ("complex_arith", |x| {
        let (z, w) = (&x[0], &x[1]);
        vec![z + w, z - w, z * w, z / w, -z]
    }),
    ("complex_promote", |x| {
        let (z, r) = (&x[0], &x[1]);
        vec![z + r, z * 2.0, z + &r.astype(DType::F64)]
    }),
    ("complex_analytic", |x| {
        let z = &x[0];
        vec![
            jnp::exp(z),
            jnp::log(z),
            jnp::sqrt(z),
            jnp::sin(z),
            jnp::cos(z),
            jnp::tanh(z),
        ]
    }),
    ("complex_algebraic", |x| {
        let (z, w) = (&x[0], &x[1]);
        vec![
            jnp::square(z),
            jnp::reciprocal(z),
            jnp::sign(z),
            jnp::power(z, w),
            lax::integer_pow(z, 2),
        ]
    }),
    ("complex_tests", |x| {
        let (z, w) = (&x[0], &x[1]);
        vec![
            jnp::equal(z, w),
            jnp::not_equal(z, w),
            jnp::isfinite(z),
            jnp::isinf(z),
            jnp::isnan(z),
            jnp::iscomplex(z),
            jnp::isreal(z),
        ]
    }),
    ("complex_sort", |x| vec![jnp::sort_complex(&x[0])]),
    ("complex_sum_dot", |x| {
        let (z, w) = (&x[0], &x[1]);
        vec![
            jnp::sum(z, 1, false),
            jnp::prod(z, 0, false),
            jnp::matmul(z, &jnp::transpose(w, None)),
            jnp::mean(z, (), false),
        ]
    }),
    ("complex_grad_abs2", |x| {
        vec![
            grad(|z: Array| jnp::sum(&jnp::square(&jnp::abs(&z)), (), false))(x[0].clone())
                .unwrap(),
        ]
    }),
    ("complex_grad_mixed", |x| {
        let f = |z: Array| {
            let a = jnp::real(&(&jnp::sin(&z) * &jnp::conj(&z)));
            jnp::sum(&(&a + &jnp::imag(&jnp::exp(&z))), (), false)
        };
        vec![grad(f)(x[0].clone()).unwrap()]
    }),
    ("complex_grad_abs", |x| {
        vec![grad(|z: Array| jnp::sum(&jnp::abs(&z), (), false))(x[0].clone()).unwrap()]
    }),
    ("complex_grad_angle", |x| {
        vec![grad(|z: Array| jnp::sum(&jnp::angle(&z, false), (), false))(x[0].clone()).unwrap()]
    }),
    ("complex_grad_parts", |x| {
        let f = |(a, b): (Array, Array)| {
            let z = &lax::integer_pow(&lax::complex(&a, &b), 2) + &lax::complex(&b, &a);
            jnp::sum(&jnp::abs(&z), (), false)
        };
        let (da, db) = grad(f)((x[0].clone(), x[1].clone())).unwrap();
        vec![da, db]
    }),
    ("complex_grad_holomorphic", |x| {
        let f = |z: Array| &(&jnp::sin(&z) * &z) + &(&jnp::exp(&z) / &z);
        vec![grad_holomorphic(f)(x[0].clone()).unwrap()]
    }),
    ("complex_jacfwd_holomorphic", |x| {
        let f = |z: Array| &jnp::sin(&z) * &lax::integer_pow(&z, 2);
        vec![jacfwd_holomorphic(f)(x[0].clone()).unwrap()]
    }),
    ("complex_jacrev_holomorphic", |x| {
        let f = |z: Array| &jnp::exp(&z) / &(&z + 2.0);
        vec![jacrev_holomorphic(f)(x[0].clone()).unwrap()]
    }),
    ("complex_jacrev_real_outputs", |x| {
        let f = |z: Array| &jnp::square(&jnp::abs(&z)) + &(&jnp::real(&z) * &jnp::imag(&z));
        vec![jacrev(f)(x[0].clone()).unwrap()]
    }),
    ("complex_jacfwd_complex_outputs", |x| {
        let f = |x: Array| &jnp::exp(&lax::complex(&(&x * 0.0), &x)) * &x;
        vec![jacfwd(f)(x[0].clone()).unwrap()]
    }),
    ("complex_vjp", |x| {
        with_vjp(|z| &jnp::tanh(z) * &jnp::conj(z), x)
    }),
];

const FFT: &[(&str, Case)] = &[
    ("fft_1d", |x| {
        let z = &x[0];
        vec![
            fft(z),
            jnp::fft::ifft(z, None, -1, Norm::Backward),
            jnp::fft::fft(z, Some(6), 0, Norm::Backward),
            jnp::fft::fft(z, Some(3), -1, Norm::Ortho),
            jnp::fft::ifft(z, None, 0, Norm::Forward),
        ]
    }),
    ("fft_real", |x| {
        let r = &x[0];
        vec![
            fft(r),
            rfft(r),
            jnp::fft::rfft(r, Some(7), 0, Norm::Backward),
            jnp::fft::rfft(r, None, -1, Norm::Forward),
        ]
    }),
    ("fft_irfft", |x| {
        let y = &x[0];
        vec![
            irfft(y),
            jnp::fft::irfft(y, Some(5), -1, Norm::Backward),
            jnp::fft::irfft(y, Some(6), -1, Norm::Ortho),
        ]
    }),
    ("fft_nd", |x| {
        let z = &x[0];
        vec![
            jnp::fft::fft2(z, None, None, Norm::Backward),
            jnp::fft::ifft2(z, None, None, Norm::Backward),
            jnp::fft::fftn(z, None, None, Norm::Backward),
            jnp::fft::ifftn(z, Some(&[2, 5]), None, Norm::Backward),
            jnp::fft::fftn(z, None, Some(&[0]), Norm::Backward),
        ]
    }),
    ("fft_rnd", |x| {
        let r = &x[0];
        let full = jnp::fft::rfftn(r, None, None, Norm::Backward);
        vec![
            full.clone(),
            jnp::fft::rfft2(r, Some(&[3, 6]), None, Norm::Backward),
            jnp::fft::irfftn(&full, Some(&[2, 3, 4]), None, Norm::Backward),
            jnp::fft::rfftn(r, None, Some(&[0, 2]), Norm::Ortho),
        ]
    }),
    ("fft_freq", |_| {
        vec![
            jnp::fft::fftfreq(5, 1.0),
            jnp::fft::fftfreq(8, 0.1),
            jnp::fft::rfftfreq(7, 2.0),
            jnp::fft::rfftfreq(6, 1.0),
        ]
    }),
    ("fft_shift", |x| {
        let r = &x[0];
        vec![
            jnp::fft::fftshift(r, None),
            jnp::fft::ifftshift(r, None),
            jnp::fft::fftshift(r, Some(&[1])),
        ]
    }),
    ("fft_hermitian", |x| {
        let (h, r) = (&x[0], &x[1]);
        vec![
            jnp::fft::hfft(h, None, -1, Norm::Backward),
            jnp::fft::hfft(h, Some(5), -1, Norm::Backward),
            jnp::fft::hfft(h, None, 0, Norm::Forward),
            jnp::fft::ihfft(r, None, -1, Norm::Backward),
            jnp::fft::ihfft(r, Some(6), -1, Norm::Ortho),
        ]
    }),
    ("fft_vjp_fft", |x| with_vjp(fft, x)),
    ("fft_vjp_rfft", |x| with_vjp(rfft, x)),
    ("fft_vjp_rfft_odd", |x| {
        with_vjp(|r| jnp::fft::rfft(r, None, 0, Norm::Backward), x)
    }),
    ("fft_vjp_irfft", |x| with_vjp(irfft, x)),
    ("fft_vjp_irfft_odd", |x| {
        with_vjp(|y| jnp::fft::irfft(y, Some(7), -1, Norm::Backward), x)
    }),
    ("fft_vjp_rfftn", |x| {
        with_vjp(|r| jnp::fft::rfftn(r, None, None, Norm::Ortho), x)
    }),
    ("fft_grad_power", |x| {
        vec![
            grad(|r: Array| jnp::sum(&jnp::square(&jnp::abs(&rfft(&r))), (), false))(x[0].clone())
                .unwrap(),
        ]
    }),
    ("fft_jvp_irfft", |x| {
        let (y, t) = jvp(|y: Array| irfft(&y), x[0].clone(), x[1].clone()).unwrap();
        vec![y, t]
    }),
];

#[test]
fn complex_numbers_match_jax() {
    for (name, f) in COMPLEX {
        check_case(FIXTURES, name, *f);
    }
}

#[test]
fn fft_matches_jax() {
    for (name, f) in FFT {
        check_case(FIXTURES, name, *f);
    }
}

#[test]
fn complex_elements_print_and_round_trip() {
    let data = vec![Complex::new(1.0f32, 2.0), Complex::new(3.0, -4.0)];
    let z = Array::from_vec(data.clone());
    assert_eq!(z.dtype().unwrap(), DType::C64);
    assert_eq!(z.to_vec::<Complex<f32>>().unwrap(), data);
    assert_eq!(z.to_string(), "[1.+2.j 3.-4.j]");
    let w = Array::from_slice(&[Complex::new(1.5f64, 2.0), Complex::new(3.0, -4.25)], &[2]);
    assert_eq!(w.to_string(), "[1.5+2.j   3. -4.25j]");
    assert_eq!(
        jit(|z: Array| &z * 2.0)
            .call(z.clone())
            .unwrap()
            .to_string(),
        "[2.+4.j 6.-8.j]"
    );
    let promoted = &z + &Array::scalar(1.0f64);
    assert_eq!(promoted.dtype().unwrap(), DType::C128);
    assert_eq!((&z + 1).dtype().unwrap(), DType::C64);
}

#[test]
fn orderings_and_real_only_functions_refuse_complex_numbers() {
    let z = Array::from_vec(vec![Complex::new(1.0f32, 2.0)]);
    for (name, result) in [
        ("lt", lax::lt(&z, &z)),
        ("max", lax::max(&z, &z)),
        ("floor", lax::floor(&z)),
        ("erf", lax::erf(&z)),
        ("reduce_max", jnp::max(&z, (), false)),
        ("argmax", jnp::argmax(&z, None, false)),
        ("sort", jnp::sort(&z, None)),
        ("rfft", rfft(&z)),
    ] {
        let e = result.to_vec::<bool>().unwrap_err();
        assert_eq!(e.kind, ErrorKind::DType, "{name}: {e}");
        assert!(e.location.is_some(), "{name}: {e}");
    }
    let e = lax::complex(&Array::scalar(1i32), &Array::scalar(2i32))
        .to_vec::<bool>()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::DType, "{e}");
    let e = grad(|z: Array| z.sum())(z.clone()).unwrap_err();
    assert!(e.to_string().contains("grad_holomorphic"), "{e}");
    let e = grad_holomorphic(|x: Array| x.sum())(Array::from_vec(vec![1.0f32])).unwrap_err();
    assert_eq!(e.kind, ErrorKind::DType, "{e}");
    let e = jacfwd(|z: Array| z.exp())(z.clone()).unwrap_err();
    assert!(e.to_string().contains("jacfwd_holomorphic"), "{e}");
    let e = jacrev(|z: Array| z.exp())(z.clone()).unwrap_err();
    assert!(e.to_string().contains("jacrev_holomorphic"), "{e}");
    let e = jacrev_holomorphic(|x: Array| x.exp())(Array::from_vec(vec![1.0f32])).unwrap_err();
    assert_eq!(
        (e.kind, e.op.as_str()),
        (ErrorKind::DType, "jacrev_holomorphic"),
        "{e}"
    );
    assert!(e.location.is_some(), "{e}");
    let e = jnp::fft::fftn(&jnp::zeros(&[2; 4], DType::C64), None, None, Norm::Backward)
        .to_vec::<bool>()
        .unwrap_err();
    assert_eq!(e.kind, ErrorKind::Param, "{e}");
}

/// The real and imaginary parts of `z`, stacked: a real view of a complex
/// result for the real-valued property checks.
fn parts(z: &Array) -> Array {
    jnp::stack(&[lax::real(z), lax::imag(z)], 0)
}

fn z_of(a: &[Array]) -> Array {
    lax::complex(&a[0], &a[1])
}

type Property = (&'static str, fn(&[Array]) -> Array, Vec<usize>);

/// Real functions of real inputs (pairs of parts) through each complex
/// primitive, so that finite differences and inner products are real.
fn properties() -> Vec<Property> {
    vec![
        (
            "complex, real, imag, conj",
            |a| {
                let z = z_of(a);
                parts(&(&(&z * &z) + &lax::conj(&z)))
            },
            vec![2, 4],
        ),
        ("abs", |a| lax::abs(&(&z_of(a) + 0.5)), vec![2, 4]),
        (
            "exp, log, sqrt",
            |a| {
                let z = &z_of(a) + 3.0;
                parts(&(&lax::exp(&lax::sin(&z)) + &(&lax::log(&z) * &lax::sqrt(&z))))
            },
            vec![2, 4],
        ),
        (
            "tanh, cos, pow",
            |a| {
                let z = &z_of(a) + 2.0;
                parts(&(&lax::tanh(&z) * &lax::cos(&z) + &lax::pow(&z, &lax::conj(&z))))
            },
            vec![2, 4],
        ),
        (
            "convert to real",
            |a| lax::convert_element_type(&lax::exp(&z_of(a)), DType::F64),
            vec![2, 4],
        ),
        (
            "fft",
            |a| parts(&lax::fft(&z_of(a), FftType::Fft, &[4])),
            vec![2, 4],
        ),
        (
            "ifft (2 axes)",
            |a| parts(&lax::fft(&z_of(a), FftType::Ifft, &[2, 4])),
            vec![2, 4],
        ),
        (
            "rfft",
            |a| parts(&lax::fft(&(&a[0] * &a[1]), FftType::Rfft, &[4])),
            vec![2, 4],
        ),
        (
            "rfft (odd, 2 axes)",
            |a| parts(&lax::fft(&(&a[0] + &a[1]), FftType::Rfft, &[2, 5])),
            vec![2, 5],
        ),
        (
            "irfft",
            |a| lax::fft(&z_of(a), FftType::Irfft, &[4]),
            vec![2, 3],
        ),
        (
            "irfft (odd)",
            |a| lax::fft(&z_of(a), FftType::Irfft, &[5]),
            vec![2, 3],
        ),
        (
            "irfft (2 axes)",
            |a| lax::fft(&z_of(a), FftType::Irfft, &[2, 4]),
            vec![2, 3],
        ),
    ]
}

fn inputs(shape: &[usize], seed: u64) -> Vec<Array> {
    let n = shape.iter().product();
    (0..2)
        .map(|i| array(&values(n, -1.0, 1.0, seed + i), shape, DType::F64))
        .collect()
}

#[test]
fn complex_primitives_differentiate_batch_and_jit() {
    for (name, f, shape) in properties() {
        let (x, v) = (inputs(&shape, 1), inputs(&shape, 7));
        // eager == jit
        let y = f(&x);
        let jitted = jit(|xs: Vec<Array>| f(&xs)).call(x.clone()).unwrap();
        assert_close(&f64s(&jitted), &f64s(&y), 1e-12, &format!("{name}: jit"));
        // jvp against central finite differences.
        let (_, dy) = jvp(|xs: Vec<Array>| f(&xs), x.clone(), v.clone())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let eps = 1e-6;
        let fd = central_difference(f, &x, &v, eps);
        assert_close(
            &f64s(&dy),
            &fd,
            1e-6,
            &format!("{name}: jvp vs finite differences"),
        );
        // <u, J v> == <Jᵀ u, v>
        let u = array(
            &values(y.size().unwrap(), -1.0, 1.0, 5),
            &y.shape().unwrap(),
            DType::F64,
        );
        let (_, pullback) = vjp(|xs: Vec<Array>| f(&xs), x.clone()).unwrap();
        let ju = pullback
            .call(u.clone())
            .unwrap_or_else(|e| panic!("{name}: vjp: {e}"));
        let (lhs, rhs) = (dot(&[u], &[dy]), dot(&ju, &v));
        assert!(
            (lhs - rhs).abs() <= 1e-9 * (1.0 + lhs.abs()),
            "{name}: <u, Jv> = {lhs} but <Jᵀ u, v> = {rhs}"
        );
        // vmap == loop over a batch of three.
        let batch: Vec<Vec<Array>> = (0..3).map(|i| inputs(&shape, 20 + 3 * i)).collect();
        let stacked: Vec<Array> = (0..2)
            .map(|k| jnp::stack(&batch.iter().map(|b| b[k].clone()).collect::<Vec<_>>(), 0))
            .collect();
        let mapped = vmap(|xs: Vec<Array>| f(&xs))(stacked).unwrap();
        let looped = jnp::stack(&batch.iter().map(|b| f(b)).collect::<Vec<_>>(), 0);
        assert_close(
            &f64s(&mapped),
            &f64s(&looped),
            1e-12,
            &format!("{name}: vmap == loop"),
        );
    }
}

type ComplexFn = fn(&Array) -> Array;
type Reference = fn(Complex<f64>) -> Complex<f64>;

/// Every analytic function `lax` extends to complex numbers, eager and
/// jitted, against `num_complex`'s (principal branches, as XLA's).
#[test]
fn analytic_functions_agree_with_num_complex() {
    let points: Vec<Complex<f64>> = [(0.3, 0.4), (-0.7, 0.2), (1.5, -0.9), (-0.2, -1.3)]
        .iter()
        .map(|&(re, im)| Complex::new(re, im))
        .collect();
    let one = Complex::new(1.0, 0.0);
    let cases: [(&str, ComplexFn, Reference); 19] = [
        ("exp", lax::exp, |z| z.exp()),
        ("log", lax::log, |z| z.ln()),
        ("log1p", lax::log1p, |z| (z + 1.0).ln()),
        ("expm1", lax::expm1, |z| z.exp() - 1.0),
        ("sqrt", lax::sqrt, |z| z.sqrt()),
        ("rsqrt", lax::rsqrt, |z| 1.0 / z.sqrt()),
        ("sin", lax::sin, |z| z.sin()),
        ("cos", lax::cos, |z| z.cos()),
        ("tan", lax::tan, |z| z.tan()),
        ("tanh", lax::tanh, |z| z.tanh()),
        ("logistic", lax::logistic, |z| 1.0 / (1.0 + (-z).exp())),
        ("sinh", lax::sinh, |z| z.sinh()),
        ("cosh", lax::cosh, |z| z.cosh()),
        ("asin", lax::asin, |z| z.asin()),
        ("acos", lax::acos, |z| z.acos()),
        ("atan", lax::atan, |z| z.atan()),
        ("asinh", lax::asinh, |z| z.asinh()),
        ("acosh", lax::acosh, |z| z.acosh()),
        ("atanh", lax::atanh, |z| z.atanh()),
    ];
    let z = Array::from_vec(points.clone());
    for (name, f, want) in cases {
        let want: Vec<Complex<f64>> = points.iter().map(|&p| want(p)).collect();
        let eager = f(&z).to_vec::<Complex<f64>>();
        let jitted = jit(move |z: Array| f(&z))
            .call(z.clone())
            .map(|y| y.to_vec::<Complex<f64>>());
        for (mode, got) in [("eager", eager), ("jit", jitted.and_then(|g| g))] {
            let got = got.unwrap_or_else(|e| panic!("{name} ({mode}): {e}"));
            for (g, w) in got.iter().zip(&want) {
                assert!(
                    (g - w).norm() <= 1e-12 * (one + w).norm(),
                    "{name} ({mode}): got {g}, want {w}"
                );
            }
        }
    }
}

#[test]
fn array_methods_and_gradient_convention() {
    let z = Array::scalar(Complex::new(1.0f32, 2.0));
    assert_eq!(z.real().item::<f32>().unwrap(), 1.0);
    assert_eq!(z.imag().item::<f32>().unwrap(), 2.0);
    assert_eq!(
        z.conj().item::<Complex<f32>>().unwrap(),
        Complex::new(1.0, -2.0)
    );
    // JAX's convention: grad |z|² = 2 conj(z).
    let g = grad(|z: Array| jnp::square(&jnp::abs(&z)))(z.clone()).unwrap();
    assert_eq!(g.item::<Complex<f32>>().unwrap(), Complex::new(2.0, -4.0));
    // A weak complex scalar keeps an array's precision, as Python's `1j`.
    let i = Array::weak(Complex::new(0.0f64, 1.0));
    assert_eq!((&Array::scalar(2.0f32) * &i).dtype().unwrap(), DType::C64);
}
