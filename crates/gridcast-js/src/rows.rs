//! The JavaScript shapes of forecasts and problems (plain data, serde).

use gridcast_client::{ForecastTable, Problem, Uncovered};
use serde::Serialize;

/// One forecast row for JavaScript (the preview worker's, too).
pub use gridcast_api::ForecastRow as Row;

/// The rows of a table.
pub fn rows(t: &ForecastTable) -> Vec<Row> {
    (0..t.len())
        .map(|i| Row {
            ds: gridcast_model::format_csv(t.ds[i]),
            yhat: t.yhat[i],
            yhat_lower: t.lower[i],
            yhat_upper: t.upper[i],
        })
        .collect()
}

/// A problem for JavaScript: what happened and what to do.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProblemJs {
    /// What happened.
    pub title: String,
    /// What to do next.
    pub next_step: String,
}

impl From<&Problem> for ProblemJs {
    fn from(p: &Problem) -> Self {
        Self {
            title: p.to_string(),
            next_step: p.next_step().to_owned(),
        }
    }
}

/// The rows a device forecast left out for want of covariates, for
/// JavaScript: the sentence to show and the span and columns it names.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UncoveredJs {
    /// What to show.
    pub message: String,
    /// The first date left out.
    pub from: String,
    /// The last.
    pub to: String,
    /// The covariates the device has no values of.
    pub columns: Vec<String>,
}

impl From<&Uncovered> for UncoveredJs {
    fn from(u: &Uncovered) -> Self {
        Self {
            message: u.to_string(),
            from: gridcast_model::format_csv(u.first),
            to: gridcast_model::format_csv(u.last),
            columns: u.columns.clone(),
        }
    }
}

/// The edge handler's JSON answer for a forecast, in this key order
/// (`uncovered` only when the device left rows out).
#[derive(Serialize)]
struct EdgeBody<'a> {
    customer: &'a str,
    source: &'a str,
    forecast: Vec<Row>,
    #[serde(skip_serializing_if = "Option::is_none")]
    uncovered: Option<UncoveredJs>,
}

/// The edge handler's JSON answer for a forecast (`uncovered` only when the
/// device left rows out). Serialized from structs, so the edge links no
/// `serde_json::Value` builder.
pub fn edge_body(
    customer: &str,
    source: &str,
    t: &ForecastTable,
    uncovered: Option<&Uncovered>,
) -> String {
    let body = EdgeBody {
        customer,
        source,
        forecast: rows(t),
        uncovered: uncovered.map(UncoveredJs::from),
    };
    serde_json::to_string(&body).expect("plain data")
}

/// SageMaker's error body.
pub fn error_body(message: &str) -> String {
    #[derive(Serialize)]
    struct ErrorBody<'a> {
        message: &'a str,
    }
    serde_json::to_string(&ErrorBody { message }).expect("plain data")
}

/// `text` with every occurrence of each of `secrets` replaced, so that an
/// answer never carries the keys it was signed with.
pub fn redact<'a>(text: &str, secrets: impl IntoIterator<Item = &'a String>) -> String {
    let mut out = text.to_owned();
    for secret in secrets.into_iter().filter(|s| !s.is_empty()) {
        if out.contains(secret.as_str()) {
            out = out.replace(secret.as_str(), "[the edge's credentials]");
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bodies as they were built before (serde_json `Value`s, keys in
    /// insertion order): the structs must write the same bytes.
    fn value_body(customer: &str, source: &str, t: &ForecastTable, u: Option<&Uncovered>) -> String {
        let mut body =
            serde_json::json!({ "customer": customer, "source": source, "forecast": rows(t) });
        if let Some(u) = u {
            body["uncovered"] = serde_json::to_value(UncoveredJs::from(u)).unwrap();
        }
        body.to_string()
    }

    #[test]
    fn bodies_are_the_bytes_the_value_builder_wrote() {
        let t = ForecastTable {
            ds: vec![86_400, 2 * 86_400, 3 * 86_400 + 3_600],
            yhat: vec![1.5, f64::NAN, -0.000_123_456_789],
            lower: vec![1.0, 1e21, f64::INFINITY],
            upper: vec![2.0, 0.1 + 0.2, 12_345.678_901_234_5],
            columns: vec![],
        };
        let u = Uncovered {
            columns: vec!["temperature".into(), "wind \"gust\"".into()],
            first: 2 * 86_400,
            last: 3 * 86_400,
            rows: 2,
        };
        for (customer, uncovered) in [("42", None), ("c/\u{e9}\"x\"", Some(&u))] {
            assert_eq!(
                edge_body(customer, "device", &t, uncovered),
                value_body(customer, "device", &t, uncovered)
            );
        }
        for message in ["a \"b\"", "", "line\nbreak \u{1} \u{2028} \u{e9}"] {
            assert_eq!(
                error_body(message),
                serde_json::json!({ "message": message }).to_string()
            );
        }
    }

    #[test]
    fn rows_and_bodies() {
        let t = ForecastTable {
            ds: vec![86_400],
            yhat: vec![1.5],
            lower: vec![1.0],
            upper: vec![2.0],
            columns: vec![],
        };
        let v: serde_json::Value =
            serde_json::from_str(&edge_body("42", "device", &t, None)).unwrap();
        assert_eq!(v["forecast"][0]["ds"], "1970-01-02");
        assert_eq!(v["forecast"][0]["yhat_upper"], 2.0);
        assert_eq!(v["source"], "device");
        assert!(v.get("uncovered").is_none());
        let u = Uncovered {
            columns: vec!["temperature".into()],
            first: 2 * 86_400,
            last: 3 * 86_400,
            rows: 2,
        };
        let v: serde_json::Value =
            serde_json::from_str(&edge_body("42", "device", &t, Some(&u))).unwrap();
        assert_eq!(v["uncovered"]["from"], "1970-01-03");
        assert_eq!(v["uncovered"]["to"], "1970-01-04");
        assert_eq!(v["uncovered"]["columns"][0], "temperature");
        assert_eq!(v["uncovered"]["message"], u.to_string());
        let e: serde_json::Value = serde_json::from_str(&error_body("a \"b\"")).unwrap();
        assert_eq!(e["message"], "a \"b\"");
        let keys = [
            "AKIDEDGE".to_owned(),
            "edge/secret+key".to_owned(),
            String::new(),
        ];
        let quoted = error_body("Credential=AKIDEDGE/20260101, secret edge/secret+key");
        let clean = redact(&quoted, &keys);
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&clean).unwrap()["message"],
            "Credential=[the edge's credentials]/20260101, secret [the edge's credentials]"
        );
        assert_eq!(redact("nothing to hide", &keys), "nothing to hide");
        let p = serde_json::to_value(ProblemJs::from(&Problem::NoStoredModel)).unwrap();
        assert_eq!(p["nextStep"], Problem::NoStoredModel.next_step());
    }
}
