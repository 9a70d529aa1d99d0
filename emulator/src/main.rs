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
    let emu = Emulator::start(config.clone()).await.unwrap_or_else(|e| {
        eprintln!("aliyun-emulator: cannot listen on {}: {e}", config.listen);
        std::process::exit(1);
    });
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(cli::banner(&config, &emu).as_bytes());
    let _ = out.flush();
    drop(out);
    cli::shutdown_signal().await;
    emu.shutdown().await;
}
