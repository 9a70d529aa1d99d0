#!/usr/bin/env bash
# The quick-start demo: builds the provider and the emulator, starts the emulator,
# applies examples/quickstart against it, shows the outputs, shows that a second
# plan has nothing to do, destroys everything and stops the emulator.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

cargo build --release -p terraform-provider-aliyun -p aliyun-emulator --bins

work="$(mktemp -d)"
emulator_pid=""
cleanup() {
  [ -n "$emulator_pid" ] && kill "$emulator_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# Start the emulator on a free port; its first line says where it listens.
"$root/target/release/aliyun-emulator" --listen 127.0.0.1:0 >"$work/emulator.log" 2>&1 &
emulator_pid=$!
for _ in $(seq 1 100); do
  grep -q '^listening on ' "$work/emulator.log" 2>/dev/null && break
  sleep 0.1
done
endpoint="$(sed -n 's/^listening on //p' "$work/emulator.log" | head -1)"
[ -n "$endpoint" ] || { echo "the emulator did not start:"; cat "$work/emulator.log"; exit 1; }
echo "emulator listening on $endpoint"

# Use the freshly built provider instead of the Registry's.
cat >"$work/terraformrc" <<RC
provider_installation {
  dev_overrides { "registry.terraform.io/aliyun-rs/aliyun" = "$root/target/release" }
  direct {}
}
RC
export TF_CLI_CONFIG_FILE="$work/terraformrc"
cp "$root"/examples/quickstart/*.tf "$work/"
cd "$work"
vars=(-var "endpoint=$endpoint")

start=$(date +%s)
terraform apply -auto-approve -input=false "${vars[@]}"
echo; echo "== outputs"; terraform output
echo; echo "== a second plan has nothing to do"
terraform plan -input=false -detailed-exitcode "${vars[@]}" && echo "No changes, as expected."
echo; echo "== destroy"
terraform destroy -auto-approve -input=false "${vars[@]}"
echo; echo "demo finished in $(( $(date +%s) - start ))s"
