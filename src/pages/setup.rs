//! The setup screen, shown instead of the app when `config.json` is missing or invalid: what is
//! wrong, a valid example, and the credentials file as another way in (its picker from the
//! on-demand module, out of the first load).

use crate::components::ondemand::OnDemand;
use crate::config::{ConfigError, EXAMPLE};
use crate::host::Entry;
use leptos::prelude::*;

/// Shown when `config.json` is missing or invalid: what is wrong and what a valid file is.
#[component]
pub fn Setup(
    /// What is wrong with the configuration.
    error: ConfigError,
) -> impl IntoView {
    view! {
        <main id="main" class="setup">
            <section class="card" role="alert">
                <h1>"pdscope needs a configuration"</h1>
                <p class="error">{error.to_string()}</p>
                <p>
                    "Put a file named " <code>"config.json"</code>
                    " beside index.html. A valid file looks like this:"
                </p>
                <pre tabindex="0"><code>{EXAMPLE}</code></pre>
                <p>
                    "Every field is described in " <code>"config.example.json"</code>
                    " and in the README. Then reload this page."
                </p>
                <h2>"Or use your app's credentials in this tab"</h2>
                <OnDemand what="the credentials file picker" entry=Entry::MountCredentials />
            </section>
        </main>
    }
}
