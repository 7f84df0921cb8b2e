//! The one table every list, preview and report shows: a search box, sortable headers, rows
//! rendered a page at a time with "Show more", status badges, and a CSV export of exactly
//! the rows on show. Searching and sorting are [`crate::table`]'s (pure, tested natively);
//! this is the view around them.
//!
//! A page makes a [`Table`] from its columns, its rows and a [`TableQuery`] (search and sort
//! in the URL, or in signals), then places its two pieces where its layout wants them:
//! [`TableTools`] and [`TableView`]. Nothing here is generic over a row type, so the release
//! holds one copy of it however many tables the app shows.

use crate::nav::Nav;
use crate::routes::AppRoute;
use crate::table::{self, Index};
use leptos::either::Either;
use leptos::prelude::*;
use std::sync::Arc;

/// Row slots rendered at a time; "Show more" adds this many. Thirty fill a laptop screen, and a
/// keystroke that changes the rows in all of them stays about a frame (`scripts/bench.sh lists`).
pub const RENDER_PAGE: usize = 30;

/// Column keys and titles, in order.
pub type Columns = &'static [(&'static str, &'static str)];

/// A column only the CSV export has: its title and one value per row.
pub type ExportColumn = (&'static str, Arc<[String]>);

/// One set of rows. A new set replaces the table as a whole.
#[derive(Clone, Debug, Default)]
pub struct Rows {
    /// The cells in source order, with their search text.
    pub index: Arc<Index>,
    /// Each row's id, handed to the row link; empty when the rows have none (no links).
    pub ids: Arc<[String]>,
    /// Columns only the CSV export has: a title and one value per row (ids, links).
    pub export: Arc<[ExportColumn]>,
    /// An extra CSS class per row (an import plan's outcome, say); empty for none.
    pub classes: Arc<[&'static str]>,
    /// A note shown under the rows (rows that could not be read, say).
    pub note: Option<String>,
}

/// The same set of rows (not equal contents): a table only starts over for a new set.
impl PartialEq for Rows {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.index, &other.index) && Arc::ptr_eq(&self.ids, &other.ids)
    }
}

/// Where a table keeps its search and sort: the lists keep them in the URL (bookmarkable),
/// a view nobody bookmarks (an import preview) in signals, with [`TableQuery::local`].
#[derive(Clone, Copy)]
pub struct TableQuery {
    /// The search box's text; the table filters on it at each keystroke.
    pub search: RwSignal<String>,
    /// The key of the column sorted by (`""` or an unknown key: source order).
    pub sort: Memo<String>,
    /// Sorted descending.
    pub desc: Memo<bool>,
    /// Told what the person changed: a list follows it in the URL. (One callback, not one
    /// per change: each callback type costs the release about 350 bytes.)
    pub changed: Callback<QueryChange>,
}

/// What a person changed in a table.
#[derive(Clone, Debug, PartialEq)]
pub enum QueryChange {
    /// Typed in the search box: the new text, already in [`TableQuery::search`].
    Search(String),
    /// Pressed a header: sort by this column key, descending or not.
    Sort(&'static str, bool),
}

impl TableQuery {
    /// Search and sort kept in this view's signals, not in the URL.
    pub fn local() -> TableQuery {
        let sort = RwSignal::new(String::new());
        let desc = RwSignal::new(false);
        TableQuery {
            search: RwSignal::new(String::new()),
            sort: Memo::new(move |_| sort.get()),
            desc: Memo::new(move |_| desc.get()),
            changed: Callback::new(move |change| {
                if let QueryChange::Sort(key, d) = change {
                    sort.set(key.to_string());
                    desc.set(d);
                }
            }),
        }
    }
}

/// A table's state: its columns, rows, search and sort, and the rows on show. Made once by
/// the page, handed to the pieces.
#[derive(Clone, Copy)]
pub struct Table {
    columns: Columns,
    rows: Memo<Option<Rows>>,
    query: TableQuery,
    /// The rows matching the search, in sort order (indexes into the rows).
    view: Memo<Vec<usize>>,
    /// How many of `view` are rendered.
    shown: RwSignal<usize>,
}

impl Table {
    /// The `key` column of every row the search shows, in order, when a search is typed and
    /// shows between 1 and `most` rows (the Users list's "Offboard these…").
    pub fn searched_column(&self, key: &str, most: usize) -> Option<Vec<String>> {
        if self.query.search.with(|s| s.trim().is_empty()) {
            return None;
        }
        let col = table::column_index(self.columns, key)?;
        let view = self.view.get();
        if view.is_empty() || view.len() > most {
            return None;
        }
        self.rows.with(|r| {
            let r = r.as_ref()?;
            Some(
                view.iter()
                    .filter_map(|&i| r.index.cells.get(i)?.get(col).cloned())
                    .collect(),
            )
        })
    }

    /// A table of `rows` (`None` until there are some: the table is not shown, and export is
    /// off), searched and sorted as `query` says. A memo, so that the table starts over only
    /// for a new set of rows.
    pub fn new(columns: Columns, rows: Memo<Option<Rows>>, query: TableQuery) -> Table {
        // Sorted once per sort; each keystroke only filters that order.
        let sorted = Memo::new(move |_| {
            let col = table::column_index(columns, &query.sort.get());
            let desc = query.desc.get();
            rows.with(|r| r.as_ref().map(|r| r.index.sorted(col, desc)))
                .unwrap_or_default()
        });
        let view = Memo::new(move |_| {
            rows.with(|r| match r {
                Some(r) => sorted.with(|order| r.index.filter(&query.search.get(), order)),
                None => Vec::new(),
            })
        });
        Table {
            columns,
            rows,
            query,
            view,
            shown: RwSignal::new(RENDER_PAGE),
        }
    }

    /// How many rows match the search (tracked).
    pub fn matches(&self) -> usize {
        self.view.get().len()
    }

    /// The search text (tracked).
    pub fn search(&self) -> String {
        self.query.search.get()
    }
}

/// The search box (each keystroke filters the table at once) and "Export CSV" (exactly the
/// rows on show, in their order, with the export-only columns).
#[component]
pub fn TableTools(
    /// The table searched and exported.
    table: Table,
    /// What the rows are: for the search box's label (`Search services`) and the export's
    /// file name.
    noun: &'static str,
) -> impl IntoView {
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        // Each set re-runs the table: only reset the page size when it changed.
        if table.shown.get_untracked() != RENDER_PAGE {
            table.shown.set(RENDER_PAGE);
        }
        table.query.search.set(text.clone());
        table.query.changed.run(QueryChange::Search(text));
    };
    let export = move |_| {
        let Some(rows) = table.rows.get_untracked() else {
            return;
        };
        let headers: Vec<&str> = table.columns.iter().map(|(_, t)| *t).collect();
        let extra: Vec<(&str, &[String])> = rows.export.iter().map(|(t, v)| (*t, &v[..])).collect();
        let csv = table::to_csv(&headers, &rows.index, &table.view.get_untracked(), &extra);
        let name = table::export_name(
            noun,
            &table.query.search.get_untracked(),
            &crate::browser::local_date(),
        );
        crate::browser::download(&name, "text/csv;charset=utf-8", &csv);
    };
    view! {
        <label class="search">
            <span class="visually-hidden">{format!("Search {noun}")}</span>
            <input
                type="search"
                placeholder=format!("Search {noun}…")
                prop:value=move || table.query.search.get()
                on:input=on_input
            />
        </label>
        <button on:click=export disabled=move || table.rows.get().is_none()>"Export CSV"</button>
    }
}

/// The table itself, "Show more", and what to say when no row is on show. Nothing while
/// there are no rows yet.
#[component]
pub fn TableView(
    /// The table shown.
    table: Table,
    /// The table's name for screen readers (`Services table`).
    #[prop(into)]
    label: String,
    /// Shown when there are no rows and no search (`No services visible to this token.`).
    #[prop(into)]
    empty: String,
    /// The page a row's id names: the row's first cell links there.
    #[prop(optional)]
    link: Option<fn(&str) -> AppRoute>,
) -> impl IntoView {
    let Table {
        columns,
        rows,
        query,
        view: order,
        shown,
    } = table;
    // Links under the page's base path (as they are, outside the router: in a test).
    let nav = use_context::<Nav>();
    let header_cells = move || {
        columns
            .iter()
            .map(move |&(key, title)| {
                let aria = move || {
                    if query.sort.get() == key {
                        if query.desc.get() {
                            "descending"
                        } else {
                            "ascending"
                        }
                    } else {
                        "none"
                    }
                };
                view! {
                    <th scope="col" aria-sort=aria>
                        <button class="sort" on:click=move |_| {
                            let same = query.sort.get_untracked() == key;
                            query
                                .changed
                                .run(QueryChange::Sort(key, same && !query.desc.get_untracked()));
                        }>{title}</button>
                    </th>
                }
            })
            .collect_view()
    };
    move || {
        rows.get().map(|r| {
            let label = label.clone();
            let note = r.note.clone();
            view! {
                <div class="table-wrap" tabindex="0" role="region" aria-label=label>
                    <table>
                        <thead><tr>{header_cells()}</tr></thead>
                        <tbody>
                            // Fixed row slots: a keystroke changes which row each slot
                            // shows (its text), and adds or removes slots only at the end.
                            // A new set of rows re-renders the whole table.
                            <For
                                each=move || 0..order.with(Vec::len).min(shown.get())
                                key=|k| *k
                                children=move |k| slot(columns, &r, order, k, link, nav)
                            />
                        </tbody>
                    </table>
                </div>
                {move || {
                    let total = order.with(Vec::len);
                    let now = shown.get().min(total);
                    (now < total).then(|| view! {
                        <div class="actions">
                            <button on:click=move |_| shown.update(|s| *s += RENDER_PAGE)>
                                {format!("Show more ({} of {} shown)", crate::numfmt::group(now as u64), crate::numfmt::group(total as u64))}
                            </button>
                        </div>
                    })
                }}
                {note.map(|n| view! { <p class="warnings">{n}</p> })}
                {
                    let empty = empty.clone();
                    move || order.with(Vec::is_empty).then(|| view! {
                        <p class="empty">{if query.search.get().is_empty() { empty.clone() } else { "Nothing matches this search.".to_string() }}</p>
                    })
                }
            }
        })
    }
}

/// Row slot `k`: the `k`th row on show, whichever that is. One fixed shape (no type-erased
/// cell views) whose text, link and class follow the row in the slot, so a keystroke updates
/// text in place rather than building and dropping rows. Each cell carries its column's title
/// for the card layout at phone width; the status column is a badge.
fn slot(
    columns: Columns,
    rows: &Rows,
    order: Memo<Vec<usize>>,
    k: usize,
    link: Option<fn(&str) -> AppRoute>,
    nav: Option<Nav>,
) -> impl IntoView {
    // The row in this slot (`usize::MAX`: none), kept by one effect per slot: the cells follow
    // it, so `order` has 30 subscribers rather than one per cell (each re-subscribes at every
    // change, and dropping a subscriber costs a scan of them all), and a slot whose row stayed
    // put is not touched. (A signal, not a memo: `RwSignal<usize>` is already in the release.)
    let row_at = move || order.with(|o| o.get(k).copied()).unwrap_or(usize::MAX);
    let at = RwSignal::new(untrack(row_at));
    Effect::new(move |_| {
        let i = row_at();
        if at.get_untracked() != i {
            at.set(i);
        }
    });
    let slot = Arc::new(Slot {
        rows: rows.clone(),
        at,
        link,
        nav,
    });
    let cell = |c: usize| {
        let (key, title) = columns.get(c).copied().unwrap_or_default();
        if key == "status" {
            let badge = Slot::follow(&slot, c, |s, i, c| Some(table::status_class(s.cell(i, c)?)));
            Either::Left(
                view! { <td data-col=title><span class=badge>{Slot::text(&slot, c)}</span></td> },
            )
        } else {
            Either::Right(view! { <td data-col=title>{Slot::text(&slot, c)}</td> })
        }
    };
    // Rows without a page (an import preview's) show the first cell as the others.
    // (Links only when every row has an id: never a link to nowhere.)
    let first = if link.is_some() && rows.ids.len() == rows.index.len() {
        let href = Slot::follow(&slot, 0, |s, i, _| {
            let path = s.link?(s.rows.ids.get(i)?).path();
            Some(match s.nav {
                Some(n) => n.href(&path),
                None => path,
            })
        });
        Either::Left(
            view! { <td data-col=columns[0].1><a href=href>{Slot::text(&slot, 0)}</a></td> },
        )
    } else {
        Either::Right(cell(0))
    };
    let class = Slot::follow(&slot, 0, |s, i, _| Some(s.rows.classes.get(i)?.to_string()));
    view! {
        <tr class=class>
            {first}
            {(1..columns.len()).map(cell).collect_view()}
        </tr>
    }
}

/// What a row slot needs to show whichever row is in it.
struct Slot {
    rows: Rows,
    /// The row in the slot; `usize::MAX` for none.
    at: RwSignal<usize>,
    link: Option<fn(&str) -> AppRoute>,
    nav: Option<Nav>,
}

impl Slot {
    /// Row `i`'s cell in column `c`.
    fn cell(&self, i: usize, c: usize) -> Option<&String> {
        self.rows.index.cells.get(i)?.get(c)
    }

    /// Something about the row in the slot, `part(slot, row, c)`, as it changes; `""` while the
    /// slot is empty. Text, classes and links all go through this one closure type: each
    /// closure type a view is given costs the release its own copy of the view code.
    fn follow(
        slot: &Arc<Slot>,
        c: usize,
        part: fn(&Slot, usize, usize) -> Option<String>,
    ) -> impl Fn() -> String + Send + Sync + Clone + 'static {
        let s = slot.clone();
        move || part(&s, s.at.get(), c).unwrap_or_default()
    }

    /// The row's text in column `c`.
    fn text(slot: &Arc<Slot>, c: usize) -> impl Fn() -> String + Send + Sync + Clone + 'static {
        Slot::follow(slot, c, |s, i, c| s.cell(i, c).cloned())
    }
}
