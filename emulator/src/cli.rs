//! Command line of the `aliyun-emulator` binary (no parsing crate needed).

use std::net::SocketAddr;
use std::time::Duration;

use crate::config::{Config, PipelineOutcome, RoleSeed, TemplateSeed, Timings};
use crate::Handle;

/// Usage text.
pub const USAGE: &str = "\
usage: aliyun-emulator [options]

  --listen ADDR               address to listen on (default 127.0.0.1:0, port 0 picks one)
  --access-key-id ID          accepted AccessKey ID (default emulator)
  --access-key-secret S       its secret (default emulator-secret)
  --step-seconds F            duration of every transitional status (default 1)
  --fault-rate P              probability 0..1 that an API request is faulted (default 0)
  --fault-seed N              seed of the fault generator (default 0)
  --fault-actions A,B,...     restrict faults to these actions
  --latency-ms N              delay every API request by N ms
  --seed-template NAME[:OUTCOME]
                              create an image template at start (repeatable);
                              OUTCOME: SUCCESS (default), FAILED, TEST_FAILED,
                              PARTITION_SUCCESS, STUCK
  --role ARN[:MAX_SECONDS]    a RAM role STS can assume (repeatable; max session default 3600)
  --oidc-token TOKEN          the OIDC token AssumeRoleWithOIDC accepts
  --ecs-role NAME             RAM role of the emulated ECS instance (metadata endpoint)
  --ecs-credential-seconds N  lifetime of the instance role's credentials (default 21600)
  --imds-v2-disabled          refuse IMDSv2 tokens (clients fall back to IMDSv1)
  -h, --help                  this text
";

/// What the command line asks for.
#[derive(Debug)]
pub enum Command {
    /// Run with this configuration.
    Run(Box<Config>),
    /// Print the usage.
    Help,
}

/// Parse arguments (without the program name). Errors are one-line messages.
pub fn parse<I, S>(args: I) -> Result<Command, String>
where
    I: IntoIterator<Item = S>,
    S: Into<String>,
{
    let mut config = Config::default();
    let mut args = args.into_iter().map(Into::into);
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(Command::Help);
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = || -> Result<String, String> {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        match flag.as_str() {
            "--listen" => {
                let v = value()?;
                config.listen = v.parse::<SocketAddr>().map_err(|_| {
                    format!("--listen: {v:?} is not an address like 127.0.0.1:8080")
                })?;
            }
            "--access-key-id" => config.access_key_id = non_empty(&flag, value()?)?,
            "--access-key-secret" => config.access_key_secret = non_empty(&flag, value()?)?,
            "--step-seconds" => {
                let v = value()?;
                let secs: f64 = v
                    .parse()
                    .ok()
                    .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                    .ok_or_else(|| format!("--step-seconds: {v:?} is not a non-negative number"))?;
                config.timings = Timings::uniform(Duration::from_secs_f64(secs));
            }
            "--fault-rate" => {
                let v = value()?;
                config.fault_rate = v
                    .parse()
                    .ok()
                    .filter(|r: &f64| (0.0..=1.0).contains(r))
                    .ok_or_else(|| {
                        format!("--fault-rate: {v:?} is not a probability between 0 and 1")
                    })?;
            }
            "--fault-seed" => {
                let v = value()?;
                config.fault_seed = v
                    .parse()
                    .map_err(|_| format!("--fault-seed: {v:?} is not a non-negative integer"))?;
            }
            "--fault-actions" => {
                config.fault_actions = value()?
                    .split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(str::to_string)
                    .collect();
            }
            "--latency-ms" => {
                let v = value()?;
                let n: u64 = v
                    .parse()
                    .map_err(|_| format!("--latency-ms: {v:?} is not a non-negative integer"))?;
                config.latency = Duration::from_millis(n);
            }
            "--seed-template" => {
                let v = value()?;
                let (name, outcome) = match v.rsplit_once(':') {
                    Some((n, o)) => (
                        n.to_string(),
                        PipelineOutcome::parse(o).ok_or_else(|| {
                            format!("--seed-template: unknown outcome {o:?} (SUCCESS, FAILED, TEST_FAILED, PARTITION_SUCCESS, STUCK)")
                        })?,
                    ),
                    None => (v.clone(), PipelineOutcome::Success),
                };
                if name.is_empty() {
                    return Err("--seed-template: the template name is empty".into());
                }
                config.templates.push(TemplateSeed::new(name, outcome));
            }
            "--role" => {
                let v = value()?;
                let (arn, max) = match v.rsplit_once(':') {
                    Some((a, m)) if m.bytes().all(|b| b.is_ascii_digit()) && !m.is_empty() => {
                        let max: u64 = m
                            .parse()
                            .map_err(|_| format!("--role: {m:?} is not a number"))?;
                        if !(3600..=43200).contains(&max) {
                            return Err(format!(
                                "--role: the maximum session {max} is not 3600 to 43200 seconds"
                            ));
                        }
                        (a.to_string(), max)
                    }
                    _ => (v.clone(), 3600),
                };
                if !arn.starts_with("acs:ram::") || !arn.contains(":role/") {
                    return Err(format!(
                        "--role: {arn:?} is not a role ARN like acs:ram::123:role/name"
                    ));
                }
                let mut role = RoleSeed::new(arn);
                role.max_session_duration = max;
                config.roles.push(role);
            }
            "--oidc-token" => config.oidc_token = Some(non_empty(&flag, value()?)?),
            "--ecs-role" => config.ecs_role_name = Some(non_empty(&flag, value()?)?),
            "--ecs-credential-seconds" => {
                let v = value()?;
                let n: u64 = v.parse().ok().filter(|n| *n >= 60).ok_or_else(|| {
                    format!(
                        "--ecs-credential-seconds: {v:?} is not a number of seconds (60 or more)"
                    )
                })?;
                config.ecs_credential_lifetime = Duration::from_secs(n);
            }
            "--imds-v2-disabled" => config.imds_v2_disabled = true,
            other => return Err(format!("unknown argument {other:?} (see --help)")),
        }
    }
    Ok(Command::Run(Box::new(config)))
}

/// The startup text: first line exactly `listening on http://ADDR`, then the
/// credentials (the secret only when it is the public default) and the ids of
/// seeded templates.
pub fn banner(config: &Config, handle: &Handle) -> String {
    let default_secret = config.access_key_secret == Config::default().access_key_secret;
    let mut out = format!(
        "listening on {}\naccess key id: {}\naccess key secret: {}\n",
        handle.endpoint(),
        config.access_key_id,
        if default_secret {
            config.access_key_secret.as_str()
        } else {
            "(as given)"
        }
    );
    for (t, ip) in config.templates.iter().zip(handle.template_ids()) {
        let outcome = serde_json::to_value(t.outcome).unwrap_or_default();
        out.push_str(&format!(
            "template {} ({}): {ip}\n",
            t.name,
            outcome.as_str().unwrap_or_default()
        ));
    }
    out
}

/// Resolves on SIGINT or SIGTERM.
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}

fn non_empty(flag: &str, v: String) -> Result<String, String> {
    if v.is_empty() {
        Err(format!("{flag} cannot be empty"))
    } else {
        Ok(v)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str]) -> Config {
        match parse(args.iter().copied()).unwrap() {
            Command::Run(c) => *c,
            Command::Help => panic!("help"),
        }
    }

    #[test]
    fn defaults_and_flags() {
        let c = run(&[]);
        assert_eq!(c.listen.to_string(), "127.0.0.1:0");
        assert_eq!(
            (c.access_key_id.as_str(), c.access_key_secret.as_str()),
            ("emulator", "emulator-secret")
        );
        let c = run(&[
            "--listen",
            "127.0.0.1:9999",
            "--step-seconds=0.5",
            "--fault-rate",
            "0.25",
            "--fault-seed",
            "7",
            "--seed-template",
            "ok",
            "--seed-template",
            "bad:failed",
            "--access-key-id",
            "id",
            "--access-key-secret",
            "s",
            "--latency-ms",
            "5",
            "--fault-actions",
            "CreateImageCache,DescribeImageCaches",
        ]);
        assert_eq!(c.listen.port(), 9999);
        assert_eq!(c.timings.image_cache_creating, Duration::from_millis(500));
        assert_eq!((c.fault_rate, c.fault_seed), (0.25, 7));
        assert_eq!(c.templates.len(), 2);
        assert_eq!(c.templates[1].outcome, PipelineOutcome::Failed);
        assert_eq!(c.access_key_id, "id");
        assert_eq!(c.fault_actions.len(), 2);
        assert_eq!(c.latency, Duration::from_millis(5));
        let c = run(&[
            "--role",
            "acs:ram::1:role/deploy",
            "--role=acs:ram::1:role/long:43200",
            "--oidc-token",
            "jwt",
            "--ecs-role",
            "EcsRunner",
            "--ecs-credential-seconds",
            "900",
            "--imds-v2-disabled",
        ]);
        assert_eq!(c.roles.len(), 2);
        assert_eq!(
            (
                c.roles[0].max_session_duration,
                c.roles[1].arn.as_str(),
                c.roles[1].max_session_duration
            ),
            (3600, "acs:ram::1:role/long", 43200)
        );
        assert_eq!(c.oidc_token.as_deref(), Some("jwt"));
        assert_eq!(c.ecs_role_name.as_deref(), Some("EcsRunner"));
        assert_eq!(c.ecs_credential_lifetime, Duration::from_secs(900));
        assert!(c.imds_v2_disabled);
        assert!(parse(["--role", "deploy"])
            .unwrap_err()
            .contains("role ARN"));
    }

    #[test]
    fn errors_are_clear() {
        for (args, needle) in [
            (vec!["--listen", "nowhere"], "--listen"),
            (vec!["--fault-rate", "2"], "probability"),
            (vec!["--step-seconds"], "needs a value"),
            (vec!["--seed-template", "x:MAYBE"], "unknown outcome"),
            (vec!["--bogus"], "unknown argument"),
            (vec!["--access-key-id="], "cannot be empty"),
        ] {
            let e = parse(args.iter().copied()).unwrap_err();
            assert!(e.contains(needle), "{args:?}: {e}");
        }
        assert!(matches!(parse(["-h"]).unwrap(), Command::Help));
    }

    #[tokio::test]
    async fn banner_starts_with_the_listening_line() {
        let mut c = run(&["--seed-template", "t:STUCK"]);
        c.timings = Timings::zero();
        let h = crate::Emulator::start(c.clone()).await.unwrap();
        let text = banner(&c, &h);
        let mut lines = text.lines();
        assert_eq!(
            lines.next().unwrap(),
            format!("listening on {}", h.endpoint())
        );
        assert_eq!(lines.next().unwrap(), "access key id: emulator");
        assert_eq!(lines.next().unwrap(), "access key secret: emulator-secret");
        assert!(lines.next().unwrap().starts_with("template t (STUCK): ip-"));
        c.access_key_secret = "private".into();
        assert!(banner(&c, &h).contains("access key secret: (as given)"));
    }
}
