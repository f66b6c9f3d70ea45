//! The networks of a store: the address ranges (CIDR, IPv4 and IPv6) its handhelds reach the
//! server from — the store's LAN for a server in its back office, the store's egress addresses
//! for a central one. A device request is served only from inside its store's ranges, and a
//! store without any serves none.

use std::net::IpAddr;

use crate::sql::{Conn, params};
use carnet_protocol::presence::StoreNetwork;
use ipnet::IpNet;

use crate::error::{AdminError, Error};
use crate::{ids, stores};

/// Most ranges one store may have.
pub const MAX_PER_STORE: usize = 64;

/// Parses a range: `192.168.10.0/24`, `2001:db8:1::/48`, or an address alone (one host). Host
/// bits are cleared (`192.168.10.7/24` is `192.168.10.0/24`). IPv4 ranges are written as IPv4:
/// an IPv4-mapped IPv6 range is refused, since requests are matched in their IPv4 form.
pub fn parse(text: &str) -> Result<IpNet, String> {
    let text = text.trim();
    let refused = || {
        let shown: String = text.chars().take(50).collect();
        format!("{shown:?} is not an address range such as 192.168.10.0/24 or 2001:db8:1::/48")
    };
    let net = match text.parse::<IpNet>() {
        Ok(net) => net,
        Err(_) => IpNet::from(text.parse::<IpAddr>().map_err(|_| refused())?),
    };
    if let IpNet::V6(v6) = net
        && v6.addr().to_ipv4_mapped().is_some()
    {
        return Err(format!(
            "{net} is an IPv4-mapped range: write it as IPv4 (e.g. 192.168.10.0/24)"
        ));
    }
    Ok(net.trunc())
}

/// Whether `ip` (IPv4-mapped IPv6 read as IPv4) is inside one of `ranges`.
pub fn contains(ranges: &[IpNet], ip: IpAddr) -> bool {
    let ip = ip.to_canonical();
    ranges.iter().any(|net| net.contains(&ip))
}

/// Adds a range to a store.
pub fn add(conn: &Conn<'_>, store_id: &str, cidr: &str) -> Result<StoreNetwork, AdminError> {
    stores::require(conn, store_id)?;
    let net = parse(cidr).map_err(AdminError::Invalid)?;
    let count: i64 = conn.query_row(
        "SELECT count(*) FROM store_network WHERE store_id = ?1",
        [store_id],
        |r| r.get(0),
    )?;
    if usize::try_from(count).unwrap_or(usize::MAX) >= MAX_PER_STORE {
        return Err(AdminError::Invalid(format!(
            "a store has at most {MAX_PER_STORE} networks"
        )));
    }
    let added_at = ids::now();
    let inserted = conn.execute(
        "INSERT INTO store_network (store_id, cidr, added_at) VALUES (?1, ?2, ?3)
         ON CONFLICT (store_id, cidr) DO NOTHING",
        params![store_id, net.to_string(), added_at],
    )?;
    if inserted == 0 {
        return Err(AdminError::Conflict(format!(
            "network {net} exists already in store {store_id}"
        )));
    }
    Ok(StoreNetwork {
        cidr: net.to_string(),
        added_at,
    })
}

/// A store's ranges, as listed.
pub fn list(conn: &Conn<'_>, store_id: &str) -> Result<Vec<StoreNetwork>, AdminError> {
    let rows = conn.query_map(
        "SELECT cidr, added_at FROM store_network WHERE store_id = ?1 ORDER BY added_at, cidr",
        [store_id],
        |r| {
            Ok(StoreNetwork {
                cidr: r.get(0)?,
                added_at: r.get(1)?,
            })
        },
    )?;
    Ok(rows)
}

/// Removes a range from a store.
pub fn remove(conn: &Conn<'_>, store_id: &str, cidr: &str) -> Result<(), AdminError> {
    let net = parse(cidr).map_err(AdminError::Invalid)?;
    let removed = conn.execute(
        "DELETE FROM store_network WHERE store_id = ?1 AND cidr = ?2",
        params![store_id, net.to_string()],
    )?;
    if removed == 0 {
        return Err(AdminError::NotFound(format!(
            "no network {net} in store {store_id}"
        )));
    }
    Ok(())
}

/// A store's ranges, to match requests against.
pub fn ranges(conn: &Conn<'_>, store_id: &str) -> Result<Vec<IpNet>, Error> {
    let texts = conn.query_map(
        "SELECT cidr FROM store_network WHERE store_id = ?1",
        [store_id],
        |r| r.get::<_, String>(0),
    )?;
    texts
        .iter()
        .map(|t| {
            t.parse::<IpNet>().map_err(|_| {
                Error::Config(format!("stored network {t:?} of {store_id} is invalid"))
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn ranges_parse_normalise_and_match_both_families() {
        assert_eq!(
            parse(" 192.168.10.7/24 ").unwrap().to_string(),
            "192.168.10.0/24"
        );
        assert_eq!(parse("10.1.2.3").unwrap().to_string(), "10.1.2.3/32");
        assert_eq!(
            parse("2001:db8:1::9/48").unwrap().to_string(),
            "2001:db8:1::/48"
        );
        assert_eq!(parse("fd00::1").unwrap().to_string(), "fd00::1/128");
        for bad in [
            "",
            "10.0.0.0/33",
            "10.0.0",
            "store",
            "::ffff:10.0.0.0/104",
            "10.0.0.0/8/8",
        ] {
            assert!(parse(bad).is_err(), "{bad:?}");
        }
        let ranges = [
            parse("192.168.10.0/24").unwrap(),
            parse("2001:db8:1::/48").unwrap(),
        ];
        for inside in ["192.168.10.200", "::ffff:192.168.10.5", "2001:db8:1:ff::2"] {
            assert!(contains(&ranges, inside.parse().unwrap()), "{inside}");
        }
        for outside in ["192.168.11.1", "10.0.0.1", "2001:db8:2::1", "::1"] {
            assert!(!contains(&ranges, outside.parse().unwrap()), "{outside}");
        }
    }

    #[test]
    fn a_store_adds_lists_and_removes_its_ranges() {
        let dir = tempfile::tempdir().unwrap();
        let db = crate::db::open_direct(dir.path()).unwrap();
        let conn = db.conn();
        assert!(matches!(
            add(&conn, "S001", "10.0.0.0/8"),
            Err(AdminError::NotFound(_))
        ));
        stores::add(&conn, "S001", "Paris", &Default::default()).unwrap();
        stores::add(&conn, "S002", "Lyon", &Default::default()).unwrap();
        assert!(ranges(&conn, "S001").unwrap().is_empty());
        add(&conn, "S001", "10.0.0.9/8").unwrap();
        add(&conn, "S001", "2001:db8::/32").unwrap();
        assert!(matches!(
            add(&conn, "S001", "10.1.1.1/8"),
            Err(AdminError::Conflict(_))
        ));
        assert!(matches!(
            add(&conn, "S001", "nope"),
            Err(AdminError::Invalid(_))
        ));
        let listed: Vec<String> = list(&conn, "S001")
            .unwrap()
            .into_iter()
            .map(|n| n.cidr)
            .collect();
        assert_eq!(listed, ["10.0.0.0/8", "2001:db8::/32"]);
        assert!(list(&conn, "S002").unwrap().is_empty());
        // Another store's range is not this store's to remove.
        let other = remove(&conn, "S002", "10.0.0.0/8").unwrap_err().to_string();
        assert_eq!(other, "no network 10.0.0.0/8 in store S002");
        remove(&conn, "S001", "10.0.0.0/8").unwrap();
        assert_eq!(ranges(&conn, "S001").unwrap().len(), 1);
        for i in 0..(MAX_PER_STORE - 1) {
            add(&conn, "S001", &format!("10.{i}.0.0/16")).unwrap();
        }
        assert!(matches!(
            add(&conn, "S001", "11.0.0.0/8"),
            Err(AdminError::Invalid(_))
        ));
    }
}
