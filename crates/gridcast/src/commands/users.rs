//! `gridcast users`: the customer logins `/auth/login` checks.

use std::io::BufRead;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use gridcast_endpoint::login::add_user;
use gridcast_pipeline::CustomerId;

/// Manage customer logins.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: UsersCommand,
}

#[derive(Debug, clap::Subcommand)]
enum UsersCommand {
    /// Add a customer or change their password (read from the first line of standard input).
    Add {
        /// The users file (created if missing).
        #[arg(long, default_value = "users.json")]
        users: PathBuf,
        /// The customer id.
        #[arg(long)]
        customer: String,
    },
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    match args.command {
        UsersCommand::Add { users, customer } => {
            let customer = CustomerId::parse(&customer)?;
            let mut password = String::new();
            std::io::stdin()
                .lock()
                .read_line(&mut password)
                .context("reading the password from standard input")?;
            let password = password.trim_end_matches(['\r', '\n']);
            if password.chars().count() < 8 {
                bail!("the password must have at least 8 characters");
            }
            add_user(&users, &customer, password)?;
            eprintln!("customer {customer} can sign in ({})", users.display());
            Ok(ExitCode::SUCCESS)
        }
    }
}
