//! What every adapter reads from a request the same way: its body, within
//! the node's size limit, and the address it came from.

use std::convert::Infallible;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::state::AppState;

/// Requests larger than this are refused with 413 before any parsing.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// How much of an oversized body is read (and thrown away) before answering
/// 413, so that the client sees the answer instead of a reset connection.
const DRAIN_LIMIT: usize = 8 * MAX_BODY_BYTES;

/// Reads a request body of at most [`MAX_BODY_BYTES`]; anything larger is
/// 413, and nothing of it is kept or parsed.
pub async fn read_body(body: axum::body::Body) -> crate::error::Result<axum::body::Bytes> {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut kept = Vec::new();
    let mut total = 0usize;
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| crate::error::Error::BadRequest(format!("cannot read the request body: {e}")))?;
        total += chunk.len();
        if total > MAX_BODY_BYTES {
            kept.clear();
            if total > DRAIN_LIMIT {
                break;
            }
            continue;
        }
        kept.extend_from_slice(&chunk);
    }
    if total > MAX_BODY_BYTES {
        return Err(crate::error::Error::PayloadTooLarge(MAX_BODY_BYTES));
    }
    Ok(kept.into())
}

/// The address a request came from: the connection's peer or, when the peer
/// is a trusted reverse proxy (`access.trusted_proxies`), the client that
/// proxy names in `X-Forwarded-For`. Sign-in limits count per this address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientAddr(pub IpAddr);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip())
            .unwrap_or(IpAddr::V6(Ipv6Addr::UNSPECIFIED));
        Ok(ClientAddr(client_ip(
            peer,
            &parts.headers,
            &state.config.access.trusted_proxies,
        )))
    }
}

/// Walks `X-Forwarded-For` from the right (what the nearest proxy added)
/// while the addresses are trusted proxies; the first other one is the
/// client. A header from anyone but a trusted proxy is ignored: a client
/// could write any address into it.
fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[ipnet::IpNet]) -> IpAddr {
    let is_trusted = |ip: IpAddr| trusted.iter().any(|net| net.contains(&ip));
    let peer = peer.to_canonical();
    if !is_trusted(peer) {
        return peer;
    }
    let mut client = peer;
    let headers: Vec<_> = headers.get_all("x-forwarded-for").iter().collect();
    for value in headers.into_iter().rev() {
        let Ok(value) = value.to_str() else {
            return client;
        };
        for part in value.split(',').rev() {
            match part.trim().parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip.to_canonical();
                    if !is_trusted(client) {
                        return client;
                    }
                }
                Err(_) => return client,
            }
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_trusted_proxies_name_the_client() {
        let trusted: Vec<ipnet::IpNet> = vec!["127.0.0.1/32".parse().unwrap(), "10.0.0.0/8".parse().unwrap()];
        let mut headers = HeaderMap::new();
        headers.append("x-forwarded-for", "203.0.113.9, 198.51.100.7".parse().unwrap());
        headers.append("x-forwarded-for", "10.1.2.3".parse().unwrap());
        let stranger: IpAddr = "192.0.2.1".parse().unwrap();
        // From an untrusted peer the header is ignored.
        assert_eq!(client_ip(stranger, &headers, &trusted), stranger);
        // Through two trusted proxies: the first untrusted address from the right.
        let proxy: IpAddr = "127.0.0.1".parse().unwrap();
        assert_eq!(
            client_ip(proxy, &headers, &trusted),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        // No header: the proxy itself.
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &trusted), proxy);
        // An IPv4-mapped IPv6 peer counts as its IPv4 address.
        let mapped: IpAddr = "::ffff:127.0.0.1".parse().unwrap();
        assert_eq!(
            client_ip(mapped, &headers, &trusted),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
    }
}

/// Whether a request asks for a page rather than a document: `text/html`
/// (or XHTML) weighs more in its `Accept` than every JSON type. Without an
/// `Accept`, or with `*/*` alone, it is JSON, as other servers have always
/// been answered.
pub fn prefers_html(headers: &axum::http::HeaderMap) -> bool {
    let Some(accept) = headers.get(axum::http::header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let best = |types: &[&str]| {
        crate::i18n::weighted(accept)
            .iter()
            .filter(|(media, _)| types.contains(&media.as_str()))
            .map(|(_, q)| *q)
            .fold(0.0_f32, f32::max)
    };
    let html = best(&["text/html", "application/xhtml+xml"]);
    let json = best(&["application/activity+json", "application/ld+json", "application/json"]);
    html > json
}

#[cfg(test)]
mod negotiation_tests {
    use super::prefers_html;
    use axum::http::{HeaderMap, HeaderValue, header};

    fn with_accept(accept: Option<&'static str>) -> bool {
        let mut headers = HeaderMap::new();
        if let Some(accept) = accept {
            headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
        }
        prefers_html(&headers)
    }

    #[test]
    fn pages_go_to_browsers_and_documents_to_servers() {
        assert!(with_accept(Some(
            "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,*/*;q=0.8"
        )));
        assert!(with_accept(Some("application/activity+json;q=0.5, text/html")));
        assert!(!with_accept(None));
        assert!(!with_accept(Some("*/*")));
        assert!(!with_accept(Some("application/activity+json")));
        assert!(!with_accept(Some(
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\""
        )));
        assert!(!with_accept(Some("text/html;q=0.5, application/activity+json")));
        assert!(!with_accept(Some("text/html;q=0, */*")));
    }
}
