//! The forecast preview: readings from a CSV, a Prophet model fitted on this
//! device (in a Web Worker running gridcast's optimizer as wasm, loaded only
//! here), the forecast, and the model saved as an artifact that Python
//! Prophet and `gridcast serve` load. Works with no endpoint at all. A
//! signed-in customer can instead add the readings to their own model and
//! fit it again.

use std::rc::Rc;

use gridcast_client::forecaster::DeviceModel;
use gridcast_client::MAX_HORIZON_DAYS;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{
    HtmlInputElement, HtmlSelectElement, MessageEvent, Worker, WorkerOptions, WorkerType,
};
use yew::prelude::*;

/// Props of [`Preview`].
#[derive(Properties, PartialEq)]
pub struct PreviewProps {
    /// The signed-in customer's model, if any (to refit with new readings).
    #[prop_or_default]
    pub model: Option<DeviceModel>,
}

/// One forecast row from the worker.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    ds: String,
    yhat: f64,
    yhat_lower: f64,
    yhat_upper: f64,
}

/// The worker's reading of a CSV.
#[derive(Debug, Clone, PartialEq)]
struct Readings {
    readings: usize,
    first: String,
    last: String,
    svg: String,
}

/// The worker's fit (plus a download URL for the artifact).
#[derive(Debug, Clone, PartialEq)]
struct Fit {
    readings: usize,
    fit_ms: f64,
    iterations: usize,
    algorithm: String,
    trained_through: String,
    svg: String,
    rows: Vec<Row>,
    artifact_url: String,
}

// The worker's answers are plain objects made by gridcast-js; their fields are
// read one by one (a serde deserializer for JS values would put a second copy
// of serde's machinery into the portal's wasm for these few fields).

/// A text field of a worker answer.
fn text(data: &JsValue, name: &str) -> Result<String, String> {
    field(data, name)
        .and_then(|v| v.as_string())
        .ok_or_else(|| format!("the worker's answer has no text `{name}`"))
}

/// A number field of a worker answer.
fn number(data: &JsValue, name: &str) -> Result<f64, String> {
    field(data, name)
        .and_then(|v| v.as_f64())
        .ok_or_else(|| format!("the worker's answer has no number `{name}`"))
}

/// A count field of a worker answer (a whole, non-negative number).
fn count(data: &JsValue, name: &str) -> Result<usize, String> {
    let v = number(data, name)?;
    if v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_991.0 {
        Ok(v as usize)
    } else {
        Err(format!("the worker's `{name}` is {v}, not a count"))
    }
}

impl Row {
    fn from_js(row: &JsValue) -> Result<Self, String> {
        Ok(Self {
            ds: text(row, "ds")?,
            yhat: number(row, "yhat")?,
            yhat_lower: number(row, "yhat_lower")?,
            yhat_upper: number(row, "yhat_upper")?,
        })
    }
}

impl Readings {
    fn from_js(r: &JsValue) -> Result<Self, String> {
        Ok(Self {
            readings: count(r, "readings")?,
            first: text(r, "first")?,
            last: text(r, "last")?,
            svg: text(r, "svg")?,
        })
    }
}

impl Fit {
    /// The fit in `result` (its artifact still to be offered, in `artifact_url`).
    fn from_js(result: &JsValue) -> Result<Self, String> {
        let rows: js_sys::Array = field(result, "rows")
            .and_then(|r| r.dyn_into().ok())
            .ok_or("the worker's answer has no list `rows`")?;
        Ok(Self {
            readings: count(result, "readings")?,
            fit_ms: number(result, "fitMs")?,
            iterations: count(result, "iterations")?,
            algorithm: text(result, "algorithm")?,
            trained_through: text(result, "trainedThrough")?,
            svg: text(result, "svg")?,
            rows: rows
                .iter()
                .map(|r| Row::from_js(&r))
                .collect::<Result<_, _>>()?,
            artifact_url: String::new(),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Status {
    Idle,
    Read(Rc<Readings>),
    Working(String),
    Done(Rc<Fit>),
    Failed { title: String, detail: String },
}

fn artifact_url(bytes: &js_sys::Uint8Array) -> Option<String> {
    let parts = js_sys::Array::of1(bytes);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/gzip");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

fn field(data: &JsValue, name: &str) -> Option<JsValue> {
    js_sys::Reflect::get(data, &name.into())
        .ok()
        .filter(|v| !v.is_undefined())
}

/// What a worker message means for the page.
fn status_of(data: &JsValue, file: &str) -> Option<Status> {
    if let Some(p) = field(data, "progress").and_then(|p| p.as_string()) {
        return (p != "Done").then_some(Status::Working(p));
    }
    if let Some(e) = field(data, "error").and_then(|e| e.as_string()) {
        let reading = field(data, "kind").and_then(|k| k.as_string()).as_deref() == Some("read");
        let title = if reading {
            format!("{file} cannot be read")
        } else {
            "The fit failed".to_owned()
        };
        return Some(Status::Failed { title, detail: e });
    }
    if let Some(r) = field(data, "readings") {
        return Some(match Readings::from_js(&r) {
            Ok(r) => Status::Read(Rc::new(r)),
            Err(detail) => Status::Failed {
                title: "Unexpected answer".into(),
                detail,
            },
        });
    }
    let result = field(data, "result")?;
    let fit = Fit::from_js(&result).and_then(|mut fit| {
        let bytes: js_sys::Uint8Array = field(&result, "artifact")
            .and_then(|a| a.dyn_into().ok())
            .ok_or("the worker sent no artifact")?;
        fit.artifact_url = artifact_url(&bytes).ok_or("cannot offer the artifact for download")?;
        Ok(fit)
    });
    Some(match fit {
        Ok(f) => Status::Done(Rc::new(f)),
        Err(e) => Status::Failed {
            title: "Unexpected answer".into(),
            detail: e,
        },
    })
}

fn stem(file: &str) -> String {
    let base = file.rsplit(['/', '\\']).next().unwrap_or(file);
    let base = base.strip_suffix(".csv").unwrap_or(base);
    let clean: String = base
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    if clean.is_empty() {
        "my-model".into()
    } else {
        clean
    }
}

type WorkerSlot = Option<(Worker, Closure<dyn FnMut(MessageEvent)>)>;

/// Sends `message` to the worker, starting it first if needed; its answers
/// become `status` (errors name the file in `file`).
fn post(
    worker: &std::cell::RefCell<WorkerSlot>,
    status: &UseStateHandle<Status>,
    file: Rc<std::cell::RefCell<Rc<str>>>,
    message: &js_sys::Object,
) {
    let mut slot = worker.borrow_mut();
    if slot.is_none() {
        let options = WorkerOptions::new();
        options.set_type(WorkerType::Module);
        match Worker::new_with_options("preview-worker.js", &options) {
            Ok(w) => {
                let status = status.clone();
                let on_message = Closure::<dyn FnMut(MessageEvent)>::new(move |m: MessageEvent| {
                    let name = file.borrow().clone();
                    if let Some(s) = status_of(&m.data(), &name) {
                        status.set(s);
                    }
                });
                w.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                *slot = Some((w, on_message));
            }
            Err(e) => {
                status.set(Status::Failed {
                    title: "This browser cannot run the preview".into(),
                    detail: format!("{e:?}"),
                });
                return;
            }
        }
    }
    if let Some((w, _)) = slot.as_ref() {
        if let Err(e) = w.post_message(message) {
            status.set(Status::Failed {
                title: "The preview failed".into(),
                detail: format!("{e:?}"),
            });
        }
    }
}

fn message(fields: &[(&str, JsValue)]) -> js_sys::Object {
    let m = js_sys::Object::new();
    for (k, v) in fields {
        let _ = js_sys::Reflect::set(&m, &(*k).into(), v);
    }
    m
}

/// The preview page.
#[function_component(Preview)]
pub fn preview(props: &PreviewProps) -> Html {
    let csv = use_state(|| None::<(Rc<str>, Rc<Vec<u8>>)>);
    let status = use_state(|| Status::Idle);
    let days = use_state(|| 30_u32);
    let preset = use_state(|| "default".to_owned());
    let from_model = use_state(|| false);
    let name = use_state(|| "my-model".to_owned());
    let worker = use_mut_ref(|| None as WorkerSlot);
    let file_name_slot = use_mut_ref(|| Rc::<str>::from(""));

    let load = {
        let (csv, status, name, worker, slot) = (
            csv.clone(),
            status.clone(),
            name.clone(),
            worker.clone(),
            file_name_slot.clone(),
        );
        Rc::new(move |file: web_sys::File| {
            let (csv, status, name, worker, slot) = (
                csv.clone(),
                status.clone(),
                name.clone(),
                worker.clone(),
                slot.clone(),
            );
            let file_name: Rc<str> = file.name().into();
            let reader =
                gloo_file::callbacks::read_as_bytes(&file.into(), move |bytes| match bytes {
                    Ok(bytes) => {
                        name.set(stem(&file_name));
                        status.set(Status::Working("Reading the file…".into()));
                        let m = message(&[
                            ("id", JsValue::from_f64(js_sys::Date::now())),
                            ("kind", "read".into()),
                            ("csv", js_sys::Uint8Array::from(bytes.as_slice()).into()),
                        ]);
                        *slot.borrow_mut() = file_name.clone();
                        csv.set(Some((file_name.clone(), Rc::new(bytes))));
                        post(&worker, &status, slot, &m);
                    }
                    Err(e) => status.set(Status::Failed {
                        title: format!("{file_name} cannot be read"),
                        detail: e.to_string(),
                    }),
                });
            // The reader lives until it has called back.
            std::mem::forget(reader);
        })
    };
    let on_pick = {
        let load = load.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(f) = input.files().and_then(|f| f.get(0)) {
                load(f);
            }
        })
    };
    let on_drop = {
        let load = load.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if let Some(f) = e
                .data_transfer()
                .and_then(|d| d.files())
                .and_then(|f| f.get(0))
            {
                load(f);
            }
        })
    };
    let on_drag_over = Callback::from(|e: DragEvent| e.prevent_default());
    let on_days = {
        let days = days.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Ok(d) = input.value().parse() {
                days.set(d);
            }
        })
    };
    let on_preset = {
        let preset = preset.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            preset.set(select.value());
        })
    };
    let on_from_model = {
        let from_model = from_model.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            from_model.set(input.checked());
        })
    };
    let on_name = {
        let name = name.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            name.set(stem(&input.value()));
        })
    };
    let on_fit = {
        let (csv, status, days, preset, from_model) = (
            csv.clone(),
            status.clone(),
            days.clone(),
            preset.clone(),
            from_model.clone(),
        );
        let (worker, model, slot) = (worker.clone(), props.model.clone(), file_name_slot.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some((_, bytes)) = (*csv).clone() else {
                return;
            };
            if let Err(e) = gridcast_client::Horizon::days(*days) {
                status.set(Status::Failed {
                    title: "Check the horizon".into(),
                    detail: e.to_string(),
                });
                return;
            }
            let mut fields = vec![
                ("id", JsValue::from_f64(js_sys::Date::now())),
                ("kind", "fit".into()),
                ("csv", js_sys::Uint8Array::from(bytes.as_slice()).into()),
                ("preset", JsValue::from_str(&preset)),
                ("days", JsValue::from_f64(f64::from(*days))),
            ];
            if let (true, Some(m)) = (*from_model, &model) {
                fields.push((
                    "artifact",
                    js_sys::Uint8Array::from(m.artifact.as_slice()).into(),
                ));
            }
            status.set(Status::Working("Starting…".into()));
            post(&worker, &status, slot.clone(), &message(&fields));
        })
    };

    let busy = matches!(&*status, Status::Working(_));
    let ready = csv.is_some() && !matches!(&*status, Status::Failed { .. } | Status::Working(_));
    html! {
        <section class="card preview" aria-labelledby="preview-title">
            <h2 id="preview-title">{ "Forecast preview" }</h2>
            <p class="hint">{ "Fit a Prophet model to your own readings on this device — nothing is uploaded. CSV: the seed layout (timestamp,consumption, no header) or ds,y with a header." }</p>
            <label class="drop" for="readings-file" ondrop={on_drop} ondragover={on_drag_over}>
                { "Drop a CSV here, or choose one" }
                <input id="readings-file" type="file" accept=".csv,text/csv" onchange={on_pick} />
            </label>
            <form class="inline" onsubmit={on_fit}>
                <label for="preview-days">{ "Days to forecast" }</label>
                <input id="preview-days" type="number" min="1" max={MAX_HORIZON_DAYS.to_string()} value={days.to_string()} oninput={on_days} />
                <label for="preview-preset">{ "Model" }</label>
                <select id="preview-preset" onchange={on_preset} disabled={*from_model}>
                    <option value="default" selected={*preset == "default"}>{ "Prophet defaults (trend and seasonalities)" }</option>
                    <option value="seed" selected={*preset == "seed"}>{ "Trend only, multiplicative (as the seed)" }</option>
                </select>
                if props.model.is_some() {
                    <label class="check">
                        <input type="checkbox" id="preview-from-model" checked={*from_model} onchange={on_from_model} />
                        { " Add these readings to my model and fit it again" }
                    </label>
                }
                <button type="submit" disabled={busy || !ready}>{ if busy { "Working…" } else { "Fit and forecast" } }</button>
            </form>
            {
                match &*status {
                    Status::Idle => html! {},
                    Status::Read(r) => html! {
                        <div id="preview-readings">
                            <p class="hint" role="status">{ format!("{} readings from {} to {}.", r.readings, r.first, r.last) }</p>
                            <figure class="chart">{ Html::from_html_unchecked(AttrValue::from(r.svg.clone())) }</figure>
                        </div>
                    },
                    Status::Working(p) => html! { <p class="hint" role="status" id="preview-progress">{ p.clone() }</p> },
                    Status::Failed { title, detail } => html! {
                        <div class="notice error" role="alert"><strong>{ title.clone() }</strong><p>{ detail.clone() }</p></div>
                    },
                    Status::Done(fit) => html! {
                        <div id="preview-result" data-fit-ms={fit.fit_ms.to_string()}>
                            <p role="status"><strong>{ format!("Fitted {} readings on this device in {:.0} ms", fit.readings, fit.fit_ms) }</strong>
                                { format!(" ({}, {} iterations; readings up to {}).", fit.algorithm, fit.iterations, fit.trained_through) }</p>
                            <figure class="chart">{ Html::from_html_unchecked(AttrValue::from(fit.svg.clone())) }</figure>
                            <table>
                                <caption>{ format!("Forecast, {} rows", fit.rows.len()) }</caption>
                                <thead><tr><th scope="col">{ "Date" }</th><th scope="col">{ "Forecast" }</th><th scope="col">{ "Low" }</th><th scope="col">{ "High" }</th></tr></thead>
                                <tbody>
                                    { for fit.rows.iter().map(|r| html! {
                                        <tr data-yhat={r.yhat.to_string()}><th scope="row">{ r.ds.clone() }</th><td>{ format!("{:.1}", r.yhat) }</td>
                                            <td>{ format!("{:.1}", r.yhat_lower) }</td><td>{ format!("{:.1}", r.yhat_upper) }</td></tr>
                                    }) }
                                </tbody>
                            </table>
                            <label for="model-name">{ "Model name" }</label>
                            <input id="model-name" value={(*name).clone()} oninput={on_name} />
                            <a class="button" id="save-model" href={fit.artifact_url.clone()} download={format!("{}.tar.gz", *name)}>
                                { format!("Save {}.tar.gz", *name) }</a>
                            <p class="hint">{ "The artifact holds model.json in Python Prophet's format: Python Prophet, gridcast serve and this portal load it." }</p>
                        </div>
                    },
                }
            }
        </section>
    }
}
