//! `set_changepoints`: explicit changepoints checked against the history, or
//! `n_changepoints` spread evenly over its first `changepoint_range`.

use super::FitError;
use crate::history::History;
use crate::model::ProphetModel;
use crate::time::Timestamp;

/// Sets `changepoints`, `changepoints_t` and (for short histories) a lower
/// `n_changepoints`; `specified` are the explicit ones, if any.
pub(super) fn set_changepoints(
    model: &mut ProphetModel,
    specified: Option<&[Timestamp]>,
    history: &History,
) -> Result<(), FitError> {
    let ds = &history.ds;
    let rows = ds.len();
    model.changepoints = match specified {
        Some(list) => {
            if let (Some(lo), Some(hi)) = (list.iter().min(), list.iter().max()) {
                if *lo < ds[0] || *hi > ds[rows - 1] {
                    return Err(FitError::ChangepointsOutsideHistory);
                }
            }
            list.to_vec()
        }
        None => {
            let range = model.settings.changepoint_range;
            let hist_size = (rows as f64 * range).floor() as i64;
            if model.settings.n_changepoints as i64 + 1 > hist_size {
                model.settings.n_changepoints = (hist_size - 1).max(0) as u32;
            }
            let n = model.settings.n_changepoints;
            if n > 0 {
                let last = (hist_size - 1) as f64;
                (1..=n as usize)
                    .map(|i| {
                        // np.linspace(0, hist_size - 1, n + 1).round(): round half to even
                        let v = last * i as f64 / n as f64;
                        ds[round_half_even(v) as usize]
                    })
                    .collect()
            } else {
                Vec::new()
            }
        }
    };
    let mut t: Vec<f64> = model
        .changepoints
        .iter()
        .map(|&c| model.scaled_time(c))
        .collect();
    t.sort_by(f64::total_cmp);
    if t.is_empty() {
        t.push(0.0);
    }
    model.changepoints_t = t;
    Ok(())
}

fn round_half_even(v: f64) -> f64 {
    let r = v.round();
    if (v - v.trunc()).abs() == 0.5 && r % 2.0 != 0.0 {
        r - v.signum()
    } else {
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_like_numpy() {
        assert_eq!(round_half_even(0.5), 0.0);
        assert_eq!(round_half_even(1.5), 2.0);
        assert_eq!(round_half_even(2.5), 2.0);
        assert_eq!(round_half_even(2.4), 2.0);
        assert_eq!(round_half_even(2.6), 3.0);
    }
}
