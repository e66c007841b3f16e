//! The parameter types of a module's `@main`, read from its text, and
//! inputs made to fit them.

use rjax::{Array, DType};

/// One parameter of `@main`: its shape and dtype.
pub struct Param {
    pub shape: Vec<usize>,
    pub dtype: DType,
    /// Its size in bytes (the element count fits a `usize` too).
    pub bytes: usize,
}

/// The parameters of `func.func public @main(...)`.
pub fn main_params(text: &str) -> Result<Vec<Param>, String> {
    let start = text
        .find("@main(")
        .ok_or("the module has no @main function")?
        + "@main(".len();
    let mut depth = 1;
    let end = text[start..]
        .char_indices()
        .find_map(|(i, c)| {
            match c {
                '(' => depth += 1,
                ')' => depth -= 1,
                _ => {}
            }
            (depth == 0).then_some(start + i)
        })
        .ok_or("unbalanced parentheses in @main's signature")?;
    text[start..end]
        .split('%')
        .skip(1)
        .enumerate()
        .map(|(i, p)| {
            let t = p
                .find("tensor<")
                .ok_or_else(|| format!("parameter %{} is not a tensor", p.trim()))?;
            let close = p[t..].find('>').ok_or("unterminated tensor type")?;
            parse_tensor(&p[t + "tensor<".len()..t + close])
                .map_err(|e| format!("parameter {i}: {e}"))
        })
        .collect()
}

fn parse_tensor(body: &str) -> Result<Param, String> {
    let mut parts: Vec<&str> = body.split('x').collect();
    let elem = parts.pop().ok_or("empty tensor type")?;
    let dtype = match elem {
        "i1" => DType::Bool,
        "i8" => DType::I8,
        "i16" => DType::I16,
        "i32" => DType::I32,
        "i64" => DType::I64,
        "ui8" => DType::U8,
        "ui16" => DType::U16,
        "ui32" => DType::U32,
        "ui64" => DType::U64,
        "f16" => DType::F16,
        "bf16" => DType::BF16,
        "f32" => DType::F32,
        "f64" => DType::F64,
        other => return Err(format!("unsupported element type {other}")),
    };
    let shape: Vec<usize> = parts
        .iter()
        .map(|d| {
            d.parse::<usize>()
                .map_err(|_| format!("bad dimension `{d}`"))
        })
        .collect::<Result<_, _>>()?;
    let bytes = shape
        .iter()
        .try_fold(dtype.size_bytes(), |n, &d| n.checked_mul(d))
        .ok_or_else(|| format!("tensor<{body}> has more bytes than this machine can address"))?;
    Ok(Param {
        shape,
        dtype,
        bytes,
    })
}

impl Param {
    fn size(&self) -> usize {
        self.bytes / self.dtype.size_bytes()
    }

    /// Values given on the command line, converted to the parameter's dtype.
    pub fn parse_input(&self, text: &str) -> Result<Array, String> {
        let values = text
            .split(',')
            .map(|v| {
                v.trim()
                    .parse::<f64>()
                    .map_err(|_| format!("`{v}` is not a number"))
            })
            .collect::<Result<Vec<f64>, String>>()?;
        if values.len() != self.size() {
            return Err(format!(
                "{} values given for a parameter of {} elements",
                values.len(),
                self.size()
            ));
        }
        Ok(self.array_of(&values))
    }

    /// Seeded pseudo-random values in [-1, 1) (a 64-bit LCG).
    pub fn random(&self, seed: u64) -> Array {
        let mut state = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        let values: Vec<f64> = (0..self.size())
            .map(|_| {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
            })
            .collect();
        self.array_of(&values)
    }

    fn array_of(&self, values: &[f64]) -> Array {
        let shape: Vec<i64> = self.shape.iter().map(|&d| d as i64).collect();
        Array::from_slice(values, &[values.len()])
            .astype(self.dtype)
            .reshape(&shape)
    }
}
