//! The `<gridcast-forecast>` element's attributes, checked in one place:
//! `www/embed.js` hands them to the wasm and shows what it answers.

use serde::{Deserialize, Serialize};

use crate::customer::CustomerId;
use crate::horizon::Horizon;

/// The widget's colour scheme.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Dark text on white.
    #[default]
    Light,
    /// Light text on dark.
    Dark,
}

/// The attributes as the element has them (text, or absent).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WidgetOptions {
    /// `customer`.
    pub customer: Option<String>,
    /// `endpoint` (the page's origin when absent).
    pub endpoint: Option<String>,
    /// `days` (14 when absent).
    pub days: Option<String>,
    /// `theme` (light when absent).
    pub theme: Option<String>,
}

impl WidgetOptions {
    /// Every attribute that is wrong, each with what to write instead
    /// (empty: all good).
    pub fn problems(&self) -> Vec<String> {
        let mut out = Vec::new();
        let customer = self.customer.as_deref().unwrap_or("");
        if let Err(e) = CustomerId::parse(customer) {
            out.push(format!("customer=\"{customer}\": {e}"));
        }
        if let Some(endpoint) = &self.endpoint {
            let host = endpoint
                .strip_prefix("https://")
                .or_else(|| endpoint.strip_prefix("http://"))
                .and_then(|r| r.split('/').next())
                .unwrap_or("");
            if host.is_empty() || host.contains(char::is_whitespace) {
                out.push(format!(
                    "endpoint=\"{endpoint}\": use an http(s) URL of a forecast endpoint"
                ));
            }
        }
        if let Some(days) = &self.days {
            if let Err(e) = Horizon::parse(days) {
                out.push(format!("days=\"{days}\": {e}"));
            }
        }
        if let Some(theme) = &self.theme {
            if serde_json::from_value::<Theme>(serde_json::Value::String(theme.clone())).is_err()
            {
                out.push(format!("theme=\"{theme}\": use light or dark"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_attribute_is_named() {
        let good = WidgetOptions {
            customer: Some("42".into()),
            endpoint: Some("https://forecast.example".into()),
            days: Some("14".into()),
            theme: Some("dark".into()),
        };
        assert!(good.problems().is_empty());
        let bad = WidgetOptions {
            customer: Some("../42".into()),
            endpoint: Some("ftp://x".into()),
            days: Some("91".into()),
            theme: Some("pink".into()),
        };
        let p = bad.problems();
        assert_eq!(p.len(), 4, "{p:?}");
        assert!(p[0].starts_with("customer=\"../42\""));
        assert!(p[2].contains("between 1 and 90"));
        assert!(WidgetOptions::default().problems()[0].contains("empty"));
    }
}
