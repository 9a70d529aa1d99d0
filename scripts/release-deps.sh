#!/usr/bin/env bash
# Installs what scripts/release.sh needs to cross-compile every platform from a
# Debian/Ubuntu amd64 machine, from package registries only (no toolchain download
# of its own): rustup targets, Debian's cross compilers (aws-lc-sys compiles C for
# the target), gpg/python3 for packaging and signing, and cargo-zigbuild with zig
# (both from PyPI) for darwin. Idempotent: skips what is already there.
set -euo pipefail

rustup target add x86_64-unknown-linux-gnu aarch64-unknown-linux-gnu \
  x86_64-pc-windows-gnu x86_64-apple-darwin aarch64-apple-darwin

need=""
command -v aarch64-linux-gnu-gcc >/dev/null || need="$need gcc-aarch64-linux-gnu libc6-dev-arm64-cross"
command -v x86_64-w64-mingw32-gcc >/dev/null || need="$need gcc-mingw-w64-x86-64"
command -v gpg >/dev/null || need="$need gnupg"
command -v python3 >/dev/null || need="$need python3"
command -v pip3 >/dev/null || command -v pip >/dev/null || need="$need python3-pip"
if [ -n "$need" ]; then
  apt-get update
  # shellcheck disable=SC2086
  apt-get install -y --no-install-recommends $need
fi

if ! command -v cargo-zigbuild >/dev/null; then
  pip3 install ziglang cargo-zigbuild 2>/dev/null ||
    pip3 install --break-system-packages ziglang cargo-zigbuild
fi
