//! The portal's page state and what changes it: one [`PortalState`], changed
//! only by [`Action`]s (Yew's `use_reducer`); the work around it (storage,
//! the endpoint, timers) lives in the hooks of `components::app`.

use std::rc::Rc;

use gridcast_client::forecaster::{DeviceModel, Outcome};
use gridcast_client::{Accuracy, Actuals, EndpointSettings, Problem, Session};
use yew::Reducible;

/// Everything the root component shows.
#[derive(Clone, PartialEq)]
pub struct PortalState {
    /// Where the endpoint is.
    pub settings: EndpointSettings,
    /// Who is signed in.
    pub session: Option<Session>,
    /// The customer's model on this device.
    pub model: Option<DeviceModel>,
    /// The forecast on screen.
    pub outcome: Option<Outcome>,
    /// A problem the page reports above its views.
    pub notice: Option<Problem>,
    /// The model is being loaded or checked.
    pub loading: bool,
    /// The settings panel is open.
    pub show_settings: bool,
    /// The forecast preview page is shown (rather than "My energy").
    pub preview: bool,
    /// The model's backtest accuracy, once asked.
    pub accuracy: Option<Result<Accuracy, Problem>>,
    /// The readings since the training end beside their forecast, once asked.
    pub actuals: Option<Result<Actuals, Problem>>,
}

impl PortalState {
    /// What the browser kept from earlier visits; `preview` when the page was
    /// opened at `#preview`.
    pub fn saved(preview: bool) -> Self {
        Self {
            settings: crate::saved::settings(),
            session: crate::saved::session(),
            model: None,
            outcome: None,
            notice: None,
            loading: false,
            show_settings: false,
            preview,
            accuracy: None,
            actuals: None,
        }
    }
}

/// What happens on the page.
pub enum Action {
    /// Signed in: a new session, no forecast yet.
    SignedIn(Session),
    /// Keys entered in the settings panel: signed in with them, the panel closed.
    KeysEntered(Session),
    /// Signed out: no session, forecast or notice.
    SignedOut,
    /// Refreshed keys for the same sign-in: the forecast on screen stays.
    KeysRefreshed(Session),
    /// The session is over.
    Expired,
    /// New endpoint settings.
    SettingsSaved(EndpointSettings),
    /// Opens or closes the settings panel.
    ToggleSettings,
    /// Closes the settings panel.
    CloseSettings,
    /// Shows the preview page (`true`) or "My energy".
    ShowPreview(bool),
    /// A new forecast.
    Forecast(Outcome),
    /// The model is being loaded for a (new) customer: none shown yet.
    ModelLoading,
    /// No customer: no model.
    ModelCleared,
    /// The model stored on this device, shown while the endpoint is asked.
    ModelStored(DeviceModel),
    /// The model as checked against the endpoint.
    ModelSynced(DeviceModel),
    /// Loading the model ended with a problem.
    ModelProblem(Problem),
    /// The model's backtest accuracy, or why there is none.
    AccuracyLoaded(Result<Accuracy, Problem>),
    /// The readings since the training end, or why there are none.
    ActualsLoaded(Result<Actuals, Problem>),
}

impl Reducible for PortalState {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut s = Rc::unwrap_or_clone(self);
        match action {
            Action::SignedIn(session) => {
                s.outcome = None;
                s.session = Some(session);
            }
            Action::KeysEntered(session) => {
                s.outcome = None;
                s.show_settings = false;
                s.session = Some(session);
            }
            Action::SignedOut => {
                s.notice = None;
                s.outcome = None;
                s.session = None;
            }
            Action::KeysRefreshed(session) => s.session = Some(session),
            Action::Expired => s.notice = Some(Problem::SessionExpired),
            Action::SettingsSaved(settings) => s.settings = settings,
            Action::ToggleSettings => s.show_settings = !s.show_settings,
            Action::CloseSettings => s.show_settings = false,
            Action::ShowPreview(preview) => s.preview = preview,
            Action::Forecast(outcome) => s.outcome = Some(outcome),
            Action::ModelLoading => {
                s.model = None;
                s.accuracy = None;
                s.actuals = None;
                s.loading = true;
            }
            Action::ModelCleared => s.model = None,
            Action::ModelStored(model) => s.model = Some(model),
            Action::ModelSynced(model) => {
                s.model = Some(model);
                s.notice = None;
                s.loading = false;
            }
            Action::AccuracyLoaded(a) => s.accuracy = Some(a),
            Action::ActualsLoaded(a) => s.actuals = Some(a),
            Action::ModelProblem(problem) => {
                s.notice = Some(problem);
                s.loading = false;
            }
        }
        Rc::new(s)
    }
}
