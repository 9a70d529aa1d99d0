//! `aliyun-emulator`: run the emulator until SIGINT/SIGTERM.
//! The first stdout line is exactly `listening on http://ADDR`.

use std::io::Write;

use aliyun_emulator::cli::{self, Command};
use aliyun_emulator::Emulator;

#[tokio::main]
async fn main() {
    let config = match cli::parse(std::env::args().skip(1)) {
        Ok(Command::Run(c)) => *c,
        Ok(Command::Help) => return print!("{}", cli::USAGE),
        Err(e) => {
            eprintln!("aliyun-emulator: {e}\n\n{}", cli::USAGE);
            std::process::exit(2);
        }
    };
    let default_secret =
        config.access_key_secret == aliyun_emulator::Config::default().access_key_secret;
    let (id, secret) = (
        config.access_key_id.clone(),
        config.access_key_secret.clone(),
    );
    let templates = config.templates.clone();
    let emu = match Emulator::start(config).await {
        Ok(h) => h,
        Err(e) => {
            eprintln!("aliyun-emulator: cannot listen: {e}");
            std::process::exit(1);
        }
    };
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on {}", emu.endpoint());
    let _ = writeln!(out, "access key id: {id}");
    let _ = writeln!(
        out,
        "access key secret: {}",
        if default_secret {
            secret.as_str()
        } else {
            "(as given)"
        }
    );
    for (t, ip) in templates.iter().zip(emu.template_ids()) {
        let outcome = serde_json::to_value(t.outcome).unwrap_or_default();
        let _ = writeln!(
            out,
            "template {} ({}): {ip}",
            t.name,
            outcome.as_str().unwrap_or_default()
        );
    }
    let _ = out.flush();
    drop(out);
    wait_for_signal().await;
    emu.shutdown().await;
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut term = signal(SignalKind::terminate()).expect("install SIGTERM handler");
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
}
