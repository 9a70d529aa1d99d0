//! The environment Terraform (go-plugin) sets for a plugin process, read in one place.
//!
//! Every variable the server looks at is read here, through a lookup function, so
//! the rules are unit-tested without touching the process environment.

use std::fmt;

/// go-plugin's magic cookie for Terraform providers. Its only purpose is to tell a
/// user who runs the binary by hand that it is a plugin.
pub const MAGIC_COOKIE_KEY: &str = "TF_PLUGIN_MAGIC_COOKIE";
/// The value Terraform sets for [`MAGIC_COOKIE_KEY`].
pub const MAGIC_COOKIE_VALUE: &str =
    "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2";
/// The only plugin protocol major version this provider speaks.
pub const PROTOCOL_VERSION: u32 = 6;

/// What the server needs to know about how Terraform launched it.
#[derive(Clone, PartialEq, Eq)]
pub struct PluginEnv {
    /// Terraform's client certificate (PEM) for AutoMTLS; `None` means plaintext
    /// (`TF_DISABLE_PLUGIN_TLS`).
    pub client_cert_pem: Option<String>,
    /// `PLUGIN_MIN_PORT..=PLUGIN_MAX_PORT`, when both are set and sensible. Advisory.
    pub port_range: Option<(u16, u16)>,
}

impl fmt::Debug for PluginEnv {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PluginEnv")
            .field(
                "client_cert",
                &self.client_cert_pem.as_ref().map(|_| "<pem>"),
            )
            .field("port_range", &self.port_range)
            .finish()
    }
}

/// Why the process cannot act as a plugin.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StartupError {
    /// The magic cookie is missing or wrong: a human ran the binary.
    #[error(
        "This binary is a plugin. It is not meant to be executed directly: \
         Terraform starts it when a configuration uses the aliyun provider. \
         To attach a debugger, run it with --debug instead."
    )]
    NotAPluginHost,
    /// Terraform offers no protocol version we speak.
    #[error(
        "Terraform offers plugin protocol versions {offered:?}, but this provider speaks only \
         version {PROTOCOL_VERSION} (Terraform 1.0 or later)."
    )]
    UnsupportedProtocol {
        /// The raw `PLUGIN_PROTOCOL_VERSIONS` value.
        offered: String,
    },
}

impl PluginEnv {
    /// Reads the process environment.
    pub fn from_env() -> Result<PluginEnv, StartupError> {
        Self::from_lookup(|k| std::env::var(k).ok())
    }

    /// Reads the variables through `get` (the environment, or a table in tests).
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<PluginEnv, StartupError> {
        if get(MAGIC_COOKIE_KEY).as_deref() != Some(MAGIC_COOKIE_VALUE) {
            return Err(StartupError::NotAPluginHost);
        }
        // go-plugin falls back to the plugin's own version when the list is absent.
        if let Some(offered) = get("PLUGIN_PROTOCOL_VERSIONS") {
            let speaks_ours = offered
                .split(',')
                .any(|v| v.trim().parse::<u32>() == Ok(PROTOCOL_VERSION));
            if !speaks_ours {
                return Err(StartupError::UnsupportedProtocol { offered });
            }
        }
        let client_cert_pem = get("PLUGIN_CLIENT_CERT").filter(|c| !c.trim().is_empty());
        let port = |k: &str| get(k).and_then(|v| v.trim().parse::<u16>().ok());
        let port_range = match (port("PLUGIN_MIN_PORT"), port("PLUGIN_MAX_PORT")) {
            (Some(min), Some(max)) if min > 0 && min <= max => Some((min, max)),
            _ => None,
        };
        Ok(PluginEnv {
            client_cert_pem,
            port_range,
        })
    }
}

/// The log level asked for: `TF_LOG_PROVIDER`, else `TF_LOG`, else info.
pub fn log_level() -> log::LevelFilter {
    log_level_from(|k| std::env::var(k).ok())
}

/// [`log_level`] through a lookup function.
pub fn log_level_from(get: impl Fn(&str) -> Option<String>) -> log::LevelFilter {
    let parse = |v: String| -> Option<log::LevelFilter> {
        use log::LevelFilter as L;
        Some(match v.trim().to_ascii_lowercase().as_str() {
            // `json` is Terraform's "trace, as JSON".
            "trace" | "json" => L::Trace,
            "debug" => L::Debug,
            "info" => L::Info,
            "warn" => L::Warn,
            "error" => L::Error,
            "off" => L::Off,
            _ => return None,
        })
    };
    get("TF_LOG_PROVIDER")
        .and_then(parse)
        .or_else(|| get("TF_LOG").and_then(parse))
        .unwrap_or(log::LevelFilter::Info)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let m: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |k| m.get(k).cloned()
    }

    #[test]
    fn without_cookie_it_is_not_a_plugin() {
        assert_eq!(
            PluginEnv::from_lookup(env(&[])),
            Err(StartupError::NotAPluginHost)
        );
        assert_eq!(
            PluginEnv::from_lookup(env(&[(MAGIC_COOKIE_KEY, "nope")])),
            Err(StartupError::NotAPluginHost)
        );
        assert!(StartupError::NotAPluginHost
            .to_string()
            .starts_with("This binary is a plugin."));
    }

    #[test]
    fn protocol_6_must_be_offered() {
        let ok = PluginEnv::from_lookup(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "6,5"),
        ]));
        assert!(ok.is_ok());
        let old = PluginEnv::from_lookup(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "4,5"),
        ]));
        assert!(matches!(old, Err(StartupError::UnsupportedProtocol { .. })));
    }

    #[test]
    fn reads_cert_and_ports() {
        let e = PluginEnv::from_lookup(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_PROTOCOL_VERSIONS", "5,6"),
            ("PLUGIN_CLIENT_CERT", "-----BEGIN CERTIFICATE-----\n..."),
            ("PLUGIN_MIN_PORT", "10000"),
            ("PLUGIN_MAX_PORT", "25000"),
        ]))
        .unwrap();
        assert!(e.client_cert_pem.is_some());
        assert_eq!(e.port_range, Some((10000, 25000)));

        let plain = PluginEnv::from_lookup(env(&[
            (MAGIC_COOKIE_KEY, MAGIC_COOKIE_VALUE),
            ("PLUGIN_MIN_PORT", "30000"),
            ("PLUGIN_MAX_PORT", "20000"),
        ]))
        .unwrap();
        assert_eq!(plain.client_cert_pem, None);
        assert_eq!(plain.port_range, None);
    }

    #[test]
    fn log_level_prefers_provider_setting() {
        use log::LevelFilter as L;
        assert_eq!(log_level_from(env(&[])), L::Info);
        assert_eq!(log_level_from(env(&[("TF_LOG", "DEBUG")])), L::Debug);
        assert_eq!(log_level_from(env(&[("TF_LOG", "json")])), L::Trace);
        assert_eq!(
            log_level_from(env(&[("TF_LOG", "trace"), ("TF_LOG_PROVIDER", "warn")])),
            L::Warn
        );
        assert_eq!(
            log_level_from(env(&[("TF_LOG", "error"), ("TF_LOG_PROVIDER", "bogus")])),
            L::Error
        );
        assert_eq!(log_level_from(env(&[("TF_LOG", "off")])), L::Off);
    }
}
