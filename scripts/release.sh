#!/usr/bin/env bash
# Builds a signed release in the layout the Terraform Registry and its mirrors expect
# (see docs/development/releasing.md):
#
#   dist/VERSION/terraform-provider-aliyun_VERSION_OS_ARCH.zip     one per platform,
#                 each holding only terraform-provider-aliyun_vVERSION(.exe)
#   dist/VERSION/terraform-provider-aliyun_VERSION_manifest.json   protocol 6.0
#   dist/VERSION/terraform-provider-aliyun_VERSION_SHA256SUMS      zips + manifest
#   dist/VERSION/terraform-provider-aliyun_VERSION_SHA256SUMS.sig  detached, binary
#
# Usage:
#   scripts/release.sh VERSION [--out DIR] [--platforms "linux_amd64 linux_arm64 ..."]
#                      [--allow-missing OS[_ARCH]]... [--binary OS_ARCH=PATH]...
#
#   VERSION            must equal the crate version in Cargo.toml (the tag is vVERSION).
#   --out DIR          output folder (default dist/VERSION); emptied first.
#   --platforms LIST   platforms to ship (default: all five).
#   --allow-missing P  a platform (or every platform of an OS, e.g. `darwin`) whose
#                      build may fail: it is left out with the reason printed.
#                      Without it, any failed build fails the release.
#   --binary P=PATH    package PATH for platform P instead of building it (tests use
#                      this to package the debug binary quickly).
#
# Signing key, from the environment (one of):
#   GPG_PRIVATE_KEY    an ASCII-armoured secret key, imported into a throwaway
#                      GNUPGHOME (GPG_PASSPHRASE if it is protected);
#   GPG_FINGERPRINT    a key already in the keyring (GNUPGHOME or ~/.gnupg).
#
# Reproducible from the tag: binaries are built with `--locked` from Cargo.lock,
# the release profile (stripped), `--remap-path-prefix` for the checkout and the
# Cargo home (no local path ends up in a binary), and SOURCE_DATE_EPOCH (default:
# the commit time of HEAD) fixes every timestamp in the zips, whose entries have
# fixed attributes and no extra fields. GPG signatures embed their own time and are
# not reproducible, by design; the SHA256SUMS they sign are. The compiler must be
# the same too: the script prints the `rustc -V` it used.
#
# Cross toolchains (installed by scripts/release-deps.sh): Debian's gcc cross
# compilers for linux_arm64 and windows_amd64 (aws-lc-sys compiles C), and
# cargo-zigbuild (zig from PyPI) for darwin, which links against framework stubs
# instead of Apple's SDK (scripts/macos-framework-stubs.py).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
name=terraform-provider-aliyun
all_platforms="linux_amd64 linux_arm64 darwin_amd64 darwin_arm64 windows_amd64"

die() {
  echo "release: $*" >&2
  exit 1
}

[ $# -ge 1 ] || die "usage: scripts/release.sh VERSION [--out DIR] [--platforms LIST] [--allow-missing P]... [--binary P=PATH]..."
version="$1"
shift
out=""
platforms="$all_platforms"
allow_missing=" "
declare -A prebuilt=()
while [ $# -gt 0 ]; do
  case "$1" in
    --out) out="$2"; shift 2 ;;
    --platforms) platforms="$2"; shift 2 ;;
    --allow-missing) allow_missing+="$2 "; shift 2 ;;
    --binary)
      p="${2%%=*}"
      [ "$p" != "$2" ] || die "--binary wants OS_ARCH=PATH, got $2"
      prebuilt[$p]="${2#*=}"
      shift 2
      ;;
    *) die "unknown argument $1" ;;
  esac
done

crate_version="$(sed -n '/^\[package\]/,/^\[/{s/^version = "\(.*\)"/\1/p}' Cargo.toml | head -1)"
[ "$version" = "$crate_version" ] ||
  die "version $version is not the crate version $crate_version (Cargo.toml): bump it there first"
for p in $platforms; do
  case " $all_platforms " in *" $p "*) ;; *) die "unknown platform $p (known: $all_platforms)" ;; esac
done

for tool in python3 sha256sum gpg; do
  command -v "$tool" >/dev/null || die "$tool is required (scripts/release-deps.sh installs it)"
done
if [ -z "${GPG_PRIVATE_KEY:-}" ] && [ -z "${GPG_FINGERPRINT:-}" ]; then
  die "no signing key: set GPG_PRIVATE_KEY (armoured secret key) or GPG_FINGERPRINT (key in the keyring)"
fi

export SOURCE_DATE_EPOCH="${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 315532800)}"
# The same bytes need the same compiler: record it with the release.
echo "release: $version from $(git describe --tags --always --dirty 2>/dev/null || echo 'a non-git tree'), $(rustc -V), SOURCE_DATE_EPOCH=$SOURCE_DATE_EPOCH" >&2
out="${out:-$root/dist/$version}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
rm -f "$out/${name}_"*

triple() {
  case "$1" in
    linux_amd64) echo x86_64-unknown-linux-gnu ;;
    linux_arm64) echo aarch64-unknown-linux-gnu ;;
    darwin_amd64) echo x86_64-apple-darwin ;;
    darwin_arm64) echo aarch64-apple-darwin ;;
    windows_amd64) echo x86_64-pc-windows-gnu ;;
  esac
}

# Builds one platform's binary; prints its path on stdout, the build log to $2.
build() {
  local p="$1" log="$2" t cargo_cmd=(cargo build)
  t="$(triple "$p")"
  local cargo_home="${CARGO_HOME:-$HOME/.cargo}"
  export RUSTFLAGS="--remap-path-prefix=$root=/build/$name --remap-path-prefix=$cargo_home=/cargo"
  case "$p" in
    linux_arm64)
      command -v aarch64-linux-gnu-gcc >/dev/null ||
        { echo "aarch64-linux-gnu-gcc not found (apt-get install gcc-aarch64-linux-gnu)" >"$log"; return 1; }
      export CARGO_TARGET_AARCH64_UNKNOWN_LINUX_GNU_LINKER=aarch64-linux-gnu-gcc
      export CC_aarch64_unknown_linux_gnu=aarch64-linux-gnu-gcc
      export AR_aarch64_unknown_linux_gnu=aarch64-linux-gnu-ar
      ;;
    windows_amd64)
      command -v x86_64-w64-mingw32-gcc >/dev/null ||
        { echo "x86_64-w64-mingw32-gcc not found (apt-get install gcc-mingw-w64-x86-64)" >"$log"; return 1; }
      export CARGO_TARGET_X86_64_PC_WINDOWS_GNU_LINKER=x86_64-w64-mingw32-gcc
      export CC_x86_64_pc_windows_gnu=x86_64-w64-mingw32-gcc
      export AR_x86_64_pc_windows_gnu=x86_64-w64-mingw32-ar
      ;;
    darwin_*)
      command -v cargo-zigbuild >/dev/null ||
        { echo "cargo-zigbuild not found (pip install cargo-zigbuild ziglang)" >"$log"; return 1; }
      cargo_cmd=(cargo zigbuild)
      # Without Apple's SDK the linker learns the system frameworks from stubs
      # written from the locked -sys crates (see scripts/macos-framework-stubs.py).
      # macOS 11 is the oldest Terraform itself supports; zig would target its own
      # newest otherwise.
      local stubs="$root/target/macos-framework-stubs"
      python3 "$root/scripts/macos-framework-stubs.py" "$stubs" >>"$log" 2>&1 || return 1
      RUSTFLAGS="$RUSTFLAGS -C link-arg=-F$stubs"
      export MACOSX_DEPLOYMENT_TARGET=11.0
      ;;
  esac
  rustup target list --installed 2>/dev/null | grep -qx "$t" || rustup target add "$t" >>"$log" 2>&1 || true
  "${cargo_cmd[@]}" --release --locked --target "$t" -p "$name" --bin "$name" >>"$log" 2>&1 || return 1
  local exe="$root/target/$t/release/$name"
  [ "$p" = windows_amd64 ] && exe="$exe.exe"
  [ -f "$exe" ] || { echo "cargo succeeded but $exe is missing" >>"$log"; return 1; }
  case "$p" in darwin_*) check_macho "$exe" "${p#darwin_}" >>"$log" 2>&1 || return 1 ;; esac
  echo "$exe"
}

# What can be checked of a darwin binary without a Mac: a Mach-O executable of the
# right CPU, for macOS 11 or later, loading only system libraries and frameworks by
# their absolute install names, and code-signed (arm64 Macs run nothing unsigned;
# the linker signs ad hoc).
check_macho() {
  python3 - "$1" "$2" <<'PY'
import hashlib, struct, sys
path, arch = sys.argv[1:]
d = open(path, "rb").read()
magic, cpu, _, filetype, ncmds = struct.unpack("<IiiII", d[:20])
want_cpu = {"arm64": 0x0100000C, "amd64": 0x01000007}[arch]
problems = []
if magic != 0xFEEDFACF or cpu != want_cpu or filetype != 2:
    problems.append(f"not a 64-bit Mach-O {arch} executable")
dylibs, minos, signed, off = [], None, False, 32
for _ in range(ncmds):
    cmd, size = struct.unpack("<II", d[off:off + 8])
    if cmd in (0xC, 0x80000018):  # LC_LOAD_DYLIB, LC_LOAD_WEAK_DYLIB
        at = struct.unpack("<I", d[off + 8:off + 12])[0]
        dylibs.append(d[off + at:off + size].split(b"\0")[0].decode())
    elif cmd == 0x32:  # LC_BUILD_VERSION
        v = struct.unpack("<I", d[off + 12:off + 16])[0]
        minos = (v >> 16, (v >> 8) & 0xFF)
    elif cmd == 0x1D:  # LC_CODE_SIGNATURE
        signed = struct.unpack("<II", d[off + 8:off + 16])
    off += size
for lib in dylibs:
    if not lib.startswith(("/usr/lib/", "/System/Library/Frameworks/")):
        problems.append(f"loads {lib}, which is not part of macOS")
if minos is None or minos > (11, 0):
    problems.append(f"needs macOS {minos}, not 11.0")
if arch == "arm64" and not signed:
    problems.append("has no code signature")
if signed:
    # The ad-hoc signature's CodeDirectory holds a hash of every page up to the
    # signature: what the kernel checks as pages load. Any change after the link
    # (a strip, say) breaks it.
    sig_off, sig_size = signed
    blob = d[sig_off:sig_off + sig_size]
    count = struct.unpack(">I", blob[8:12])[0]
    checked = 0
    for i in range(count):
        at = struct.unpack(">I", blob[16 + 8 * i:20 + 8 * i])[0]
        if struct.unpack(">I", blob[at:at + 4])[0] != 0xFADE0C02:  # CodeDirectory
            continue
        cd = blob[at:]
        hash_off, _, _, n_code, limit, hash_size, hash_type, _, page_shift = struct.unpack(
            ">IIIIIBBBB", cd[16:40])
        page = 1 << page_shift
        algo = {1: hashlib.sha1, 2: hashlib.sha256}[hash_type]
        for k in range(n_code):
            want = cd[hash_off + k * hash_size:hash_off + (k + 1) * hash_size]
            if algo(d[k * page:min((k + 1) * page, limit)]).digest()[:hash_size] != want:
                problems.append(f"code signature: page {k} does not match its hash")
                break
        checked += n_code
    if not checked:
        problems.append("code signature without a CodeDirectory")
    signed = f"ad hoc, {checked} page hashes checked"
print(f"{path}: macOS {minos}, signed: {signed}, loads {', '.join(dylibs)}")
if problems:
    sys.exit("check_macho: " + "; ".join(problems))
PY
}

# A zip whose bytes depend only on the binary and SOURCE_DATE_EPOCH.
package() {
  python3 - "$1" "$2" "$3" <<'PY'
import os, sys, time, zipfile
src, entry, dest = sys.argv[1:]
t = time.gmtime(max(int(os.environ["SOURCE_DATE_EPOCH"]), 315532800))  # zip starts at 1980
info = zipfile.ZipInfo(entry, date_time=t[:6])
info.create_system = 3  # unix, so the mode below is honoured
info.external_attr = (0o100755 << 16)
info.compress_type = zipfile.ZIP_DEFLATED
with open(src, "rb") as f, zipfile.ZipFile(dest, "w") as z:
    z.writestr(info, f.read(), compresslevel=9)
PY
}

built=()
missing=()
# Build logs stay after the run (target/ is not part of the release).
logs="$root/target/release-logs/$version"
for p in $platforms; do
  exe_name="${name}_v${version}"
  [ "${p%%_*}" = windows ] && exe_name="$exe_name.exe"
  if [ -n "${prebuilt[$p]:-}" ]; then
    exe="${prebuilt[$p]}"
    [ -f "$exe" ] || die "--binary $p: $exe does not exist"
  else
    echo "release: building $p ($(triple "$p"))" >&2
    mkdir -p "$logs"
    rm -f "$logs/$p.log"
    if ! exe="$(build "$p" "$logs/$p.log")"; then
      reason="$(grep -v -E '^ *(Compiling|Checking|Finished|Running)' "$logs/$p.log" |
        grep -m4 -E '^error|error:|not found|unable to|undefined|check_macho' | cut -c1-300 || true)"
      case "$allow_missing" in
        *" $p "* | *" ${p%%_*} "*)
          echo "release: SKIPPED $p (allowed missing): build failed (log: $logs/$p.log): ${reason:-see the log}" >&2
          missing+=("$p")
          continue
          ;;
      esac
      tail -40 "$logs/$p.log" >&2
      die "building $p failed, log in $logs/$p.log (pass --allow-missing $p to release without it)"
    fi
  fi
  zip="$out/${name}_${version}_${p}.zip"
  package "$exe" "$exe_name" "$zip"
  built+=("$p")
  echo "release: $p -> $(basename "$zip") ($(stat -c %s "$zip") bytes)" >&2
done
[ ${#built[@]} -gt 0 ] || die "no platform was built"

cp "$root/terraform-registry-manifest.json" "$out/${name}_${version}_manifest.json"
(
  cd "$out"
  LC_ALL=C sha256sum "${name}_${version}_"*.zip "${name}_${version}_manifest.json" | LC_ALL=C sort -k2 >"${name}_${version}_SHA256SUMS"
)

# Signing: a throwaway keyring for an armoured key, or the keyring as it is.
sign_args=(--batch --yes --detach-sign)
if [ -n "${GPG_PRIVATE_KEY:-}" ]; then
  GNUPGHOME="$(mktemp -d)"
  export GNUPGHOME
  trap 'gpgconf --kill gpg-agent 2>/dev/null; rm -rf "$GNUPGHOME"' EXIT
  gpg_import_args=(--batch --quiet --import)
  if [ -n "${GPG_PASSPHRASE:-}" ]; then
    gpg_import_args=(--batch --quiet --pinentry-mode loopback --passphrase-fd 3 --import)
  fi
  printf '%s\n' "$GPG_PRIVATE_KEY" | gpg "${gpg_import_args[@]}" 3<<<"${GPG_PASSPHRASE:-}" 2>/dev/null ||
    die "GPG_PRIVATE_KEY could not be imported"
  key="$(gpg --batch --with-colons --list-secret-keys | awk -F: '$1 == "fpr" { print $10; exit }')"
else
  key="$GPG_FINGERPRINT"
fi
sign_args+=(--local-user "$key")
if [ -n "${GPG_PASSPHRASE:-}" ]; then
  sign_args+=(--pinentry-mode loopback --passphrase-fd 3)
fi
gpg "${sign_args[@]}" --output "$out/${name}_${version}_SHA256SUMS.sig" \
  "$out/${name}_${version}_SHA256SUMS" 3<<<"${GPG_PASSPHRASE:-}" ||
  die "signing with key $key failed"

echo "release: $version in $out: ${built[*]}${missing[*]:+ (missing: ${missing[*]})}" >&2
ls -l "$out" >&2
