//! Options: client-create named values and the `CompileOptionsProto`,
//! encoded by hand (a handful of fields do not justify a protobuf
//! dependency).

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
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CompileOptions {
    pub num_replicas: u32,
    pub num_partitions: u32,
    /// Let XLA's SPMD partitioner split a program annotated with shardings
    /// into `num_partitions` per-device programs.
    pub use_spmd_partitioning: bool,
    /// The device (global id) of each (replica, partition), replica-major:
    /// entry `r * num_partitions + p`; `None`: the plugin's choice.
    pub device_assignment: Option<Vec<i64>>,
    /// Let the SPMD partitioner choose the sharding of each output (one
    /// flag per output, or one for all) instead of replicating an output
    /// the program does not annotate; the choice is read back with
    /// [`crate::Executable::output_shardings`]. Empty: never.
    pub propagate_output_shardings: Vec<bool>,
}

impl Default for CompileOptions {
    fn default() -> Self {
        CompileOptions {
            num_replicas: 1,
            num_partitions: 1,
            use_spmd_partitioning: false,
            device_assignment: None,
            propagate_output_shardings: Vec::new(),
        }
    }
}

/// The XLA `DebugOptions` that JAX's `CompileOptions` sets away from XLA's
/// defaults, so that rjax programs compute what JAX's do: XLA's CPU default
/// `xla_cpu_enable_fast_min_max = true` makes `max`, `min`, `maximum`,
/// `minimum` and `clip` drop NaNs; JAX turns it off (and the GPU twin,
/// already off by default) so that NaN propagates.
///
/// They travel as `env_option_overrides`, which the plugin applies on top of
/// its own defaults and `XLA_FLAGS`; a `DebugOptions` message would instead
/// replace every option, unset ones by protobuf zeros.
pub const JAX_DEBUG_OPTIONS: [(&str, bool); 2] = [
    ("xla_cpu_enable_fast_min_max", false),
    ("xla_gpu_enable_fast_min_max", false),
];

impl CompileOptions {
    /// The serialized `xla.CompileOptionsProto`: field 3
    /// (`executable_build_options`) holding `device_ordinal = -1` (field 1),
    /// `num_replicas` (field 4), `num_partitions` (field 5),
    /// `use_spmd_partitioning` (field 6) when set, and, when set,
    /// `device_assignment` (field 9: `replica_count` 1, `computation_count`
    /// 2, and per computation (partition) its replicas' device ids, field
    /// 3 → 1), and `allow_spmd_sharding_propagation_to_output` (field 12,
    /// packed bools) when any flag is given; then
    /// [`JAX_DEBUG_OPTIONS`] as `env_option_overrides` (field 7, a map of
    /// name (1) to `OptionOverrideProto` (2) with `bool_field` 2).
    pub fn to_proto(&self) -> Vec<u8> {
        let mut build = Vec::new();
        varint_field(&mut build, 1, -1i64 as u64);
        varint_field(&mut build, 4, self.num_replicas as u64);
        varint_field(&mut build, 5, self.num_partitions as u64);
        if self.use_spmd_partitioning {
            varint_field(&mut build, 6, 1);
        }
        if let Some(devices) = &self.device_assignment {
            let partitions = self.num_partitions.max(1) as usize;
            let mut assignment = Vec::new();
            varint_field(&mut assignment, 1, (devices.len() / partitions) as u64);
            varint_field(&mut assignment, 2, partitions as u64);
            for p in 0..partitions {
                let mut computation = Vec::new();
                for &d in devices.iter().skip(p).step_by(partitions) {
                    varint_field(&mut computation, 1, d as u64);
                }
                message_field(&mut assignment, 3, &computation);
            }
            message_field(&mut build, 9, &assignment);
        }
        if !self.propagate_output_shardings.is_empty() {
            let flags: Vec<u8> = self
                .propagate_output_shardings
                .iter()
                .map(|&b| b as u8)
                .collect();
            message_field(&mut build, 12, &flags);
        }
        let mut out = Vec::new();
        message_field(&mut out, 3, &build);
        for (name, value) in JAX_DEBUG_OPTIONS {
            let mut value_proto = Vec::new();
            varint_field(&mut value_proto, 2, value as u64);
            let mut entry = Vec::new();
            message_field(&mut entry, 1, name.as_bytes());
            message_field(&mut entry, 2, &value_proto);
            message_field(&mut out, 7, &entry);
        }
        out
    }
}

fn message_field(out: &mut Vec<u8>, field: u8, body: &[u8]) {
    out.push((field << 3) | 2);
    varint(out, body.len() as u64);
    out.extend_from_slice(body);
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
            use_spmd_partitioning: false,
            device_assignment: None,
            propagate_output_shardings: Vec::new(),
        }
        .to_proto();
        let mut want = vec![0x1a, 15, 0x08];
        want.extend([0xff; 9]);
        want.extend([0x01, 0x20, 8, 0x28, 1]);
        for name in ["xla_cpu_enable_fast_min_max", "xla_gpu_enable_fast_min_max"] {
            // field 7 { key (1): name, value (2): { bool_field (2): false } }
            want.extend([0x3a, 2 + 27 + 4, 0x0a, 27]);
            want.extend(name.as_bytes());
            want.extend([0x12, 2, 0x10, 0]);
        }
        assert_eq!(p, want);
    }

    #[test]
    fn partitioned_device_assignment() {
        let p = super::CompileOptions {
            num_replicas: 1,
            num_partitions: 2,
            use_spmd_partitioning: true,
            device_assignment: Some(vec![5, 3]),
            propagate_output_shardings: vec![true, false],
        }
        .to_proto();
        // build options: device_ordinal, num_replicas 1, num_partitions 2,
        // use_spmd_partitioning, device_assignment { replica_count 1,
        // computation_count 2, { 5 }, { 3 } }, propagation to outputs
        // [true, false] (field 12, packed)
        let mut build = vec![0x08];
        build.extend([0xff; 9]);
        build.extend([0x01, 0x20, 1, 0x28, 2, 0x30, 1]);
        build.extend([
            0x4a, 12, 0x08, 1, 0x10, 2, 0x1a, 2, 0x08, 5, 0x1a, 2, 0x08, 3,
        ]);
        build.extend([0x62, 2, 1, 0]);
        assert_eq!(p[..2], [0x1a, build.len() as u8]);
        assert_eq!(p[2..2 + build.len()], build[..]);
    }
}
