//! Synthetic energy-consumption datasets, shaped like the seed's.
//!
//! Each customer gets a baseline drawn from U(500, 1000), a yearly sine of
//! amplitude U(100, 200) with a random phase, a weekly pattern (and, for
//! hourly data, a daily one), and N(0, 50) noise; values are clipped at zero.
//! Customer `c` draws from its own PCG stream of the seed, so the output is
//! the same for the same seed whatever the thread count, and customers can
//! be generated in parallel. The weather dataset ([`crate::weather`]) adds
//! a `temperature` column that drives consumption.

use std::f64::consts::TAU;
use std::io::{self, Write};

use gridcast_model::{format_csv_as, parse_timestamp, Timestamp};
use rand::Rng;
use rand_distr::{Distribution, Normal};
use rand_pcg::Pcg64;
use rayon::prelude::*;

use crate::weather::{Household, Weather};

const DAY: i64 = 86_400;
const HOUR: i64 = 3_600;

/// Sampling frequency of a generated dataset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Frequency {
    /// One reading per day, at midnight.
    Daily,
    /// One reading per hour.
    Hourly,
}

impl Frequency {
    fn step(self) -> i64 {
        match self {
            Frequency::Daily => DAY,
            Frequency::Hourly => HOUR,
        }
    }
}

/// What to generate.
#[derive(Debug, Clone, PartialEq)]
pub struct DatasetSpec {
    /// Number of customers; ids are `0..customers`, as the seed numbers them.
    pub customers: u32,
    /// First day (midnight).
    pub start: Timestamp,
    /// Last day, inclusive (every hour of it for hourly data).
    pub end: Timestamp,
    /// Reading frequency.
    pub frequency: Frequency,
    /// RNG seed.
    pub seed: u64,
    /// The weather dataset's country (its holidays): consumption driven by
    /// a `temperature` column ([`crate::weather`]); `None`: the seed's shape.
    pub weather: Option<String>,
}

/// Why a dataset specification was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DatasetError {
    /// A date that is not `YYYY-MM-DD`.
    #[error("{field}: {text:?} is not a date (expected YYYY-MM-DD)")]
    BadDate {
        /// `start` or `end`.
        field: &'static str,
        /// What was given.
        text: String,
    },
    /// The end is before the start.
    #[error("end {end} is before start {start}")]
    EndBeforeStart {
        /// Start date.
        start: String,
        /// End date.
        end: String,
    },
    /// No customers.
    #[error("customers must be at least 1")]
    NoCustomers,
    /// A country without a holiday table.
    #[error("--weather: {0}")]
    Country(String),
}

impl DatasetSpec {
    /// The seed's dataset: 1,000 customers, daily, 2022-01-01 to 2022-12-31.
    pub fn seed_preset(seed: u64) -> Self {
        Self::new(1000, "2022-01-01", "2022-12-31", Frequency::Daily, seed).expect("valid preset")
    }

    /// Validates a specification given as dates (`YYYY-MM-DD`).
    pub fn new(
        customers: u32,
        start: &str,
        end: &str,
        frequency: Frequency,
        seed: u64,
    ) -> Result<Self, DatasetError> {
        let date = |field, text: &str| {
            parse_timestamp(text)
                .filter(|t| t % DAY == 0 && text.trim().len() == 10)
                .ok_or_else(|| DatasetError::BadDate {
                    field,
                    text: text.to_owned(),
                })
        };
        let (s, e) = (date("start", start)?, date("end", end)?);
        if e < s {
            return Err(DatasetError::EndBeforeStart {
                start: start.to_owned(),
                end: end.to_owned(),
            });
        }
        if customers == 0 {
            return Err(DatasetError::NoCustomers);
        }
        Ok(Self {
            customers,
            start: s,
            end: e,
            frequency,
            seed,
            weather: None,
        })
    }

    /// The weather dataset: 1,000 customers, daily 2022, temperature and
    /// [`gridcast_api::Preset::WEATHER_COUNTRY`]'s holidays.
    pub fn weather_preset(seed: u64) -> Self {
        Self::seed_preset(seed)
            .with_weather(gridcast_api::Preset::WEATHER_COUNTRY)
            .expect("the preset's country has holidays")
    }

    /// This dataset with weather-driven consumption and `country`'s holidays.
    pub fn with_weather(mut self, country: &str) -> Result<Self, DatasetError> {
        gridcast_holidays::resolve_country(country).map_err(|e| DatasetError::Country(e.to_string()))?;
        self.weather = Some(country.to_owned());
        Ok(self)
    }

    /// The region's weather over the dataset and `future` rows after it
    /// (the future covariates feed).
    pub fn weather(&self, future: usize) -> Option<Weather> {
        let country = self.weather.as_deref()?;
        let timestamps: Vec<Timestamp> = self.timestamps().collect();
        Some(Weather::draw(&timestamps, future, self.seed, country).expect("country checked"))
    }

    /// Timestamps of every customer's readings.
    pub fn timestamps(&self) -> impl Iterator<Item = Timestamp> + Clone {
        let step = self.frequency.step();
        let (start, last) = (self.start, self.end + DAY - step);
        (0..)
            .map(move |i| start + i * step)
            .take_while(move |t| *t <= last)
    }

    /// Rows per customer.
    pub fn rows_per_customer(&self) -> u64 {
        ((self.end - self.start) / self.frequency.step() + DAY / self.frequency.step()) as u64
    }
}

/// One customer's draw of the generating process.
struct Profile {
    baseline: f64,
    yearly_amplitude: f64,
    yearly_phase: f64,
    weekly_amplitude: f64,
    weekly_phase: f64,
    daily_amplitude: f64,
    daily_phase: f64,
}

impl Profile {
    fn draw(rng: &mut Pcg64) -> Self {
        Self {
            baseline: rng.gen_range(500.0..1000.0),
            yearly_amplitude: rng.gen_range(100.0..200.0),
            yearly_phase: rng.gen_range(0.0..TAU),
            weekly_amplitude: rng.gen_range(20.0..60.0),
            weekly_phase: rng.gen_range(0.0..TAU),
            daily_amplitude: rng.gen_range(50.0..150.0),
            daily_phase: rng.gen_range(0.0..TAU),
        }
    }

    fn mean(&self, t: Timestamp, hourly: bool) -> f64 {
        let days = t.div_euclid(DAY) as f64 + (t.rem_euclid(DAY) as f64) / DAY as f64;
        let yearly = self.yearly_amplitude * (TAU * days / 365.25 + self.yearly_phase).sin();
        let weekly = self.weekly_amplitude * (TAU * days.floor() / 7.0 + self.weekly_phase).sin();
        let daily = if hourly {
            self.daily_amplitude * (TAU * days.fract() + self.daily_phase).sin()
        } else {
            0.0
        };
        self.baseline + yearly + weekly + daily
    }
}

/// Appends customer `id`'s rows to `out`.
fn customer_rows(spec: &DatasetSpec, weather: Option<&Weather>, id: u32, out: &mut Vec<u8>) {
    let mut rng = Pcg64::new(u128::from(spec.seed), u128::from(id));
    let hourly = spec.frequency == Frequency::Hourly;
    if let Some(weather) = weather {
        let household = Household::draw(&mut rng);
        for (t, celsius) in spec.timestamps().zip(weather.temperature.iter().map(|w| w.1)) {
            let value = household.consumption(t, celsius, weather.is_holiday(t), &mut rng);
            writeln!(out, "{id},{},{value:.6},{celsius}", format_csv_as(t, hourly))
                .expect("writing to a Vec");
        }
        return;
    }
    let profile = Profile::draw(&mut rng);
    let noise = Normal::new(0.0, 50.0).expect("valid normal");
    for t in spec.timestamps() {
        let value = (profile.mean(t, hourly) + noise.sample(&mut rng)).max(0.0);
        writeln!(out, "{id},{},{value:.6}", format_csv_as(t, hourly)).expect("writing to a Vec");
    }
}

/// Writes the dataset as CSV (`customer_id,timestamp,consumption`, plus
/// `temperature` for the weather dataset; header first, sorted by customer
/// then time) and returns the number of rows.
/// Customers are generated in parallel (on the current rayon pool) in
/// batches, so memory stays bounded by the batch, not the dataset.
pub fn write_dataset(spec: &DatasetSpec, mut out: impl Write) -> io::Result<u64> {
    let weather = spec.weather(0);
    out.write_all(match weather {
        Some(_) => b"customer_id,timestamp,consumption,temperature\n".as_slice(),
        None => b"customer_id,timestamp,consumption\n",
    })?;
    let batch = 256u32;
    let mut first = 0u32;
    while first < spec.customers {
        let end = first.saturating_add(batch).min(spec.customers);
        let chunks: Vec<Vec<u8>> = (first..end)
            .into_par_iter()
            .map(|id| {
                let mut buf = Vec::with_capacity(spec.rows_per_customer() as usize * 40);
                customer_rows(spec, weather.as_ref(), id, &mut buf);
                buf
            })
            .collect();
        for chunk in chunks {
            out.write_all(&chunk)?;
        }
        first = end;
    }
    out.flush()?;
    Ok(u64::from(spec.customers) * spec.rows_per_customer())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generate(spec: &DatasetSpec) -> String {
        let mut out = Vec::new();
        let rows = write_dataset(spec, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text.lines().count() as u64, rows + 1);
        text
    }

    #[test]
    fn seed_preset_has_the_seed_shape() {
        let spec = DatasetSpec::seed_preset(42);
        assert_eq!(spec.rows_per_customer(), 365);
        assert_eq!(spec.timestamps().count(), 365);
        let small = DatasetSpec {
            customers: 3,
            ..spec
        };
        let text = generate(&small);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("customer_id,timestamp,consumption"));
        let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
        assert_eq!(rows[0][..2], ["0", "2022-01-01"]);
        assert_eq!(rows[364][..2], ["0", "2022-12-31"]);
        assert_eq!(rows[365][..2], ["1", "2022-01-01"]);
        assert_eq!(rows.last().unwrap()[..2], ["2", "2022-12-31"]);
        let values: Vec<f64> = rows.iter().map(|r| r[2].parse().unwrap()).collect();
        assert!(values.iter().all(|v| *v >= 0.0));
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        assert!((400.0..1100.0).contains(&mean), "{mean}");
    }

    #[test]
    fn same_seed_same_output_whatever_the_threads() {
        let spec = DatasetSpec::new(300, "2022-01-01", "2022-01-31", Frequency::Daily, 7).unwrap();
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(|| generate(&spec));
        assert_eq!(one, generate(&spec));
        assert_ne!(one, generate(&DatasetSpec { seed: 8, ..spec }));
    }

    #[test]
    fn hourly_has_a_daily_cycle_and_full_timestamps() {
        let spec = DatasetSpec::new(1, "2022-03-01", "2022-03-28", Frequency::Hourly, 1).unwrap();
        assert_eq!(spec.rows_per_customer(), 28 * 24);
        let text = generate(&spec);
        let rows: Vec<Vec<&str>> = text
            .lines()
            .skip(1)
            .map(|l| l.split(',').collect())
            .collect();
        assert_eq!(rows[0][1], "2022-03-01 00:00:00");
        assert_eq!(rows.last().unwrap()[1], "2022-03-28 23:00:00");
        // Mean by hour of day varies far more than noise over 28 days would.
        let by_hour: Vec<f64> = (0..24)
            .map(|h| {
                rows.iter()
                    .skip(h)
                    .step_by(24)
                    .map(|r| r[2].parse::<f64>().unwrap())
                    .sum::<f64>()
                    / 28.0
            })
            .collect();
        let spread = by_hour.iter().cloned().fold(f64::MIN, f64::max)
            - by_hour.iter().cloned().fold(f64::MAX, f64::min);
        assert!(spread > 60.0, "{by_hour:?}");
    }

    #[test]
    fn the_weather_dataset_has_temperature_driving_consumption() {
        let spec = DatasetSpec {
            customers: 2,
            ..DatasetSpec::weather_preset(3)
        };
        let text = generate(&spec);
        let mut lines = text.lines();
        assert_eq!(lines.next(), Some("customer_id,timestamp,consumption,temperature"));
        let rows: Vec<(f64, f64)> = lines
            .take(365)
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[2].parse().unwrap(), f[3].parse().unwrap())
            })
            .collect();
        let mean = |celsius: std::ops::Range<f64>| {
            let v: Vec<f64> = rows.iter().filter(|r| celsius.contains(&r.1)).map(|r| r.0).collect();
            v.iter().sum::<f64>() / v.len() as f64
        };
        assert!(mean(-30.0..5.0) > mean(16.0..21.0) + 150.0, "cold days use more");
        assert_eq!(text, generate(&spec), "seeded");
        let future = spec.weather(14).unwrap();
        assert_eq!(future.temperature.len(), 365 + 14);
        assert_eq!(future.temperature[..365], spec.weather(0).unwrap().temperature[..], "the feed continues the history");
        assert!(DatasetSpec::seed_preset(1).with_weather("Atlantis").unwrap_err().to_string().starts_with("--weather:"));
    }

    #[test]
    fn rejects_bad_specs() {
        let err = DatasetSpec::new(1, "2022-13-01", "2022-12-31", Frequency::Daily, 1).unwrap_err();
        assert_eq!(
            err.to_string(),
            "start: \"2022-13-01\" is not a date (expected YYYY-MM-DD)"
        );
        assert!(matches!(
            DatasetSpec::new(1, "2022-02-01", "2022-01-01", Frequency::Daily, 1),
            Err(DatasetError::EndBeforeStart { .. })
        ));
        assert_eq!(
            DatasetSpec::new(0, "2022-01-01", "2022-01-01", Frequency::Daily, 1),
            Err(DatasetError::NoCustomers)
        );
    }
}
