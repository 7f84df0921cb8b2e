//! Server-side pages of the identity service: no script, no external assets, and every
//! dynamic value escaped by [`esc`] (the only way values reach the markup is [`Page`]).

use std::fmt::Write;

/// Escapes text for HTML element content and double-quoted attributes.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A page under construction: static markup is pushed raw, values always escaped.
pub struct Page {
    body: String,
}

impl Page {
    pub fn new() -> Self {
        Page {
            body: String::new(),
        }
    }
    /// Static markup written in this crate (never data).
    pub fn raw(mut self, markup: &'static str) -> Self {
        self.body.push_str(markup);
        self
    }
    /// Text from a request or the data set, escaped.
    pub fn text(mut self, value: &str) -> Self {
        self.body.push_str(&esc(value));
        self
    }
    /// A hidden form field.
    pub fn hidden(mut self, name: &'static str, value: &str) -> Self {
        let _ = write!(
            self.body,
            r#"<input type="hidden" name="{name}" value="{}">"#,
            esc(value)
        );
        self
    }
    /// The whole document.
    pub fn finish(self, title: &str) -> String {
        format!(
            r#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>{} · PagerDuty sandbox</title><style>{STYLE}</style></head><body><main><p class="brand">PagerDuty <span>sandbox</span></p>{}</main></body></html>"#,
            esc(title),
            self.body
        )
    }
}

impl Default for Page {
    fn default() -> Self {
        Self::new()
    }
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;background:#f3f4f6;color:#111;margin:0}\
main{max-width:28rem;margin:3rem auto;background:#fff;padding:2rem;border-radius:10px;box-shadow:0 1px 4px #0002}\
.brand{font-weight:700;color:#06846f}.brand span{color:#555;font-weight:400}\
label{display:block;margin-top:1rem;font-weight:600}input[type=email],input[type=password]{width:100%;padding:.5rem;font:inherit;box-sizing:border-box}\
button{margin-top:1.2rem;margin-right:.6rem;padding:.5rem 1.2rem;font:inherit;border-radius:6px;border:1px solid #999;background:#fff;cursor:pointer}\
button.primary{background:#06846f;color:#fff;border-color:#06846f}.error{color:#b42318;font-weight:600}\
.hint{color:#555;font-size:.9rem}code{background:#eee;padding:0 .2rem}li{margin:.3rem 0}";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_everything_that_matters() {
        assert_eq!(
            esc(r#"<img src=x onerror="alert('1')">&"#),
            "&lt;img src=x onerror=&quot;alert(&#39;1&#39;)&quot;&gt;&amp;"
        );
        let page = Page::new()
            .text("<script>")
            .hidden("state", "\"><script>")
            .finish("<t>");
        assert!(!page.contains("<script>"));
        assert!(page.contains("&lt;t&gt;"));
    }
}
