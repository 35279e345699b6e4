//! The on-device engine's boundary: what the portal asks of the second wasm
//! module (gridcast-js's `pkg-engine`, [`facts_json`] and [`forecast_json`]
//! behind `engineFacts` and `engineForecast`) and how it reads the answers
//! ([`read_facts`], [`read_forecast`]). Both sides are this plain Rust, so
//! native tests hold the answer through the boundary equal to the
//! in-process one; the portal itself links only the readers.

use std::sync::Arc;

use gridcast_api::FutureCovariates;
use gridcast_model::HolidayTable;

use crate::forecast::{DeviceForecast, DeviceForecastError, OnDeviceModel};
use crate::{ModelFacts, Problem};

/// The engine's `engineFacts`: the artifact checked (unpacked and read as
/// [`OnDeviceModel::from_artifact`] does) and its facts as JSON, or why it
/// is refused.
pub fn facts_json(artifact: &[u8]) -> Result<String, String> {
    let model = OnDeviceModel::from_artifact(artifact)?;
    Ok(serde_json::to_string(&ModelFacts::of(&model)).expect("facts serialize"))
}

/// The engine's `engineForecast`: the device's forecast of `days` days from
/// the artifact with the kept covariates (the endpoint's CSV, empty: none)
/// and holiday table (`data/<CODE>.bin`, empty: none), as the in-process
/// device forecast gives it — JSON of `Result<DeviceForecast,
/// DeviceForecastError>`.
pub fn forecast_json(artifact: &[u8], covariates: &[u8], holidays: &[u8], days: u32) -> String {
    let answer = device_forecast(artifact, covariates, holidays, days);
    serde_json::to_string(&answer).expect("forecasts serialize")
}

fn device_forecast(
    artifact: &[u8],
    covariates: &[u8],
    holidays: &[u8],
    days: u32,
) -> Result<DeviceForecast, DeviceForecastError> {
    let model = OnDeviceModel::from_artifact(artifact).map_err(DeviceForecastError::Model)?;
    let covariates = FutureCovariates::parse(covariates).ok();
    let table = HolidayTable::from_bytes(holidays).ok().map(Arc::new);
    model.forecast_covered(
        model.periods_for_days(days),
        covariates.as_ref(),
        table.as_ref(),
    )
}

/// `engineFacts`' answer: the facts, or the artifact's refusal as
/// [`Problem::OnDevice`] (what an unchecked download gives in process).
pub fn read_facts(answer: Result<String, String>) -> Result<ModelFacts, Problem> {
    ModelFacts::from_json(answer.map_err(Problem::OnDevice)?.as_bytes()).map_err(Problem::OnDevice)
}

/// `engineForecast`'s answer as the in-process device forecast's result.
pub fn read_forecast(answer: &str) -> Result<DeviceForecast, Problem> {
    let answer: Result<DeviceForecast, DeviceForecastError> = serde_json::from_str(answer)
        .map_err(|e| {
            Problem::OnDevice(format!("the on-device engine's answer does not read: {e}"))
        })?;
    answer.map_err(Problem::from)
}

impl From<DeviceForecastError> for Problem {
    fn from(e: DeviceForecastError) -> Self {
        match e {
            DeviceForecastError::NoCovariates(u) => Problem::NoCovariates(u),
            DeviceForecastError::NoHolidayTable(c) => Problem::NoHolidayTable(c),
            DeviceForecastError::Model(m) => Problem::OnDevice(m),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &[u8] =
        include_bytes!("../../../../shared/fixtures/prophet/models/seed_trend_only.tar.gz");
    const REGRESSOR: &[u8] =
        include_bytes!("../../../../shared/fixtures/prophet-ext/models/temp_regressor.tar.gz");
    const FUTURE: &[u8] =
        include_bytes!("../../../../shared/fixtures/prophet-ext/future/temp_regressor.csv");
    const US_WEATHER: &[u8] = include_bytes!("../tests/holidays/us_weather.tar.gz");

    fn table(code: &str) -> Vec<u8> {
        let path = format!(
            "{}/../gridcast-holidays/data/{code}.bin",
            env!("CARGO_MANIFEST_DIR")
        );
        std::fs::read(path).unwrap()
    }

    /// The in-process device forecast, as `Forecaster::on_device` makes it.
    fn in_process(
        artifact: &[u8],
        covariates: &[u8],
        holidays: &[u8],
        days: u32,
    ) -> Result<DeviceForecast, Problem> {
        let m = OnDeviceModel::from_artifact(artifact).map_err(Problem::OnDevice)?;
        let rows = FutureCovariates::parse(covariates).ok();
        let table = HolidayTable::from_bytes(holidays).ok().map(Arc::new);
        m.forecast_covered(m.periods_for_days(days), rows.as_ref(), table.as_ref())
            .map_err(Problem::from)
    }

    #[test]
    fn forecasts_through_the_boundary_equal_the_in_process_ones_bit_for_bit() {
        let us = table("US");
        let cases: [(&[u8], &[u8], &[u8], u32); 6] = [
            (SEED, b"", b"", 14),
            (REGRESSOR, FUTURE, b"", 7),
            // Covariates for part of the horizon: the rows left out, named.
            (REGRESSOR, FUTURE, b"", 90),
            // No covariates, no table, another country's table: typed refusals.
            (REGRESSOR, b"", b"", 7),
            (US_WEATHER, b"", &us, 7),
            (US_WEATHER, b"", b"", 7),
        ];
        for (artifact, covariates, holidays, days) in cases {
            let through = read_forecast(&forecast_json(artifact, covariates, holidays, days));
            let direct = in_process(artifact, covariates, holidays, days);
            match (&through, &direct) {
                (Ok(a), Ok(b)) => {
                    let bits = |t: &DeviceForecast| -> Vec<u64> {
                        let t = &t.table;
                        let cols = t.columns.iter().flat_map(|(_, v)| v.iter());
                        t.yhat
                            .iter()
                            .chain(&t.lower)
                            .chain(&t.upper)
                            .chain(cols)
                            .map(|v| v.to_bits())
                            .collect()
                    };
                    assert_eq!(bits(a), bits(b));
                    assert_eq!(a, b);
                }
                _ => assert_eq!(through, direct),
            }
        }
        assert!(matches!(
            read_forecast(&forecast_json(REGRESSOR, b"", b"", 7)),
            Err(Problem::NoCovariates(_))
        ));
        assert_eq!(
            read_forecast(&forecast_json(US_WEATHER, b"", &table("CA"), 7)),
            Err(Problem::NoHolidayTable("US".into()))
        );
    }

    #[test]
    fn a_download_that_does_not_unpack_is_refused_as_in_process() {
        let broken = &SEED[..SEED.len() / 2];
        let e = OnDeviceModel::from_artifact(broken).unwrap_err();
        assert_eq!(
            read_facts(facts_json(broken)),
            Err(Problem::OnDevice(e.clone()))
        );
        assert_eq!(
            read_forecast(&forecast_json(broken, b"", b"", 7)),
            Err(Problem::OnDevice(e))
        );
        let facts = read_facts(facts_json(SEED)).unwrap();
        assert_eq!(
            facts,
            ModelFacts::of(&OnDeviceModel::from_artifact(SEED).unwrap())
        );
        assert!(
            matches!(read_forecast("{"), Err(Problem::OnDevice(m)) if m.contains("does not read"))
        );
    }
}
