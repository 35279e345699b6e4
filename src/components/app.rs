//! The root component: who is signed in, the model on this device, and the
//! page around the usage and forecast views.

use gloo_timers::callback::Interval;
use gridcast_client::{EndpointSettings, Problem, Session};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::components::forecast_panel::ForecastPanel;
use crate::components::preview::Preview;
use crate::components::problem_view::ProblemView;
use crate::components::settings_panel::SettingsPanel;
use crate::components::sign_in::SignIn;
use crate::components::usage_view::UsageView;
use crate::saved;
use gridcast_client::forecaster::{DeviceModel, Outcome};

/// How often the session's expiry is checked.
const REFRESH_CHECK_MS: u32 = 30_000;

/// The portal.
#[function_component(App)]
pub fn app() -> Html {
    let settings = use_state(saved::settings);
    let session = use_state(saved::session);
    let model = use_state(|| None::<DeviceModel>);
    let outcome = use_state(|| None::<Outcome>);
    let notice = use_state(|| None::<Problem>);
    let loading = use_state(|| false);
    let show_settings = use_state(|| false);
    let preview = use_state(|| {
        web_sys::window()
            .and_then(|w| w.location().hash().ok())
            .as_deref()
            == Some("#preview")
    });

    // With a session: show the stored model at once, then check the endpoint
    // for a newer one.
    {
        let (settings, model, notice, loading) = (
            settings.clone(),
            model.clone(),
            notice.clone(),
            loading.clone(),
        );
        // Keyed on whose model it is: a refresh (new keys, same customer)
        // neither reloads it nor clears the forecast.
        let current = (*session).clone();
        let whose = current
            .as_ref()
            .map(|s| (s.customer_id.clone(), s.target_model.clone()));
        use_effect_with((whose, (*settings).clone()), move |_| {
            model.set(None);
            if let Some(session) = current {
                let settings = (*settings).clone();
                loading.set(true);
                spawn_local(async move {
                    let forecaster = crate::forecaster(&settings);
                    let stored = forecaster.stored_model(&session).await;
                    let known = stored.as_ref().ok().and_then(Option::as_ref);
                    if let Some(m) = known {
                        model.set(Some(m.clone()));
                    }
                    match forecaster.sync_model(&session, known).await {
                        Ok(m) => {
                            model.set(Some(m));
                            notice.set(None);
                        }
                        // Down with nothing stored: nothing to forecast from.
                        Err(p) if p.endpoint_down() && known.is_none() => {
                            notice.set(Some(Problem::NoStoredModel))
                        }
                        Err(p) => notice.set(Some(p)),
                    }
                    loading.set(false);
                });
            }
        });
    }

    let set_session = {
        let (session, outcome) = (session.clone(), outcome.clone());
        Callback::from(move |s: Option<Session>| {
            saved::save_session(s.as_ref());
            outcome.set(None);
            session.set(s);
        })
    };
    // Refreshed keys for the same sign-in: the forecast on screen stays.
    let replace_keys = {
        let session = session.clone();
        Callback::from(move |s: Session| {
            saved::save_session(Some(&s));
            session.set(Some(s));
        })
    };

    // Refresh temporary credentials before they expire.
    {
        let (settings, replace_keys, notice) =
            (settings.clone(), replace_keys.clone(), notice.clone());
        use_effect_with((*session).clone(), move |session| {
            let current = session.clone();
            let interval = Interval::new(REFRESH_CHECK_MS, move || {
                let Some(s) = current.clone() else { return };
                let now = gridcast_client::transport::now();
                if !s.refresh_due(now) {
                    return;
                }
                let (settings, replace_keys, notice) =
                    ((*settings).clone(), replace_keys.clone(), notice.clone());
                spawn_local(async move {
                    match crate::forecaster(&settings).refresh(&s).await {
                        Ok(fresh) => replace_keys.emit(fresh),
                        Err(p)
                            if s.expired(gridcast_client::transport::now())
                                || p.needs_sign_in() =>
                        {
                            notice.set(Some(Problem::SessionExpired));
                        }
                        // Offline: keep trying while the old keys last.
                        Err(_) => {}
                    }
                });
            });
            move || drop(interval)
        });
    }

    let on_session = set_session.reform(Some);
    let on_sign_out = {
        let (settings, session, set_session, notice) = (
            settings.clone(),
            session.clone(),
            set_session.clone(),
            notice.clone(),
        );
        Callback::from(move |_| {
            if let Some(s) = (*session).clone() {
                let settings = (*settings).clone();
                spawn_local(async move {
                    crate::forecaster(&settings).sign_out(&s).await;
                    let _ = crate::forecaster(&settings).forget_model(&s).await;
                });
            }
            notice.set(None);
            set_session.emit(None);
        })
    };
    let on_expired = {
        let notice = notice.clone();
        Callback::from(move |_| notice.set(Some(Problem::SessionExpired)))
    };
    let on_save_settings = {
        let settings = settings.clone();
        Callback::from(move |s: EndpointSettings| {
            saved::save_settings(&s);
            settings.set(s);
        })
    };
    let toggle_settings = {
        let show = show_settings.clone();
        Callback::from(move |_: MouseEvent| show.set(!*show))
    };
    let close_settings = {
        let show = show_settings.clone();
        Callback::from(move |()| show.set(false))
    };
    let on_keys = {
        let (on_session, show) = (on_session.clone(), show_settings.clone());
        Callback::from(move |s: Session| {
            show.set(false);
            on_session.emit(s);
        })
    };
    let on_outcome = {
        let outcome = outcome.clone();
        Callback::from(move |o: Outcome| outcome.set(Some(o)))
    };

    let show_page = |to_preview: bool| {
        let preview = preview.clone();
        Callback::from(move |_: MouseEvent| preview.set(to_preview))
    };
    html! {
        <>
            <header class="top">
                <h1>{ "gridcast" }</h1>
                <nav aria-label="Pages" class="pages">
                    <a href="#" aria-current={(!*preview).then_some("page")} onclick={show_page(false)}>{ "My energy" }</a>
                    <a href="#preview" aria-current={(*preview).then_some("page")} onclick={show_page(true)}>{ "Forecast preview" }</a>
                </nav>
                <nav aria-label="Account">
                    if let Some(s) = &*session {
                        <span class="who">{ format!("Customer {}", s.customer_id) }</span>
                    }
                    <button type="button" class="secondary" aria-expanded={show_settings.to_string()}
                        aria-controls="settings" onclick={toggle_settings}>{ "Settings" }</button>
                    if session.is_some() {
                        <button type="button" class="secondary" onclick={on_sign_out}>{ "Sign out" }</button>
                    }
                </nav>
            </header>
            <main id="main">
                if *show_settings {
                    <div id="settings">
                        <SettingsPanel settings={(*settings).clone()} on_save={on_save_settings}
                            on_keys={on_keys} on_close={close_settings} />
                    </div>
                }
                if let Some(p) = &*notice {
                    <ProblemView problem={p.clone()} role="status" />
                }
                if *preview {
                    <Preview model={(*model).clone()} />
                } else {
                    { match &*session {
                        None => html! { <SignIn settings={(*settings).clone()} on_session={on_session} /> },
                        Some(s) => html! {
                            <>
                                {
                                    match &*model {
                                        Some(m) => html! { <UsageView model={m.clone()} outcome={(*outcome).clone()} /> },
                                        None if *loading => html! { <p class="card" role="status">{ "Loading your readings…" }</p> },
                                        None => html! {},
                                    }
                                }
                                <ForecastPanel settings={(*settings).clone()} session={s.clone()}
                                    model={(*model).clone()} outcome={(*outcome).clone()}
                                    {on_outcome} {on_expired} />
                            </>
                        },
                    } }
                }
            </main>
        </>
    }
}
