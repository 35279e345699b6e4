//! Running as a SageMaker training job.
//!
//! SageMaker starts the container with `train` and lays out `/opt/ml`:
//! the training channel's files in `input/data/training/` (or wherever
//! `SM_CHANNEL_TRAINING` says), the cluster in `input/config/resourceconfig.json`
//! (or `SM_HOSTS`/`SM_CURRENT_HOST`), the channel's S3 distribution in
//! `input/config/inputdataconfig.json`, and the job's hyperparameters (all
//! strings) in `input/config/hyperparameters.json`. Like the seed, models go
//! to `checkpoints/`, which SageMaker syncs to S3 as they appear; a fatal error
//! is written to `output/failure`, which SageMaker shows as the job's
//! FailureReason.
//!
//! When the channel is `ShardedByS3Key`, SageMaker has already given each host
//! its share of the files and every file present is trained. When it is
//! `FullyReplicated`, every host sees every file, so host `algo-k` of N trains
//! shard k/N (hosts in sorted order).

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use gridcast_model::ProphetConfig;
use serde_json::Value;

use crate::backtest::BacktestSpec;
use crate::shard::Shard;

/// Where SageMaker mounts everything.
pub const DEFAULT_ROOT: &str = "/opt/ml";

/// How SageMaker copied the training channel to the hosts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Distribution {
    /// Every host has every file.
    FullyReplicated,
    /// Each host has its share of the S3 keys.
    ShardedByS3Key,
}

/// The job's hyperparameters that gridcast understands.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Hyperparameters {
    /// `holdout`: rows held out for scoring.
    pub holdout: Option<usize>,
    /// `preset`: a [`gridcast_api::Preset`]'s name (`seed`, `weather`, `default`).
    pub preset: Option<String>,
    /// `prophet_config`: Prophet's arguments as JSON text.
    pub config: Option<ProphetConfig>,
    /// `force`: retrain existing artifacts.
    pub force: Option<bool>,
    /// `jobs`: worker threads.
    pub jobs: Option<usize>,
    /// `cross_validate`: backtest every customer (`horizon=30 days,…`, as
    /// `train --cross-validate`).
    pub cross_validate: Option<BacktestSpec>,
}

/// Hyperparameter names gridcast reads; `sagemaker_*` ones (set by the SDK) are ignored.
pub const HYPERPARAMETERS: [&str; 6] = [
    "holdout",
    "preset",
    "prophet_config",
    "force",
    "jobs",
    "cross_validate",
];

/// A SageMaker training job's environment.
#[derive(Debug, Clone, PartialEq)]
pub struct TrainingJob {
    /// The `/opt/ml` root.
    pub root: PathBuf,
    /// The training channel's directory.
    pub input: PathBuf,
    /// Where artifacts go: `<root>/checkpoints`.
    pub output: PathBuf,
    /// This host's name (`algo-1`).
    pub current_host: String,
    /// Every host, sorted.
    pub hosts: Vec<String>,
    /// The channel's distribution.
    pub distribution: Distribution,
    /// The hyperparameters.
    pub hyperparameters: Hyperparameters,
}

/// Why the SageMaker environment could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SageMakerError {
    /// No SageMaker layout at the root.
    #[error("{} is not a SageMaker training environment (no input/ directory); give --input and --output to train locally", root.display())]
    NotSageMaker {
        /// The root looked at.
        root: PathBuf,
    },
    /// A config file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: io::Error,
    },
    /// A config file or variable is not what SageMaker writes.
    #[error("{what}: {problem}")]
    Invalid {
        /// The file or variable.
        what: String,
        /// What is wrong.
        problem: String,
    },
}

fn invalid(what: impl Into<String>, problem: impl Into<String>) -> SageMakerError {
    SageMakerError::Invalid {
        what: what.into(),
        problem: problem.into(),
    }
}

fn read_json(path: &Path) -> Result<Option<Value>, SageMakerError> {
    match fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map(Some)
            .map_err(|e| invalid(path.display().to_string(), format!("not JSON: {e}"))),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
        Err(source) => Err(SageMakerError::Read {
            path: path.to_owned(),
            source,
        }),
    }
}

impl TrainingJob {
    /// Reads the job's environment under `root`, with environment variables
    /// from `env` (`std::env::var` in production).
    pub fn from_environment(
        root: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, SageMakerError> {
        if !root.join("input").is_dir() {
            return Err(SageMakerError::NotSageMaker {
                root: root.to_owned(),
            });
        }
        let config = root.join("input/config");
        let input = env("SM_CHANNEL_TRAINING")
            .map(PathBuf::from)
            .unwrap_or_else(|| root.join("input/data/training"));

        let resource = read_json(&config.join("resourceconfig.json"))?;
        let hosts: Vec<String> = match env("SM_HOSTS") {
            Some(text) => serde_json::from_str(&text).map_err(|e| {
                invalid(
                    "SM_HOSTS",
                    format!("expected a JSON list of host names: {e}"),
                )
            })?,
            None => match resource.as_ref().and_then(|r| r.get("hosts")) {
                Some(list) => serde_json::from_value(list.clone())
                    .map_err(|e| invalid("resourceconfig.json hosts", e.to_string()))?,
                None => vec!["algo-1".to_owned()],
            },
        };
        let current_host = match env("SM_CURRENT_HOST") {
            Some(host) => host,
            None => match resource.as_ref().and_then(|r| r.get("current_host")) {
                Some(Value::String(host)) => host.clone(),
                Some(_) => return Err(invalid("resourceconfig.json current_host", "not a string")),
                None => hosts.first().cloned().unwrap_or_else(|| "algo-1".into()),
            },
        };
        let mut hosts = hosts;
        hosts.sort();
        if !hosts.contains(&current_host) {
            return Err(invalid(
                "SM_CURRENT_HOST",
                format!("{current_host:?} is not one of the hosts {hosts:?}"),
            ));
        }

        let data_config = match env("SM_INPUT_DATA_CONFIG") {
            Some(text) => Some(
                serde_json::from_str(&text)
                    .map_err(|e| invalid("SM_INPUT_DATA_CONFIG", format!("not JSON: {e}")))?,
            ),
            None => read_json(&config.join("inputdataconfig.json"))?,
        };
        let distribution = match data_config
            .as_ref()
            .and_then(|c| c.get("training"))
            .and_then(|t| t.get("S3DistributionType"))
            .and_then(Value::as_str)
        {
            Some("ShardedByS3Key") => Distribution::ShardedByS3Key,
            Some("FullyReplicated") | None => Distribution::FullyReplicated,
            Some(other) => {
                return Err(invalid(
                    "inputdataconfig.json training.S3DistributionType",
                    format!("unknown value {other:?}"),
                ))
            }
        };

        let hyperparameters = match read_json(&config.join("hyperparameters.json"))? {
            Some(Value::Object(map)) => Hyperparameters::parse(&map.into_iter().collect())?,
            Some(_) => return Err(invalid("hyperparameters.json", "expected a JSON object")),
            None => Hyperparameters::default(),
        };
        Ok(Self {
            root: root.to_owned(),
            input,
            output: root.join("checkpoints"),
            current_host,
            hosts,
            distribution,
            hyperparameters,
        })
    }

    /// This host's shard: `None` when SageMaker already sharded the channel
    /// or there is one host.
    pub fn shard(&self) -> Option<Shard> {
        if self.distribution == Distribution::ShardedByS3Key || self.hosts.len() < 2 {
            return None;
        }
        let index = self
            .hosts
            .iter()
            .position(|h| *h == self.current_host)
            .expect("checked in from_environment");
        Some(Shard::new(index + 1, self.hosts.len()).expect("index within hosts"))
    }

    /// The report's name: one per host, since every host's checkpoints are
    /// synced to the same S3 prefix.
    pub fn report_name(&self) -> String {
        if self.hosts.len() < 2 {
            crate::TRAINING_REPORT.to_owned()
        } else {
            format!("training-report-{}.json", self.current_host)
        }
    }

    /// Writes `message` to `<root>/output/failure` for SageMaker to show.
    pub fn write_failure(&self, message: &str) -> io::Result<()> {
        write_failure(&self.root, message)
    }
}

/// Writes `message` to `<root>/output/failure`, where SageMaker reads a
/// failed job's FailureReason (also when the environment itself was invalid).
pub fn write_failure(root: &Path, message: &str) -> io::Result<()> {
    let dir = root.join("output");
    fs::create_dir_all(&dir)?;
    crate::AtomicFile::write(&dir.join("failure"), message.as_bytes())
}

impl Hyperparameters {
    /// Parses SageMaker's hyperparameters (string values; JSON values are
    /// accepted too). Unknown names are errors, except `sagemaker_*` and
    /// `_*` ones that the SDK and tuner add.
    pub fn parse(map: &BTreeMap<String, Value>) -> Result<Self, SageMakerError> {
        let mut hp = Hyperparameters::default();
        for (key, value) in map {
            let text = match value {
                Value::String(s) => s.trim().to_owned(),
                other => other.to_string(),
            };
            let bad = |expected: &str| {
                invalid(
                    format!("hyperparameter {key}"),
                    format!("{text:?} is not {expected}"),
                )
            };
            match key.as_str() {
                "holdout" => {
                    hp.holdout = Some(text.parse().map_err(|_| bad("a whole number of rows"))?)
                }
                "jobs" => {
                    hp.jobs = Some(
                        text.parse()
                            .ok()
                            .filter(|j| *j > 0)
                            .ok_or_else(|| bad("a positive number"))?,
                    )
                }
                "force" => {
                    hp.force = Some(match text.to_ascii_lowercase().as_str() {
                        "true" | "1" | "yes" => true,
                        "false" | "0" | "no" => false,
                        _ => return Err(bad("true or false")),
                    })
                }
                "preset" => {
                    if text.parse::<gridcast_api::Preset>().is_err() {
                        return Err(bad("a preset: default, seed or weather"));
                    }
                    hp.preset = Some(text);
                }
                "cross_validate" => {
                    let spec = text
                        .parse()
                        .map_err(|e: crate::backtest::BacktestSpecError| {
                            invalid(format!("hyperparameter {key}"), e.problem)
                        })?;
                    hp.cross_validate = Some(spec);
                }
                "prophet_config" => {
                    let config = ProphetConfig::from_json(&text)
                        .map_err(|e| invalid(format!("hyperparameter {key}"), e.to_string()))?;
                    hp.config = Some(config);
                }
                k if k.starts_with("sagemaker_") || k.starts_with('_') => {}
                _ => {
                    return Err(invalid(
                        format!("hyperparameter {key}"),
                        format!("unknown; gridcast reads {}", HYPERPARAMETERS.join(", ")),
                    ))
                }
            }
        }
        Ok(hp)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(files: &[(&str, &str)]) -> tempfile::TempDir {
        let root = tempfile::tempdir().unwrap();
        fs::create_dir_all(root.path().join("input/config")).unwrap();
        fs::create_dir_all(root.path().join("input/data/training")).unwrap();
        for (path, text) in files {
            fs::write(root.path().join("input/config").join(path), text).unwrap();
        }
        root
    }

    #[test]
    fn reads_resource_config_and_shards_replicated_channels() {
        let root = layout(&[
            (
                "resourceconfig.json",
                r#"{"current_host": "algo-2", "hosts": ["algo-2", "algo-1", "algo-3"]}"#,
            ),
            (
                "hyperparameters.json",
                r#"{"holdout": "7", "preset": "seed", "force": "True", "sagemaker_region": "\"x\"", "cross_validate": "horizon=30 days,period=10 days"}"#,
            ),
        ]);
        let job = TrainingJob::from_environment(root.path(), |_| None).unwrap();
        assert_eq!(job.input, root.path().join("input/data/training"));
        assert_eq!(job.output, root.path().join("checkpoints"));
        assert_eq!(job.hosts, ["algo-1", "algo-2", "algo-3"]);
        assert_eq!(job.shard(), Some(Shard::new(2, 3).unwrap()));
        assert_eq!(job.report_name(), "training-report-algo-2.json");
        assert_eq!(
            job.hyperparameters,
            Hyperparameters {
                holdout: Some(7),
                preset: Some("seed".into()),
                force: Some(true),
                cross_validate: Some("horizon=30 days,period=10 days".parse().unwrap()),
                ..Default::default()
            }
        );
    }

    #[test]
    fn environment_variables_win_and_sharded_channels_are_not_resharded() {
        let root = layout(&[(
            "inputdataconfig.json",
            r#"{"training": {"S3DistributionType": "ShardedByS3Key"}}"#,
        )]);
        let env = |k: &str| match k {
            "SM_HOSTS" => Some(r#"["algo-1","algo-2"]"#.to_owned()),
            "SM_CURRENT_HOST" => Some("algo-1".to_owned()),
            "SM_CHANNEL_TRAINING" => Some("/data/in".to_owned()),
            _ => None,
        };
        let job = TrainingJob::from_environment(root.path(), env).unwrap();
        assert_eq!(job.input, PathBuf::from("/data/in"));
        assert_eq!(job.distribution, Distribution::ShardedByS3Key);
        assert_eq!(job.shard(), None);
        let single = TrainingJob::from_environment(layout(&[]).path(), |_| None).unwrap();
        assert_eq!(
            (single.current_host.as_str(), single.shard()),
            ("algo-1", None)
        );
    }

    #[test]
    fn bad_environments_are_explained() {
        let root = tempfile::tempdir().unwrap();
        let err = TrainingJob::from_environment(root.path(), |_| None).unwrap_err();
        assert!(matches!(err, SageMakerError::NotSageMaker { .. }));
        let root = layout(&[("hyperparameters.json", r#"{"holdot": "7"}"#)]);
        let err = TrainingJob::from_environment(root.path(), |_| None)
            .unwrap_err()
            .to_string();
        assert_eq!(err, "hyperparameter holdot: unknown; gridcast reads holdout, preset, prophet_config, force, jobs, cross_validate");
        let root = layout(&[("hyperparameters.json", r#"{"cross_validate": "30 days"}"#)]);
        let err = TrainingJob::from_environment(root.path(), |_| None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "hyperparameter cross_validate: \"30 days\" is not key=value"
        );
        let root = layout(&[("hyperparameters.json", r#"{"holdout": "seven"}"#)]);
        let err = TrainingJob::from_environment(root.path(), |_| None)
            .unwrap_err()
            .to_string();
        assert_eq!(
            err,
            "hyperparameter holdout: \"seven\" is not a whole number of rows"
        );
        let root = layout(&[(
            "hyperparameters.json",
            r#"{"prophet_config": "{\"growth\": \"cubic\"}"}"#,
        )]);
        let err = TrainingJob::from_environment(root.path(), |_| None)
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("hyperparameter prophet_config: "), "{err}");
        let env = |k: &str| (k == "SM_CURRENT_HOST").then(|| "algo-9".to_owned());
        let err = TrainingJob::from_environment(layout(&[]).path(), env)
            .unwrap_err()
            .to_string();
        assert!(err.contains("\"algo-9\" is not one of the hosts"), "{err}");
    }
}
