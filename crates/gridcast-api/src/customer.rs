//! Customer ids: the names that become `<id>.csv` and `<id>.tar.gz`, sign in,
//! and name a widget's or the edge's customer.

use std::fmt;

/// Longest customer id accepted (bytes).
pub const MAX_CUSTOMER_ID_LEN: usize = 128;

/// A customer id that is safe to use as a file name on every platform and as
/// a SageMaker `TargetModel`: 1–128 ASCII letters, digits, `_`, `-` or `.`,
/// not starting with `.` (so never `..`, never a hidden or temporary file).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CustomerId(String);

/// Why a text is not a valid customer id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CustomerIdError {
    /// Empty text.
    #[error("customer id is empty")]
    Empty,
    /// Over [`MAX_CUSTOMER_ID_LEN`] bytes.
    #[error("customer id is {0} bytes long, over the limit of {MAX_CUSTOMER_ID_LEN}")]
    TooLong(usize),
    /// A character outside `A-Z a-z 0-9 _ - .`, or a leading `.`.
    #[error("customer id {0:?} may only use letters, digits, '_', '-' and '.', and may not start with '.'")]
    BadCharacter(String),
}

impl CustomerId {
    /// Validates `text` as a customer id.
    pub fn parse(text: &str) -> Result<Self, CustomerIdError> {
        if text.is_empty() {
            return Err(CustomerIdError::Empty);
        }
        if text.len() > MAX_CUSTOMER_ID_LEN {
            return Err(CustomerIdError::TooLong(text.len()));
        }
        let ok = |c: char| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.');
        if text.starts_with('.') || !text.chars().all(ok) {
            return Err(CustomerIdError::BadCharacter(
                text.chars().take(64).collect(),
            ));
        }
        Ok(Self(text.to_owned()))
    }

    /// The id from a per-customer file name (`42.csv` → `42`), if it is one.
    pub fn from_file_name(name: &str, extension: &str) -> Option<Self> {
        Self::parse(name.strip_suffix(extension)?.strip_suffix('.')?).ok()
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// `<id>.csv`: the processed readings.
    pub fn csv_name(&self) -> String {
        format!("{}.csv", self.0)
    }

    /// `<id>.tar.gz`: the model artifact (and the SageMaker TargetModel).
    pub fn artifact_name(&self) -> String {
        format!("{}.tar.gz", self.0)
    }

    /// `<id>.backtest.json`: the model's backtest, beside its artifact
    /// (what the endpoint serves for TargetModel `<id>.tar.gz`).
    pub fn backtest_name(&self) -> String {
        format!("{}.backtest.json", self.0)
    }
}

impl fmt::Display for CustomerId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_safe_names_and_rejects_paths() {
        for ok in ["42", "company_a-7", "A.b", "x".repeat(128).as_str()] {
            assert_eq!(CustomerId::parse(ok).unwrap().as_str(), ok);
        }
        assert_eq!(CustomerId::parse(""), Err(CustomerIdError::Empty));
        assert_eq!(
            CustomerId::parse(&"x".repeat(129)),
            Err(CustomerIdError::TooLong(129))
        );
        for bad in ["..", "../42", "a/b", "a\\b", ".hidden", "4 2", "é", "a\0"] {
            assert!(
                matches!(
                    CustomerId::parse(bad),
                    Err(CustomerIdError::BadCharacter(_))
                ),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn file_names_map_back_to_ids() {
        assert_eq!(
            CustomerId::from_file_name("42.csv", "csv")
                .unwrap()
                .as_str(),
            "42"
        );
        assert_eq!(
            CustomerId::from_file_name("42.tar.gz", "tar.gz")
                .unwrap()
                .artifact_name(),
            "42.tar.gz"
        );
        assert_eq!(CustomerId::from_file_name("42.csv", "tar.gz"), None);
        assert_eq!(CustomerId::from_file_name(".42.csv", "csv"), None);
        assert_eq!(CustomerId::from_file_name("csv", "csv"), None);
    }

    #[test]
    fn displays_as_the_id_itself() {
        let id = CustomerId::parse("company_a-7").unwrap();
        assert_eq!(id.to_string(), "company_a-7");
        assert_eq!(id.csv_name(), "company_a-7.csv");
    }
}
