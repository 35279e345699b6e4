//! `--config` / `--preset`: how `fit`, `train` and `cross-validate` are told
//! Prophet's arguments, one set of flags over gridcast-api's [`Preset`] list.

use std::path::PathBuf;

use anyhow::Context;
use gridcast_model::ProphetConfig;
use gridcast_pipeline::Preset;

/// Prophet's arguments: a `prophet.json` or a preset (default: Prophet's defaults).
#[derive(Debug, Clone, clap::Args)]
pub struct ProphetArgs {
    /// Prophet arguments as JSON (Python's names); default: Prophet's defaults.
    #[arg(long, conflicts_with_all = ["preset", "seed_preset"])]
    pub config: Option<PathBuf>,
    /// A preset's Prophet arguments (for `train`, its holdout too): `seed`
    /// (trend only, multiplicative, holdout 7), `weather` (temperature
    /// regressor, weekly, US holidays, holdout 7) or `default`.
    #[arg(long, conflicts_with = "seed_preset")]
    pub preset: Option<Preset>,
    /// The same as `--preset seed` (kept for scripts that use it).
    #[arg(long, hide = true)]
    pub seed_preset: bool,
}

impl ProphetArgs {
    /// The preset asked for (`--seed-preset` is `seed`).
    pub fn preset(&self) -> Option<Preset> {
        self.preset.or(self.seed_preset.then_some(Preset::Seed))
    }

    /// The `--config` file's arguments, if one was given.
    pub fn file_config(&self) -> anyhow::Result<Option<ProphetConfig>> {
        let Some(path) = &self.config else {
            return Ok(None);
        };
        let text =
            std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
        let config =
            ProphetConfig::from_json(&text).with_context(|| format!("in {}", path.display()))?;
        Ok(Some(config))
    }

    /// The arguments: the file's, else `preset`'s (the one given here
    /// unless the caller chose another), else Prophet's defaults.
    pub fn config_with(&self, preset: Option<Preset>) -> anyhow::Result<ProphetConfig> {
        Ok(match self.file_config()? {
            Some(config) => config,
            None => preset.unwrap_or(Preset::Default).config(),
        })
    }
}
