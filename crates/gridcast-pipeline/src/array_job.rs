//! Running as one task of a batch engine's array: a Kubernetes Indexed Job or
//! an AWS Batch array job.
//!
//! Each engine tells a task its 0-based index in its own environment
//! variable, and the count in another:
//!
//! - Kubernetes (`completionMode: Indexed`) sets `JOB_COMPLETION_INDEX`; it does
//!   not expose `spec.completions`, so the manifest passes it as
//!   `JOB_COMPLETIONS` (see `deploy/kubernetes/train-job.yaml`).
//! - AWS Batch sets `AWS_BATCH_JOB_ARRAY_INDEX` and `AWS_BATCH_JOB_ARRAY_SIZE`
//!   in every child of an array job.
//!
//! Task `i` of `n` trains shard `i+1/n`, so the tasks of one job cover every
//! customer exactly once. Half a pair, both engines at once, or an index
//! outside the count is an error, never a guess: a task that trained the
//! wrong share would leave customers without models and say nothing.

use std::fmt;

use crate::shard::Shard;

/// The batch engine a task runs under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// A Kubernetes Job with `completionMode: Indexed`.
    KubernetesIndexedJob,
    /// A child of an AWS Batch array job.
    AwsBatchArrayJob,
}

impl Engine {
    /// The variables holding the task's index and the number of tasks.
    pub fn variables(self) -> (&'static str, &'static str) {
        match self {
            Engine::KubernetesIndexedJob => ("JOB_COMPLETION_INDEX", "JOB_COMPLETIONS"),
            Engine::AwsBatchArrayJob => ("AWS_BATCH_JOB_ARRAY_INDEX", "AWS_BATCH_JOB_ARRAY_SIZE"),
        }
    }

    /// How to give the count when it is missing.
    fn count_hint(self) -> &'static str {
        match self {
            Engine::KubernetesIndexedJob => {
                "Kubernetes does not set it: pass the Job's spec.completions as JOB_COMPLETIONS in the container's env"
            }
            Engine::AwsBatchArrayJob => {
                "AWS Batch sets it in every child of an array job; is this an array job?"
            }
        }
    }
}

impl fmt::Display for Engine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Engine::KubernetesIndexedJob => "Kubernetes Indexed Job",
            Engine::AwsBatchArrayJob => "AWS Batch array job",
        })
    }
}

/// This task's place in its engine's array.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArrayTask {
    /// Who started it.
    pub engine: Engine,
    /// The customers it trains.
    pub shard: Shard,
}

/// Why the engine's variables do not name a task.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ArrayJobError {
    /// One variable of the pair is set, the other is not.
    #[error("{present} is set but {missing} is not ({engine}): {hint}; or give --shard I/N")]
    Incomplete {
        /// The engine the variable belongs to.
        engine: Engine,
        /// The variable that is set.
        present: &'static str,
        /// The one that is missing.
        missing: &'static str,
        /// How to set it.
        hint: &'static str,
    },
    /// A variable is not a whole number.
    #[error("{variable}={value:?} is not a whole number ({engine})")]
    NotANumber {
        /// The engine.
        engine: Engine,
        /// The variable.
        variable: &'static str,
        /// Its value.
        value: String,
    },
    /// The index is not below the count (or the count is 0).
    #[error("{index_variable}={index} is outside the job's {count} tasks ({count_variable}={count}); the index is 0-based and must be below the count")]
    IndexOutOfRange {
        /// The index variable.
        index_variable: &'static str,
        /// Its value.
        index: usize,
        /// The count variable.
        count_variable: &'static str,
        /// Its value.
        count: usize,
    },
    /// Variables of both engines are set.
    #[error("both a Kubernetes Indexed Job (JOB_COMPLETION_INDEX) and an AWS Batch array job (AWS_BATCH_JOB_ARRAY_INDEX) are set; unset one or give --shard I/N")]
    Ambiguous,
}

impl ArrayTask {
    /// The task named by the environment (`std::env::var` in production), or
    /// `None` when no engine's variables are set.
    pub fn from_environment(
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ArrayJobError> {
        let mut found = None;
        for engine in [Engine::KubernetesIndexedJob, Engine::AwsBatchArrayJob] {
            if let Some(task) = Self::of_engine(engine, &env)? {
                if found.is_some() {
                    return Err(ArrayJobError::Ambiguous);
                }
                found = Some(task);
            }
        }
        Ok(found)
    }

    fn of_engine(
        engine: Engine,
        env: &impl Fn(&str) -> Option<String>,
    ) -> Result<Option<Self>, ArrayJobError> {
        let (index_variable, count_variable) = engine.variables();
        let read = |name| env(name).filter(|v| !v.trim().is_empty());
        let (index, count) = match (read(index_variable), read(count_variable)) {
            (None, None) => return Ok(None),
            (Some(index), Some(count)) => (index, count),
            (index, _) => {
                let (present, missing) = if index.is_some() {
                    (index_variable, count_variable)
                } else {
                    (count_variable, index_variable)
                };
                return Err(ArrayJobError::Incomplete {
                    engine,
                    present,
                    missing,
                    hint: engine.count_hint(),
                });
            }
        };
        let number = |variable, value: String| {
            value
                .trim()
                .parse::<usize>()
                .map_err(|_| ArrayJobError::NotANumber {
                    engine,
                    variable,
                    value,
                })
        };
        let index = number(index_variable, index)?;
        let count = number(count_variable, count)?;
        let shard = Shard::new(index.saturating_add(1), count).map_err(|_| {
            ArrayJobError::IndexOutOfRange {
                index_variable,
                index,
                count_variable,
                count,
            }
        })?;
        Ok(Some(Self { engine, shard }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(vars: &[(&str, &str)]) -> Result<Option<ArrayTask>, ArrayJobError> {
        ArrayTask::from_environment(|k| {
            vars.iter()
                .find(|(name, _)| *name == k)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    #[test]
    fn each_engine_names_a_zero_based_task() {
        let k8s = task(&[("JOB_COMPLETION_INDEX", "0"), ("JOB_COMPLETIONS", "4")])
            .unwrap()
            .unwrap();
        assert_eq!(k8s.engine, Engine::KubernetesIndexedJob);
        assert_eq!(k8s.shard, Shard::new(1, 4).unwrap());
        let batch = task(&[
            ("AWS_BATCH_JOB_ARRAY_INDEX", "9"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "10"),
        ])
        .unwrap()
        .unwrap();
        assert_eq!(batch.engine, Engine::AwsBatchArrayJob);
        assert_eq!(batch.shard, Shard::new(10, 10).unwrap());
        assert_eq!(task(&[]).unwrap(), None);
        assert_eq!(task(&[("JOB_COMPLETION_INDEX", " ")]).unwrap(), None);
    }

    #[test]
    fn the_tasks_of_a_job_cover_every_customer_once() {
        let customers: Vec<usize> = (0..23).collect();
        let mut seen: Vec<usize> = (0..5)
            .flat_map(|i| {
                let i = i.to_string();
                let t = task(&[("JOB_COMPLETION_INDEX", &i), ("JOB_COMPLETIONS", "5")]);
                t.unwrap().unwrap().shard.select(customers.clone())
            })
            .collect();
        seen.sort();
        assert_eq!(seen, customers);
    }

    #[test]
    fn an_index_outside_the_count_is_a_typed_error() {
        let err = task(&[("JOB_COMPLETION_INDEX", "4"), ("JOB_COMPLETIONS", "4")]).unwrap_err();
        assert_eq!(
            err,
            ArrayJobError::IndexOutOfRange {
                index_variable: "JOB_COMPLETION_INDEX",
                index: 4,
                count_variable: "JOB_COMPLETIONS",
                count: 4
            }
        );
        assert_eq!(err.to_string(), "JOB_COMPLETION_INDEX=4 is outside the job's 4 tasks (JOB_COMPLETIONS=4); the index is 0-based and must be below the count");
        let zero = task(&[
            ("AWS_BATCH_JOB_ARRAY_INDEX", "0"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "0"),
        ]);
        assert!(matches!(
            zero,
            Err(ArrayJobError::IndexOutOfRange { count: 0, .. })
        ));
        let huge = task(&[
            ("AWS_BATCH_JOB_ARRAY_INDEX", &usize::MAX.to_string()),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "3"),
        ]);
        assert!(matches!(huge, Err(ArrayJobError::IndexOutOfRange { .. })));
    }

    #[test]
    fn half_a_pair_a_bad_number_or_two_engines_are_explained() {
        let err = task(&[("JOB_COMPLETION_INDEX", "2")]).unwrap_err();
        assert!(matches!(
            err,
            ArrayJobError::Incomplete {
                missing: "JOB_COMPLETIONS",
                ..
            }
        ));
        assert!(err.to_string().contains("spec.completions"), "{err}");
        let err = task(&[("AWS_BATCH_JOB_ARRAY_SIZE", "3")]).unwrap_err();
        assert!(matches!(
            err,
            ArrayJobError::Incomplete {
                present: "AWS_BATCH_JOB_ARRAY_SIZE",
                missing: "AWS_BATCH_JOB_ARRAY_INDEX",
                ..
            }
        ));
        let err = task(&[("JOB_COMPLETION_INDEX", "-1"), ("JOB_COMPLETIONS", "3")]).unwrap_err();
        assert_eq!(
            err.to_string(),
            "JOB_COMPLETION_INDEX=\"-1\" is not a whole number (Kubernetes Indexed Job)"
        );
        let err = task(&[
            ("JOB_COMPLETION_INDEX", "0"),
            ("JOB_COMPLETIONS", "2"),
            ("AWS_BATCH_JOB_ARRAY_INDEX", "1"),
            ("AWS_BATCH_JOB_ARRAY_SIZE", "2"),
        ])
        .unwrap_err();
        assert_eq!(err, ArrayJobError::Ambiguous);
    }
}
