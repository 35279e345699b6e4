//! The sign-in form: customer id and password for `/auth/login`.

use gridcast_client::{EndpointSettings, Problem, Session};
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::problem_view::ProblemView;

/// Props of [`SignIn`].
#[derive(Properties, PartialEq)]
pub struct SignInProps {
    /// Where to sign in.
    pub settings: EndpointSettings,
    /// Called with the new session.
    pub on_session: Callback<Session>,
}

/// Customer sign-in.
#[function_component(SignIn)]
pub fn sign_in(props: &SignInProps) -> Html {
    let customer = use_node_ref();
    let password = use_node_ref();
    let busy = use_state(|| false);
    let problem = use_state(|| None::<Problem>);
    let onsubmit = {
        let (customer, password, busy, problem) = (
            customer.clone(),
            password.clone(),
            busy.clone(),
            problem.clone(),
        );
        let settings = props.settings.clone();
        let on_session = props.on_session.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let id = customer
                .cast::<HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            let pw = password
                .cast::<HtmlInputElement>()
                .map(|i| i.value())
                .unwrap_or_default();
            let (busy, problem, settings, on_session, password) = (
                busy.clone(),
                problem.clone(),
                settings.clone(),
                on_session.clone(),
                password.clone(),
            );
            busy.set(true);
            problem.set(None);
            spawn_local(async move {
                match crate::forecaster(&settings).sign_in(id.trim(), &pw).await {
                    Ok(session) => on_session.emit(session),
                    Err(p) => {
                        if let Some(i) = password.cast::<HtmlInputElement>() {
                            i.set_value("");
                        }
                        problem.set(Some(p));
                    }
                }
                busy.set(false);
            });
        })
    };
    html! {
        <section class="card sign-in" aria-labelledby="sign-in-title">
            <h2 id="sign-in-title">{ "Sign in" }</h2>
            <p class="hint">{ "Use the customer id on your bill and your portal password." }</p>
            <form {onsubmit}>
                <label for="customer-id">{ "Customer id" }</label>
                <input id="customer-id" name="customer-id" ref={customer} required=true
                    autocomplete="username" inputmode="text" />
                <label for="password">{ "Password" }</label>
                <input id="password" name="password" type="password" ref={password} required=true
                    autocomplete="current-password" />
                <button type="submit" disabled={*busy}>
                    { if *busy { "Signing in…" } else { "Sign in" } }
                </button>
            </form>
            if let Some(p) = &*problem {
                <ProblemView problem={p.clone()} />
            }
        </section>
    }
}
