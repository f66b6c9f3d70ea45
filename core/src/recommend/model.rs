//! The recommendation model and the store's policy as the feed delivers them: kept in the cache
//! only once they decode (a damaged download never replaces a working model), and the decoded
//! model held in memory, keyed by its version, until a new one arrives.

use std::sync::{Arc, Mutex};

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use carnet_protocol::{ModelRecord, PolicyRecord};
use carnet_reco::{ArtifactError, Model};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::store::{self, Cache};

/// `meta` key of the last model the device refused, as JSON [`RejectedModel`].
const REJECTED_KEY: &str = "reco_model_rejected";

/// Why a received model was refused (the previous one, if any, stays in use).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ModelProblem {
    /// The record's bytes are not base64.
    NotBase64,
    /// Not a Carnet model.
    BadMagic,
    /// A model format this build cannot read (the app needs an update).
    UnsupportedVersion {
        /// Format in the artifact.
        found: u32,
        /// Format this build reads.
        supported: u32,
    },
    /// Shorter than announced (an interrupted transfer).
    Truncated,
    /// Checksum mismatch.
    Corrupt,
    /// Inconsistent tables.
    Invalid,
}

impl From<&ArtifactError> for ModelProblem {
    fn from(e: &ArtifactError) -> Self {
        match e {
            ArtifactError::BadMagic => ModelProblem::BadMagic,
            ArtifactError::UnsupportedVersion { found, supported } => {
                ModelProblem::UnsupportedVersion {
                    found: *found,
                    supported: *supported,
                }
            }
            ArtifactError::Truncated { .. } => ModelProblem::Truncated,
            ArtifactError::Corrupt => ModelProblem::Corrupt,
            ArtifactError::Invalid(_) => ModelProblem::Invalid,
        }
    }
}

/// A model the device received and refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RejectedModel {
    /// Its build number.
    pub version: u32,
    /// Why.
    pub problem: ModelProblem,
}

/// Which model the device uses, and the last one it refused, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModelStatus {
    /// Build number of the model in use; `None` before the first one arrives.
    pub version: Option<u32>,
    /// When the model in use was built (server time, RFC 3339).
    pub built_at: Option<String>,
    /// The last refused model, when it came after the one in use.
    pub rejected: Option<RejectedModel>,
}

/// Stores a received model if it decodes; otherwise keeps the previous one and remembers why
/// the new one was refused. Never fails the page for a bad model: sync must not wedge on it.
pub(crate) fn apply_model(tx: &Transaction<'_>, record: &ModelRecord) -> Result<()> {
    let checked = STANDARD
        .decode(record.bytes_base64.as_bytes())
        .map_err(|_| ModelProblem::NotBase64)
        .and_then(|bytes| match Model::from_bytes(&bytes) {
            Ok(_) => Ok(bytes),
            Err(e) => Err(ModelProblem::from(&e)),
        });
    match checked {
        Ok(bytes) => {
            tx.prepare_cached(
                "INSERT INTO reco_model (id, version, built_at, bytes) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET version = ?2, built_at = ?3, bytes = ?4",
            )?
            .execute(params![record.id, record.version, record.built_at, bytes])?;
            store::forget_meta(tx, REJECTED_KEY)?;
        }
        Err(problem) => {
            let rejected = RejectedModel {
                version: record.version,
                problem,
            };
            let json = serde_json::to_string(&rejected)
                .map_err(|_| Error::InvalidInput("model rejection cannot be encoded".into()))?;
            store::set_meta(tx, REJECTED_KEY, &json)?;
        }
    }
    Ok(())
}

/// Stores the store's policy.
pub(crate) fn apply_policy(tx: &Transaction<'_>, record: &PolicyRecord) -> Result<()> {
    let rules = serde_json::to_string(&record.rules)
        .map_err(|_| Error::InvalidInput("policy rules cannot be encoded".into()))?;
    tx.prepare_cached(
        "INSERT INTO store_policy (store_id, suppress_sensitive, rules, updated_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (store_id) DO UPDATE SET suppress_sensitive = ?2, rules = ?3,
             updated_at = ?4",
    )?
    .execute(params![
        record.id,
        record.suppress_sensitive,
        rules,
        record.updated_at
    ])?;
    Ok(())
}

/// The model in use and the last refused one.
pub fn model_status(cache: &Cache) -> Result<ModelStatus> {
    cache.read(|c| {
        let current = current_version(c)?;
        let rejected: Option<RejectedModel> =
            store::meta(c, REJECTED_KEY)?.and_then(|json| serde_json::from_str(&json).ok());
        Ok(ModelStatus {
            version: current.as_ref().map(|(v, _)| *v),
            built_at: current.map(|(_, at)| at),
            rejected,
        })
    })
}

fn current_version(c: &Connection) -> Result<Option<(u32, String)>> {
    Ok(
        c.prepare_cached("SELECT version, built_at FROM reco_model WHERE id = ?1")?
            .query_row([carnet_protocol::MODEL_ID], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?,
    )
}

/// A decoded model with the build it came from.
struct Loaded {
    /// Cache generation at which the stored version was last checked.
    checked_at: u64,
    version: u32,
    built_at: String,
    model: Arc<Model>,
}

/// The decoded model kept between calls: decoding a 20,000-product artifact takes tens of
/// milliseconds, a playlist must take one.
#[derive(Default)]
struct ModelSlot(Mutex<Option<Loaded>>);

/// The decoded model in use and its build number, loading it when a new one was stored;
/// `None` before the first model arrives.
pub(crate) fn loaded_model(cache: &Cache) -> Result<Option<(u32, Arc<Model>)>> {
    let generation = cache.generation();
    let kept = cache.derived::<ModelSlot>()?;
    let mut slot = kept
        .0
        .lock()
        .map_err(|_| Error::Crypto("model lock poisoned"))?;
    if let Some(l) = slot.as_ref()
        && l.checked_at == generation
    {
        return Ok(Some((l.version, Arc::clone(&l.model))));
    }
    // Any write may have been a new model: compare the stored build with the loaded one.
    let Some((version, built_at)) = cache.read(current_version)? else {
        *slot = None;
        return Ok(None);
    };
    if let Some(l) = slot.as_mut()
        && l.version == version
        && l.built_at == built_at
    {
        l.checked_at = generation;
        return Ok(Some((version, Arc::clone(&l.model))));
    }
    let bytes: Vec<u8> = cache.read(|c| {
        Ok(
            c.prepare_cached("SELECT bytes FROM reco_model WHERE id = ?1")?
                .query_row([carnet_protocol::MODEL_ID], |r| r.get(0))?,
        )
    })?;
    // It decoded when it was stored: failing now means the cache file is damaged.
    let model = Arc::new(Model::from_bytes(&bytes).map_err(|_| Error::Corrupt)?);
    *slot = Some(Loaded {
        checked_at: generation,
        version,
        built_at,
        model: Arc::clone(&model),
    });
    Ok(Some((version, model)))
}
