//! Sharding: which customers one of N machines trains.

use std::fmt;
use std::str::FromStr;

/// The `index`-th (1-based) of `count` shares of the sorted customer list,
/// taken round robin: customer `k` (0-based, in sorted order) belongs to
/// shard `k % count + 1`. N machines with shards `1/N` … `N/N` cover every
/// customer exactly once, and each gets the same mix of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    index: usize,
    count: usize,
}

/// Why a shard specification was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("shard {text:?}: {problem} (expected I/N with 1 <= I <= N, e.g. 1/10)")]
pub struct ShardError {
    text: String,
    problem: &'static str,
}

impl Shard {
    /// Shard `index` of `count`, 1-based.
    pub fn new(index: usize, count: usize) -> Result<Self, ShardError> {
        let err = |problem| ShardError {
            text: format!("{index}/{count}"),
            problem,
        };
        if count == 0 {
            return Err(err("N must be at least 1"));
        }
        if index == 0 || index > count {
            return Err(err("I must be between 1 and N"));
        }
        Ok(Self { index, count })
    }

    /// 1-based index.
    pub fn index(&self) -> usize {
        self.index
    }

    /// Number of shards.
    pub fn count(&self) -> usize {
        self.count
    }

    /// Whether the customer at `position` of the sorted list is in this shard.
    pub fn contains(&self, position: usize) -> bool {
        position % self.count == self.index - 1
    }

    /// This shard's items of a sorted list.
    pub fn select<T>(&self, sorted: Vec<T>) -> Vec<T> {
        sorted
            .into_iter()
            .enumerate()
            .filter(|(k, _)| self.contains(*k))
            .map(|(_, t)| t)
            .collect()
    }
}

impl FromStr for Shard {
    type Err = ShardError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let err = |problem| ShardError {
            text: text.to_owned(),
            problem,
        };
        let (i, n) = text.split_once('/').ok_or_else(|| err("missing '/'"))?;
        let i: usize = i
            .trim()
            .parse()
            .map_err(|_| err("I is not a whole number"))?;
        let n: usize = n
            .trim()
            .parse()
            .map_err(|_| err("N is not a whole number"))?;
        Shard::new(i, n).map_err(|e| ShardError {
            text: text.to_owned(),
            ..e
        })
    }
}

impl fmt::Display for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_partition_the_list() {
        let all: Vec<usize> = (0..103).collect();
        let mut seen = Vec::new();
        for i in 1..=10 {
            let part = Shard::new(i, 10).unwrap().select(all.clone());
            assert!(part.len() == 10 || part.len() == 11);
            seen.extend(part);
        }
        seen.sort();
        assert_eq!(seen, all);
    }

    #[test]
    fn parses_and_rejects() {
        assert_eq!("2/3".parse::<Shard>().unwrap(), Shard::new(2, 3).unwrap());
        assert_eq!("1/1".parse::<Shard>().unwrap().to_string(), "1/1");
        for bad in ["0/3", "4/3", "1/0", "a/3", "3", "1/b", ""] {
            let err = bad.parse::<Shard>().unwrap_err().to_string();
            assert!(err.contains(&format!("{bad:?}")), "{err}");
        }
    }
}
