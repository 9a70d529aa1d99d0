//! Fault injection. Every API request (never `/_emulator/`) may be faulted,
//! either by chance (`rate`, deterministic for a given `seed` and request
//! order) or by a scripted queue (`Handle::push_fault`), which wins.
//!
//! A fault strikes *before* processing (no side effect) or *after* it (the
//! side effect happened, the client gets an error or a dropped connection):
//! the second kind is what makes ClientToken idempotency observable.

use std::collections::VecDeque;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::error::EmuError;

/// What goes wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// 400 `Throttling.User`, sometimes with `x-acs-retry-after` (ms).
    Throttling,
    /// 503 `ServiceUnavailable`.
    Unavailable,
    /// 500 `InternalError`.
    Internal,
    /// The connection is closed without a complete HTTP response.
    Drop,
}

/// All kinds, the default pool.
pub const ALL_KINDS: [FaultKind; 4] = [
    FaultKind::Throttling,
    FaultKind::Unavailable,
    FaultKind::Internal,
    FaultKind::Drop,
];

/// When it strikes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultPhase {
    /// Before the request is processed: no side effect.
    #[default]
    Before,
    /// After the request was processed: side effect done, answer lost.
    After,
}

/// One concrete fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fault {
    /// Kind.
    pub kind: FaultKind,
    /// Phase.
    #[serde(default)]
    pub phase: FaultPhase,
    /// For throttling: value of `x-acs-retry-after` in ms.
    #[serde(default)]
    pub retry_after_ms: Option<u64>,
}

impl Fault {
    /// A fault of `kind` striking in `phase`, without retry-after.
    pub fn new(kind: FaultKind, phase: FaultPhase) -> Self {
        Fault {
            kind,
            phase,
            retry_after_ms: None,
        }
    }

    /// The error answered for this fault (`None` for a dropped connection).
    pub fn error(&self) -> Option<EmuError> {
        match self.kind {
            FaultKind::Throttling => Some(EmuError::throttling()),
            FaultKind::Unavailable => Some(EmuError::unavailable()),
            FaultKind::Internal => Some(EmuError::internal()),
            FaultKind::Drop => None,
        }
    }

    /// Short label for logs, e.g. `throttling/after`.
    pub fn label(&self) -> String {
        let k = match self.kind {
            FaultKind::Throttling => "throttling",
            FaultKind::Unavailable => "unavailable",
            FaultKind::Internal => "internal",
            FaultKind::Drop => "drop",
        };
        let p = match self.phase {
            FaultPhase::Before => "before",
            FaultPhase::After => "after",
        };
        format!("{k}/{p}")
    }
}

/// Runtime fault settings (`POST /_emulator/faults` body as well).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct FaultSettings {
    /// Probability of a random fault per API request.
    pub rate: f64,
    /// Seed of the generator; setting it restarts the sequence.
    pub seed: u64,
    /// Actions subject to random faults; empty = all.
    pub actions: Vec<String>,
    /// Kinds to draw from; empty = all.
    pub kinds: Vec<FaultKind>,
    /// Probability that a random fault strikes after processing.
    pub after_ratio: Option<f64>,
}

/// A scripted fault for the next matching request.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScriptedFault {
    /// Action it applies to; empty or `*` = the next API request whatever its action.
    #[serde(default)]
    pub action: String,
    /// The fault.
    #[serde(flatten)]
    pub fault: Fault,
}

/// Fault generator state.
#[derive(Debug)]
pub struct FaultState {
    rate: f64,
    seed: u64,
    actions: Vec<String>,
    kinds: Vec<FaultKind>,
    after_ratio: f64,
    rng: StdRng,
    script: VecDeque<ScriptedFault>,
}

impl FaultState {
    /// New generator.
    pub fn new(
        rate: f64,
        seed: u64,
        actions: Vec<String>,
        kinds: Vec<FaultKind>,
        after: f64,
    ) -> Self {
        FaultState {
            rate: rate.clamp(0.0, 1.0),
            seed,
            actions,
            kinds,
            after_ratio: after.clamp(0.0, 1.0),
            rng: StdRng::seed_from_u64(seed),
            script: VecDeque::new(),
        }
    }

    /// Change rate and seed (restarting the sequence).
    pub fn set(&mut self, rate: f64, seed: u64) {
        self.rate = rate.clamp(0.0, 1.0);
        self.seed = seed;
        self.rng = StdRng::seed_from_u64(seed);
    }

    /// Apply runtime settings.
    pub fn apply(&mut self, s: &FaultSettings) {
        self.set(s.rate, s.seed);
        self.actions = s.actions.clone();
        self.kinds = s.kinds.clone();
        if let Some(a) = s.after_ratio {
            self.after_ratio = a.clamp(0.0, 1.0);
        }
    }

    /// Current settings.
    pub fn settings(&self) -> FaultSettings {
        FaultSettings {
            rate: self.rate,
            seed: self.seed,
            actions: self.actions.clone(),
            kinds: self.kinds.clone(),
            after_ratio: Some(self.after_ratio),
        }
    }

    /// Queue a scripted fault.
    pub fn push(&mut self, f: ScriptedFault) {
        self.script.push_back(f);
    }

    /// Drop queued scripted faults.
    pub fn clear_script(&mut self) {
        self.script.clear();
    }

    /// Decide the fate of one API request.
    pub fn roll(&mut self, action: &str) -> Option<Fault> {
        if let Some(pos) = self
            .script
            .iter()
            .position(|s| s.action.is_empty() || s.action == "*" || s.action == action)
        {
            return self.script.remove(pos).map(|s| s.fault);
        }
        if self.rate <= 0.0
            || !(self.actions.is_empty() || self.actions.iter().any(|a| a == action))
        {
            return None;
        }
        if self.rng.random::<f64>() >= self.rate {
            return None;
        }
        let pool: &[FaultKind] = if self.kinds.is_empty() {
            &ALL_KINDS
        } else {
            &self.kinds
        };
        let kind = pool[self.rng.random_range(0..pool.len())];
        let phase = if self.rng.random::<f64>() < self.after_ratio {
            FaultPhase::After
        } else {
            FaultPhase::Before
        };
        // Half of the throttles carry a short retry-after, like the gateway sometimes does.
        let retry_after_ms = (kind == FaultKind::Throttling && self.rng.random::<bool>())
            .then(|| self.rng.random_range(10..=200));
        Some(Fault {
            kind,
            phase,
            retry_after_ms,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_faults() {
        let mut a = FaultState::new(0.5, 7, vec![], vec![], 0.5);
        let mut b = FaultState::new(0.5, 7, vec![], vec![], 0.5);
        let sa: Vec<_> = (0..50).map(|_| a.roll("X")).collect();
        let sb: Vec<_> = (0..50).map(|_| b.roll("X")).collect();
        assert_eq!(sa, sb);
        let n = sa.iter().filter(|f| f.is_some()).count();
        assert!((10..=40).contains(&n), "{n}");
        for f in sa.iter().flatten() {
            if let Some(ms) = f.retry_after_ms {
                assert!((10..=200).contains(&ms));
                assert_eq!(f.kind, FaultKind::Throttling);
            }
        }
    }

    #[test]
    fn rate_zero_and_action_filter() {
        let mut s = FaultState::new(0.0, 1, vec![], vec![], 0.5);
        assert!((0..100).all(|_| s.roll("X").is_none()));
        let mut s = FaultState::new(1.0, 1, vec!["Only".into()], vec![FaultKind::Internal], 0.0);
        assert!(s.roll("Other").is_none());
        assert_eq!(
            s.roll("Only"),
            Some(Fault::new(FaultKind::Internal, FaultPhase::Before))
        );
    }

    #[test]
    fn scripted_faults_win_and_are_consumed_once() {
        let mut s = FaultState::new(0.0, 1, vec![], vec![], 0.5);
        let f = Fault::new(FaultKind::Drop, FaultPhase::After);
        s.push(ScriptedFault {
            action: "CreateImageCache".into(),
            fault: f,
        });
        assert_eq!(s.roll("DescribeImageCaches"), None);
        assert_eq!(s.roll("CreateImageCache"), Some(f));
        assert_eq!(s.roll("CreateImageCache"), None);
    }
}
