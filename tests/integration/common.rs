//! Helpers shared by the integration tests.

use rjax::{Array, DType, jit};

/// The elements of any array as f64.
pub fn f64s(a: &Array) -> Vec<f64> {
    a.astype(DType::F64)
        .to_vec::<f64>()
        .unwrap_or_else(|e| panic!("reading {a:?}: {e}"))
}

/// Relative-or-absolute closeness for the given dtype.
pub fn tolerance(d: DType) -> f64 {
    match d {
        DType::F16 => 2e-3,
        DType::BF16 => 1.6e-2,
        DType::F32 => 2e-6,
        _ => 1e-12,
    }
}

#[track_caller]
pub fn assert_close(got: &[f64], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        let ok = (g.is_nan() && w.is_nan()) || g == w || (g - w).abs() <= tol * (1.0 + w.abs());
        assert!(
            ok,
            "{what}: element {i}: got {g}, want {w} (tolerance {tol})\n got  {got:?}\n want {want:?}"
        );
    }
}

/// Check a function eagerly and under jit against independently computed
/// values: eager == jit == expected.
#[track_caller]
pub fn check(
    what: &str,
    f: impl Fn(&[Array]) -> Array + Copy,
    inputs: Vec<Array>,
    want: &[f64],
    tol: f64,
) {
    let eager = f(&inputs);
    let jitted = jit(move |xs: Vec<Array>| f(&xs))
        .call(inputs)
        .unwrap_or_else(|e| panic!("{what}: jit: {e}"));
    assert_eq!(
        eager.shape().unwrap(),
        jitted.shape().unwrap(),
        "{what}: eager and jit shapes"
    );
    assert_eq!(
        eager.dtype().unwrap(),
        jitted.dtype().unwrap(),
        "{what}: eager and jit dtypes"
    );
    assert_close(&f64s(&eager), want, tol, &format!("{what} (eager)"));
    assert_close(&f64s(&jitted), want, tol, &format!("{what} (jit)"));
}

/// An array of f64 values converted to `dtype`.
pub fn array(values: &[f64], shape: &[usize], dtype: DType) -> Array {
    Array::from_slice(values, shape).astype(dtype)
}

/// `n` deterministic values in (lo, hi).
pub fn values(n: usize, lo: f64, hi: f64, seed: u64) -> Vec<f64> {
    (0..n)
        .map(|i| lo + (hi - lo) * (((i as u64 * 37 + seed * 11) % 101) as f64 + 0.5) / 101.0)
        .collect()
}

/// The central finite difference of `f` at `x` along `v` with step `eps`,
/// flattened to f64.
pub fn central_difference(
    f: impl Fn(&[Array]) -> Array,
    x: &[Array],
    v: &[Array],
    eps: f64,
) -> Vec<f64> {
    let shift = |s: f64| -> Vec<Array> { x.iter().zip(v).map(|(a, d)| a + &(d * s)).collect() };
    f64s(&f(&shift(eps)))
        .iter()
        .zip(f64s(&f(&shift(-eps))))
        .map(|(p, m)| (p - m) / (2.0 * eps))
        .collect()
}

/// The inner product of two lists of arrays, as f64.
pub fn dot(a: &[Array], b: &[Array]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| f64s(x).iter().zip(f64s(y)).map(|(p, q)| p * q).sum::<f64>())
        .sum()
}

/// Whether `pmap` and sharding see at least `n` devices; tests written for
/// the default 8 CPU devices skip themselves (saying so) when
/// `RJAX_CPU_DEVICE_COUNT` asks for fewer.
pub fn has_devices(n: usize) -> bool {
    let found = rjax::device_count().expect("the runtime starts");
    if found < n {
        eprintln!("skipped: needs {n} devices, {found} exist (RJAX_CPU_DEVICE_COUNT)");
    }
    found >= n
}
