//! `gridcast`: train, serve and use thousands of per-customer Prophet models.

mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    init_logging();
    let cli = commands::Cli::parse();
    match commands::run(cli) {
        Ok(code) => code,
        Err(err) => {
            // A closed pipe (`gridcast forecast ... | head`) is not a failure.
            if err.chain().any(|e| {
                e.downcast_ref::<std::io::Error>()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) {
                return ExitCode::SUCCESS;
            }
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Log lines on stderr; `GRIDCAST_LOG` sets the level (default `info`).
fn init_logging() {
    let level = std::env::var("GRIDCAST_LOG")
        .ok()
        .and_then(|l| l.parse().ok())
        .unwrap_or(tracing::Level::INFO);
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}
