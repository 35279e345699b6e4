//! The forecast preview: readings from a CSV, a Prophet model fitted on this
//! device (in a Web Worker running gridcast's optimizer as wasm, loaded only
//! here), the forecast, and the model saved as an artifact that Python
//! Prophet and `gridcast serve` load. Works with no endpoint at all. A
//! signed-in customer can instead add the readings to their own model and
//! fit it again.

use std::rc::Rc;

use gridcast_api::{BacktestArgs, ModelChoice, Preset, WorkerRequest};
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

/// Where the page is. The worker's results come as HTML (gridcast-js's
/// `view`), placed as they are: the page holds no copy of their shapes.
#[derive(Debug, Clone, PartialEq)]
enum Status {
    Idle,
    Read(AttrValue),
    Working(String),
    /// The fit's HTML (its artifact is written when saved).
    Done(AttrValue),
    Backtested(AttrValue),
    Failed {
        title: String,
        detail: String,
        code: String,
    },
}

/// Downloads the worker's artifact as `{model name}.tar.gz`.
fn save(bytes: &js_sys::Uint8Array) -> Option<()> {
    let parts = js_sys::Array::of1(bytes);
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/gzip");
    let blob = web_sys::Blob::new_with_u8_array_sequence_and_options(&parts, &options).ok()?;
    let url = web_sys::Url::create_object_url_with_blob(&blob).ok()?;
    let link = web_sys::window()?.document()?.create_element("a").ok()?;
    link.set_attribute("href", &url).ok()?;
    let name = format!("{}.tar.gz", stem(&input_value("model-name")));
    link.set_attribute("download", &name).ok()?;
    link.dyn_into::<web_sys::HtmlElement>().ok()?.click();
    Some(())
}

fn field(data: &JsValue, name: &str) -> Option<JsValue> {
    js_sys::Reflect::get(data, &name.into())
        .ok()
        .filter(|v| !v.is_undefined())
}

/// A text field of a worker reply.
fn text(data: &JsValue, name: &str) -> String {
    field(data, name)
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// What a worker message (`{reply, artifact?}`, `reply` gridcast-api's
/// `WorkerReply` as an object: `{progress: …}`, `{fitted: {fit, html}}`, …)
/// means for the page.
fn status_of(data: &JsValue, file: &str) -> Status {
    let reply = field(data, "reply").unwrap_or(JsValue::NULL);
    let html = |r: JsValue| AttrValue::from(text(&r, "html"));
    let failed = |title: String, detail: String, code: String| Status::Failed {
        title,
        detail,
        code,
    };
    if let Some(p) = field(&reply, "progress") {
        Status::Working(text(&p, "text"))
    } else if let Some(e) = field(&reply, "failed") {
        let title = match text(&e, "request").as_str() {
            "read" => format!("{file} cannot be read"),
            "backtest" => "The backtest failed".into(),
            "artifact" => "The model cannot be saved".into(),
            _ => "The fit failed".into(),
        };
        failed(title, text(&e, "message"), text(&e, "code"))
    } else if let Some(r) = field(&reply, "readings") {
        Status::Read(html(r))
    } else if let Some(b) = field(&reply, "backtested") {
        Status::Backtested(html(b))
    } else if let Some(f) = field(&reply, "fitted") {
        Status::Done(html(f))
    } else {
        failed(
            "Unexpected answer".into(),
            format!("{reply:?}"),
            "worker".into(),
        )
    }
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
                    let data = m.data();
                    // The artifact asked for by "Save": downloaded, the result stays.
                    let saved = field(&data, "artifact").and_then(|a| save(&a.dyn_into().ok()?));
                    if saved.is_none() {
                        let name = file.borrow().clone();
                        status.set(status_of(&data, &name));
                    }
                });
                w.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
                *slot = Some((w, on_message));
            }
            Err(e) => {
                status.set(Status::Failed {
                    title: "This browser cannot run the preview".into(),
                    detail: format!("{e:?}"),
                    code: "worker".into(),
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
                code: "worker".into(),
            });
        }
    }
}

/// The worker's message: `request` as JSON text, the bytes beside it.
fn message(request: &WorkerRequest, csv: &[u8], artifact: Option<&[u8]>) -> js_sys::Object {
    let m = js_sys::Object::new();
    let text = serde_json::to_string(request).unwrap_or_default();
    let mut fields = vec![
        ("id", JsValue::from_f64(js_sys::Date::now())),
        ("request", text.into()),
        ("csv", js_sys::Uint8Array::from(csv).into()),
    ];
    if let Some(a) = artifact {
        fields.push(("artifact", js_sys::Uint8Array::from(a).into()));
    }
    for (k, v) in fields {
        let _ = js_sys::Reflect::set(&m, &k.into(), &v);
    }
    m
}

/// The value of the input `id`.
fn input_value(id: &str) -> String {
    web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        .map(|i| i.value())
        .unwrap_or_default()
}

/// The model the form chooses: its preset, and the regressors and country inputs.
fn model_choice(preset: &str) -> ModelChoice {
    let regressors = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id("preview-regressors"))
        .and_then(|e| e.dyn_into::<HtmlInputElement>().ok())
        .is_some_and(|i| i.checked());
    let country = input_value("preview-country");
    ModelChoice {
        preset: preset.parse().unwrap_or(Preset::Default),
        country: (!country.trim().is_empty()).then_some(country),
        regressors,
    }
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
                        let m = message(&WorkerRequest::Read, &bytes, None);
                        *slot.borrow_mut() = file_name.clone();
                        csv.set(Some((file_name.clone(), Rc::new(bytes))));
                        post(&worker, &status, slot, &m);
                    }
                    Err(e) => status.set(Status::Failed {
                        title: format!("{file_name} cannot be read"),
                        detail: e.to_string(),
                        code: "csv".into(),
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
                    code: "arguments".into(),
                });
                return;
            }
            let artifact = model
                .as_ref()
                .filter(|_| *from_model)
                .map(|m| m.artifact.as_slice());
            let request = WorkerRequest::Fit {
                model: model_choice(&preset),
                days: *days,
                refit: artifact.is_some(),
            };
            status.set(Status::Working("Loading the forecasting code…".into()));
            post(
                &worker,
                &status,
                slot.clone(),
                &message(&request, &bytes, artifact),
            );
        })
    };
    let on_backtest = {
        let (csv, status, preset, worker, slot) = (
            csv.clone(),
            status.clone(),
            preset.clone(),
            worker.clone(),
            file_name_slot.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let Some((_, bytes)) = (*csv).clone() else {
                return;
            };
            let optional = |id| Some(input_value(id)).filter(|v| !v.trim().is_empty());
            let request = WorkerRequest::Backtest {
                model: model_choice(&preset),
                backtest: BacktestArgs {
                    horizon: input_value("backtest-horizon"),
                    initial: optional("backtest-initial"),
                    period: optional("backtest-period"),
                    seed: Some(0),
                },
            };
            status.set(Status::Working("Loading the forecasting code…".into()));
            post(
                &worker,
                &status,
                slot.clone(),
                &message(&request, &bytes, None),
            );
        })
    };
    let on_save = {
        let (csv, status, worker, slot) = (
            csv.clone(),
            status.clone(),
            worker.clone(),
            file_name_slot.clone(),
        );
        Callback::from(move |_: MouseEvent| {
            let bytes = (*csv).clone().map(|(_, b)| b).unwrap_or_default();
            let m = message(&WorkerRequest::Artifact, &bytes, None);
            post(&worker, &status, slot.clone(), &m);
        })
    };

    let busy = matches!(&*status, Status::Working(_));
    // A file that cannot be read cannot be fitted; after any other failure the form may be changed and sent again.
    let unreadable = matches!(&*status, Status::Failed { code, .. } if code == "csv");
    let ready = csv.is_some() && !busy && !unreadable;
    html! {
        <section class="card preview" aria-labelledby="preview-title">
            <h2 id="preview-title">{ "Forecast preview" }</h2>
            <p class="hint">{ "Fit a Prophet model to your own readings on this device — nothing is uploaded. CSV: the seed layout (timestamp,consumption, no header) or ds,y with a header; its other numeric columns can be regressors, their values for the days to forecast in rows after the readings." }</p>
            <label class="drop" for="readings-file" ondrop={on_drop} ondragover={on_drag_over}>
                { "Drop a CSV here, or choose one" }
                <input id="readings-file" type="file" accept=".csv,text/csv" onchange={on_pick} />
            </label>
            <form class="inline" onsubmit={on_fit}>
                <label for="preview-days">{ "Days to forecast" }</label>
                <input id="preview-days" type="number" min="1" max={MAX_HORIZON_DAYS.to_string()} value={days.to_string()} oninput={on_days} />
                <label for="preview-preset">{ "Model" }</label>
                <select id="preview-preset" onchange={on_preset} disabled={*from_model}>
                    { for Preset::ALL.iter().map(|p| html! {
                        <option value={p.name()} selected={*preset == p.name()}>{ p.describe() }</option>
                    }) }
                </select>
                <label class="check"><input type="checkbox" id="preview-regressors" disabled={*from_model} />{ " Extra columns as regressors" }</label>
                <label for="preview-country">{ "Holidays of" }</label>
                <input id="preview-country" size="4" placeholder="none" disabled={*from_model} />
                if props.model.is_some() {
                    <label class="check">
                        <input type="checkbox" id="preview-from-model" checked={*from_model} onchange={on_from_model} />
                        { " Add these readings to my model and fit it again" }
                    </label>
                }
                <button type="submit" disabled={busy || !ready}>{ if busy { "Working…" } else { "Fit and forecast" } }</button>
            </form>
            <div class="inline">
                <label for="backtest-horizon">{ "Backtest horizon" }</label>
                <input id="backtest-horizon" size="8" value="30 days" />
                <label for="backtest-initial">{ "initial" }</label>
                <input id="backtest-initial" size="8" placeholder="3 × horizon" />
                <label for="backtest-period">{ "period" }</label>
                <input id="backtest-period" size="8" placeholder="horizon / 2" />
                <button id="backtest" onclick={on_backtest} disabled={busy || !ready || *from_model}>{ "Backtest" }</button>
            </div>
            {
                match &*status {
                    Status::Idle => html! {},
                    Status::Read(h) => html! { <div id="preview-readings">{ Html::from_html_unchecked(h.clone()) }</div> },
                    Status::Working(p) => html! { <p class="hint" role="status" id="preview-progress">{ p.clone() }</p> },
                    Status::Failed { title, detail, code } => html! {
                        <div class="notice error" role="alert" data-code={code.clone()}><strong>{ title.clone() }</strong><p>{ detail.clone() }</p></div>
                    },
                    Status::Backtested(h) => Html::from_html_unchecked(h.clone()),
                    Status::Done(h) => html! {
                        <div id="preview-result">
                            { Html::from_html_unchecked(h.clone()) }
                            <label for="model-name">{ "Model name" }</label>
                            <input id="model-name" value={(*name).clone()} oninput={on_name} />
                            <button type="button" id="save-model" onclick={on_save}>
                                { format!("Save {}.tar.gz", *name) }</button>
                            <p class="hint">{ "The artifact holds model.json in Python Prophet's format: Python Prophet, gridcast serve and this portal load it." }</p>
                        </div>
                    },
                }
            }
        </section>
    }
}
