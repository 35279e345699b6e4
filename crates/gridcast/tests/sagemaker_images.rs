//! The SageMaker images (deploy/sagemaker): Docker cannot run here, so the
//! Dockerfiles are parsed for what SageMaker requires, and the binary is run
//! the way each image runs it (its ENTRYPOINT + CMD and ENV) against a temp
//! directory laid out like /opt/ml, calling the routes SageMaker calls.

mod common;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

fn repo() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The final stage's instructions of a Dockerfile: (instruction, argument) pairs.
fn final_stage(path: &Path) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut joined = String::new();
    for line in text.lines() {
        let line = line.trim();
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        match line.strip_suffix('\\') {
            Some(part) => joined.push_str(part),
            None => {
                joined.push_str(line);
                joined.push('\n');
            }
        }
    }
    let all: Vec<(String, String)> = joined
        .lines()
        .map(|l| {
            let (i, a) = l.split_once(char::is_whitespace).unwrap_or((l, ""));
            (i.to_ascii_uppercase(), a.trim().to_owned())
        })
        .collect();
    let last_from = all.iter().rposition(|(i, _)| i == "FROM").expect("a FROM");
    all[last_from..].to_vec()
}

fn exec_form(arg: &str) -> Vec<String> {
    serde_json::from_str(arg).unwrap_or_else(|_| panic!("{arg:?} is not exec form"))
}

fn env_of(stage: &[(String, String)]) -> HashMap<String, String> {
    stage
        .iter()
        .filter(|(i, _)| i == "ENV")
        .flat_map(|(_, a)| a.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .filter_map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.trim_matches('"').to_owned()))
        })
        .collect()
}

fn command(stage: &[(String, String)]) -> Vec<String> {
    let get = |name: &str| {
        stage
            .iter()
            .rfind(|(i, _)| i == name)
            .map(|(_, a)| exec_form(a))
            .unwrap_or_default()
    };
    let mut argv = get("ENTRYPOINT");
    argv.extend(get("CMD"));
    assert_eq!(
        argv.first().map(String::as_str),
        Some("gridcast"),
        "{argv:?}"
    );
    argv
}

#[test]
fn serving_image_is_a_multi_model_container() {
    let stage = final_stage(&repo().join("deploy/sagemaker/Dockerfile.serve"));
    let labels: Vec<&str> = stage
        .iter()
        .filter(|(i, _)| i == "LABEL")
        .map(|(_, a)| a.as_str())
        .collect();
    assert!(
        labels.contains(&"com.amazonaws.sagemaker.capabilities.multi-models=true"),
        "{labels:?}"
    );
    assert!(stage.iter().any(|(i, a)| i == "EXPOSE" && a == "8080"));
    let env = env_of(&stage);
    assert_eq!(
        env.get("SAGEMAKER_MULTI_MODEL").map(String::as_str),
        Some("true")
    );
    assert_eq!(
        env.get("GRIDCAST_HOST").map(String::as_str),
        Some("0.0.0.0")
    );
    assert_eq!(env.get("GRIDCAST_PORT").map(String::as_str), Some("8080"));
    // Every connection comes from SageMaker's front end: no limit per address.
    assert_eq!(
        env.get("GRIDCAST_MAX_CONNECTIONS_PER_ADDRESS")
            .map(String::as_str),
        Some("off")
    );
    let argv = command(&stage);
    assert_eq!(argv, ["gridcast", "serve"]);

    // Run it as the image does, in a temp /opt/ml/models, on a free loopback port.
    let root = tempfile::tempdir().unwrap();
    let model_dir = root.path().join("a1b2c3/model");
    std::fs::create_dir_all(&model_dir).unwrap();
    let fixture = repo().join("../shared/fixtures/prophet/models/seed_trend_only.tar.gz");
    let unpacked =
        gridcast_model::read_artifact(&std::fs::read(fixture).unwrap(), &Default::default())
            .unwrap();
    std::fs::write(model_dir.join("model.json"), &unpacked.model_json).unwrap();
    let (server, url) = common::spawn_server(
        Command::new(env!("CARGO_BIN_EXE_gridcast"))
            .args(&argv[1..])
            .envs(&env)
            .env("GRIDCAST_HOST", "127.0.0.1")
            .env("GRIDCAST_PORT", "0")
            .env("GRIDCAST_CONTAINER_ROOT", root.path()),
    );
    let result = std::panic::catch_unwind(|| {
        assert_eq!(
            ureq::get(&format!("{url}/ping")).call().unwrap().status(),
            200
        );
        let load = json!({"model_name": "a1b2c3", "url": model_dir});
        let r = ureq::post(&format!("{url}/models"))
            .set("content-type", "application/json")
            .send_string(&load.to_string());
        assert_eq!(r.unwrap().status(), 200);
        let text = ureq::post(&format!("{url}/models/a1b2c3/invoke"))
            .set("content-type", "application/json")
            .send_string(r#"{"period": 7}"#)
            .unwrap()
            .into_string()
            .unwrap();
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(body["yhat"].as_object().unwrap().len(), 7);
        assert_eq!(
            ureq::delete(&format!("{url}/models/a1b2c3"))
                .call()
                .unwrap()
                .status(),
            200
        );
    });
    drop(server);
    result.unwrap();
}

#[test]
fn training_image_runs_gridcast_train_in_sagemaker_mode() {
    let stage = final_stage(&repo().join("deploy/sagemaker/Dockerfile.train"));
    let argv = command(&stage);
    assert_eq!(argv, ["gridcast", "train"]);
    let root = tempfile::tempdir().unwrap();
    let channel = root.path().join("input/data/training");
    std::fs::create_dir_all(&channel).unwrap();
    std::fs::create_dir_all(root.path().join("input/config")).unwrap();
    std::fs::copy(
        repo().join("../shared/fixtures/prophet/data/seed_trend_only.csv"),
        channel.join("42.csv"),
    )
    .unwrap();
    std::fs::write(
        root.path().join("input/config/hyperparameters.json"),
        r#"{"preset": "seed"}"#,
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_gridcast"))
        .args(&argv[1..])
        .envs(env_of(&stage))
        .env("GRIDCAST_SAGEMAKER_ROOT", root.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(root.path().join("checkpoints/42.tar.gz").is_file());
}
