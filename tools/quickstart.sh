#!/usr/bin/env bash
# Installs what is missing, builds graphc in Release, and shows the main job:
# the MNIST MLP compiled to its training graph.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGRAPHC_TESTS=OFF
cmake --build build -j "$(nproc)" --target graphc
build/bin/graphc --list-models
echo
build/bin/graphc --model mnist_mlp --dump-ir
echo
build/bin/graphc --model mnist_mlp --dump-ir=after-simplify --batch-size 128
