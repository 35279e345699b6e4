//! Components: which feature columns make up each named component of the
//! forecast (`train_component_cols`) and which components are additive.

use super::FeatureName;
use crate::config::Mode;
use crate::regressors::Regressor;

/// Which feature columns make up each named component (`train_component_cols`):
/// one indicator vector per component, in Prophet's column order.
#[derive(Debug, Clone, PartialEq)]
pub struct ComponentColumns {
    /// `(component name, indicator per feature column)`.
    pub components: Vec<(String, Vec<u8>)>,
}

impl ComponentColumns {
    /// The indicator vector of a component, if present.
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.components
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
    }

    /// The indicator of `additive_terms` or `multiplicative_terms` as floats.
    pub fn indicator(&self, name: &str, cols: usize) -> Vec<f64> {
        match self.get(name) {
            Some(v) => v.iter().map(|&b| b as f64).collect(),
            None => vec![0.0; cols],
        }
    }
}

/// Names of the components in each mode (`component_modes`).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ComponentModes {
    /// Additive components, including the `additive_terms` group.
    pub additive: Vec<String>,
    /// Multiplicative components, including the `multiplicative_terms` group.
    pub multiplicative: Vec<String>,
}

impl ComponentModes {
    /// Whether the named component is additive (scaled by `y_scale`).
    pub fn is_additive(&self, name: &str) -> bool {
        self.additive.iter().any(|n| n == name)
    }
}

/// `regressor_column_matrix`: one component per seasonality, holiday and
/// regressor (the part of each column name before `_delim_`), the
/// `holidays` group (the fit's holiday names), the `additive_terms` /
/// `multiplicative_terms` and `extra_regressors_*` groups; components sorted
/// by name (pandas' crosstab), missing `*_terms` appended, the `zeros`
/// placeholder dropped. `modes` gains the group names as Python's does.
pub fn component_columns(
    names: &[FeatureName],
    modes: &ComponentModes,
    train_holiday_names: Option<&[String]>,
    regressors: &[Regressor],
    holidays_mode: Mode,
) -> (ComponentColumns, ComponentModes) {
    let mut pairs: Vec<(usize, String)> = names
        .iter()
        .enumerate()
        .map(|(c, n)| (c, n.component().to_string()))
        .collect();
    if let Some(holidays) = train_holiday_names {
        add_group(&mut pairs, "holidays", holidays);
    }
    let mut modes = modes.clone();
    for mode in [Mode::Additive, Mode::Multiplicative] {
        let terms = format!("{}_terms", mode.as_str());
        let extra = format!("extra_regressors_{}", mode.as_str());
        let members = match mode {
            Mode::Additive => modes.additive.clone(),
            Mode::Multiplicative => modes.multiplicative.clone(),
        };
        add_group(&mut pairs, &terms, &members);
        let of_mode: Vec<String> = regressors
            .iter()
            .filter(|r| r.mode == mode)
            .map(|r| r.name.clone())
            .collect();
        add_group(&mut pairs, &extra, &of_mode);
        modes.push(mode, &terms);
        modes.push(mode, &extra);
    }
    modes.push(holidays_mode, "holidays");
    let mut components: Vec<String> = pairs.iter().map(|(_, n)| n.clone()).collect();
    components.sort();
    components.dedup();
    for group in ["additive_terms", "multiplicative_terms"] {
        if !components.iter().any(|n| n == group) {
            components.push(group.into());
        }
    }
    components.retain(|n| n != "zeros");
    let components = components
        .into_iter()
        .map(|name| {
            let mut indicator = vec![0u8; names.len()];
            for (c, n) in &pairs {
                if *n == name {
                    indicator[*c] += 1;
                }
            }
            (name, indicator)
        })
        .collect();
    (ComponentColumns { components }, modes)
}

/// `add_group_component`: the columns of every component in `group`, once
/// each in order of appearance, also under `name`.
fn add_group(pairs: &mut Vec<(usize, String)>, name: &str, group: &[String]) {
    let mut cols: Vec<usize> = Vec::new();
    for (c, component) in pairs.iter() {
        if group.contains(component) && !cols.contains(c) {
            cols.push(*c);
        }
    }
    pairs.extend(cols.into_iter().map(|c| (c, name.to_string())));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::regressors::Standardize;

    fn seasonal(name: &str, order: usize) -> Vec<FeatureName> {
        (1..=2 * order)
            .map(|index| FeatureName::Seasonality {
                name: name.into(),
                index,
            })
            .collect()
    }

    #[test]
    fn component_columns_follow_pandas_crosstab_order() {
        // hourly_mult in the fixtures: weekly then daily, both multiplicative.
        let names = [seasonal("weekly", 3), seasonal("daily", 4)].concat();
        let mut modes = ComponentModes::default();
        modes.push(Mode::Multiplicative, "weekly");
        modes.push(Mode::Multiplicative, "daily");
        let (cols, modes) = component_columns(&names, &modes, None, &[], Mode::Multiplicative);
        let names: Vec<_> = cols.components.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["daily", "multiplicative_terms", "weekly", "additive_terms"]
        );
        assert_eq!(
            cols.get("daily").unwrap(),
            &[0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1]
        );
        assert_eq!(
            cols.get("multiplicative_terms")
                .unwrap()
                .iter()
                .map(|&b| b as usize)
                .sum::<usize>(),
            14
        );
        assert!(modes.multiplicative.contains(&"holidays".to_string()));
    }

    #[test]
    fn no_features_means_one_zero_column() {
        let (cols, _) = component_columns(
            &[FeatureName::Zeros],
            &ComponentModes::default(),
            None,
            &[],
            Mode::Additive,
        );
        assert_eq!(
            cols.components,
            vec![
                ("additive_terms".into(), vec![0]),
                ("multiplicative_terms".into(), vec![0])
            ]
        );
    }

    #[test]
    fn regressors_and_holidays_get_their_groups() {
        // temp_regressor in the ext fixtures, plus a holiday.
        let mut names = seasonal("weekly", 1);
        names.push(FeatureName::Holiday {
            name: "maintenance".into(),
            offset: 0,
        });
        names.push(FeatureName::Regressor("temperature".into()));
        names.push(FeatureName::Regressor("heating".into()));
        let regressors = [
            Regressor::new("temperature", 10.0, Standardize::Auto, Mode::Additive),
            Regressor::new("heating", 0.5, Standardize::Auto, Mode::Multiplicative),
        ];
        let mut modes = ComponentModes::default();
        for (mode, name) in [
            (Mode::Additive, "weekly"),
            (Mode::Additive, "maintenance"),
            (Mode::Additive, "temperature"),
            (Mode::Multiplicative, "heating"),
        ] {
            modes.push(mode, name);
        }
        let holidays = ["maintenance".to_string()];
        let (cols, modes) =
            component_columns(&names, &modes, Some(&holidays), &regressors, Mode::Additive);
        let order: Vec<_> = cols.components.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            order,
            [
                "additive_terms",
                "extra_regressors_additive",
                "extra_regressors_multiplicative",
                "heating",
                "holidays",
                "maintenance",
                "multiplicative_terms",
                "temperature",
                "weekly"
            ]
        );
        assert_eq!(cols.get("additive_terms").unwrap(), &[1, 1, 1, 1, 0]);
        assert_eq!(cols.get("multiplicative_terms").unwrap(), &[0, 0, 0, 0, 1]);
        assert_eq!(cols.get("holidays").unwrap(), &[0, 0, 1, 0, 0]);
        assert_eq!(
            modes.additive,
            [
                "weekly",
                "maintenance",
                "temperature",
                "additive_terms",
                "extra_regressors_additive",
                "holidays"
            ]
        );
    }
}
