//! The usage and forecast chart as SVG, from `gridcast_client::chart`'s
//! geometry (the widget draws the same geometry).

use gridcast_client::chart::{geometry, HEIGHT, WIDTH};
use gridcast_client::usage::UsagePoint;
use gridcast_client::ForecastTable;
use yew::prelude::*;

/// Props of [`Chart`].
#[derive(Properties, PartialEq)]
pub struct ChartProps {
    /// Readings (already aggregated).
    pub history: Vec<UsagePoint>,
    /// A forecast to draw after them.
    #[prop_or_default]
    pub forecast: Option<ForecastTable>,
    /// What the chart shows, for screen readers and the title.
    pub label: AttrValue,
    /// Holidays to mark (`ModelFacts::holiday_days`).
    #[prop_or_default]
    pub holidays: Vec<(i64, String)>,
}

/// The chart.
#[function_component(Chart)]
pub fn chart(props: &ChartProps) -> Html {
    let Some(mut g) = geometry(&props.history, props.forecast.as_ref(), &props.label) else {
        return html! { <p class="hint">{ "No readings to chart yet." }</p> };
    };
    g.mark_holidays(&props.holidays);
    let (left, right, top, bottom) = (
        g.left.to_string(),
        g.right.to_string(),
        g.top.to_string(),
        g.bottom.to_string(),
    );
    html! {
        <figure class="chart">
            <svg viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img" aria-label={g.summary.clone()} preserveAspectRatio="none">
                <title>{ g.summary.clone() }</title>
                { for g.ticks.iter().map(|t| html! {
                    <g class="tick">
                        <line x1={left.clone()} x2={right.clone()} y1={t.y.to_string()} y2={t.y.to_string()} />
                        <text x={t.x.to_string()} y={(t.y + 4.0).to_string()} text-anchor="end">{ t.text.clone() }</text>
                    </g>
                }) }
                { for g.holidays.iter().map(|h| html! {
                    <line class="holiday" x1={h.x.to_string()} x2={h.x.to_string()} y1={top.clone()} y2={bottom.clone()}>
                        <title>{ h.text.clone() }</title>
                    </line>
                }) }
                <polyline class="history" points={g.history.clone()} />
                if let (Some(x), Some(band), Some(line)) = (g.forecast_start, g.band.clone(), g.forecast.clone()) {
                    <g class="forecast">
                        <line class="now" x1={x.to_string()} x2={x.to_string()} y1={top} y2={bottom} />
                        <polygon class="band" points={band} />
                        <polyline class="forecast-line" points={line} />
                    </g>
                }
                { for g.dates.iter().map(|d| html! {
                    <text class="axis" x={d.x.to_string()} y={d.y.to_string()} text-anchor={d.anchor}>{ d.text.clone() }</text>
                }) }
            </svg>
            <figcaption>
                <span class="key history">{ "Readings" }</span>
                if !g.holidays.is_empty() {
                    <span class="key holiday">{ "Holiday" }</span>
                }
                if props.forecast.is_some() {
                    <span class="key forecast">{ "Forecast" }</span>
                    <span class="key band">{ "Uncertainty band" }</span>
                }
            </figcaption>
        </figure>
    }
}
