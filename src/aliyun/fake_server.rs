//! Test-only HTTP/1.1 server answering from a script, recording what it got.
//!
//! Lets the retry loop be unit-tested without the emulator: each accepted
//! request pops the next scripted [`Reply`] (the last one repeats), and the
//! decoded form parameters of every request are kept for assertions.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// One scripted answer.
#[derive(Clone, Debug)]
pub(crate) enum Reply {
    /// Status, extra headers, JSON body.
    Json(u16, Vec<(&'static str, String)>, String),
    /// Accept the request and never answer.
    Hang,
    /// Close the connection without answering.
    Drop,
}

impl Reply {
    pub(crate) fn ok(body: &str) -> Reply {
        Reply::Json(200, vec![], body.to_owned())
    }

    pub(crate) fn error(status: u16, code: &str) -> Reply {
        Reply::Json(
            status,
            vec![],
            format!(r#"{{"RequestId":"REQ-{code}","Code":"{code}","Message":"scripted {code}"}}"#),
        )
    }
}

/// Decoded form parameters of each request, in arrival order.
type RequestLog = Arc<Mutex<Vec<Vec<(String, String)>>>>;

pub(crate) struct FakeServer {
    pub(crate) addr: SocketAddr,
    requests: RequestLog,
}

impl FakeServer {
    pub(crate) async fn start(script: Vec<Reply>) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests: RequestLog = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let log = requests.clone();
        tokio::spawn(async move {
            loop {
                let Ok((mut sock, _)) = listener.accept().await else {
                    return;
                };
                let log = log.clone();
                let script = script.clone();
                tokio::spawn(async move {
                    loop {
                        let Some(body) = read_request(&mut sock).await else {
                            return;
                        };
                        log.lock().unwrap().push(parse_form(&body));
                        let reply = {
                            let mut s = script.lock().unwrap();
                            if s.len() > 1 {
                                s.pop_front().unwrap()
                            } else {
                                s.front().cloned().unwrap_or(Reply::Drop)
                            }
                        };
                        match reply {
                            Reply::Hang => {
                                tokio::time::sleep(Duration::from_secs(3600)).await;
                                return;
                            }
                            Reply::Drop => return,
                            Reply::Json(status, headers, body) => {
                                let mut head = format!(
                                    "HTTP/1.1 {status} X\r\ncontent-type: application/json\r\ncontent-length: {}\r\n",
                                    body.len()
                                );
                                for (k, v) in headers {
                                    head.push_str(&format!("{k}: {v}\r\n"));
                                }
                                head.push_str("\r\n");
                                head.push_str(&body);
                                if sock.write_all(head.as_bytes()).await.is_err() {
                                    return;
                                }
                            }
                        }
                    }
                });
            }
        });
        FakeServer { addr, requests }
    }

    pub(crate) fn endpoint(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Decoded form parameters of every request received so far.
    pub(crate) fn requests(&self) -> Vec<Vec<(String, String)>> {
        self.requests.lock().unwrap().clone()
    }
}

/// Reads one request; returns its body (None on EOF).
async fn read_request(sock: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(pos) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break pos + 4;
        }
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..header_end]).to_ascii_lowercase();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .map(|v| v.trim().parse().unwrap_or(0))
        .unwrap_or(0);
    while buf.len() < header_end + len {
        let n = sock.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Some(buf[header_end..header_end + len].to_vec())
}

fn parse_form(body: &[u8]) -> Vec<(String, String)> {
    let text = String::from_utf8_lossy(body);
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap();
                out.push(u8::from_str_radix(hex, 16).unwrap());
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).unwrap()
}
