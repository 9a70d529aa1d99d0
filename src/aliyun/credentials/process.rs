//! External process (CLI profile mode `External`, `process_command`).
//!
//! The command line is split like a POSIX shell word list (single and double
//! quotes, backslash escapes; no shell, no expansion), run with the
//! provider's environment, and must exit 0 within 60 s. Its stdout is
//! `{"mode": "AK" | "StsToken", "access_key_id", "access_key_secret",
//! "sts_token", "expiration"}`. With an `expiration` the credential is
//! refreshed like STS ones; without one the command runs again on the next
//! call (as both SDKs do). Neither stdout nor stderr is ever quoted in an error (they
//! may hold the secret); only the exit status and the stderr size are.

use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};

use serde::Deserialize;

use super::chain::{CredentialsError, Fetched, Source};
use super::{parse_expiration, Credentials};

/// How long the command may run.
pub const PROCESS_TIMEOUT: Duration = Duration::from_secs(60);

/// Splits a command line into words (POSIX-like quoting, no expansion).
pub fn split_command(line: &str) -> Result<Vec<String>, String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('\'') => break,
                        Some(c) => word.push(c),
                        None => return Err("unterminated single quote".into()),
                    }
                }
            }
            '"' => {
                in_word = true;
                loop {
                    match chars.next() {
                        Some('"') => break,
                        Some('\\') => match chars.next() {
                            Some(c @ ('"' | '\\' | '$' | '`')) => word.push(c),
                            Some('\n') => {}
                            Some(c) => {
                                word.push('\\');
                                word.push(c);
                            }
                            None => return Err("unterminated double quote".into()),
                        },
                        Some(c) => word.push(c),
                        None => return Err("unterminated double quote".into()),
                    }
                }
            }
            '\\' => match chars.next() {
                Some('\n') => {}
                Some(c) => {
                    in_word = true;
                    word.push(c);
                }
                None => return Err("trailing backslash".into()),
            },
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            c => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

/// The external process source.
pub struct ExternalProcess {
    command: String,
}

impl ExternalProcess {
    /// A source running `command`.
    pub fn new(command: &str) -> Self {
        ExternalProcess {
            command: command.to_string(),
        }
    }
}

#[derive(Deserialize)]
struct ProcessOutput {
    #[serde(default)]
    mode: String,
    #[serde(default)]
    access_key_id: String,
    #[serde(default)]
    access_key_secret: String,
    #[serde(default)]
    sts_token: String,
    #[serde(default)]
    expiration: Option<String>,
}

#[async_trait::async_trait]
impl Source for ExternalProcess {
    fn name(&self) -> String {
        let program = split_command(&self.command)
            .ok()
            .and_then(|w| w.into_iter().next())
            .unwrap_or_default();
        format!("external process {program}")
    }

    async fn fetch(&self) -> Result<Fetched, CredentialsError> {
        let err = |m: String| CredentialsError::new(self.name(), m);
        let words = split_command(&self.command)
            .map_err(|e| err(format!("cannot split process_command: {e}")))?;
        let Some((program, args)) = words.split_first() else {
            return Err(err("process_command is empty".into()));
        };
        let mut child = Command::new(program)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| err(format!("cannot start it: {e}")))?;
        let mut stdout = child.stdout.take().expect("stdout is piped");
        let mut stderr = child.stderr.take().expect("stderr is piped");
        let out_reader = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = stdout.read_to_end(&mut v);
            v
        });
        let err_reader = std::thread::spawn(move || {
            let mut v = Vec::new();
            let _ = stderr.read_to_end(&mut v);
            v
        });
        let deadline = tokio::time::Instant::now() + PROCESS_TIMEOUT;
        let status = loop {
            match child.try_wait() {
                Ok(Some(status)) => break status,
                Ok(None) if tokio::time::Instant::now() >= deadline => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(err(format!(
                        "did not finish within {} s",
                        PROCESS_TIMEOUT.as_secs()
                    )));
                }
                Ok(None) => tokio::time::sleep(Duration::from_millis(20)).await,
                Err(e) => return Err(err(format!("waiting for it failed: {e}"))),
            }
        };
        // A child the command left in the background may keep the pipes open:
        // give the readers a few seconds, never forever.
        let join = |reader: std::thread::JoinHandle<Vec<u8>>| async move {
            let joined = tokio::task::spawn_blocking(move || reader.join().unwrap_or_default());
            match tokio::time::timeout(Duration::from_secs(5), joined).await {
                Ok(Ok(bytes)) => Some(bytes),
                _ => None,
            }
        };
        let stdout = join(out_reader)
            .await
            .ok_or_else(|| err("its output did not end within 5 s of its exit".into()))?;
        let stderr = join(err_reader).await.unwrap_or_default();
        if !status.success() {
            return Err(err(format!(
                "exited with {status} ({} bytes on stderr)",
                stderr.len()
            )));
        }
        let o: ProcessOutput = serde_json::from_slice(&stdout).map_err(|_| {
            err("its output is not the expected JSON ({\"mode\", \"access_key_id\", \"access_key_secret\", \"sts_token\", \"expiration\"})".into())
        })?;
        if o.access_key_id.is_empty() || o.access_key_secret.is_empty() {
            return Err(err(
                "its output has no access_key_id or access_key_secret".into()
            ));
        }
        let mut credentials = Credentials::new(o.access_key_id, o.access_key_secret);
        match o.mode.as_str() {
            "StsToken" if o.sts_token.is_empty() => {
                return Err(err("mode StsToken without sts_token".into()))
            }
            "StsToken" => credentials = credentials.with_security_token(o.sts_token),
            "AK" | "" => {}
            other => return Err(err(format!("unsupported mode {other:?} (AK or StsToken)"))),
        }
        let expiration = match o.expiration.filter(|e| !e.is_empty()) {
            Some(e) => Some(
                parse_expiration(&e)
                    .ok_or_else(|| err(format!("the expiration {e:?} is not a UTC time")))?,
            ),
            // No expiration: run again on the next call (a one-second lifetime
            // falls inside the refresh margin at once).
            None => Some(SystemTime::now() + Duration::from_secs(1)),
        };
        Ok(Fetched {
            credentials,
            expiration,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting_honours_quotes_and_escapes() {
        assert_eq!(
            split_command(r#"/bin/get-creds --account 'prod eu' "a \"b\"" c\ d"#).unwrap(),
            vec!["/bin/get-creds", "--account", "prod eu", "a \"b\"", "c d"]
        );
        assert!(split_command("x 'open").is_err());
        assert_eq!(split_command("  ").unwrap(), Vec::<String>::new());
    }
}
