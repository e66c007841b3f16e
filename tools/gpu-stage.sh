#!/usr/bin/env bash
# Build, on this machine, what tools/gpu-check.sh runs on a GPU machine
# that has no Rust toolchain and no network: the integration test binary
# and the benchmark binaries, stripped and packed into
# .gpu/rjax-gpu.tar.xz (a few MB). `.gpu/` is kept out of git through
# .git/info/exclude; carry it to the GPU machine with the working tree and
# run `tools/gpu-check.sh` there, which finds the pack and runs these
# binaries instead of cargo.
#
#   tools/gpu-stage.sh            # release builds (as `cargo bench` makes them)
#   GPU_STAGE_PROFILE=dev tools/gpu-stage.sh   # the test profile, faster to build
#
# The binaries load the CUDA plugin at run time (RJAX_PLATFORM=cuda), so
# nothing here links against CUDA; they need an x86-64 Linux with a glibc
# at least as new as this machine's.
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${GPU_STAGE_PROFILE:-release}
case "$profile" in
  release) release=(--release) ;;
  dev) release=() ;;
  *) echo "GPU_STAGE_PROFILE: release or dev, not $profile" >&2; exit 2 ;;
esac

# The executables a cargo build reports, one per line.
executables() {
  python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("executable"):
        print(m["executable"])'
}

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin"
tests=$(cargo test "${release[@]}" --test integration --no-run --message-format=json | executables | tail -n 1)
cp "$tests" "$stage/bin/integration"
for bench in dispatch training workloads sharding; do
  exe=$(cargo build "${release[@]}" --bench "$bench" --message-format=json | executables | tail -n 1)
  cp "$exe" "$stage/bin/$bench"
done
strip "$stage"/bin/*
git rev-parse HEAD >"$stage/bin/commit"
echo "$profile" >"$stage/bin/profile"
mkdir -p .gpu
grep -qx '/.gpu/' .git/info/exclude 2>/dev/null || echo '/.gpu/' >>.git/info/exclude
tar -C "$stage" -cJf .gpu/rjax-gpu.tar.xz bin
echo "staged $(du -h .gpu/rjax-gpu.tar.xz | cut -f1) in .gpu/rjax-gpu.tar.xz ($profile, $(git rev-parse --short HEAD)); carry .gpu"
