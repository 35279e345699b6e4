//! `X-Amzn-SageMaker-Target-Model`: which artifact, as a path relative to the
//! model directory, checked before it comes near the file system.

use std::path::{Component, Path, PathBuf};

use gridcast_api::CustomerId;

use crate::error::ApiError;

/// SageMaker's limit on TargetModel.
pub const MAX_TARGET_MODEL_LEN: usize = 1024;

/// A TargetModel that is safe to join to the model directory: relative, no
/// `..` or `.` segments, no backslashes, printable, ending in `.tar.gz`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TargetModel(String);

impl TargetModel {
    /// Checks a header value against SageMaker's pattern (`\A\S[\p{Print}]*\z`,
    /// ≤ 1024 characters) and this server's path rules.
    pub fn parse(value: &str) -> Result<Self, ApiError> {
        let bad = |why: &str| {
            ApiError::validation(format!(
                "TargetModel {:?} {why}",
                value.chars().take(80).collect::<String>()
            ))
        };
        if value.is_empty() {
            return Err(bad("is empty"));
        }
        if value.len() > MAX_TARGET_MODEL_LEN {
            return Err(bad("is longer than 1024 characters"));
        }
        if value.starts_with(char::is_whitespace) || value.chars().any(|c| c.is_control()) {
            return Err(bad("does not match the pattern \\A\\S[\\p{Print}]*\\z"));
        }
        if value.starts_with('/') || value.contains('\\') || value.contains(':') {
            return Err(bad("must be a relative path inside the model location"));
        }
        if value
            .split('/')
            .any(|seg| seg.is_empty() || seg == "." || seg == "..")
        {
            return Err(bad("may not contain empty, '.' or '..' segments"));
        }
        if !value.ends_with(".tar.gz") {
            return Err(bad("must name a .tar.gz artifact"));
        }
        Ok(Self(value.to_owned()))
    }

    /// The header value.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The artifact's path under `dir` (only normal components, checked again).
    pub fn path_in(&self, dir: &Path) -> PathBuf {
        let relative = Path::new(&self.0);
        debug_assert!(relative
            .components()
            .all(|c| matches!(c, Component::Normal(_))));
        dir.join(relative)
    }

    /// The model's backtest beside it: `<stem>.backtest.json` for
    /// `<stem>.tar.gz` (what `gridcast train --cross-validate` writes).
    pub fn backtest_name(&self) -> String {
        let stem = self.0.strip_suffix(".tar.gz").expect("checked in parse");
        format!("{stem}.backtest.json")
    }

    /// The customer's processed readings at the readings location:
    /// `<folders>/<id>.csv` for `<folders>/<id>.tar.gz`, every segment a
    /// [`CustomerId`] (what `gridcast process` names its files by), so no
    /// name outside that alphabet reaches the store.
    pub fn readings_name(&self) -> Result<String, ApiError> {
        let stem = self.0.strip_suffix(".tar.gz").expect("checked in parse");
        for segment in stem.split('/') {
            CustomerId::parse(segment).map_err(|e| {
                ApiError::validation(format!(
                    "TargetModel {} names no customer's readings: {e}",
                    self.0
                ))
            })?;
        }
        Ok(format!("{stem}.csv"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_relative_artifacts_and_rejects_escapes() {
        for ok in ["42.tar.gz", "company_a/42.tar.gz", "a b/c.tar.gz"] {
            assert_eq!(TargetModel::parse(ok).unwrap().as_str(), ok);
        }
        let long = format!("{}.tar.gz", "x".repeat(1020));
        for bad in [
            "",
            " 42.tar.gz",
            "/etc/passwd.tar.gz",
            "../42.tar.gz",
            "a/../../42.tar.gz",
            "a//b.tar.gz",
            "./42.tar.gz",
            "42.csv",
            "a\\b.tar.gz",
            "c:/x.tar.gz",
            "4\n2.tar.gz",
            long.as_str(),
        ] {
            let err = TargetModel::parse(bad).unwrap_err();
            assert_eq!(
                (err.status.as_u16(), err.kind),
                (400, "ValidationError"),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn readings_are_named_by_customer_ids_only() {
        let name = |t: &str| TargetModel::parse(t).unwrap().readings_name();
        assert_eq!(name("42.tar.gz").unwrap(), "42.csv");
        assert_eq!(name("company_a/42.tar.gz").unwrap(), "company_a/42.csv");
        for bad in [
            "a b/42.tar.gz",
            ".hidden.tar.gz",
            "a/.x/42.tar.gz",
            "é.tar.gz",
        ] {
            let err = name(bad).unwrap_err();
            assert_eq!(
                (err.status.as_u16(), err.kind),
                (400, "ValidationError"),
                "{bad}"
            );
        }
    }
}
