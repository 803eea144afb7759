#!/usr/bin/env bash
# One run on the lent GPU machine (one H100/H200, CUDA 13 driver, python3
# with PyTorch 2.11+CUDA, no LLVM, no network, 16 cores). tools/gpu/pack.sh
# builds .carry/ here and copies this script to .carry/run.sh; the run tool's
# call is (docs/gpu.md, "Running on the GPU machine"):
#
#   run(carry=[".carry"], command="bash .carry/run.sh", timeout_s=600)
#
# from the repository root, with $OUT set. Steps, in this order, each under
# its own `timeout`; a failed step is recorded and the next one runs:
#
#   a. facts: nvidia-smi, the driver version, the host, where libcuda and
#      cuBLAS are (GRAPHC_CUBLAS_DIR is exported to PyTorch's cuBLAS wheel
#      when the system has no libcublas.so.13), ldd of a trainer
#   b. test_runtime --gtest_filter='CudaDriver*:Cublas*:WithGpu*'
#   c. every trainer: --device cuda --check-against interpreter with
#      --precision fp32 (full f32 GEMMs, tolerance 1e-4; small batches: the
#      interpreter is slow), then --check-against cpu with the default
#      --precision tf32 (tolerance 1e-2), the mode trainings run in; lenet
#      and cifar_cnn also with --precision bf16 against cpu (5e-2); lenet,
#      cifar_cnn and resnet18 with every convolution GEMM implicit
#      (GRAPHC_CUDA_CONV=implicit, --precision fp32: 3xTF32) against the
#      interpreter (1e-4)
#   d. short trainings on cuda (TF32 GEMMs), each beside the same run on
#      cpu: mnist_mlp 1 epoch, lenet (its batch-4 recipe) 1 epoch cut by
#      --max-steps; their test_acc
#   p. profiles: each benchmarked workload, at the benchmark's batch, for
#      a few hundred steps with --profile (every launch of the captured
#      step timed on the device; logs/profile_<model>.json and the table)
#   e. benchmarks: bench/compare.py on cuda against PyTorch eager and
#      torch.compile, one call per workload, 2 alternating rounds (both
#      sides with TF32 GEMMs, their defaults on cuda)
#   f. a summary table, printed last (the tool returns only the last 12,000
#      characters of output)
#
# Time: the whole script keeps to --budget seconds (default 540, 9 minutes;
# the command's cap is 10 minutes, and the machine's start comes on top of
# it out of the same device time). Each step's `timeout` is its own cap
# below or what is left of the budget (less 20 s kept for the summary),
# whichever is smaller; a step with under 5 s left is skipped and recorded.
# Typical times are estimates from this machine's CPU runs and the kernels'
# sizes, not measurements on the GPU (no session has run this yet).
#
# Output under $OUT (the tool brings back at most 8 files): run.log (all
# that is printed), summary.txt (the table of f), bench.md and bench.json
# (every benchmark workload in one table), logs.tar.gz (each step's full
# log, refreshed after every step so a run cut short still brings it back).
#
# usage: bash .carry/run.sh [--dry-run] [--only REGEX] [--budget S]
#   --dry-run     print each step's command and time cap, run nothing
#   --only REGEX  run only the steps whose names match (e.g. '^bench_',
#                 'check_resnet18' or '^(facts|check_)'), for a second call
#   --budget S    seconds for the whole script (default 540)
set -uo pipefail   # no -e: every step runs whatever the previous one did

C=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)   # the .carry folder
DRY=0
ONLY=
BUDGET=540
while [ $# -gt 0 ]; do
  case $1 in
    --dry-run) DRY=1; shift ;;
    --only) ONLY=$2; shift 2 ;;
    --budget) BUDGET=$2; shift 2 ;;
    -h|--help) sed -n '2,46p' "${BASH_SOURCE[0]}"; exit 0 ;;
    *) echo "run.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done
RESERVE=20
START=$SECONDS
TIMEOUTS=0
OUT=${OUT:-/tmp/gpuout}
mkdir -p "$OUT"
WORK=$(mktemp -d "${TMPDIR:-/tmp}/graphc_gpu.XXXXXX")
LOGS=$WORK/logs
mkdir -p "$LOGS"
SUMMARY=$WORK/summary.tsv
: > "$SUMMARY"
exec > >(tee "$OUT/run.log") 2>&1
TEE_PID=$!

BIN=$C/bin
DATA=$C/data
MNIST=$DATA/mnist
CIFAR=$DATA/cifar10-jpeg.tar.gz
PYTHON=${PYTHON:-python3}
export PYTHONUNBUFFERED=1

elapsed() { echo $((SECONDS - START)); }

# Each step's log goes into $LOGS; the tarball in $OUT is refreshed after each.
pack_logs() {
  [ "$DRY" = 1 ] && return 0
  cp "$SUMMARY" "$LOGS/summary.tsv" 2>/dev/null
  tar -czf "$OUT/logs.tar.gz.tmp" -C "$WORK" logs 2>/dev/null && mv "$OUT/logs.tar.gz.tmp" "$OUT/logs.tar.gz"
}

record() {   # record NAME STATUS SECONDS NOTE
  printf '%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" >> "$SUMMARY"
}

selected() { [ -z "$ONLY" ] || [[ $1 =~ $ONLY ]]; }

# step NAME CAP_S COMMAND...: runs COMMAND under timeout min(CAP_S, budget
# left), its output in $LOGS/NAME.log; prints the log's last lines (more on
# failure) and records the status, the seconds and NOTE's last match in the
# log (NOTE: an extended regex, given as NOTE=... step ...).
step() {
  local name=$1 cap=$2
  shift 2
  selected "$name" || return 0
  local left=$((BUDGET - RESERVE - (SECONDS - START)))
  local t=$((cap < left ? cap : left))
  if [ "$DRY" = 1 ]; then
    printf '[dry-run] %-26s timeout %3ss  %s\n' "$name" "$cap" "$*"
    record "$name" dry-run 0 ""
    return 0
  fi
  if [ "$t" -lt 5 ]; then
    echo "=== $name: SKIPPED, ${left}s of the budget left"
    record "$name" "SKIPPED (no time)" 0 ""
    return 1
  fi
  # A GPU that hangs would make every later check and cuda training wait out
  # its cap too: after 3 timeouts those are skipped (the benchmarks still run:
  # compare.py's --timeout stops a hung side and the others go on).
  if [ "$TIMEOUTS" -ge 3 ] && [[ $name =~ ^check_|_cuda$ ]]; then
    echo "=== $name: SKIPPED after $TIMEOUTS timeouts"
    record "$name" "SKIPPED (hangs)" 0 ""
    return 1
  fi
  echo "=== $name (limit ${t}s, at $(elapsed)s): $*"
  local s0=$SECONDS rc status note=
  timeout -k 10 "$t" "$@" < /dev/null > "$LOGS/$name.log" 2>&1
  rc=$?
  case $rc in
    0) status=ok ;;
    124|137) status="TIMEOUT (${t}s)"; TIMEOUTS=$((TIMEOUTS + 1)) ;;
    *) status="FAIL (exit $rc)" ;;
  esac
  if [ $rc -eq 0 ]; then
    tail -n 3 "$LOGS/$name.log" | cut -c1-200 | sed 's/^/    /'
  else
    # the first error lines above the last 8, then the last 8
    head -n -8 "$LOGS/$name.log" | grep -m 6 -E 'FAIL|[Ee]rror|cannot|not found' | cut -c1-300 | sed 's/^/  ! /'
    tail -n 8 "$LOGS/$name.log" | cut -c1-300 | sed 's/^/    /'
  fi
  if [ -n "${NOTE:-}" ]; then
    note=$(grep -o -E "$NOTE" "$LOGS/$name.log" | tail -n 1 | cut -c1-120)
  fi
  echo "--- $name: $status in $((SECONDS - s0))s${note:+: $note}"
  record "$name" "$status" $((SECONDS - s0)) "$note"
  pack_logs
  return $rc
}

# ---------------------------------------------------------------- set-up
# Where the libraries come from, decided in this shell so that every step
# inherits the exports. (A few seconds at most; no timeout needed beyond the
# python3 query's own.)
if ldd "$BIN/test_runtime" 2>/dev/null | grep -q 'libjpeg\.so\.62 => not found'; then
  export LD_LIBRARY_PATH=$C/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
  JPEG_NOTE="no libjpeg.so.62 here: using the carried $C/lib/libjpeg.so.62"
else
  JPEG_NOTE="libjpeg.so.62 from the system"
fi

# The driver: graphc opens libcuda.so.1 by soname unless GRAPHC_LIBCUDA names it.
if timeout 20 "$PYTHON" -c 'import ctypes; ctypes.CDLL("libcuda.so.1")' > /dev/null 2>&1; then
  LIBCUDA_NOTE="libcuda.so.1 loads by soname"
else
  f=$(find /usr/local/nvidia /usr/lib64 /usr/lib/x86_64-linux-gnu /usr/local/cuda/compat -name 'libcuda.so.1' 2>/dev/null | head -n 1)
  if [ -n "$f" ]; then
    export GRAPHC_LIBCUDA=$f
    LIBCUDA_NOTE="libcuda.so.1 not on the loader path; GRAPHC_LIBCUDA=$f"
  else
    LIBCUDA_NOTE="libcuda.so.1 found nowhere"
  fi
fi

# cuBLAS 13: graphc tries GRAPHC_CUBLAS_DIR, the loader path,
# /usr/local/cuda/lib64, /usr/local/cuda/targets/x86_64-linux/lib; PyTorch's
# CUDA 13 wheels carry their own under site-packages/nvidia/cu13/lib (older
# wheel layouts: nvidia/cublas/lib).
if [ -n "${GRAPHC_CUBLAS_DIR:-}" ]; then
  CUBLAS_NOTE="GRAPHC_CUBLAS_DIR=$GRAPHC_CUBLAS_DIR (given)"
elif f=$(ldconfig -p 2>/dev/null | awk '$1 == "libcublas.so.13" { print $NF; exit }') && [ -n "$f" ]; then
  CUBLAS_NOTE="loader path: $f"
elif [ -e /usr/local/cuda/lib64/libcublas.so.13 ]; then
  CUBLAS_NOTE="/usr/local/cuda/lib64/libcublas.so.13 (graphc's fallback)"
elif [ -e /usr/local/cuda/targets/x86_64-linux/lib/libcublas.so.13 ]; then
  CUBLAS_NOTE="/usr/local/cuda/targets/x86_64-linux/lib/libcublas.so.13 (graphc's fallback)"
else
  sites=$(timeout 30 "$PYTHON" -c 'import site; print("\n".join(site.getsitepackages() + [site.getusersitepackages()]))' 2>/dev/null)
  f=
  for d in $sites; do
    [ -d "$d/nvidia" ] || continue
    f=$(find "$d/nvidia" -maxdepth 3 -name 'libcublas.so.13' 2>/dev/null | head -n 1)
    [ -n "$f" ] && break
  done
  if [ -n "$f" ] && [ -e "$(dirname "$f")/libcublasLt.so.13" ]; then
    GRAPHC_CUBLAS_DIR=$(dirname "$f")
    export GRAPHC_CUBLAS_DIR
    CUBLAS_NOTE="no system libcublas.so.13; GRAPHC_CUBLAS_DIR=$GRAPHC_CUBLAS_DIR (PyTorch's wheel)"
  else
    CUBLAS_NOTE="libcublas.so.13 found nowhere (site-packages: ${sites//$'\n'/ })"
  fi
fi
echo "run.sh: budget ${BUDGET}s; $JPEG_NOTE; $LIBCUDA_NOTE; cuBLAS: $CUBLAS_NOTE"
export C BIN JPEG_NOTE LIBCUDA_NOTE CUBLAS_NOTE PYTHON

# ---------------------------------------------------------------- a. facts (cap 30 s, ~5 s)
facts() {
  echo "## date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "## nvidia-smi"; nvidia-smi
  echo "## GPU (name, driver, memory, clocks)"
  nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.sm,clocks.max.sm --format=csv,noheader
  nvidia-smi --query-gpu=compute_cap --format=csv,noheader || true
  echo "## host"; uname -a; echo "cores: $(nproc)"; grep -m 1 'model name' /proc/cpuinfo
  echo "cpu flags: $(grep -o -w -E 'avx2|fma|avx512f|avx512bw|avx512vl|avx512dq' /proc/cpuinfo | sort -u | tr '\n' ' ')"
  grep -E '^(PRETTY_NAME)=' /etc/os-release; ldd --version | head -n 1
  echo "## python"; command -v "$PYTHON"
  "$PYTHON" -c 'import sys, torch; print("python", sys.version.split()[0], "torch", torch.__version__, "cuda", torch.version.cuda, "gpu", torch.cuda.is_available() and torch.cuda.get_device_name(0))'
  echo "## nvcc"; nvcc --version 2>&1 | tail -n 2
  echo "## libraries: $JPEG_NOTE; $LIBCUDA_NOTE; cuBLAS: $CUBLAS_NOTE"
  ldconfig -p | grep -E 'libcuda\.so|libcublas|libjpeg\.so|libz\.so\.1' || echo "(none of libcuda, libcublas, libjpeg, libz in ldconfig -p)"
  echo "## cuBLAS under site-packages and /usr/local"
  for d in $("$PYTHON" -c 'import site; print(" ".join(site.getsitepackages()))'); do
    find "$d" -maxdepth 4 -name 'libcublas*.so*' 2>/dev/null
  done
  find /usr/local -maxdepth 5 -name 'libcublas.so*' 2>/dev/null | head -n 5
  echo "## LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-} GRAPHC_CUBLAS_DIR=${GRAPHC_CUBLAS_DIR:-} GRAPHC_LIBCUDA=${GRAPHC_LIBCUDA:-}"
  echo "## ldd train_mnist_mlp"; ldd "$BIN/train_mnist_mlp"
  echo "## packed"; head -n 2 "$C/MANIFEST"
  nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | sed 's/^/gpu: /'
}
export -f facts
NOTE='gpu: .*' step facts 30 bash -c facts

# Decode CIFAR-10 for torch_ref.py in the background while b-d run (one
# core; about 20 s): its first CIFAR run would otherwise do it inside step
# e's time. torch_ref.py caches the decoded set in /tmp/cifar_jpeg_decoded.npz;
# step e waits for this (at most 90 s) and deletes a half-written cache.
CIFAR_CACHE=/tmp/cifar_jpeg_decoded.npz
PREWARM_PID=
if [ "$DRY" = 0 ] && [ ! -e "$CIFAR_CACHE" ] &&
   { selected bench_lenet || selected bench_cifar_cnn || selected bench_resnet18; }; then
  SHARED=$C timeout 150 "$PYTHON" "$C/bench/torch_ref.py" lenet_cifar_b64 --steps 1 --threads 2 --device cpu \
    > "$LOGS/prewarm_cifar.log" 2>&1 &
  PREWARM_PID=$!
fi
wait_prewarm() {
  [ -n "$PREWARM_PID" ] || return 0
  local waited=0
  while kill -0 "$PREWARM_PID" 2>/dev/null && [ $waited -lt 90 ]; do sleep 1; waited=$((waited + 1)); done
  if kill -0 "$PREWARM_PID" 2>/dev/null; then
    kill "$PREWARM_PID"; wait "$PREWARM_PID" 2>/dev/null
    rm -f "$CIFAR_CACHE"
    echo "run.sh: the CIFAR-10 decode for torch_ref.py took over ${waited}s more; stopped, torch_ref.py decodes it itself"
  elif wait "$PREWARM_PID"; then
    echo "run.sh: CIFAR-10 decoded for torch_ref.py (waited ${waited}s)"
  else
    rm -f "$CIFAR_CACHE"
    echo "run.sh: the CIFAR-10 decode for torch_ref.py failed (logs/prewarm_cifar.log); torch_ref.py decodes it itself"
  fi
  PREWARM_PID=
}

# ---------------------------------------------------------------- b. runtime tests (cap 60 s, ~5 s)
NOTE='\[  (PASSED|FAILED)  \].*' step test_runtime_gpu 60 \
  "$BIN/test_runtime" --gtest_filter='CudaDriver*:Cublas*:WithGpu*'

# ---------------------------------------------------------------- c. checks (caps 20-60 s, ~45 s in all)
# MODEL DATA INTERPRETER_BATCH CPU_BATCH CAP_INTERPRETER CAP_CPU. Against
# the interpreter in full f32, every kernel must agree within 1e-4 of each
# tensor's scale; against cpu, the default TF32 GEMMs within 1e-2. The
# interpreter batches are small (on the development machine's CPU, one
# interpreter check at batch 8 takes 3.4 s for cifar_cnn and 7.6 s for
# resnet18, the data set's loading included); the cpu ones are larger and
# not multiples of 16, so partial tiles and grid-stride tails are compared.
CHECKS="mnist_logreg $MNIST 64 100 20 20
mnist_mlp $MNIST 64 100 20 20
lenet $CIFAR 16 30 30 30
cifar_cnn $CIFAR 8 20 40 40
resnet18 $CIFAR 8 20 60 40"
while read -r m data bi bc ci cc; do
  NOTE='check (passed|FAILED).*' step "check_${m}_interp_fp32" "$ci" \
    "$BIN/train_$m" --data "$data" --device cuda --precision fp32 --check-against interpreter --batch-size "$bi"
  NOTE='check (passed|FAILED).*' step "check_${m}_cpu_tf32" "$cc" \
    "$BIN/train_$m" --data "$data" --device cuda --check-against cpu --batch-size "$bc"
done <<< "$CHECKS"
# --precision bf16 (operands rounded to bfloat16 in every cuBLAS GEMM), on
# the two convolutional recipes, against cpu at its default 5e-2.
for m in lenet cifar_cnn; do
  NOTE='check (passed|FAILED).*' step "check_${m}_cpu_bf16" 40 \
    "$BIN/train_$m" --data "$CIFAR" --device cuda --precision bf16 --check-against cpu --batch-size 30
done
# Every convolution GEMM as its implicit form (tensor cores; the default
# measures which form is faster, so the checks above may not have run
# them), with --precision fp32 (3xTF32: f32's accuracy) against the
# interpreter at its 1e-4, at the fp32 checks' batches.
for m in lenet cifar_cnn resnet18; do
  b=8; [ "$m" = lenet ] && b=16
  NOTE='check (passed|FAILED).*' step "check_${m}_interp_implicit" 60 \
    env GRAPHC_CUDA_CONV=implicit "$BIN/train_$m" --data "$CIFAR" --device cuda --precision fp32 \
    --check-against interpreter --batch-size "$b"
done

# ---------------------------------------------------------------- d. trainings (cap 60 s each, ~25 s in all)
# cuda, then the same run on cpu (16 cores): the test accuracies should be close.
for dev in cuda cpu; do
  NOTE='test_acc [0-9.]+' step "train_mnist_mlp_$dev" 60 \
    "$BIN/train_mnist_mlp" --data "$MNIST" --device "$dev" --epochs 1 --metrics "$LOGS/train_mnist_mlp_$dev.jsonl"
done
# lenet's recipe is batch 4 (12,500 steps an epoch); 5,000 steps keep it short.
for dev in cuda cpu; do
  NOTE='test_acc [0-9.]+' step "train_lenet_$dev" 60 \
    "$BIN/train_lenet" --data "$CIFAR" --device "$dev" --epochs 1 --max-steps 5000 --metrics "$LOGS/train_lenet_$dev.jsonl"
done

# ---------------------------------------------------------------- p. profiles (cap 40 s each, ~40 s in all)
# Where a step's time goes on the GPU, at the batch each workload is
# benchmarked at: the summary shows each profile's first rows.
# MODEL DATA BATCH STEPS
PROFILES="mnist_mlp $MNIST 128 300
lenet $CIFAR 64 300
cifar_cnn $CIFAR 128 200
resnet18 $CIFAR 128 60"
while read -r m data b n; do
  NOTE='training step: .*' step "profile_$m" 40 \
    "$BIN/train_$m" --data "$data" --device cuda --batch-size "$b" --epochs 1 --max-steps "$n" --drop-last \
    --val-split 0 --profile "$LOGS/profile_$m.json"
done <<< "$PROFILES"

# ---------------------------------------------------------------- e. benchmarks (caps 90-170 s, the rest of the budget: ~400 s)
# One compare.py per workload, cheapest first, so that whatever the budget
# cuts off is the most expensive; each writes its JSON (compare.py reports
# the rounds finished so far when its timeout stops it). Each run has one
# untimed warm-up epoch (torch.compile compiles there), then the timed
# epochs; --timeout bounds one run. Per call: 2 rounds of graphc, PyTorch
# eager, PyTorch compile, i.e. 6 processes, each a few seconds of start-up
# (data, CUDA, torch import) plus the steps; torch.compile's first
# compilation of a model is expected to take 10-60 s (resnet18 the longest;
# not measured yet), the second round reuses Inductor's on-disk cache.
# shellcheck disable=SC2054  # eager,compile is one argument
bench() {   # bench WORKLOAD STEPS EPOCHS (BENCH_DRY=1: print the command only)
  local cmd=("$PYTHON" "$C/bench/compare.py" "$1" --steps "$2" --epochs "$3" --device cuda
             --torch-modes eager,compile --warmup-epochs 1 --rounds 2 --threads 8 --bin "$BIN" --shared "$C"
             --python "$PYTHON" --timeout 120 --json)
  if [ "${BENCH_DRY:-0}" = 1 ]; then
    echo "          ${cmd[*]} > $WORK/bench_$1.json"
    return 0
  fi
  # exec: timeout's child is compare.py itself, so a timeout waits for the
  # partial report that compare.py writes on SIGTERM.
  exec "${cmd[@]}" > "$WORK/bench_$1.json"
}
export -f bench
export WORK
# WORKLOAD STEPS EPOCHS CAP: mnist_mlp and lenet (batch 64) at full epochs
# (468 and 781 steps: under a second each on the GPU); cifar_cnn and
# resnet18 (batch 128) at 100 and 30 steps, a few seconds each for graphc.
BENCHES="mnist_mlp 468 3 90
lenet 781 2 90
cifar_cnn 100 1 110
resnet18 30 1 170"
while read -r w s e cap; do
  [ "$w" = lenet ] && [ "$DRY" = 0 ] && wait_prewarm
  step "bench_$w" "$cap" bash -c 'bench "$@"' _ "$w" "$s" "$e"
  [ "$DRY" = 1 ] && selected "bench_$w" && BENCH_DRY=1 bench "$w" "$s" "$e"
done <<< "$BENCHES"
wait_prewarm

# ---------------------------------------------------------------- f. summary (~2 s)
if [ "$DRY" = 1 ]; then
  echo "[dry-run] summary: $WORK/bench_*.json -> $OUT/bench.md, $OUT/bench.json; $OUT/summary.txt"
  rm -rf "$WORK"
  exit 0
fi
# All benchmark JSON in one table, in the order they ran, rendered by
# compare.py's own formatter.
bench_json=()
while read -r w _; do
  [ -e "$WORK/bench_$w.json" ] && bench_json+=("$WORK/bench_$w.json")
done <<< "$BENCHES"
timeout 20 "$PYTHON" - "$C/bench" "$OUT" "${bench_json[@]}" > "$LOGS/bench_merge.log" 2>&1 <<'EOF'
import json, os, sys
sys.path.insert(0, sys.argv[1])
import compare
metas, results = [], []
for path in sys.argv[3:]:
    try:
        with open(path) as f:
            d = json.load(f)
    except (OSError, ValueError) as e:
        print(f'{os.path.basename(path)}: no JSON ({e})')
        continue
    metas.append(d['meta'])
    results += d['results']
if results:
    meta = dict(metas[0], load_after=metas[-1]['load_after'])
    with open(os.path.join(sys.argv[2], 'bench.json'), 'w') as f:
        json.dump({'meta': meta, 'results': results}, f, indent=2)
    with open(os.path.join(sys.argv[2], 'bench.md'), 'w') as f:
        f.write(compare.markdown(results, meta) + '\n')
EOF

{
  echo "== graphc GPU run: $(elapsed)s of ${BUDGET}s; $(head -n 1 "$C/MANIFEST")"
  echo "   gpu: $(grep -m 1 '^gpu: ' "$LOGS/facts.log" 2>/dev/null | cut -c6-); $LIBCUDA_NOTE; cuBLAS: $CUBLAS_NOTE; $JPEG_NOTE"
  printf '%-31s %-18s %5s  %s\n' step status secs note
  while IFS=$'\t' read -r name status secs note; do
    printf '%-31s %-18s %5s  %s\n' "$name" "$status" "$secs" "$note"
  done < "$SUMMARY"
  for log in "$LOGS"/check_*.log; do
    [ -e "$log" ] && grep -q '^  FAIL' "$log" || continue
    echo "-- $(basename "$log" .log): $(grep -c '^  FAIL' "$log") outputs differ, first:"
    grep -m 3 '^  FAIL' "$log" | cut -c1-160
  done
  # Each profile's training step: the timed and wall time, the convolution
  # GEMMs' chosen forms, then its largest pieces.
  for log in "$LOGS"/profile_*.log; do
    [ -e "$log" ] && grep -q '^training step: ' "$log" || continue
    forms=$(timeout 10 "$PYTHON" -c 'import json, sys
p = [x for x in json.load(open(sys.argv[1]))["pieces"] if x["graph"] == "train" and x["calls"] > 0]
print(sum(x["name"].endswith("_implicit") for x in p), "implicit,", sum(x["name"].endswith(" (cuBLAS)") for x in p), "cuBLAS")' \
      "${log%.log}.json" 2>/dev/null)
    echo "-- $(basename "$log" .log): $(grep -m 1 '^training step: ' "$log"); GEMMs: ${forms:-?}"
    sed -n '/^training step: /,/^eval step: /p' "$log" | sed -n '3,8p' | cut -c1-150
  done
  echo
  if [ -s "$OUT/bench.md" ]; then
    cat "$OUT/bench.md"
  else
    echo "(no benchmark results: see logs/bench_*.log, logs/bench_merge.log)"
  fi
  echo
  echo "files in \$OUT: run.log summary.txt bench.md bench.json logs.tar.gz (logs/<step>.log)"
} > "$OUT/summary.txt"
pack_logs
echo
cat "$OUT/summary.txt"
failed=$(awk -F'\t' '$2 != "ok"' "$SUMMARY" | wc -l)
rm -rf "$WORK"
exec >&- 2>&-
wait "$TEE_PID" 2>/dev/null
[ "$failed" -eq 0 ]
