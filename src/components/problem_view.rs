//! A problem, told to a person: what happened and what to do next.

use gridcast_client::Problem;
use yew::prelude::*;

/// Props of [`ProblemView`].
#[derive(Properties, PartialEq)]
pub struct ProblemProps {
    /// What went wrong.
    pub problem: Problem,
    /// `alert` (interrupts a screen reader) or `status` (polite).
    #[prop_or(AttrValue::Static("alert"))]
    pub role: AttrValue,
}

/// Shows a [`Problem`] with its next step.
#[function_component(ProblemView)]
pub fn problem_view(props: &ProblemProps) -> Html {
    let class = if props.problem.endpoint_down() {
        "notice warn"
    } else {
        "notice error"
    };
    html! {
        <div class={class} role={props.role.clone()}>
            <strong>{ props.problem.to_string() }</strong>
            <p>{ props.problem.next_step() }</p>
        </div>
    }
}
