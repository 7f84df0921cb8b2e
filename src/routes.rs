//! The app's routes, named in one place. Views use [`AppRoute::path`] to link, the router
//! reads the address with [`AppRoute::parse`], and sign-in validates return routes with
//! [`safe_return_path`].

/// Every page of the app.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AppRoute {
    Home,
    Callback,
    Services,
    Service(String),
    Users,
    User(String),
    Token,
    Import,
    Audit,
    NotFound,
}

impl AppRoute {
    /// The path of this route relative to the app's base (always starts with `/`).
    pub fn path(&self) -> String {
        match self {
            AppRoute::Home => "/".into(),
            AppRoute::Callback => "/callback".into(),
            AppRoute::Services => "/services".into(),
            AppRoute::Service(id) => format!("/services/{}", crate::url::encode(id)),
            AppRoute::Users => "/users".into(),
            AppRoute::User(id) => format!("/users/{}", crate::url::encode(id)),
            AppRoute::Token => "/token".into(),
            AppRoute::Import => "/import".into(),
            AppRoute::Audit => "/audit".into(),
            AppRoute::NotFound => "/not-found".into(),
        }
    }

    /// Which route an app path (base already stripped, query and fragment allowed) names.
    pub fn parse(path: &str) -> AppRoute {
        let path = path.split(['?', '#']).next().unwrap_or("");
        if !path.is_empty() && !path.starts_with('/') {
            return AppRoute::NotFound;
        }
        let path = path.strip_suffix('/').unwrap_or(path);
        let segments: Vec<&str> = path.split('/').skip(1).collect();
        // An id the API path can take as one segment (never `.` or `..`).
        let id = |s: &str| Some(crate::url::decode(s)).filter(|d| crate::url::segment(d).is_some());
        match segments.as_slice() {
            [] | [""] => AppRoute::Home,
            ["callback"] => AppRoute::Callback,
            ["services"] => AppRoute::Services,
            ["services", s] => id(s).map_or(AppRoute::NotFound, AppRoute::Service),
            ["users"] => AppRoute::Users,
            ["users", s] => id(s).map_or(AppRoute::NotFound, AppRoute::User),
            ["token"] => AppRoute::Token,
            ["import"] => AppRoute::Import,
            ["audit"] => AppRoute::Audit,
            _ => AppRoute::NotFound,
        }
    }

    /// The label shown in navigation.
    pub fn title(&self) -> &'static str {
        match self {
            AppRoute::Home => "Home",
            AppRoute::Callback => "Signing in",
            AppRoute::Services | AppRoute::Service(_) => "Services",
            AppRoute::Users | AppRoute::User(_) => "Users",
            AppRoute::Token => "Token",
            AppRoute::Import => "Import",
            AppRoute::Audit => "Audit",
            AppRoute::NotFound => "Not found",
        }
    }
}

/// Where the app is: the path under the base (always starts with `/`) and the query string
/// (without `?`). The router (`nav`) keeps one of these as the address bar's signal.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Location {
    pub path: String,
    pub query: String,
}

impl Location {
    /// Reads an app path with optional query and fragment (`/services?q=db#top`); the fragment
    /// is dropped and an empty path is `/`.
    pub fn parse(to: &str) -> Location {
        let to = to.split('#').next().unwrap_or("");
        let (path, query) = to.split_once('?').unwrap_or((to, ""));
        Location {
            path: if path.is_empty() { "/" } else { path }.to_string(),
            query: query.to_string(),
        }
    }

    /// Path and query together, as a route to return to.
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, self.query)
        }
    }

    /// The page this location names.
    pub fn route(&self) -> AppRoute {
        AppRoute::parse(&self.path)
    }

    /// The first value of a query parameter, decoded.
    pub fn param(&self, key: &str) -> Option<String> {
        crate::url::parse_query(&self.query)
            .into_iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v)
    }
}

/// Accepts a route to return to after sign-in only if it is a same-origin app path that
/// names a real page other than the callback (no `//host`, no scheme, no backslashes,
/// no control characters). Anything else gives `None` and the caller falls back to `/`.
pub fn safe_return_path(path: &str) -> Option<String> {
    let ok = path.starts_with('/')
        && !path.starts_with("//")
        && !path.contains('\\')
        && !path.chars().any(|c| c.is_control() || c.is_whitespace())
        && path.len() <= 2048;
    if !ok {
        return None;
    }
    match AppRoute::parse(path) {
        AppRoute::Callback | AppRoute::NotFound => None,
        _ => Some(path.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_parses_to_a_page() {
        let samples = [
            "/",
            "/callback",
            "/services",
            "/services/P1",
            "/users",
            "/users/U1",
            "/token",
            "/import",
            "/audit",
        ];
        for s in samples {
            let r = AppRoute::parse(s);
            assert_ne!(r, AppRoute::NotFound, "{s}");
            assert_eq!(AppRoute::parse(&r.path()), r, "round trip of {s}");
        }
    }

    #[test]
    fn parse_handles_queries_slashes_and_unknowns() {
        assert_eq!(AppRoute::parse("/services/?query=db"), AppRoute::Services);
        assert_eq!(
            AppRoute::parse("/services/P%2F1#x"),
            AppRoute::Service("P/1".into())
        );
        assert_eq!(AppRoute::Service("P/1".into()).path(), "/services/P%2F1");
        assert_eq!(AppRoute::parse(""), AppRoute::Home);
        for bad in ["/nope", "/services/a/b", "/token/x", "services", "/users//"] {
            assert_eq!(AppRoute::parse(bad), AppRoute::NotFound, "{bad}");
        }
    }

    #[test]
    fn an_id_is_never_a_dot_segment() {
        // URL parsers resolve `.` and `..` (even written `%2E%2E`) when the app builds the API
        // address from the id: `/services/%2E%2E` must not become a GET of another path.
        for p in [
            "/services/%2E%2E",
            "/services/%2e%2E",
            "/services/..",
            "/services/.",
            "/services/%2E",
            "/users/%2E%2E",
            "/users/.%2e",
        ] {
            assert_eq!(AppRoute::parse(p), AppRoute::NotFound, "{p}");
        }
        // Ids that merely hold dots are ids, one segment each.
        assert_eq!(
            AppRoute::parse("/services/...").path(),
            "/services/...",
            "three dots are not a dot segment"
        );
        assert_eq!(
            AppRoute::parse("/users/..%2Fx"),
            AppRoute::User("../x".into())
        );
        assert_eq!(crate::url::segment(".."), None);
        assert_eq!(crate::url::segment("."), None);
        assert_eq!(crate::url::segment(""), None);
        assert_eq!(crate::url::segment("../x").as_deref(), Some("..%2Fx"));
        assert_eq!(crate::url::segment("P1.2").as_deref(), Some("P1.2"));
    }

    #[test]
    fn return_paths_are_same_origin_only() {
        assert_eq!(
            safe_return_path("/services?query=db").as_deref(),
            Some("/services?query=db")
        );
        assert_eq!(safe_return_path("/").as_deref(), Some("/"));
        for bad in [
            "//evil.example/x",
            "https://evil.example",
            "/\\evil.example",
            "services",
            "/callback?code=x",
            "/nope",
            "/ta b",
            "/x\n",
            "",
        ] {
            assert_eq!(safe_return_path(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn locations_parse_and_read_their_query() {
        let l = Location::parse("/services?q=db%20one&sort=name&q=second#top");
        assert_eq!(l.path, "/services");
        assert_eq!(l.query, "q=db%20one&sort=name&q=second");
        assert_eq!(l.route(), AppRoute::Services);
        assert_eq!(l.param("q").as_deref(), Some("db one"), "the first value");
        assert_eq!(l.param("sort").as_deref(), Some("name"));
        assert_eq!(l.param("dir"), None);
        assert_eq!(
            l.path_and_query(),
            "/services?q=db%20one&sort=name&q=second"
        );
        assert_eq!(Location::parse(""), Location::parse("/"));
        assert_eq!(Location::parse("?q=x").path, "/");
        assert_eq!(Location::parse("/token#x").path_and_query(), "/token");
        assert_eq!(
            Location::parse("/users/P%2F1").route(),
            AppRoute::User("P/1".into())
        );
    }
}
