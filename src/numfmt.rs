//! Numbers in words for people: counts grouped by thousands (`1,200`). Pure; shared by the
//! lists, the bulk jobs and their reports.

/// `1,234` style grouping for counts.
pub fn group(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_grouped() {
        assert_eq!(group(0), "0");
        assert_eq!(group(999), "999");
        assert_eq!(group(1_200), "1,200");
        assert_eq!(group(5_432_100), "5,432,100");
    }
}
