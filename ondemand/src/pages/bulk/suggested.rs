//! "Use the suggested values": where the check or the plan proposes a value (a number
//! without its trunk prefix, the role or policy a near miss meant), the file with every
//! proposal in place, to check again here or to download. The file is
//! `CheckedFile::corrected`'s; this only offers it.

use super::use_bulk;
use leptos::prelude::*;
use pdscope::bulk::Problem;

/// The offer, for the file being checked, with the problems the plan found `more` (by
/// line; empty under the check). Nothing when nothing is proposed.
pub(super) fn suggested(more: &[(u64, Problem)]) -> Option<AnyView> {
    let ctx = use_bulk();
    let source = ctx.source.get_untracked()?;
    let file = source.file.as_ref().ok()?;
    let more: Vec<(u64, &Problem)> = more.iter().map(|(l, p)| (*l, p)).collect();
    let n = file.checked().suggestions(&more);
    // Under the plan, only what the plan adds (the check's own are offered above it).
    if n == 0 || (!more.is_empty() && n == file.checked().suggestions(&[])) {
        return None;
    }
    let text = file.checked().corrected(&more)?;
    let stem = source
        .name
        .strip_suffix(".csv")
        .unwrap_or(&source.name)
        .to_string();
    let download_name = format!("{stem}-corrected.csv");
    let again = text.clone();
    let name = format!("{stem} (suggested values)");
    Some(
        view! {
        <div class="warnings suggested">
            <p>{format!(
                "pdscope proposes {} (\"did you mean …?\" and \"write the number without it\" above). Use them to check the corrected file here, or download it.",
                pdscope::bulk::words::count(n, "value", "values")
            )}</p>
            <div class="actions">
                <button class="primary" on:click=move |_| ctx.take(name.clone(), again.as_bytes())>"Use the suggested values"</button>
                <button on:click=move |_| pdscope::browser::download(&download_name, "text/csv;charset=utf-8", &text)>"Download the corrected file"</button>
            </div>
        </div>
    }
        .into_any(),
    )
}
