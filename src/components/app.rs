//! The root component: the page state ([`PortalState`], changed by
//! [`Action`]s), the hooks doing the work around it, and the page around the
//! usage and forecast views.

use gloo_timers::callback::Interval;
use gridcast_client::{EndpointSettings, Problem, Session};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::accuracy_panel::AccuracyPanel;
use crate::components::forecast_panel::ForecastPanel;
use crate::components::preview::Preview;
use crate::components::problem_view::ProblemView;
use crate::components::settings_panel::SettingsPanel;
use crate::components::sign_in::SignIn;
use crate::components::usage_view::UsageView;
use crate::saved;
use crate::state::{Action, PortalState};

/// How often the session's expiry is checked.
const REFRESH_CHECK_MS: u32 = 30_000;

type Dispatch = UseReducerDispatcher<PortalState>;

/// The portal.
#[function_component(App)]
pub fn app() -> Html {
    let state = use_reducer(|| {
        let hash = web_sys::window().and_then(|w| w.location().hash().ok());
        PortalState::saved(hash.as_deref() == Some("#preview"))
    });
    let dispatch = state.dispatcher();
    use_saved(&state);
    use_device_model(&state, dispatch.clone());
    use_key_refresh(&state, dispatch.clone());

    // Every view's callback is this one, reformed.
    let act = {
        let dispatch = dispatch.clone();
        Callback::from(move |a: Action| dispatch.dispatch(a))
    };
    let on = |action: fn() -> Action| act.reform(move |_: MouseEvent| action());
    let on_session = act.reform(Action::SignedIn);
    let on_keys = act.reform(Action::KeysEntered);
    let on_sign_out = {
        let (state, act) = (state.clone(), act.clone());
        Callback::from(move |_: MouseEvent| {
            if let Some(s) = state.session.clone() {
                let forecaster = crate::forecaster(&state.settings);
                spawn_local(async move {
                    forecaster.sign_out(&s).await;
                    let _ = forecaster.forget_model(&s).await;
                });
            }
            act.emit(Action::SignedOut);
        })
    };
    let s = &*state;
    html! {
        <>
            <header class="top">
                <h1>{ "gridcast" }</h1>
                <nav aria-label="Pages" class="pages">
                    <a href="#" aria-current={(!s.preview).then_some("page")} onclick={on(|| Action::ShowPreview(false))}>{ "My energy" }</a>
                    <a href="#preview" aria-current={s.preview.then_some("page")} onclick={on(|| Action::ShowPreview(true))}>{ "Forecast preview" }</a>
                </nav>
                <nav aria-label="Account">
                    if let Some(session) = &s.session {
                        <span class="who">{ format!("Customer {}", session.customer_id) }</span>
                    }
                    <button type="button" class="secondary" aria-expanded={s.show_settings.to_string()}
                        aria-controls="settings" onclick={on(|| Action::ToggleSettings)}>{ "Settings" }</button>
                    if s.session.is_some() {
                        <button type="button" class="secondary" onclick={on_sign_out}>{ "Sign out" }</button>
                    }
                </nav>
            </header>
            <main id="main">
                if s.show_settings {
                    <div id="settings">
                        <SettingsPanel settings={s.settings.clone()} on_save={act.reform(Action::SettingsSaved)}
                            on_keys={on_keys} on_close={act.reform(|()| Action::CloseSettings)} />
                    </div>
                }
                if let Some(p) = &s.notice {
                    <ProblemView problem={p.clone()} role="status" />
                }
                if s.preview {
                    <Preview model={s.model.clone()} />
                } else {
                    { match &s.session {
                        None => html! { <SignIn settings={s.settings.clone()} on_session={on_session} /> },
                        Some(session) => html! {
                            <>
                                {
                                    match &s.model {
                                        Some(m) => html! { <UsageView model={m.clone()} outcome={s.outcome.clone()} /> },
                                        None if s.loading => html! { <p class="card" role="status">{ "Loading your readings…" }</p> },
                                        None => html! {},
                                    }
                                }
                                <ForecastPanel settings={s.settings.clone()} session={session.clone()}
                                    model={s.model.clone()} outcome={s.outcome.clone()}
                                    on_outcome={act.reform(Action::Forecast)}
                                    on_expired={act.reform(|()| Action::Expired)} />
                                <AccuracyPanel accuracy={s.accuracy.clone()} actuals={s.actuals.clone()} />
                            </>
                        },
                    } }
                }
            </main>
        </>
    }
}

/// Keeps the settings (localStorage) and the session (sessionStorage) as they
/// change.
#[hook]
fn use_saved(state: &PortalState) {
    use_effect_with(state.settings.clone(), |s| saved::save_settings(s));
    use_effect_with(state.session.clone(), |s| saved::save_session(s.as_ref()));
}

/// With a session: shows the stored model at once, then checks the endpoint
/// for a newer one. Keyed on whose model it is and the settings: a refresh
/// (new keys, same customer) neither reloads it nor clears the forecast.
#[hook]
fn use_device_model(state: &PortalState, dispatch: Dispatch) {
    let whose = state
        .session
        .as_ref()
        .map(|s| (s.customer_id.clone(), s.target_model.clone()));
    let current = state.session.clone();
    use_effect_with((whose, state.settings.clone()), move |(_, settings)| {
        let Some(session) = current else {
            dispatch.dispatch(Action::ModelCleared);
            return;
        };
        dispatch.dispatch(Action::ModelLoading);
        let forecaster = crate::forecaster(settings);
        spawn_local(async move {
            let stored = forecaster.stored_model(&session).await;
            let known = stored.as_ref().ok().and_then(Option::as_ref);
            if let Some(m) = known {
                dispatch.dispatch(Action::ModelStored(m.clone()));
            }
            dispatch.dispatch(match forecaster.sync_model(&session, known).await {
                Ok(m) => Action::ModelSynced(m),
                // Down with nothing stored: nothing to forecast from.
                Err(p) if p.endpoint_down() && known.is_none() => {
                    Action::ModelProblem(Problem::NoStoredModel)
                }
                Err(p) => Action::ModelProblem(p),
            });
            // How far off its forecasts are, when the endpoint keeps that.
            dispatch.dispatch(Action::AccuracyLoaded(forecaster.accuracy(&session).await));
            dispatch.dispatch(Action::ActualsLoaded(forecaster.actuals(&session).await));
        });
    });
}

/// Refreshes temporary credentials before they expire.
#[hook]
fn use_key_refresh(state: &PortalState, dispatch: Dispatch) {
    use_effect_with(
        (state.session.clone(), state.settings.clone()),
        move |(session, settings)| {
            let (current, settings) = (session.clone(), settings.clone());
            let interval = Interval::new(REFRESH_CHECK_MS, move || {
                let Some(s) = current.clone() else { return };
                if !s.refresh_due(gridcast_client::transport::now()) {
                    return;
                }
                refresh(s, &settings, dispatch.clone());
            });
            move || drop(interval)
        },
    );
}

fn refresh(s: Session, settings: &EndpointSettings, dispatch: Dispatch) {
    let forecaster = crate::forecaster(settings);
    spawn_local(async move {
        match forecaster.refresh(&s).await {
            Ok(fresh) => dispatch.dispatch(Action::KeysRefreshed(fresh)),
            Err(p) if s.expired(gridcast_client::transport::now()) || p.needs_sign_in() => {
                dispatch.dispatch(Action::Expired);
            }
            // Offline: keep trying while the old keys last.
            Err(_) => {}
        }
    });
}
