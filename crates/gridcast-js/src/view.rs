//! The preview worker's answers as the page shows them: HTML made here, in
//! the on-demand bundle, so the portal only places it (its own bundle has a
//! size budget). Text from the file (column names, dates) is escaped.

use std::fmt::Write;

use gridcast_api::{BacktestSummary, FitSummary, ReadingsSummary};
use gridcast_client::chart::escape;

/// The readings before fitting: how many, their span, the extra columns, the chart.
pub fn readings_html(r: &ReadingsSummary) -> String {
    let mut out = format!(
        "<div><p class=\"hint\" role=\"status\">{} readings from {} to {}.",
        r.readings,
        escape(&r.first),
        escape(&r.last)
    );
    if !r.columns.is_empty() {
        let _ = write!(out, " Extra columns: {}.", escape(&r.columns.join(", ")));
    }
    let _ = write!(out, "</p><figure class=\"chart\">{}</figure></div>", r.svg);
    out
}

/// What the model is beyond its preset: `regressors: temperature; US holidays`.
fn model_extras(f: &FitSummary) -> String {
    let mut parts = Vec::new();
    if !f.regressors.is_empty() {
        parts.push(format!("regressors: {}", f.regressors.join(", ")));
    }
    if let Some(c) = &f.country {
        parts.push(format!("{c} holidays"));
    }
    escape(&parts.join("; "))
}

/// A fit: what was fitted, the chart and the forecast table (`data-yhat` per row).
pub fn fit_html(f: &FitSummary) -> String {
    let mut out = format!(
        "<div data-fit-ms=\"{}\"><p role=\"status\"><strong>Fitted {} readings on this device in {:.0} ms</strong> ({}, {} iterations; readings up to {}). {}</p>",
        f.fit_ms,
        f.readings,
        f.fit_ms,
        escape(&f.algorithm),
        f.iterations,
        escape(&f.trained_through),
        model_extras(f)
    );
    let _ = write!(
        out,
        "<figure class=\"chart\">{}</figure><table><caption>Forecast, {} rows</caption>\
         <thead><tr><th scope=\"col\">Date</th><th scope=\"col\">Forecast</th><th scope=\"col\">Low</th><th scope=\"col\">High</th></tr></thead><tbody>",
        f.svg,
        f.rows.len()
    );
    for r in &f.rows {
        let _ = write!(
            out,
            "<tr data-yhat=\"{}\"><th scope=\"row\">{}</th><td>{:.1}</td><td>{:.1}</td><td>{:.1}</td></tr>",
            r.yhat,
            escape(&r.ds),
            r.yhat,
            r.yhat_lower,
            r.yhat_upper
        );
    }
    out.push_str("</tbody></table></div>");
    out
}

/// A backtest: `performance_metrics` at its horizons (`data-*` per row hold
/// the exact values), the cutoffs, and Python's warnings.
pub fn backtest_html(b: &BacktestSummary) -> String {
    let mut out = format!(
        "<div><table id=\"backtest-result\" data-cutoffs=\"{}\"><caption>Backtest: {} cutoffs, horizon {}, initial {}</caption>\
         <thead><tr><th scope=\"col\">Days ahead</th><th scope=\"col\">MAE</th><th scope=\"col\">RMSE</th><th scope=\"col\">sMAPE</th><th scope=\"col\">Coverage</th></tr></thead><tbody>",
        b.cutoffs,
        b.cutoffs,
        escape(&b.horizon),
        escape(&b.initial)
    );
    for m in &b.metrics {
        let coverage = m.coverage.unwrap_or(f64::NAN);
        let shown = m
            .coverage
            .map(|c| format!("{:.0}%", c * 100.0))
            .unwrap_or_default();
        let _ = write!(
            out,
            "<tr data-h=\"{}\" data-mae=\"{}\" data-rmse=\"{}\" data-smape=\"{}\" data-coverage=\"{coverage}\">\
             <th scope=\"row\">{}</th><td>{:.2}</td><td>{:.2}</td><td>{:.1}%</td><td>{shown}</td></tr>",
            m.horizon_days, m.mae, m.rmse, m.smape, m.horizon_days, m.mae, m.rmse, m.smape * 100.0
        );
    }
    out.push_str("</tbody></table>");
    for w in &b.warnings {
        let _ = write!(out, "<p class=\"hint\">{}</p>", escape(w));
    }
    out.push_str("</div>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_text_is_escaped() {
        let r = ReadingsSummary {
            readings: 2,
            first: "2022-01-01".into(),
            last: "2022-01-02".into(),
            columns: vec!["<img onerror=x>".into()],
            svg: "<svg></svg>".into(),
        };
        let html = readings_html(&r);
        assert!(
            html.contains("Extra columns: &lt;img onerror=x&gt;."),
            "{html}"
        );
        assert!(html.contains("<figure class=\"chart\"><svg></svg></figure>"));
    }
}
