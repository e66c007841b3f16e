//! `bessel_i0e`, which neither StableHLO nor CHLO has: Cephes' Chebyshev
//! expansions of `e^-|x| I₀(x)` on `[0, 8]` and `(8, ∞)`, evaluated as JAX
//! evaluates them (16-bit floats in f32).

use crate::emitter::Emitter;
use crate::types::{dense_value, tensor_type};
use rjax_ir::{AVal, DType, Literal};

/// Coefficients for `|x| <= 8`, in `x / 2 - 2` (Cephes' table, digits as
/// published).
#[allow(clippy::excessive_precision)]
const NEAR_F64: [f64; 30] = [
    -4.41534164647933937950E-18,
    3.33079451882223809783E-17,
    -2.43127984654795469359E-16,
    1.71539128555513303061E-15,
    -1.16853328779934516808E-14,
    7.67618549860493561688E-14,
    -4.85644678311192946090E-13,
    2.95505266312963983461E-12,
    -1.72682629144155570723E-11,
    9.67580903537323691224E-11,
    -5.18979560163526290666E-10,
    2.65982372468238665035E-9,
    -1.30002500998624804212E-8,
    6.04699502254191894932E-8,
    -2.67079385394061173391E-7,
    1.11738753912010371815E-6,
    -4.41673835845875056359E-6,
    1.64484480707288970893E-5,
    -5.75419501008210370398E-5,
    1.88502885095841655729E-4,
    -5.76375574538582365885E-4,
    1.63947561694133579842E-3,
    -4.32430999505057594430E-3,
    1.05464603945949983183E-2,
    -2.37374148058994688156E-2,
    4.93052842396707084878E-2,
    -9.49010970480476444210E-2,
    1.71620901522208775349E-1,
    -3.04682672343198398683E-1,
    6.76795274409476084995E-1,
];

/// Coefficients for `|x| > 8`, in `32 / x - 2` (the result is divided by
/// `sqrt(x)`).
#[allow(clippy::excessive_precision)]
const FAR_F64: [f64; 25] = [
    -7.23318048787475395456E-18,
    -4.83050448594418207126E-18,
    4.46562142029675999901E-17,
    3.46122286769746109310E-17,
    -2.82762398051658348494E-16,
    -3.42548561967721913462E-16,
    1.77256013305652638360E-15,
    3.81168066935262242075E-15,
    -9.55484669882830764870E-15,
    -4.15056934728722208663E-14,
    1.54008621752140982691E-14,
    3.85277838274214270114E-13,
    7.18012445138366623367E-13,
    -1.79417853150680611778E-12,
    -1.32158118404477131188E-11,
    -3.14991652796324136454E-11,
    1.18891471078464383424E-11,
    4.94060238822496958910E-10,
    3.39623202570838634515E-9,
    2.26666899049817806459E-8,
    2.04891858946906374183E-7,
    2.89137052083475648297E-6,
    6.88975834691682398426E-5,
    3.36911647825569408990E-3,
    8.04490411014108831608E-1,
];

/// How many leading coefficients of each expansion f32 skips (Cephes'
/// single-precision tables are the tails of the double ones).
const NEAR_F32_SKIP: usize = 12;
const FAR_F32_SKIP: usize = 18;

/// Emit `bessel_i0e(x)` for `x` of type `a`.
pub(crate) fn i0e(e: &mut Emitter, x: &str, a: &AVal) -> String {
    match a.dtype {
        DType::F16 | DType::BF16 => {
            let wide = a.with_dtype(DType::F32);
            let up = e.op(format!(
                "stablehlo.convert {x} : ({}) -> {}",
                tensor_type(a),
                tensor_type(&wide)
            ));
            let y = i0e(e, &up, &wide);
            e.op(format!(
                "stablehlo.convert {y} : ({}) -> {}",
                tensor_type(&wide),
                tensor_type(a)
            ))
        }
        d => {
            let (near, far) = if d == DType::F64 {
                (&NEAR_F64[..], &FAR_F64[..])
            } else {
                (&NEAR_F64[NEAR_F32_SKIP..], &FAR_F64[FAR_F32_SKIP..])
            };
            Expansion {
                t: tensor_type(a),
                a,
            }
            .emit(e, x, near, far)
        }
    }
}

/// The element-wise arithmetic of one float type.
struct Expansion<'a> {
    t: String,
    a: &'a AVal,
}

impl Expansion<'_> {
    fn emit(&self, e: &mut Emitter, x: &str, near: &[f64], far: &[f64]) -> String {
        let t = &self.t;
        let x = e.op(format!("stablehlo.abs {x} : {t}"));
        let near_at = {
            let half = self.constant(e, 0.5);
            let two = self.constant(e, 2.0);
            let scaled = self.binary(e, "multiply", &half, &x);
            self.binary(e, "subtract", &scaled, &two)
        };
        let near_value = self.chebyshev(e, &near_at, near);
        let far_at = {
            let thirty_two = self.constant(e, 32.0);
            let two = self.constant(e, 2.0);
            let scaled = self.binary(e, "divide", &thirty_two, &x);
            self.binary(e, "subtract", &scaled, &two)
        };
        let far_sum = self.chebyshev(e, &far_at, far);
        let root = e.op(format!("stablehlo.sqrt {x} : {t}"));
        let far_value = self.binary(e, "divide", &far_sum, &root);
        let eight = self.constant(e, 8.0);
        let is_near = e.op(format!(
            "stablehlo.compare  LE, {x}, {eight},  FLOAT : ({t}, {t}) -> {}",
            tensor_type(&self.a.with_dtype(DType::Bool))
        ));
        e.op(format!(
            "stablehlo.select {is_near}, {near_value}, {far_value} : {}, {t}",
            tensor_type(&self.a.with_dtype(DType::Bool))
        ))
    }

    /// Clenshaw's recurrence `b₀ = x b₁ - b₂ + c`, then `(b₀ - b₂) / 2`.
    fn chebyshev(&self, e: &mut Emitter, x: &str, coefficients: &[f64]) -> String {
        let zero = self.constant(e, 0.0);
        let (mut b0, mut b1, mut b2) = (zero.clone(), zero.clone(), zero);
        for &c in coefficients {
            b2 = b1;
            b1 = b0;
            let xb1 = self.binary(e, "multiply", x, &b1);
            let diff = self.binary(e, "subtract", &xb1, &b2);
            let c = self.constant(e, c);
            b0 = self.binary(e, "add", &diff, &c);
        }
        let half = self.constant(e, 0.5);
        let diff = self.binary(e, "subtract", &b0, &b2);
        self.binary(e, "multiply", &half, &diff)
    }

    fn constant(&self, e: &mut Emitter, v: f64) -> String {
        let value = dense_value(&Literal::float(v, self.a.dtype, false));
        e.op(format!("stablehlo.constant dense<{value}> : {}", self.t))
    }

    fn binary(&self, e: &mut Emitter, op: &str, a: &str, b: &str) -> String {
        e.op(format!("stablehlo.{op} {a}, {b} : {}", self.t))
    }
}
