//! Factorizations on the host through `faer`, as typed-FFI custom calls.
//!
//! On the CPU platform, `cholesky`, `lu`, `qr`, `eigh`, `svd` and `eig` of
//! f32/f64 matrices bind a [`Native`] rule that lowers to
//! `stablehlo.custom_call @rjax_linalg` with the factorization in its
//! attributes. rjax registers the handler once per process, before the
//! first program that uses it is compiled (or loaded from the persistent
//! cache, which happens after tracing). The handler loops over the leading
//! (batch) axes and writes the results in the layouts and conventions of
//! the loop-based lowering (`super::{qr, eigh, svd}`, `lu`), so the
//! derivative rules, written in terms of the outputs, stay as they are.
//! Eagerly, the rule runs the same kernels on the host copies. Elsewhere
//! (other platforms, other dtypes, a plugin without the FFI extension) the
//! loops remain: [`enabled`] is the one place that chooses.

use crate::element::{Element, from_bytes, to_bytes};
use crate::runtime::{pjrt_error, runtime};
use crate::{AVal, Array, DType, Error, ErrorKind, Result};
use faer::complex::Complex;
use faer::traits::RealField;
use faer::{Mat, MatRef, Side};
use num_traits::Float;
use rjax_ir::{BatchedRule, CustomCall, CustomCallLowering, CustomRule, Primitive, Value};
use rjax_pjrt::{FfiArg, FfiResult, LINALG_TARGET};
use std::cmp::Ordering;
use std::sync::{Arc, OnceLock};

/// A factorization the host computes, with its options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Factorization {
    /// `[L]`, lower, NaN when not positive definite.
    Cholesky,
    /// `[lu, pivots, permutation]` as `lax.linalg.lu`.
    Lu,
    /// `[Q, R]` as `lax.linalg.qr`.
    Qr { full_matrices: bool },
    /// `[V, w]`, `w` ascending, as `lax.linalg.eigh` (of the lower triangle).
    Eigh,
    /// `[s, U, Vᵀ]`, `s` descending, as `lax.linalg.svd`.
    Svd { full_matrices: bool },
    /// `[w, V]`, complex, as `jnp.linalg.eig`.
    Eig,
}

use Factorization::*;

impl Factorization {
    fn name(self) -> &'static str {
        match self {
            Cholesky => "cholesky",
            Lu => "lu",
            Qr { .. } => "qr",
            Eigh => "eigh",
            Svd { .. } => "svd",
            Eig => "eig",
        }
    }

    /// The custom call's attributes.
    fn attributes(self) -> Vec<(String, u64)> {
        let (kind, full) = match self {
            Cholesky => (0, false),
            Lu => (1, false),
            Qr { full_matrices } => (2, full_matrices),
            Eigh => (3, false),
            Svd { full_matrices } => (4, full_matrices),
            Eig => (5, false),
        };
        vec![
            ("kind".to_string(), kind),
            ("full_matrices".to_string(), u64::from(full)),
        ]
    }

    fn from_attributes(attrs: &[(&str, u64)]) -> std::result::Result<Self, String> {
        let get = |name: &str| {
            attrs
                .iter()
                .find(|(n, _)| *n == name)
                .map(|&(_, v)| v)
                .ok_or_else(|| format!("the linalg call has no {name} attribute"))
        };
        let full_matrices = get("full_matrices")? != 0;
        Ok(match get("kind")? {
            0 => Cholesky,
            1 => Lu,
            2 => Qr { full_matrices },
            3 => Eigh,
            4 => Svd { full_matrices },
            5 => Eig,
            other => return Err(format!("unknown linalg kind {other}")),
        })
    }

    /// The results' avals for an operand `[..., m, n]`.
    fn out_avals(self, a: &AVal) -> Result<Vec<AVal>> {
        let r = a.shape.len();
        if r < 2 || !matches!(a.dtype, DType::F32 | DType::F64) {
            return Err(Error::new(
                ErrorKind::Shape,
                self.name(),
                "needs f32 or f64 matrices in the last two axes",
            )
            .with_operands(vec![a.clone()]));
        }
        let (batch, m, n) = (&a.shape[..r - 2], a.shape[r - 2], a.shape[r - 1]);
        let k = m.min(n);
        let square = m == n;
        if !square && matches!(self, Cholesky | Eigh | Eig) {
            return Err(
                Error::new(ErrorKind::Shape, self.name(), "needs square matrices")
                    .with_operands(vec![a.clone()]),
            );
        }
        let of = |dims: &[usize], dtype: DType| {
            AVal::new(batch.iter().chain(dims).copied().collect(), dtype)
        };
        let complex = if a.dtype == DType::F32 {
            DType::C64
        } else {
            DType::C128
        };
        let d = a.dtype;
        Ok(match self {
            Cholesky => vec![of(&[n, n], d)],
            Lu => vec![of(&[m, n], d), of(&[k], DType::I32), of(&[m], DType::I32)],
            Qr {
                full_matrices: true,
            } => vec![of(&[m, m], d), of(&[m, n], d)],
            Qr {
                full_matrices: false,
            } => vec![of(&[m, k], d), of(&[k, n], d)],
            Eigh => vec![of(&[n, n], d), of(&[n], d)],
            Svd {
                full_matrices: true,
            } => vec![of(&[k], d), of(&[m, m], d), of(&[n, n], d)],
            Svd {
                full_matrices: false,
            } => vec![of(&[k], d), of(&[m, k], d), of(&[k, n], d)],
            Eig => vec![of(&[n], complex), of(&[n, n], complex)],
        })
    }
}

/// Whether factorizations of `dtype` matrices go through the custom call:
/// the runtime is on the CPU platform and the handler is registered (the
/// first call registers it).
pub(crate) fn enabled(dtype: DType) -> bool {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    matches!(dtype, DType::F32 | DType::F64) && *REGISTERED.get_or_init(|| register().is_ok())
}

fn register() -> Result<()> {
    let client = &runtime()?.client;
    let platform = client
        .platform_name()
        .map_err(|e| pjrt_error("linalg", e))?;
    if !platform.eq_ignore_ascii_case("cpu") {
        return Err(Error::new(
            ErrorKind::Runtime,
            "linalg",
            "host factorizations serve the CPU platform",
        ));
    }
    client
        .plugin()
        .register_linalg(&platform, dispatch)
        .map_err(|e| pjrt_error("linalg", e))
}

/// `kind` of `a` (`[..., m, n]`) through the custom call when it is
/// [`enabled`] for `a`'s dtype (`None` otherwise); an error is carried by
/// every result.
pub(crate) fn try_factor(kind: Factorization, a: &Array) -> Option<Vec<Array>> {
    let dtype = a.dtype().ok()?;
    if !enabled(dtype) {
        return None;
    }
    let rule = Native(kind);
    let count = rule.num_outputs();
    let bound = a.value().cloned().and_then(|a| {
        crate::eager::install();
        rjax_ir::bind(&Primitive::Custom(CustomCall(Arc::new(rule))), &[a])
    });
    Some(match bound {
        Ok(outs) => outs.into_iter().map(Array::from_value).collect(),
        Err(e) => vec![Array::from_error(e); count],
    })
}

/// The primitive of a host factorization. It has no derivative of its
/// own: the callers wrap it in `custom_jvp` with the closed forms.
struct Native(Factorization);

impl CustomRule for Native {
    fn name(&self) -> &str {
        self.0.name()
    }
    fn out_avals(&self, in_avals: &[AVal]) -> Result<Vec<AVal>> {
        match in_avals {
            [a] => self.0.out_avals(a),
            _ => Err(self.unsupported("more than one operand")),
        }
    }
    fn jaxpr(&self) -> Option<&rjax_ir::Jaxpr> {
        None
    }
    fn num_outputs(&self) -> usize {
        match self.0 {
            Cholesky => 1,
            Qr { .. } | Eigh | Eig => 2,
            Lu | Svd { .. } => 3,
        }
    }
    fn eval(&self, args: &[Value]) -> Result<Vec<Value>> {
        let [a] = args else {
            return Err(self.unsupported("more than one operand"));
        };
        let (bytes, aval) = Array::from_value(a.clone()).host_bytes()?;
        let outs = self.0.out_avals(&aval)?;
        let results = compute(self.0, aval.dtype, &aval.shape, &bytes)
            .map_err(|m| Error::new(ErrorKind::Runtime, self.name(), m))?;
        let rt = runtime()?;
        results
            .iter()
            .zip(outs)
            .map(|(bytes, aval)| Ok(Value::Concrete(Arc::new(rt.upload(bytes, aval)?))))
            .collect()
    }
    fn jvp(
        &self,
        primals: &[Value],
        tangents: &[Option<Value>],
    ) -> Result<(Vec<Value>, Vec<Option<Value>>)> {
        if tangents.iter().any(Option::is_some) {
            return Err(self.unsupported("differentiation of the bare host factorization"));
        }
        let outs = rjax_ir::bind(
            &Primitive::Custom(CustomCall(Arc::new(Native(self.0)))),
            primals,
        )?;
        let none = vec![None; outs.len()];
        Ok((outs, none))
    }
    /// The handler loops over leading axes, so a batch is the same call.
    fn batched(&self, _size: usize) -> Option<Result<BatchedRule>> {
        Some(Ok(BatchedRule {
            rule: Arc::new(Native(self.0)),
            consts: Vec::new(),
        }))
    }
    fn lowering(&self) -> Option<CustomCallLowering> {
        Some(CustomCallLowering {
            target: LINALG_TARGET.to_string(),
            backend_config: self.0.attributes(),
            has_side_effect: false,
            sharding: None,
        })
    }
}

/// The dispatcher XLA's handler calls (see [`rjax_pjrt::LinalgDispatch`]).
fn dispatch(
    attrs: &[(&str, u64)],
    args: &[FfiArg<'_>],
    results: &mut [FfiResult<'_>],
) -> std::result::Result<(), String> {
    let kind = Factorization::from_attributes(attrs)?;
    let [a] = args else {
        return Err(format!("{}: {} operands", kind.name(), args.len()));
    };
    let dtype = match a.primitive_type {
        11 => DType::F32,
        12 => DType::F64,
        other => return Err(format!("{}: operand of XLA type {other}", kind.name())),
    };
    let shape: Vec<usize> = a.dims.iter().map(|&d| d.max(0) as usize).collect();
    let outs = compute(kind, dtype, &shape, a.bytes)?;
    if outs.len() != results.len() {
        return Err(format!(
            "{}: {} results for {} buffers",
            kind.name(),
            outs.len(),
            results.len()
        ));
    }
    for (out, buffer) in outs.iter().zip(results.iter_mut()) {
        if out.len() != buffer.bytes.len() {
            return Err(format!(
                "{}: {} bytes for a buffer of {}",
                kind.name(),
                out.len(),
                buffer.bytes.len()
            ));
        }
        buffer.bytes.copy_from_slice(out);
    }
    Ok(())
}

/// `kind` of each matrix of the row-major `bytes` (`shape` `[..., m, n]`):
/// the results' bytes, the batch's matrices one after another.
fn compute(
    kind: Factorization,
    dtype: DType,
    shape: &[usize],
    bytes: &[u8],
) -> std::result::Result<Vec<Vec<u8>>, String> {
    match dtype {
        DType::F32 => compute_typed::<f32>(kind, shape, bytes),
        DType::F64 => compute_typed::<f64>(kind, shape, bytes),
        other => Err(format!("{}: {} matrices", kind.name(), other.name())),
    }
}

/// The real element types the kernels take.
trait Real: RealField + Float + Element {
    const NAN: Self;
}
impl Real for f32 {
    const NAN: Self = f32::NAN;
}
impl Real for f64 {
    const NAN: Self = f64::NAN;
}

fn compute_typed<T: Real>(
    kind: Factorization,
    shape: &[usize],
    bytes: &[u8],
) -> std::result::Result<Vec<Vec<u8>>, String>
where
    Complex<T>: Element,
{
    let r = shape.len();
    if r < 2 {
        return Err(format!("{}: needs matrices", kind.name()));
    }
    let (m, n) = (shape[r - 2], shape[r - 1]);
    let data: Vec<T> = from_bytes(bytes);
    let size = m * n;
    let count = data.len().checked_div(size).unwrap_or(0);
    let mut outs: Vec<Vec<u8>> = Vec::new();
    for b in 0..count {
        let a = MatRef::from_row_major_slice(&data[b * size..(b + 1) * size], m, n);
        let parts = factor_one(kind, a);
        outs.resize_with(parts.len(), Vec::new);
        for (out, part) in outs.iter_mut().zip(parts) {
            out.extend_from_slice(&part);
        }
    }
    if count == 0 {
        // Empty batches or matrices: the results are empty or all zero
        // sized; write zeros of the right sizes.
        let aval = AVal::new(shape.to_vec(), T::DTYPE);
        return kind
            .out_avals(&aval)
            .map_err(|e| e.to_string())
            .map(|avals| {
                avals
                    .iter()
                    .map(|a| vec![0u8; a.shape.iter().product::<usize>() * a.dtype.size_bytes()])
                    .collect()
            });
    }
    Ok(outs)
}

/// The results of `kind` for one matrix, as row-major bytes.
fn factor_one<T: Real>(kind: Factorization, a: MatRef<'_, T>) -> Vec<Vec<u8>>
where
    Complex<T>: Element,
{
    let (m, n) = a.shape();
    let nan = |rows: usize, cols: usize| Mat::<T>::from_fn(rows, cols, |_, _| T::NAN);
    match kind {
        Cholesky => {
            let l = a
                .llt(Side::Lower)
                .map_or_else(|_| nan(n, n), |f| f.L().to_owned());
            vec![row_major(l.as_ref())]
        }
        Lu => {
            let f = a.partial_piv_lu();
            let (l, u) = (f.L(), f.U());
            let packed = Mat::from_fn(m, n, |i, j| if i > j { l[(i, j)] } else { u[(i, j)] });
            let (forward, _) = f.P().arrays();
            let perm: Vec<i32> = forward.iter().map(|&p| p as i32).collect();
            vec![
                row_major(packed.as_ref()),
                to_bytes(&pivots_of(&perm, m.min(n))),
                to_bytes(&perm),
            ]
        }
        Qr { full_matrices } => {
            let f = a.qr();
            let (q, r) = if full_matrices {
                (f.compute_Q(), f.R().to_owned())
            } else {
                (f.compute_thin_Q(), f.thin_R().to_owned())
            };
            vec![row_major(q.as_ref()), row_major(r.as_ref())]
        }
        Eigh => match a.self_adjoint_eigen(Side::Lower) {
            Ok(f) => {
                let w: Vec<T> = (0..n).map(|i| f.S()[i]).collect();
                vec![row_major(f.U()), to_bytes(&w)]
            }
            Err(_) => vec![row_major(nan(n, n).as_ref()), to_bytes(&vec![T::NAN; n])],
        },
        Svd { full_matrices } => {
            let k = m.min(n);
            let (rows_u, rows_v) = if full_matrices { (m, n) } else { (k, k) };
            let f = if full_matrices { a.svd() } else { a.thin_svd() };
            match f {
                Ok(f) => {
                    let s: Vec<T> = (0..k).map(|i| f.S()[i]).collect();
                    vec![to_bytes(&s), row_major(f.U()), row_major(f.V().transpose())]
                }
                Err(_) => vec![
                    to_bytes(&vec![T::NAN; k]),
                    row_major(nan(m, rows_u).as_ref()),
                    row_major(nan(rows_v, n).as_ref()),
                ],
            }
        }
        Eig => {
            let nan_c = Complex::new(T::NAN, T::NAN);
            match a.eigen() {
                Ok(f) => {
                    let w: Vec<Complex<T>> = (0..n).map(|i| f.S()[i]).collect();
                    vec![to_bytes(&w), row_major(normalized(f.U()).as_ref())]
                }
                Err(_) => vec![to_bytes(&vec![nan_c; n]), to_bytes(&vec![nan_c; n * n])],
            }
        }
    }
}

/// Eigenvectors as LAPACK's `geev` scales them: unit norm, the component
/// of largest magnitude real and positive.
fn normalized<T: Real>(v: MatRef<'_, Complex<T>>) -> Mat<Complex<T>> {
    let mut out = v.to_owned();
    for j in 0..out.ncols() {
        let column: Vec<Complex<T>> = (0..out.nrows()).map(|i| out[(i, j)]).collect();
        let size = |z: &Complex<T>| z.norm_sqr();
        let norm = Float::sqrt(column.iter().map(size).fold(T::zero(), |a, b| a + b));
        let Some(top) = column
            .iter()
            .copied()
            .max_by(|a, b| size(a).partial_cmp(&size(b)).unwrap_or(Ordering::Equal))
        else {
            continue;
        };
        if norm == T::zero() || size(&top) == T::zero() {
            continue;
        }
        let scale = top.conj() / (Float::sqrt(size(&top)) * norm);
        for i in 0..out.nrows() {
            out[(i, j)] = column[i] * scale;
        }
    }
    out
}

/// A matrix's elements in row-major order, as bytes.
fn row_major<E: Element>(a: MatRef<'_, E>) -> Vec<u8> {
    let (m, n) = a.shape();
    let mut out = Vec::with_capacity(m * n);
    for i in 0..m {
        for j in 0..n {
            out.push(a[(i, j)]);
        }
    }
    to_bytes(&out)
}

/// LAPACK's pivots (row `i` swapped with `pivots[i]` at step `i`) of the
/// first `k` steps that produce the row permutation `perm`.
fn pivots_of(perm: &[i32], k: usize) -> Vec<i32> {
    // `rows[p]`: the original row now at position `p`; `at[r]`: where
    // original row `r` is now.
    let mut rows: Vec<i32> = (0..perm.len() as i32).collect();
    let mut at: Vec<usize> = (0..perm.len()).collect();
    (0..k)
        .map(|i| {
            let j = at[perm[i] as usize];
            let (ri, rj) = (rows[i], rows[j]);
            rows.swap(i, j);
            at[ri as usize] = j;
            at[rj as usize] = i;
            j as i32
        })
        .collect()
}
