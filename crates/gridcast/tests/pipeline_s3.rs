//! process → train → serve with everything in a bucket of a real S3 API on
//! loopback (moto), and a store that goes away mid-run: retries, then a clear
//! error, never a half-written object.

mod common;

use std::process::{Command, Output};

use common::{aws_env, create_bucket, list, put_object, spawn_server, start_moto};

fn gridcast(endpoint: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gridcast"))
        .args(args)
        .envs(aws_env(endpoint))
        .env("GRIDCAST_STORE_RETRY_SECONDS", "2")
        .env("GRIDCAST_LOG", "warn")
        .output()
        .unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn process_train_and_serve_from_a_bucket() {
    let (moto, s3) = start_moto();
    create_bucket(&s3, "energy");
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("energy.csv");
    ok(gridcast(
        &s3,
        &[
            "generate",
            "--customers",
            "12",
            "--seed",
            "3",
            "--out",
            csv.to_str().unwrap(),
        ],
    ));
    put_object(
        &s3,
        "s3://energy/raw",
        "energy_consumption.csv",
        std::fs::read(&csv).unwrap(),
    );

    let out = ok(gridcast(
        &s3,
        &[
            "process",
            "--input",
            "s3://energy/raw/energy_consumption.csv",
            "--output",
            "s3://energy/processed",
        ],
    ));
    assert!(
        out.starts_with("wrote 12 customer files (4380 rows) to s3://energy/processed"),
        "{out}"
    );
    let processed = list(&s3, "s3://energy/processed");
    assert_eq!(
        processed.len(),
        13,
        "12 customers and the report: {processed:?}"
    );

    let out = ok(gridcast(
        &s3,
        &[
            "train",
            "--input",
            "s3://energy/processed",
            "--output",
            "s3://energy/models",
            "--preset",
            "seed",
        ],
    ));
    assert!(
        out.starts_with("12 models (12 trained, 0 already there), 0 failed"),
        "{out}"
    );
    assert!(
        out.trim_end()
            .ends_with("report s3://energy/models/training-report.json"),
        "{out}"
    );
    let models = list(&s3, "s3://energy/models");
    assert_eq!(models.iter().filter(|n| n.ends_with(".tar.gz")).count(), 12);
    assert!(models.contains(&"training-report.json".to_owned()));
    // Resuming finds them in the bucket.
    let again = ok(gridcast(
        &s3,
        &[
            "train",
            "--input",
            "s3://energy/processed",
            "--output",
            "s3://energy/models",
            "--preset",
            "seed",
        ],
    ));
    assert!(
        again.starts_with("12 models (0 trained, 12 already there)"),
        "{again}"
    );

    // Serve straight from the bucket.
    std::fs::write(
        dir.path().join("auth.json"),
        r#"{"principals": [{"access_key_id": "AKIDADMIN", "secret_access_key": "s", "target_models": ["*"]}]}"#,
    )
    .unwrap();
    let (_server, url) = spawn_server(
        Command::new(env!("CARGO_BIN_EXE_gridcast"))
            .args([
                "serve",
                "--port",
                "0",
                "--models",
                "s3://energy/models",
                "--auth",
            ])
            .arg(dir.path().join("auth.json"))
            .arg("--disk-cache")
            .arg(dir.path().join("disk"))
            .envs(aws_env(&s3)),
    );
    let invoked = Command::new(env!("CARGO_BIN_EXE_gridcast"))
        .args([
            "invoke",
            "--endpoint-url",
            &url,
            "--customer",
            "11",
            "--period",
            "3",
        ])
        .env("AWS_ACCESS_KEY_ID", "AKIDADMIN")
        .env("AWS_SECRET_ACCESS_KEY", "s")
        .output()
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&ok(invoked).into_bytes()).unwrap();
    assert_eq!(body["yhat"].as_object().unwrap().len(), 3);

    // The store goes away: every request is retried, then the run fails and says where.
    drop(moto);
    let failed = gridcast(
        &s3,
        &[
            "train",
            "--input",
            "s3://energy/processed",
            "--output",
            "s3://energy/models",
            "--force",
        ],
    );
    assert!(!failed.status.success());
    let stderr = String::from_utf8_lossy(&failed.stderr);
    assert!(stderr.contains("s3://energy/processed"), "{stderr}");
}
