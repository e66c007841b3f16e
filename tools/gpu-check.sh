#!/usr/bin/env bash
# Run rjax's test suite and benchmarks on the CUDA PJRT plugin
# (RJAX_PLATFORM=cuda) and print a summary; meant for a machine with an
# NVIDIA GPU, in under 8 minutes.
#
#   tools/gpu-check.sh               # the check
#   tools/gpu-check.sh --dry-run     # print what would run, run nothing
#   tools/gpu-check.sh --platform cpu [--filter pjrt::]
#                                    # the same steps on the CPU plugin
#
# The CUDA plugin is found as rjax finds it (RJAX_PJRT_PLUGIN, else
# jax_plugins/xla_cuda1{3,2}/xla_cuda_plugin.so on python3's sys.path).
# If it is missing, `jax[cuda12]` (the plugin, the CUDA libraries it loads,
# and JAX for the side-by-side figures) is installed with pip, by package
# name, into target/gpu-venv. Where python3 already has JAX with a CUDA
# plugin (an image with jax-cuda13-pjrt, say), that JAX is the one the
# benchmarks run beside, whatever its version. Output of each step goes
# to target/gpu-check/*.log.
#
# On a machine without a Rust toolchain or network, run
# tools/gpu-stage.sh first where there is one and carry `.gpu/`: the
# pack it leaves (.gpu/rjax-gpu.tar.xz) holds the test and benchmark
# binaries, and this script runs them instead of building.
set -uo pipefail
cd "$(dirname "$0")/.."

platform=cuda
dry_run=0
filter=""
budget_s=${GPU_CHECK_BUDGET_S:-470}
while [ $# -gt 0 ]; do
  case "$1" in
    --dry-run) dry_run=1 ;;
    --platform) platform=${2:?--platform needs cpu or cuda}; shift ;;
    --filter) filter=${2:?--filter needs a test name filter}; shift ;;
    *) echo "unknown argument: $1 (see the header of $0)" >&2; exit 2 ;;
  esac
  shift
done
case "$platform" in cpu|cuda) ;; *) echo "--platform: cpu or cuda, not $platform" >&2; exit 2 ;; esac

logs=target/gpu-check
mkdir -p "$logs"
summary=()
note() { summary+=("$*"); echo "== $*"; }

# Run a step with what is left of the budget (less `reserve` seconds kept
# for the steps after it); `run NAME RESERVE CMD...` logs to $logs/NAME.log.
run() {
  local name=$1 reserve=$2; shift 2
  local left=$((budget_s - SECONDS - reserve))
  if [ "$dry_run" = 1 ]; then
    echo "would run ($name, at most ${left}s): $*"
    return 0
  fi
  if [ "$left" -le 10 ]; then
    note "$name: skipped, the time budget is spent"
    return 124
  fi
  echo "-- $name (at most ${left}s): $*"
  timeout --kill-after=10 "$left" "$@" >"$logs/$name.log" 2>&1
  local rc=$?
  [ "$rc" = 124 ] && note "$name: stopped after ${left}s (time budget)"
  return "$rc"
}

find_cuda_plugin() {
  if [ -n "${RJAX_PJRT_PLUGIN:-}" ] && [ -f "$RJAX_PJRT_PLUGIN" ]; then
    echo "$RJAX_PJRT_PLUGIN"
    return 0
  fi
  python3 - <<'PY' 2>/dev/null
import os, sys
for d in sys.path:
    for name in ("xla_cuda13", "xla_cuda12"):
        p = os.path.join(d, "jax_plugins", name, "xla_cuda_plugin.so")
        if os.path.isfile(p):
            print(p)
            raise SystemExit(0)
raise SystemExit(1)
PY
}

# --- the machine ------------------------------------------------------------
if [ "$platform" = cuda ]; then
  if command -v nvidia-smi >/dev/null; then
    gpu=$(nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null | head -n 1)
    note "GPU: ${gpu:-nvidia-smi gave no GPU}"
  else
    note "GPU: nvidia-smi not found (no NVIDIA driver?)"
  fi
fi
note "CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo 2>/dev/null | head -n 1), $(nproc) cores"

# --- the plugin ---------------------------------------------------------------
if [ "$platform" = cuda ]; then
  venv=target/gpu-venv
  [ -x "$venv/bin/python3" ] && export PATH="$PWD/$venv/bin:$PATH"
  plugin=$(find_cuda_plugin)
  if [ -z "$plugin" ]; then
    if [ "$dry_run" = 1 ]; then
      echo "would install: python3 -m venv $venv && $venv/bin/pip install 'jax[cuda12]==0.10.2'"
    else
      echo "-- the CUDA plugin is missing: installing jax[cuda12]==0.10.2 into $venv"
      { [ -x "$venv/bin/python3" ] || python3 -m venv "$venv"; } &&
        "$venv/bin/python3" -m pip install --quiet "jax[cuda12]==0.10.2" >"$logs/install.log" 2>&1
      export PATH="$PWD/$venv/bin:$PATH"
      plugin=$(find_cuda_plugin)
    fi
  fi
  if [ -z "$plugin" ] && [ "$dry_run" = 0 ]; then
    note "CUDA plugin: not found and could not be installed (see $logs/install.log); stopping"
    printf '%s\n' "${summary[@]}"
    exit 1
  fi
  note "CUDA plugin: ${plugin:-(to be installed)}"
fi
export RJAX_PLATFORM=$platform

# --- build (or unpack), then tests ------------------------------------------------
# The integration suite is what runs on the device; the crates' unit tests
# and doc tests do not depend on the platform.
status=0
prebuilt=target/gpu-prebuilt/bin
if [ -f .gpu/rjax-gpu.tar.xz ]; then
  mkdir -p target/gpu-prebuilt
  tar -C target/gpu-prebuilt -xJf .gpu/rjax-gpu.tar.xz
  note "binaries: prebuilt by tools/gpu-stage.sh ($(cat $prebuilt/profile) profile, commit $(cut -c1-12 $prebuilt/commit))"
  # public_api reads the sources where they were built.
  tests=("$prebuilt/integration" --test-threads=4 --skip public_api::)
  export RJAX_BENCH_BIN_DIR=$PWD/$prebuilt
elif command -v cargo >/dev/null; then
  run build $((budget_s * 2 / 5)) bash -c 'cargo test --test integration --no-run && cargo bench --no-run' || { note "build: failed or stopped (see $logs/build.log)"; status=1; }
  tests=(cargo test --test integration -- --test-threads=4)
else
  note "build: no cargo here and no .gpu/rjax-gpu.tar.xz; run tools/gpu-stage.sh where Rust is, and carry .gpu"
  printf '%s\n' "${summary[@]}"
  exit 1
fi
if [ "$status" = 0 ]; then
  run tests $((budget_s / 5)) "${tests[@]}" $filter
  rc=$?
  if [ "$dry_run" = 0 ]; then
    count() { grep -Eo "[0-9]+ $1" "$logs/tests.log" | awk '{s += $1} END {print s + 0}'; }
    note "integration tests: $(count passed) passed, $(count failed) failed, $(count ignored) ignored (exit $rc)"
    summary+=("$(grep -E '^test .* FAILED$' "$logs/tests.log" | head -n 30 | sed 's/^/   /')")
    [ "$rc" = 0 ] || status=1
  fi
fi

# --- benchmarks -------------------------------------------------------------------
# One run of tools/bench/compare.sh: every rjax benchmark beside JAX (the
# JAX of target/gpu-venv on CUDA, which then runs on the GPU too).
if [ "$platform" = cuda ] && [ -x target/gpu-venv/bin/python ]; then
  export JAX_VENV=target/gpu-venv
elif [ "$platform" = cuda ] && python3 -c 'import jax, sys; sys.exit(jax.default_backend() != "gpu")' 2>/dev/null; then
  JAX_VENV=$(python3 -c 'import sys; print(sys.prefix)')
  export JAX_VENV
fi
if [ "$status" = 1 ] && [ "$dry_run" = 0 ] && [ ! -s "$logs/tests.log" ]; then
  note "benchmarks: skipped, the build failed"
elif run bench 0 env RUNS=1 tools/bench/compare.sh && [ "$dry_run" = 0 ]; then
  table=$(sed -n '/^| benchmark/,$p' "$logs/bench.log")
  note "benchmarks (rjax beside JAX, one run):"
  summary+=("$table")
elif [ "$dry_run" = 0 ]; then
  note "benchmarks: failed or stopped (see $logs/bench.log)"
fi

echo
echo "==== gpu-check summary ($platform, ${SECONDS}s) ===="
printf '%s\n' "${summary[@]}"
exit $status
