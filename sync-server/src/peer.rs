//! The address a request comes from: the TCP peer, or, when the peer is a trusted proxy, the
//! client it forwards for in `X-Forwarded-For`. A forwarded address from anyone else is
//! ignored: any client can write that header.

use std::net::IpAddr;

use axum::http::HeaderMap;
use ipnet::IpNet;

/// The header a proxy appends the address it saw to.
pub const FORWARDED_FOR: &str = "x-forwarded-for";

/// The client's address, or `None` when a trusted proxy forwards one that does not parse.
///
/// A proxy appends the address it received from to `X-Forwarded-For`, so the list is read
/// from the right: addresses of trusted proxies are skipped, and the first other one is the
/// client (what comes left of it was written by whoever sent the request, and is not
/// believed). A trusted proxy that forwards nothing is itself the client.
pub fn client_address(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted_proxies: &[IpNet],
) -> Option<IpAddr> {
    let trusted = |ip: &IpAddr| trusted_proxies.iter().any(|net| net.contains(ip));
    let mut client = peer.to_canonical();
    if !trusted(&client) {
        return Some(client);
    }
    let mut hops: Vec<&str> = Vec::new();
    for value in headers.get_all(FORWARDED_FOR) {
        hops.extend(value.to_str().ok()?.split(','));
    }
    for hop in hops.iter().rev() {
        let hop = hop.trim();
        let hop = hop
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .unwrap_or(hop);
        client = hop.parse::<IpAddr>().ok()?.to_canonical();
        if !trusted(&client) {
            break;
        }
    }
    Some(client)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use axum::http::HeaderValue;

    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(FORWARDED_FOR, HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn forwarded_addresses_count_only_from_trusted_proxies() {
        let proxies = ["10.0.0.5/32".parse().unwrap(), "fd00::/64".parse().unwrap()];
        let forged = headers(&["192.168.1.9"]);
        // Not a proxy: its own address, whatever it writes.
        assert_eq!(
            client_address(ip("172.16.0.1"), &forged, &proxies),
            Some(ip("172.16.0.1"))
        );
        assert_eq!(
            client_address(ip("::ffff:172.16.0.1"), &HeaderMap::new(), &proxies),
            Some(ip("172.16.0.1"))
        );
        // A trusted proxy: the right-most address that is not a trusted proxy.
        assert_eq!(
            client_address(ip("10.0.0.5"), &forged, &proxies),
            Some(ip("192.168.1.9"))
        );
        let chain = headers(&["1.2.3.4, 192.168.1.9", "fd00::7"]);
        assert_eq!(
            client_address(ip("10.0.0.5"), &chain, &proxies),
            Some(ip("192.168.1.9"))
        );
        let v6 = headers(&["[2001:db8::1]"]);
        assert_eq!(
            client_address(ip("fd00::2"), &v6, &proxies),
            Some(ip("2001:db8::1"))
        );
        // A trusted proxy forwarding nothing is the client; forwarding garbage, nobody.
        assert_eq!(
            client_address(ip("10.0.0.5"), &HeaderMap::new(), &proxies),
            Some(ip("10.0.0.5"))
        );
        assert_eq!(
            client_address(ip("10.0.0.5"), &headers(&["unknown"]), &proxies),
            None
        );
        // No proxies configured: the header never counts.
        assert_eq!(
            client_address(ip("10.0.0.5"), &forged, &[]),
            Some(ip("10.0.0.5"))
        );
    }
}
