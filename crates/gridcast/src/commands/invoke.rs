//! `gridcast invoke`: a signed InvokeEndpoint call, like the AWS CLI's
//! `sagemaker-runtime invoke-endpoint`, built by the same client code the
//! portal, the widget and the edge handler use.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context};
use gridcast_api::{ForecastRequest, FutureRows, Period};
use gridcast_client::request::{invoke, Target};
use gridcast_client::{EndpointSettings, Session};
use gridcast_model::Frame;

/// Forecast through an endpoint; credentials from AWS_ACCESS_KEY_ID,
/// AWS_SECRET_ACCESS_KEY and AWS_SESSION_TOKEN.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The endpoint's base URL (`https://runtime.sagemaker.us-east-1.amazonaws.com` for AWS).
    #[arg(long, default_value = "http://127.0.0.1:8080")]
    endpoint_url: String,
    /// Endpoint name.
    #[arg(long, default_value = "gridcast")]
    endpoint_name: String,
    /// Customer whose model to use (TargetModel `<customer>.tar.gz`).
    #[arg(
        long,
        conflicts_with = "target_model",
        required_unless_present = "target_model"
    )]
    customer: Option<String>,
    /// TargetModel, verbatim.
    #[arg(long)]
    target_model: Option<String>,
    /// Rows to forecast after the history (the seed's `{"period": N}`).
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=3650), conflicts_with = "future")]
    period: u32,
    /// The rows to forecast instead, with their future regressor values: a
    /// CSV with a header (`ds,temperature,...`), sent as `{"future": ...}`.
    #[arg(long)]
    future: Option<PathBuf>,
    /// SigV4 region.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    region: String,
}

fn env(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| {
        format!("{name} is not set (gridcast invoke signs with the AWS environment variables)")
    })
}

fn request(args: &Args) -> anyhow::Result<ForecastRequest> {
    let Some(path) = &args.future else {
        return Ok(ForecastRequest::period(Period::rows(args.period)?));
    };
    let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let frame = Frame::from_csv(&bytes).with_context(|| format!("in {}", path.display()))?;
    Ok(ForecastRequest::future(FutureRows::from_frame(&frame)))
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let token = std::env::var("AWS_SESSION_TOKEN").ok();
    let customer = args.customer.clone().unwrap_or_default();
    let mut session = Session::with_keys(
        customer,
        env("AWS_ACCESS_KEY_ID")?,
        env("AWS_SECRET_ACCESS_KEY")?,
        token,
    );
    session.target_model = args.target_model.clone();
    let settings = EndpointSettings::with_overrides(
        args.endpoint_url.clone(),
        Some(&args.region),
        Some(&args.endpoint_name),
        None,
    );
    let target = Target::new(&settings, &session).map_err(|p| anyhow::anyhow!("{p}"))?;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let prepared = invoke(&target, &session, &request(&args)?, now)
        .map_err(|p| anyhow::anyhow!("{p}"))?;
    let mut call = ureq::post(&prepared.url);
    for (name, value) in &prepared.headers {
        call = call.set(name, value);
    }
    match call.send_bytes(&prepared.body) {
        Ok(response) => {
            let text = response.into_string().context("reading the answer")?;
            writeln!(std::io::stdout().lock(), "{text}")?;
            Ok(ExitCode::SUCCESS)
        }
        Err(ureq::Error::Status(status, response)) => {
            let kind = response
                .header("x-amzn-ErrorType")
                .unwrap_or("error")
                .to_owned();
            let text = response.into_string().unwrap_or_default();
            let message = serde_json::from_str::<serde_json::Value>(&text)
                .ok()
                .and_then(|v| v["message"].as_str().map(str::to_owned))
                .unwrap_or(text);
            bail!("{kind} ({status}): {message}")
        }
        Err(e) => Err(e).with_context(|| format!("calling {}", prepared.url)),
    }
}
