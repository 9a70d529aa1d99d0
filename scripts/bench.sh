#!/usr/bin/env bash
# Performance figures of a release build (printed, not asserted: timings belong in
# benchmarks, not in tests). Needs cargo, python3, openssl and terraform.
#
#   scripts/bench.sh            # size, start-to-handshake latency, memory
#   scripts/bench.sh --demo     # also the quick-start demo's wall time
#   scripts/bench.sh --scale N [--latency-ms L] [--kinds image,data,null]
#                               # apply, plan and destroy N image caches, N data
#                               # caches and N terraform_data on the same Terraform:
#                               # wall times, ratios, API calls per phase, CPU, memory
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
cargo build --release -p terraform-provider-aliyun -p aliyun-emulator --bins >/dev/null 2>&1

if [ "${1:-}" = "--scale" ]; then
  n="${2:?--scale needs a number}"
  shift 2
  latency=0
  kinds="image,data,null"
  while [ $# -gt 0 ]; do
    case "$1" in
      --latency-ms) latency="${2:?--latency-ms needs a number}"; shift 2 ;;
      --kinds) kinds="${2:?--kinds needs a list}"; shift 2 ;;
      *) echo "unknown option $1" >&2; exit 2 ;;
    esac
  done
  exec python3 "$root/scripts/bench-scale.py" "$root" "$n" "$latency" "$kinds"
fi
bin="$root/target/release/terraform-provider-aliyun"

echo "release binary (stripped): $(( $(stat -c %s "$bin") / 1024 )) KiB"

# Terraform's AutoMTLS client certificate is an ECDSA P-521 CA certificate.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:secp521r1 -nodes -days 1 \
  -subj /CN=localhost -keyout "$work/key.pem" -out "$work/cert.pem" >/dev/null 2>&1

python3 - "$bin" "$work/cert.pem" <<'PY'
import os, resource, statistics, subprocess, sys, time
binary, cert = sys.argv[1], open(sys.argv[2]).read()
env = {
    "PATH": os.environ["PATH"],
    "TF_PLUGIN_MAGIC_COOKIE": "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
    "PLUGIN_PROTOCOL_VERSIONS": "5,6",
    "PLUGIN_CLIENT_CERT": cert,
    "TF_LOG_PROVIDER": "off",
}
runs = []
for _ in range(30):
    start = time.perf_counter()
    p = subprocess.Popen([binary], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    line = p.stdout.readline()
    runs.append((time.perf_counter() - start) * 1000)
    p.kill(); p.wait()
    assert line.startswith(b"1|6|tcp|"), line
runs.sort()
print(f"start-to-handshake (TLS, 30 runs): median {statistics.median(runs):.1f} ms, p90 {runs[26]:.1f} ms, min {runs[0]:.1f} ms")
print(f"peak memory of one provider process: {resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.1f} MiB")
PY

if [ "${1:-}" = "--demo" ]; then
  start=$(date +%s.%N)
  "$root/scripts/demo.sh" >"$work/demo.log" 2>&1 || { cat "$work/demo.log"; exit 1; }
  echo "quick-start demo (build already done): $(python3 -c "print(f'{$(date +%s.%N) - $start:.1f}')") s"
fi
