//! How far off the customer's forecasts are: the backtest's typical error
//! 1, 7 and 30 days ahead, and the readings since the model was trained
//! against what it forecast for those days.

use gridcast_client::{Accuracy, Actuals, Problem};
use yew::prelude::*;

use crate::components::chart::Chart;

/// Props of [`AccuracyPanel`].
#[derive(Properties, PartialEq)]
pub struct AccuracyProps {
    /// The model's backtest accuracy, once asked.
    pub accuracy: Loaded<Accuracy>,
    /// The readings since the training end beside their forecast, once asked.
    pub actuals: Loaded<Actuals>,
}

type Loaded<T> = Option<Result<T, Problem>>;

/// The accuracy panel.
#[function_component(AccuracyPanel)]
pub fn accuracy_panel(props: &AccuracyProps) -> Html {
    html! {
        <section class="card" aria-labelledby="accuracy-title" id="accuracy">
            <h2 id="accuracy-title">{ "How accurate your forecasts are" }</h2>
            { figures(&props.accuracy) }
            { versus(&props.actuals) }
        </section>
    }
}

const NO_FIGURES: &str = "No accuracy figures for your model yet.";
const NO_READINGS: &str = "No readings since your model was trained yet.";

/// A refusal (400: none kept for this model) said plainly, anything else as it is.
fn unavailable(p: &Problem, none: &str) -> Html {
    let text = match p {
        Problem::Rejected { status: 400, .. } => none.to_owned(),
        other => other.to_string(),
    };
    html! { <p class="hint">{ text }</p> }
}

fn figures(accuracy: &Loaded<Accuracy>) -> Html {
    match accuracy {
        None => html! {},
        Some(Err(p)) => unavailable(p, NO_FIGURES),
        Some(Ok(a)) if a.at.is_empty() => html! {
            <p class="hint">{ a.failure.clone().unwrap_or_else(|| NO_FIGURES.into()) }</p>
        },
        Some(Ok(a)) => html! {
            <ul class="accuracy">
                { for a.at.iter().map(|at| {
                    // An integer: Display of an f64 would bring the shortest-float printer.
                    let days = at.horizon_days.round() as i64;
                    html! { <li>{ format!(
                        "{days} day{} ahead: within ±{:.1} kWh ({:.0} %) on average",
                        if days == 1 { "" } else { "s" },
                        at.mae,
                        at.smape * 100.0,
                    ) }</li> }
                }) }
            </ul>
        },
    }
}

fn versus(actuals: &Loaded<Actuals>) -> Html {
    match actuals {
        None => html! {},
        Some(Err(p)) => unavailable(p, NO_READINGS),
        Some(Ok(a)) if a.forecast.is_empty() => {
            html! { <p class="hint">{ NO_READINGS }</p> }
        }
        Some(Ok(a)) => html! {
            <Chart history={a.readings()} forecast={a.forecast.clone()}
                label="Readings since your model was trained against its forecast, in kWh" />
        },
    }
}
