//! `xla.OpSharding`, the serialized sharding PJRT reports for a compiled
//! program's parameters and outputs: a decoder of the fields that say how
//! an array is laid out (xla/xla_data.proto), by hand like the compile
//! options.

use crate::{Error, Result};

/// The `type` of an [`OpSharding`] (`xla.OpSharding.Type`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OpShardingType {
    /// Every partition holds the whole array (proto 0, also an empty message).
    Replicated,
    /// One partition holds it (proto 1).
    Maximal,
    /// A tuple of shardings (proto 2), one per element.
    Tuple,
    /// Tiled over the partitions (proto 3).
    Other,
    /// Already per-partition (proto 4).
    Manual,
    /// Any other value the proto may gain.
    Unknown(u64),
}

impl OpShardingType {
    fn from_proto(v: u64) -> OpShardingType {
        match v {
            0 => OpShardingType::Replicated,
            1 => OpShardingType::Maximal,
            2 => OpShardingType::Tuple,
            3 => OpShardingType::Other,
            4 => OpShardingType::Manual,
            other => OpShardingType::Unknown(other),
        }
    }
}

/// The layout fields of an `xla.OpSharding`. The tile assignment is either
/// listed (`tile_assignment_devices`: the partition of each tile,
/// row-major over `tile_assignment_dimensions`) or given as an iota
/// (`0..n` reshaped to `iota_reshape_dims`, transposed by
/// `iota_transpose_perm` and flattened); a `Maximal` sharding lists its one
/// partition in `tile_assignment_devices`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OpSharding {
    pub kind: OpShardingType,
    pub tile_assignment_dimensions: Vec<u64>,
    pub tile_assignment_devices: Vec<u64>,
    /// The elements of a `Tuple`.
    pub tuple_shardings: Vec<OpSharding>,
    /// The last tile dimension counts copies, not blocks.
    pub replicate_on_last_tile_dim: bool,
    /// The `Type` of each trailing tile dimension that counts something
    /// other than blocks (`0`: copies, `4`: manual groups).
    pub last_tile_dims: Vec<u64>,
    pub iota_reshape_dims: Vec<u64>,
    pub iota_transpose_perm: Vec<u64>,
}

impl OpSharding {
    /// Decode a serialized `xla.OpSharding`; fields not listed above
    /// (metadata, shard groups) are skipped. Malformed bytes are an
    /// [`Error::InvalidArgument`].
    pub fn decode(bytes: &[u8]) -> Result<OpSharding> {
        let mut s = OpSharding {
            kind: OpShardingType::Replicated,
            tile_assignment_dimensions: Vec::new(),
            tile_assignment_devices: Vec::new(),
            tuple_shardings: Vec::new(),
            replicate_on_last_tile_dim: false,
            last_tile_dims: Vec::new(),
            iota_reshape_dims: Vec::new(),
            iota_transpose_perm: Vec::new(),
        };
        let mut r = Reader { bytes, at: 0 };
        while !r.done() {
            let key = r.varint()?;
            let (field, wire) = (key >> 3, key & 7);
            let list = match field {
                3 => Some(&mut s.tile_assignment_dimensions),
                4 => Some(&mut s.tile_assignment_devices),
                8 => Some(&mut s.last_tile_dims),
                9 => Some(&mut s.iota_reshape_dims),
                10 => Some(&mut s.iota_transpose_perm),
                _ => None,
            };
            match (field, wire, list) {
                (1, 0, _) => s.kind = OpShardingType::from_proto(r.varint()?),
                (6, 0, _) => s.replicate_on_last_tile_dim = r.varint()? != 0,
                (5, 2, _) => s.tuple_shardings.push(OpSharding::decode(r.bytes()?)?),
                // Repeated integers: packed, or one value per key.
                (_, 2, Some(list)) => {
                    let mut packed = Reader {
                        bytes: r.bytes()?,
                        at: 0,
                    };
                    while !packed.done() {
                        list.push(packed.varint()?);
                    }
                }
                (_, 0, Some(list)) => list.push(r.varint()?),
                _ => r.skip(wire)?,
            }
        }
        Ok(s)
    }
}

/// A cursor over protobuf bytes.
struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn done(&self) -> bool {
        self.at >= self.bytes.len()
    }

    fn bad(what: &str) -> Error {
        Error::InvalidArgument(format!("a malformed xla.OpSharding: {what}"))
    }

    fn varint(&mut self) -> Result<u64> {
        let mut value = 0u64;
        for shift in (0..64).step_by(7) {
            let byte = *self
                .bytes
                .get(self.at)
                .ok_or_else(|| Self::bad("it ends inside a number"))?;
            self.at += 1;
            value |= u64::from(byte & 0x7f) << shift;
            if byte & 0x80 == 0 {
                return Ok(value);
            }
        }
        Err(Self::bad("a number longer than ten bytes"))
    }

    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        let end = self
            .at
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| Self::bad("a field runs past its end"))?;
        let out = &self.bytes[self.at..end];
        self.at = end;
        Ok(out)
    }

    /// A length-delimited field's bytes.
    fn bytes(&mut self) -> Result<&'a [u8]> {
        let n = self.varint()?;
        self.take(usize::try_from(n).map_err(|_| Self::bad("a field too long"))?)
    }

    /// Step over a field of wire type `wire` that is not read.
    fn skip(&mut self, wire: u64) -> Result<()> {
        match wire {
            0 => self.varint().map(drop),
            1 => self.take(8).map(drop),
            2 => self.bytes().map(drop),
            5 => self.take(4).map(drop),
            _ => Err(Self::bad(&format!("wire type {wire}"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{OpSharding, OpShardingType};

    fn hex(text: &str) -> Vec<u8> {
        (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
            .collect()
    }

    // The bytes are what XLA serializes for the sharding in each comment.
    #[test]
    fn decodes_xla_shardings() {
        // {devices=[4,1,2]<=[8] last_tile_dim_replicate}
        let s = OpSharding::decode(&hex("08031a0304010230014a0108520100")).unwrap();
        assert_eq!(s.kind, OpShardingType::Other);
        assert_eq!(s.tile_assignment_dimensions, [4, 1, 2]);
        assert!(s.tile_assignment_devices.is_empty());
        assert!(s.replicate_on_last_tile_dim);
        assert_eq!(
            (s.iota_reshape_dims, s.iota_transpose_perm),
            (vec![8], vec![0])
        );
        // {devices=[2,4]<=[4,2]T(1,0)}
        let s = OpSharding::decode(&hex("08031a0202044a02040252020100")).unwrap();
        assert_eq!(s.tile_assignment_dimensions, [2, 4]);
        assert_eq!(
            (s.iota_reshape_dims, s.iota_transpose_perm),
            (vec![4, 2], vec![1, 0])
        );
        // {devices=[2,2]0,2,1,3}
        let s = OpSharding::decode(&hex("08031a020202220400020103")).unwrap();
        assert_eq!(s.tile_assignment_devices, [0, 2, 1, 3]);
        assert!(!s.replicate_on_last_tile_dim);
        // {maximal device=3}
        let s = OpSharding::decode(&hex("0801220103")).unwrap();
        assert_eq!(
            (s.kind, s.tile_assignment_devices),
            (OpShardingType::Maximal, vec![3])
        );
        // {devices=[2,1,4]<=[8] last_tile_dims={manual}}
        let s = OpSharding::decode(&hex("08031a030201044201044a0108520100")).unwrap();
        assert_eq!(s.last_tile_dims, [4]);
        // {replicated} is the empty message.
        let s = OpSharding::decode(&[]).unwrap();
        assert_eq!(s.kind, OpShardingType::Replicated);
    }

    #[test]
    fn reads_unpacked_lists_tuples_and_skips_other_fields() {
        // type TUPLE, an unknown fixed64 field 15, then two elements:
        // {replicated} and {devices=[2]1,0} with its lists unpacked.
        let mut bytes = vec![0x08, 2, 0x79, 1, 2, 3, 4, 5, 6, 7, 8, 0x2a, 0];
        let element = [0x08, 3, 0x18, 2, 0x20, 1, 0x20, 0];
        bytes.extend([0x2a, element.len() as u8]);
        bytes.extend(element);
        let s = OpSharding::decode(&bytes).unwrap();
        assert_eq!(s.kind, OpShardingType::Tuple);
        assert_eq!(s.tuple_shardings.len(), 2);
        assert_eq!(s.tuple_shardings[0].kind, OpShardingType::Replicated);
        assert_eq!(s.tuple_shardings[1].tile_assignment_dimensions, [2]);
        assert_eq!(s.tuple_shardings[1].tile_assignment_devices, [1, 0]);
    }

    #[test]
    fn malformed_bytes_are_errors() {
        for bad in [
            &[0x08][..],   // ends inside a number
            &[0x1a, 5, 1], // a list longer than the message
            &[0x0b],       // wire type 3 (groups)
            &[
                0x08, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 1,
            ],
            &[0x2a, 2, 0x1a, 9], // a bad tuple element
        ] {
            assert!(OpSharding::decode(bad).is_err(), "{bad:?}");
        }
    }
}
