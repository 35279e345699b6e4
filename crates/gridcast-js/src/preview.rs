//! The preview page's Web Worker: `previewMessage` answers the page's
//! [`WorkerRequest`]s (gridcast-api's JSON text: read, fit, refit,
//! backtest) with [`WorkerReply`]s (as plain JavaScript objects, each result
//! with its HTML from [`crate::view`]: the portal places that and reads
//! nothing else, since a deserializer would cost its budgeted bundle 12 KB
//! gzipped), so `www/preview-worker.js` only relays.
//! A fit writes no artifact: the worker keeps the fitted model and writes
//! its `.tar.gz` when the page asks ([`WorkerRequest::Artifact`], the
//! download), as `fitCsv`'s `model` handle does ([`FittedModel::artifact`]).
//! `fitCsv`, `readCsv` and `refitWithReadings` are the same work as plain
//! calls (the benchmarks use them). The work itself is in [`crate::stages`]
//! and [`crate::backtest`].

use std::cell::RefCell;

use gridcast_api::{RequestKind, WorkerError, WorkerReply, WorkerRequest};
use gridcast_client::OnDeviceModel;
use gridcast_model::{Frame, ProphetConfig, ProphetModel};
use wasm_bindgen::prelude::*;

use crate::js_value::{now_ms, rng_seed, ToJs};
use crate::stages::{self, FitAnswer};
use crate::view;

thread_local! {
    /// The worker's last fitted model, for [`WorkerRequest::Artifact`].
    static LAST_FIT: RefCell<Option<ProphetModel>> = const { RefCell::new(None) };
}

/// A fitted model held in wasm memory (`fitCsv`'s `model`): its artifact is
/// written only when asked for. Call `free()` when done with it.
#[wasm_bindgen]
pub struct FittedModel {
    model: ProphetModel,
}

#[wasm_bindgen]
impl FittedModel {
    /// The model's `.tar.gz` (model.json, tar and gzip) as a `Uint8Array`:
    /// Python Prophet and `gridcast serve` load it.
    pub fn artifact(&self) -> Vec<u8> {
        stages::artifact_of(&self.model)
    }
}

/// A fit's summary as JavaScript's object, with `field` set to `value`.
fn with_field(answer: &FitAnswer, field: &str, value: JsValue) -> Result<JsValue, JsValue> {
    let out = answer.to_js();
    js_sys::Reflect::set(&out, &field.into(), &value)?;
    Ok(out)
}

fn message_of(e: WorkerError) -> JsValue {
    JsValue::from_str(&e.message)
}

/// Answers one of the preview page's messages: `request` is a
/// `WorkerRequest`'s JSON text, `csv` the file's bytes, `artifact` the
/// model to refit. Each answer goes to `post(reply, artifact?)`:
/// progress replies, then one result or failure (an `Artifact` reply's bytes as a
/// `Uint8Array` second argument).
#[wasm_bindgen(js_name = previewMessage)]
pub fn preview_message(
    request: &str,
    csv: &[u8],
    artifact: Option<Vec<u8>>,
    post: &js_sys::Function,
) {
    let send = |reply: &WorkerReply, bytes: Option<&[u8]>| {
        let bytes = bytes.map_or(JsValue::UNDEFINED, |b| js_sys::Uint8Array::from(b).into());
        let _ = post.call2(&JsValue::NULL, &reply.to_js(), &bytes);
    };
    let request: WorkerRequest = match serde_json::from_str(request) {
        Ok(r) => r,
        Err(e) => {
            let e = WorkerError::new(
                RequestKind::Read,
                "worker",
                format!("not a preview request: {e}"),
            );
            return send(&WorkerReply::Failed(e), None);
        }
    };
    let progress = |text: &str, done: usize, total: usize| {
        send(
            &WorkerReply::Progress {
                text: text.into(),
                done,
                total,
            },
            None,
        );
    };
    let answer = match &request {
        WorkerRequest::Read => stages::read_csv(csv).map(|readings| {
            let html = view::readings_html(&readings);
            (WorkerReply::Readings { readings, html }, None)
        }),
        WorkerRequest::Artifact => LAST_FIT.with_borrow(|last| match last {
            Some(model) => {
                let t0 = now_ms();
                let bytes = stages::artifact_of(model);
                let artifact_ms = now_ms() - t0;
                Ok((WorkerReply::Artifact { artifact_ms }, Some(bytes)))
            }
            None => Err(WorkerError::new(
                RequestKind::Artifact,
                "no_fit",
                "no model to save yet: fit one first",
            )),
        }),
        WorkerRequest::Fit { model, days, refit } => {
            let fitted = match (refit, &artifact) {
                (true, Some(a)) => {
                    progress("Adding the readings to your model and fitting again…", 0, 0);
                    refit_with(a, csv, *days, None)
                }
                (true, None) => Err(WorkerError::new(
                    RequestKind::Fit,
                    "arguments",
                    "a refit needs the model's artifact beside the request",
                )),
                (false, _) => {
                    progress("Fitting a Prophet model to the readings…", 0, 0);
                    stages::fit_choice(csv, model, *days, None, now_ms)
                }
            };
            fitted.map(|a| {
                let html = view::fit_html(&a.summary);
                LAST_FIT.set(Some(a.model));
                (
                    WorkerReply::Fitted {
                        fit: a.summary,
                        html,
                    },
                    None,
                )
            })
        }
        WorkerRequest::Backtest { model, backtest } => {
            progress("Fitting the whole history…", 0, 0);
            let mut step =
                |done, total| progress(&format!("Cutoff {done} of {total} forecast"), done, total);
            stages::backtest(csv, model, backtest, &mut step).map(|backtest| {
                let html = view::backtest_html(&backtest);
                (WorkerReply::Backtested { backtest, html }, None)
            })
        }
    };
    match answer {
        Ok((reply, bytes)) => send(&reply, bytes.as_deref()),
        Err(e) => send(&WorkerReply::Failed(e), None),
    }
}

/// Reads a CSV of readings (before fitting): `{readings, first, last,
/// columns, svg}` (the daily readings charted); throws a message naming
/// the bad line.
#[wasm_bindgen(js_name = readCsv)]
pub fn read_csv(csv: &[u8]) -> Result<JsValue, JsValue> {
    stages::read_csv(csv)
        .map(|r| r.to_js())
        .map_err(|e| JsValue::from_str(&e.message))
}

/// Fits Prophet to a CSV of readings (the seed layout, or `ds,y` with a
/// header) with `preset` (`default`, `seed`, `weather`, or Prophet's
/// arguments as a `prophet.json` object's text) and forecasts `days` days.
/// Answers a `FitSummary` (`{readings, fitMs, lp, iterations, algorithm,
/// yScale, trainedThrough, svg, rows, stages, …}`; `stages`: milliseconds
/// spent parsing, fitting, forecasting and charting) plus `model`, a
/// [`FittedModel`] whose `artifact()` writes the `.tar.gz` on demand;
/// throws a message naming the bad line or argument.
#[wasm_bindgen(js_name = fitCsv)]
pub fn fit_csv(csv: &[u8], preset: &str, days: u32, seed: Option<f64>) -> Result<JsValue, JsValue> {
    let config = stages::config(preset).map_err(|e| JsValue::from_str(&e))?;
    let a = stages::fit_csv(csv, &config, days, rng_seed(seed), now_ms).map_err(message_of)?;
    let out = a.to_js();
    let model = FittedModel { model: a.model };
    js_sys::Reflect::set(&out, &"model".into(), &model.into())?;
    Ok(out)
}

/// Appends readings from a CSV to an artifact's history (a reading at the
/// same time replaces the model's) and fits again with the model's own
/// arguments. Answers like [`fit_csv`], with `artifact` (the refitted
/// `.tar.gz`, which the device keeps, so written now: `stages.artifactMs`)
/// in place of `model`.
#[wasm_bindgen(js_name = refitWithReadings)]
pub fn refit_with_readings(
    artifact: &[u8],
    csv: &[u8],
    days: u32,
    seed: Option<f64>,
) -> Result<JsValue, JsValue> {
    let mut a = refit_with(artifact, csv, days, rng_seed(seed)).map_err(message_of)?;
    let t0 = now_ms();
    let bytes = a.artifact();
    a.summary.stages.artifact_ms = now_ms() - t0;
    with_field(&a, "artifact", js_sys::Uint8Array::from(bytes.as_slice()).into())
}

/// [`refit_with_readings`]' work.
fn refit_with(
    artifact: &[u8],
    csv: &[u8],
    days: u32,
    seed: Option<u64>,
) -> Result<FitAnswer, WorkerError> {
    let failed = |code: &str, e: String| WorkerError::new(RequestKind::Fit, code, e);
    let model = OnDeviceModel::from_artifact(artifact)
        .map_err(|e| failed("artifact", e))?
        .model;
    let config =
        ProphetConfig::from_model(&model).map_err(|e| failed("artifact", e.to_string()))?;
    let extra = stages::parse_for(csv, RequestKind::Fit)?;
    let frame = Frame::merged(&model_frame(&model, &config), &extra)
        .map_err(|e| failed("csv", e.to_string()))?;
    stages::fit_series(&frame, &config, days, seed, now_ms)
}

/// The model's training rows as a frame: readings, and the capacity and floor
/// columns a refit needs when the configuration does not hold them as
/// constants. (Regressor and condition columns are not carried over: their
/// future values are not known here.)
fn model_frame(model: &gridcast_model::ProphetModel, config: &ProphetConfig) -> Frame {
    let mut frame = Frame::new(model.history.ds.clone(), model.history.y.clone());
    if config.cap.is_none() {
        frame.cap = model.history.cap.clone();
    }
    if config.floor.is_none() && model.logistic_floor {
        frame.floor = Some(model.history.floor.clone());
    }
    frame
}
