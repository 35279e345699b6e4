//! `params`: Stan's estimates, one row per draw. A MAP fit writes every
//! parameter as a 2-D list with one row (`[[k]]`, `[[delta…]]`); an MCMC model
//! writes scalars as 1-D lists (`[k₁, k₂, …]`) and vectors as one row per
//! sample.

use serde_json::{json, Map, Value};

use super::cells::{Cell, ParamsDoc};
use super::{invalid, read_each, ModelJsonError};
use crate::model::{Draw, Params};

/// The parameters `predict` uses, and Stan's trend.
const MODEL_PARAMS: &[&str] = &["k", "m", "delta", "sigma_obs", "beta", "trend", "lp__"];

/// One value per draw of a scalar parameter (`[[v]]` or `[v₁, …]`).
fn scalars(v: &Cell, field: &str) -> Result<Vec<f64>, ModelJsonError> {
    let Cell::List(outer) = v else {
        return Err(invalid(field, "not a list"));
    };
    read_each(outer, |x| {
        let value = match x {
            Cell::Int(_) | Cell::UInt(_) | Cell::Float(_) => x,
            Cell::List(row) if row.len() == 1 => &row[0],
            _ => return Err(invalid(field, "expected one number per draw")),
        };
        value.as_f64().ok_or_else(|| invalid(field, "not a number"))
    })
}

/// One row per draw of a vector parameter.
fn rows(v: &Cell, field: &str) -> Result<Vec<Vec<f64>>, ModelJsonError> {
    let Cell::List(outer) = v else {
        return Err(invalid(field, "not a 2-D list"));
    };
    read_each(outer, |row| {
        let values = match row {
            Cell::List(values) => values.as_slice(),
            // A 1-D list: one value per draw (a vector of length 1).
            Cell::Int(_) | Cell::UInt(_) | Cell::Float(_) => std::slice::from_ref(row),
            _ => return Err(invalid(field, "not a 2-D list")),
        };
        read_each(values, |x| {
            x.as_f64().ok_or_else(|| invalid(field, "not a number"))
        })
    })
}

/// Reads `params`, checking that every parameter has one entry per draw and
/// the vectors have `n_changepoints` and `n_features` values.
pub(super) fn read_params(
    params: &ParamsDoc,
    n_changepoints: usize,
    n_features: usize,
) -> Result<Params, ModelJsonError> {
    let find = |name: &str| params.0.iter().find(|(n, _)| n == name).map(|(_, v)| v);
    let get = |name: &str| find(name).ok_or_else(|| invalid("params", format!("missing `{name}`")));
    let field = |name: &str| format!("params.{name}");
    let k = scalars(get("k")?, &field("k"))?;
    let draws = k.len();
    if draws == 0 {
        return Err(invalid("params.k", "no draws"));
    }
    let same = |name: &str, len: usize| {
        if len == draws {
            Ok(())
        } else {
            Err(invalid(
                &field(name),
                format!("{len} draws, but `k` has {draws}"),
            ))
        }
    };
    let m = scalars(get("m")?, &field("m"))?;
    let sigma = scalars(get("sigma_obs")?, &field("sigma_obs"))?;
    let delta = rows(get("delta")?, &field("delta"))?;
    let beta = rows(get("beta")?, &field("beta"))?;
    for (name, len) in [
        ("m", m.len()),
        ("sigma_obs", sigma.len()),
        ("delta", delta.len()),
        ("beta", beta.len()),
    ] {
        same(name, len)?;
    }
    if let Some(d) = delta.iter().find(|d| d.len() != n_changepoints) {
        return Err(invalid(
            "params.delta",
            format!("{} values for {} changepoints", d.len(), n_changepoints),
        ));
    }
    if let Some(b) = beta.iter().find(|b| b.len() != n_features) {
        return Err(invalid(
            "params.beta",
            format!("{} values for {} feature columns", b.len(), n_features),
        ));
    }
    let lp = match find("lp__") {
        Some(v) => scalars(v, "params.lp__")?,
        None => Vec::new(),
    };
    let trend = match find("trend") {
        Some(v) => rows(v, "params.trend")?,
        None => Vec::new(),
    };
    // The sampler's own per-draw values; anything else is not ours to keep.
    let sampler = params
        .0
        .iter()
        .filter(|(name, _)| !MODEL_PARAMS.contains(&name.as_str()))
        .filter_map(|(name, v)| {
            let values = scalars(v, name).ok()?;
            (values.len() == draws).then(|| (name.clone(), values))
        })
        .collect();
    let draws = (0..draws)
        .map(|i| Draw {
            k: k[i],
            m: m[i],
            delta: delta[i].clone(),
            sigma_obs: sigma[i],
            beta: beta[i].clone(),
        })
        .collect();
    Ok(Params {
        draws,
        lp,
        trend,
        sampler,
    })
}

/// Writes `params` in Python's key order (`lp__`, the sampler's values, `k`,
/// `m`, `delta`, `sigma_obs`, `beta`, `trend`) and shapes (`samples`: an MCMC
/// model's 1-D scalars).
pub(super) fn write_params(p: &Params, samples: bool) -> Map<String, Value> {
    let scalar = |values: Vec<f64>| -> Value {
        if samples {
            json!(values)
        } else {
            Value::Array(values.into_iter().map(|v| json!([v])).collect())
        }
    };
    let mut out = Map::new();
    if !p.lp.is_empty() {
        out.insert("lp__".into(), scalar(p.lp.clone()));
    }
    for (name, values) in &p.sampler {
        out.insert(name.clone(), scalar(values.clone()));
    }
    out.insert("k".into(), scalar(p.draws.iter().map(|d| d.k).collect()));
    out.insert("m".into(), scalar(p.draws.iter().map(|d| d.m).collect()));
    out.insert(
        "delta".into(),
        json!(p.draws.iter().map(|d| &d.delta).collect::<Vec<_>>()),
    );
    out.insert(
        "sigma_obs".into(),
        scalar(p.draws.iter().map(|d| d.sigma_obs).collect()),
    );
    out.insert(
        "beta".into(),
        json!(p.draws.iter().map(|d| &d.beta).collect::<Vec<_>>()),
    );
    if !p.trend.is_empty() {
        out.insert("trend".into(), json!(p.trend));
    }
    out
}
