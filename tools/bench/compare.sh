#!/usr/bin/env bash
# rjax beside JAX 0.10.2 on the same machine, in one run: every benchmark
# (benches/dispatch.rs, training.rs, workloads.rs) and its JAX twin
# (tools/bench/bench_jax.py) print `bench: <name> <microseconds>`; this
# script runs both sides RUNS times (default 3), alternating, and prints
# the median of each figure and the rjax / JAX ratio, under a header with
# the CPU model, its flags and the load average, ready for
# docs/benchmarks.md.
#
# rjax runs with its persistent compilation cache off, so `first_call` is
# trace + lower + compile; `first_call_cached` is the same first call in a
# second process that finds the program in a fresh cache.
#
# JAX comes from $JAX_VENV, else target/bench-venv (created with pip the
# first time), else target/fixtures-venv if it holds jax 0.10.2. The
# header names the JAX version that ran.
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${RUNS:-3}
out=target/bench-compare
mkdir -p "$out"
rm -f "$out"/*.txt

venv=${JAX_VENV:-target/bench-venv}
if [ ! -x "$venv/bin/python" ]; then
  if [ -z "${JAX_VENV:-}" ] && target/fixtures-venv/bin/python -c \
      'import jax, sys; sys.exit(jax.__version__ != "0.10.2")' 2>/dev/null; then
    venv=target/fixtures-venv
  else
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install --quiet "jax[cpu]==0.10.2"
  fi
fi

# The bench binaries are run directly: through cargo, a changed
# RJAX_CACHE_DIR would rerun the build script (which keeps the plugin there).
# RJAX_BENCH_BIN_DIR names a folder of prebuilt ones (tools/gpu-stage.sh).
declare -A bin
for bench in dispatch training workloads; do
  if [ -n "${RJAX_BENCH_BIN_DIR:-}" ]; then
    bin[$bench]=$RJAX_BENCH_BIN_DIR/$bench
    continue
  fi
  bin[$bench]=$(cargo bench --no-run --bench "$bench" --message-format=json 2>/dev/null |
    python3 -c 'import json, sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("executable"):
        print(m["executable"])' | tail -n 1)
done
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
for r in $(seq "$runs"); do
  echo "-- run $r of $runs" >&2
  for bench in dispatch training workloads; do
    RJAX_COMPILATION_CACHE=0 "${bin[$bench]}" --bench 2>/dev/null
  done >"$out/rjax-$r.txt"
  "$venv/bin/python" tools/bench/bench_jax.py >"$out/jax-$r.txt" 2>/dev/null
done
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
for r in $(seq "$runs"); do
  [ "$r" = 1 ] && RJAX_CACHE_DIR=$cache "${bin[training]}" --bench >/dev/null 2>&1
  RJAX_CACHE_DIR=$cache "${bin[training]}" --bench 2>/dev/null |
    sed -n 's/^bench: first_call /bench: first_call_cached /p' >>"$out/rjax-$r.txt"
done
load_after=$(cut -d' ' -f1-3 /proc/loadavg)
jax_version=$("$venv/bin/python" -c 'import jax; print(jax.__version__, jax.default_backend())' 2>/dev/null || echo "? ?")

python3 - "$out" "$runs" "$load_before" "$load_after" "$jax_version" <<'PY'
import collections, statistics, subprocess, sys
out, runs, before, after = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
jax_version, jax_backend = sys.argv[5].split()

def figures(side):
    by_name = collections.defaultdict(list)
    for r in range(1, runs + 1):
        for line in open(f"{out}/{side}-{r}.txt"):
            if line.startswith("bench: "):
                _, name, us = line.split()
                by_name[name].append(float(us))
    return {k: statistics.median(v) for k, v in by_name.items()}

def cpu():
    model, flags = "unknown CPU", ""
    for line in open("/proc/cpuinfo"):
        key, _, value = line.partition(":")
        if key.strip() == "model name" and model == "unknown CPU":
            model = value.strip()
        if key.strip() == "flags" and not flags:
            wanted = ("avx", "avx2", "fma", "avx512f", "avx512_bf16", "avx512_fp16", "amx_tile", "amx_bf16")
            flags = " ".join(f for f in value.split() if f in wanted)
    return model, flags

def fmt(us):
    return f"{us / 1000:.2f} ms" if us >= 1000 else f"{us:.2f} µs"

rjax, jax = figures("rjax"), figures("jax")
model, flags = cpu()
cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
print(f"\n{model}, {cores} cores; flags: {flags}")
print(f"median of {runs} alternating runs; load average before {before}, after {after}; JAX on {jax_backend}\n")
print(f"| benchmark | rjax | JAX {jax_version} | rjax / JAX |")
print("|---|---|---|---|")
for name in list(rjax) + [n for n in jax if n not in rjax]:
    r, j = rjax.get(name), jax.get(name)
    ratio = f"{r / j:.2f}" if r is not None and j is not None else "—"
    print(f"| {name} | {fmt(r) if r is not None else '—'} | {fmt(j) if j is not None else '—'} | {ratio} |")
PY
