//! The parsed form of a model: a compact binary encoding of a forecast-ready
//! [`ProphetModel`] that the endpoint keeps beside an artifact in its disk
//! cache, so a cold load reads numbers instead of gunzipping and parsing
//! model.json text (native builds only; the browser builds never read it).
//!
//! Layout (little-endian): `GCPM`, the format version (u32), the artifact's
//! length (u64) and SHA-256, the body's length (u64), an HMAC-SHA256 of all
//! of that and the body under the writer's [`ParsedFormKey`], then the body
//! (the answer seed, then the model field by field). A parsed form is only
//! ever a cache: [`read_parsed_form`] refuses one written for other artifact
//! bytes, by another version, truncated, damaged, under another key (so a
//! file planted in the cache directory by anyone without the key, who could
//! otherwise compute the artifact's digest and a body's, is never a model) or
//! not within the bounds model.json's reader enforces, and the caller then
//! loads the artifact itself and writes a fresh parsed form.

use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::config::{Growth, Mode, Scaling, SeasonalitySetting};
use crate::features::{ComponentColumns, ComponentModes, Seasonality};
use crate::history::{ColumnValues, History};
use crate::holidays::{Holiday, Holidays};
use crate::model::{Draw, Params, ProphetModel, Settings};
use crate::model_json::{invalid, ModelJsonError};
use crate::regressors::{Regressor, Standardize};
use crate::response::AnswerSeed;

/// The encoding's version: bumped whenever the body's layout changes, so a
/// parsed form written by another build is rewritten, never misread.
pub const PARSED_FORM_VERSION: u32 = 2;

const MAGIC: &[u8; 4] = b"GCPM";
const HEADER_BYTES: usize = 4 + 4 + 8 + 32 + 8 + 32;
/// Where the MAC sits: the header's last 32 bytes.
const MAC_AT: usize = HEADER_BYTES - 32;

/// The secret a process's parsed forms are sealed with: only a holder of the
/// key writes a form its reader accepts. The endpoint draws one at random per
/// disk cache, so forms live as long as the process that wrote them.
#[derive(Clone)]
pub struct ParsedFormKey([u8; 32]);

impl ParsedFormKey {
    /// A key of these bytes (draw them from a CSPRNG).
    pub fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The MAC of a parsed form: its header up to the MAC, then its body.
    fn mac(&self, head: &[u8], body: &[u8]) -> Hmac<Sha256> {
        let mut mac =
            <Hmac<Sha256> as KeyInit>::new_from_slice(&self.0).expect("HMAC takes any key length");
        mac.update(head);
        mac.update(body);
        mac
    }
}

impl std::fmt::Debug for ParsedFormKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ParsedFormKey(..)")
    }
}

/// Why a parsed form was not used (the artifact is loaded instead).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum ParsedFormError {
    /// The file does not start with a parsed form's header.
    #[error("not a parsed model (no GCPM header)")]
    NotParsedForm,
    /// Written by a build with another encoding.
    #[error("parsed-form version {found}; this build reads version {PARSED_FORM_VERSION}")]
    Version {
        /// The file's version.
        found: u32,
    },
    /// Written for other artifact bytes (the artifact changed since).
    #[error("the parsed form is of another artifact (length or SHA-256 differs)")]
    Stale,
    /// Shorter or longer than its header says.
    #[error("the parsed form is {found} bytes; its header says {expected}")]
    Truncated {
        /// Bytes the header announces.
        expected: u64,
        /// Bytes present.
        found: u64,
    },
    /// The MAC does not match: damaged, or written under another key (by
    /// another process, or not by the endpoint at all).
    #[error("the parsed form's MAC does not match (damaged, or sealed under another key)")]
    Damaged,
    /// The body does not decode (a length past its end, an unknown tag).
    #[error("the parsed form does not decode: {0}")]
    Malformed(String),
    /// It decodes to a model model.json's reader would refuse.
    #[error("the parsed form holds an invalid model: {0}")]
    Invalid(#[from] ModelJsonError),
}

fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The parsed form of `model` (read from `artifact`, its answers seeded by
/// `seed`), sealed under `key`.
pub fn write_parsed_form(
    model: &ProphetModel,
    seed: AnswerSeed,
    artifact: &[u8],
    key: &ParsedFormKey,
) -> Vec<u8> {
    let mut body = Out(Vec::with_capacity(4096 + model.history.ds.len() * 48));
    body.u64(seed.bits());
    body.model(model);
    let mut out = Vec::with_capacity(HEADER_BYTES + body.0.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&PARSED_FORM_VERSION.to_le_bytes());
    out.extend_from_slice(&(artifact.len() as u64).to_le_bytes());
    out.extend_from_slice(&sha256(artifact));
    out.extend_from_slice(&(body.0.len() as u64).to_le_bytes());
    let mac = key.mac(&out, &body.0).finalize().into_bytes();
    out.extend_from_slice(&mac);
    out.extend_from_slice(&body.0);
    out
}

/// The model and answer seed of a parsed form written for exactly these
/// `artifact` bytes under `key` (its MAC compared in constant time), checked
/// as [`crate::read_model_json`] checks a model.
pub fn read_parsed_form(
    bytes: &[u8],
    artifact: &[u8],
    key: &ParsedFormKey,
) -> Result<(ProphetModel, AnswerSeed), ParsedFormError> {
    if bytes.len() < HEADER_BYTES || &bytes[..4] != MAGIC {
        return Err(ParsedFormError::NotParsedForm);
    }
    let mut header = In(&bytes[4..HEADER_BYTES]);
    let malformed = |e: Malformed| ParsedFormError::Malformed(e.0);
    let version = header.u32().map_err(malformed)?;
    if version != PARSED_FORM_VERSION {
        return Err(ParsedFormError::Version { found: version });
    }
    let artifact_len = header.u64().map_err(malformed)?;
    let artifact_digest = header.take(32).map_err(malformed)?;
    if artifact_len != artifact.len() as u64 || artifact_digest != sha256(artifact) {
        return Err(ParsedFormError::Stale);
    }
    let body_len = header.u64().map_err(malformed)?;
    let mac = header.take(32).map_err(malformed)?;
    let body = &bytes[HEADER_BYTES..];
    if body_len != body.len() as u64 {
        return Err(ParsedFormError::Truncated {
            expected: HEADER_BYTES as u64 + body_len,
            found: bytes.len() as u64,
        });
    }
    if key.mac(&bytes[..MAC_AT], body).verify_slice(mac).is_err() {
        return Err(ParsedFormError::Damaged);
    }
    let mut input = In(body);
    let seed = AnswerSeed::from_bits(input.u64().map_err(malformed)?);
    let model = input.model().map_err(malformed)?;
    if !input.0.is_empty() {
        return Err(ParsedFormError::Malformed(format!(
            "{} bytes after the model",
            input.0.len()
        )));
    }
    check_shapes(&model)?;
    crate::bounds::ModelBounds::default().check(&model)?;
    Ok((model, seed))
}

/// What model.json's reader guarantees by construction (every history
/// column as long as `ds`, one coefficient per feature column and one rate
/// change per changepoint in every draw, indicators of 0 or 1) and checks
/// explicitly, for a model that did not come through it.
fn check_shapes(model: &ProphetModel) -> Result<(), ModelJsonError> {
    if model.y_scale == 0.0 || !(model.t_scale > 0.0) {
        return Err(invalid("y_scale/t_scale", "must be non-zero / positive"));
    }
    if model.seasonalities.iter().any(|s| s.fourier_order == 0) {
        return Err(invalid("seasonalities", "fourier_order must be positive"));
    }
    let holidays = model.holidays.frame.as_deref().unwrap_or_default();
    if holidays.iter().any(|r| r.ds.rem_euclid(86_400) != 0) {
        return Err(invalid("holidays", "a holiday's date is not a midnight"));
    }
    let h = &model.history;
    let rows = h.ds.len();
    let extra = h.columns.iter().map(|(_, v)| match v {
        ColumnValues::Numbers(v) => v.len(),
        ColumnValues::Booleans(v) => v.len(),
    });
    let lengths = [h.y.len(), h.floor.len(), h.t.len(), h.y_scaled.len()]
        .into_iter()
        .chain(h.cap.as_ref().map(Vec::len))
        .chain(h.cap_scaled.as_ref().map(Vec::len))
        .chain(extra);
    if lengths.into_iter().any(|n| n != rows) {
        return Err(invalid(
            "history",
            format!("a column is not {rows} rows long"),
        ));
    }
    if model.settings.growth == Growth::Logistic && h.cap.is_none() {
        return Err(invalid("history", "logistic growth but no `cap` column"));
    }
    let p = &model.params;
    let components = &model.component_columns.components;
    let n_features = match components.first() {
        Some((_, v)) => v.len(),
        None => p.draws.first().map_or(0, |d| d.beta.len()),
    };
    if components
        .iter()
        .any(|(_, v)| v.len() != n_features || v.iter().any(|&b| b > 1))
    {
        return Err(invalid(
            "train_component_cols",
            format!("every component must have {n_features} indicators of 0 or 1"),
        ));
    }
    let fixed: usize = model
        .seasonalities
        .iter()
        .map(Seasonality::columns)
        .sum::<usize>()
        + model.extra_regressors.len();
    let consistent = if model.holidays.is_empty() {
        n_features == fixed.max(1)
    } else {
        n_features >= fixed
    };
    let draws = p.draws.len();
    let shaped = draws > 0
        && consistent
        && p.draws
            .iter()
            .all(|d| d.delta.len() == model.changepoints_t.len() && d.beta.len() == n_features)
        && p.sampler.iter().all(|(_, v)| v.len() == draws);
    if !shaped {
        return Err(invalid(
            "params",
            format!(
                "draws do not match {n_features} feature columns and {} changepoints",
                model.changepoints_t.len()
            ),
        ));
    }
    Ok(())
}

/// The body being written.
struct Out(Vec<u8>);

impl Out {
    fn u8(&mut self, v: u8) {
        self.0.push(v);
    }
    fn u32(&mut self, v: u32) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn u64(&mut self, v: u64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn i64(&mut self, v: i64) {
        self.0.extend_from_slice(&v.to_le_bytes());
    }
    fn f64(&mut self, v: f64) {
        self.0.extend_from_slice(&v.to_bits().to_le_bytes());
    }
    fn bool(&mut self, v: bool) {
        self.u8(u8::from(v));
    }
    /// A count (every list a model holds is far below `u32::MAX`: the bounds).
    fn len(&mut self, n: usize) {
        self.u32(u32::try_from(n).expect("a model's lists are bounded"));
    }
    fn text(&mut self, s: &str) {
        self.len(s.len());
        self.0.extend_from_slice(s.as_bytes());
    }
    fn f64s(&mut self, v: &[f64]) {
        self.len(v.len());
        v.iter().for_each(|&x| self.f64(x));
    }
    fn i64s(&mut self, v: &[i64]) {
        self.len(v.len());
        v.iter().for_each(|&x| self.i64(x));
    }
    fn list<T>(&mut self, v: &[T], mut each: impl FnMut(&mut Self, &T)) {
        self.len(v.len());
        v.iter().for_each(|x| each(self, x));
    }
    fn option<T>(&mut self, v: Option<&T>, each: impl FnOnce(&mut Self, &T)) {
        self.bool(v.is_some());
        if let Some(v) = v {
            each(self, v);
        }
    }
    fn texts(&mut self, v: &[String]) {
        self.list(v, |o, s| o.text(s));
    }
    /// Free-form JSON as its text (serde_json round-trips floats exactly).
    fn json(&mut self, v: &serde_json::Value) {
        self.text(&v.to_string());
    }
    fn mode(&mut self, m: Mode) {
        self.u8(match m {
            Mode::Additive => 0,
            Mode::Multiplicative => 1,
        });
    }
    fn seasonality_setting(&mut self, s: SeasonalitySetting) {
        match s {
            SeasonalitySetting::Auto => self.u8(0),
            SeasonalitySetting::Enabled(b) => {
                self.u8(1);
                self.bool(b);
            }
            SeasonalitySetting::Order(n) => {
                self.u8(2);
                self.u32(n);
            }
        }
    }

    fn model(&mut self, model: &ProphetModel) {
        // Destructured: a field added to the model does not compile here
        // until it is encoded.
        let ProphetModel {
            settings,
            y_scale,
            y_min,
            logistic_floor,
            start,
            t_scale,
            changepoints,
            changepoints_t,
            seasonalities,
            holidays,
            extra_regressors,
            component_columns,
            component_modes,
            history,
            history_dates,
            params,
            fit_kwargs,
            prophet_version,
        } = model;
        self.settings(settings);
        for v in [*y_scale, *y_min] {
            self.f64(v);
        }
        self.bool(*logistic_floor);
        self.f64(*start);
        self.f64(*t_scale);
        self.i64s(changepoints);
        self.f64s(changepoints_t);
        self.list(seasonalities, Self::seasonality);
        self.holidays(holidays);
        self.list(extra_regressors, Self::regressor);
        self.list(&component_columns.components, |o, (name, ind)| {
            o.text(name);
            o.len(ind.len());
            o.0.extend_from_slice(ind);
        });
        self.texts(&component_modes.additive);
        self.texts(&component_modes.multiplicative);
        self.history(history);
        self.i64s(history_dates);
        self.params(params);
        self.json(fit_kwargs);
        self.text(prophet_version);
    }

    fn settings(&mut self, s: &Settings) {
        let Settings {
            growth,
            n_changepoints,
            specified_changepoints,
            changepoint_range,
            yearly_seasonality,
            weekly_seasonality,
            daily_seasonality,
            seasonality_mode,
            seasonality_prior_scale,
            changepoint_prior_scale,
            holidays_prior_scale,
            holidays_mode,
            mcmc_samples,
            interval_width,
            uncertainty_samples,
            scaling,
        } = s;
        self.u8(match growth {
            Growth::Linear => 0,
            Growth::Logistic => 1,
            Growth::Flat => 2,
        });
        self.u32(*n_changepoints);
        self.bool(*specified_changepoints);
        self.f64(*changepoint_range);
        for setting in [yearly_seasonality, weekly_seasonality, daily_seasonality] {
            self.seasonality_setting(*setting);
        }
        self.mode(*seasonality_mode);
        for v in [
            seasonality_prior_scale,
            changepoint_prior_scale,
            holidays_prior_scale,
        ] {
            self.f64(*v);
        }
        self.mode(*holidays_mode);
        self.u32(*mcmc_samples);
        self.f64(*interval_width);
        self.u32(*uncertainty_samples);
        self.u8(match scaling {
            Scaling::Absmax => 0,
            Scaling::Minmax => 1,
        });
    }

    fn seasonality(&mut self, s: &Seasonality) {
        self.text(&s.name);
        self.f64(s.period);
        self.u32(s.fourier_order);
        self.f64(s.prior_scale);
        self.mode(s.mode);
        self.option(s.condition_name.as_ref(), |o, c| o.text(c));
    }

    fn holidays(&mut self, h: &Holidays) {
        self.option(h.frame.as_ref(), |o, rows| {
            o.list(rows, |o, r| {
                o.text(&r.name);
                o.i64(r.ds);
                o.option(r.lower_window.as_ref(), |o, w| o.i64(*w));
                o.option(r.upper_window.as_ref(), |o, w| o.i64(*w));
                o.option(r.prior_scale.as_ref(), |o, p| o.f64(*p));
            })
        });
        self.option(h.country.as_ref(), |o, c| o.text(c));
        self.option(h.train_names.as_ref(), |o, names| o.texts(names));
    }

    fn regressor(&mut self, r: &Regressor) {
        self.text(&r.name);
        self.f64(r.prior_scale);
        self.u8(match r.standardize {
            Standardize::Auto => 0,
            Standardize::Yes => 1,
            Standardize::No => 2,
        });
        self.f64(r.mu);
        self.f64(r.std);
        self.mode(r.mode);
        self.json(&r.predictor_spec);
    }

    fn history(&mut self, h: &History) {
        self.i64s(&h.ds);
        self.f64s(&h.y);
        self.option(h.cap.as_ref(), |o, v| o.f64s(v));
        self.f64s(&h.floor);
        self.option(h.cap_scaled.as_ref(), |o, v| o.f64s(v));
        self.f64s(&h.t);
        self.f64s(&h.y_scaled);
        self.list(&h.columns, |o, (name, values)| {
            o.text(name);
            match values {
                ColumnValues::Numbers(v) => {
                    o.u8(0);
                    o.f64s(v);
                }
                ColumnValues::Booleans(v) => {
                    o.u8(1);
                    o.len(v.len());
                    v.iter().for_each(|&b| o.bool(b));
                }
            }
        });
    }

    fn params(&mut self, p: &Params) {
        self.list(&p.draws, |o, d| {
            o.f64(d.k);
            o.f64(d.m);
            o.f64s(&d.delta);
            o.f64(d.sigma_obs);
            o.f64s(&d.beta);
        });
        self.f64s(&p.lp);
        self.list(&p.trend, |o, t| o.f64s(t));
        self.list(&p.sampler, |o, (name, v)| {
            o.text(name);
            o.f64s(v);
        });
    }
}

/// A decoding failure (the message of [`ParsedFormError::Malformed`]).
struct Malformed(String);

type Decoded<T> = Result<T, Malformed>;

/// The rest of the body being read. Every count is checked against the
/// bytes left before anything is allocated for it, so a forged length
/// cannot make a large allocation.
struct In<'a>(&'a [u8]);

impl<'a> In<'a> {
    fn take(&mut self, n: usize) -> Decoded<&'a [u8]> {
        if n > self.0.len() {
            return Err(Malformed(format!(
                "{n} bytes wanted, {} left",
                self.0.len()
            )));
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }
    fn array<const N: usize>(&mut self) -> Decoded<[u8; N]> {
        Ok(self.take(N)?.try_into().expect("N bytes taken"))
    }
    fn u8(&mut self) -> Decoded<u8> {
        Ok(self.take(1)?[0])
    }
    fn u32(&mut self) -> Decoded<u32> {
        self.array().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> Decoded<u64> {
        self.array().map(u64::from_le_bytes)
    }
    fn i64(&mut self) -> Decoded<i64> {
        self.array().map(i64::from_le_bytes)
    }
    fn f64(&mut self) -> Decoded<f64> {
        self.u64().map(f64::from_bits)
    }
    fn tag(&mut self, what: &str, kinds: u8) -> Decoded<u8> {
        match self.u8()? {
            t if t < kinds => Ok(t),
            t => Err(Malformed(format!("{what}: unknown tag {t}"))),
        }
    }
    fn bool(&mut self) -> Decoded<bool> {
        Ok(self.tag("a boolean", 2)? == 1)
    }
    /// A count of items of at least `item_bytes` bytes each.
    fn len(&mut self, item_bytes: usize) -> Decoded<usize> {
        let n = self.u32()? as usize;
        if n.saturating_mul(item_bytes) > self.0.len() {
            return Err(Malformed(format!(
                "{n} items announced, {} bytes left",
                self.0.len()
            )));
        }
        Ok(n)
    }
    fn text(&mut self) -> Decoded<String> {
        let n = self.len(1)?;
        let bytes = self.take(n)?;
        String::from_utf8(bytes.to_vec()).map_err(|_| Malformed("a text is not UTF-8".into()))
    }
    fn f64s(&mut self) -> Decoded<Vec<f64>> {
        let n = self.len(8)?;
        let bytes = self.take(n * 8)?;
        Ok(bytes
            .chunks_exact(8)
            .map(|c| f64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect())
    }
    fn i64s(&mut self) -> Decoded<Vec<i64>> {
        let n = self.len(8)?;
        let bytes = self.take(n * 8)?;
        Ok(bytes
            .chunks_exact(8)
            .map(|c| i64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect())
    }
    fn list<T>(&mut self, mut each: impl FnMut(&mut Self) -> Decoded<T>) -> Decoded<Vec<T>> {
        let n = self.len(1)?;
        (0..n).map(|_| each(self)).collect()
    }
    fn option<T>(&mut self, each: impl FnOnce(&mut Self) -> Decoded<T>) -> Decoded<Option<T>> {
        if self.bool()? {
            each(self).map(Some)
        } else {
            Ok(None)
        }
    }
    fn texts(&mut self) -> Decoded<Vec<String>> {
        self.list(Self::text)
    }
    fn json(&mut self) -> Decoded<serde_json::Value> {
        serde_json::from_str(&self.text()?).map_err(|e| Malformed(format!("JSON: {e}")))
    }
    fn mode(&mut self) -> Decoded<Mode> {
        Ok(match self.tag("a mode", 2)? {
            0 => Mode::Additive,
            _ => Mode::Multiplicative,
        })
    }
    fn seasonality_setting(&mut self) -> Decoded<SeasonalitySetting> {
        Ok(match self.tag("a seasonality setting", 3)? {
            0 => SeasonalitySetting::Auto,
            1 => SeasonalitySetting::Enabled(self.bool()?),
            _ => SeasonalitySetting::Order(self.u32()?),
        })
    }

    fn model(&mut self) -> Decoded<ProphetModel> {
        Ok(ProphetModel {
            settings: self.settings()?,
            y_scale: self.f64()?,
            y_min: self.f64()?,
            logistic_floor: self.bool()?,
            start: self.f64()?,
            t_scale: self.f64()?,
            changepoints: self.i64s()?,
            changepoints_t: self.f64s()?,
            seasonalities: self.list(Self::seasonality)?,
            holidays: self.holidays()?,
            extra_regressors: self.list(Self::regressor)?,
            component_columns: ComponentColumns {
                components: self.list(|i| {
                    let name = i.text()?;
                    let n = i.len(1)?;
                    Ok((name, i.take(n)?.to_vec()))
                })?,
            },
            component_modes: ComponentModes {
                additive: self.texts()?,
                multiplicative: self.texts()?,
            },
            history: self.history()?,
            history_dates: self.i64s()?,
            params: self.params()?,
            fit_kwargs: self.json()?,
            prophet_version: self.text()?,
        })
    }

    fn settings(&mut self) -> Decoded<Settings> {
        Ok(Settings {
            growth: match self.tag("growth", 3)? {
                0 => Growth::Linear,
                1 => Growth::Logistic,
                _ => Growth::Flat,
            },
            n_changepoints: self.u32()?,
            specified_changepoints: self.bool()?,
            changepoint_range: self.f64()?,
            yearly_seasonality: self.seasonality_setting()?,
            weekly_seasonality: self.seasonality_setting()?,
            daily_seasonality: self.seasonality_setting()?,
            seasonality_mode: self.mode()?,
            seasonality_prior_scale: self.f64()?,
            changepoint_prior_scale: self.f64()?,
            holidays_prior_scale: self.f64()?,
            holidays_mode: self.mode()?,
            mcmc_samples: self.u32()?,
            interval_width: self.f64()?,
            uncertainty_samples: self.u32()?,
            scaling: match self.tag("scaling", 2)? {
                0 => Scaling::Absmax,
                _ => Scaling::Minmax,
            },
        })
    }

    fn seasonality(&mut self) -> Decoded<Seasonality> {
        Ok(Seasonality {
            name: self.text()?,
            period: self.f64()?,
            fourier_order: self.u32()?,
            prior_scale: self.f64()?,
            mode: self.mode()?,
            condition_name: self.option(Self::text)?,
        })
    }

    fn holidays(&mut self) -> Decoded<Holidays> {
        Ok(Holidays {
            frame: self.option(|i| {
                i.list(|i| {
                    Ok(Holiday {
                        name: i.text()?,
                        ds: i.i64()?,
                        lower_window: i.option(Self::i64)?,
                        upper_window: i.option(Self::i64)?,
                        prior_scale: i.option(Self::f64)?,
                    })
                })
            })?,
            country: self.option(Self::text)?,
            train_names: self.option(Self::texts)?,
        })
    }

    fn regressor(&mut self) -> Decoded<Regressor> {
        Ok(Regressor {
            name: self.text()?,
            prior_scale: self.f64()?,
            standardize: match self.tag("standardize", 3)? {
                0 => Standardize::Auto,
                1 => Standardize::Yes,
                _ => Standardize::No,
            },
            mu: self.f64()?,
            std: self.f64()?,
            mode: self.mode()?,
            predictor_spec: self.json()?,
        })
    }

    fn history(&mut self) -> Decoded<History> {
        Ok(History {
            ds: self.i64s()?,
            y: self.f64s()?,
            cap: self.option(Self::f64s)?,
            floor: self.f64s()?,
            cap_scaled: self.option(Self::f64s)?,
            t: self.f64s()?,
            y_scaled: self.f64s()?,
            columns: self.list(|i| {
                let name = i.text()?;
                let values = match i.tag("a history column", 2)? {
                    0 => ColumnValues::Numbers(i.f64s()?),
                    _ => {
                        let n = i.len(1)?;
                        ColumnValues::Booleans((0..n).map(|_| i.bool()).collect::<Decoded<_>>()?)
                    }
                };
                Ok((name, values))
            })?,
        })
    }

    fn params(&mut self) -> Decoded<Params> {
        Ok(Params {
            draws: self.list(|i| {
                Ok(Draw {
                    k: i.f64()?,
                    m: i.f64()?,
                    delta: i.f64s()?,
                    sigma_obs: i.f64()?,
                    beta: i.f64s()?,
                })
            })?,
            lp: self.f64s()?,
            trend: self.list(Self::f64s)?,
            sampler: self.list(|i| Ok((i.text()?, i.f64s()?)))?,
        })
    }
}
