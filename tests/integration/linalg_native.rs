//! Factorizations through the host custom call (`rjax_linalg`) on the
//! CPU: the lowering takes it, batches (leading axes and `vmap`) and their
//! gradients agree with one matrix at a time, and `eig` matches JAX.

use crate::common::{assert_close, f64s, values};
use crate::fixtures::{Computed, assert_matches, case};
use rjax::numpy as jnp;
use rjax::numpy::linalg::{self, QrMode};
use rjax::{Array, Complex, DType, grad, jit, lax, vmap};

const FIXTURES: &str = include_str!("../fixtures/api.txt");

/// A stack of symmetric positive definite `n × n` matrices of shape
/// `[batch..., n, n]`.
fn spd(batch: &[usize], n: usize, dtype: DType) -> Array {
    let count: usize = batch.iter().product::<usize>() * n * n;
    let dims: Vec<i64> = batch.iter().chain(&[n, n]).map(|&d| d as i64).collect();
    let x = Array::from_slice(&values(count, -1.0, 1.0, 3), &[count])
        .astype(dtype)
        .reshape(&dims);
    &jnp::matmul(&x, &jnp::swapaxes(&x, -1, -2)) + &(jnp::eye(n, None, 0, dtype) * n as f64)
}

type Factor = fn(Array) -> Vec<Array>;

const FACTORS: &[(&str, Factor)] = &[
    ("cholesky", |a| vec![linalg::cholesky(&a)]),
    ("lu", |a| {
        let (lu, pivots, perm) = lax::linalg::lu(&a);
        vec![lu, pivots, perm]
    }),
    ("solve", |a| vec![linalg::solve(&a, &a.sin())]),
    ("qr", |a| {
        let (q, r) = linalg::qr(&a, QrMode::Reduced);
        vec![q, r]
    }),
    ("qr_complete", |a| {
        let (q, r) = linalg::qr(&a, QrMode::Complete);
        vec![q, r]
    }),
    ("eigh", |a| {
        let (w, v) = linalg::eigh(&a);
        vec![w, v]
    }),
    ("svd", |a| {
        let (u, s, vt) = linalg::svd(&a, false);
        vec![u, s, vt]
    }),
    ("eig", |a| {
        let (w, v) = linalg::eig(&a);
        vec![lax::real(&w), lax::imag(&w), lax::real(&v), lax::imag(&v)]
    }),
];

#[test]
fn factorizations_lower_to_the_host_custom_call() {
    let a = spd(&[], 4, DType::F32);
    for &(name, f) in FACTORS {
        let lowered = jit(move |a: Array| f(a)).lower(a.clone()).unwrap();
        let text = lowered.as_text();
        assert!(text.contains("@rjax_linalg"), "{name}:\n{text}");
        assert!(
            !text.contains("stablehlo.while"),
            "{name}: a loop is left:\n{text}"
        );
    }
    // Batched and differentiated programs take it too.
    let g = |a: Array| Ok(jnp::sum(&linalg::eigvalsh(&a), (), false));
    let batched = spd(&[3], 4, DType::F32);
    let text = jit(move |a: Array| vmap(grad(g))(a))
        .lower(batched)
        .unwrap()
        .as_text()
        .to_string();
    assert!(text.contains("@rjax_linalg"), "{text}");
}

/// Matrix `i` of a stack `[batch, ...]`.
fn member(x: &Array, i: usize) -> Array {
    let shape = x.shape().unwrap();
    let mut start = vec![0; shape.len()];
    let mut limit = shape.clone();
    start[0] = i;
    limit[0] = i + 1;
    lax::squeeze(&lax::slice(x, &start, &limit, None), &[0])
}

#[test]
fn batches_match_one_matrix_at_a_time() {
    for dtype in [DType::F32, DType::F64] {
        let a = spd(&[3, 2], 4, dtype);
        let flat = a.reshape(&[6, 4, 4]);
        // The factorizations run the same kernel on each matrix; XLA's
        // triangular solves (in `solve`) may round a batch differently.
        let tol = if dtype == DType::F32 { 1e-6 } else { 1e-14 };
        for &(name, f) in FACTORS {
            let leading: Vec<Array> = f(flat.clone());
            let mapped = vmap(f)(flat.clone()).unwrap();
            let nested = f(a.clone());
            for (k, (l, m)) in leading.iter().zip(&mapped).enumerate() {
                let what = format!("{name} {dtype:?} output {k}");
                assert_close(&f64s(m), &f64s(l), tol, &format!("{what}: vmap"));
                assert_close(
                    &f64s(&nested[k]),
                    &f64s(l),
                    tol,
                    &format!("{what}: [3, 2] batch"),
                );
                for i in 0..6 {
                    let one = &f(member(&flat, i))[k];
                    assert_close(
                        &f64s(&member(l, i)),
                        &f64s(one),
                        tol,
                        &format!("{what}: {i}"),
                    );
                }
            }
        }
    }
}

#[test]
fn gradients_under_vmap_match_one_matrix_at_a_time() {
    let loss = |a: Array| {
        let (q, r) = linalg::qr(&a, QrMode::Reduced);
        let (w, v) = linalg::eigh(&a);
        let (_, s, _) = linalg::svd(&a, false);
        let terms = [
            jnp::sum(&linalg::cholesky(&a), (), false),
            jnp::sum(&linalg::solve(&a, &a.cos()), (), false),
            jnp::sum(&(&q * &q.t()), (), false) + jnp::sum(&r, (), false),
            jnp::sum(&(&w * &jnp::sum(&v.abs(), 0, false)), (), false),
            jnp::sum(&s, (), false),
            linalg::det(&a),
        ];
        Ok(terms.iter().skip(1).fold(terms[0].clone(), |x, y| &x + y))
    };
    let a = spd(&[5], 4, DType::F64);
    let batched = vmap(grad(loss))(a.clone()).unwrap();
    let jitted = jit(move |a: Array| vmap(grad(loss))(a))
        .call(a.clone())
        .unwrap();
    for i in 0..5 {
        let one = grad(loss)(member(&a, i)).unwrap();
        assert_close(
            &f64s(&member(&batched, i)),
            &f64s(&one),
            1e-12,
            "vmap(grad)",
        );
        assert_close(
            &f64s(&member(&jitted, i)),
            &f64s(&one),
            1e-12,
            "jit(vmap(grad))",
        );
    }
    // The gradient against central differences, entry by entry.
    let x = member(&a, 0);
    let g = f64s(&grad(loss)(x.clone()).unwrap());
    let base = f64s(&x);
    let h = 1e-6;
    let at = |k: usize, d: f64| {
        let mut v = base.clone();
        v[k] += d;
        loss(Array::from_slice(&v, &[4, 4]))
            .unwrap()
            .item::<f64>()
            .unwrap()
    };
    let numeric: Vec<f64> = (0..16)
        .map(|k| (at(k, h) - at(k, -h)) / (2.0 * h))
        .collect();
    assert_close(&g, &numeric, 1e-6, "grad vs central differences");
}

/// JAX: NaN in the lower triangle, zeros above.
#[test]
fn cholesky_of_an_indefinite_matrix_is_nan() {
    let a = Array::from_slice(&[1.0f32, 2.0, 2.0, 1.0], &[2, 2]);
    let jitted = jit(|a: Array| linalg::cholesky(&a))
        .call(a.clone())
        .unwrap();
    for l in [linalg::cholesky(&a), jitted] {
        let l = l.to_vec::<f32>().unwrap();
        assert!(
            l[0].is_nan() && l[1] == 0.0 && l[2].is_nan() && l[3].is_nan(),
            "{l:?}"
        );
    }
}

/// `(w, V)` as the fixtures hold them: eigenvalues sorted by real then
/// imaginary part, each eigenvector's largest component real and positive.
fn in_order(w: &Array, v: &Array) -> (Array, Array) {
    let (wshape, vshape) = (w.shape().unwrap(), v.shape().unwrap());
    let n = wshape[wshape.len() - 1];
    let parts = |x: &Array| -> Vec<Complex<f64>> {
        let (re, im) = (f64s(&lax::real(x)), f64s(&lax::imag(x)));
        re.iter()
            .zip(&im)
            .map(|(&r, &i)| Complex::new(r, i))
            .collect()
    };
    let (ws, vs) = (parts(w), parts(v));
    let (mut w_out, mut v_out) = (Vec::new(), vec![Complex::new(0.0, 0.0); vs.len()]);
    for (b, wb) in ws.chunks(n).enumerate() {
        let mut order: Vec<usize> = (0..n).collect();
        order.sort_by(|&i, &j| {
            (wb[i].re, wb[i].im)
                .partial_cmp(&(wb[j].re, wb[j].im))
                .unwrap()
        });
        for (col, &src) in order.iter().enumerate() {
            w_out.push(wb[src]);
            let at = |row: usize| vs[b * n * n + row * n + src];
            let top = (0..n)
                .map(at)
                .max_by(|x, y| x.norm().partial_cmp(&y.norm()).unwrap())
                .unwrap();
            let phase = top.conj() / top.norm();
            for row in 0..n {
                v_out[b * n * n + row * n + col] = at(row) * phase;
            }
        }
    }
    let dtype = w.dtype().unwrap();
    (
        Array::from_slice(&w_out, &wshape).astype(dtype),
        Array::from_slice(&v_out, &vshape).astype(dtype),
    )
}

#[test]
fn eig_matches_jax() {
    for name in ["linalg_eig", "linalg_eig_batched", "linalg_eig_f64"] {
        let (inputs, want) = case(FIXTURES, name);
        let eager = linalg::eig(&inputs[0]);
        let jitted = jit(|a: Array| linalg::eig(&a))
            .call(inputs[0].clone())
            .unwrap();
        for (mode, (w, v)) in [("eager", eager), ("jit", jitted)] {
            let (w, v) = in_order(&w, &v);
            assert_matches(
                &format!("{name} ({mode}) w"),
                &w,
                &want[0],
                Computed::Differently,
            );
            assert_matches(
                &format!("{name} ({mode}) V"),
                &v,
                &want[1],
                Computed::Differently,
            );
        }
    }
    // Not square, or not a float: typed errors.
    let e = linalg::eig(&Array::from_slice(&[1.0f32; 6], &[2, 3])).0;
    assert!(e.shape().is_err());
    let e = linalg::eig(&Array::from_slice(&[1i32; 4], &[2, 2])).0;
    assert!(e.shape().is_err());
}

/// The eigenvalues' derivatives through symmetric functions of them,
/// which the solver's order cannot change: `Σλ³ = tr(a³)` against a
/// central difference, and `Πλ = det a`, whose gradient is `det(a) a⁻ᵀ`;
/// eager, under `jit`, and batched.
#[test]
fn eigenvalues_are_differentiable() {
    let a = Array::from_slice(&values(16, -1.0, 1.0, 5), &[4, 4]).astype(DType::F64);
    let da = Array::from_slice(&values(16, -1.0, 1.0, 9), &[4, 4]).astype(DType::F64);
    let cubes = |a: &Array| {
        let w = linalg::eigvals(a);
        jnp::sum(&(&w * &w * &w).real(), (), false)
    };
    let (_, tangent) = rjax::jvp(|a: Array| cubes(&a), a.clone(), da.clone()).unwrap();
    let want =
        crate::common::central_difference(|x| cubes(&x[0]), std::slice::from_ref(&a), &[da], 1e-5);
    assert_close(&f64s(&tangent), &want, 1e-6, "jvp of Σλ³");

    let product = |a: Array| jnp::prod(&linalg::eigvals(&a), (), false).real();
    let want = &jnp::linalg::det(&a) * &jnp::linalg::inv(&a).t();
    let eager = grad(product)(a.clone()).unwrap();
    let jitted = jit(|a: Array| grad(product)(a)).call(a.clone()).unwrap();
    assert_close(&f64s(&eager), &f64s(&want), 1e-9, "grad of Πλ");
    assert_close(&f64s(&jitted), &f64s(&want), 1e-9, "grad of Πλ (jit)");

    let stack = jnp::stack(&[a.clone(), &a * 2.0], 0);
    let batched = grad(|s: Array| jnp::sum(&linalg::eigvals(&s).real(), (), false))(stack).unwrap();
    let identity: Vec<f64> = (0..32)
        .map(|i| f64::from(u8::from(i % 16 % 5 == 0)))
        .collect();
    assert_close(&f64s(&batched), &identity, 1e-9, "grad of Σλ, batched");

    // The eigenvectors are not differentiable, as in JAX.
    let e = grad(|a: Array| linalg::eig(&a).1.real().sum())(a).unwrap_err();
    assert!(e.to_string().contains("differentiate `eigvals`"), "{e}");
}

/// Complex systems solve (the LU and triangular solves take complex
/// matrices): `a x = b` holds, eager and under `jit`; `inv` and `det`
/// agree with it.
#[test]
fn complex_systems_solve() {
    let part = |seed| Array::from_slice(&values(9, -1.0, 1.0, seed), &[3, 3]).astype(DType::F64);
    let a = lax::complex(&part(2), &part(4));
    let b = lax::complex(&part(6), &part(8));
    let eager = jnp::linalg::solve(&a, &b);
    let jitted = jit(|(a, b): (Array, Array)| jnp::linalg::solve(&a, &b))
        .call((a.clone(), b.clone()))
        .unwrap();
    for (mode, x) in [("eager", eager), ("jit", jitted)] {
        let residual = jnp::matmul(&a, &x) - &b;
        let worst = jnp::max(&jnp::abs(&residual), (), false).astype(DType::F64);
        assert!(
            worst.item::<f64>().unwrap() < 1e-12,
            "{mode}: residual {worst}"
        );
    }
    let identity = jnp::matmul(&jnp::linalg::inv(&a), &a) - jnp::eye(3, None, 0, DType::C128);
    let worst = jnp::max(&jnp::abs(&identity), (), false)
        .item::<f64>()
        .unwrap();
    assert!(worst < 1e-12, "inv(a) a - I: {worst}");
    // det [[A, -B], [B, A]] = |det(A + iB)|².
    let det = jnp::linalg::det(&a).item::<Complex<f64>>().unwrap();
    let (re, im) = (part(2), part(4));
    let top = jnp::concatenate(&[re.clone(), -&im], 1);
    let bottom = jnp::concatenate(&[im, re], 1);
    let block = jnp::linalg::det(&jnp::concatenate(&[top, bottom], 0));
    let block = block.item::<f64>().unwrap();
    assert!(
        (block - det.norm_sqr()).abs() < 1e-10 * block.abs(),
        "{det} vs {block}"
    );
}

#[test]
fn roots_match_jax() {
    for name in ["roots", "roots_complex", "roots_int"] {
        let (inputs, want) = case(FIXTURES, name);
        let got = jnp::sort_complex(&jnp::roots(&inputs[0], true));
        assert_matches(name, &got, &want[0], Computed::Differently);
    }
    // Dropping leading zeros needs the values, which `jit` does not know.
    let p = Array::from_slice(&[1.0f32, 2.0], &[2]);
    let traced = jit(|p: Array| jnp::roots(&p, true)).call(p);
    assert!(traced.is_err_and(|e| e.op == "roots"));
    // Without dropping them, it traces: the two leading zeros of JAX's
    // fixture become NaN roots, last; the others are the same roots.
    let (inputs, want) = case(FIXTURES, "roots_unstripped");
    let got = jit(|p: Array| jnp::roots(&p, false))
        .call(inputs[0].clone())
        .unwrap();
    let values = got.to_vec::<rjax::Complex<f32>>().unwrap();
    assert!(
        values[values.len() - 2..]
            .iter()
            .all(|z| z.re.is_nan() && z.im.is_nan())
    );
    let n = values.len() - 2;
    let finite = jnp::sort_complex(&lax::slice(&got, &[0], &[n], None));
    assert_matches("roots_unstripped", &finite, &want[0], Computed::Differently);
}
