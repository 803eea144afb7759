#!/usr/bin/env bash
# Installs what graphc needs from Debian packages, and nothing when it is all
# there already (idempotent). Run as root, or with sudo available.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  llvm-19-dev                      # CPU code generation (LLVM 19)
  nlohmann-json3-dev               # IR and metrics JSON
  libgtest-dev libgmock-dev        # test suite
  zlib1g-dev                       # gzipped MNIST
  libjpeg62-turbo-dev              # CIFAR-10 JPEG folders
  clang libclang-rt-14-dev         # libFuzzer for the fuzz targets
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "bootstrap: installing ${missing[*]}"
sudo_cmd=()
[ "$(id -u)" -ne 0 ] && sudo_cmd=(sudo)
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
