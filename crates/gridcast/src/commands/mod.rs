//! Command-line parsing and dispatch.

mod backtest_summary;
mod cross_validate;
mod fit;
mod forecast;
mod generate;
mod invoke;
mod process;
mod prophet_args;
mod remote;
mod serve;
mod train;
mod users;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// gridcast: per-customer Prophet forecasting, compatible with Python Prophet.
#[derive(Debug, Parser)]
#[command(name = "gridcast", version, about)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Write a synthetic consumption dataset shaped like the seed's.
    Generate(generate::Args),
    /// Split a consumption CSV into one file per customer.
    Process(process::Args),
    /// Train one model per customer file, in parallel (or as a SageMaker training job).
    Train(train::Args),
    /// Fit one model from a customer CSV and write its artifact.
    Fit(fit::Args),
    /// Backtest one customer as Prophet's cross_validation and performance_metrics do.
    CrossValidate(cross_validate::Args),
    /// Merge a sharded run's training reports into one fleet backtest summary.
    BacktestSummary(backtest_summary::Args),
    /// Forecast from a model artifact; prints the seed endpoint's JSON.
    Forecast(forecast::Args),
    /// Serve the models as a SageMaker-compatible multi-model endpoint.
    Serve(serve::Args),
    /// Call an endpoint's InvokeEndpoint, signed with AWS credentials from the environment.
    Invoke(invoke::Args),
    /// Manage customer logins for the endpoint's /auth/login.
    Users(users::Args),
}

/// Runs the parsed command.
pub fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Generate(args) => generate::run(args),
        Command::Process(args) => process::run(args),
        Command::Train(args) => train::run(args),
        Command::Fit(args) => fit::run(args),
        Command::CrossValidate(args) => cross_validate::run(args),
        Command::BacktestSummary(args) => backtest_summary::run(args),
        Command::Forecast(args) => forecast::run(args),
        Command::Serve(args) => serve::run(args),
        Command::Invoke(args) => invoke::run(args),
        Command::Users(args) => users::run(args),
    }
}
