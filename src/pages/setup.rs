//! The setup screen, shown instead of the app when `config.json` is missing or invalid: what is
//! wrong, and from the on-demand module (out of the first load) a valid example and the
//! credentials file as another way in.

use crate::components::ondemand::OnDemand;
use crate::config::ConfigError;
use crate::host::Entry;
use leptos::prelude::*;

/// Shown when `config.json` is missing or invalid: what is wrong and what a valid file is.
#[component]
pub fn Setup(
    /// What is wrong with the configuration.
    error: ConfigError,
) -> impl IntoView {
    let error = error.to_string();
    view! {
        <main id="main" class="setup">
            <section class="card" role="alert">
                <h1>"pdscope needs a configuration"</h1>
                <p class="error">{error.clone()}</p>
                <OnDemand what="the setup help" entry=Entry::MountSetup arg=error />
            </section>
        </main>
    }
}
