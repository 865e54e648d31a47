//! What a node counts as it serves, for its metrics: HTTP answers by the kind
//! of route and status, and what its inbox did with each activity. Per node,
//! in its state (several nodes in one process count apart); since start.

use std::collections::BTreeMap;
use std::sync::Mutex;

/// The kind of route a path belongs to: a bounded label for the metrics.
pub fn route_family(method: &http::Method, path: &str) -> &'static str {
    let first = path.trim_start_matches('/').split('/').next().unwrap_or_default();
    match first {
        "api" => "api",
        "healthz" | "readyz" => "health",
        ".well-known" | "nodeinfo" => "discovery",
        _ if *method == http::Method::POST && path.ends_with("/inbox") => "inbox",
        "inbox" | "orgs" | "alerts" | "actions" | "groups" | "actor" | "network" | "ns" | "activities" => "federation",
        _ => "pages",
    }
}

#[derive(Debug, Default)]
pub struct Counters {
    responses: Mutex<BTreeMap<(&'static str, u16), u64>>,
    inbox: Mutex<BTreeMap<u16, u64>>,
}

impl Counters {
    /// One answer to a request of `family` with `status`.
    pub fn response(&self, family: &'static str, status: u16) {
        *self
            .responses
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry((family, status))
            .or_default() += 1;
    }

    /// One activity the inbox answered with `status` (202 accepted or already
    /// had; 4xx refused, by the rule that refused it; 503 try again).
    pub fn inbox(&self, status: u16) {
        *self
            .inbox
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(status)
            .or_default() += 1;
    }

    pub fn responses(&self) -> Vec<((&'static str, u16), u64)> {
        let counts = self.responses.lock().unwrap_or_else(|p| p.into_inner());
        counts.iter().map(|(k, v)| (*k, *v)).collect()
    }

    pub fn inbox_outcomes(&self) -> Vec<(u16, u64)> {
        let counts = self.inbox.lock().unwrap_or_else(|p| p.into_inner());
        counts.iter().map(|(k, v)| (*k, *v)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_fall_into_few_families() {
        let (get, post) = (http::Method::GET, http::Method::POST);
        assert_eq!(route_family(&get, "/api/v1/alerts"), "api");
        assert_eq!(route_family(&post, "/orgs/green/inbox"), "inbox");
        assert_eq!(route_family(&post, "/inbox"), "inbox");
        assert_eq!(route_family(&get, "/orgs/green"), "federation");
        assert_eq!(route_family(&get, "/.well-known/webfinger"), "discovery");
        assert_eq!(route_family(&get, "/login"), "pages");
        assert_eq!(route_family(&get, "/readyz"), "health");
        let counters = Counters::default();
        counters.response("api", 200);
        counters.response("api", 200);
        counters.inbox(401);
        assert_eq!(counters.responses(), [(("api", 200), 2)]);
        assert_eq!(counters.inbox_outcomes(), [(401, 1)]);
    }
}
