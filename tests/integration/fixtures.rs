//! Reference values written by JAX (tools/fixtures/generate.sh): one line
//! per array, `name dtype shape : values` (complex numbers as their real and
//! imaginary parts, interleaved), and the one comparison every
//! fixture test uses (docs/decisions.md, "Fixtures are bit-exact only where
//! no CPU can change the result").

use crate::common::{array, f64s};
use half::{bf16, f16};
use rjax::{Array, DType};
use std::io::Write;

/// An array as JAX printed it.
pub struct Fixture {
    pub dtype: String,
    pub shape: Vec<usize>,
    pub values: Vec<f64>,
}

impl Fixture {
    /// The fixture as an array of its dtype.
    pub fn array(&self) -> Array {
        let dtype = self.dtype();
        if !dtype.is_complex() {
            return array(&self.values, &self.shape, dtype);
        }
        let part = |offset: usize| -> Vec<f64> {
            self.values
                .iter()
                .skip(offset)
                .step_by(2)
                .copied()
                .collect()
        };
        let (re, im) = (part(0), part(1));
        let part_dtype = dtype.real_dtype();
        rjax::lax::complex(
            &array(&re, &self.shape, part_dtype),
            &array(&im, &self.shape, part_dtype),
        )
    }

    fn dtype(&self) -> DType {
        DType::from_name(&self.dtype).unwrap_or_else(|| panic!("unknown dtype {}", self.dtype))
    }
}

/// The array named `name` in a fixture file's text.
pub fn lookup(text: &str, name: &str) -> Option<Fixture> {
    let line = text.lines().find(|l| l.split(' ').next() == Some(name))?;
    let (head, values) = line.split_once(" : ").expect("fixture line");
    let mut head = head.split(' ').skip(1);
    let dtype = head.next().expect("dtype").to_string();
    let shape = match head.next().expect("shape") {
        "-" => Vec::new(),
        s => s.split(',').map(|d| d.parse().expect("dim")).collect(),
    };
    let values = values
        .split(' ')
        .filter(|v| !v.is_empty())
        .map(|v| match v {
            "nan" => f64::NAN,
            "inf" => f64::INFINITY,
            "-inf" => f64::NEG_INFINITY,
            v => v.parse().unwrap_or_else(|_| panic!("value {v:?}")),
        })
        .collect();
    Some(Fixture {
        dtype,
        shape,
        values,
    })
}

/// The inputs (`case.in0`, ...) and outputs (`case.out0`, ...) of a case.
pub fn case(text: &str, name: &str) -> (Vec<Array>, Vec<Fixture>) {
    let series = |kind: &str| -> Vec<Fixture> {
        (0..)
            .map_while(|i| lookup(text, &format!("{name}.{kind}{i}")))
            .collect()
    };
    let inputs = series("in").iter().map(Fixture::array).collect();
    let outputs = series("out");
    assert!(!outputs.is_empty(), "no fixture case {name}");
    (inputs, outputs)
}

/// A fixture case computed by rjax: outputs for the case's inputs.
pub type Case = fn(&[Array]) -> Vec<Array>;

/// Run `f` on the inputs of case `name` in a fixture file's `text`, eagerly
/// and under `jit`, and compare both with JAX's outputs.
pub fn check_case(text: &str, name: &str, f: Case) {
    let (inputs, want) = case(text, name);
    let eager = f(&inputs);
    let jitted = rjax::jit(move |xs: Vec<Array>| f(&xs))
        .call(inputs)
        .unwrap_or_else(|e| panic!("{name}: jit: {e}"));
    for (mode, got) in [("eager", eager), ("jit", jitted)] {
        assert_eq!(got.len(), want.len(), "{name}: number of outputs");
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            let what = format!("{name} ({mode}) output {i}");
            assert_matches(&what, g, w, Computed::Differently);
        }
    }
}

/// What produced a fixture's floating-point values, which decides how far
/// rjax may be from JAX's value on another CPU (docs/decisions.md gives the
/// measurements behind each bound). Integers and booleans always match
/// exactly.
#[derive(Clone, Copy, Debug)]
pub enum Computed {
    /// From bits by exact arithmetic or by single rounded operations that
    /// cannot be fused (`u * scale`, `u * 2 - 1`), or by moving values
    /// around (permutations, gathers): bit for bit on every CPU.
    Exact,
    /// By `a * b + c`, which XLA contracts into one fused multiply-add (one
    /// rounding) where the CPU has FMA instructions, and rounds twice where
    /// it has not.
    Arithmetic,
    /// Through XLA's approximations of exp, log, erf_inv, tan..., which it
    /// evaluates with fused multiply-adds where the CPU has them, and any
    /// f16/bf16 value, which a CPU with native FP16 arithmetic can compute
    /// in f16 where others compute in f32 and round once.
    Transcendental,
    /// By rjax another way than JAX (a VJP summed in another order, a
    /// composition of other primitives): equal to the dtype's rounding
    /// error accumulated over the computation, not bit for bit on any CPU.
    Differently,
}

/// How far a value may be from JAX's.
#[derive(Clone, Copy, Debug)]
enum Bound {
    /// At most this many ulps.
    Ulps(u64),
    /// Within this relative (or, near zero, absolute) error, or within
    /// this many ulps.
    RelativeOrUlps(f64, u64),
}

impl Computed {
    fn bound(self, dtype: DType) -> Bound {
        let transcendental_ulps = match dtype {
            DType::F16 | DType::BF16 => TRANSCENDENTAL_HALF_ULPS,
            _ => TRANSCENDENTAL_ULPS,
        };
        match self {
            _ if !dtype.is_float() => Bound::Ulps(0),
            Computed::Exact => Bound::Ulps(0),
            Computed::Arithmetic => Bound::Ulps(ARITHMETIC_ULPS),
            Computed::Transcendental => Bound::Ulps(transcendental_ulps),
            Computed::Differently => {
                let relative = if dtype == DType::F64 { 1e-12 } else { 2e-5 };
                Bound::RelativeOrUlps(relative, transcendental_ulps)
            }
        }
    }
}

/// `a * b + c` fused or not: the product's rounding, within an ulp of the
/// result unless the sum cancels (measured: 1; docs/decisions.md).
const ARITHMETIC_ULPS: u64 = 2;
/// f32 and f64 results of XLA's approximations, which a sampler chains two
/// or three of (measured: 2 with and without FMA, 1 on another CPU).
const TRANSCENDENTAL_ULPS: u64 = 4;
/// f16 and bf16 ones (measured: 5 on a CPU with native FP16 arithmetic).
const TRANSCENDENTAL_HALF_ULPS: u64 = 8;

/// Asserts that `got` has `want`'s shape and dtype and that every element is
/// as close to JAX's as `how` allows: `Exact` values bit for bit (-0.0 is not
/// 0.0), others within a number of ulps of the larger of the value and 1.0
/// (NaN matches NaN, an infinity only itself). A failure names the worst
/// element, its distance and the bound.
///
/// With `RJAX_FIXTURE_ULPS=<file>` set, it appends one line per comparison
/// (`test name dtype kind worst-ulps differing total`) to the file instead of
/// failing: tools/fixtures/isa-sweep.sh measures with it.
#[track_caller]
pub fn assert_matches(name: &str, got: &Array, want: &Fixture, how: Computed) {
    assert_eq!(got.shape().unwrap(), want.shape, "{name}: shape");
    assert_eq!(got.dtype().unwrap().name(), want.dtype, "{name}: dtype");
    // Complex numbers compare part by part, in their parts' dtype.
    let dtype = want.dtype().real_dtype();
    let got = if want.dtype().is_complex() {
        let (re, im) = (f64s(&rjax::lax::real(got)), f64s(&rjax::lax::imag(got)));
        re.iter().zip(&im).flat_map(|(&r, &i)| [r, i]).collect()
    } else {
        f64s(got)
    };
    assert_eq!(got.len(), want.values.len(), "{name}: number of values");
    let distances: Vec<u64> = got
        .iter()
        .zip(&want.values)
        .map(|(&g, &w)| match how {
            Computed::Exact => ulps(dtype, g, w),
            _ => ulps(dtype, g, w).min(ulps_of_one(dtype, g, w)),
        })
        .collect();
    let differing = distances.iter().filter(|&&d| d > 0).count();
    if let Ok(log) = std::env::var("RJAX_FIXTURE_ULPS") {
        let worst = distances.iter().max().unwrap_or(&0);
        let test = std::thread::current().name().unwrap_or("-").to_string();
        let line = format!(
            "{test} {} {} {how:?} {worst} {differing} {}\n",
            name.replace(' ', "_"),
            want.dtype,
            got.len()
        );
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log)
            .and_then(|mut f| f.write_all(line.as_bytes()))
            .unwrap_or_else(|e| panic!("writing {log}: {e}"));
        return;
    }
    let bound = how.bound(dtype);
    let within = |i: usize| match bound {
        Bound::Ulps(n) => distances[i] <= n,
        Bound::RelativeOrUlps(tol, n) => {
            let (g, w) = (got[i], want.values[i]);
            distances[i] <= n || (g - w).abs() <= tol * (1.0 + w.abs())
        }
    };
    let worst = (0..got.len())
        .filter(|&i| !within(i))
        .max_by_key(|&i| distances[i]);
    if let Some(i) = worst {
        let ulps = match distances[i] {
            u64::MAX => "∞".to_string(),
            d => d.to_string(),
        };
        panic!(
            "{name}: element {i}: got {}, want {}: {ulps} ulps of {} apart, beyond {bound:?} \
             for Computed::{how:?}; {differing} of {} elements differ\n got  {got:?}\n want {:?}",
            got[i],
            want.values[i],
            want.dtype,
            got.len(),
            want.values
        );
    }
}

/// `|got - want|` in ulps of 1.0 (rounded up): the distance of values below 1
/// in magnitude, which samplers reach by cancellation (`a + u · (b - a)`,
/// `erf_inv` near 0), so that their error is an ulp or a few of the
/// operands' scale, not of the small result.
fn ulps_of_one(dtype: DType, got: f64, want: f64) -> u64 {
    let epsilon = match dtype {
        DType::F16 => f64::from(f16::EPSILON),
        DType::BF16 => f64::from(bf16::EPSILON),
        DType::F32 => f64::from(f32::EPSILON),
        _ => f64::EPSILON,
    };
    let d = ((got - want).abs() / epsilon).ceil();
    if d.is_finite() { d as u64 } else { u64::MAX }
}

/// How many values of `dtype` lie between `got` and `want` (both exactly
/// representable in it), counting -0.0 and 0.0 as neighbours; `u64::MAX` when
/// only one is NaN or when they are different infinities.
fn ulps(dtype: DType, got: f64, want: f64) -> u64 {
    if got.is_nan() || want.is_nan() {
        return if got.is_nan() && want.is_nan() {
            0
        } else {
            u64::MAX
        };
    }
    if (got.is_infinite() || want.is_infinite()) && got != want {
        return u64::MAX;
    }
    if !dtype.is_float() {
        return if got == want { 0 } else { u64::MAX };
    }
    let ordered = |v: f64| -> i128 {
        let (bits, width) = match dtype {
            DType::F16 => (u64::from(f16::from_f64(v).to_bits()), 16),
            DType::BF16 => (u64::from(bf16::from_f64(v).to_bits()), 16),
            DType::F32 => (u64::from((v as f32).to_bits()), 32),
            _ => (v.to_bits(), 64),
        };
        let sign = 1u64 << (width - 1);
        if bits & sign == 0 {
            i128::from(bits)
        } else {
            -i128::from(bits & !sign) - 1
        }
    };
    u64::try_from((ordered(got) - ordered(want)).unsigned_abs()).unwrap_or(u64::MAX)
}

#[test]
fn assert_matches_allows_its_bound_and_names_the_worst_element_beyond_it() {
    let want = Fixture {
        dtype: "float32".into(),
        shape: vec![4],
        values: vec![1.0, 0.25, 0.0, f64::NAN],
    };
    let eps = f32::EPSILON;
    let got = |first: f32, third: f32| Array::from_slice(&[first, 0.25, third, f32::NAN], &[4]);
    // 4 ulps at 1.0, and 4 ulps of 1.0 below it.
    assert_matches(
        "near",
        &got(1.0 + 4.0 * eps, 4.0 * eps),
        &want,
        Computed::Transcendental,
    );
    let failure = |got: Array, how: Computed| {
        let run = std::panic::AssertUnwindSafe(|| assert_matches("far", &got, &want, how));
        let message = std::panic::catch_unwind(run).expect_err("out of bounds");
        message.downcast::<String>().map(|m| *m).unwrap_or_default()
    };
    let message = failure(got(1.0 + 2.0 * eps, 6.0 * eps), Computed::Transcendental);
    assert!(message.starts_with("far: element 2: got"), "{message}");
    assert!(message.contains("6 ulps"), "{message}");
    let message = failure(got(1.0, -0.0), Computed::Exact);
    assert!(
        message.starts_with("far: element 2: got -0, want 0"),
        "{message}"
    );
}
