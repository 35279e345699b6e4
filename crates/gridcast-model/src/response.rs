//! The seed endpoint's answer: pandas `DataFrame.to_json()` of the last
//! `period` rows of `predict(make_future_dataframe(periods=period))`.

use std::fmt::Write;

use crate::forecast::Forecast;

/// Renders rows of a forecast as pandas' `to_json()` (orient=columns): one
/// object per column keyed by the row index (starting at `first_index`), `ds`
/// in epoch milliseconds, floats with pandas' 10 decimal places, NaN as null.
pub fn to_pandas_json(forecast: &Forecast, first_index: usize) -> String {
    let mut out = String::with_capacity(64 + forecast.len() * forecast.columns.len() * 28);
    let keys: Vec<String> = (0..forecast.len())
        .map(|i| (first_index + i).to_string())
        .collect();
    out.push_str("{\"ds\":{");
    for (i, ds) in forecast.ds.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "\"{}\":{}", keys[i], ds * 1000);
    }
    out.push('}');
    for (name, values) in &forecast.columns {
        let _ = write!(out, ",{}:{{", serde_json::Value::String(name.clone()));
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            let _ = write!(out, "\"{}\":", keys[i]);
            push_pandas_float(&mut out, *v);
        }
        out.push('}');
    }
    out.push('}');
    out
}

/// pandas' default `double_precision=10`: at most ten decimals, no trailing zeros.
fn push_pandas_float(out: &mut String, v: f64) {
    if !v.is_finite() {
        out.push_str("null");
        return;
    }
    let text = format!("{v:.10}");
    let text = text.trim_end_matches('0');
    let text = text
        .strip_suffix('.')
        .map(|t| format!("{t}.0"))
        .unwrap_or_else(|| text.to_string());
    out.push_str(if text == "-0.0" { "0.0" } else { &text });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_depend_on_every_byte_and_the_horizon() {
        let a = AnswerSeed::of_model_json(br#"{"k": 1.0}"#);
        assert_eq!(a, AnswerSeed::of_model_json(br#"{"k": 1.0}"#));
        assert_ne!(a, AnswerSeed::of_model_json(br#"{"k": 1.1}"#));
        assert_ne!(a.for_horizon(7), a.for_horizon(8));
        // Pinned: a change here changes every endpoint's answers and every
        // device's band, so it must be deliberate.
        assert_eq!(
            AnswerSeed::of_model_json(b"").for_horizon(0),
            0xcbf2_9ce4_8422_2325
        );
        assert_eq!(
            AnswerSeed::of_model_json(b"a").for_horizon(1),
            0xaf63_dc4c_8601_ec8c ^ 0x9e37_79b9_7f4a_7c15
        );
    }

    #[test]
    fn renders_like_pandas_to_json() {
        let f = Forecast {
            ds: vec![1_672_531_200, 1_672_617_600],
            columns: vec![
                ("trend".into(), vec![948.3533874411405, 1.5]),
                ("yhat".into(), vec![f64::NAN, 2.0]),
            ],
        };
        assert_eq!(
            to_pandas_json(&f, 358),
            r#"{"ds":{"358":1672531200000,"359":1672617600000},"trend":{"358":948.3533874411,"359":1.5},"yhat":{"358":null,"359":2.0}}"#
        );
    }
}

/// Where a model's answers get their uncertainty seed: its `model.json`
/// bytes. The endpoint, the portal, the widget and the edge handler all seed
/// a forecast of `periods` rows with [`AnswerSeed::for_horizon`], so the
/// device's fallback draws exactly the band the endpoint answers for the same
/// model and horizon, and a page that falls back does not move.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnswerSeed(u64);

impl AnswerSeed {
    /// The seed of the model whose `model.json` is `model_json` (FNV-1a:
    /// stable across processes and platforms, unlike std's hasher).
    pub fn of_model_json(model_json: &[u8]) -> Self {
        Self(model_json.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(*b)).wrapping_mul(0x100_0000_01b3)
        }))
    }

    /// The seed as a number (kept in the endpoint's parsed form of a model).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn bits(self) -> u64 {
        self.0
    }

    /// The seed [`AnswerSeed::bits`] gave.
    #[cfg(not(target_arch = "wasm32"))]
    pub fn from_bits(bits: u64) -> Self {
        Self(bits)
    }

    /// The seed of a forecast of `periods` rows ([`crate::ForecastOptions::seed`]).
    pub fn for_horizon(self, periods: usize) -> u64 {
        self.0 ^ (periods as u64).wrapping_mul(0x9e37_79b9_7f4a_7c15)
    }
}

/// The seed endpoint's whole answer for a model: the last `period` rows of
/// `predict(make_future_dataframe(periods=period))` as pandas JSON, row keys
/// continuing from the history length.
pub fn seed_response(
    model: &crate::ProphetModel,
    period: usize,
    opts: &crate::ForecastOptions,
) -> Result<String, crate::ForecastError> {
    let rows = crate::future_frame(model, period, None)?;
    // Uncertainty of future rows does not depend on the history rows being
    // predicted too, so predicting only the future gives the same answer.
    let forecast = crate::predict(model, &rows, opts)?;
    Ok(to_pandas_json(&forecast, model.history_dates.len()))
}
