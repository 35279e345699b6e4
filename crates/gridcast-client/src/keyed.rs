//! `Keyed`: a small map from strings, kept as a sorted `Vec`.
//!
//! The edge's in-memory artifact store (`forecaster::ModelStore::Memory`)
//! and its re-check times (gridcast-js's `edge.rs`) are maps of a few
//! customers each. As `HashMap`s they linked std's hash table for each value
//! type, SipHash and `RandomState` (2.5 KB of pkg-edge's gzip); a
//! binary search over a sorted `Vec` does the same with a few hundred bytes.
//! A new key moves the keys after it (a copy of pointers), which a map of
//! customers kept by one edge instance can afford.

/// A map from `String` keys to `V`, sorted by key.
#[derive(Debug, Clone, PartialEq)]
pub struct Keyed<V> {
    entries: Vec<(String, V)>,
}

impl<V> Default for Keyed<V> {
    fn default() -> Self {
        Keyed {
            entries: Vec::new(),
        }
    }
}

impl<V> Keyed<V> {
    /// Where `key` is (`Ok`) or would go (`Err`).
    fn find(&self, key: &str) -> Result<usize, usize> {
        self.entries.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// The value kept for `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.find(key).ok().map(|at| &self.entries[at].1)
    }

    /// Keeps `value` for `key`, returning the value it replaces.
    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(at) => Some(std::mem::replace(&mut self.entries[at].1, value)),
            Err(at) => {
                self.entries.insert(at, (key, value));
                None
            }
        }
    }

    /// Forgets `key`, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<V> {
        self.find(key).ok().map(|at| self.entries.remove(at).1)
    }

    /// How many keys are kept.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no key is kept.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    /// Every insert, replace, lookup and removal answers as `HashMap` does,
    /// over keys that share prefixes and arrive out of order.
    #[test]
    fn answers_as_a_hash_map() {
        let keys = ["b", "a", "", "ab", "ba", "a|1", "a|10", "a|2", "é", "B"];
        let mut ours = Keyed::default();
        let mut theirs = HashMap::new();
        for round in 0..4u32 {
            for (i, key) in keys.iter().enumerate() {
                let value = round * 100 + i as u32;
                match (round + i as u32) % 3 {
                    0 | 1 => assert_eq!(
                        ours.insert(key.to_string(), value),
                        theirs.insert(key.to_string(), value)
                    ),
                    _ => assert_eq!(ours.remove(key), theirs.remove(*key)),
                }
                for k in keys.iter().chain(&["c", "a|", "zz"]) {
                    assert_eq!(ours.get(k), theirs.get(*k), "{k:?}");
                }
                assert_eq!(
                    (ours.len(), ours.is_empty()),
                    (theirs.len(), theirs.is_empty())
                );
            }
        }
        assert!(ours.entries.windows(2).all(|w| w[0].0 < w[1].0));
    }
}
