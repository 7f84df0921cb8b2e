//! Reading and writing the app's JSON by hand over [`serde_json::Value`].
//!
//! The app parses JSON text into a `Value` once (one instantiation of serde_json's parser)
//! and reads its types out of it with these helpers, instead of a derived `Deserialize` per
//! type: derived impls cost about 20 KB of gzip wasm in the release (`scripts/bench.sh size`).
//! Every reader is total: a missing field, `null` or a value of another type gives `None`,
//! never a panic.

use serde_json::{Map, Value};

/// A type read out of a JSON value (`None` when the value is not one).
pub trait FromJson: Sized {
    fn from_json(v: &Value) -> Option<Self>;
}

/// A field that must be a string.
pub fn string(v: &Value, key: &str) -> Option<String> {
    v.get(key).and_then(Value::as_str).map(str::to_string)
}

/// A field as text: strings as they are, other scalars as their JSON text (PagerDuty's own
/// spec examples hold numbers and booleans where strings are documented), `null`, missing,
/// arrays and objects as `None`.
pub fn text(v: &Value, key: &str) -> Option<String> {
    match v.get(key)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Bool(b) => Some(b.to_string()),
        _ => None,
    }
}

/// A numeric field.
pub fn number(v: &Value, key: &str) -> Option<f64> {
    v.get(key).and_then(Value::as_f64)
}

/// A field that must be a list of strings (`None` if any item is not a string).
pub fn strings(v: &Value, key: &str) -> Option<Vec<String>> {
    string_list(v.get(key)?)
}

/// A value that must be a list of strings.
pub fn string_list(v: &Value) -> Option<Vec<String>> {
    v.as_array()?
        .iter()
        .map(|s| s.as_str().map(str::to_string))
        .collect()
}

/// The items of a list field that read as `T` (a missing or `null` list is empty; items of
/// another shape are skipped).
pub fn list<T: FromJson>(v: &Value, key: &str) -> Vec<T> {
    v.get(key).map(items).unwrap_or_default()
}

/// The items of a list value that read as `T` (not a list: empty; items of another shape
/// are skipped).
pub fn items<T: FromJson>(v: &Value) -> Vec<T> {
    v.as_array()
        .map(|items| items.iter().filter_map(T::from_json).collect())
        .unwrap_or_default()
}

/// An object built from `(key, value)` pairs.
pub fn object(pairs: Vec<(&str, Value)>) -> Value {
    Value::Object(
        pairs
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect::<Map<String, Value>>(),
    )
}

/// `Some(s)` as a JSON string, `None` as `null`.
pub fn opt_str(s: &Option<String>) -> Value {
    s.as_ref().map_or(Value::Null, |s| Value::String(s.clone()))
}

/// `Some(n)` as a JSON number, `None` as `null`.
pub fn opt_num(n: Option<f64>) -> Value {
    n.map_or(Value::Null, Value::from)
}

/// A list of strings as a JSON array.
pub fn str_list(items: &[String]) -> Value {
    Value::Array(items.iter().cloned().map(Value::String).collect())
}

/// Parses JSON text into a value (`None` when it is not JSON).
pub fn parse(text: &str) -> Option<Value> {
    serde_json::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn readers_are_total_over_odd_shapes() {
        let v = json!({"s": "x", "n": 14400, "b": true, "z": null, "a": ["p", "q"], "m": ["p", 1], "o": {}});
        assert_eq!(string(&v, "s").as_deref(), Some("x"));
        assert_eq!(string(&v, "n"), None);
        assert_eq!(text(&v, "n").as_deref(), Some("14400"));
        assert_eq!(text(&v, "b").as_deref(), Some("true"));
        for k in ["z", "o", "a", "missing"] {
            assert_eq!(text(&v, k), None, "{k}");
        }
        assert_eq!(number(&v, "n"), Some(14400.0));
        assert_eq!(number(&v, "s"), None);
        assert_eq!(strings(&v, "a"), Some(vec!["p".into(), "q".into()]));
        assert_eq!(strings(&v, "m"), None);
        assert_eq!(strings(&v, "s"), None);
        assert_eq!(text(&json!([1]), "x"), None, "not an object");
        assert_eq!(parse("{"), None);
    }

    #[test]
    fn writers_round_trip() {
        let v = object(vec![
            ("a", opt_str(&Some("x".into()))),
            ("b", opt_str(&None)),
            ("c", opt_num(Some(1.5))),
            ("d", str_list(&["p".into()])),
        ]);
        assert_eq!(v.to_string(), r#"{"a":"x","b":null,"c":1.5,"d":["p"]}"#);
        let back = parse(&v.to_string()).unwrap();
        assert_eq!(string(&back, "a").as_deref(), Some("x"));
        assert_eq!(string(&back, "b"), None);
        assert_eq!(number(&back, "c"), Some(1.5));
        assert_eq!(strings(&back, "d"), Some(vec!["p".to_string()]));
    }
}
