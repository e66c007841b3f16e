//! Just enough of the StableHLO (MLIR) and HLO text formats to count ops,
//! draw dataflow and compare programs: one operation per line, values
//! named `%name`.

/// One operation of a program's text.
#[derive(Clone, Debug)]
pub struct Op {
    /// The op's name: `stablehlo.add`, `func.call`, `fusion`...
    pub name: String,
    /// The values it defines (`%0`, `%fusion.1`...).
    pub results: Vec<String>,
    /// The values it uses, in order, without `#N` result indices.
    pub operands: Vec<String>,
    /// Its result type as written (the text after the last ` : ` in
    /// MLIR, the shape in HLO).
    pub ty: String,
    /// For HLO: the computation it calls (`calls=%fused_computation`).
    pub calls: Option<String>,
    /// Nesting depth: 0 for the top level of a function or computation,
    /// more inside regions.
    pub depth: usize,
    /// The whole line (for attributes the fields above leave out).
    pub line: String,
}

/// A function (MLIR) or computation (HLO) and its operations.
#[derive(Clone, Debug, Default)]
pub struct Function {
    pub name: String,
    /// The parameters' names and types.
    pub params: Vec<(String, String)>,
    /// The result types.
    pub results: Vec<String>,
    pub ops: Vec<Op>,
    /// HLO: the `ENTRY` computation.
    pub entry: bool,
}

/// The functions of a StableHLO module (`func.func`), or an error saying
/// why the text is not one.
pub fn parse_mlir(text: &str) -> Result<Vec<Function>, String> {
    if !text.contains("module") || !text.contains("func.func") {
        return Err("not a StableHLO module: no `module` with a `func.func` in it".into());
    }
    let mut functions: Vec<Function> = Vec::new();
    let mut depth = 0usize;
    for line in text.lines().map(strip_location) {
        let trimmed = line.trim();
        if trimmed.starts_with("func.func") {
            let (params, results) = signature(trimmed);
            functions.push(Function {
                name: symbol(trimmed).unwrap_or_default(),
                params,
                results,
                ..Function::default()
            });
            depth = 0;
            continue;
        }
        let opens = trimmed.matches('{').count();
        let closes = trimmed.matches('}').count();
        if let Some(f) = functions.last_mut()
            && let Some(op) = mlir_op(trimmed, depth)
        {
            f.ops.push(op);
        }
        depth = (depth + opens).saturating_sub(closes);
    }
    if functions.is_empty() {
        return Err("not a StableHLO module: no function found".into());
    }
    Ok(functions)
}

/// The operation on one MLIR line, if it holds one.
fn mlir_op(line: &str, depth: usize) -> Option<Op> {
    let (results, rest) = match line.split_once(" = ") {
        Some((lhs, rhs)) if lhs.starts_with('%') => (
            lhs.split(',')
                .map(|r| r.trim().split(':').next().unwrap_or("").to_string())
                .collect(),
            rhs,
        ),
        _ => (Vec::new(), line),
    };
    let rest = rest.trim_start_matches('"');
    let name: String = rest
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || "._".contains(*c))
        .collect();
    if name.is_empty() || !(name.contains('.') || name == "return") {
        return None;
    }
    let body = code_before_type(&rest[name.len()..]);
    Some(Op {
        operands: values(body),
        ty: rest
            .rsplit_once(" : ")
            .map_or(String::new(), |(_, t)| t.trim().to_string()),
        name,
        results,
        calls: None,
        depth,
        line: line.to_string(),
    })
}

/// `text` up to its trailing ` : type` (the operands and attributes).
fn code_before_type(text: &str) -> &str {
    text.rsplit_once(" : ").map_or(text, |(code, _)| code)
}

/// The `%name` values in `text`, in order, without result indices.
pub fn values(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('%') {
        let name: String = rest[at + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "._-".contains(*c))
            .collect();
        if !name.is_empty() {
            out.push(format!("%{name}"));
        }
        rest = &rest[at + 1 + name.len()..];
    }
    out
}

/// The `@symbol` of a line.
fn symbol(line: &str) -> Option<String> {
    let at = line.find('@')?;
    Some(
        line[at + 1..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || "._$-".contains(*c))
            .collect(),
    )
}

/// The parameters and result types of a `func.func` line.
fn signature(line: &str) -> (Vec<(String, String)>, Vec<String>) {
    let Some(open) = line.find('(') else {
        return (Vec::new(), Vec::new());
    };
    let close = matching(line, open).unwrap_or(line.len());
    let params = split_top(&line[open + 1..close])
        .into_iter()
        .filter_map(|p| {
            let (name, ty) = p.split_once(':')?;
            Some((name.trim().to_string(), first_type(ty)))
        })
        .collect();
    let after = &line[close.min(line.len())..];
    let results = match after.find("->") {
        Some(at) => {
            let r = after[at + 2..].trim();
            match r.strip_prefix('(') {
                Some(_) => {
                    let end = matching(r, 0).unwrap_or(r.len());
                    split_top(&r[1..end])
                        .into_iter()
                        .map(|t| first_type(&t))
                        .collect()
                }
                None => vec![first_type(r)],
            }
        }
        None => Vec::new(),
    };
    (params, results)
}

/// The first `tensor<...>` (or other type word) of `text`.
fn first_type(text: &str) -> String {
    let text = text.trim();
    match text.find("tensor<") {
        Some(at) => {
            let end = text[at..].find('>').map_or(text.len(), |e| at + e + 1);
            text[at..end].to_string()
        }
        None => text.split_whitespace().next().unwrap_or("").to_string(),
    }
}

/// The index of the bracket closing the one at `open`.
fn matching(text: &str, open: usize) -> Option<usize> {
    let mut depth = 0i32;
    for (i, c) in text.char_indices().skip_while(|&(i, _)| i < open) {
        match c {
            '(' | '[' | '{' | '<' => depth += 1,
            ')' | ']' | '}' | '>' if text[..i].ends_with('-') && c == '>' => {}
            ')' | ']' | '}' | '>' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
    }
    None
}

/// `text` split at commas outside brackets.
fn split_top(text: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut current = String::new();
    for c in text.chars() {
        match c {
            '(' | '[' | '{' | '<' => depth += 1,
            ')' | ']' | '}' | '>' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(std::mem::take(&mut current));
                continue;
            }
            _ => {}
        }
        current.push(c);
    }
    if !current.trim().is_empty() {
        parts.push(current);
    }
    parts
}

/// A line without its trailing `loc(...)` (JAX prints locations with
/// `--debug-info`); `#loc` definitions become empty.
pub fn strip_location(line: &str) -> &str {
    if line.trim_start().starts_with("#loc") {
        return "";
    }
    match line.rfind(" loc(") {
        Some(at) => line[..at].trim_end(),
        None => line,
    }
}

/// The computations of HLO text (as XLA prints it).
pub fn parse_hlo(text: &str) -> Vec<Function> {
    let mut computations: Vec<Function> = Vec::new();
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.ends_with('{') && !trimmed.contains(" = ") {
            let entry = trimmed.starts_with("ENTRY ");
            let head = trimmed.trim_start_matches("ENTRY ").trim_start_matches('%');
            let name: String = head
                .chars()
                .take_while(|c| !c.is_whitespace() && *c != '(')
                .collect();
            if !name.is_empty() && !trimmed.starts_with("HloModule") {
                computations.push(Function {
                    name: format!("%{name}"),
                    entry,
                    ..Function::default()
                });
            }
            continue;
        }
        if let (Some(c), Some(op)) = (computations.last_mut(), hlo_op(trimmed)) {
            if op.name == "parameter" {
                c.params.push((op.results[0].clone(), op.ty.clone()));
            }
            c.ops.push(op);
        }
    }
    computations
}

/// The instruction on one HLO line: `[ROOT] %name = TYPE opcode(%a, %b), attrs`.
fn hlo_op(line: &str) -> Option<Op> {
    let line = line.strip_prefix("ROOT ").unwrap_or(line);
    let (lhs, rhs) = line.split_once(" = ")?;
    let name = lhs.trim();
    if !name.starts_with('%') {
        return None;
    }
    let rhs = rhs.trim_start();
    let type_end = if rhs.starts_with('(') {
        matching(rhs, 0)? + 1
    } else {
        rhs.find(' ')?
    };
    let ty = rhs[..type_end].to_string();
    let rest = rhs[type_end..].trim_start();
    let open = rest.find('(')?;
    let opcode = rest[..open].to_string();
    let close = matching(rest, open)?;
    let attrs = &rest[close + 1..];
    let calls = attrs
        .split(", ")
        .find_map(|a| a.trim().strip_prefix("calls="))
        .map(|c| c.split([',', ' ']).next().unwrap_or(c).to_string());
    Some(Op {
        name: opcode,
        results: vec![name.to_string()],
        operands: values(&rest[open + 1..close]),
        ty,
        calls,
        depth: 0,
        line: line.to_string(),
    })
}

/// Bytes of an HLO shape like `f32[8,4]{1,0}` (0 for tuples and unknown
/// element types).
pub fn hlo_shape_bytes(ty: &str) -> u64 {
    let Some(open) = ty.find('[') else { return 0 };
    let width: u64 = match &ty[..open] {
        "pred" | "s8" | "u8" => 1,
        "f16" | "bf16" | "s16" | "u16" => 2,
        "f32" | "s32" | "u32" => 4,
        "f64" | "s64" | "u64" | "c64" => 8,
        "c128" => 16,
        _ => return 0,
    };
    let dims = &ty[open + 1..ty[open..].find(']').map_or(ty.len(), |e| open + e)];
    dims.split(',')
        .filter(|d| !d.is_empty())
        .map(|d| d.trim().parse::<u64>().unwrap_or(0))
        .product::<u64>()
        * width
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mlir_ops_and_signatures() {
        let f = &parse_mlir("module @m {\n  func.func public @main(%arg0: tensor<3xf32>, %x: tensor<f32>) -> (tensor<3xf32> {jax.result_info = \"r\"}) {\n    %0:2 = stablehlo.while(%a = %arg0) : tensor<3xf32>\n    %1 = \"stablehlo.add\"(%0#1, %x) : (tensor<3xf32>, tensor<f32>) -> tensor<3xf32>\n    return %1 : tensor<3xf32>\n  }\n}\n").unwrap()[0];
        assert_eq!(f.name, "main");
        assert_eq!(f.params[1], ("%x".into(), "tensor<f32>".into()));
        assert_eq!(f.results, vec!["tensor<3xf32>"]);
        assert_eq!(f.ops[0].results, vec!["%0"]);
        assert_eq!(f.ops[1].name, "stablehlo.add");
        assert_eq!(f.ops[1].operands, vec!["%0", "%x"]);
        assert_eq!(f.ops[2].name, "return");
    }

    #[test]
    fn hlo_instructions() {
        let op = hlo_op("ROOT %f = f32[8,4]{1,0} fusion(%a, %b.1), kind=kLoop, calls=%fused_computation.1, metadata={x}").unwrap();
        assert_eq!(op.name, "fusion");
        assert_eq!(op.operands, vec!["%a", "%b.1"]);
        assert_eq!(op.calls.as_deref(), Some("%fused_computation.1"));
        assert_eq!(hlo_shape_bytes(&op.ty), 128);
    }
}
