//! Options: client-create named values and the `CompileOptionsProto`,
//! encoded by hand (four fields do not justify a protobuf dependency).

/// Options for [`crate::Client::new`], passed as PJRT named values.
#[derive(Clone, Debug, Default)]
pub struct ClientOptions {
    /// CPU plugins: how many CPU devices the client creates.
    pub cpu_device_count: Option<i64>,
    /// CPU plugins: run programs asynchronously (`true`) or on the calling
    /// thread (`false`, lower dispatch latency for small programs).
    pub asynchronous: Option<bool>,
}

/// How to compile a program.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompileOptions {
    pub num_replicas: u32,
    pub num_partitions: u32,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            num_replicas: 1,
            num_partitions: 1,
        }
    }
}

impl CompileOptions {
    /// The serialized `xla.CompileOptionsProto`: field 3
    /// (`executable_build_options`) holding `device_ordinal = -1` (field 1),
    /// `num_replicas` (field 4) and `num_partitions` (field 5).
    pub fn to_proto(&self) -> Vec<u8> {
        let mut build = Vec::new();
        varint_field(&mut build, 1, -1i64 as u64);
        varint_field(&mut build, 4, self.num_replicas as u64);
        varint_field(&mut build, 5, self.num_partitions as u64);
        let mut out = vec![(3 << 3) | 2];
        varint(&mut out, build.len() as u64);
        out.extend(build);
        out
    }
}

fn varint_field(out: &mut Vec<u8>, field: u8, value: u64) {
    out.push(field << 3);
    varint(out, value);
}

fn varint(out: &mut Vec<u8>, mut v: u64) {
    loop {
        let byte = (v & 0x7f) as u8;
        v >>= 7;
        if v == 0 {
            out.push(byte);
            return;
        }
        out.push(byte | 0x80);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn compile_options_proto_bytes() {
        let p = super::CompileOptions {
            num_replicas: 8,
            num_partitions: 1,
        }
        .to_proto();
        let mut want = vec![0x1a, 15, 0x08];
        want.extend([0xff; 9]);
        want.extend([0x01, 0x20, 8, 0x28, 1]);
        assert_eq!(p, want);
    }
}
