//! The customer's consumption: totals, and the chart (with the forecast,
//! when there is one, after the daily readings).

use gridcast_client::usage::{PeriodTotal, Usage};
use gridcast_client::Aggregation;
use yew::prelude::*;

use crate::components::chart::Chart;
use gridcast_client::forecaster::{DeviceModel, Outcome};

/// Days of daily readings the chart shows.
const DAILY_WINDOW: usize = 90;

/// Props of [`UsageView`].
#[derive(Properties, PartialEq)]
pub struct UsageProps {
    /// The customer's model (its history is their readings).
    pub model: DeviceModel,
    /// The latest forecast.
    #[prop_or_default]
    pub outcome: Option<Outcome>,
}

fn total_card(title: &str, t: PeriodTotal) -> Html {
    let change = match t.change_percent() {
        Some(c) => format!(
            "{}{c:.1}% vs the {} days before",
            if c >= 0.0 { "+" } else { "" },
            t.days
        ),
        None => "no earlier period to compare".to_owned(),
    };
    html! {
        <div class="total">
            <dt>{ title }</dt>
            <dd><span class="figure">{ format!("{:.0}", t.current) }</span> <span class="unit">{ "kWh" }</span></dd>
            <dd class="change">{ change }</dd>
        </div>
    }
}

/// Totals and the usage chart.
#[function_component(UsageView)]
pub fn usage_view(props: &UsageProps) -> Html {
    let by = use_state(|| Aggregation::Daily);
    let usage: Usage = props.model.facts.usage();
    let mut points = usage.aggregate(*by);
    if *by == Aggregation::Daily && points.len() > DAILY_WINDOW {
        points.drain(..points.len() - DAILY_WINDOW);
    }
    let forecast = match *by {
        Aggregation::Daily => props.outcome.as_ref().map(|o| o.table.clone()),
        Aggregation::Weekly => None,
    };
    let holidays = match (points.first(), &props.model.holidays) {
        (Some(first), Some(kept)) => {
            let last = forecast.as_ref().and_then(|f| f.ds.last()).or(points.last().map(|p| &p.start));
            let facts = &props.model.facts;
            facts.holiday_days(Some(&*kept.table), first.start, last.copied().unwrap_or(first.start))
        }
        _ => Vec::new(),
    };
    let choose = |a: Aggregation| {
        let by = by.clone();
        Callback::from(move |_| by.set(a))
    };
    let last = usage
        .last()
        .map(|t| gridcast_model::format_csv(t - t.rem_euclid(86_400)));
    html! {
        <section class="card usage" aria-labelledby="usage-title">
            <h2 id="usage-title">{ "Your energy use" }</h2>
            if let Some(last) = last {
                <p class="hint">{ format!("Readings up to {last}.") }</p>
            }
            <dl class="totals">
                { total_card("Last 7 days", usage.total(7)) }
                { total_card("Last 30 days", usage.total(30)) }
            </dl>
            <div class="toggle" role="group" aria-label="Group readings by">
                <button type="button" aria-pressed={(*by == Aggregation::Daily).to_string()} onclick={choose(Aggregation::Daily)}>{ "Daily" }</button>
                <button type="button" aria-pressed={(*by == Aggregation::Weekly).to_string()} onclick={choose(Aggregation::Weekly)}>{ "Weekly" }</button>
            </div>
            <Chart history={points} {forecast} {holidays}
                label={if *by == Aggregation::Daily { "Daily use in kWh" } else { "Weekly use in kWh" }} />
            if *by == Aggregation::Weekly && props.outcome.is_some() {
                <p class="hint">{ "The forecast is drawn on the daily chart." }</p>
            }
        </section>
    }
}
