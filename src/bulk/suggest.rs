//! Values the check (or the plan) can propose instead of what a cell says: the phone number
//! without its trunk prefix, the role or policy name a near miss meant. A [`Fix`] rides on
//! its [`super::Problem`]; `CheckedFile::corrected` writes the file with every fix applied.

/// Write `to` where the cell says `from` (a cell may hold a list: only that item changes).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fix {
    pub from: String,
    pub to: String,
}

/// The cell `cell` with `fix` applied: the list item equal to `fix.from` (or, in a cell that
/// is no list, the whole cell) becomes `fix.to`. `None` when the cell does not hold it.
pub fn apply(cell: &str, fix: &Fix) -> Option<String> {
    if cell.trim() == fix.from {
        return Some(fix.to.clone());
    }
    let items: Vec<&str> = cell.split(';').collect();
    let at = items.iter().position(|i| i.trim() == fix.from)?;
    Some(
        items
            .iter()
            .enumerate()
            .map(|(i, item)| {
                if i == at {
                    fix.to.as_str()
                } else {
                    item.trim()
                }
            })
            .collect::<Vec<_>>()
            .join(";"),
    )
}

/// The one of `known` that `word` most likely meant: the same but for case, spaces, `_` and
/// `-`, or a typo or two away (one for short words). `None` when nothing is that close, or
/// two are equally close.
pub fn closest<'a>(word: &str, known: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    let norm = |s: &str| -> Vec<char> {
        s.chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let w = norm(word);
    if w.is_empty() {
        return None;
    }
    let allowed = if w.len() <= 5 { 1 } else { 2 };
    let mut best: Option<(usize, &str)> = None;
    let mut tie = false;
    for k in known {
        let d = distance(&w, &norm(k));
        if d > allowed {
            continue;
        }
        match best {
            Some((b, _)) if d > b => {}
            Some((b, other)) if d == b => tie = tie || other != k,
            _ => {
                best = Some((d, k));
                tie = false;
            }
        }
    }
    best.filter(|_| !tie).map(|(_, k)| k)
}

/// Levenshtein distance (a policy list is short: the quadratic table is fine).
fn distance(a: &[char], b: &[char]) -> usize {
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut row = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            row.push((prev[j] + cost).min(prev[j + 1] + 1).min(row[j] + 1));
        }
        prev = row;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn near_misses_find_what_they_meant_and_nothing_else() {
        let roles = ["Global Admin", "Manager", "Responder", "Observer"];
        assert_eq!(closest("Responer", roles), Some("Responder"));
        assert_eq!(closest("global-admn", roles), Some("Global Admin"));
        assert_eq!(closest("Boss", roles), None);
        let policies = [
            "Payments Team Escalation Policy",
            "Platform Team Escalation Policy",
        ];
        assert_eq!(
            closest("Payments Team Escalation Polcy", policies),
            Some("Payments Team Escalation Policy")
        );
        assert_eq!(
            closest("payments team escalation policy", policies),
            Some("Payments Team Escalation Policy")
        );
        // Two equally close: no guess.
        assert_eq!(closest("Pa", ["Pb", "Pc"]), None);
    }

    #[test]
    fn a_fix_changes_only_its_item() {
        let fix = Fix {
            from: "07700 900123".into(),
            to: "7700 900123".into(),
        };
        assert_eq!(apply("07700 900123", &fix).as_deref(), Some("7700 900123"));
        assert_eq!(
            apply("7700 900999; 07700 900123", &fix).as_deref(),
            Some("7700 900999;7700 900123")
        );
        assert_eq!(apply("7700 900999", &fix), None);
    }
}
