//! `gridcast invoke`: a signed InvokeEndpoint call, like the AWS CLI's
//! `sagemaker-runtime invoke-endpoint`.

use std::io::Write;
use std::process::ExitCode;

use anyhow::{bail, Context};
use gridcast_signing::{sign_request, Credentials, OutgoingRequest, Scope, SAGEMAKER_SERVICE};

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
    /// Rows to forecast.
    #[arg(long, default_value_t = 7, value_parser = clap::value_parser!(u32).range(1..=3650))]
    period: u32,
    /// SigV4 region.
    #[arg(long, env = "AWS_REGION", default_value = "us-east-1")]
    region: String,
}

fn env(name: &str) -> anyhow::Result<String> {
    std::env::var(name).with_context(|| {
        format!("{name} is not set (gridcast invoke signs with the AWS environment variables)")
    })
}

pub fn run(args: Args) -> anyhow::Result<ExitCode> {
    let mut credentials =
        Credentials::new(env("AWS_ACCESS_KEY_ID")?, env("AWS_SECRET_ACCESS_KEY")?);
    credentials.session_token = std::env::var("AWS_SESSION_TOKEN")
        .ok()
        .filter(|t| !t.is_empty());
    let target = match (args.target_model, args.customer) {
        (Some(t), _) => t,
        (None, Some(c)) => format!("{c}.tar.gz"),
        (None, None) => unreachable!("clap requires one"),
    };
    let base = args.endpoint_url.trim_end_matches('/');
    let url = format!("{base}/endpoints/{}/invocations", args.endpoint_name);
    let host = url
        .split("://")
        .nth(1)
        .and_then(|r| r.split('/').next())
        .context("endpoint URL has no host")?
        .to_owned();
    let body = format!("{{\"period\": {}}}", args.period);
    let headers = [
        ("host", host.as_str()),
        ("content-type", "application/json"),
        ("accept", "application/json"),
        ("x-amzn-sagemaker-target-model", target.as_str()),
    ];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_secs() as i64;
    let outgoing = OutgoingRequest {
        method: "POST",
        url: &url,
        headers: &headers,
        body: body.as_bytes(),
    };
    let scope = Scope {
        region: &args.region,
        service: SAGEMAKER_SERVICE,
    };
    let signed = sign_request(&outgoing, &credentials, scope, now)?;
    let mut request = ureq::post(&url);
    for (name, value) in headers.iter().filter(|(n, _)| *n != "host") {
        request = request.set(name, value);
    }
    for (name, value) in &signed {
        request = request.set(name, value);
    }
    match request.send_bytes(body.as_bytes()) {
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
        Err(e) => Err(e).with_context(|| format!("calling {url}")),
    }
}
