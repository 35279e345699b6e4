//! Parity with Python Prophet 1.5's diagnostics: `cross_validation` and
//! `performance_metrics` on `../shared/fixtures/prophet-ext/cv` and on the
//! cases `diagnostics/make_python_cv.sh` made with that folder's make_cv.py
//! (holidays with a country, conditions, cap/floor columns, hourly data
//! with a regressor, weekly and monthly data, a meter with idle days).

use std::path::{Path, PathBuf};

use gridcast_model::diagnostics::{
    cross_validation, performance_metrics, CrossValidationArgs, CvOptions, CvRows, CvWarning,
    Metric, PerformanceMetrics, Timedelta,
};
use gridcast_model::{fit, parse_timestamp, ForecastOptions, Frame, ProphetConfig, Timestamp};
use serde_json::Value;

struct Case {
    data: Frame,
    config: ProphetConfig,
    cv: Value,
}

fn ext() -> PathBuf {
    let dir =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures/prophet-ext");
    assert!(
        dir.is_dir(),
        "Python Prophet fixtures missing: expected them at {} (shared/ beside the repo)",
        dir.display()
    );
    dir
}

fn ours() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/diagnostics")
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

impl Case {
    fn load(id: &str) -> Case {
        let (data, config, cv) = if id == "idle_meter" {
            let dir = ours();
            (
                dir.join("idle_meter.csv"),
                dir.join("idle_meter.json"),
                dir.join("python_cv/idle_meter.json"),
            )
        } else {
            let shared = ext().join(format!("cv/{id}.json"));
            let cv = if shared.exists() {
                shared
            } else {
                ours().join(format!("python_cv/{id}.json"))
            };
            (
                ext().join(format!("data/{id}.csv")),
                ext().join(format!("config/{id}.json")),
                cv,
            )
        };
        let config = String::from_utf8(read(&config)).unwrap();
        Case {
            data: Frame::from_csv(&read(&data)).unwrap(),
            config: ProphetConfig::from_json(&config).unwrap(),
            cv: serde_json::from_slice(&read(&cv)).unwrap(),
        }
    }

    fn args(&self) -> CrossValidationArgs {
        let td = |k: &str| Timedelta::parse(self.cv[k].as_str().unwrap()).unwrap();
        CrossValidationArgs {
            horizon: td("horizon"),
            period: Some(td("period")),
            initial: Some(td("initial")),
            cutoffs: None,
        }
    }

    fn numbers(&self, key: &str) -> Vec<f64> {
        self.cv[key]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap_or(f64::NAN))
            .collect()
    }

    fn cutoffs(&self) -> Vec<Timestamp> {
        self.cv["cutoffs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| parse_timestamp(v.as_str().unwrap()).unwrap())
            .collect()
    }
}

const CASES: &[&str] = &[
    "temp_regressor",
    "missing_gaps",
    "holidays_country",
    "conditional_winter",
    "logistic_columns",
    "hourly_temp",
    "weekly_sunday",
    "monthly_start",
    "idle_meter",
];

fn options() -> CvOptions {
    CvOptions {
        forecast: ForecastOptions {
            seed: Some(14),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// Python's metric records (`metrics` or `metrics_per_horizon`) against
/// ours: the same horizons and metrics, each value within `tolerance(metric,
/// theirs)`.
fn assert_metrics(
    id: &str,
    what: &str,
    ours: &PerformanceMetrics,
    python: &Value,
    tolerance: &dyn Fn(Metric, f64) -> f64,
) {
    let records = python.as_array().unwrap();
    let horizons: Vec<f64> = records
        .iter()
        .map(|r| r["horizon"].as_f64().unwrap())
        .collect();
    let mine: Vec<f64> = ours.horizon.iter().map(|&h| h as f64 / 86_400.0).collect();
    assert_eq!(mine.len(), horizons.len(), "{id} {what}: horizons");
    for (o, t) in mine.iter().zip(&horizons) {
        assert!(
            (o - t).abs() < 1e-9,
            "{id} {what}: horizon {o} vs Python's {t}"
        );
    }
    let names: Vec<&str> = records[0]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .filter(|k| *k != "horizon")
        .collect();
    let mine: Vec<&str> = ours.columns.iter().map(|(m, _)| m.name()).collect();
    assert_eq!(mine, names, "{id} {what}: metrics");
    let mut wrong = Vec::new();
    for (metric, values) in &ours.columns {
        for (i, record) in records.iter().enumerate() {
            let o = values[i];
            // pandas writes inf and NaN alike, as null.
            let same = match record[metric.name()].as_f64() {
                None => !o.is_finite(),
                Some(theirs) => (o - theirs).abs() <= tolerance(*metric, theirs),
            };
            if !same {
                wrong.push(format!(
                    "{} at horizon {}: {o} vs Python's {}",
                    metric.name(),
                    horizons[i],
                    record[metric.name()]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{id} {what}:\n{}", wrong.join("\n"));
}

/// Our metrics code on Python's own predictions gives Python's metrics to
/// the digits pandas printed, including mdape's medians (which depend on
/// pandas' unstable sort) and the idle meter's dropped mape.
#[test]
fn performance_metrics_on_pythons_rows_are_pythons() {
    for id in CASES {
        let case = Case::load(id);
        let model = fit(&case.data, &case.config).unwrap().model;
        let cv = cross_validation(&model, &case.args(), &options(), &mut |_, _| {}).unwrap();
        let rows = CvRows {
            yhat: case.numbers("cv_yhat"),
            y: case.numbers("cv_y"),
            yhat_lower: None,
            yhat_upper: None,
            ..cv.rows
        };
        let exact = |_: Metric, theirs: f64| 1e-9 * theirs.abs().max(1.0);
        for (key, window) in [("metrics", 0.1), ("metrics_per_horizon", 0.0)] {
            let ours = performance_metrics(&rows, None, window).unwrap().unwrap();
            let mut python = case.cv[key].clone();
            for r in python.as_array_mut().unwrap() {
                r.as_object_mut().unwrap().remove("coverage");
            }
            assert_metrics(id, key, &ours, &python, &exact);
        }
    }
}

/// Per cutoff, the log density Python's refit reached (python_cutoff_lp.py).
fn python_lp(id: &str) -> Vec<f64> {
    let v: Value =
        serde_json::from_slice(&read(&ours().join(format!("python_cv/{id}.lp.json")))).unwrap();
    v["lp"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// How far a metric may move when each row's `yhat` moves by `d[i]`: the
/// Lipschitz bound of each metric over its rows (the largest row's share).
struct RowDifferences {
    /// max |Δyhat|.
    abs: f64,
    /// max |Δyhat / y| over non-zero readings.
    rel: f64,
    /// max of sMAPE's derivative bound, 4|Δyhat| / (|y| + |yhat|).
    sym: f64,
}

impl RowDifferences {
    fn new(rows: &CvRows, python: &[f64]) -> Self {
        let mut d = RowDifferences {
            abs: 0.0,
            rel: 0.0,
            sym: 0.0,
        };
        for i in 0..rows.len() {
            let delta = (rows.yhat[i] - python[i]).abs();
            d.abs = d.abs.max(delta);
            if rows.y[i] != 0.0 {
                d.rel = d.rel.max(delta / rows.y[i].abs());
            }
            d.sym = d
                .sym
                .max(4.0 * delta / (rows.y[i].abs() + python[i].abs()).max(1e-12));
        }
        d
    }

    fn bound(&self, metric: Metric, theirs: f64) -> f64 {
        match metric {
            Metric::Mae | Metric::Rmse => self.abs,
            Metric::Mse => self.abs * (2.0 * theirs.abs().sqrt() + self.abs),
            Metric::Mape | Metric::Mdape => self.rel,
            Metric::Smape => self.sym,
            Metric::Coverage => 0.0,
        }
    }
}

/// Our cross-validation against Python's: the same cutoffs and rows; each
/// row's `yhat` within 0.5% of `y_scale`, except after cutoffs where
/// Python's refit stopped short of the optimum (its log density below ours:
/// Stan's L-BFGS stalls on the Laplace prior's kink, gridcast's orthant-wise
/// steps do not), and every refit at or above Python's log density; every
/// metric per horizon within 2% of Python's plus what those row differences
/// can move it (coverage, a share of random bands: within 3 rows' share of
/// its window or 0.1).
#[test]
fn cross_validation_matches_python() {
    use gridcast_model::diagnostics::{history_frame, prophet_copy};
    for id in CASES {
        let case = Case::load(id);
        let model = fit(&case.data, &case.config).unwrap().model;
        let started = std::time::Instant::now();
        let cv = cross_validation(&model, &case.args(), &options(), &mut |_, _| {})
            .unwrap_or_else(|e| panic!("{id}: {e}"));
        let seconds = started.elapsed().as_secs_f64();
        assert_eq!(cv.plan.cutoffs, case.cutoffs(), "{id}: cutoffs");
        assert_eq!(cv.rows.y, case.numbers("cv_y"), "{id}: rows");
        let py_yhat = case.numbers("cv_yhat");
        let tol = 0.005 * model.y_scale;
        let history = history_frame(&model);
        let mut short = Vec::new();
        for (k, (&cutoff, py_lp)) in cv.plan.cutoffs.iter().zip(python_lp(id)).enumerate() {
            let before: Vec<usize> = (0..history.len())
                .filter(|&i| history.ds[i] <= cutoff)
                .collect();
            let lp = fit(
                &history.select(&before),
                &prophet_copy(&model, Some(cutoff)),
            )
            .unwrap()
            .report
            .lp;
            assert!(
                lp >= py_lp - 1e-6 * py_lp.abs(),
                "{id}: cutoff {k}: lp {lp} < Python's {py_lp}"
            );
            let worst = (0..cv.rows.len())
                .filter(|&i| cv.rows.cutoff[i] == cutoff)
                .map(|i| (cv.rows.yhat[i] - py_yhat[i]).abs())
                .fold(0.0, f64::max);
            if worst > tol {
                assert!(lp > py_lp, "{id}: cutoff {k}: yhat differs by {worst} (tolerance {tol}) at the same optimum");
                short.push(format!(
                    "cutoff {k}: {:.2}% (lp {lp:.2} vs Python's {py_lp:.2})",
                    100.0 * worst / model.y_scale
                ));
            }
        }
        let diffs = RowDifferences::new(&cv.rows, &py_yhat);
        let mut plain = Vec::new();
        for (key, window) in [("metrics", 0.1), ("metrics_per_horizon", 0.0)] {
            let ours = performance_metrics(&cv.rows, None, window)
                .unwrap()
                .unwrap();
            let rows_per_window = match window {
                0.0 => 1.0,
                w => (w * cv.rows.len() as f64).floor(),
            };
            let tolerance = |metric: Metric, theirs: f64| match metric {
                Metric::Coverage => (3.0 / rows_per_window).max(0.1) + 1e-9,
                _ => 0.02 * theirs.abs() + diffs.bound(metric, theirs),
            };
            assert_metrics(id, key, &ours, &case.cv[key], &tolerance);
            plain.push(format!(
                "{key} {:.2}%",
                100.0 * worst_relative(&ours, &case.cv[key])
            ));
        }
        eprintln!(
            "{id}: {} cutoffs, {} rows, yhat within {:.3}% of y_scale ({}); worst metric (not coverage) {}; {:.3} s (Python {:.2} s)",
            cv.plan.cutoffs.len(),
            cv.rows.len(),
            100.0 * diffs.abs / model.y_scale,
            if short.is_empty() { "every cutoff within 0.5%".into() } else { format!("Python short of the optimum at {}", short.join(", ")) },
            plain.join(", "),
            seconds,
            case.cv["python_cv_seconds"].as_f64().unwrap()
        );
    }
}

/// The largest relative difference of any metric but coverage.
fn worst_relative(ours: &PerformanceMetrics, python: &Value) -> f64 {
    let mut worst = 0.0f64;
    for (metric, values) in ours.columns.iter().filter(|(m, _)| *m != Metric::Coverage) {
        for (i, record) in python.as_array().unwrap().iter().enumerate() {
            if let Some(t) = record[metric.name()].as_f64() {
                if t != 0.0 {
                    worst = worst.max(((values[i] - t) / t).abs());
                }
            }
        }
    }
    worst
}

/// Python's defaults: period = horizon / 2, initial = max(3 × horizon, the
/// longest seasonality), and its warning when a given initial is shorter
/// than the longest seasonality (weekly_sunday: five years of weekly
/// readings, so yearly seasonality; horizon 91 days).
#[test]
fn defaults_and_warnings_are_pythons() {
    let case = Case::load("weekly_sunday");
    let model = fit(&case.data, &case.config).unwrap().model;
    let plan = gridcast_model::diagnostics::plan_cross_validation(
        &model,
        &CrossValidationArgs::horizon(Timedelta::days(91)),
        100,
    )
    .unwrap();
    assert_eq!(plan.initial, Timedelta::from_days_f64(365.25));
    assert!(plan.cutoffs[0] - model.history.ds[0] >= 31_557_600);
    let steps: Vec<i64> = plan.cutoffs.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(
        steps.iter().all(|&s| s == 45 * 86_400 + 43_200),
        "{steps:?}"
    );
    assert!(plan.warnings.is_empty());
    let args = CrossValidationArgs {
        initial: Some(Timedelta::days(180)),
        ..case.args()
    };
    let cv = cross_validation(&model, &args, &options(), &mut |_, _| {}).unwrap();
    assert!(matches!(
        cv.plan.warnings[..],
        [CvWarning::InitialShorterThanSeasonality { period_days, .. }] if period_days == 365.25
    ));
}
