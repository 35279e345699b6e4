//! The weather dataset (`generate --preset weather`, `--weather COUNTRY`):
//! one region's daily temperature (a yearly cycle plus day-to-day weather,
//! an AR(1) anomaly), and consumption driven by it — heating below 15 °C,
//! cooling above 22 °C — with a weekly cycle and less use on the country's
//! public holidays. The temperature continues past the history, so the
//! same draw gives the future covariates feed (`--covariates-out`): the
//! "weather forecast" the endpoint fills requests from.

use std::collections::HashSet;
use std::f64::consts::TAU;

use gridcast_model::Timestamp;
use rand::Rng;
use rand_distr::{Distribution, Normal};
use rand_pcg::Pcg64;

const DAY: i64 = 86_400;

/// Below this, heating (°C).
pub const HEATING_BELOW: f64 = 15.0;
/// Above this, cooling (°C).
pub const COOLING_ABOVE: f64 = 22.0;

/// The region's weather over the history and `future` rows after it, and
/// the country's holidays.
#[derive(Debug, Clone)]
pub struct Weather {
    /// Temperature (°C, one decimal) at each timestamp, history then future.
    pub temperature: Vec<(Timestamp, f64)>,
    holidays: HashSet<i64>,
}

impl Weather {
    /// The weather at `timestamps` (and `future` more at the same step),
    /// drawn from stream `u128::MAX` of `seed` (customers use streams
    /// `0..`), with `country`'s holidays for those years.
    pub fn draw(
        timestamps: &[Timestamp],
        future: usize,
        seed: u64,
        country: &str,
    ) -> Result<Self, gridcast_holidays::HolidaysError> {
        let step = match timestamps {
            [a, b, ..] => b - a,
            _ => DAY,
        };
        let last = timestamps.last().copied().unwrap_or(0);
        let all: Vec<Timestamp> = timestamps
            .iter()
            .copied()
            .chain((1..=future as i64).map(|i| last + i * step))
            .collect();
        let mut rng = Pcg64::new(u128::from(seed), u128::MAX);
        let anomaly_noise = Normal::new(0.0, 2.2).expect("valid normal");
        let (mut anomaly, mut day) = (0.0, i64::MIN);
        let temperature = all
            .iter()
            .map(|&t| {
                // The anomaly moves once a day; hours add a daily swing.
                if t.div_euclid(DAY) != day {
                    day = t.div_euclid(DAY);
                    anomaly = 0.75 * anomaly + anomaly_noise.sample(&mut rng);
                }
                let hour = t.rem_euclid(DAY) as f64 / 3_600.0;
                let swing = if step < DAY { 4.0 * (TAU * (hour - 9.0) / 24.0).sin() } else { 0.0 };
                let celsius = seasonal_mean(t) + anomaly + swing;
                (t, (celsius * 10.0).round() / 10.0)
            })
            .collect();
        let years: Vec<i32> = {
            let mut y: Vec<i32> = all.iter().map(|t| year_of(*t)).collect();
            y.dedup();
            y
        };
        let holidays = gridcast_holidays::country_holidays(country, &years)?
            .into_iter()
            .map(|h| h.ds.div_euclid(DAY))
            .collect();
        Ok(Self {
            temperature,
            holidays,
        })
    }

    /// Whether `t` falls on a public holiday.
    pub fn is_holiday(&self, t: Timestamp) -> bool {
        self.holidays.contains(&t.div_euclid(DAY))
    }
}

/// 12 °C on average, 11 °C either way over the year, warmest in late July.
fn seasonal_mean(t: Timestamp) -> f64 {
    let days = t.div_euclid(DAY) as f64;
    // Day 0 is 1970-01-01; the coldest day is about January 20th.
    12.0 - 11.0 * (TAU * (days - 19.0) / 365.25).cos()
}

fn year_of(t: Timestamp) -> i32 {
    gridcast_model::format_csv(t)[..4].parse().expect("four-digit years")
}

/// One customer's response to the weather.
#[derive(Debug, Clone)]
pub struct Household {
    baseline: f64,
    heating: f64,
    cooling: f64,
    weekly: f64,
    weekly_phase: f64,
    holiday: f64,
    noise: Normal<f64>,
}

impl Household {
    /// Draws a customer.
    pub fn draw(rng: &mut Pcg64) -> Self {
        Self {
            baseline: rng.gen_range(300.0..600.0),
            heating: rng.gen_range(15.0..30.0),
            cooling: rng.gen_range(10.0..25.0),
            weekly: rng.gen_range(30.0..80.0),
            weekly_phase: rng.gen_range(0.0..TAU),
            holiday: rng.gen_range(60.0..120.0),
            noise: Normal::new(0.0, 15.0).expect("valid normal"),
        }
    }

    /// Consumption at `t` at `celsius` (never below zero).
    pub fn consumption(&self, t: Timestamp, celsius: f64, holiday: bool, rng: &mut Pcg64) -> f64 {
        let day = t.div_euclid(DAY) as f64;
        let heating = self.heating * (HEATING_BELOW - celsius).max(0.0);
        let cooling = self.cooling * (celsius - COOLING_ABOVE).max(0.0);
        let weekly = self.weekly * (TAU * day / 7.0 + self.weekly_phase).sin();
        let holiday = if holiday { -self.holiday } else { 0.0 };
        (self.baseline + heating + cooling + weekly + holiday + self.noise.sample(rng)).max(0.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(n: i64) -> Vec<Timestamp> {
        (0..n).map(|d| 1_640_995_200 + d * DAY).collect() // from 2022-01-01
    }

    #[test]
    fn temperature_follows_the_seasons_and_continues_into_the_future() {
        let w = Weather::draw(&days(365), 30, 42, "US").unwrap();
        assert_eq!(w.temperature.len(), 395);
        assert_eq!(w.temperature[365].0, 1_672_531_200, "the future starts 2023-01-01");
        let mean = |r: std::ops::Range<usize>| {
            w.temperature[r.clone()].iter().map(|x| x.1).sum::<f64>() / r.len() as f64
        };
        assert!(mean(0..31) < 5.0 && mean(181..212) > 18.0, "January cold, July warm");
        let again = Weather::draw(&days(365), 30, 42, "US").unwrap();
        assert_eq!(again.temperature, w.temperature, "seeded");
        // US holidays of 2022: New Year's Day (observed on the 31st of December 2021, not here), July 4th.
        assert!(w.is_holiday(1_656_892_800), "2022-07-04");
        assert!(!w.is_holiday(1_656_979_200), "2022-07-05");
        assert!(Weather::draw(&days(3), 0, 1, "Atlantis").is_err());
    }

    #[test]
    fn heating_and_cooling_move_consumption() {
        let mut rng = Pcg64::new(1, 1);
        let h = Household::draw(&mut rng);
        let at = |c: f64, holiday: bool| {
            let mut rng = Pcg64::new(9, 9);
            h.consumption(1_640_995_200, c, holiday, &mut rng)
        };
        assert!(at(0.0, false) > at(18.0, false) + 200.0, "heating below 15 °C");
        assert!(at(32.0, false) > at(18.0, false) + 90.0, "cooling above 22 °C");
        assert_eq!(at(16.0, false), at(20.0, false), "flat between the two");
        assert!(at(18.0, true) < at(18.0, false) - 50.0, "less on holidays");
    }
}
