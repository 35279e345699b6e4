//! `widgetForecast`: one `<gridcast-forecast>` element's whole job — the
//! widget's shell (feature `widget`, built into `dist/pkg/`): the portal's
//! workflow without the engine in process. The chart, its holiday marks and
//! the training end come from the model's `ModelFacts` kept beside the
//! artifact; a new download is checked, and the device forecasts, by the
//! engine module (`pkg-engine`), which `embed.js`'s `gridcastEngine()`
//! loads on first use.

use gridcast_api::{Horizon, LoginReply, WidgetOptions};
use gridcast_client::chart::geometry;
use gridcast_client::forecaster::{Forecaster, ModelStore};
use gridcast_client::{Aggregation, EndpointSettings, Problem, Session};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use crate::js_value::ToJs;
use crate::rows::{rows, ProblemJs, Row, UncoveredJs};

/// Days of readings the widget's chart shows before the forecast.
const CHART_DAYS: usize = 60;

/// What the element asks for (its attributes and the host's credentials).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WidgetRequest {
    endpoint: String,
    region: Option<String>,
    endpoint_name: Option<String>,
    target_template: Option<String>,
    customer: String,
    days: u32,
    /// `/auth/login`'s or STS's shape; `None` when the host could not get any.
    credentials: Option<LoginReply>,
    /// Why there are no credentials (shown when the device answers).
    credentials_problem: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct WidgetAnswer {
    source: &'static str,
    source_text: String,
    note: Option<ProblemJs>,
    uncovered: Option<UncoveredJs>,
    trained_through: Option<String>,
    svg: String,
    rows: Vec<Row>,
}

fn session(req: &WidgetRequest) -> Session {
    match &req.credentials {
        Some(c) => Session::from_reply(c.clone(), req.customer.clone()),
        // No keys: only the stored model can answer; the key is unused.
        None => Session::with_keys(req.customer.clone(), "", "", None),
    }
}

async fn answer(req: WidgetRequest) -> Result<WidgetAnswer, Problem> {
    let settings = EndpointSettings::with_overrides(
        req.endpoint.clone(),
        req.region.as_deref(),
        req.endpoint_name.as_deref(),
        req.target_template.as_deref(),
    );
    settings.validate().map_err(Problem::Settings)?;
    Horizon::days(req.days).map_err(|_| Problem::Horizon(req.days))?;
    let session = session(&req);
    let forecaster = Forecaster::new(settings, ModelStore::IndexedDb);
    let stored = forecaster.stored_model(&session).await.ok().flatten();
    let (model, outcome) = if req.credentials.is_some() {
        let model = match forecaster.sync_model(&session, stored.as_ref()).await {
            Ok(m) => Some(m),
            Err(p) if p.endpoint_down() => stored,
            Err(p) => return Err(p),
        };
        let outcome = forecaster
            .forecast(&session, model.as_ref(), req.days)
            .await?;
        (model, outcome)
    } else {
        let model = stored.ok_or(Problem::NoStoredModel)?;
        let why = Problem::Unreachable(
            req.credentials_problem
                .clone()
                .unwrap_or_else(|| "no credentials".into()),
        );
        let outcome = Forecaster::on_device_loaded(&model, req.days, why).await?;
        (Some(model), outcome)
    };
    let mut history = model
        .as_ref()
        .map(|m| m.facts.usage().aggregate(Aggregation::Daily))
        .unwrap_or_default();
    if history.len() > CHART_DAYS {
        history.drain(..history.len() - CHART_DAYS);
    }
    let holidays = match (history.first(), model.as_ref()) {
        (Some(first), Some(m)) => {
            let last = outcome.table.ds.last().copied().unwrap_or(first.start);
            let table = m.holidays.as_ref().map(|h| &*h.table);
            m.facts.holiday_days(table, first.start, last)
        }
        _ => Vec::new(),
    };
    let svg = geometry(&history, Some(&outcome.table), "Daily use in kWh")
        .map(|mut g| {
            g.mark_holidays(&holidays);
            g.to_svg()
        })
        .unwrap_or_default();
    Ok(WidgetAnswer {
        source: outcome.source.as_str(),
        source_text: format!("Forecast by {}", outcome.source.describe()),
        note: outcome.fallback_reason.as_ref().map(ProblemJs::from),
        uncovered: outcome.uncovered.as_ref().map(UncoveredJs::from),
        trained_through: model
            .as_ref()
            .and_then(|m| m.facts.trained_through)
            .map(gridcast_model::format_csv),
        svg,
        rows: rows(&outcome.table),
    })
}

/// Forecasts for one widget: `{endpoint, region?, endpointName?,
/// targetTemplate?, customer, days, credentials?, credentialsProblem?}` →
/// `{source, sourceText, note?, uncovered?, trainedThrough, svg, rows}`
/// (`uncovered`: `{message, from, to, columns}`, the days the device could
/// not forecast for want of covariates); rejects with
/// `{title, nextStep}`.
#[wasm_bindgen(js_name = widgetForecast)]
pub async fn widget_forecast(request: JsValue) -> Result<JsValue, JsValue> {
    let req: WidgetRequest = match serde_wasm_bindgen::from_value(request) {
        Ok(r) => r,
        Err(e) => {
            let p = ProblemJs {
                title: format!("The widget's options are not understood: {e}"),
                next_step: "Check the element's attributes.".into(),
            };
            return Err(p.to_js());
        }
    };
    match answer(req).await {
        Ok(a) => Ok(a.to_js()),
        Err(p) => Err(ProblemJs::from(&p).to_js()),
    }
}

/// The element's attributes checked (`{customer, endpoint, days, theme}`,
/// each text or absent): every problem, with what to write instead; empty
/// when all are good. `embed.js` shows these rather than knowing the rules.
#[wasm_bindgen(js_name = checkWidget)]
pub fn check_widget(options: JsValue) -> Vec<String> {
    match serde_wasm_bindgen::from_value::<WidgetOptions>(options) {
        Ok(o) => o.problems(),
        Err(e) => vec![format!("the widget's options are not understood: {e}")],
    }
}
