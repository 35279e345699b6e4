//! Where the endpoint is and how a customer's TargetModel is named.

use serde::{Deserialize, Serialize};

/// Why settings are unusable; each names the field and what it must be.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    /// The endpoint URL is not an absolute http(s) URL.
    #[error("endpoint URL {0:?} must start with https:// (or http:// for a local endpoint) and name a host")]
    Url(String),
    /// The region is empty or has other characters than `a-z0-9-`.
    #[error("region {0:?} must look like us-east-1 (lowercase letters, digits and dashes)")]
    Region(String),
    /// SageMaker endpoint names: 1–63 of `A-Za-z0-9-`, not starting with `-`.
    #[error(
        "endpoint name {0:?} must be 1-63 letters, digits or dashes, not starting with a dash"
    )]
    EndpointName(String),
    /// The template does not contain `{customer}` or makes an unsafe name.
    #[error("TargetModel template {0:?} must contain {{customer}} and make a relative name without '..' or a leading '/'")]
    Template(String),
    /// Not a customer id ([`gridcast_api::CustomerId`]'s rules).
    #[error("{0}")]
    Customer(gridcast_api::CustomerIdError),
}

/// An endpoint: gridcast's own, or SageMaker Runtime
/// (`https://runtime.sagemaker.{region}.amazonaws.com`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EndpointSettings {
    /// Base URL, no trailing slash needed: `https://forecast.example.com`.
    pub endpoint_url: String,
    /// SigV4 region.
    pub region: String,
    /// The endpoint's name in `/endpoints/{name}/invocations`.
    pub endpoint_name: String,
    /// TargetModel for a customer; `{customer}` is replaced by the id.
    pub target_template: String,
}

impl EndpointSettings {
    /// gridcast's defaults for an endpoint at `endpoint_url`.
    pub fn for_url(endpoint_url: impl Into<String>) -> Self {
        Self {
            endpoint_url: endpoint_url.into(),
            region: "us-east-1".into(),
            endpoint_name: "gridcast".into(),
            target_template: "{customer}.tar.gz".into(),
        }
    }

    /// Settings for `endpoint_url` with gridcast's defaults where a value is
    /// not given (a widget's optional attributes, an edge's optional env).
    pub fn with_overrides(
        endpoint_url: impl Into<String>,
        region: Option<&str>,
        endpoint_name: Option<&str>,
        target_template: Option<&str>,
    ) -> Self {
        let mut s = Self::for_url(endpoint_url);
        if let Some(r) = region {
            s.region = r.to_owned();
        }
        if let Some(n) = endpoint_name {
            s.endpoint_name = n.to_owned();
        }
        if let Some(t) = target_template {
            s.target_template = t.to_owned();
        }
        s
    }

    /// Checks every field.
    pub fn validate(&self) -> Result<(), SettingsError> {
        let url = self.base_url();
        let rest = url
            .strip_prefix("https://")
            .or_else(|| url.strip_prefix("http://"));
        let host = rest.map(|r| r.split('/').next().unwrap_or(""));
        if host.is_none_or(|h| h.is_empty() || h.contains(char::is_whitespace))
            || url.contains(['?', '#'])
        {
            return Err(SettingsError::Url(self.endpoint_url.clone()));
        }
        let region_ok = !self.region.is_empty()
            && self
                .region
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !region_ok {
            return Err(SettingsError::Region(self.region.clone()));
        }
        let name = &self.endpoint_name;
        if name.is_empty()
            || name.len() > 63
            || name.starts_with('-')
            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
        {
            return Err(SettingsError::EndpointName(name.clone()));
        }
        self.target_model("0").map(|_| ())
    }

    fn base_url(&self) -> &str {
        self.endpoint_url.trim().trim_end_matches('/')
    }

    /// The TargetModel of `customer`.
    pub fn target_model(&self, customer: &str) -> Result<String, SettingsError> {
        check_customer(customer)?;
        let t = &self.target_template;
        let bad = || SettingsError::Template(t.clone());
        if !t.contains("{customer}") {
            return Err(bad());
        }
        let name = t.replace("{customer}", customer);
        if name.starts_with('/')
            || name
                .split('/')
                .any(|s| s == ".." || s == "." || s.is_empty())
            || name.len() > 1024
            || name.chars().any(|c| c.is_control() || c == '\\')
        {
            return Err(bad());
        }
        Ok(name)
    }

    /// `POST` here to invoke.
    pub fn invocations_url(&self) -> String {
        format!(
            "{}/endpoints/{}/invocations",
            self.base_url(),
            self.endpoint_name
        )
    }

    /// `GET` here for the artifact of `target` (gridcast endpoints only).
    pub fn artifact_url(&self, target: &str) -> String {
        self.model_url("models", target)
    }

    /// `GET` here for the future covariates `target`'s model needs.
    pub fn covariates_url(&self, target: &str) -> String {
        self.model_url("covariates", target)
    }

    /// `GET` here for what a gridcast endpoint keeps of `target`: `models`
    /// (the artifact), `backtests` (its backtest metrics) or `readings` (the
    /// readings after its training end beside its forecast). Each segment of
    /// `target` is percent-encoded but for RFC 3986's unreserved characters.
    pub fn model_url(&self, kind: &str, target: &str) -> String {
        let path: Vec<String> = target
            .split('/')
            .map(|s| gridcast_signing::percent_encode(s, b""))
            .collect();
        format!(
            "{}/endpoints/{}/{kind}/{}",
            self.base_url(),
            self.endpoint_name,
            path.join("/")
        )
    }

    /// The `/auth/{action}` URL (`login`, `refresh`, `logout`).
    pub fn auth_url(&self, action: &str) -> String {
        format!("{}/auth/{action}", self.base_url())
    }

    /// A key naming this endpoint's copy of `target` in local storage.
    pub fn storage_key(&self, target: &str) -> String {
        format!("{}|{}|{target}", self.base_url(), self.endpoint_name)
    }
}

/// Checks a customer id ([`gridcast_api::CustomerId`]).
pub fn check_customer(customer: &str) -> Result<(), SettingsError> {
    gridcast_api::CustomerId::parse(customer)
        .map(drop)
        .map_err(SettingsError::Customer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_target_models() {
        let s = EndpointSettings::for_url("http://127.0.0.1:8080/");
        s.validate().unwrap();
        assert_eq!(
            s.invocations_url(),
            "http://127.0.0.1:8080/endpoints/gridcast/invocations"
        );
        assert_eq!(s.target_model("42").unwrap(), "42.tar.gz");
        assert_eq!(
            s.artifact_url("models/42 a.tar.gz"),
            "http://127.0.0.1:8080/endpoints/gridcast/models/models/42%20a.tar.gz"
        );
        let mut aws =
            EndpointSettings::for_url("https://runtime.sagemaker.eu-west-1.amazonaws.com");
        aws.region = "eu-west-1".into();
        aws.endpoint_name = "energy-mme".into();
        aws.target_template = "customers/{customer}/model.tar.gz".into();
        aws.validate().unwrap();
        assert_eq!(aws.target_model("7").unwrap(), "customers/7/model.tar.gz");
    }

    #[test]
    fn overrides_replace_only_what_is_given() {
        let s = EndpointSettings::with_overrides(
            "https://x",
            Some("eu-west-1"),
            None,
            Some("m/{customer}"),
        );
        assert_eq!(
            (s.region.as_str(), s.endpoint_name.as_str()),
            ("eu-west-1", "gridcast")
        );
        assert_eq!(s.target_model("3").unwrap(), "m/3");
    }

    #[test]
    fn every_field_is_checked() {
        let good = EndpointSettings::for_url("https://x.example");
        let with = |f: fn(&mut EndpointSettings)| {
            let mut s = good.clone();
            f(&mut s);
            s.validate().unwrap_err()
        };
        assert!(matches!(
            with(|s| s.endpoint_url = "ftp://x".into()),
            SettingsError::Url(_)
        ));
        assert!(matches!(
            with(|s| s.endpoint_url = "https://".into()),
            SettingsError::Url(_)
        ));
        assert!(matches!(
            with(|s| s.endpoint_url = "https://x/?a".into()),
            SettingsError::Url(_)
        ));
        assert!(matches!(
            with(|s| s.region = "US East".into()),
            SettingsError::Region(_)
        ));
        assert!(matches!(
            with(|s| s.endpoint_name = "a/b".into()),
            SettingsError::EndpointName(_)
        ));
        assert!(matches!(
            with(|s| s.endpoint_name = "-a".into()),
            SettingsError::EndpointName(_)
        ));
        assert!(matches!(
            with(|s| s.target_template = "model.tar.gz".into()),
            SettingsError::Template(_)
        ));
        assert!(matches!(
            with(|s| s.target_template = "../{customer}".into()),
            SettingsError::Template(_)
        ));
        assert!(matches!(
            with(|s| s.target_template = "/{customer}".into()),
            SettingsError::Template(_)
        ));
        for bad in ["", "../1", ".x", "a/b", &"9".repeat(129)] {
            assert!(
                matches!(good.target_model(bad), Err(SettingsError::Customer(_))),
                "{bad}"
            );
        }
    }
}
