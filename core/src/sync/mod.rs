//! Sync with the store's server: push the outbox, then pull the feed page by page, each page
//! applied in one transaction with its cursor. Runs only on the store network, reports
//! progress, stops when cancelled, and re-syncs from scratch when the server no longer serves
//! the stored cursor.

mod addresses;
mod client;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use carnet_protocol::{MAX_PUSH_MUTATIONS, PushRequest};
use tokio::sync::Notify;

use crate::store::Cache;
use crate::{changes, outbox};

pub(crate) use addresses::Addresses;
pub use client::{MAX_RESPONSE_BYTES, RequestSigner, ServerConfig, SyncClient, read_answer};

/// Changes asked for per page: half the server's default, because a device holds a page
/// being applied and the next one being decoded, and a page of customers is ~2.7 MB of text.
/// On `store`'s S001 (16 MiB writer cache) the initial sync peaked at 70–74 MB of RSS with
/// 2,500 against 93–99 MB with 5,000, at 72–79 % of the bulk-load rate against 78–80 %.
pub const PAGE_LIMIT: u32 = 2_500;

/// The writer's page cache during an initial sync, in KiB. The export's bulk load takes 64 MiB
/// (`load::BULK_CACHE_KIB`), most of a handheld app's memory. Measured on the initial sync of
/// S001: with 16, `store` peaked at 70–74 MB of RSS, but `large` (2.7 M changes) read its
/// indexes' pages again and again (1,353 B/change read, 40 % of the bulk-load rate, 89 MB);
/// with 32, `store` 85 MB at 75 %, `large` 105 MB at 68 % (863 B/change read).
const INITIAL_SYNC_CACHE_KIB: i64 = 32 * 1024;

/// How reaching the server failed: the kind only (the HTTP stack's messages name URLs and
/// add nothing the advisor can act on).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
pub enum NetworkFailure {
    /// No answer in time.
    #[error("timed out")]
    TimedOut,
    /// No connection to the server, or not to the pinned one.
    #[error("cannot connect")]
    CannotConnect,
    /// The connection broke while the answer came in.
    #[error("connection lost during the response")]
    ConnectionLost,
    /// Anything else on the way.
    #[error("request failed")]
    RequestFailed,
}

impl NetworkFailure {
    /// The kind of a failed request.
    pub(crate) fn of(e: &reqwest::Error) -> Self {
        if e.is_timeout() {
            NetworkFailure::TimedOut
        } else if e.is_connect() {
            NetworkFailure::CannotConnect
        } else if e.is_body() || e.is_decode() {
            NetworkFailure::ConnectionLost
        } else {
            NetworkFailure::RequestFailed
        }
    }
}

/// Why a sync stopped. Messages carry no personal data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SyncError {
    /// The device is locked: nothing syncs until it is unlocked.
    #[error("the device is locked")]
    Locked,
    /// The device is not on the store network: sync never runs elsewhere.
    #[error("not on the store network")]
    NotOnStoreNetwork,
    /// The sync settings are wrong.
    #[error("invalid sync settings: {0}")]
    InvalidConfig(&'static str),
    /// The server could not be reached or the connection broke.
    #[error("network: {0}")]
    Network(NetworkFailure),
    /// The server refuses this app version.
    #[error("update required: {0}")]
    UpgradeRequired(String),
    /// The device's credentials were refused (unknown or revoked).
    #[error("the server refused this device's credentials")]
    Unauthorized,
    /// The server refused the device itself (`device_revoked`, `remote_wipe`,
    /// `unknown_device`, `not_on_store_network`, `bad_lease`): the session decides what it
    /// means (lock, or shred on a verified order).
    #[error("the server refused this device ({code})")]
    DeviceRefused {
        /// HTTP status.
        status: u16,
        /// Stable code from `carnet_protocol::presence::codes`.
        code: String,
        /// The signed shred order that came with `device_revoked` or `remote_wipe`.
        order: Option<String>,
        /// With an order: the lease keys the server moved to since the one pinned.
        key_chain: Vec<carnet_protocol::presence::KeyEndorsement>,
    },
    /// The device asked for another store's data.
    #[error("this device may not read that store")]
    ForbiddenStore,
    /// The server no longer serves the stored cursor (handled by a reset inside [`sync`]).
    #[error("the server no longer serves this cursor")]
    CursorExpired,
    /// The server expects another sequence number than the outbox holds.
    #[error("the server expects edit number {expected}")]
    SequenceGap {
        /// The seq the server expects next.
        expected: u64,
    },
    /// The response was not a valid protocol message.
    #[error("malformed response: {0}")]
    Malformed(String),
    /// The response was larger than [`MAX_RESPONSE_BYTES`].
    #[error("response too large")]
    ResponseTooLarge,
    /// Any other error answer.
    #[error("server error {status} {code}")]
    Server {
        /// HTTP status.
        status: u16,
        /// The answer's code, if it had one.
        code: String,
    },
    /// Writing to the cache failed; the page was not applied.
    #[error("cache: {0}")]
    Cache(String),
    /// Cancelled by the caller; everything applied so far is kept.
    #[error("cancelled")]
    Cancelled,
}

impl From<crate::Error> for SyncError {
    fn from(e: crate::Error) -> Self {
        match e {
            crate::Error::Cancelled => SyncError::Cancelled,
            crate::Error::Locked | crate::Error::KioskRequired => SyncError::Locked,
            other => SyncError::Cache(other.to_string()),
        }
    }
}

/// Stops a running sync from another task or thread: the page being applied completes, the
/// download in flight is dropped.
#[derive(Debug, Clone, Default)]
pub struct CancelHandle {
    cancelled: Arc<AtomicBool>,
    notify: Arc<Notify>,
}

impl CancelHandle {
    /// A handle that has not fired.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks the sync to stop.
    pub fn cancel(&self) {
        self.cancelled.store(true, Ordering::SeqCst);
        self.notify.notify_waiters();
    }

    /// Whether [`CancelHandle::cancel`] was called.
    pub fn is_cancelled(&self) -> bool {
        self.cancelled.load(Ordering::SeqCst)
    }

    async fn run<T>(
        &self,
        work: impl std::future::Future<Output = Result<T, SyncError>>,
    ) -> Result<T, SyncError> {
        let notified = self.notify.notified();
        if self.is_cancelled() {
            return Err(SyncError::Cancelled);
        }
        tokio::select! {
            result = work => result,
            () = notified => Err(SyncError::Cancelled),
        }
    }
}

/// What phase a sync is in, for a progress bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// Sending local edits.
    Push,
    /// Receiving and applying changes.
    Pull,
}

/// Progress of a sync.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Current phase.
    pub phase: Phase,
    /// Items done in this phase.
    pub done: u64,
    /// Items in this phase, as far as known (the server's estimate while pulling).
    pub total: u64,
}

/// What a sync did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Edits the server answered.
    pub pushed: u64,
    /// Of which rejected (they stay in the outbox with their reason).
    pub rejected: u64,
    /// Changes applied.
    pub pulled: u64,
    /// Pages applied.
    pub pages: u64,
    /// Whether the cache was emptied and re-synced because the cursor had expired.
    pub reset: bool,
    /// The store's open tasks, when the round changed what they are derived from (`None`
    /// otherwise).
    pub tasks: Option<u64>,
}

/// One sync round: push the outbox, then pull until the feed is drained. `on_store_network`
/// is the session's word that the device is on the store network; without it nothing is sent.
pub async fn sync(
    cache: Arc<Cache>,
    client: &SyncClient,
    on_store_network: bool,
    cancel: &CancelHandle,
    progress: &(dyn Fn(Progress) + Send + Sync),
) -> Result<SyncReport, SyncError> {
    if !on_store_network {
        return Err(SyncError::NotOnStoreNetwork);
    }
    let mut round = Round {
        cache,
        client,
        cancel,
        progress,
        report: SyncReport::default(),
    };
    round.push_outbox().await?;
    match round.pull_feed().await {
        Err(SyncError::CursorExpired) => {
            let reset_cache = Arc::clone(&round.cache);
            blocking(move || changes::reset(&reset_cache)).await?;
            round.report.reset = true;
            round.pull_feed().await?;
        }
        other => other?,
    }
    Ok(round.report)
}

/// What one sync round works with, and what it has done so far.
struct Round<'a> {
    cache: Arc<Cache>,
    client: &'a SyncClient,
    cancel: &'a CancelHandle,
    progress: &'a (dyn Fn(Progress) + Send + Sync),
    report: SyncReport,
}

impl Round<'_> {
    async fn push_outbox(&mut self) -> Result<(), SyncError> {
        let mut renumbered = false;
        loop {
            let mutations = outbox::pending(&self.cache, MAX_PUSH_MUTATIONS)?;
            if mutations.is_empty() {
                return Ok(());
            }
            let sent = mutations.len() as u64;
            let response = match self
                .cancel
                .run(self.client.push(&PushRequest { mutations }))
                .await
            {
                // The server lost acknowledged edits (restored) or enrolled this device anew:
                // send the pending ones from the number it expects, once per round.
                Err(SyncError::SequenceGap { expected })
                    if !renumbered && outbox::follow_server_numbering(&self.cache, expected)? =>
                {
                    renumbered = true;
                    continue;
                }
                other => other?,
            };
            let answered = response.results.len() as u64;
            self.report.pushed += answered;
            self.report.rejected += response
                .results
                .iter()
                .filter(|r| matches!(r.outcome, carnet_protocol::Outcome::Rejected { .. }))
                .count() as u64;
            outbox::record_results(&self.cache, &response.results)?;
            (self.progress)(Progress {
                phase: Phase::Push,
                done: self.report.pushed,
                total: self.report.pushed + sent - answered,
            });
            if answered == 0 {
                return Err(SyncError::Malformed(
                    "the server answered no mutation".into(),
                ));
            }
        }
    }

    async fn pull_feed(&mut self) -> Result<(), SyncError> {
        let cursor = changes::cursor(&self.cache)?;
        // An initial sync is a bulk load: give the writer a larger page cache meanwhile.
        let initial = cursor.is_empty();
        if initial {
            self.cache.set_writer_cache_kib(INITIAL_SYNC_CACHE_KIB)?;
        }
        let result = self.pull_pages(cursor).await;
        if initial {
            self.cache.set_writer_cache_kib(Cache::WRITER_CACHE_KIB)?;
        }
        result
    }

    async fn pull_pages(&mut self, cursor: String) -> Result<(), SyncError> {
        let mut next = Some(spawn_pull(self.client, cursor));
        let mut applied_here = 0u64;
        while let Some(download) = next.take() {
            let page = self
                .cancel
                .run(async { download.await.map_err(|_| SyncError::Cancelled)? })
                .await?;
            // Download the next page while this one is applied.
            if page.has_more {
                next = Some(spawn_pull(self.client, page.next_cursor.clone()));
            }
            let count = page.changes.len() as u64;
            let apply_cache = Arc::clone(&self.cache);
            let applied = blocking(move || {
                changes::apply_page(&apply_cache, &page.changes, &page.next_cursor)
                    .map(|()| page.remaining)
            })
            .await;
            let stop = match &applied {
                Err(_) => true,
                Ok(_) => self.cancel.is_cancelled(),
            };
            if stop && let Some(task) = next.take() {
                task.abort();
            }
            let remaining = applied?;
            applied_here += count;
            self.report.pulled += count;
            self.report.pages += 1;
            (self.progress)(Progress {
                phase: Phase::Pull,
                done: applied_here,
                total: applied_here + remaining,
            });
            if stop {
                return Err(SyncError::Cancelled);
            }
        }
        Ok(())
    }
}

fn spawn_pull(
    client: &SyncClient,
    cursor: String,
) -> tokio::task::JoinHandle<Result<carnet_protocol::ChangePage, SyncError>> {
    let client = client.clone();
    tokio::spawn(async move { client.pull(&cursor).await })
}

async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> crate::Result<T> + Send + 'static,
) -> Result<T, SyncError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|_| SyncError::Cache("the cache task stopped".into()))?
        .map_err(SyncError::from)
}
