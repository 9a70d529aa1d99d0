#!/usr/bin/env bash
# Runs the acceptance tests in real-cloud mode (ALIYUN_ACC_REAL=1) and reports what
# ran, what passed and what was skipped. Settings come from the environment (see
# "Testing against Alibaba Cloud" in the README and tests/acc/real.rs).
#
#   scripts/acc-real.sh                 # against the account in the environment
#   scripts/acc-real.sh --emulator      # proof run: starts aliyun-emulator as a separate
#                                       # process and reaches it only through its URL
#   scripts/acc-real.sh [--emulator] -- FILTER...   # cargo test filters (default below)
#
# Modules run: those ported to the real-cloud mode (their emulator-only assertions
# are guarded). Tests that only an emulator can run print `SKIPPED (emulator-only)`
# and are counted as skipped, not passed. Modules not ported yet are listed as not
# run. After the run, tf-acc-sweep deletes whatever a failed test left behind.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

# Acceptance modules that support the real-cloud mode, and those that do not yet.
ported=(coalesced_refresh:: credentials:: data_cache:: data_sources:: examples:: field_conditions:: image_cache:: image_pipeline:: pipeline_execution:: reliability:: secrets::)
not_ported=()

emulator=0
filters=()
while [ $# -gt 0 ]; do
  case "$1" in
    --emulator) emulator=1; shift ;;
    --) shift; filters=("$@"); break ;;
    *) echo "unknown argument $1" >&2; exit 2 ;;
  esac
done
[ ${#filters[@]} -gt 0 ] || filters=("${ported[@]}")

cargo build --tests --bins -p terraform-provider-aliyun -p aliyun-emulator >/dev/null 2>&1 ||
  cargo build --tests --bins -p terraform-provider-aliyun -p aliyun-emulator

work="$(mktemp -d)"
emu_pid=""
cleanup() {
  [ -z "$emu_pid" ] || kill "$emu_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

if [ "$emulator" = 1 ]; then
  # An emulator in its own process, with statuses that take time (5 s per step: an
  # image build runs for 20 s), its own credentials and an image template: the tests
  # know only its URL and the IDs below, like an account's.
  "$root/target/debug/aliyun-emulator" --listen 127.0.0.1:0 --step-seconds 5 \
    --access-key-id acc-real-id --access-key-secret acc-real-secret \
    --seed-template tf-acc-golden \
    >"$work/emulator.log" 2>&1 &
  emu_pid=$!
  for _ in $(seq 50); do
    url="$(grep -o 'http://[0-9.:]*' "$work/emulator.log" | head -1 || true)"
    [ -n "$url" ] && grep -q '^template ' "$work/emulator.log" && break
    sleep 0.1
  done
  [ -n "$url" ] || { cat "$work/emulator.log"; echo "the emulator did not start" >&2; exit 1; }
  template="$(sed -n 's/^template tf-acc-golden (SUCCESS): //p' "$work/emulator.log")"
  [ -n "$template" ] || { cat "$work/emulator.log"; echo "no template seeded" >&2; exit 1; }
  echo "emulator (separate process $emu_pid) at $url, image template $template"
  export ALIYUN_ACC_IMAGE_TEMPLATE_ID="$template"
  export ALIYUN_ACC_ENDPOINT="$url"
  export ALIBABA_CLOUD_ACCESS_KEY_ID=acc-real-id ALIBABA_CLOUD_ACCESS_KEY_SECRET=acc-real-secret
  export ALIBABA_CLOUD_REGION_ID="${ALIBABA_CLOUD_REGION_ID:-cn-hangzhou}"
  export ALIYUN_ACC_SECURITY_GROUP_ID=sg-realacc0001 ALIYUN_ACC_VSWITCH_ID=vsw-realacc0001
  export ALIYUN_ACC_SECURITY_GROUP_ID_2=sg-realacc0002
  export ALIYUN_ACC_ZONE_ID="${ALIBABA_CLOUD_REGION_ID}-g" ALIYUN_ACC_ZONE_ID_2="${ALIBABA_CLOUD_REGION_ID}-h"
  export ALIYUN_ACC_RESOURCE_GROUP_ID=rg-realacc0001 ALIYUN_ACC_RESOURCE_GROUP_ID_2=rg-realacc0002
  export ALIYUN_ACC_VSWITCH_ID_2=vsw-realacc0002 ALIYUN_ACC_EIP_ID=eip-realacc0001
  export ALIYUN_ACC_BANDWIDTH_PACKAGE_ID=cbwp-realacc0001 ALIYUN_ACC_IP_POOL_ID=pippool-realacc0001
fi
export ALIYUN_ACC_REAL=1

start=$(date +%s)
set +e
# libtest writes "test NAME ... " and its result apart, so a SKIPPED line (written
# to stderr by a test thread) could land in between: the two streams are kept apart,
# test lines from stdout, SKIPPED lines (and cargo's own messages) from stderr.
cargo test --test integration -- "${filters[@]}" --test-threads 4 2>"$work/stderr.log" | tee "$work/test.log"
status=${PIPESTATUS[0]}
cat "$work/stderr.log" >&2
set -e
elapsed=$(( $(date +%s) - start ))

passed=$(grep -cE '^test .* \.\.\. ok$' "$work/test.log" || true)
failed=$(grep -cE '^test .* \.\.\. FAILED$' "$work/test.log" || true)
# A whole test skipped returned at once (libtest says "ok"): not counted as passed.
whole=$(grep -E '^SKIPPED \((emulator-only test|needs account settings)\): ' "$work/stderr.log" |
  sed -E 's/^SKIPPED \([^)]*\): ([^:]+(::[^:]+)*): .*/\1/' | sort -u || true)
whole_count=$(printf '%s' "$whole" | grep -c . || true)
partial=$(grep -cE '^SKIPPED \(emulator-only assertion\)' "$work/stderr.log" || true)
echo
echo "== real-cloud mode summary ($elapsed s)"
echo "tests run and passed:      $(( passed - whole_count ))"
echo "tests failed:              $failed"
echo "tests skipped (whole):     $whole_count${whole:+ ($(echo $whole | tr ' ' ','))}"
echo "assertions skipped (emulator-only, in tests that ran): $partial"
[ ${#not_ported[@]} -eq 0 ] || echo "modules not ported to real-cloud mode (not run): ${not_ported[*]}"

if [ "$emulator" = 1 ]; then
  # Proof of the sweeper: a run that dies after creating objects (simulated by
  # applying, then throwing the state away) leaves them behind.
  echo "== leaving objects behind (an interrupted run)"
  mkdir -p "$work/leftovers"
  cat >"$work/leftovers/.terraformrc" <<EOF
provider_installation {
  dev_overrides {
    "aliyun-rs/aliyun" = "$root/target/debug"
  }
  direct {}
}
EOF
  cat >"$work/leftovers/main.tf" <<EOF
terraform {
  required_providers {
    aliyun = { source = "aliyun-rs/aliyun" }
  }
}
provider "aliyun" {
  region     = "$ALIBABA_CLOUD_REGION_ID"
  access_key = "$ALIBABA_CLOUD_ACCESS_KEY_ID"
  secret_key = "$ALIBABA_CLOUD_ACCESS_KEY_SECRET"
  endpoints {
    eci = "$ALIYUN_ACC_ENDPOINT"
    ecs = "$ALIYUN_ACC_ENDPOINT"
  }
}
resource "aliyun_eci_image_cache" "left" {
  count             = 3
  image_cache_name  = "tf-acc-left-\${count.index}"
  images            = ["nginx:1.25"]
  security_group_id = "$ALIYUN_ACC_SECURITY_GROUP_ID"
  vswitch_id        = "$ALIYUN_ACC_VSWITCH_ID"
  tags              = { "tf-acc" = "true" }
}
resource "aliyun_ecs_image_pipeline" "left" {
  name            = "tf-acc-left-template"
  base_image_type = "IMAGE_FAMILY"
  base_image      = "acs:alibaba_cloud_linux_3_2104_lts_x64"
  tags            = { "tf-acc" = "true" }
}
resource "aliyun_eci_image_cache" "not_ours" {
  image_cache_name  = "production-cache"
  images            = ["nginx:1.25"]
  security_group_id = "$ALIYUN_ACC_SECURITY_GROUP_ID"
  vswitch_id        = "$ALIYUN_ACC_VSWITCH_ID"
}
EOF
  (cd "$work/leftovers" && HOME="$work/leftovers" TF_CLI_CONFIG_FILE="$work/leftovers/.terraformrc" \
    CHECKPOINT_DISABLE=1 terraform apply -auto-approve -input=false -no-color >"$work/leftovers.log" 2>&1) ||
    { cat "$work/leftovers.log"; exit 1; }
  rm -f "$work/leftovers/terraform.tfstate"
  echo "3 caches and 1 image template named tf-acc-left-*, and 1 production-cache created; state thrown away"
fi

# Whatever a failed test left behind.
echo "== sweep"
sweep_status=0
"$root/target/debug/tf-acc-sweep" --yes || sweep_status=$?
if [ "$emulator" = 1 ]; then
  echo "== sweep again: nothing of ours may be left, production-cache must be"
  "$root/target/debug/tf-acc-sweep" | tee "$work/sweep2.log"
  grep -q "0 image cache(s), 0 data cache(s), 0 running image build(s), 0 image template(s)" "$work/sweep2.log" ||
    { echo "the sweeper left objects behind" >&2; exit 1; }
  python3 - "$ALIYUN_ACC_ENDPOINT" <<'PY' || { echo "the sweeper deleted an object that is not a test's" >&2; exit 1; }
import json, sys, urllib.request
state = json.load(urllib.request.urlopen(sys.argv[1] + "/_emulator/state"))
assert any(c.get("image_cache_name") == "production-cache" for c in state["image_caches"]), state
assert any(p.get("name") == "tf-acc-golden" for p in state["image_pipelines"]), "the account's template"
PY
  echo "production-cache and the account's image template survived"
fi
[ "$sweep_status" = 0 ] || exit "$sweep_status"
exit "$status"
