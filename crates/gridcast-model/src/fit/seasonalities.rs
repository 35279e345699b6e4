//! `set_auto_seasonalities` and `parse_seasonality_args`: yearly, weekly and
//! daily seasonality, on when asked for or when the history supports them.

use crate::config::SeasonalitySetting;
use crate::features::Seasonality;
use crate::model::ProphetModel;
use crate::time::Timestamp;

const DAY: i64 = 86_400;

/// Adds yearly, weekly and daily seasonality (in that order) as the model's
/// settings and the history's span and spacing say, skipping names a custom
/// seasonality already took under `"auto"`.
pub(super) fn set_auto_seasonalities(model: &mut ProphetModel, ds: &[Timestamp]) {
    let span = ds[ds.len() - 1] - ds[0];
    let min_dt = ds
        .windows(2)
        .map(|w| w[1] - w[0])
        .filter(|d| *d != 0)
        .min()
        .unwrap_or(i64::MAX);
    let s = &model.settings;
    let specs = [
        ("yearly", s.yearly_seasonality, span < 730 * DAY, 10, 365.25),
        (
            "weekly",
            s.weekly_seasonality,
            span < 14 * DAY || min_dt >= 7 * DAY,
            3,
            7.0,
        ),
        (
            "daily",
            s.daily_seasonality,
            span < 2 * DAY || min_dt >= DAY,
            4,
            1.0,
        ),
    ];
    for (name, setting, auto_disable, default_order, period) in specs {
        let taken = model.seasonalities.iter().any(|s| s.name == name);
        let order = fourier_order(setting, taken || auto_disable, default_order);
        if order > 0 {
            let s = Seasonality {
                name: name.into(),
                period,
                fourier_order: order,
                prior_scale: model.settings.seasonality_prior_scale,
                mode: model.settings.seasonality_mode,
                condition_name: None,
            };
            // Python's dict assignment replaces in place when the name exists.
            match model.seasonalities.iter_mut().find(|x| x.name == name) {
                Some(existing) => *existing = s,
                None => model.seasonalities.push(s),
            }
        }
    }
}

/// `parse_seasonality_args`: the Fourier order of a built-in seasonality, 0
/// when off.
fn fourier_order(setting: SeasonalitySetting, auto_disable: bool, default_order: u32) -> u32 {
    match setting {
        SeasonalitySetting::Auto if auto_disable => 0,
        SeasonalitySetting::Auto => default_order,
        SeasonalitySetting::Enabled(true) => default_order,
        SeasonalitySetting::Enabled(false) => 0,
        SeasonalitySetting::Order(n) => n,
    }
}
