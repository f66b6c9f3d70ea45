//! Numbered schema migrations. The schema version lives in `PRAGMA user_version`; each
//! migration runs in its own transaction with the version bump, so a crash leaves the file at
//! the previous version or the next, never between.

use rusqlite::{Connection, Transaction};

use crate::error::{Error, Result};
use crate::search_index;

struct Migration {
    sql: &'static str,
    /// Fills what SQL alone cannot compute for rows that already exist (folded names).
    backfill: Option<fn(&Transaction<'_>) -> Result<()>>,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        sql: include_str!("migrations/001_initial.sql"),
        backfill: None,
    },
    Migration {
        sql: include_str!("migrations/002_search.sql"),
        backfill: Some(search_index::reindex_emails_and_products),
    },
    Migration {
        sql: include_str!("migrations/003_sync.sql"),
        backfill: None,
    },
    Migration {
        sql: include_str!("migrations/004_model.sql"),
        backfill: None,
    },
    Migration {
        sql: include_str!("migrations/005_consent_redirect.sql"),
        backfill: None,
    },
    Migration {
        sql: include_str!("migrations/006_name_results.sql"),
        backfill: Some(search_index::reindex_names),
    },
    Migration {
        sql: include_str!("migrations/007_client_book.sql"),
        backfill: None,
    },
    Migration {
        sql: include_str!("migrations/008_tasks.sql"),
        backfill: None,
    },
    Migration {
        sql: include_str!("migrations/009_notes.sql"),
        backfill: None,
    },
    Migration {
        sql: include_str!("migrations/010_campaigns.sql"),
        backfill: None,
    },
    Migration {
        sql: include_str!("migrations/011_outreach.sql"),
        backfill: None,
    },
    Migration {
        sql: include_str!("migrations/012_messages.sql"),
        backfill: None,
    },
    Migration {
        sql: include_str!("migrations/013_templates.sql"),
        backfill: None,
    },
    Migration {
        sql: include_str!("migrations/014_wishes.sql"),
        backfill: None,
    },
    Migration {
        sql: include_str!("migrations/015_appointments.sql"),
        backfill: None,
    },
    Migration {
        sql: include_str!("migrations/016_bookings.sql"),
        backfill: None,
    },
    Migration {
        sql: include_str!("migrations/017_task_changes.sql"),
        backfill: None,
    },
    Migration {
        sql: include_str!("migrations/018_refold_names.sql"),
        backfill: Some(search_index::reindex_refolded_names),
    },
    Migration {
        sql: include_str!("migrations/019_currencies.sql"),
        backfill: None,
    },
];

/// The schema version this code writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// Applies every migration above the file's version, up to `target`.
pub(super) fn migrate_to(conn: &mut Connection, target: u32) -> Result<()> {
    let current: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if current > SCHEMA_VERSION {
        return Err(Error::SchemaTooNew {
            found: current,
            supported: SCHEMA_VERSION,
        });
    }
    for (index, migration) in MIGRATIONS.iter().enumerate().take(target as usize) {
        let version = index as u32 + 1;
        if version <= current {
            continue;
        }
        let tx = conn.transaction()?;
        tx.execute_batch(migration.sql)?;
        if let Some(backfill) = migration.backfill {
            backfill(&tx)?;
        }
        tx.pragma_update(None, "user_version", version)?;
        tx.commit()?;
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::key::CacheKey;
    use crate::store::Cache;

    fn schema(cache: &Cache) -> Vec<(String, String, String)> {
        cache
            .read(|c| {
                let mut stmt = c.prepare(
                    "SELECT type, name, coalesce(sql, '') FROM sqlite_master
                     WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name",
                )?;
                let rows = stmt
                    .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                    .collect::<rusqlite::Result<Vec<_>>>()?;
                Ok(rows)
            })
            .unwrap()
    }

    #[test]
    fn upgrading_from_every_version_gives_the_fresh_schema() {
        let dir = tempfile::tempdir().unwrap();
        let key = CacheKey::generate().unwrap();
        let fresh = Cache::open(dir.path().join("fresh.db"), &key).unwrap();
        let fresh_schema = schema(&fresh);
        assert!(!fresh_schema.is_empty());
        for old in 1..SCHEMA_VERSION {
            let path = dir.path().join(format!("from-{old}.db"));
            let old_cache = Cache::open_at_version(&path, Some(&key), old).unwrap();
            // A customer written by the old version (before search tokens, for version 1; with
            // the name rows an app of version 6 or later wrote).
            old_cache
                .write(|tx| {
                    tx.execute(
                        "INSERT INTO customer (id, card, first_name, last_name, email, phone,
                             phone_e164, line1, postal_code, city, country, language,
                             home_store_id, tier, points, customer_type, segment, created_on,
                             updated_at)
                         VALUES ('C1', '2900000000015', 'Hélène', 'Dupont',
                             'H.Dupont@example.fr', NULL, NULL, '', '75011', 'Paris', 'FR', 'fr',
                             'S001', 'gold', 10, 'individual', 'x', '2024-01-01',
                             '2024-01-01T00:00:00Z')",
                        [],
                    )?;
                    // From version 6 on, the app wrote her name rows as they are now: no
                    // migration after it backfills them.
                    if old >= 6 {
                        search_index::reindex_names(tx)?;
                    }
                    Ok(())
                })
                .unwrap();
            drop(old_cache);
            let upgraded = Cache::open(&path, &key).unwrap();
            assert_eq!(upgraded.schema_version().unwrap(), SCHEMA_VERSION);
            assert_eq!(
                schema(&upgraded),
                fresh_schema,
                "upgrade from version {old}"
            );
            // Her row was carried over, and the backfills made her findable (written by an old
            // version without its search rows, or with name rows lacking what results show).
            let rows: i64 = upgraded
                .read(|c| Ok(c.query_row("SELECT count(*) FROM customer", [], |r| r.get(0))?))
                .unwrap();
            assert_eq!(rows, 1, "upgrade from version {old}");
            let found = crate::lookup::by_name(&upgraded, "helene dup", 5).unwrap();
            assert_eq!(found.len(), 1, "upgrade from version {old}");
            assert_eq!(
                (found[0].city.as_str(), found[0].tier.as_str()),
                ("Paris", "gold"),
                "upgrade from version {old}"
            );
            if old == 1 {
                let by_email = crate::lookup::by_email(&upgraded, "h.dupont@", 5).unwrap();
                assert_eq!(by_email.len(), 1);
            }
        }
    }

    /// Version 17 and before folded `ガトウ` and `ｶﾄｳ` alike to `カトウ` (voicing mark dropped,
    /// katakana kept, width kept): the upgrade writes such names' tokens again, and leaves the
    /// others' alone.
    #[test]
    fn upgrading_from_17_refolds_kana_names() {
        let dir = tempfile::tempdir().unwrap();
        let key = CacheKey::generate().unwrap();
        let path = dir.path().join("v17.db");
        let old = Cache::open_at_version(&path, Some(&key), 17).unwrap();
        old.write(|tx| {
            for (id, card, first, last) in [
                ("J1", "2900000000015", "ハナコ", "ガトウ"),
                ("C2", "2900000000022", "Hélène", "Dupont"),
            ] {
                tx.execute(
                    "INSERT INTO customer (id, card, first_name, last_name, line1, postal_code,
                         city, country, language, home_store_id, tier, points, customer_type,
                         segment, created_on, updated_at)
                     VALUES (?1, ?2, ?3, ?4, '', '150', 'Tokyo', 'JP', 'ja', 'S001', 'gold', 0,
                         'individual', 'x', '2024-01-01', '2024-01-01T00:00:00Z')",
                    rusqlite::params![id, card, first, last],
                )?;
            }
            // The tokens as version 17 folded them, and a mark on the untouched customer's.
            for (token, id) in [
                ("ハナコ", "J1"),
                ("カトウ", "J1"),
                ("helene", "C2"),
                ("dupont", "C2"),
            ] {
                tx.execute(
                    "INSERT INTO customer_name (token, sort_key, customer_id, postal_code, city)
                     VALUES (?1, ?1, ?2, '150', 'written by 17')",
                    [token, id],
                )?;
            }
            Ok(())
        })
        .unwrap();
        drop(old);

        let upgraded = Cache::open(&path, &key).unwrap();
        let found = |typed| {
            crate::lookup::by_name(&upgraded, typed, 5)
                .unwrap()
                .into_iter()
                .map(|m| m.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(found("ガトウ"), ["J1"]);
        assert_eq!(found("がとう はなこ"), ["J1"]);
        assert!(
            found("カトウ").is_empty(),
            "the old, voiceless token is gone"
        );
        let untouched: String = upgraded
            .read(|c| {
                Ok(c.query_row(
                    "SELECT city FROM customer_name WHERE customer_id = 'C2' LIMIT 1",
                    [],
                    |r| r.get(0),
                )?)
            })
            .unwrap();
        assert_eq!(untouched, "written by 17");
    }

    #[test]
    fn a_newer_file_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let key = CacheKey::generate().unwrap();
        let path = dir.path().join("c.db");
        let cache = Cache::open(&path, &key).unwrap();
        cache
            .write(|tx| Ok(tx.pragma_update(None, "user_version", SCHEMA_VERSION + 1)?))
            .unwrap();
        drop(cache);
        assert!(matches!(
            Cache::open(&path, &key),
            Err(Error::SchemaTooNew { .. })
        ));
    }
}
