//! The house rules, held by `cargo test`: *arrows point down; a kind is a folder; a lazy page
//! is in the lazy crate.* For each crate of the workspace this reads the layer order written in
//! its `lib.rs` (`## Layers`: one `- ` line per layer, top first, modules in backticks) and the
//! `crate::…`, `self::…` and `super::…` paths of every source file, and fails on
//! - an import from a lower layer up to a higher one, or of an item kept in `lib.rs` itself;
//! - a circle: files that import each other, directly or around a loop (a folder's `mod.rs`
//!   naming its own files, to declare or re-export them, is not an import);
//! - a top-level module the layer list leaves out, or names that are not modules;
//! - a source file over 600 lines, or one that does not start with a `//!` doc saying what it
//!   is for (test files excepted).
//!
//! In the spirit of import-linter and ArchUnit, in plain Rust: no parser, just paths.
#![cfg(not(target_arch = "wasm32"))]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;
const CRATES: &[&str] = &["src", "sandbox/src", "relay/src", "ondemand/src"];

/// A module path: `["bulk", "users", "plan"]`; the crate root is `[]`.
type Module = Vec<String>;

struct Crate {
    /// Module → its file's text, test modules removed (tests do not make arrows).
    files: BTreeMap<Module, String>,
    /// Files over the limit, and files without a module doc, found while walking.
    long: Vec<String>,
    undocumented: Vec<String>,
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            out.push(p);
        }
    }
}

fn is_test_file(rel: &Path) -> bool {
    rel.file_name().is_some_and(|n| n == "tests.rs")
        || rel.components().any(|c| c.as_os_str() == "tests")
}

fn module_of(rel: &Path) -> Module {
    let mut parts: Module = rel
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
        parts.pop();
    }
    parts
}

/// The text without `#[cfg(test)] mod … { … }` blocks.
fn strip_tests(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("#[cfg(test)]") {
        out.push_str(&rest[..at]);
        let after = &rest[at..];
        let head_end = after.find(['{', ';']).unwrap_or(after.len());
        if after[..head_end].contains("mod ") && after[head_end..].starts_with('{') {
            let mut depth = 0;
            let mut end = after.len();
            for (i, c) in after.char_indices().skip(head_end) {
                depth += match c {
                    '{' => 1,
                    '}' => -1,
                    _ => 0,
                };
                if depth == 0 {
                    end = i + 1;
                    break;
                }
            }
            rest = &after[end..];
        } else {
            out.push_str("#[cfg(test)]");
            rest = &after["#[cfg(test)]".len()..];
        }
    }
    out.push_str(rest);
    out
}

fn read_crate(src: &Path) -> Crate {
    let mut paths = Vec::new();
    walk(src, &mut paths);
    let mut files = BTreeMap::new();
    let mut long = Vec::new();
    let mut undocumented = Vec::new();
    for p in paths {
        let rel = p.strip_prefix(src).unwrap().to_path_buf();
        let text = std::fs::read_to_string(&p).unwrap();
        if is_test_file(&rel) {
            continue;
        }
        if text.lines().count() > MAX_LINES {
            long.push(format!("{} ({} lines)", p.display(), text.lines().count()));
        }
        if !text.trim_start().starts_with("//!") {
            undocumented.push(p.display().to_string());
        }
        if rel == Path::new("main.rs") {
            continue;
        }
        files.insert(module_of(&rel), strip_tests(&text));
    }
    Crate {
        files,
        long,
        undocumented,
    }
}

/// Every path a use tree starting right after `prefix::` names: `a::{b, c::d}` gives
/// `a::b` and `a::c::d`.
fn use_tree(s: &str, prefix: &[String], out: &mut Vec<Module>) -> usize {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut path = prefix.to_vec();
    loop {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
            i += 1;
        }
        if i > start {
            path.push(s[start..i].to_string());
        }
        if s[i..].starts_with("::{") {
            i += 3;
            loop {
                while i < bytes.len() && bytes[i].is_ascii_whitespace() {
                    i += 1;
                }
                if i >= bytes.len() || bytes[i] == b'}' {
                    return i + 1;
                }
                i += use_tree(&s[i..], &path, out);
                while i < bytes.len() && (bytes[i].is_ascii_whitespace() || bytes[i] == b',') {
                    i += 1;
                }
            }
        } else if s[i..].starts_with("::") {
            i += 2;
        } else {
            // `a as b`, or the end of the path.
            while i < bytes.len() && !matches!(bytes[i], b',' | b'}' | b';' | b')' | b'>') {
                i += 1;
            }
            out.push(path);
            return i;
        }
    }
}

/// The module paths a file names: `crate::…`, `self::…` and `super::…`.
fn named_paths(text: &str, here: &Module) -> Vec<Module> {
    let mut out = Vec::new();
    for (word, base) in [
        ("crate::", Vec::new()),
        ("self::", here.clone()),
        ("super::", here[..here.len().saturating_sub(1)].to_vec()),
    ] {
        let mut from = 0;
        while let Some(at) = text[from..].find(word) {
            let at = from + at;
            from = at + word.len();
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            let mut rest = &text[from..];
            let mut base = base.clone();
            // `super::super::x`
            while let Some(r) = rest.strip_prefix("super::") {
                base.pop();
                rest = r;
            }
            if let Some(r) = rest.strip_prefix('{') {
                let mut paths = Vec::new();
                use_tree(&format!("x::{{{r}"), &[], &mut paths);
                out.extend(
                    paths
                        .into_iter()
                        .map(|p| [base.clone(), p[1..].to_vec()].concat()),
                );
            } else {
                use_tree(rest, &base, &mut out);
            }
        }
    }
    out
}

/// The file a path lands in: its longest prefix that is a module of the crate.
fn resolve<'a>(c: &'a Crate, path: &[String]) -> Option<&'a Module> {
    (0..=path.len())
        .rev()
        .find_map(|k| c.files.get_key_value(&path[..k]).map(|(m, _)| m))
}

/// The layers written in `lib.rs`: top-level module → layer (0 is the top).
fn layers(lib: &str) -> Result<BTreeMap<String, usize>, String> {
    let mut out = BTreeMap::new();
    let mut inside = false;
    let mut layer = 0;
    for line in lib.lines().map(str::trim) {
        let Some(doc) = line.strip_prefix("//!") else {
            if inside {
                break;
            }
            continue;
        };
        let doc = doc.trim();
        if doc.starts_with("##") {
            inside = doc.contains("Layers");
            continue;
        }
        if let (true, Some(item)) = (inside, doc.strip_prefix("- ")) {
            for name in item.split('`').skip(1).step_by(2) {
                if out.insert(name.to_string(), layer).is_some() {
                    return Err(format!("`{name}` is in two layers"));
                }
            }
            layer += 1;
        }
    }
    if out.is_empty() {
        return Err("lib.rs has no `## Layers` list in its //! doc".into());
    }
    Ok(out)
}

/// Strongly connected groups of more than one file (Tarjan).
fn circles(edges: &BTreeMap<Module, BTreeSet<Module>>) -> Vec<Vec<Module>> {
    struct T<'a> {
        edges: &'a BTreeMap<Module, BTreeSet<Module>>,
        index: BTreeMap<&'a Module, usize>,
        low: BTreeMap<&'a Module, usize>,
        stack: Vec<&'a Module>,
        on: BTreeSet<&'a Module>,
        out: Vec<Vec<Module>>,
    }
    fn visit<'a>(t: &mut T<'a>, v: &'a Module) {
        let n = t.index.len();
        t.index.insert(v, n);
        t.low.insert(v, n);
        t.stack.push(v);
        t.on.insert(v);
        for w in t.edges.get(v).into_iter().flatten() {
            if !t.index.contains_key(w) {
                visit(t, w);
                let l = t.low[w].min(t.low[v]);
                t.low.insert(v, l);
            } else if t.on.contains(w) {
                let l = t.index[w].min(t.low[v]);
                t.low.insert(v, l);
            }
        }
        if t.low[v] == t.index[v] {
            let mut group = Vec::new();
            while let Some(w) = t.stack.pop() {
                t.on.remove(w);
                group.push(w.clone());
                if w == v {
                    break;
                }
            }
            if group.len() > 1 {
                group.sort();
                t.out.push(group);
            }
        }
    }
    let mut t = T {
        edges,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on: BTreeSet::new(),
        out: Vec::new(),
    };
    for v in edges.keys() {
        if !t.index.contains_key(v) {
            visit(&mut t, v);
        }
    }
    t.out
}

fn name(m: &Module) -> String {
    if m.is_empty() {
        "lib.rs".into()
    } else {
        m.join("::")
    }
}

/// Every broken rule of one crate, in words.
fn check(src: &Path) -> Vec<String> {
    let c = read_crate(src);
    let mut broken: Vec<String> = c
        .long
        .iter()
        .map(|f| format!("over {MAX_LINES} lines: {f}"))
        .collect();
    broken.extend(
        c.undocumented
            .iter()
            .map(|f| format!("no //! module doc: {f}")),
    );
    let lib = c.files.get(&Vec::new()).cloned().unwrap_or_default();
    let order = match layers(&lib) {
        Ok(o) => o,
        Err(e) => return [broken, vec![format!("{}: {e}", src.display())]].concat(),
    };
    let top: BTreeSet<&String> = c.files.keys().filter_map(|m| m.first()).collect();
    for m in &top {
        if !order.contains_key(*m) {
            broken.push(format!(
                "{}: module `{m}` is not in lib.rs's layer list",
                src.display()
            ));
        }
    }
    for m in order.keys() {
        if !top.contains(m) {
            broken.push(format!(
                "{}: the layer list names `{m}`, which is not a module",
                src.display()
            ));
        }
    }
    let mut edges: BTreeMap<Module, BTreeSet<Module>> = BTreeMap::new();
    for (here, text) in &c.files {
        let from = edges.entry(here.clone()).or_default();
        if here.is_empty() {
            continue; // lib.rs declares and wires everything
        }
        for path in named_paths(text, here) {
            let Some(to) = resolve(&c, &path) else {
                continue;
            };
            if to == here || to.starts_with(here) {
                continue; // itself, or its own files
            }
            if to.is_empty() {
                broken.push(format!(
                    "{}: {} imports `{}` from lib.rs; keep it in a module",
                    src.display(),
                    name(here),
                    path.join("::")
                ));
                continue;
            }
            let (a, b) = (order.get(&here[0]), order.get(&to[0]));
            if let (Some(a), Some(b)) = (a, b) {
                if b < a {
                    broken.push(format!(
                        "{}: {} (layer {}) imports {} (layer {}): arrows point down",
                        src.display(),
                        name(here),
                        a + 1,
                        name(to),
                        b + 1
                    ));
                }
            }
            from.insert(to.clone());
        }
    }
    broken.dedup();
    for group in circles(&edges) {
        let names: Vec<String> = group.iter().map(name).collect();
        broken.push(format!(
            "{}: import circle: {}",
            src.display(),
            names.join(" <-> ")
        ));
    }
    broken
}

#[test]
fn arrows_point_down_and_files_stay_short() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut broken = Vec::new();
    for dir in CRATES {
        let src = root.join(dir);
        if src.join("lib.rs").exists() {
            broken.extend(check(&src));
        }
    }
    assert!(
        broken.is_empty(),
        "the house rules are broken:\n{}",
        broken.join("\n")
    );
}

#[test]
fn the_checker_sees_what_it_must() {
    let here: Module = vec!["bulk".into(), "users".into(), "plan".into()];
    let text = "use crate::bulk::{plan::{Action, Plan}, check};\nuse super::work::UserWork;\nlet x = crate::json::parse(s);\n#[cfg(test)]\nmod tests { use crate::pages::x; }";
    let paths = named_paths(&strip_tests(text), &here);
    let got: Vec<String> = paths.iter().map(|p| p.join("::")).collect();
    assert_eq!(
        got,
        [
            "bulk::plan::Action",
            "bulk::plan::Plan",
            "bulk::check",
            "json::parse",
            "bulk::users::work::UserWork"
        ]
    );
    let lib = "//! x\n//! ## Layers\n//!\n//! - `app`\n//! - `pages`, `components`\n//! ## Next\n//! - `nope`\n";
    let l = layers(lib).unwrap();
    assert_eq!(l.get("app"), Some(&0));
    assert_eq!(l.get("components"), Some(&1));
    assert_eq!(l.get("nope"), None);
    let a: Module = vec!["a".into()];
    let b: Module = vec!["b".into()];
    let edges = BTreeMap::from([
        (a.clone(), BTreeSet::from([b.clone()])),
        (b.clone(), BTreeSet::from([a.clone()])),
    ]);
    assert_eq!(circles(&edges), vec![vec![a, b]]);
}
