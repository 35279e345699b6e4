//! The usage and forecast chart's geometry, and the chart as an SVG
//! document: the portal draws the geometry with Yew, the widget inserts the
//! SVG. Readings are a line, the forecast a dashed line in its band.

use crate::usage::UsagePoint;
use crate::ForecastTable;

/// viewBox width.
pub const WIDTH: f64 = 800.0;
/// viewBox height.
pub const HEIGHT: f64 = 300.0;
const LEFT: f64 = 56.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// A text label at a position.
#[derive(Debug, Clone, PartialEq)]
pub struct Label {
    /// x in viewBox units.
    pub x: f64,
    /// y in viewBox units.
    pub y: f64,
    /// `start`, `middle` or `end`.
    pub anchor: &'static str,
    /// The text.
    pub text: String,
}

/// Everything to draw, in viewBox units.
#[derive(Debug, Clone, PartialEq)]
pub struct Geometry {
    /// Readings, as SVG `points`.
    pub history: String,
    /// The forecast line, as SVG `points`.
    pub forecast: Option<String>,
    /// The uncertainty band polygon, as SVG `points`.
    pub band: Option<String>,
    /// x of the first forecast row.
    pub forecast_start: Option<f64>,
    /// Horizontal grid lines: y and value label.
    pub ticks: Vec<Label>,
    /// Dates along the bottom.
    pub dates: Vec<Label>,
    /// Holiday markers (x, and the holiday's name and date as text), from
    /// [`Geometry::mark_holidays`].
    pub holidays: Vec<Label>,
    /// The first and last time drawn (Unix seconds).
    pub range: (i64, i64),
    /// One sentence for screen readers.
    pub summary: String,
    /// Left edge of the plot area.
    pub left: f64,
    /// Right edge of the plot area.
    pub right: f64,
    /// Top of the plot area.
    pub top: f64,
    /// Bottom of the plot area.
    pub bottom: f64,
}

fn date(t: i64) -> String {
    gridcast_model::format_csv(t - t.rem_euclid(86_400))
}

/// Lays out `history` and `forecast`; `None` when there is nothing to draw.
pub fn geometry(
    history: &[UsagePoint],
    forecast: Option<&ForecastTable>,
    label: &str,
) -> Option<Geometry> {
    let forecast = forecast.filter(|f| !f.is_empty());
    let xs = history
        .iter()
        .map(|p| p.start)
        .chain(forecast.iter().flat_map(|f| f.ds.iter().copied()));
    let (x0, x1) = (xs.clone().min()?, xs.max()?);
    let ys = history
        .iter()
        .map(|p| p.value)
        .chain(
            forecast
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
    let x = |t: i64| x_at((x0, x1), t);
    let y =
        |v: f64| TOP + (1.0 - (v.max(y_min) - y_min) / (y_max - y_min)) * (HEIGHT - TOP - BOTTOM);
    let points = |it: &mut dyn Iterator<Item = (i64, f64)>| {
        it.map(|(t, v)| format!("{:.1},{:.1}", x(t), y(v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let ticks = (0..=4)
        .map(|i| {
            let v = y_min + (y_max - y_min) * f64::from(i) / 4.0;
            Label {
                x: LEFT - 6.0,
                y: y(v),
                anchor: "end",
                text: format!("{v:.0}"),
            }
        })
        .collect();
    let mid = x0 + (x1 - x0) / 2;
    let base = HEIGHT - 8.0;
    let dates = vec![
        Label {
            x: LEFT,
            y: base,
            anchor: "start",
            text: date(x0),
        },
        Label {
            x: x(mid),
            y: base,
            anchor: "middle",
            text: date(mid),
        },
        Label {
            x: WIDTH - RIGHT,
            y: base,
            anchor: "end",
            text: date(x1),
        },
    ];
    let summary = match forecast {
        Some(f) => format!(
            "{label} from {} to {}; forecast of {} rows from {}.",
            date(x0),
            date(x1),
            f.len(),
            date(f.ds[0])
        ),
        None => format!("{label} from {} to {}.", date(x0), date(x1)),
    };
    Some(Geometry {
        history: points(&mut history.iter().map(|p| (p.start, p.value))),
        forecast: forecast.map(|f| points(&mut f.ds.iter().copied().zip(f.yhat.iter().copied()))),
        band: forecast.map(|f| {
            let upper = f.ds.iter().copied().zip(f.upper.iter().copied());
            let lower = f.ds.iter().copied().zip(f.lower.iter().copied()).rev();
            points(&mut upper.chain(lower))
        }),
        forecast_start: forecast.map(|f| x(f.ds[0])),
        ticks,
        dates,
        holidays: Vec::new(),
        range: (x0, x1),
        summary,
        left: LEFT,
        right: WIDTH - RIGHT,
        top: TOP,
        bottom: HEIGHT - BOTTOM,
    })
}

/// x in viewBox units of time `t` on a chart spanning `range`.
fn x_at((x0, x1): (i64, i64), t: i64) -> f64 {
    let span = (x1 - x0).max(1) as f64;
    LEFT + (t - x0) as f64 / span * (WIDTH - LEFT - RIGHT)
}

/// `text` for HTML or SVG markup, as element content or a quoted attribute:
/// `&`, `<`, `>`, `"` and `'` escaped (the charts' titles and labels here,
/// the preview's answers in gridcast-js).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

impl Geometry {
    /// Marks `days` (`(time, holiday name)`, as
    /// [`crate::OnDeviceModel::holiday_days`] gives them) that fall in the
    /// chart's range.
    pub fn mark_holidays(&mut self, days: &[(i64, String)]) {
        let (x0, x1) = self.range;
        self.holidays = days
            .iter()
            .filter(|(t, _)| (x0..=x1).contains(t))
            .map(|(t, name)| Label {
                x: x_at(self.range, *t),
                y: self.top,
                anchor: "middle",
                text: format!("{name}, {}", date(*t)),
            })
            .collect();
    }

    /// The chart as a standalone SVG element (classes as the portal's, so
    /// one stylesheet colours both).
    pub fn to_svg(&self) -> String {
        let mut s = format!(
            r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{0}" preserveAspectRatio="none"><title>{0}</title>"#,
            escape(&self.summary)
        );
        for t in &self.ticks {
            s += &format!(
                r#"<g class="tick"><line x1="{}" x2="{}" y1="{y:.1}" y2="{y:.1}"/><text x="{}" y="{:.1}" text-anchor="end">{}</text></g>"#,
                self.left,
                self.right,
                t.x,
                t.y + 4.0,
                escape(&t.text),
                y = t.y
            );
        }
        for h in &self.holidays {
            s += &format!(
                r#"<line class="holiday" x1="{x:.1}" x2="{x:.1}" y1="{}" y2="{}"><title>{}</title></line>"#,
                self.top,
                self.bottom,
                escape(&h.text),
                x = h.x
            );
        }
        s += &format!(r#"<polyline class="history" points="{}"/>"#, self.history);
        if let (Some(x), Some(band), Some(line)) = (self.forecast_start, &self.band, &self.forecast)
        {
            s += &format!(
                r#"<g class="forecast"><line class="now" x1="{x:.1}" x2="{x:.1}" y1="{}" y2="{}"/><polygon class="band" points="{band}"/><polyline class="forecast-line" points="{line}"/></g>"#,
                self.top, self.bottom
            );
        }
        for d in &self.dates {
            s += &format!(
                r#"<text class="axis" x="{:.1}" y="{:.1}" text-anchor="{}">{}</text>"#,
                d.x,
                d.y,
                d.anchor,
                escape(&d.text)
            );
        }
        s + "</svg>"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lays_out_history_and_forecast_in_the_plot_area() {
        let day = 86_400;
        let history: Vec<UsagePoint> = (0..10)
            .map(|i| UsagePoint {
                start: i * day,
                value: 100.0 + i as f64,
            })
            .collect();
        let f = ForecastTable {
            ds: vec![10 * day, 11 * day],
            yhat: vec![110.0, 111.0],
            lower: vec![100.0, 99.0],
            upper: vec![120.0, 125.0],
            columns: vec![],
        };
        let g = geometry(&history, Some(&f), "Daily use").unwrap();
        let coords = |p: &str| -> Vec<(f64, f64)> {
            p.split(' ')
                .map(|xy| {
                    let (a, b) = xy.split_once(',').unwrap();
                    (a.parse().unwrap(), b.parse().unwrap())
                })
                .collect()
        };
        let h = coords(&g.history);
        assert_eq!(h.len(), 10);
        assert_eq!(h[0].0, g.left);
        assert_eq!(
            coords(g.forecast.as_ref().unwrap()).last().unwrap().0,
            g.right
        );
        for (_, y) in h.iter().chain(&coords(g.band.as_ref().unwrap())) {
            assert!((g.top..=g.bottom).contains(y), "{y}");
        }
        // Higher values are higher up.
        assert!(h[9].1 < h[0].1);
        assert_eq!(coords(g.band.as_ref().unwrap()).len(), 4);
        assert!(
            g.summary.contains("forecast of 2 rows from 1970-01-11"),
            "{}",
            g.summary
        );
        let svg = g.to_svg();
        assert!(
            svg.starts_with("<svg") && svg.ends_with("</svg>") && svg.contains("class=\"band\"")
        );
        // Holidays in the range are marked where their day is drawn; others are not.
        let mut marked = g.clone();
        marked.mark_holidays(&[(-day, "Before".into()), (10 * day, "A & B".into()), (12 * day, "After".into())]);
        assert_eq!(marked.holidays.len(), 1);
        // (The lines' points are written to 0.1.)
        assert!((marked.holidays[0].x - coords(g.forecast.as_ref().unwrap())[0].0).abs() <= 0.05);
        assert_eq!(marked.holidays[0].text, "A & B, 1970-01-11");
        assert!(marked.to_svg().contains(r#"<line class="holiday" x1="721.5" x2="721.5" y1="12" y2="272"><title>A &amp; B, 1970-01-11</title></line>"#), "{}", marked.to_svg());
        assert!(geometry(&[], None, "x").is_none());
        let odd = geometry(&history, None, "<b>&").unwrap().to_svg();
        assert!(odd.contains("&lt;b&gt;&amp;") && !odd.contains("<b>"));
        let quoted = geometry(&history, None, "New Year's \"day\"").unwrap().to_svg();
        assert!(quoted.contains("New Year&#39;s &quot;day&quot;"), "{quoted}");
    }
}
