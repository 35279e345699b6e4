//! How far ahead: a customer's horizon in days (portal, widget, edge,
//! preview) and an InvokeEndpoint's period in model rows.

use std::fmt;

/// The longest forecast the portal, the widget, the preview and the edge
/// handler ask for, in days.
pub const MAX_HORIZON_DAYS: u32 = 90;

/// The most rows one InvokeEndpoint answers: ten years of daily rows (the
/// answer is ~1.2 MB).
pub const MAX_PERIOD: u32 = 3650;

/// A customer-facing horizon: 1 to [`MAX_HORIZON_DAYS`] days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Horizon(u32);

/// A horizon or period out of range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HorizonError {
    /// Days outside 1..=[`MAX_HORIZON_DAYS`].
    #[error("{0} days: forecast between 1 and {MAX_HORIZON_DAYS} days")]
    Days(i64),
    /// Not a whole number of days.
    #[error("days={0:?}: give a whole number of days from 1 to {MAX_HORIZON_DAYS}")]
    NotDays(String),
    /// Rows outside 1..=[`MAX_PERIOD`].
    #[error("period must be an integer from 1 to {MAX_PERIOD}, got {0}")]
    Period(String),
}

impl Horizon {
    /// Checks `days`.
    pub fn days(days: u32) -> Result<Self, HorizonError> {
        if (1..=MAX_HORIZON_DAYS).contains(&days) {
            Ok(Self(days))
        } else {
            Err(HorizonError::Days(days.into()))
        }
    }

    /// Reads a horizon given as text (`?days=14`, an attribute).
    pub fn parse(text: &str) -> Result<Self, HorizonError> {
        let text = text.trim();
        let days: i64 = text
            .parse()
            .map_err(|_| HorizonError::NotDays(text.chars().take(20).collect()))?;
        u32::try_from(days)
            .ok()
            .and_then(|d| Self::days(d).ok())
            .ok_or(HorizonError::Days(days))
    }

    /// The number of days.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for Horizon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} days", self.0)
    }
}

/// Rows an InvokeEndpoint forecasts: 1 to [`MAX_PERIOD`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Period(u32);

impl Period {
    /// Checks `rows`.
    pub fn rows(rows: u32) -> Result<Self, HorizonError> {
        if (1..=MAX_PERIOD).contains(&rows) {
            Ok(Self(rows))
        } else {
            Err(HorizonError::Period(rows.to_string()))
        }
    }

    /// The number of rows.
    pub fn get(self) -> u32 {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn horizons_at_and_past_the_bounds() {
        assert_eq!(Horizon::days(1).unwrap().get(), 1);
        assert_eq!(Horizon::days(MAX_HORIZON_DAYS).unwrap().get(), 90);
        for bad in [0, 91] {
            assert_eq!(
                Horizon::days(bad).unwrap_err().to_string(),
                format!("{bad} days: forecast between 1 and 90 days")
            );
        }
        assert_eq!(Horizon::parse(" 14 ").unwrap().get(), 14);
        assert!(Horizon::parse("14.5").is_err());
        assert!(Horizon::parse("-3").is_err());
        assert!(Horizon::parse("many").is_err());
        assert_eq!(Period::rows(3650).unwrap().get(), 3650);
        assert!(Period::rows(0).is_err() && Period::rows(3651).is_err());
    }
}
