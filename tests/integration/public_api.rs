//! Every type a public signature of `rjax` names can be named through
//! `rjax::` paths alone: types of rjax's own crates that appear in a public
//! function's signature must be re-exported. (Types defined in `rjax`
//! itself are checked by the compiler: `#![warn(unnameable_types)]`.)

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src/ is readable") {
        let path = entry.expect("directory entry").path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The capitalized identifiers in `text` (type names).
fn type_names(text: &str) -> impl Iterator<Item = &str> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with(|c: char| c.is_ascii_uppercase()))
}

/// The `use` and `pub use` statements of a file: (is_pub, crate, body).
fn uses(text: &str) -> Vec<(bool, &str, &str)> {
    let mut found = Vec::new();
    for (start, _) in text.match_indices("use rjax_") {
        let is_pub = text[..start].ends_with("pub ");
        let rest = &text[start + 4..];
        let end = rest.find(';').unwrap_or(rest.len());
        let (krate, body) = rest[..end].split_once("::").unwrap_or((&rest[..end], ""));
        found.push((is_pub, krate, body));
    }
    found
}

/// The types declared `pub(crate)` anywhere: their methods are not public.
fn crate_private_types(texts: &[String]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for text in texts {
        for kind in ["pub(crate) struct ", "pub(crate) enum "] {
            for (i, _) in text.match_indices(kind) {
                if let Some(name) = type_names(&text[i + kind.len()..]).next() {
                    names.insert(name.to_string());
                }
            }
        }
    }
    names
}

#[test]
fn public_signatures_name_only_reexported_types() {
    let mut files = Vec::new();
    sources(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
        &mut files,
    );
    let texts: Vec<String> = files
        .iter()
        .map(|f| std::fs::read_to_string(f).expect("source is readable"))
        .collect();
    let reexported: BTreeSet<&str> = texts
        .iter()
        .flat_map(|t| uses(t))
        .filter(|(is_pub, _, _)| *is_pub)
        .flat_map(|(_, _, body)| type_names(body))
        .collect();
    let private = crate_private_types(&texts);
    let mut leaks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (file, text) in files.iter().zip(&texts) {
        let imported: BTreeSet<&str> = uses(text)
            .into_iter()
            .filter(|(is_pub, _, _)| !is_pub)
            .flat_map(|(_, _, body)| type_names(body))
            .collect();
        let mut owner = "";
        for (i, line) in text.lines().enumerate() {
            if let Some(rest) = line.strip_prefix("impl") {
                owner = type_names(rest).last().unwrap_or("");
            }
            let Some(at) = line.find("pub fn ") else {
                continue;
            };
            if private.contains(owner) && line.starts_with("    ") {
                continue;
            }
            let signature: String = text
                .lines()
                .skip(i)
                .collect::<Vec<_>>()
                .join("\n")
                .chars()
                .skip(at)
                .take_while(|&c| c != '{' && c != ';')
                .collect();
            let named_foreign = signature.split("rjax_").skip(1).filter_map(|s| {
                type_names(
                    s.split_once(|c: char| c.is_whitespace() || "<>(),&".contains(c))?
                        .0,
                )
                .last()
            });
            for name in type_names(&signature)
                .filter(|n| imported.contains(n))
                .chain(named_foreign)
            {
                if !reexported.contains(name) {
                    let place = format!("{}:{}", file.display(), i + 1);
                    leaks.entry(name.to_string()).or_default().push(place);
                }
            }
        }
    }
    assert!(
        leaks.is_empty(),
        "public signatures name types that `rjax::` does not re-export: {leaks:#?}"
    );
}
