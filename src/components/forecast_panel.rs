//! Asking for a forecast: the horizon, the answer's source, the table and
//! its CSV download.

use gridcast_client::{EndpointSettings, ForecastSource, Problem, Session, MAX_HORIZON_DAYS};
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::problem_view::ProblemView;
use gridcast_client::forecaster::{DeviceModel, Outcome};

/// Props of [`ForecastPanel`].
#[derive(Properties, PartialEq)]
pub struct ForecastProps {
    /// Endpoint settings.
    pub settings: EndpointSettings,
    /// Whose forecast.
    pub session: Session,
    /// The model on this device, for the offline fallback.
    pub model: Option<DeviceModel>,
    /// The latest forecast.
    pub outcome: Option<Outcome>,
    /// Called with each new forecast.
    pub on_outcome: Callback<Outcome>,
    /// Called when the session is over.
    pub on_expired: Callback<()>,
}

fn date(t: i64) -> String {
    gridcast_model::format_csv(t)
}

fn stored_at(ms: f64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(ms));
    String::from(d.to_locale_string("en-GB", &wasm_bindgen::JsValue::UNDEFINED))
}

fn csv_href(outcome: &Outcome) -> String {
    let csv = outcome.table.to_csv();
    format!(
        "data:text/csv;charset=utf-8,{}",
        percent_encoding::utf8_percent_encode(&csv, percent_encoding::NON_ALPHANUMERIC)
    )
}

/// Each component of `outcome` the model has, one column each, as Prophet's
/// `plot_components` shows them (multiplicative ones in percent).
fn components_view(outcome: &Outcome, model: &DeviceModel) -> Html {
    let shown = gridcast_client::components::select(&outcome.table, &model.facts.components);
    html! {
        <details id="forecast-components" class="card components">
            <summary>{ "Forecast components" }</summary>
            <table>
                <thead><tr>
                    <th scope="col">{ "Date" }</th>
                    { for shown.iter().map(|c| html! {
                        <th scope="col" data-component={c.column.clone()}>{ format!("{} ({})", c.label, c.unit()) }</th>
                    }) }
                </tr></thead>
                <tbody>
                    { for outcome.table.ds.iter().enumerate().map(|(i, t)| html! {
                        <tr>
                            <th scope="row">{ date(*t) }</th>
                            { for shown.iter().map(|c| html! { <td>{ format!("{:.1}", c.values[i]) }</td> }) }
                        </tr>
                    }) }
                </tbody>
            </table>
        </details>
    }
}

/// The forecast form and result.
#[function_component(ForecastPanel)]
pub fn forecast_panel(props: &ForecastProps) -> Html {
    let days = use_state(|| 14_u32);
    let busy = use_state(|| false);
    let problem = use_state(|| None::<Problem>);
    let on_days = {
        let days = days.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Ok(d) = input.value().parse::<u32>() {
                days.set(d);
            }
        })
    };
    let onsubmit = {
        let (days, busy, problem) = (days.clone(), busy.clone(), problem.clone());
        let (settings, session, model) = (
            props.settings.clone(),
            props.session.clone(),
            props.model.clone(),
        );
        let (on_outcome, on_expired) = (props.on_outcome.clone(), props.on_expired.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let d = *days;
            let (busy, problem, settings, session, model, on_outcome, on_expired) = (
                busy.clone(),
                problem.clone(),
                settings.clone(),
                session.clone(),
                model.clone(),
                on_outcome.clone(),
                on_expired.clone(),
            );
            busy.set(true);
            problem.set(None);
            spawn_local(async move {
                match crate::forecaster(&settings)
                    .forecast(&session, model.as_ref(), d)
                    .await
                {
                    Ok(o) => on_outcome.emit(o),
                    Err(p) => {
                        if p.needs_sign_in() {
                            on_expired.emit(());
                        }
                        problem.set(Some(p));
                    }
                }
                busy.set(false);
            });
        })
    };
    let trained = props
        .model
        .as_ref()
        .and_then(|m| m.facts.trained_through)
        .map(date);
    let components = match (&props.outcome, &props.model) {
        (Some(o), Some(m)) => components_view(o, m),
        _ => html! {},
    };
    html! { <>
        <section class="card forecast" aria-labelledby="forecast-title">
            <h2 id="forecast-title">{ "Forecast" }</h2>
            <form {onsubmit} class="inline">
                <label for="horizon">{ "Days ahead" }</label>
                <input id="horizon" type="number" min="1" max={MAX_HORIZON_DAYS.to_string()}
                    value={days.to_string()} oninput={on_days} required=true />
                <button type="submit" disabled={*busy}>{ if *busy { "Forecasting…" } else { "Forecast" } }</button>
            </form>
            if let Some(p) = &*problem {
                <ProblemView problem={p.clone()} />
            }
            if let Some(o) = &props.outcome {
                <div id="forecast-source" class={classes!("source", o.source.as_str())}
                    data-source={o.source.as_str()} role="status">
                    <p>
                        <strong>{ format!("Forecast by {}", o.source.describe()) }</strong>
                        if let Some(t) = &trained {
                            { format!(" — model trained on readings up to {t}.") }
                        }
                    </p>
                    if let (ForecastSource::Device, Some(why)) = (o.source, &o.fallback_reason) {
                        <p class="hint">{ format!("{why}. {}", why.next_step()) }</p>
                    }
                    if let Some(u) = &o.uncovered {
                        <p id="forecast-uncovered" class="hint">{ format!("{u}.") }</p>
                    }
                    if let (ForecastSource::Device, Some(m)) = (o.source, &props.model) {
                        <p class="hint">{ format!("Model stored on this device {}.", stored_at(m.saved_at_ms)) }</p>
                    }
                </div>
                <table>
                    <caption>{ format!("Forecast, {} rows (kWh)", o.table.len()) }</caption>
                    <thead><tr>
                        <th scope="col">{ "Date" }</th>
                        <th scope="col">{ "Forecast" }</th>
                        <th scope="col">{ "Low" }</th>
                        <th scope="col">{ "High" }</th>
                    </tr></thead>
                    <tbody>
                        { for (0..o.table.len()).map(|i| html! {
                            <tr>
                                <th scope="row">{ date(o.table.ds[i]) }</th>
                                <td>{ format!("{:.1}", o.table.yhat[i]) }</td>
                                <td>{ format!("{:.1}", o.table.lower[i]) }</td>
                                <td>{ format!("{:.1}", o.table.upper[i]) }</td>
                            </tr>
                        }) }
                    </tbody>
                </table>
                <a class="button" href={csv_href(o)}
                    download={format!("forecast-{}.csv", props.session.customer_id)}>{ "Download CSV" }</a>
            }
        </section>
        { components }
    </> }
}
