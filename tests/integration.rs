//! The single integration test binary. Each module drives one layer against
//! real processes (the emulator, later `terraform`).

/// The Alibaba Cloud API client against the emulator: every action, error
/// paths, pagination, retries under faults, cancellation and deadlines.
mod api_client;
