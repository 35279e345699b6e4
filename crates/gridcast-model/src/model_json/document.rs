//! The model.json document read field by field: what serde's derived
//! `Deserialize` for [`ModelJson`] does — the same `Deserialize` of each
//! field's type, in the same order, with the same errors (a duplicate field,
//! the first missing one in declaration order, an array's missing element,
//! `expected struct ModelJson`) — in about a third of its wasm.
//!
//! The derived reader repeats, for each of the 35 fields and again for the
//! array form, its own slot, duplicate check, missing-field error and
//! cleanup on every error exit. Here the fields are numbered ([`FIELDS`], in
//! [`ModelJson`]'s order), one [`FieldSeed`] reads any field by number into
//! [`Slots`] (the same code for an object's values and an array's elements),
//! and which fields are required or defaulted are bit masks. The test
//! oracle is the derived reader itself (`#[cfg_attr(test, derive(Deserialize))]`
//! on [`ModelJson`]): `tests` compare both on every fixture and on broken
//! documents.

use std::fmt;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use super::cells::{Cell, ParamsDoc};
use super::{empty_object, empty_ordered, samples_from, ModelJson, ModesJson};
use crate::config::{Growth, Mode, Scaling, SeasonalitySetting};

/// The document's field names, in [`ModelJson`]'s order (a field's number
/// is its place here, and its place in the array form).
const FIELDS: [&str; 35] = [
    "growth",
    "n_changepoints",
    "specified_changepoints",
    "changepoint_range",
    "yearly_seasonality",
    "weekly_seasonality",
    "daily_seasonality",
    "seasonality_mode",
    "seasonality_prior_scale",
    "changepoint_prior_scale",
    "holidays_prior_scale",
    "mcmc_samples",
    "interval_width",
    "uncertainty_samples",
    "y_scale",
    "y_min",
    "scaling",
    "logistic_floor",
    "country_holidays",
    "component_modes",
    "holidays_mode",
    "changepoints",
    "history_dates",
    "train_holiday_names",
    "start",
    "t_scale",
    "holidays",
    "history",
    "train_component_cols",
    "changepoints_t",
    "seasonalities",
    "extra_regressors",
    "fit_kwargs",
    "params",
    "__prophet_version",
];

const fn bits(fields: &[usize]) -> u64 {
    let mut out = 0;
    let mut i = 0;
    while i < fields.len() {
        out |= 1 << fields[i];
        i += 1;
    }
    out
}

/// `#[serde(default)]` fields: absent is their default, in both forms.
const DEFAULTED: u64 = bits(&[11, 15, 16, 17, 18, 20, 23, 26, 31, 32, 34]);

/// `Option` fields without a default: absent from an object is `None` (as
/// serde's derive reads them); an array must still hold them.
const OPTIONAL_IN_OBJECT: u64 = bits(&[21]);

/// What an array too short is told (the derived reader's words).
const ARRAY_EXPECTED: &str = "struct ModelJson with 35 elements";

/// Every field as read so far (`None`: not yet).
#[derive(Default)]
struct Slots {
    growth: Option<Growth>,
    /// `n_changepoints`, `mcmc_samples`.
    counts: [Option<u32>; 2],
    /// `specified_changepoints`, `logistic_floor`.
    flags: [Option<bool>; 2],
    /// `changepoint_range`, the three prior scales, `interval_width`,
    /// `y_scale`, `y_min`, `start`, `t_scale`.
    numbers: [Option<f64>; 9],
    /// yearly, weekly, daily.
    seasonality: [Option<SeasonalitySetting>; 3],
    seasonality_mode: Option<Mode>,
    uncertainty_samples: Option<u32>,
    scaling: Option<Scaling>,
    /// `country_holidays`, `changepoints`, `train_holiday_names`,
    /// `holidays`, `__prophet_version`.
    texts: [Option<Option<String>>; 5],
    component_modes: Option<ModesJson>,
    holidays_mode: Option<Option<Mode>>,
    /// `history_dates`, `history`, `train_component_cols`.
    tables: [Option<String>; 3],
    changepoints_t: Option<Vec<f64>>,
    /// `seasonalities`, `extra_regressors`.
    ordered: [Option<(Vec<String>, Cell)>; 2],
    fit_kwargs: Option<Cell>,
    params: Option<ParamsDoc>,
}

/// Field `i`'s place in its [`Slots`] array (0 for fields with a slot of their own).
const PLACE: [usize; 35] = [
    0, 0, 0, 0, 0, 1, 2, 0, 1, 2, // growth … holidays_prior_scale
    3, 1, 4, 0, 5, 6, 0, 1, 0, 0, // holidays_prior_scale … component_modes
    0, 1, 0, 2, 7, 8, 3, 1, 2, 0, // holidays_mode … changepoints_t
    0, 1, 0, 0, 4, // seasonalities … __prophet_version
];

/// Reads field `field`'s value (an object's value or an array's element)
/// with its type's `Deserialize`, as the derived reader does.
struct FieldSeed<'a> {
    field: usize,
    slots: &'a mut Slots,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        let s = self.slots;
        let at = PLACE[self.field];
        match self.field {
            0 => s.growth = Some(Growth::deserialize(d)?),
            1 | 11 => s.counts[at] = Some(u32::deserialize(d)?),
            2 | 17 => s.flags[at] = Some(bool::deserialize(d)?),
            3 | 8 | 9 | 10 | 12 | 14 | 15 | 24 | 25 => s.numbers[at] = Some(f64::deserialize(d)?),
            4..=6 => s.seasonality[at] = Some(SeasonalitySetting::deserialize(d)?),
            7 => s.seasonality_mode = Some(Mode::deserialize(d)?),
            13 => s.uncertainty_samples = Some(samples_from(d)?),
            16 => s.scaling = Some(Scaling::deserialize(d)?),
            18 | 21 | 23 | 26 | 34 => s.texts[at] = Some(Option::<String>::deserialize(d)?),
            19 => s.component_modes = Some(ModesJson::deserialize(d)?),
            20 => s.holidays_mode = Some(Option::<Mode>::deserialize(d)?),
            22 | 27 | 28 => s.tables[at] = Some(String::deserialize(d)?),
            29 => s.changepoints_t = Some(Vec::<f64>::deserialize(d)?),
            30 | 31 => s.ordered[at] = Some(<(Vec<String>, Cell)>::deserialize(d)?),
            32 => s.fit_kwargs = Some(Cell::deserialize(d)?),
            33 => s.params = Some(ParamsDoc::deserialize(d)?),
            _ => unreachable!("field numbers come from FIELDS"),
        }
        Ok(())
    }
}

/// An object's key: a field's number, or `None` for a key the document
/// does not have (skipped, as the derived reader skips it).
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Option<usize>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for Key {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<usize>, E> {
        Ok(usize::try_from(v).ok().filter(|&i| i < FIELDS.len()))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        Ok(FIELDS.iter().position(|name| *name == v))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Option<usize>, E> {
        Ok(FIELDS.iter().position(|name| name.as_bytes() == v))
    }
}

struct DocVisitor;

impl<'de> Visitor<'de> for DocVisitor {
    type Value = ModelJson<ParamsDoc, Cell>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("struct ModelJson")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut slots = Slots::default();
        let mut seen = 0u64;
        while let Some(key) = map.next_key_seed(Key)? {
            let Some(field) = key else {
                map.next_value::<IgnoredAny>()?;
                continue;
            };
            if seen & (1 << field) != 0 {
                return Err(de::Error::duplicate_field(FIELDS[field]));
            }
            map.next_value_seed(FieldSeed {
                field,
                slots: &mut slots,
            })?;
            seen |= 1 << field;
        }
        let optional = DEFAULTED | OPTIONAL_IN_OBJECT;
        if let Some(missing) = (0..FIELDS.len()).find(|&i| (seen | optional) & (1 << i) == 0) {
            return Err(de::Error::missing_field(FIELDS[missing]));
        }
        Ok(document(slots))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut slots = Slots::default();
        for field in 0..FIELDS.len() {
            let read = seq.next_element_seed(FieldSeed {
                field,
                slots: &mut slots,
            })?;
            if read.is_none() && DEFAULTED & (1 << field) == 0 {
                return Err(de::Error::invalid_length(field, &ARRAY_EXPECTED));
            }
        }
        Ok(document(slots))
    }
}

/// The document from its fields, defaults for those absent (every field
/// without a default was checked present, or is an `Option`).
fn document(s: Slots) -> ModelJson<ParamsDoc, Cell> {
    let [n_changepoints, mcmc_samples] = s.counts;
    let [specified_changepoints, logistic_floor] = s.flags;
    let [changepoint_range, seasonality_prior_scale, changepoint_prior_scale, holidays_prior_scale, interval_width, y_scale, y_min, start, t_scale] =
        s.numbers;
    let [yearly_seasonality, weekly_seasonality, daily_seasonality] = s.seasonality;
    let [country_holidays, changepoints, train_holiday_names, holidays, prophet_version] = s.texts;
    let [history_dates, history, train_component_cols] = s.tables;
    let [seasonalities, extra_regressors] = s.ordered;
    let present = "checked present";
    ModelJson {
        growth: s.growth.expect(present),
        n_changepoints: n_changepoints.expect(present),
        specified_changepoints: specified_changepoints.expect(present),
        changepoint_range: changepoint_range.expect(present),
        yearly_seasonality: yearly_seasonality.expect(present),
        weekly_seasonality: weekly_seasonality.expect(present),
        daily_seasonality: daily_seasonality.expect(present),
        seasonality_mode: s.seasonality_mode.expect(present),
        seasonality_prior_scale: seasonality_prior_scale.expect(present),
        changepoint_prior_scale: changepoint_prior_scale.expect(present),
        holidays_prior_scale: holidays_prior_scale.expect(present),
        mcmc_samples: mcmc_samples.unwrap_or_default(),
        interval_width: interval_width.expect(present),
        uncertainty_samples: s.uncertainty_samples.expect(present),
        y_scale: y_scale.expect(present),
        y_min: y_min.unwrap_or_default(),
        scaling: s.scaling.unwrap_or_default(),
        logistic_floor: logistic_floor.unwrap_or_default(),
        country_holidays: country_holidays.flatten(),
        component_modes: s.component_modes.expect(present),
        holidays_mode: s.holidays_mode.flatten(),
        changepoints: changepoints.flatten(),
        history_dates: history_dates.expect(present),
        train_holiday_names: train_holiday_names.flatten(),
        start: start.expect(present),
        t_scale: t_scale.expect(present),
        holidays: holidays.flatten(),
        history: history.expect(present),
        train_component_cols: train_component_cols.expect(present),
        changepoints_t: s.changepoints_t.expect(present),
        seasonalities: seasonalities.expect(present),
        extra_regressors: extra_regressors.unwrap_or_else(empty_ordered),
        fit_kwargs: s.fit_kwargs.unwrap_or_else(empty_object),
        params: s.params.expect(present),
        prophet_version: prophet_version.flatten(),
    }
}

/// Reads one document (`bytes` is its JSON).
pub(super) fn from_slice(bytes: &[u8]) -> serde_json::Result<ModelJson<ParamsDoc, Cell>> {
    let mut de = serde_json::Deserializer::from_slice(bytes);
    let doc = de.deserialize_struct("ModelJson", &FIELDS, DocVisitor)?;
    de.end()?;
    Ok(doc)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use serde_json::{json, Value};

    use super::{from_slice, FIELDS};
    use crate::model_json::cells::{Cell, ParamsDoc};
    use crate::model_json::ModelJson;
    use crate::{read_artifact, read_model_json, write_model_json, ArtifactLimits};

    /// The derived reader's answer: the document (as its `Debug` text) or the error.
    fn derived(bytes: &[u8]) -> Result<String, String> {
        serde_json::from_slice::<ModelJson<ParamsDoc, Cell>>(bytes)
            .map(|doc| format!("{doc:?}"))
            .map_err(|e| e.to_string())
    }

    fn field_by_field(bytes: &[u8]) -> Result<String, String> {
        from_slice(bytes)
            .map(|doc| format!("{doc:?}"))
            .map_err(|e| e.to_string())
    }

    fn same(bytes: &[u8]) {
        assert_eq!(
            field_by_field(bytes),
            derived(bytes),
            "{}",
            String::from_utf8_lossy(&bytes[..bytes.len().min(300)])
        );
    }

    /// Every model.json of the Python Prophet fixtures (`prophet/models`, `prophet-ext/models`).
    fn fixture_documents() -> Vec<(String, Vec<u8>)> {
        let shared = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/fixtures");
        let mut out = Vec::new();
        for set in ["prophet", "prophet-ext"] {
            let dir = shared.join(set).join("models");
            let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("fixtures at {}: {e}", dir.display()))
                .map(|entry| entry.unwrap().path())
                .filter(|p| p.to_string_lossy().ends_with(".tar.gz"))
                .collect();
            paths.sort();
            for path in paths {
                let artifact =
                    read_artifact(&std::fs::read(&path).unwrap(), &ArtifactLimits::default())
                        .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                out.push((path.display().to_string(), artifact.model_json));
            }
        }
        assert!(out.len() >= 17, "every fixture model: {}", out.len());
        out
    }

    #[test]
    fn every_fixture_reads_as_the_derived_reader_reads_it() {
        for (name, doc) in fixture_documents() {
            let ours = field_by_field(&doc).unwrap_or_else(|e| panic!("{name}: {e}"));
            assert_eq!(Ok(ours), derived(&doc), "{name}");
            // And what we write of it.
            let written = write_model_json(&read_model_json(&doc).unwrap());
            same(written.as_bytes());
        }
    }

    /// `doc` (an object) with `name` set to `value`, or left out (`None`).
    fn with(doc: &Value, name: &str, value: Option<&Value>) -> Vec<u8> {
        let mut doc = doc.clone();
        let map = doc.as_object_mut().unwrap();
        match value {
            Some(v) => map.insert(name.into(), v.clone()),
            None => map.remove(name),
        };
        serde_json::to_vec(&doc).unwrap()
    }

    #[test]
    fn every_field_wrong_missing_or_twice_is_refused_as_the_derived_reader_refuses_it() {
        let wrong = [
            json!(null),
            json!(true),
            json!(false),
            json!(0),
            json!(3),
            json!(-1),
            json!(1.5),
            json!(4_294_967_296u64),
            json!(""),
            json!("x"),
            json!("auto"),
            json!("linear"),
            json!("additive"),
            json!([]),
            json!([1, 2]),
            json!([[], {}]),
            json!([["a"], {"a": {}}]),
            json!({}),
            json!({"additive": [], "multiplicative": []}),
            json!({"additive": []}),
        ];
        let mut checked = 0;
        for (_, text) in fixture_documents().iter().take(9) {
            let doc: Value = serde_json::from_slice(text).unwrap();
            for name in FIELDS {
                same(&with(&doc, name, None));
                for value in &wrong {
                    same(&with(&doc, name, Some(value)));
                    checked += 1;
                }
                // Twice: the first copy before the document's own.
                let value = doc.get(name).cloned().unwrap_or(json!(null));
                let mut twice = format!("{{{}:{value},", json!(name)).into_bytes();
                twice.extend_from_slice(&serde_json::to_vec(&doc).unwrap()[1..]);
                same(&twice);
            }
            // Unknown fields are skipped; two fields missing: the first in declaration order.
            same(&with(
                &doc,
                "not_a_field",
                Some(&json!({"a": [1, {"b": null}]})),
            ));
            let mut doc = doc.clone();
            doc.as_object_mut().unwrap().remove("y_scale");
            same(&with(&doc, "growth", None));
        }
        assert!(checked > 1000);
    }

    #[test]
    fn other_shapes_are_refused_as_the_derived_reader_refuses_them() {
        let (_, text) = &fixture_documents()[0];
        let doc: Value = serde_json::from_slice(text).unwrap();
        // The array form: every field in order.
        let in_order: Vec<Value> = FIELDS
            .iter()
            .map(|name| doc.get(*name).cloned().unwrap_or(json!(null)))
            .collect();
        let mut shapes: Vec<Vec<u8>> = (0..=FIELDS.len())
            .map(|n| serde_json::to_vec(&in_order[..n]).unwrap())
            .collect();
        let mut longer = in_order.clone();
        longer.push(json!(1));
        shapes.push(serde_json::to_vec(&longer).unwrap());
        for text in [
            "[]",
            "[3]",
            "3",
            "null",
            "true",
            "\"x\"",
            "{",
            "{}",
            "{\"growth\": 3}",
            "{\"growth\"",
            "{\"growth\": \"linear\",}",
            "{3: 1}",
            "",
        ] {
            shapes.push(text.as_bytes().to_vec());
        }
        let mut trailing = text.clone();
        trailing.extend_from_slice(b" x");
        shapes.push(trailing);
        for shape in &shapes {
            same(shape);
        }
    }

    /// `cargo test -p gridcast-model --release --lib document_read_speed -- --ignored --nocapture`:
    /// this reader against the derived one, interleaved run by run (the
    /// machine is shared), median microseconds per fixture document.
    #[test]
    #[ignore]
    fn document_read_speed() {
        use std::time::Instant;
        let median = |mut v: Vec<f64>| {
            v.sort_by(f64::total_cmp);
            v[v.len() / 2]
        };
        println!("{:<30} {:>9} {:>9}", "document", "derived", "ours");
        for (name, doc) in fixture_documents() {
            let (mut theirs, mut ours) = (Vec::new(), Vec::new());
            for _ in 0..400 {
                let start = Instant::now();
                std::hint::black_box(
                    serde_json::from_slice::<ModelJson<ParamsDoc, Cell>>(&doc).unwrap(),
                );
                theirs.push(start.elapsed().as_secs_f64() * 1e6);
                let start = Instant::now();
                std::hint::black_box(from_slice(&doc).unwrap());
                ours.push(start.elapsed().as_secs_f64() * 1e6);
            }
            let mut parts = name.rsplit('/');
            let (file, set) = (parts.next().unwrap(), parts.nth(1).unwrap());
            let short = format!("{set}/{}", file.trim_end_matches(".tar.gz"));
            println!("{short:<30} {:>9.1} {:>9.1}", median(theirs), median(ours));
        }
    }
}
