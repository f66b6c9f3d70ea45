//! Carnet's store sync server: imports the CRM export, keeps a per-store change feed that
//! devices pull from, takes their mutations, over TLS with a pinned self-signed certificate.

pub mod auth;
pub mod config;
pub mod customers;
pub mod db;
pub mod devices;
pub mod duplicates;
pub mod error;
pub mod feed;
pub mod http;
pub mod ids;
pub mod import;
pub mod model;
pub mod mutations;
pub mod server;
pub mod tls;

pub use error::{Error, Result};
