//! Figures read from the whole feed once and kept in memory until the records they come from
//! change: the stores' sales ([`crate::sales`]) and the console's customer directory
//! ([`crate::directory`]). Whether they changed is the feed's epoch and the number of the
//! last row of their entity — one lookup in the `feed (entity, seq)` index, since any change
//! of a record writes a new row — so a page view costs no scan.

use std::sync::{Arc, Mutex};

use carnet_protocol::Entity;

use crate::db::Db;
use crate::error::{AdminError, Error};
use crate::feed;
use crate::sql::Conn;

/// What kept figures were made from: (feed epoch, last row of their entity).
pub type Version = (String, i64);

/// The version of `entity`'s records now.
pub fn version(conn: &Conn<'_>, entity: Entity) -> Result<Version, Error> {
    let last: Option<i64> = conn.query_row(
        "SELECT max(seq) FROM feed WHERE entity = ?1",
        [entity.as_str()],
        |r| r.get(0),
    )?;
    Ok((feed::epoch(conn)?, last.unwrap_or(0)))
}

/// Figures of type `T` made from `entity`'s records by `make`, kept until they change.
pub struct Kept<T> {
    entity: Entity,
    make: fn(&Conn<'_>) -> Result<T, Error>,
    kept: Mutex<Option<(Version, Arc<T>)>>,
    /// One making at a time: a burst of views after an import waits for the first.
    making: tokio::sync::Mutex<()>,
}

impl<T: Send + Sync + 'static> Kept<T> {
    /// Figures of `entity`'s records made by `make`.
    pub fn new(entity: Entity, make: fn(&Conn<'_>) -> Result<T, Error>) -> Self {
        Self {
            entity,
            make,
            kept: Mutex::new(None),
            making: tokio::sync::Mutex::new(()),
        }
    }

    /// The figures of the records as they are now.
    pub async fn current(&self, db: &Arc<Db>) -> Result<Arc<T>, AdminError> {
        let entity = self.entity;
        let now = db
            .read(move |conn| Ok::<_, AdminError>(version(conn, entity)?))
            .await?;
        if let Some(kept) = self.kept_at(&now) {
            return Ok(kept);
        }
        let _one = self.making.lock().await;
        if let Some(kept) = self.kept_at(&now) {
            return Ok(kept);
        }
        let started = std::time::Instant::now();
        let make = self.make;
        let (version, made) = db
            .read(move |conn| Ok::<_, AdminError>((version(conn, entity)?, make(conn)?)))
            .await?;
        tracing::info!(
            entity = entity.as_str(),
            millis = started.elapsed().as_millis() as u64,
            "kept figures made again"
        );
        let made = Arc::new(made);
        if let Ok(mut kept) = self.kept.lock() {
            *kept = Some((version, Arc::clone(&made)));
        }
        Ok(made)
    }

    fn kept_at(&self, version: &Version) -> Option<Arc<T>> {
        let kept = self.kept.lock().ok()?;
        kept.as_ref()
            .filter(|(v, _)| v == version)
            .map(|(_, t)| Arc::clone(t))
    }

    /// Keeps the figures fresh in the background, looking every `period`, so that the first
    /// view after an import seldom waits for them.
    pub async fn keep_fresh(self: Arc<Self>, db: Arc<Db>, period: std::time::Duration) {
        let mut every = tokio::time::interval(period);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if let Err(e) = self.current(&db).await {
                tracing::warn!(error = %e, entity = self.entity.as_str(), "kept figures not made");
            }
        }
    }
}
