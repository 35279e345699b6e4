//! The model.json document read field by field: what serde's derived
//! `Deserialize` for [`ModelJson`] does — the same `Deserialize` of each
//! field's type, in the same order, with the same errors (a duplicate field,
//! the first missing one in declaration order, an array's missing element,
//! `expected struct ModelJson`) — in about a third of its wasm.
//!
//! The derived reader repeats, for each of the 35 fields and again for the
//! array form, its own slot, duplicate check, missing-field error and
//! cleanup on every error exit. Here the fields are a [`Field`] each (in
//! [`ModelJson`]'s order, their names in [`FIELDS`]), one [`FieldSeed`]
//! reads any field into [`Slots`] (the same code for an object's values and
//! an array's elements), and which fields are required or defaulted are sets
//! of fields in a `u64`'s bits. The test oracle is the derived reader itself
//! (`#[cfg_attr(test, derive(Deserialize))]` on [`ModelJson`]): `tests`
//! compare both on every fixture and on broken documents.

use std::fmt;

use serde::de::{
    self, Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor,
};

use super::cells::{Cell, ParamsDoc};
use super::{empty_object, empty_ordered, samples_from, ModelJson, ModesJson};
use crate::config::{Growth, Mode, Scaling, SeasonalitySetting};

/// Declares [`Field`], [`FIELDS`] and [`ALL`] from one list, so a field's
/// variant, name and number cannot drift apart.
macro_rules! fields {
    ($($field:ident = $name:literal,)*) => {
        /// A field of the document, in [`ModelJson`]'s order: its number
        /// (`as usize`) is its place in [`FIELDS`] and in the array form.
        #[derive(Clone, Copy)]
        enum Field {
            $($field,)*
        }

        /// The fields' names, by number.
        const FIELDS: [&str; 35] = [$($name,)*];

        /// The fields, by number.
        const ALL: [Field; 35] = [$(Field::$field,)*];
    };
}

fields! {
    Growth = "growth",
    NChangepoints = "n_changepoints",
    SpecifiedChangepoints = "specified_changepoints",
    ChangepointRange = "changepoint_range",
    YearlySeasonality = "yearly_seasonality",
    WeeklySeasonality = "weekly_seasonality",
    DailySeasonality = "daily_seasonality",
    SeasonalityMode = "seasonality_mode",
    SeasonalityPriorScale = "seasonality_prior_scale",
    ChangepointPriorScale = "changepoint_prior_scale",
    HolidaysPriorScale = "holidays_prior_scale",
    McmcSamples = "mcmc_samples",
    IntervalWidth = "interval_width",
    UncertaintySamples = "uncertainty_samples",
    YScale = "y_scale",
    YMin = "y_min",
    Scaling = "scaling",
    LogisticFloor = "logistic_floor",
    CountryHolidays = "country_holidays",
    ComponentModes = "component_modes",
    HolidaysMode = "holidays_mode",
    Changepoints = "changepoints",
    HistoryDates = "history_dates",
    TrainHolidayNames = "train_holiday_names",
    Start = "start",
    TScale = "t_scale",
    Holidays = "holidays",
    History = "history",
    TrainComponentCols = "train_component_cols",
    ChangepointsT = "changepoints_t",
    Seasonalities = "seasonalities",
    ExtraRegressors = "extra_regressors",
    FitKwargs = "fit_kwargs",
    Params = "params",
    ProphetVersion = "__prophet_version",
}

impl Field {
    /// The field's bit in a set of fields (`u64`: 35 of them).
    const fn bit(self) -> u64 {
        1 << self as u32
    }

    /// The field's name in the document.
    fn name(self) -> &'static str {
        FIELDS[self as usize]
    }
}

/// The set of `fields`.
const fn bits(fields: &[Field]) -> u64 {
    let mut out = 0;
    let mut i = 0;
    while i < fields.len() {
        out |= fields[i].bit();
        i += 1;
    }
    out
}

/// `#[serde(default)]` fields: absent is their default, in both forms.
const DEFAULTED: u64 = bits(&[
    Field::McmcSamples,
    Field::YMin,
    Field::Scaling,
    Field::LogisticFloor,
    Field::CountryHolidays,
    Field::HolidaysMode,
    Field::TrainHolidayNames,
    Field::Holidays,
    Field::ExtraRegressors,
    Field::FitKwargs,
    Field::ProphetVersion,
]);

/// `Option` fields without a default: absent from an object is `None` (as
/// serde's derive reads them); an array must still hold them.
const OPTIONAL_IN_OBJECT: u64 = bits(&[Field::Changepoints]);

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

/// Each field's place (by number) in its [`Slots`] array (0 for fields with
/// a slot of their own).
const PLACE: [usize; 35] = [
    0, 0, 0, 0, 0, 1, 2, 0, 1, 2, // growth … holidays_prior_scale
    3, 1, 4, 0, 5, 6, 0, 1, 0, 0, // holidays_prior_scale … component_modes
    0, 1, 0, 2, 7, 8, 3, 1, 2, 0, // holidays_mode … changepoints_t
    0, 1, 0, 0, 4, // seasonalities … __prophet_version
];

/// Reads field `field`'s value (an object's value or an array's element)
/// with its type's `Deserialize`, as the derived reader does.
struct FieldSeed<'a> {
    field: Field,
    slots: &'a mut Slots,
}

impl<'de> DeserializeSeed<'de> for FieldSeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        use Field as F;
        let s = self.slots;
        let at = PLACE[self.field as usize];
        match self.field {
            F::Growth => s.growth = Some(Growth::deserialize(d)?),
            F::NChangepoints | F::McmcSamples => s.counts[at] = Some(u32::deserialize(d)?),
            F::SpecifiedChangepoints | F::LogisticFloor => {
                s.flags[at] = Some(bool::deserialize(d)?)
            }
            F::ChangepointRange
            | F::SeasonalityPriorScale
            | F::ChangepointPriorScale
            | F::HolidaysPriorScale
            | F::IntervalWidth
            | F::YScale
            | F::YMin
            | F::Start
            | F::TScale => s.numbers[at] = Some(f64::deserialize(d)?),
            F::YearlySeasonality | F::WeeklySeasonality | F::DailySeasonality => {
                s.seasonality[at] = Some(SeasonalitySetting::deserialize(d)?)
            }
            F::SeasonalityMode => s.seasonality_mode = Some(Mode::deserialize(d)?),
            F::UncertaintySamples => s.uncertainty_samples = Some(samples_from(d)?),
            F::Scaling => s.scaling = Some(Scaling::deserialize(d)?),
            F::CountryHolidays
            | F::Changepoints
            | F::TrainHolidayNames
            | F::Holidays
            | F::ProphetVersion => s.texts[at] = Some(Option::<String>::deserialize(d)?),
            F::ComponentModes => s.component_modes = Some(ModesJson::deserialize(d)?),
            F::HolidaysMode => s.holidays_mode = Some(Option::<Mode>::deserialize(d)?),
            F::HistoryDates | F::History | F::TrainComponentCols => {
                s.tables[at] = Some(String::deserialize(d)?)
            }
            F::ChangepointsT => s.changepoints_t = Some(Vec::<f64>::deserialize(d)?),
            F::Seasonalities | F::ExtraRegressors => {
                s.ordered[at] = Some(<(Vec<String>, Cell)>::deserialize(d)?)
            }
            F::FitKwargs => s.fit_kwargs = Some(Cell::deserialize(d)?),
            F::Params => s.params = Some(ParamsDoc::deserialize(d)?),
        }
        Ok(())
    }
}

/// An object's key: a field, or `None` for a key the document does not
/// have (skipped, as the derived reader skips it).
struct Key;

impl<'de> DeserializeSeed<'de> for Key {
    type Value = Option<Field>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Option<Field>, D::Error> {
        d.deserialize_identifier(self)
    }
}

impl Visitor<'_> for Key {
    type Value = Option<Field>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("field identifier")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<Field>, E> {
        Ok(usize::try_from(v).ok().and_then(|i| ALL.get(i).copied()))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<Field>, E> {
        Ok(FIELDS.iter().position(|name| *name == v).map(|i| ALL[i]))
    }

    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Option<Field>, E> {
        Ok(FIELDS
            .iter()
            .position(|name| name.as_bytes() == v)
            .map(|i| ALL[i]))
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
            if seen & field.bit() != 0 {
                return Err(de::Error::duplicate_field(field.name()));
            }
            map.next_value_seed(FieldSeed {
                field,
                slots: &mut slots,
            })?;
            seen |= field.bit();
        }
        let optional = DEFAULTED | OPTIONAL_IN_OBJECT;
        if let Some(missing) = ALL.iter().find(|f| (seen | optional) & f.bit() == 0) {
            return Err(de::Error::missing_field(missing.name()));
        }
        Ok(document(slots))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut slots = Slots::default();
        for (i, &field) in ALL.iter().enumerate() {
            let read = seq.next_element_seed(FieldSeed {
                field,
                slots: &mut slots,
            })?;
            if read.is_none() && DEFAULTED & field.bit() == 0 {
                return Err(de::Error::invalid_length(i, &ARRAY_EXPECTED));
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
