//! numpy-style printing: `[0.         0.16666667 0.33333334 0.5       ]`.

use crate::Array;
use crate::element::from_bytes;
use half::{bf16, f16};
use num_complex::Complex;
use rjax_ir::DType;
use std::fmt;

/// Arrays with more elements than this are summarized with `...`.
const THRESHOLD: usize = 1000;
/// Items kept at each end of a summarized axis.
const EDGE: usize = 3;

impl fmt::Display for Array {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (bytes, aval) = match self.host_bytes() {
            Ok(x) => x,
            // A value not known while tracing prints as its type, as in JAX.
            Err(e) if e.kind == rjax_ir::ErrorKind::Concretization => {
                return write!(
                    f,
                    "Traced<{}>",
                    self.aval().map(|a| a.to_string()).unwrap_or_default()
                );
            }
            Err(e) => return write!(f, "<error: {e}>"),
        };
        f.write_str(&format_host(&bytes, &aval))
    }
}

/// The numpy-style text of an array given by its bytes.
pub(crate) fn format_host(bytes: &[u8], aval: &rjax_ir::AVal) -> String {
    let cells = cells(bytes, aval.dtype);
    let summarize = cells.len() > THRESHOLD;
    let mut out = String::new();
    nest(&mut out, &cells, &aval.shape, 0, 0, summarize);
    out
}

/// Each element as text, padded so that all align like numpy's.
fn cells(bytes: &[u8], dtype: DType) -> Vec<String> {
    let floats = |v: Vec<f64>, shortest: &dyn Fn(f64) -> String| float_cells(&v, shortest);
    match dtype {
        DType::Bool => right_align(
            from_bytes::<bool>(bytes)
                .iter()
                .map(|b| if *b { "True" } else { "False" }.to_string())
                .collect(),
        ),
        DType::F32 => floats(
            from_bytes::<f32>(bytes).iter().map(|&x| x as f64).collect(),
            &|x| format!("{}", x as f32),
        ),
        DType::F64 => floats(from_bytes::<f64>(bytes), &|x| format!("{x}")),
        DType::F16 => floats(
            from_bytes::<f16>(bytes)
                .iter()
                .map(|x| x.to_f64())
                .collect(),
            &|x| format!("{}", f16::from_f64(x)),
        ),
        DType::BF16 => floats(
            from_bytes::<bf16>(bytes)
                .iter()
                .map(|x| x.to_f64())
                .collect(),
            &|x| format!("{}", bf16::from_f64(x)),
        ),
        DType::I8 => ints(from_bytes::<i8>(bytes)),
        DType::I16 => ints(from_bytes::<i16>(bytes)),
        DType::I32 => ints(from_bytes::<i32>(bytes)),
        DType::I64 => ints(from_bytes::<i64>(bytes)),
        DType::U8 => ints(from_bytes::<u8>(bytes)),
        DType::U16 => ints(from_bytes::<u16>(bytes)),
        DType::U32 => ints(from_bytes::<u32>(bytes)),
        DType::U64 => ints(from_bytes::<u64>(bytes)),
        DType::C64 => complex_cells(
            from_bytes::<Complex<f32>>(bytes)
                .iter()
                .map(|z| (z.re as f64, z.im as f64))
                .collect(),
            &|x| format!("{}", x as f32),
        ),
        DType::C128 => complex_cells(
            from_bytes::<Complex<f64>>(bytes)
                .iter()
                .map(|z| (z.re, z.im))
                .collect(),
            &|x| format!("{x}"),
        ),
    }
}

/// Complex numbers numpy's way, `1.+2.j`: real parts aligned as floats,
/// then imaginary parts with their sign, aligned on their points, each
/// followed by `j` (padding moved after it).
fn complex_cells(v: Vec<(f64, f64)>, shortest: &dyn Fn(f64) -> String) -> Vec<String> {
    let re: Vec<f64> = v.iter().map(|z| z.0).collect();
    let im: Vec<f64> = v.iter().map(|z| z.1).collect();
    let signed = |x: f64| {
        let s = shortest(x);
        if s.starts_with('-') {
            s
        } else {
            format!("+{s}")
        }
    };
    let re_cells = float_cells(&re, shortest);
    let im_cells = float_cells(&im, &signed);
    re_cells
        .iter()
        .zip(im_cells)
        .map(|(r, i)| {
            // nan and inf print without a sign of their own.
            let i = match i.trim_start() {
                t if t.starts_with(['+', '-']) => i.clone(),
                t => format!("{}+{t}", &i[..i.len() - t.len()]),
            };
            let trimmed = i.trim_end();
            let pad = i.len() - trimmed.len();
            format!("{r}{trimmed}j{}", " ".repeat(pad))
        })
        .collect()
}

fn ints<T: ToString>(v: Vec<T>) -> Vec<String> {
    right_align(v.iter().map(T::to_string).collect())
}

fn right_align(texts: Vec<String>) -> Vec<String> {
    let width = texts.iter().map(String::len).max().unwrap_or(0);
    texts.iter().map(|s| format!("{s:>width$}")).collect()
}

/// Floats the numpy way: shortest round-trip digits, `1.` for integral
/// values, decimal points aligned; scientific notation for very large or
/// very small magnitudes.
fn float_cells(v: &[f64], shortest: &dyn Fn(f64) -> String) -> Vec<String> {
    let finite: Vec<f64> = v
        .iter()
        .copied()
        .filter(|x| x.is_finite() && *x != 0.0)
        .map(f64::abs)
        .collect();
    let (lo, hi) = finite.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), &x| {
        (lo.min(x), hi.max(x))
    });
    let scientific = !finite.is_empty() && (hi >= 1e8 || lo < 1e-4 || hi / lo > 1e3);
    let texts: Vec<String> = v
        .iter()
        .map(|&x| match x {
            x if x.is_nan() => "nan".to_string(),
            x if x.is_infinite() => if x > 0.0 { "inf" } else { "-inf" }.to_string(),
            x if scientific => sci(&shortest(x)),
            x => {
                let s = shortest(x);
                if s.contains('.') { s } else { format!("{s}.") }
            }
        })
        .collect();
    if scientific {
        return right_align(texts);
    }
    // Align the decimal points; texts without one (nan, inf) align right.
    let split = |s: &str| s.find('.').map_or((s.len(), 0), |i| (i, s.len() - i - 1));
    let left = texts.iter().map(|s| split(s).0).max().unwrap_or(0);
    let right = texts.iter().map(|s| split(s).1).max().unwrap_or(0);
    texts
        .iter()
        .map(|s| {
            let (l, r) = split(s);
            let pad_right = if s.contains('.') { right - r } else { 0 };
            let pad_left =
                (left + 1 + right).saturating_sub(l + r + pad_right + usize::from(s.contains('.')));
            format!("{}{s}{}", " ".repeat(pad_left), " ".repeat(pad_right))
        })
        .collect()
}

/// `12345.6` -> `1.23456e+04`.
fn sci(shortest: &str) -> String {
    let x: f64 = shortest.parse().unwrap_or(0.0);
    if x == 0.0 {
        return "0.e+00".to_string();
    }
    let exp = x.abs().log10().floor() as i32;
    let digits: String = shortest
        .chars()
        .filter(|c| c.is_ascii_digit())
        .collect::<String>()
        .trim_start_matches('0')
        .trim_end_matches('0')
        .to_string();
    let (head, tail) = digits.split_at(1.min(digits.len()));
    let sign = if x < 0.0 { "-" } else { "" };
    format!(
        "{sign}{head}.{tail}e{}{:02}",
        if exp < 0 { '-' } else { '+' },
        exp.abs()
    )
}

/// Write the nested brackets of `shape` starting at element `offset`.
fn nest(
    out: &mut String,
    cells: &[String],
    shape: &[usize],
    axis: usize,
    offset: usize,
    summarize: bool,
) {
    if shape.len() == axis {
        out.push_str(cells[offset].trim());
        return;
    }
    let n = shape[axis];
    let stride: usize = shape[axis + 1..].iter().product();
    let shown: Vec<Option<usize>> = if summarize && n > 2 * EDGE {
        (0..EDGE)
            .map(Some)
            .chain([None])
            .chain((n - EDGE..n).map(Some))
            .collect()
    } else {
        (0..n).map(Some).collect()
    };
    out.push('[');
    let last_axis = axis + 1 == shape.len();
    for (k, item) in shown.iter().enumerate() {
        if k > 0 {
            if last_axis {
                out.push(' ');
            } else {
                out.push_str(&"\n".repeat(shape.len() - axis - 1));
                out.push_str(&" ".repeat(axis + 1));
            }
        }
        match item {
            None => out.push_str("..."),
            Some(i) if last_axis => out.push_str(&cells[offset + i * stride]),
            Some(i) => nest(out, cells, shape, axis + 1, offset + i * stride, summarize),
        }
    }
    out.push(']');
}
