//! The plan's and the report's table: the app's table with a "Show" choice of one action or
//! status (changes first), rows marked for a second look, and, at phone width, cards like
//! the lists'. Which rows, in which order, is `pdscope::bulk::filter`'s.

use leptos::prelude::*;
use pdscope::bulk::filter::{choices, Filter};
use pdscope::components::table::{Columns, Rows, Table, TableQuery, TableTools, TableView};
use pdscope::table::Index;
use std::sync::Arc;

/// A table of rows of text with a `status` column, filtered by it.
#[component]
pub fn FilteredTable(
    /// Accessible name of the table region.
    label: &'static str,
    columns: Columns,
    /// Rows of cells.
    rows: Vec<Vec<String>>,
    /// Each row's CSS class (`attention` marks a row to look at twice); empty for none.
    #[prop(optional)]
    classes: Vec<&'static str>,
    /// The statuses in the order they are shown (`filter::PLAN_ORDER`, `REPORT_ORDER`).
    order: &'static [&'static str],
    /// What the rows are, for the search box and the export's name.
    noun: &'static str,
) -> impl IntoView {
    let status = columns
        .iter()
        .position(|(k, _)| *k == "status")
        .unwrap_or(0);
    let rows = Arc::new(rows);
    let classes = Arc::new(classes);
    let statuses = {
        let rows = rows.clone();
        move || -> Vec<String> { rows.iter().map(|r| r[status].clone()).collect() }
    };
    let all = statuses();
    let options: Vec<(&'static str, usize)> = {
        let s: Vec<&str> = all.iter().map(String::as_str).collect();
        choices(&s, order)
    };
    let filter = RwSignal::new(Filter::default());
    let set = Memo::new(move |_| {
        let s: Vec<&str> = all.iter().map(String::as_str).collect();
        let pick = filter.get().select(&s, order);
        Some(Rows {
            index: Arc::new(Index::searching_all_but(
                pick.iter().map(|&i| rows[i].clone()).collect(),
                status,
            )),
            classes: pick
                .iter()
                .map(|&i| classes.get(i).copied().unwrap_or(""))
                .collect(),
            ..Default::default()
        })
    });
    let table = Table::new(columns, set, TableQuery::local());
    let total = statuses().len();
    let on_show = move |ev: leptos::ev::Event| {
        let v = event_target_value(&ev);
        filter.set(Filter {
            only: order.iter().copied().find(|o| *o == v),
        });
    };
    view! {
        <div class="list-head">
            <label class="show">
                "Show "
                <select on:change=on_show>
                    <option value="">{format!("all ({total})")}</option>
                    {options.into_iter().map(|(word, n)| view! { <option value=word>{format!("{word} ({n})")}</option> }).collect_view()}
                </select>
            </label>
            <TableTools table=table noun=noun />
        </div>
        <div class="list import-rows">
            <TableView table=table label=label empty="Nothing matches this search." />
        </div>
    }
}
