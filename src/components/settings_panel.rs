//! Settings: which endpoint to talk to (any SageMaker-compatible one), and
//! optionally access keys to use instead of signing in.

use gridcast_client::{EndpointSettings, Problem, Session};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::problem_view::ProblemView;

/// Props of [`SettingsPanel`].
#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    /// The current settings.
    pub settings: EndpointSettings,
    /// Called with validated settings.
    pub on_save: Callback<EndpointSettings>,
    /// Called with a session made from typed keys.
    pub on_keys: Callback<Session>,
    /// Closes the panel.
    pub on_close: Callback<()>,
}

fn value(r: &NodeRef) -> String {
    r.cast::<HtmlInputElement>()
        .map(|i| i.value().trim().to_owned())
        .unwrap_or_default()
}

/// The settings panel.
#[function_component(SettingsPanel)]
pub fn settings_panel(props: &SettingsProps) -> Html {
    let url = use_node_ref();
    let region = use_node_ref();
    let name = use_node_ref();
    let template = use_node_ref();
    let customer = use_node_ref();
    let key = use_node_ref();
    let secret = use_node_ref();
    let token = use_node_ref();
    let problem = use_state(|| None::<Problem>);
    let read = {
        let (url, region, name, template) =
            (url.clone(), region.clone(), name.clone(), template.clone());
        move || EndpointSettings {
            endpoint_url: value(&url),
            region: value(&region),
            endpoint_name: value(&name),
            target_template: value(&template),
        }
    };
    let on_save = {
        let (read, problem, cb) = (read.clone(), problem.clone(), props.on_save.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let s = read();
            match s.validate() {
                Ok(()) => {
                    problem.set(None);
                    cb.emit(s);
                }
                Err(err) => problem.set(Some(Problem::Settings(err))),
            }
        })
    };
    let on_keys = {
        let (read, problem) = (read.clone(), problem.clone());
        let (save, keys) = (props.on_save.clone(), props.on_keys.clone());
        let (customer, key, secret, token) =
            (customer.clone(), key.clone(), secret.clone(), token.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let s = read();
            let session = Session::with_keys(
                value(&customer),
                value(&key),
                value(&secret),
                Some(value(&token)),
            );
            match s
                .validate()
                .and_then(|_| s.target_model(&session.customer_id))
            {
                Ok(_) => {
                    problem.set(None);
                    save.emit(s);
                    keys.emit(session);
                }
                Err(err) => problem.set(Some(Problem::Settings(err))),
            }
        })
    };
    let s = &props.settings;
    let close = props.on_close.reform(|_| ());
    html! {
        <section class="card settings" aria-labelledby="settings-title">
            <h2 id="settings-title">{ "Settings" }</h2>
            <form onsubmit={on_save}>
                <fieldset>
                    <legend>{ "Endpoint" }</legend>
                    <label for="endpoint-url">{ "Endpoint URL" }</label>
                    <input id="endpoint-url" ref={url} value={s.endpoint_url.clone()} inputmode="url"
                        placeholder="https://runtime.sagemaker.us-east-1.amazonaws.com" />
                    <label for="region">{ "Region" }</label>
                    <input id="region" ref={region} value={s.region.clone()} />
                    <label for="endpoint-name">{ "Endpoint name" }</label>
                    <input id="endpoint-name" ref={name} value={s.endpoint_name.clone()} />
                    <label for="target-template">{ "TargetModel template" }</label>
                    <input id="target-template" ref={template} value={s.target_template.clone()}
                        aria-describedby="template-hint" />
                    <p id="template-hint" class="hint">{ "{customer} is replaced by the customer id, e.g. {customer}.tar.gz" }</p>
                    <button type="submit">{ "Save endpoint" }</button>
                </fieldset>
            </form>
            <form onsubmit={on_keys}>
                <fieldset>
                    <legend>{ "Access keys (operators)" }</legend>
                    <p class="hint">{ "Instead of signing in: forecast a customer with AWS-style keys. They stay in this tab only." }</p>
                    <label for="keys-customer">{ "Customer id" }</label>
                    <input id="keys-customer" ref={customer} required=true />
                    <label for="access-key">{ "Access key id" }</label>
                    <input id="access-key" ref={key} required=true autocomplete="off" />
                    <label for="secret-key">{ "Secret access key" }</label>
                    <input id="secret-key" ref={secret} type="password" required=true autocomplete="off" />
                    <label for="session-token">{ "Session token (optional)" }</label>
                    <input id="session-token" ref={token} type="password" autocomplete="off" />
                    <button type="submit">{ "Use these keys" }</button>
                </fieldset>
            </form>
            if let Some(p) = &*problem {
                <ProblemView problem={p.clone()} />
            }
            <button type="button" class="secondary" onclick={close}>{ "Close settings" }</button>
        </section>
    }
}
