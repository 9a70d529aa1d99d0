#!/usr/bin/env python3
"""Scale benchmark (run through `scripts/bench.sh --scale N [--latency-ms L]`).

Against a fresh release-build emulator (statuses instant, every API request
delayed by L ms), on the same Terraform, one after another:

  - N aliyun_eci_image_cache: apply (create), plan (refresh), destroy
  - N aliyun_eci_data_cache:  apply, plan, destroy
  - N terraform_data:         apply, plan, destroy (Terraform's own cost: no provider)

For each phase it prints the wall time, its ratio to the same phase of
terraform_data, the API calls (from the emulator's /_emulator/calls), the CPU time
of Terraform and of the provider processes, and the provider's peak memory.
Provider figures come from a wrapper that Terraform starts instead of the provider
binary: it runs the binary, waits for it and records its rusage.

Usage: bench-scale.py ROOT N LATENCY_MS [KINDS]   (KINDS: image,data,null)
"""
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request

root, n, latency = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
kinds = (sys.argv[4] if len(sys.argv) > 4 else "image,data,null").split(",")
release = os.path.join(root, "target", "release")
work = tempfile.mkdtemp(prefix="tf-aliyun-bench-")

emulator = subprocess.Popen(
    [os.path.join(release, "aliyun-emulator"), "--listen", "127.0.0.1:0",
     "--step-seconds", "0", "--latency-ms", str(latency)],
    stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
endpoint = None
for line in emulator.stdout:
    m = re.match(r"listening on (\S+)", line)
    if m:
        endpoint = m.group(1)
        break
if not endpoint:
    sys.exit("the emulator did not start")

# The wrapper Terraform runs as the provider: records the provider's CPU and peak RSS.
plugin_dir = os.path.join(work, "plugin")
os.makedirs(plugin_dir)
usage_log = os.path.join(work, "provider-usage.jsonl")
wrapper = os.path.join(plugin_dir, "terraform-provider-aliyun")
with open(wrapper, "w") as f:
    f.write(f"""#!{sys.executable}
import json, os, resource, subprocess, sys
p = subprocess.Popen([{os.path.join(release, 'terraform-provider-aliyun')!r}] + sys.argv[1:])
while True:
    try:
        p.wait()
        break
    except KeyboardInterrupt:
        pass
u = resource.getrusage(resource.RUSAGE_CHILDREN)
me = resource.getrusage(resource.RUSAGE_SELF)
with open({usage_log!r}, "a") as log:
    log.write(json.dumps({{"cpu": u.ru_utime + u.ru_stime, "rss_kib": u.ru_maxrss,
                          "wrapper_cpu": me.ru_utime + me.ru_stime}}) + "\\n")
sys.exit(p.returncode)
""")
os.chmod(wrapper, 0o755)
with open(os.path.join(work, "terraformrc"), "w") as f:
    f.write('provider_installation {\n  dev_overrides { "aliyun-rs/aliyun" = "%s" }\n'
            '  direct {}\n}\n' % plugin_dir)

PROVIDER = f"""terraform {{
  required_providers {{
    aliyun = {{ source = "aliyun-rs/aliyun" }}
  }}
}}
provider "aliyun" {{
  region     = "cn-hangzhou"
  access_key = "emulator"
  secret_key = "emulator-secret"
  endpoints {{
    eci = "{endpoint}"
    ecs = "{endpoint}"
  }}
}}
"""
CONFIGS = {
    "image": PROVIDER + f"""
resource "aliyun_eci_image_cache" "c" {{
  count             = {n}
  image_cache_name  = "bench-${{count.index}}"
  images            = ["nginx:1.25"]
  security_group_id = "sg-bench001"
  vswitch_id        = "vsw-bench001"
}}
""",
    "data": PROVIDER + f"""
resource "aliyun_eci_data_cache" "d" {{
  count             = {n}
  name              = "bench-${{count.index}}"
  path              = "/bench/${{count.index}}"
  security_group_id = "sg-bench001"
  vswitch_id        = "vsw-bench001"
  data_source {{
    type    = "URL"
    options = {{ repoSource = "HuggingFace/Model", repoId = "org/bench" }}
  }}
}}
""",
    "null": f"""
resource "terraform_data" "t" {{
  count = {n}
  input = "bench-${{count.index}}"
}}
""",
}
LABEL = {"image": f"{n} image caches", "data": f"{n} data caches", "null": f"{n} terraform_data"}

env = {k: v for k, v in os.environ.items() if k in ("PATH", "TMPDIR", "LANG")}
env.update(HOME=work, TF_CLI_CONFIG_FILE=os.path.join(work, "terraformrc"),
           TF_IN_AUTOMATION="1", TF_INPUT="0", CHECKPOINT_DISABLE="1")


def calls():
    with urllib.request.urlopen(endpoint + "/_emulator/calls") as r:
        return json.load(r)["received"]


def provider_usage():
    if not os.path.exists(usage_log):
        return []
    with open(usage_log) as f:
        return [json.loads(line) for line in f]


def run(directory, args):
    """Runs terraform; returns (wall s, total CPU s of terraform and its children)."""
    start = time.perf_counter()
    p = subprocess.Popen(["terraform"] + args, cwd=directory, env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) not in (0, 2):
        sys.stdout.write(out.decode(errors="replace")[-4000:])
        sys.exit(f"terraform {' '.join(args)} failed")
    return wall, usage.ru_utime + usage.ru_stime


rows = []
for kind in kinds:
    directory = os.path.join(work, kind)
    os.makedirs(directory)
    with open(os.path.join(directory, "main.tf"), "w") as f:
        f.write(CONFIGS[kind])
    for phase, args in [
        ("apply", ["apply", "-auto-approve", "-input=false"]),
        ("plan", ["plan", "-input=false", "-detailed-exitcode"]),
        ("destroy", ["destroy", "-auto-approve", "-input=false"]),
    ]:
        before_calls, before_usage = calls(), len(provider_usage())
        wall, cpu_all = run(directory, args)
        after_calls = calls()
        used = provider_usage()[before_usage:]
        provider_cpu = sum(u["cpu"] for u in used)
        wrapper_cpu = sum(u["wrapper_cpu"] for u in used)
        peak = max((u["rss_kib"] for u in used), default=0) / 1024
        diff = {a: after_calls.get(a, 0) - before_calls.get(a, 0) for a in after_calls}
        diff = {a: c for a, c in diff.items() if c}
        rows.append(dict(kind=kind, phase=phase, wall=wall, calls=diff,
                         tf_cpu=cpu_all - provider_cpu - wrapper_cpu,
                         provider_cpu=provider_cpu, peak=peak))

emulator.kill()
shutil.rmtree(work, ignore_errors=True)

base = {r["phase"]: r["wall"] for r in rows if r["kind"] == "null"}
print(f"\nscale benchmark: N = {n}, API latency {latency} ms, release build, "
      f"{os.cpu_count()} CPU(s)\n")
print("| resources | phase | wall | vs terraform_data | API calls | Terraform CPU | provider CPU | provider peak RSS |")
print("|---|---|---|---|---|---|---|---|")
for r in rows:
    ratio = f"{r['wall'] / base[r['phase']]:.2f}x" if r["phase"] in base and r["kind"] != "null" else "-"
    total = sum(r["calls"].values())
    detail = ", ".join(f"{a} {c}" for a, c in sorted(r["calls"].items()))
    api = f"{total} ({detail})" if total else "0"
    prov = f"{r['provider_cpu']:.2f} s ({100 * r['provider_cpu'] / max(r['tf_cpu'], 1e-9):.1f} %)" \
        if r["kind"] != "null" else "-"
    peak = f"{r['peak']:.1f} MiB" if r["kind"] != "null" else "-"
    print(f"| {LABEL[r['kind']]} | {r['phase']} | {r['wall']:.1f} s | {ratio} | {api} | "
          f"{r['tf_cpu']:.1f} s | {prov} | {peak} |")
