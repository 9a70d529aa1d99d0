//! The one integration test binary: it drives the built provider binary, the real
//! `terraform` (1.11, on PATH) and the emulator, over loopback.
//!
//! - `api_client`: the Alibaba Cloud API client against the emulator: every action,
//!   error paths, pagination, retries under faults, cancellation and deadlines.
//! - `protocol`: plugin start-up, handshake, mutual TLS, schema as Terraform sees it,
//!   debug mode.
//! - `image_cache`: `aliyun_eci_image_cache` acceptance tests.
//! - `data_cache`: `aliyun_eci_data_cache` acceptance tests.
//! - `pipeline_execution`: `aliyun_ecs_image_pipeline_execution` acceptance tests.
//! - `image_pipeline`: `aliyun_ecs_image_pipeline` and `aliyun_ecs_image_pipelines`
//!   acceptance tests.
//! - `coalesced_refresh`: a refresh of many caches answered from shared region
//!   listings: drift, out-of-band deletes, faults during pages, objects created or
//!   written while a listing runs.
//! - `data_sources`: the three list data sources over many objects and pages.
//! - `examples`: every file under `examples/` validated, the quick start applied.
//! - `field_conditions`: what real repositories do (provider settings from other
//!   resources, silent endpoints, outages during waits, downstream references to
//!   computed values, create-only values added later, equivalent image spellings).
//! - `reliability`: faults on every call (100 caches at a 30 % fault rate), timeouts,
//!   asynchronous failures, out-of-band drift and Ctrl-C: nothing orphaned or
//!   duplicated, errors quote the cloud, the next apply converges.
//! - `bad_input`: the corpus of invalid configurations (`tests/bad_input/`): each
//!   fails at validate, plan or apply with an error on the right attribute, without
//!   a crash and without reaching the API.
//! - `secrets`: the AccessKey secret, the STS token and registry passwords never
//!   appear in trace logs, outputs or errors; write-only passwords never in state.
//! - `credentials`: every credential source (static, STS token, profiles of each mode,
//!   assume_role, OIDC, ECS RAM role, credentials URI, external process) and every way
//!   to name it; refresh during a two-hour wait; two aliases; error diagnostics.
//! - `install`: `scripts/release.sh` packages a signed release; `terraform init`
//!   installs it from a local HTTPS registry (signature, lock file hashes, tampered
//!   zip, wrong key) and from a filesystem mirror, then applies with it.
//! - `sweep`: `tf-acc-sweep` removes only the objects tests left behind (by name
//!   prefix or tag), through an emulator reached by URL, and waits for them to go.
//! - `destroy_check`: the destroy check sees a leftover of any emulator kind, and
//!   spares seeded templates and finished builds.
//! - `acc`: acceptance steps (plan, apply, empty re-plans, import verify, destroy)
//!   against a per-test emulator.
//! - `util`: temporary Terraform workspaces wired to the built provider.

mod acc;
mod api_client;
mod bad_input;
mod coalesced_refresh;
mod credentials;
mod data_cache;
mod data_sources;
mod destroy_check;
mod examples;
mod field_conditions;
mod image_cache;
mod image_pipeline;
mod install;
mod pipeline_execution;
mod protocol;
mod reliability;
mod secrets;
mod sweep;
mod util;
