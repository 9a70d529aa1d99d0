//! Logging and crash reporting the way Terraform reads them from a plugin's stderr.
//!
//! go-plugin parses each stderr line that is a JSON object in hclog's format
//! (`@level`, `@message`, `@timestamp`, further keys as fields) and re-logs it at that
//! level, so `TF_LOG=debug terraform apply` shows our debug lines and `TF_LOG=info`
//! hides them. A line starting with `panic: ` marks a crash: Terraform prints the
//! text after it under "The plugin crashed!".
//!
//! Every line logged while an RPC is being served carries `tf_rpc` and, when there is
//! one, `tf_resource_type` (the names terraform-plugin-go uses), through a task-local
//! context set by [`in_rpc`], so driver and resource code need not pass them along.

use std::fmt::Write as _;
use std::future::Future;
use std::io::Write as _;
use std::time::{SystemTime, UNIX_EPOCH};

tokio::task_local! {
    static RPC: RpcContext;
}

/// The RPC being served by the current task.
#[derive(Debug, Clone)]
pub struct RpcContext {
    /// RPC name, e.g. `PlanResourceChange`.
    pub rpc: &'static str,
    /// Resource or data source type; empty for provider-level RPCs.
    pub type_name: String,
}

/// Runs `f` with every log line inside it tagged with `rpc` and `type_name`.
pub async fn in_rpc<F: Future>(rpc: &'static str, type_name: &str, f: F) -> F::Output {
    let cx = RpcContext {
        rpc,
        type_name: type_name.to_string(),
    };
    RPC.scope(cx, f).await
}

/// Writes hclog JSON lines to stderr.
struct HclogLogger {
    level: log::LevelFilter,
}

/// Whether a log target is this provider's own code (the rest is libraries:
/// reqwest, hyper, rustls, whose debug lines speak their internals, such as
/// `starting new connection 'Some("127.0.0.1")'`).
fn is_ours(target: &str) -> bool {
    target.starts_with("terraform_provider_aliyun") || target == "tfplugin6"
}

impl log::Log for HclogLogger {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        // Libraries speak below warnings at `TF_LOG=trace` only.
        let limit = if is_ours(metadata.target()) || self.level == log::LevelFilter::Trace {
            self.level
        } else {
            self.level.min(log::LevelFilter::Warn)
        };
        metadata.level() <= limit
    }

    fn log(&self, record: &log::Record<'_>) {
        if !self.enabled(record.metadata()) {
            return;
        }
        let cx = RPC.try_with(Clone::clone).ok();
        let line = hclog_line(record, SystemTime::now(), cx.as_ref());
        // One write per line so concurrent lines do not interleave.
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }

    fn flush(&self) {
        let _ = std::io::stderr().flush();
    }
}

/// Installs the stderr logger at `level` (once per process; later calls are ignored).
pub fn install(level: log::LevelFilter) {
    let logger: &'static HclogLogger = Box::leak(Box::new(HclogLogger { level }));
    if log::set_logger(logger).is_ok() {
        log::set_max_level(level);
    }
}

/// One hclog JSON line, newline-terminated.
fn hclog_line(record: &log::Record<'_>, now: SystemTime, cx: Option<&RpcContext>) -> String {
    let level = match record.level() {
        log::Level::Error => "error",
        log::Level::Warn => "warn",
        log::Level::Info => "info",
        log::Level::Debug => "debug",
        log::Level::Trace => "trace",
    };
    let mut m = serde_json::Map::new();
    m.insert("@level".into(), level.into());
    m.insert("@message".into(), record.args().to_string().into());
    m.insert("@module".into(), "provider".into());
    m.insert("@timestamp".into(), timestamp(now).into());
    m.insert("target".into(), record.target().into());
    if let Some(cx) = cx {
        m.insert("tf_rpc".into(), cx.rpc.into());
        if !cx.type_name.is_empty() {
            m.insert("tf_resource_type".into(), cx.type_name.clone().into());
        }
    }
    let mut line = serde_json::Value::Object(m).to_string();
    line.push('\n');
    line
}

/// `2026-11-22T10:00:00.000000Z`: UTC with microseconds, as hclog writes it.
fn timestamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, mo, da) = civil_from_days(days);
    let mut s = String::with_capacity(27);
    let _ = write!(
        s,
        "{y:04}-{mo:02}-{da:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_micros()
    );
    s
}

/// Proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    // Shift the epoch to 0000-03-01 so leap days fall at the end of a 400-year era.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097); // day of era, 0..=146096
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365; // 0..=399
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100); // day of year from March 1st
    let mp = (5 * doy + 2) / 153; // month from March, 0..=11
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Makes a panic look like a Go panic to Terraform, then ends the process.
///
/// Terraform recognises a crash by a stderr line starting with `panic: ` and reports
/// "The plugin crashed!" with what follows. Exiting at once (as a Go program does)
/// matters too: a panic caught inside one request task would otherwise leave
/// Terraform waiting on an answer or reporting a vague RPC error.
pub fn install_panic_hook() {
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .map(|s| (*s).to_string())
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(non-string panic payload)".to_string());
        let location = info
            .location()
            .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()))
            .unwrap_or_else(|| "unknown location".to_string());
        let thread = std::thread::current();
        let backtrace = std::backtrace::Backtrace::force_capture();
        let text = panic_report(
            &message,
            &location,
            thread.name().unwrap_or("<unnamed>"),
            &backtrace,
        );
        let _ = std::io::stderr().lock().write_all(text.as_bytes());
        std::process::exit(2);
    }));
}

/// The crash report: Terraform keys on the `panic: ` prefix of the first line.
fn panic_report(
    message: &str,
    location: &str,
    thread: &str,
    backtrace: &dyn std::fmt::Display,
) -> String {
    format!("panic: {message}\n\nthread '{thread}' panicked at {location}\n\n{backtrace}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn libraries_log_below_warnings_only_at_trace() {
        use log::Log as _;
        let at = |level, target| {
            log::MetadataBuilder::new()
                .level(level)
                .target(target)
                .build()
        };
        let debug = HclogLogger {
            level: log::LevelFilter::Debug,
        };
        assert!(debug.enabled(&at(log::Level::Debug, "terraform_provider_aliyun::aliyun")));
        assert!(debug.enabled(&at(log::Level::Debug, "tfplugin6")));
        assert!(!debug.enabled(&at(log::Level::Debug, "reqwest::connect")));
        assert!(debug.enabled(&at(log::Level::Warn, "reqwest::connect")));
        let trace = HclogLogger {
            level: log::LevelFilter::Trace,
        };
        assert!(trace.enabled(&at(log::Level::Debug, "reqwest::connect")));
    }

    #[test]
    fn timestamps_are_utc_with_microseconds() {
        assert_eq!(timestamp(UNIX_EPOCH), "1970-01-01T00:00:00.000000Z");
        // 2026-11-22T10:00:00.123456Z
        let t = UNIX_EPOCH + Duration::from_micros(1_795_341_600_123_456);
        assert_eq!(timestamp(t), "2026-11-22T10:00:00.123456Z");
        // A leap day.
        let t = UNIX_EPOCH + Duration::from_secs(951_782_400);
        assert_eq!(timestamp(t), "2000-02-29T00:00:00.000000Z");
    }

    #[test]
    fn lines_are_hclog_json() {
        let args = format_args!("planned {} changes", 2);
        let record = log::Record::builder()
            .level(log::Level::Debug)
            .target("terraform_provider_aliyun::driver")
            .args(args)
            .build();
        let cx = RpcContext {
            rpc: "PlanResourceChange",
            type_name: "aliyun_eci_image_cache".into(),
        };
        let line = hclog_line(&record, UNIX_EPOCH, Some(&cx));
        assert!(line.ends_with('\n') && !line.trim_end().contains('\n'));
        let v: serde_json::Value = serde_json::from_str(&line).unwrap();
        assert_eq!(v["@level"], "debug");
        assert_eq!(v["@message"], "planned 2 changes");
        assert_eq!(v["@module"], "provider");
        assert_eq!(v["@timestamp"], "1970-01-01T00:00:00.000000Z");
        assert_eq!(v["tf_rpc"], "PlanResourceChange");
        assert_eq!(v["tf_resource_type"], "aliyun_eci_image_cache");
    }

    #[test]
    fn panic_reports_look_like_go_panics() {
        let r = panic_report(
            "boom",
            "src/x.rs:1:2",
            "tokio-runtime-worker",
            &"  0: frame",
        );
        assert!(r.starts_with("panic: boom\n"), "{r}");
        assert!(r.contains("src/x.rs:1:2") && r.contains("0: frame"));
    }

    #[tokio::test]
    async fn rpc_context_is_visible_inside_the_scope_only() {
        let inside = in_rpc("ReadResource", "aliyun_x", async {
            RPC.try_with(|c| (c.rpc, c.type_name.clone())).ok()
        })
        .await;
        assert_eq!(inside, Some(("ReadResource", "aliyun_x".to_string())));
        assert!(RPC.try_with(|_| ()).is_err());
    }
}
