//! A structural diff of two programs: each is normalized (values renamed
//! in order of appearance, locations, metadata and the module's name
//! dropped), then the lines are compared.

use std::collections::HashMap;

/// `text` with its values renamed `%v0`, `%v1`... in order of first
/// appearance (per function), without locations, HLO metadata or the
/// module's name.
pub fn normalize(text: &str) -> Vec<String> {
    let mut names: HashMap<String, usize> = HashMap::new();
    let mut out = Vec::new();
    for line in text.lines() {
        let line = crate::ir::strip_location(line);
        let line = strip_metadata(line);
        let trimmed = line.trim();
        if trimmed.is_empty() {
            continue;
        }
        if trimmed.starts_with("func.func") {
            names.clear();
        }
        if trimmed.starts_with("module") || trimmed.starts_with("HloModule") {
            out.push(without_module_name(trimmed));
            continue;
        }
        out.push(rename(trimmed, &mut names));
    }
    out
}

/// `line` with each `%name` replaced by its number in `names` (adding new
/// names).
fn rename(line: &str, names: &mut HashMap<String, usize>) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let name: String = rest[at + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
            .collect();
        if name.is_empty() {
            out.push('%');
        } else {
            let next = names.len();
            let n = *names.entry(name.clone()).or_insert(next);
            out.push_str(&format!("%v{n}"));
        }
        rest = &rest[at + 1 + name.len()..];
    }
    out.push_str(rest);
    out
}

/// HLO's `, metadata={...}` attribute removed (it names source lines).
fn strip_metadata(line: &str) -> String {
    let Some(at) = line.find(", metadata={") else {
        return line.to_string();
    };
    let mut depth = 0;
    for (i, c) in line[at + 2..].char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return format!("{}{}", &line[..at], &line[at + 2 + i + 1..]);
                }
            }
            _ => {}
        }
    }
    line[..at].to_string()
}

fn without_module_name(line: &str) -> String {
    let mut words = line.split(' ');
    let first = words.next().unwrap_or("");
    let rest: Vec<&str> = words.collect();
    match rest.first() {
        Some(w) if w.starts_with('@') || first == "HloModule" => {
            format!("{first} {}", rest[1..].join(" "))
                .trim_end_matches([' ', ','])
                .trim_start_matches(", ")
                .to_string()
        }
        _ => line.to_string(),
    }
}

/// One line of a diff.
#[derive(Debug, PartialEq, Eq)]
pub enum Change {
    Removed(String),
    Added(String),
}

/// The lines to remove from `a` and add to get `b` (a longest common
/// subsequence; very large differing middles are shown whole).
pub fn diff(a: &[String], b: &[String]) -> Vec<Change> {
    let prefix = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let a = &a[prefix..a.len() - suffix];
    let b = &b[prefix..b.len() - suffix];
    if a.len().saturating_mul(b.len()) > 25_000_000 {
        return a
            .iter()
            .map(|l| Change::Removed(l.clone()))
            .chain(b.iter().map(|l| Change::Added(l.clone())))
            .collect();
    }
    // lcs[i][j]: the longest common subsequence of a[i..] and b[j..].
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j == b.len() || (i < a.len() && lcs[i + 1][j] >= lcs[i][j + 1]) {
            out.push(Change::Removed(a[i].clone()));
            i += 1;
        } else {
            out.push(Change::Added(b[j].clone()));
            j += 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renamed_values_are_equal() {
        let a = normalize(
            "module @a {\n  func.func public @main(%arg0: tensor<f32>) -> tensor<f32> {\n    %0 = stablehlo.add %arg0, %arg0 : tensor<f32>\n    return %0 : tensor<f32>\n  }\n}",
        );
        let b = normalize(
            "module @b {\n  func.func public @main(%x: tensor<f32>) -> tensor<f32> {\n    %sum = stablehlo.add %x, %x : tensor<f32> loc(#loc3)\n    return %sum : tensor<f32>\n  }\n}\n#loc3 = loc(\"f.py\":1:1)",
        );
        assert_eq!(diff(&a, &b), vec![]);
        let c = normalize(
            "module @c {\n  func.func public @main(%x: tensor<f32>) -> tensor<f32> {\n    %0 = stablehlo.multiply %x, %x : tensor<f32>\n    return %0 : tensor<f32>\n  }\n}",
        );
        assert_eq!(
            diff(&a, &c),
            vec![
                Change::Removed("%v1 = stablehlo.add %v0, %v0 : tensor<f32>".into()),
                Change::Added("%v1 = stablehlo.multiply %v0, %v0 : tensor<f32>".into()),
            ]
        );
    }

    #[test]
    fn hlo_metadata_is_dropped() {
        assert_eq!(
            strip_metadata("%a = f32[] add(%b, %c), metadata={op_name=\"x\" y={1}}, z=1"),
            "%a = f32[] add(%b, %c), z=1"
        );
    }
}
