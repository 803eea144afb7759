#!/usr/bin/env bash
# Installs what is missing, builds graphc and the trainers in Release, gets
# MNIST when it is not here, and trains the MNIST MLP for three epochs.
set -euo pipefail
cd "$(dirname "$0")/.."

tools/bootstrap.sh
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release -DGRAPHC_TESTS=OFF
cmake --build build -j "$(nproc)" --target graphc trainers

data=../shared/data/mnist
if [ ! -d "$data" ]; then
  data=data/mnist
  tools/get_mnist.sh "$data"
fi
build/bin/graphc --model mnist_mlp --dump-ir
build/bin/train_mnist_mlp --data "$data" --epochs 3
