#!/usr/bin/env bash
# Packs into .carry/ everything one run on the lent GPU machine needs, so that
# the run tool's call is `carry [".carry"]`, `bash .carry/run.sh` (docs/gpu.md,
# "Running on the GPU machine"). Runs HERE, on the development machine, after
# a Release build in build/ (or GRAPHC_BUILD=DIR); the GPU machine has no
# LLVM, so the trainers are compiled here and only run there.
#
#   .carry/bin/train_<model>   mnist_logreg mnist_mlp lenet cifar_cnn resnet18,
#                              graphc --target cpu,cuda (default --device cpu;
#                              run.sh passes --device cuda)
#   .carry/bin/test_runtime    copied from <build>/bin (CudaDriver*, Cublas*, WithGpu*)
#   .carry/lib/libjpeg.so.62   this machine's libjpeg, which the trainers and
#                              test_runtime need; run.sh puts it on the loader
#                              path only if the GPU machine has none
#   .carry/data/               mnist/ and cifar10-jpeg.tar.gz from ../shared/data
#   .carry/bench/              torch_ref.py and compare.py: `--shared .carry`
#                              reads .carry/data and .carry/bench/torch_ref.py
#   .carry/run.sh              tools/gpu/run.sh
#   .carry/MANIFEST            what was packed from which commit, with sizes
#
# The CPU kernels are compiled for x86-64-v3 (AVX2, FMA) rather than for this
# machine's CPU: the GPU machine's CPU is not known, and `--check-against cpu`
# there must not stop at a missing AVX-512 feature. `--cpu NAME` overrides.
# Fails if the whole of .carry/ exceeds 60 MiB (the run tool carries 64 MiB
# in all, the tracked working tree included).
#
# usage: tools/gpu/pack.sh [--cpu NAME] [--models "m1 m2 ..."]
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$(pwd)

build=${GRAPHC_BUILD:-build}
shared=${SHARED:-$(dirname "$repo")/shared}
cpu=x86-64-v3
models="mnist_logreg mnist_mlp lenet cifar_cnn resnet18"
limit_mib=60
while [ $# -gt 0 ]; do
  case $1 in
    --cpu) cpu=$2; shift 2 ;;
    --models) models=$2; shift 2 ;;
    -h|--help) sed -n '2,27p' "$0"; exit 0 ;;
    *) echo "pack.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

graphc=$build/bin/graphc
for f in "$graphc" "$build/bin/test_runtime" "$shared/bench/torch_ref.py" \
         "$shared/data/cifar10-jpeg.tar.gz" "$shared/data/mnist/train-images-idx3-ubyte.gz"; do
  [ -e "$f" ] || { echo "pack.sh: $f is missing (build first: cmake -S . -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release && ninja -C $build)" >&2; exit 1; }
done
# The runtime libraries graphc links a trainer with (tools/CMakeLists.txt:
# --runtime-lib-dir $<TARGET_FILE_DIR:graphc_runtime>, i.e. <build>/lib).
runtime_lib_dir=$build/lib
[ -e "$runtime_lib_dir/libgraphc_runtime.a" ] && [ -e "$runtime_lib_dir/libgraphc_trainer_main.a" ] ||
  { echo "pack.sh: no libgraphc_runtime.a / libgraphc_trainer_main.a in $runtime_lib_dir" >&2; exit 1; }

# .carry/ must never be committed: ignore it in this clone only.
mkdir -p .git/info
grep -qxF '/.carry/' .git/info/exclude 2>/dev/null || echo '/.carry/' >> .git/info/exclude

# Build into a fresh folder, then swap it in, so a failed pack leaves no half
# .carry/ behind that a run would carry.
stage=$(mktemp -d "${TMPDIR:-/tmp}/graphc_carry.XXXXXX")
chmod 755 "$stage"
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/lib" "$stage/data" "$stage/bench"

for m in $models; do
  start=$(date +%s)
  "$graphc" --model "$m" --target cpu,cuda --cpu "$cpu" -o "$stage/bin/train_$m" --runtime-lib-dir "$runtime_lib_dir"
  echo "pack.sh: train_$m ($(( $(date +%s) - start )) s, $(du -h "$stage/bin/train_$m" | cut -f1))"
done
# The trainers lose only their symbol tables (the program, its kernel table
# and the CUDA module are data, found without symbols); test_runtime is
# copied as built.
strip --strip-unneeded "$stage"/bin/train_*
cp "$build/bin/test_runtime" "$stage/bin/"

jpeg=$(ldd "$stage/bin/test_runtime" | awk '$1 == "libjpeg.so.62" { print $3 }')
[ -n "$jpeg" ] && [ -e "$jpeg" ] || { echo "pack.sh: cannot find the libjpeg.so.62 that test_runtime links" >&2; exit 1; }
cp -L "$jpeg" "$stage/lib/libjpeg.so.62"

cp -r "$shared/data/mnist" "$stage/data/mnist"
cp "$shared/data/cifar10-jpeg.tar.gz" "$stage/data/"
cp "$shared/bench/torch_ref.py" bench/compare.py "$stage/bench/"
cp tools/gpu/run.sh "$stage/run.sh"
chmod -R u+w "$stage"   # the shared data is read-only; the next pack must be able to delete it
chmod +x "$stage/run.sh" "$stage/bench/"*.py

# Cheap checks here before device time is spent on them: every trainer
# starts, one checks its compiled CPU kernels against the interpreter, and
# run.sh parses.
for t in "$stage"/bin/train_*; do
  "$t" --help > /dev/null || { echo "pack.sh: $t --help failed" >&2; exit 1; }
done
if [ -e "$stage/bin/train_mnist_mlp" ]; then
  "$stage/bin/train_mnist_mlp" --data "$stage/data/mnist" --device cpu --check-against interpreter --batch-size 32 |
    tail -n 1 | sed 's/^/pack.sh: train_mnist_mlp (cpu against interpreter): /'
fi
bash -n "$stage/run.sh"

{
  echo "packed $(date -u +%Y-%m-%dT%H:%M:%SZ) from $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- 2>/dev/null || echo '+uncommitted changes')"
  echo "graphc: $("$graphc" --version 2>&1 | head -1); trainers --target cpu,cuda --cpu $cpu (default --arch)"
  (cd "$stage" && find . -type f ! -name MANIFEST -printf '%s %p\n' | sort -k2)
} > "$stage/MANIFEST"

bytes=$(du -sb "$stage" | cut -f1)
mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
if [ "$bytes" -gt $((limit_mib * 1048576)) ]; then
  du -ab "$stage" | sort -n | tail -8 >&2
  echo "pack.sh: .carry would be $mib MiB, over the $limit_mib MiB limit" >&2
  exit 1
fi

rm -rf .carry
cp -a "$stage" .carry
echo "pack.sh: .carry is $mib MiB ($bytes bytes, limit $limit_mib MiB)"
