//! The pipeline through the binary: generate → process → train, resumption
//! after a kill, sharding, and the SageMaker training-job mode.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use gridcast_model::{
    read_artifact, read_model_json, seed_response, ArtifactLimits, ForecastOptions,
};
use serde_json::Value;

fn gridcast() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gridcast"));
    cmd.env_remove("GRIDCAST_SAGEMAKER_ROOT")
        .env_remove("SM_HOSTS")
        .env_remove("SM_CURRENT_HOST");
    cmd.env_remove("SM_CHANNEL_TRAINING")
        .env_remove("SM_INPUT_DATA_CONFIG");
    for array_job in ARRAY_JOB_VARIABLES {
        cmd.env_remove(array_job);
    }
    cmd
}

/// What Kubernetes Indexed Jobs and AWS Batch array jobs set.
const ARRAY_JOB_VARIABLES: [&str; 4] = [
    "JOB_COMPLETION_INDEX",
    "JOB_COMPLETIONS",
    "AWS_BATCH_JOB_ARRAY_INDEX",
    "AWS_BATCH_JOB_ARRAY_SIZE",
];

fn run(args: &[&str]) -> Output {
    gridcast().args(args).output().expect("gridcast runs")
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

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// Generates `customers` and splits them into `<dir>/data`.
fn processed(dir: &Path, customers: u32, end: &str) -> PathBuf {
    let csv = dir.join("energy.csv");
    let data = dir.join("data");
    let n = customers.to_string();
    ok(run(&[
        "generate",
        "--customers",
        &n,
        "--start",
        "2022-01-01",
        "--end",
        end,
        "--seed",
        "7",
        "--out",
        path(&csv),
    ]));
    ok(run(&[
        "process",
        "--input",
        path(&csv),
        "--output",
        path(&data),
    ]));
    data
}

fn names(dir: &Path, suffix: &str) -> BTreeSet<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(suffix))
        .collect()
}

fn hidden_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.starts_with('.'))
        .collect()
}

/// Unpacks an artifact and forecasts 7 days from it; panics if it cannot.
fn forecast(artifact: &Path) -> Value {
    let bytes = fs::read(artifact).unwrap();
    let unpacked = read_artifact(&bytes, &ArtifactLimits::default()).unwrap();
    let model = read_model_json(&unpacked.model_json).unwrap();
    let body = seed_response(
        &model,
        7,
        &ForecastOptions {
            seed: Some(1),
            ..Default::default()
        },
    )
    .unwrap();
    serde_json::from_str(&body).unwrap()
}

fn expected_ids(n: u32, suffix: &str) -> BTreeSet<String> {
    (0..n).map(|i| format!("{i}{suffix}")).collect()
}

#[test]
fn generate_process_train_and_every_artifact_forecasts() {
    let dir = tempfile::tempdir().unwrap();
    let data = processed(dir.path(), 50, "2022-12-31");
    assert_eq!(names(&data, ".csv"), expected_ids(50, ".csv"));
    let models = dir.path().join("models");
    let stdout = ok(run(&[
        "train",
        "--input",
        path(&data),
        "--output",
        path(&models),
        "--preset",
        "seed",
    ]));
    assert!(
        stdout
            .starts_with("50 models (50 trained, 0 already there), 0 failed, median holdout MAPE "),
        "{stdout}"
    );
    assert_eq!(names(&models, ".tar.gz"), expected_ids(50, ".tar.gz"));
    for name in names(&models, ".tar.gz") {
        let body = forecast(&models.join(&name));
        let yhat = body["yhat"].as_object().unwrap();
        assert_eq!(yhat.len(), 7, "{name}");
        // 358 training rows: the answer's row keys continue from the history.
        assert_eq!(yhat.keys().next().unwrap(), "358");
        assert!(yhat.values().all(|v| v.as_f64().unwrap().is_finite()));
    }
    let report: Value =
        serde_json::from_slice(&fs::read(models.join("training-report.json")).unwrap()).unwrap();
    let rows = report["customers"].as_array().unwrap();
    assert_eq!(rows.len(), 50);
    assert!(rows
        .iter()
        .all(|r| r["status"] == "trained" && r["rows"] == 358 && r["holdout_rows"] == 7));
    // The seed's data is trend-only-unfriendly (a yearly sine), but a week
    // ahead from a trend fit is still close.
    assert!(
        report["summary"]["median_mape"].as_f64().unwrap() < 0.25,
        "{}",
        report["summary"]
    );
}

/// The kill lands between an artifact's write and its rename: the debug
/// build's `GRIDCAST_PAUSE_BEFORE_RENAME` hook (gridcast-store's
/// `AtomicFile`) parks the run with the 10th artifact complete under its
/// temporary name, and the test kills it there.
#[test]
fn a_run_killed_between_write_and_rename_leaves_whole_artifacts_and_a_rerun_finishes_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let n = 30;
    let paused_at = 10;
    let data = processed(dir.path(), n, "2022-12-31");
    let models = dir.path().join("models");
    let marker = dir.path().join("paused");
    let mut child = gridcast()
        .args([
            "train",
            "--input",
            path(&data),
            "--output",
            path(&models),
            "--preset",
            "seed",
            "--jobs",
            "1",
        ])
        .env(
            "GRIDCAST_PAUSE_BEFORE_RENAME",
            format!("{paused_at}:{}", marker.display()),
        )
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(120);
    while !marker.exists() {
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the run ended ({status}) without pausing before a rename: not a debug build?");
        }
        assert!(Instant::now() < deadline, "the run never paused");
        std::thread::sleep(Duration::from_millis(10));
    }
    // Paused: the artifact is written whole under its temporary name only.
    let temporary = PathBuf::from(fs::read_to_string(&marker).unwrap());
    assert_eq!(temporary.parent(), Some(models.as_path()));
    let temporary_name = temporary.file_name().unwrap().to_str().unwrap().to_owned();
    let target = gridcast_store::temporary_target(&temporary_name)
        .unwrap_or_else(|| panic!("{temporary_name} is not an artifact's temporary"))
        .to_owned();
    assert!(target.ends_with(".tar.gz"), "{target}");
    forecast(&temporary);
    assert!(
        !models.join(&target).exists(),
        "{target} renamed before the pause"
    );
    assert_eq!(names(&models, ".tar.gz").len(), paused_at - 1);

    child.kill().unwrap(); // SIGKILL between write and rename: no destructor runs
    child.wait().unwrap();
    let done = names(&models, ".tar.gz");
    assert_eq!(done.len(), paused_at - 1, "{done:?}");
    assert!(!done.contains(&target), "a killed write is never visible");
    for name in &done {
        forecast(&models.join(name)); // every artifact present is whole
    }
    // Left behind: the artifact's temporary and the report's (written as the run goes).
    let left = hidden_files(&models);
    assert!(left.contains(&temporary_name), "{left:?}");
    for name in &left {
        let of = gridcast_store::temporary_target(name);
        assert!(
            of == Some(target.as_str()) || of == Some("training-report.json"),
            "{left:?}"
        );
    }
    assert!(!models.join("training-report.json").exists());

    let stdout = ok(run(&[
        "train",
        "--input",
        path(&data),
        "--output",
        path(&models),
        "--preset",
        "seed",
        "--jobs",
        "2",
    ]));
    assert_eq!(names(&models, ".tar.gz"), expected_ids(n, ".tar.gz"));
    assert_eq!(
        hidden_files(&models),
        Vec::<String>::new(),
        "temporary files left"
    );
    forecast(&models.join(&target));
    let trained_now = n as usize - done.len();
    assert!(
        stdout.starts_with(&format!(
            "{n} models ({trained_now} trained, {} already there)",
            done.len()
        )),
        "{stdout}"
    );
}

#[test]
fn shards_cover_every_customer_once() {
    let dir = tempfile::tempdir().unwrap();
    let data = processed(dir.path(), 25, "2022-03-31");
    let models = dir.path().join("models");
    let mut seen = BTreeSet::new();
    for shard in ["1/3", "2/3", "3/3"] {
        let out = dir.path().join(shard.replace('/', "-of-"));
        ok(run(&[
            "train",
            "--input",
            path(&data),
            "--output",
            path(&out),
            "--shard",
            shard,
            "--preset",
            "seed",
        ]));
        let got = names(&out, ".tar.gz");
        assert!(got.len() == 8 || got.len() == 9, "{shard}: {got:?}");
        assert!(seen.is_disjoint(&got), "{shard} overlaps");
        seen.extend(got);
        let (i, n) = shard.split_once('/').unwrap();
        assert!(out
            .join(format!("training-report-shard-{i}-of-{n}.json"))
            .is_file());
    }
    assert_eq!(seen, expected_ids(25, ".tar.gz"));
    let bad = run(&[
        "train",
        "--input",
        path(&data),
        "--output",
        path(&models),
        "--shard",
        "4/3",
    ]);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("I must be between 1 and N"));
}

#[test]
fn array_job_tasks_take_their_shard_from_the_engine() {
    let dir = tempfile::tempdir().unwrap();
    let data = processed(dir.path(), 10, "2022-03-31");
    let models = dir.path().join("models");
    let train = |vars: &[(&str, String)]| {
        gridcast()
            .args(["train", "--input", path(&data), "--output", path(&models)])
            .args(["--preset", "seed"])
            .envs(vars.iter().map(|(k, v)| (k, v)))
            .output()
            .unwrap()
    };
    // A Kubernetes Indexed Job of 3 and an AWS Batch array of 2 into one output.
    let mut before = BTreeSet::new();
    for (index, count, n) in [
        ("JOB_COMPLETION_INDEX", "JOB_COMPLETIONS", 3),
        ("AWS_BATCH_JOB_ARRAY_INDEX", "AWS_BATCH_JOB_ARRAY_SIZE", 2),
    ] {
        for i in 0..n {
            let out = ok(train(&[(index, i.to_string()), (count, n.to_string())]));
            assert!(
                out.contains(&format!("training-report-shard-{}-of-{n}.json", i + 1)),
                "{out}"
            );
            let now = names(&models, ".tar.gz");
            let trained = now.difference(&before).count();
            // Task i trains its round-robin share of the 10 sorted customers.
            let share = (0..10).filter(|k| k % n == i).count();
            assert_eq!(trained, share, "{index}={i}");
            before = now;
        }
        assert_eq!(before, expected_ids(10, ".tar.gz"), "{index}");
        fs::remove_dir_all(&models).unwrap();
        before.clear();
    }
    let outside = train(&[
        ("JOB_COMPLETION_INDEX", "3".into()),
        ("JOB_COMPLETIONS", "3".into()),
    ]);
    assert!(!outside.status.success());
    let err = String::from_utf8_lossy(&outside.stderr);
    assert!(
        err.contains("JOB_COMPLETION_INDEX=3 is outside the job's 3 tasks"),
        "{err}"
    );
    let half = train(&[("JOB_COMPLETION_INDEX", "0".into())]);
    assert!(String::from_utf8_lossy(&half.stderr).contains("JOB_COMPLETIONS is not"));
    assert!(!models.exists(), "nothing trained on a bad environment");
    // --shard wins over the engine's variables.
    ok(gridcast()
        .args(["train", "--input", path(&data), "--output", path(&models)])
        .args(["--preset", "seed", "--shard", "1/1"])
        .env("JOB_COMPLETION_INDEX", "7")
        .output()
        .unwrap());
    assert_eq!(names(&models, ".tar.gz"), expected_ids(10, ".tar.gz"));
}

/// Lays out `/opt/ml` for `host` of `hosts`, with the training channel holding `files`.
fn sagemaker_root(
    dir: &Path,
    host: &str,
    hosts: &[&str],
    files: &[PathBuf],
    distribution: &str,
) -> PathBuf {
    let root = dir.join(host);
    let channel = root.join("input/data/training");
    fs::create_dir_all(&channel).unwrap();
    fs::create_dir_all(root.join("input/config")).unwrap();
    for f in files {
        fs::copy(f, channel.join(f.file_name().unwrap())).unwrap();
    }
    let resource = serde_json::json!({"current_host": host, "hosts": hosts});
    fs::write(
        root.join("input/config/resourceconfig.json"),
        resource.to_string(),
    )
    .unwrap();
    let data = serde_json::json!({"training": {"TrainingInputMode": "File", "S3DistributionType": distribution}});
    fs::write(
        root.join("input/config/inputdataconfig.json"),
        data.to_string(),
    )
    .unwrap();
    fs::write(
        root.join("input/config/hyperparameters.json"),
        r#"{"preset": "seed", "holdout": "7"}"#,
    )
    .unwrap();
    root
}

fn train_as_sagemaker(root: &Path) -> Output {
    gridcast()
        .arg("train")
        .env("GRIDCAST_SAGEMAKER_ROOT", root)
        .output()
        .unwrap()
}

#[test]
fn sagemaker_hosts_split_a_replicated_channel_and_keep_a_sharded_one() {
    let dir = tempfile::tempdir().unwrap();
    let data = processed(dir.path(), 20, "2022-03-31");
    let files: Vec<PathBuf> = names(&data, ".csv").iter().map(|n| data.join(n)).collect();
    let hosts = ["algo-1", "algo-2"];

    // FullyReplicated: both hosts see every file and train half each.
    let mut union = BTreeSet::new();
    for host in hosts {
        let root = sagemaker_root(
            &dir.path().join("replicated"),
            host,
            &hosts,
            &files,
            "FullyReplicated",
        );
        ok(train_as_sagemaker(&root));
        let got = names(&root.join("checkpoints"), ".tar.gz");
        assert_eq!(got.len(), 10, "{host}");
        assert!(union.is_disjoint(&got));
        union.extend(got);
        let report: Value = serde_json::from_slice(
            &fs::read(root.join(format!("checkpoints/training-report-{host}.json"))).unwrap(),
        )
        .unwrap();
        assert_eq!(report["summary"]["trained"], 10);
        assert!(!root.join("output/failure").exists());
    }
    assert_eq!(union, expected_ids(20, ".tar.gz"));

    // ShardedByS3Key: SageMaker already split the files; each host trains all it got.
    let (first, second) = files.split_at(7);
    let mut union = BTreeSet::new();
    for (host, share) in hosts.iter().zip([first, second]) {
        let root = sagemaker_root(
            &dir.path().join("sharded"),
            host,
            &hosts,
            share,
            "ShardedByS3Key",
        );
        ok(train_as_sagemaker(&root));
        let got = names(&root.join("checkpoints"), ".tar.gz");
        assert_eq!(got.len(), share.len(), "{host}");
        union.extend(got);
    }
    assert_eq!(union, expected_ids(20, ".tar.gz"));
}

#[test]
fn failures_are_reported_in_the_exit_status_and_to_sagemaker() {
    let dir = tempfile::tempdir().unwrap();
    let data = processed(dir.path(), 3, "2022-03-31");
    fs::write(data.join("tiny.csv"), "2022-01-01,1\n2022-01-02,2\n").unwrap();
    let files: Vec<PathBuf> = names(&data, ".csv").iter().map(|n| data.join(n)).collect();
    let root = sagemaker_root(dir.path(), "algo-1", &["algo-1"], &files, "FullyReplicated");
    let out = train_as_sagemaker(&root);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(names(&root.join("checkpoints"), ".tar.gz").len(), 3);
    let failure = fs::read_to_string(root.join("output/failure")).unwrap();
    assert_eq!(failure, "1 of 4 customers failed; see training-report.json");
    let report: Value =
        serde_json::from_slice(&fs::read(root.join("checkpoints/training-report.json")).unwrap())
            .unwrap();
    let tiny = report["customers"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["customer"] == "tiny")
        .unwrap()
        .clone();
    assert_eq!(tiny["status"], "failed");
    assert!(
        tiny["error"]
            .as_str()
            .unwrap()
            .starts_with("too few rows: 2 in the file, 0 left after holding out 7"),
        "{tiny}"
    );

    // A bad hyperparameter fails the job before any training, and says why.
    fs::write(
        root.join("input/config/hyperparameters.json"),
        r#"{"holdout": "a week"}"#,
    )
    .unwrap();
    let out = train_as_sagemaker(&root);
    assert_eq!(out.status.code(), Some(1));
    let failure = fs::read_to_string(root.join("output/failure")).unwrap();
    assert_eq!(
        failure,
        "hyperparameter holdout: \"a week\" is not a whole number of rows"
    );
    // Without --input and without a SageMaker layout, the message says what to do.
    let out = gridcast()
        .arg("train")
        .env("GRIDCAST_SAGEMAKER_ROOT", dir.path().join("nowhere"))
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("give --input and --output to train locally")
    );
}

#[test]
fn process_names_the_bad_row_or_skips_and_counts() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("in.csv");
    fs::write(
        &csv,
        "customer_id,timestamp,consumption\n1,2022-01-01,5\n1,2022-01-02,-5\n2,2022-01-01,3\n",
    )
    .unwrap();
    let out_dir = dir.path().join("out");
    let out = run(&["process", "--input", path(&csv), "--output", path(&out_dir)]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("in.csv:3: consumption -5 is negative"),
        "{stderr}"
    );
    assert!(!out_dir.exists(), "nothing may be left behind");
    let stdout = ok(run(&[
        "process",
        "--input",
        path(&csv),
        "--output",
        path(&out_dir),
        "--skip-bad-rows",
    ]));
    assert!(
        stdout.starts_with("wrote 2 customer files (2 rows)"),
        "{stdout}"
    );
    assert!(
        stdout.contains("skipped 1 bad rows (1 negative_consumption;"),
        "{stdout}"
    );
}

#[test]
fn generate_is_reproducible_and_validates() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.csv"), dir.path().join("b.csv"));
    for p in [&a, &b] {
        ok(run(&[
            "generate",
            "--customers",
            "3",
            "--start",
            "2022-01-01",
            "--end",
            "2022-01-03",
            "--freq",
            "H",
            "--out",
            path(p),
        ]));
    }
    assert_eq!(fs::read(&a).unwrap(), fs::read(&b).unwrap());
    assert_eq!(fs::read_to_string(&a).unwrap().lines().count(), 1 + 3 * 72);
    let out = run(&["generate", "--start", "2022-02-30", "--out", path(&a)]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("start: \"2022-02-30\" is not a date"));
    let stdout = ok(run(&["generate", "--preset", "seed", "--out", "-"]));
    assert_eq!(stdout.lines().count(), 1 + 1000 * 365);
}

/// `train --cross-validate` (and the `cross_validate` hyperparameter)
/// backtests every customer of each shard: per-customer metrics per
/// horizon in the shard's report, the fleet summary beside them.
#[test]
fn cross_validate_backtests_every_customer_of_each_shard_and_sagemaker_host() {
    let dir = tempfile::tempdir().unwrap();
    // 90 days, 83 training rows: horizon 14 days, initial 42 days, period
    // 7 days: cutoffs at days 68, 61, 54 and 47.
    let data = processed(dir.path(), 20, "2022-03-31");
    let spec = "horizon=14 days,worst=3";
    let mut seen = BTreeSet::new();
    for shard in ["1/2", "2/2"] {
        let out = dir.path().join(shard.replace('/', "-of-"));
        let stdout = ok(run(&[
            "train",
            "--input",
            path(&data),
            "--output",
            path(&out),
            "--preset",
            "seed",
            "--shard",
            shard,
            "--cross-validate",
            spec,
        ]));
        assert!(
            stdout.contains("; backtested 10 customers (40 cutoffs, median sMAPE "),
            "{stdout}"
        );
        let (i, n) = shard.split_once('/').unwrap();
        let report: Value = serde_json::from_slice(
            &fs::read(out.join(format!("training-report-shard-{i}-of-{n}.json"))).unwrap(),
        )
        .unwrap();
        for row in report["customers"].as_array().unwrap() {
            assert!(seen.insert(row["customer"].as_str().unwrap().to_owned()));
            let metrics = &row["backtest"]["metrics"];
            assert_eq!(row["backtest"]["cutoffs"], 4, "{row}");
            assert_eq!(
                metrics["horizon_days"].as_array().unwrap().last().unwrap(),
                14.0
            );
            assert!(metrics["smape"]
                .as_array()
                .unwrap()
                .iter()
                .all(Value::is_f64));
        }
        let summary = &report["summary"]["backtest"];
        assert_eq!(
            (summary["backtested"].as_u64(), summary["failed"].as_u64()),
            (Some(10), Some(0))
        );
        assert_eq!(summary["worst"].as_array().unwrap().len(), 3);
        let last = summary["horizons"]
            .as_array()
            .unwrap()
            .last()
            .unwrap()
            .clone();
        assert_eq!(last["horizon_days"], 14.0);
        assert_eq!(last["metrics"]["smape"]["customers"], 10);
    }
    assert_eq!(seen.len(), 20);

    // The shards' reports merged: the summary one unsharded run writes.
    let whole = dir.path().join("whole");
    ok(run(&[
        "train",
        "--input",
        path(&data),
        "--output",
        path(&whole),
        "--preset",
        "seed",
        "--cross-validate",
        spec,
    ]));
    let unsharded: Value =
        serde_json::from_slice(&fs::read(whole.join("training-report.json")).unwrap()).unwrap();
    let shards: Vec<PathBuf> = ["1-of-2", "2-of-2"]
        .iter()
        .map(|s| {
            dir.path()
                .join(s)
                .join(format!("training-report-shard-{s}.json"))
        })
        .collect();
    let merged_path = dir.path().join("fleet-backtest.json");
    let written = run(&[
        "backtest-summary",
        path(&shards[0]),
        path(&shards[1]),
        "--worst",
        "3",
        "--out",
        path(&merged_path),
    ]);
    assert!(
        written.status.success(),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let merged: Value = serde_json::from_slice(&fs::read(&merged_path).unwrap()).unwrap();
    assert_eq!(merged["backtested"], 20);
    assert_eq!(
        merged, unsharded["summary"]["backtest"],
        "as one run's summary"
    );
    let printed = ok(run(&[
        "backtest-summary",
        path(&shards[1]),
        path(&shards[0]),
        "--worst",
        "3",
    ]));
    assert_eq!(
        serde_json::from_str::<Value>(&printed).unwrap(),
        merged,
        "in any order"
    );
    // A shard given twice, and reports without a backtest, are refused by name.
    let twice = run(&["backtest-summary", path(&shards[0]), path(&shards[0])]);
    let said = String::from_utf8_lossy(&twice.stderr);
    assert!(
        !twice.status.success() && said.contains("give each shard's report of one run once"),
        "{said}"
    );
    let plain = dir.path().join("plain");
    ok(run(&[
        "train",
        "--input",
        path(&data),
        "--output",
        path(&plain),
        "--preset",
        "seed",
    ]));
    let none = run(&[
        "backtest-summary",
        path(&plain.join("training-report.json")),
    ]);
    let said = String::from_utf8_lossy(&none.stderr);
    assert!(
        !none.status.success() && said.contains("train with --cross-validate"),
        "{said}"
    );

    // As a SageMaker training job, from the hyperparameter.
    let files: Vec<PathBuf> = names(&data, ".csv").iter().map(|n| data.join(n)).collect();
    let root = sagemaker_root(
        &dir.path().join("sm"),
        "algo-1",
        &["algo-1"],
        &files[..4],
        "FullyReplicated",
    );
    fs::write(
        root.join("input/config/hyperparameters.json"),
        format!(r#"{{"preset": "seed", "cross_validate": "{spec}"}}"#),
    )
    .unwrap();
    ok(train_as_sagemaker(&root));
    let report: Value =
        serde_json::from_slice(&fs::read(root.join("checkpoints/training-report.json")).unwrap())
            .unwrap();
    assert_eq!(
        report["summary"]["backtest"]["backtested"], 4,
        "{}",
        report["summary"]
    );
}
