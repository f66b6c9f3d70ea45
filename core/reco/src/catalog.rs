//! What the engine knows of a product beyond its id: brand, category, sensitivity and
//! replenishment cadence.

use serde::{Deserialize, Serialize};

/// One catalogue product.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CatalogItem {
    /// Product id, e.g. `P000123`.
    pub id: String,
    /// Brand id.
    pub brand: String,
    /// Category id (a leaf, dotted: `skincare.serum`).
    pub category: String,
    /// True when the category is sensitive (no life fact may be inferred from it).
    pub sensitive: bool,
    /// True for products bought again when used up.
    pub replenishable: bool,
    /// The catalogue's typical days between two purchases, when it has one.
    pub cycle_days: Option<u32>,
}
