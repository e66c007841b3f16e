//! Partitioned modules written elsewhere (JAX's `jit` with shardings, or
//! rjax's own dumps): XLA's HLO sharding text on `@main`'s parameters and
//! results says which block of each array a partition holds. This module
//! reads that text so [`super::Module::run`] can split the inputs over the
//! partitions and put the results back together.
//!
//! The forms read are the ones XLA prints: `{replicated}`,
//! `{maximal device=N}`, and tile assignments, with explicit partition ids
//! (`{devices=[2,2]0,2,1,3}`) or as an iota (`{devices=[4,1,2]<=[8]}`,
//! `{devices=[2,4]<=[4,2]T(1,0)}`), optionally ending in
//! `last_tile_dim_replicate`.

use rjax_ir::MeshSharding;
use rjax_pjrt::{OpSharding, OpShardingType};

/// How an array of a partitioned program is laid out over its partitions.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum HloSharding {
    /// Every partition holds the whole array.
    Replicated,
    /// Only this partition's copy counts (the others hold the whole shape).
    Maximal(usize),
    /// Each dimension is split into `layout.tiles()` blocks; partition `p`
    /// holds the block of tile slot `slots[p]` (a row-major index into
    /// `layout`'s grid, which ends with the replicating axis if any).
    Tiled {
        layout: MeshSharding,
        slots: Vec<usize>,
    },
}

impl HloSharding {
    /// The sharding written as `text` for an array of rank `rank` over
    /// `partitions` partitions, or why it cannot be read.
    pub(crate) fn parse(text: &str, rank: usize, partitions: usize) -> Result<HloSharding, String> {
        let bad = |why: &str| format!("cannot read the sharding {text:?}: {why}");
        let body = text
            .trim()
            .strip_prefix('{')
            .and_then(|t| t.strip_suffix('}'))
            .ok_or_else(|| bad("it is not in braces"))?
            .trim();
        if body == "replicated" {
            return Ok(HloSharding::Replicated);
        }
        if let Some(device) = body.strip_prefix("maximal device=") {
            let device: usize = device.trim().parse().map_err(|_| bad("a bad device"))?;
            return if device < partitions {
                Ok(HloSharding::Maximal(device))
            } else {
                Err(bad(&format!("device {device} of {partitions} partitions")))
            };
        }
        let rest = body
            .strip_prefix("devices=[")
            .ok_or_else(|| bad("only replicated, maximal and tiled shardings are read"))?;
        let (dims, rest) = rest.split_once(']').ok_or_else(|| bad("no ']'"))?;
        let (ids, replicate) = match rest.trim_end().strip_suffix("last_tile_dim_replicate") {
            Some(ids) => (ids.trim(), true),
            None => (rest.trim(), false),
        };
        let ids = match ids.strip_prefix("<=[") {
            Some(iota) => iota_ids(iota).ok_or_else(|| bad("a bad iota"))?,
            None => numbers(ids).ok_or_else(|| bad("bad partition ids"))?,
        };
        let tiles = numbers(dims).ok_or_else(|| bad("bad tile dimensions"))?;
        HloSharding::tiled(tiles, &ids, replicate, rank, partitions).map_err(|why| bad(&why))
    }

    /// The sharding a compiled program reports as an `xla.OpSharding`,
    /// for an array of rank `rank` over `partitions` partitions.
    pub(crate) fn from_proto(
        s: &OpSharding,
        rank: usize,
        partitions: usize,
    ) -> Result<HloSharding, String> {
        let whole = |v: &[u64]| {
            v.iter()
                .map(|&n| usize::try_from(n).ok())
                .collect::<Option<Vec<_>>>()
        };
        match s.kind {
            OpShardingType::Replicated => Ok(HloSharding::Replicated),
            OpShardingType::Maximal => match whole(&s.tile_assignment_devices).as_deref() {
                Some(&[p]) if p < partitions => Ok(HloSharding::Maximal(p)),
                _ => Err(format!(
                    "a maximal sharding on {:?}",
                    s.tile_assignment_devices
                )),
            },
            OpShardingType::Other => {
                // Trailing tile dimensions that are not blocks: only copies
                // (`REPLICATED`, 0) are read.
                let replicate = match s.last_tile_dims.as_slice() {
                    [] => s.replicate_on_last_tile_dim,
                    [0] => true,
                    other => return Err(format!("tile dimensions of kinds {other:?}")),
                };
                let tiles = whole(&s.tile_assignment_dimensions).ok_or("bad tile dimensions")?;
                let ids = if s.tile_assignment_devices.is_empty() {
                    let dims = whole(&s.iota_reshape_dims).ok_or("a bad iota")?;
                    let perm = whole(&s.iota_transpose_perm).ok_or("a bad iota")?;
                    let perm = if perm.is_empty() {
                        (0..dims.len()).collect()
                    } else {
                        perm
                    };
                    iota(&dims, &perm).ok_or("a bad iota")?
                } else {
                    whole(&s.tile_assignment_devices).ok_or("bad partition ids")?
                };
                HloSharding::tiled(tiles, &ids, replicate, rank, partitions)
            }
            other => Err(format!("{other:?} shardings are not read")),
        }
    }

    /// The tiling of `tiles` (ending with the count of copies when
    /// `replicate`) whose tile slots hold partitions `ids`, checked.
    fn tiled(
        mut tiles: Vec<usize>,
        ids: &[usize],
        replicate: bool,
        rank: usize,
        partitions: usize,
    ) -> Result<HloSharding, String> {
        let total = tiles.iter().try_fold(1usize, |n, &t| n.checked_mul(t));
        if tiles.len() != rank + usize::from(replicate)
            || total != Some(partitions)
            || ids.len() != partitions
        {
            return Err(format!(
                "its tiles {tiles:?} do not fit an array of rank {rank} over {partitions} partitions"
            ));
        }
        let mut slots = vec![usize::MAX; partitions];
        for (slot, &p) in ids.iter().enumerate() {
            match slots.get_mut(p) {
                Some(s) if *s == usize::MAX => *s = slot,
                _ => return Err("its partition ids are not a permutation".into()),
            }
        }
        let copies = if replicate { tiles.pop() } else { None };
        let mut mesh_shape = tiles.clone();
        mesh_shape.extend(copies);
        let layout = MeshSharding {
            dim_axes: (0..tiles.len()).map(|d| vec![d]).collect(),
            mesh_shape,
            devices: (0..partitions).collect(),
        };
        Ok(HloSharding::Tiled { layout, slots })
    }

    /// The index, along each dimension, of the block partition `p` holds
    /// (all zeros when every partition holds the whole array).
    pub(crate) fn block_of(&self, p: usize, rank: usize) -> Vec<usize> {
        match self {
            HloSharding::Tiled { layout, slots } => layout.block_of(slots[p]),
            _ => vec![0; rank],
        }
    }
}

/// Comma-separated unsigned integers.
fn numbers(text: &str) -> Option<Vec<usize>> {
    text.split(',').map(|n| n.trim().parse().ok()).collect()
}

/// The ids of an iota tile assignment, the text after `<=[`:
/// `N]`, or `d0,d1,...]T(perm)`.
fn iota_ids(text: &str) -> Option<Vec<usize>> {
    let (dims, rest) = text.split_once(']')?;
    let dims = numbers(dims)?;
    let perm = match rest.trim().strip_prefix("T(") {
        Some(p) => numbers(p.strip_suffix(')')?)?,
        None if rest.trim().is_empty() => (0..dims.len()).collect(),
        None => return None,
    };
    iota(&dims, &perm)
}

/// `0..N` reshaped to `dims`, transposed by `perm` and flattened; `None`
/// unless `perm` permutes the dimensions.
fn iota(dims: &[usize], perm: &[usize]) -> Option<Vec<usize>> {
    let mut sorted = perm.to_vec();
    sorted.sort_unstable();
    if sorted != (0..dims.len()).collect::<Vec<_>>() {
        return None;
    }
    let n = dims.iter().try_fold(1usize, |n, &d| n.checked_mul(d))?;
    let strides: Vec<usize> = (0..dims.len())
        .map(|d| dims[d + 1..].iter().product())
        .collect();
    let out_dims: Vec<usize> = perm.iter().map(|&p| dims[p]).collect();
    Some(
        (0..n)
            .map(|i| {
                // Coordinates of `i` in the transposed grid, read back in
                // the original one.
                let mut rest = i;
                let mut id = 0;
                for (k, &d) in out_dims.iter().enumerate().rev() {
                    id += (rest % d) * strides[perm[k]];
                    rest /= d;
                }
                id
            })
            .collect(),
    )
}

/// The `mhlo.sharding` text on each parameter and result of `@main` in
/// the module `text` (`None` where there is none), in order, and each
/// result's dimensions.
#[allow(clippy::type_complexity)]
pub(crate) fn main_shardings(
    text: &str,
) -> Option<(
    Vec<Option<String>>,
    Vec<Option<String>>,
    Vec<Option<Vec<usize>>>,
)> {
    let at = text.find("@main(")? + "@main".len();
    let (params, end) = bracketed(&text[at..])?;
    let rest = text[at + end..]
        .trim_start()
        .strip_prefix("->")?
        .trim_start();
    // Result attributes need the parenthesized form; a bare type has none.
    let results = if rest.starts_with('(') {
        bracketed(rest)?.0
    } else {
        vec![String::new()]
    };
    let sharding = |item: &String| {
        let at = item.find("mhlo.sharding = \"")? + "mhlo.sharding = \"".len();
        let len = item[at..].find('"')?;
        Some(item[at..at + len].to_string())
    };
    Some((
        params.iter().map(sharding).collect(),
        results.iter().map(sharding).collect(),
        results.iter().map(|r| tensor_dims(r)).collect(),
    ))
}

/// The dimensions of the first static `tensor<...>` type in `text`.
fn tensor_dims(text: &str) -> Option<Vec<usize>> {
    let body = &text[text.find("tensor<")? + "tensor<".len()..];
    let body = &body[..body.find('>')?];
    let mut parts: Vec<&str> = body.split('x').collect();
    parts.pop();
    parts.iter().map(|d| d.trim().parse().ok()).collect()
}

/// The top-level comma-separated items of the parenthesized list that
/// `text` starts with, and the length of that list with its parentheses.
fn bracketed(text: &str) -> Option<(Vec<String>, usize)> {
    if !text.starts_with('(') {
        return None;
    }
    let mut depth = 0usize;
    let mut quoted = false;
    let mut items = Vec::new();
    let mut item = String::new();
    let mut prev = '\0';
    for (i, c) in text.char_indices() {
        if quoted {
            quoted = !(c == '"' && prev != '\\');
        } else {
            match c {
                '"' => quoted = true,
                '(' | '[' | '{' | '<' => depth += 1,
                ')' | ']' | '}' | '>' if prev != '-' => depth = depth.checked_sub(1)?,
                _ => {}
            }
            if depth == 0 {
                items.push(std::mem::take(&mut item).trim().to_string());
                items.retain(|s| !s.is_empty());
                return Some((items, i + 1));
            }
        }
        match c {
            ',' if depth == 1 && !quoted => {
                items.push(std::mem::take(&mut item).trim().to_string())
            }
            _ if i > 0 => item.push(c),
            _ => {}
        }
        prev = c;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots(text: &str, rank: usize, n: usize) -> (Vec<usize>, Vec<usize>) {
        match HloSharding::parse(text, rank, n).unwrap() {
            HloSharding::Tiled { layout, slots } => (layout.mesh_shape, slots),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn reads_xla_sharding_forms() {
        assert_eq!(
            HloSharding::parse("{replicated}", 2, 8),
            Ok(HloSharding::Replicated)
        );
        assert_eq!(
            HloSharding::parse("{maximal device=3}", 1, 8),
            Ok(HloSharding::Maximal(3))
        );
        assert_eq!(
            slots("{devices=[4,1,2]<=[8] last_tile_dim_replicate}", 2, 8),
            (vec![4, 1, 2], (0..8).collect())
        );
        assert_eq!(
            slots("{devices=[2,2]0,2,1,3}", 2, 4),
            (vec![2, 2], vec![0, 2, 1, 3])
        );
        // 0..8 as [4,2], transposed: ids 0,2,4,6,1,3,5,7.
        assert_eq!(
            slots("{devices=[2,4]<=[4,2]T(1,0)}", 2, 8),
            (vec![2, 4], vec![0, 4, 1, 5, 2, 6, 3, 7])
        );
        for bad in [
            "replicated",
            "{devices=[2,2]0,1,2}",
            "{devices=[2,2]0,0,1,2}",
            "{devices=[3]<=[3]}",
            "{manual}",
            "{maximal device=9}",
        ] {
            assert!(HloSharding::parse(bad, 2, 4).is_err(), "{bad}");
        }
    }

    #[test]
    fn reads_what_compiled_programs_report() {
        // The bytes XLA serializes for each sharding's text.
        let proto = |hex: &str| {
            let bytes: Vec<u8> = (0..hex.len())
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
                .collect();
            OpSharding::decode(&bytes).unwrap()
        };
        for (hex, text, rank, n) in [
            ("", "{replicated}", 2, 8),
            ("0801220103", "{maximal device=3}", 1, 8),
            (
                "08031a0304010230014a0108520100",
                "{devices=[4,1,2]<=[8] last_tile_dim_replicate}",
                2,
                8,
            ),
            (
                "08031a0202044a02040252020100",
                "{devices=[2,4]<=[4,2]T(1,0)}",
                2,
                8,
            ),
            ("08031a020202220400020103", "{devices=[2,2]0,2,1,3}", 2, 4),
        ] {
            assert_eq!(
                HloSharding::from_proto(&proto(hex), rank, n),
                HloSharding::parse(text, rank, n),
                "{text}"
            );
        }
        // Manual subgroups, and tiles that do not fit, are not read.
        let manual = proto("08031a030201044201044a0108520100");
        assert!(HloSharding::from_proto(&manual, 2, 8).is_err());
        let tiled = proto("08031a020202220400020103");
        assert!(HloSharding::from_proto(&tiled, 1, 4).is_err());
        assert!(HloSharding::from_proto(&tiled, 2, 8).is_err());
    }

    #[test]
    fn reads_main_signatures() {
        let text = "module @m attributes {mhlo.num_partitions = 2 : i32} {\n  func.func public @main(%arg0: tensor<4x2xf32> {mhlo.layout_mode = \"default\", mhlo.sharding = \"{devices=[2,1]<=[2]}\"}, %arg1: tensor<2xf32>) -> (tensor<4x2xf32> {jax.result_info = \"result\", mhlo.sharding = \"{replicated}\"}) {\n    return %arg0 : tensor<4x2xf32>\n  }\n}";
        let (params, results, dims) = main_shardings(text).unwrap();
        assert_eq!(params, [Some("{devices=[2,1]<=[2]}".to_string()), None]);
        assert_eq!(results, [Some("{replicated}".to_string())]);
        assert_eq!(dims, [Some(vec![4, 2])]);
        let single = "func.func public @main(%arg0: tensor<2xf32>) -> tensor<2xf32> {\n return %arg0 : tensor<2xf32>\n}";
        assert_eq!(
            main_shardings(single),
            Some((vec![None], vec![None], vec![None]))
        );
    }
}
