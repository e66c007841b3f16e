//! Reference values written by JAX (tools/fixtures/generate.sh): one line
//! per array, `name dtype shape : values`.

use crate::common::array;
use rjax::{Array, DType};

/// An array as JAX printed it.
pub struct Fixture {
    pub dtype: String,
    pub shape: Vec<usize>,
    pub values: Vec<f64>,
}

impl Fixture {
    /// The fixture as an array of its dtype.
    pub fn array(&self) -> Array {
        let dtype =
            DType::from_name(&self.dtype).unwrap_or_else(|| panic!("unknown dtype {}", self.dtype));
        array(&self.values, &self.shape, dtype)
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
