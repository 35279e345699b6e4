//! The usage and forecast chart, drawn as SVG: readings as a line, the
//! forecast as a dashed line inside its shaded uncertainty band.

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
}

const W: f64 = 800.0;
const H: f64 = 300.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

fn date(t: i64) -> String {
    gridcast_model::format_csv(t - t.rem_euclid(86_400))
}

/// The chart.
#[function_component(Chart)]
pub fn chart(props: &ChartProps) -> Html {
    let xs = props
        .history
        .iter()
        .map(|p| p.start)
        .chain(props.forecast.iter().flat_map(|f| f.ds.iter().copied()));
    let (Some(x0), Some(x1)) = (xs.clone().min(), xs.max()) else {
        return html! { <p class="hint">{ "No readings to chart yet." }</p> };
    };
    let ys = props
        .history
        .iter()
        .map(|p| p.value)
        .chain(
            props
                .forecast
                .iter()
                .flat_map(|f| f.upper.iter().chain(&f.yhat).chain(&f.lower).copied()),
        )
        .filter(|v| v.is_finite());
    let (lo, hi) = ys.fold((f64::INFINITY, 0.0_f64), |(lo, hi), v| {
        (lo.min(v), hi.max(v))
    });
    let hi = hi.max(1e-9);
    // Start the axis at zero unless that would flatten the lines.
    let y_min = if lo > 0.4 * hi {
        (lo - 0.1 * (hi - lo)).max(0.0)
    } else {
        0.0
    };
    let y_max = hi + 0.05 * (hi - y_min);
    let span = (x1 - x0).max(1) as f64;
    let x = |t: i64| LEFT + (t - x0) as f64 / span * (W - LEFT - RIGHT);
    let y = |v: f64| TOP + (1.0 - (v.max(y_min) - y_min) / (y_max - y_min)) * (H - TOP - BOTTOM);
    let points = |it: &mut dyn Iterator<Item = (i64, f64)>| {
        it.map(|(t, v)| format!("{:.1},{:.1}", x(t), y(v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let history = points(&mut props.history.iter().map(|p| (p.start, p.value)));
    let ticks: Vec<Html> = (0..=4)
        .map(|i| {
            let v = y_min + (y_max - y_min) * f64::from(i) / 4.0;
            html! {
                <g class="tick">
                    <line x1={LEFT.to_string()} x2={(W - RIGHT).to_string()} y1={y(v).to_string()} y2={y(v).to_string()} />
                    <text x={(LEFT - 6.0).to_string()} y={(y(v) + 4.0).to_string()} text-anchor="end">{ format!("{v:.0}") }</text>
                </g>
            }
        })
        .collect();
    let forecast = props.forecast.as_ref().map(|f| {
        let upper = f.ds.iter().copied().zip(f.upper.iter().copied());
        let lower = f.ds.iter().copied().zip(f.lower.iter().copied()).rev();
        let band = points(&mut upper.chain(lower));
        let line = points(&mut f.ds.iter().copied().zip(f.yhat.iter().copied()));
        let start = x(f.ds[0]);
        html! {
            <g class="forecast">
                <line class="now" x1={start.to_string()} x2={start.to_string()} y1={TOP.to_string()} y2={(H - BOTTOM).to_string()} />
                <polygon class="band" points={band} />
                <polyline class="forecast-line" points={line} />
            </g>
        }
    });
    let mid = x0 + (x1 - x0) / 2;
    let summary = match &props.forecast {
        Some(f) => format!(
            "{} from {} to {}; forecast of {} rows from {}.",
            props.label,
            date(x0),
            date(x1),
            f.len(),
            date(f.ds[0])
        ),
        None => format!("{} from {} to {}.", props.label, date(x0), date(x1)),
    };
    html! {
        <figure class="chart">
            <svg viewBox={format!("0 0 {W} {H}")} role="img" aria-label={summary.clone()} preserveAspectRatio="none">
                <title>{ summary }</title>
                { for ticks }
                <polyline class="history" points={history} />
                { for forecast }
                <text class="axis" x={LEFT.to_string()} y={(H - 8.0).to_string()}>{ date(x0) }</text>
                <text class="axis" x={x(mid).to_string()} y={(H - 8.0).to_string()} text-anchor="middle">{ date(mid) }</text>
                <text class="axis" x={(W - RIGHT).to_string()} y={(H - 8.0).to_string()} text-anchor="end">{ date(x1) }</text>
            </svg>
            <figcaption>
                <span class="key history">{ "Readings" }</span>
                if props.forecast.is_some() {
                    <span class="key forecast">{ "Forecast" }</span>
                    <span class="key band">{ "Uncertainty band" }</span>
                }
            </figcaption>
        </figure>
    }
}
