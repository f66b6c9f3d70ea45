//! Carnet's store sync server: imports the CRM export, keeps a per-store change feed that
//! devices pull from, takes their mutations, over TLS with a pinned self-signed certificate.

pub mod admin;
pub mod admin_cli;
pub mod advisors;
pub mod auth;
pub mod backup;
pub mod books;
pub mod campaigns;
pub mod config;
pub mod connections;
pub mod customer_cli;
pub mod customer_record;
pub mod customers;
pub mod data_dir;
pub mod db;
pub mod device_api;
pub mod devices;
pub mod duplicates;
pub mod enrolment;
pub mod error;
pub mod events;
pub mod feed;
pub mod http;
pub mod ids;
pub mod import;
pub mod lease;
pub mod limits;
pub mod lockout;
pub mod merge;
pub mod messages;
pub mod model;
pub mod mutations;
pub mod networks;
pub mod outreach;
pub mod peer;
pub mod pg;
pub mod results;
pub mod sealed;
pub mod secret;
pub mod server;
pub mod sql;
pub mod stores;
pub mod sync_api;
pub mod templates;
pub mod tls;

pub use error::{Error, Result};
