//! `carnet-sync-server`: serve, import, manage devices, erase customers, audit views.

use std::path::PathBuf;
use std::process::ExitCode;

use carnet_sync_server::admin_cli::{
    self, AdvisorCommand, CampaignCommand, EnrollmentCommand, ManagerCommand, StoreCommand,
    TasksCommand,
};
use carnet_sync_server::{
    Error, Result, backup, config, customers, db, devices, events, import, lease, model, secret,
    server, tls,
};
use carnet_sync_server::{customer_cli, enrolment};
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "carnet-sync-server",
    version,
    about = "Carnet's store sync server"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
    /// A file holding the server secret (64 hex digits, mode 0600), when CARNET_SERVER_SECRET
    /// is not set. Keep it off the data directory's disk.
    #[arg(long, global = true)]
    secret_file: Option<PathBuf>,
    /// A command printing the server secret (e.g. a KMS client), when neither
    /// CARNET_SERVER_SECRET nor a secret file is given.
    #[arg(long, global = true)]
    secret_command: Option<String>,
    /// A PostgreSQL URL (`postgres://user@host/db`): the database is there, shared by every
    /// server replica, rather than in the data directory (which keeps the TLS identity).
    /// Give a password by `PGPASSWORD` or `.pgpass`, not in a URL on a command line.
    #[arg(long, env = "CARNET_DATABASE", global = true)]
    database: Option<String>,
}

#[derive(clap::Args)]
struct DataArg {
    /// Data directory (database, TLS identity).
    #[arg(long, env = "CARNET_DATA")]
    data: PathBuf,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the sync API over TLS.
    Serve {
        /// Data directory (database, TLS identity).
        #[arg(long, env = "CARNET_DATA")]
        data: Option<PathBuf>,
        /// Address to listen on (port 0: any free port) [default: 127.0.0.1:8443].
        #[arg(long, env = "CARNET_LISTEN")]
        listen: Option<String>,
        /// TOML config file with `data`, `listen` and `trusted_proxies`.
        #[arg(long)]
        config: Option<PathBuf>,
        /// A proxy (address or CIDR range) whose `X-Forwarded-For` is believed; repeatable.
        /// Without any, the header is ignored and devices are matched by their own address.
        #[arg(long = "trusted-proxy", value_name = "CIDR")]
        trusted_proxies: Vec<String>,
        /// When the client book's tasks are made each night (`HH:MM` UTC, or `off`); wins
        /// over the config file's `tasks_at` [default: 02:00].
        #[arg(long, env = "CARNET_TASKS_AT")]
        tasks_at: Option<String>,
    },
    /// Import a CRM export as a delta against the previous import. Once a model has been
    /// built, it is rebuilt whenever an import changes products, customers or purchases.
    Import {
        #[command(flatten)]
        data: DataArg,
        /// The export folder (manifest.json and *.jsonl).
        export: PathBuf,
    },
    /// Devices: list, revoke, order a remote wipe (devices enrol with a code: `enrollment`).
    #[command(subcommand)]
    Device(DeviceCommand),
    /// Customer operations.
    #[command(subcommand)]
    Customer(CustomerCommand),
    /// Duplicate customers: report (with precision and recall against planted pairs), merge.
    #[command(subcommand)]
    Duplicates(customer_cli::DuplicatesCommand),
    /// Who looked at this customer, and when.
    Audit {
        #[command(flatten)]
        data: DataArg,
        /// Customer id.
        customer_id: String,
    },
    /// The security journal, newest first: refusals and administrative actions.
    Events {
        #[command(flatten)]
        data: DataArg,
        /// Only this store's events.
        #[arg(long)]
        store: Option<String>,
        /// How many.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Print the SHA-256 of the server certificate (creating it if needed): the devices' pin.
    Fingerprint {
        #[command(flatten)]
        data: DataArg,
    },
    /// Feed maintenance.
    #[command(subcommand)]
    Feed(FeedCommand),
    /// Stores and their policy (lease lifetime, off-network limit, idle timeout).
    #[command(subcommand)]
    Store(StoreCommand),
    /// Store managers' tokens for the admin API.
    #[command(subcommand)]
    Manager(ManagerCommand),
    /// Advisors: add, list, disable, reset PIN, their month's results.
    #[command(subcommand)]
    Advisor(AdvisorCommand),
    /// Head office's campaigns: define one for the chain or some stores, list them.
    #[command(subcommand)]
    Campaign(CampaignCommand),
    /// The client book's tasks: make them now, as the nightly run does.
    #[command(subcommand)]
    Tasks(TasksCommand),
    /// One-time enrolment codes for devices.
    #[command(subcommand)]
    Enrollment(EnrollmentCommand),
    /// The recommendation model and the stores' personalisation policies.
    #[command(subcommand)]
    Model(ModelCommand),
    /// Copy the database, encrypted with its key, while the server runs (file mode 0600).
    Backup {
        #[command(flatten)]
        data: DataArg,
        /// The copy to write (must not exist).
        #[arg(long)]
        out: PathBuf,
    },
    /// Replace the database by a backup, once it is shown to open with this server's secret.
    /// Refused while a server runs on the data directory.
    Restore {
        #[command(flatten)]
        data: DataArg,
        /// The backup.
        #[arg(long)]
        from: PathBuf,
    },
    /// Encrypt a database written by an older, unencrypted server (stop the server first).
    Encrypt {
        #[command(flatten)]
        data: DataArg,
    },
    /// The key that signs leases and orders to shred.
    #[command(subcommand)]
    LeaseKey(LeaseKeyCommand),
}

#[derive(Subcommand)]
enum LeaseKeyCommand {
    /// Sign with a new key from now on, logging no one out: the old key vouches for the new
    /// one, its leases stay valid until they expire, and devices move to the new key at their
    /// next presence check. Running servers take it within 30 s.
    Rotate {
        #[command(flatten)]
        data: DataArg,
    },
}

#[derive(Subcommand)]
enum ModelCommand {
    /// Build the model from the imported purchase history and ship it to every store.
    Build {
        #[command(flatten)]
        data: DataArg,
        /// Rules file (JSON): market rules and sensitive-category suppression per store;
        /// written to each store's policy along with the model.
        #[arg(long)]
        rules: Option<PathBuf>,
        /// The build's "today" (YYYY-MM-DD) [default: the day of the latest purchase].
        #[arg(long)]
        as_of: Option<chrono::NaiveDate>,
        /// Refuse to ship a model larger than this many bytes.
        #[arg(long, default_value_t = model::DEFAULT_MAX_BYTES)]
        max_bytes: usize,
    },
    /// Write the stores' policies from a rules file without rebuilding the model.
    Rules {
        #[command(flatten)]
        data: DataArg,
        /// Rules file (JSON).
        rules: PathBuf,
    },
}

#[derive(Subcommand)]
enum DeviceCommand {
    /// List devices.
    List {
        #[command(flatten)]
        data: DataArg,
    },
    /// Revoke a device: refused at once; an enrolled device shreds its data at its next contact.
    Revoke {
        #[command(flatten)]
        data: DataArg,
        /// Device id.
        device_id: String,
    },
    /// Order a remote wipe: the device destroys its data at its next contact.
    Wipe {
        #[command(flatten)]
        data: DataArg,
        /// Device id.
        device_id: String,
    },
}

#[derive(Subcommand)]
enum CustomerCommand {
    /// GDPR erasure: tombstones the customer and her records; no import brings her back.
    Erase {
        #[command(flatten)]
        data: DataArg,
        /// Customer id.
        customer_id: String,
    },
    #[command(flatten)]
    Ops(customer_cli::CustomerOps),
}

#[derive(Subcommand)]
enum FeedCommand {
    /// Drop tombstones and start a new feed epoch: every device re-syncs from the beginning.
    Compact {
        #[command(flatten)]
        data: DataArg,
    },
}

fn main() -> ExitCode {
    init_logs();
    let cli = Cli::parse();
    let secret = secret::Sources {
        file: cli.secret_file,
        command: cli.secret_command,
    };
    let database = cli.database.filter(|url| !url.trim().is_empty());
    db::configure(database.clone());
    match run(cli.command, database, secret) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn init_logs() {
    use tracing_subscriber::EnvFilter;
    // PostgreSQL's notices ("already exists, skipping") are not the operator's concern. Its
    // driver logs every statement's parameters at debug level (PIN hashes, customers' ids):
    // never below info, whatever RUST_LOG asks.
    let filter = match EnvFilter::try_from_default_env() {
        Ok(asked) => match "tokio_postgres=info".parse() {
            Ok(ceiling) => asked.add_directive(ceiling),
            Err(_) => EnvFilter::new("info,tokio_postgres=warn"),
        },
        Err(_) => EnvFilter::new("info,tokio_postgres=warn"),
    };
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}

fn run(command: Command, database: Option<String>, secret: secret::Sources) -> Result<()> {
    if !matches!(command, Command::Serve { .. }) {
        secret::configure(secret.clone());
    }
    match command {
        Command::Serve {
            data,
            listen,
            config: file,
            trusted_proxies,
            tasks_at,
        } => {
            let mut file = file.map(|p| config::read_file(&p)).transpose()?;
            if let Some(at) = tasks_at {
                file.get_or_insert_with(Default::default).tasks_at = Some(at);
            }
            let settings = config::resolve(data, listen, trusted_proxies, database, secret, file)?;
            secret::configure(settings.secret.clone());
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .enable_all()
                .build()
                .map_err(|e| Error::Config(format!("runtime: {e}")))?;
            runtime.block_on(server::serve(settings))
        }
        Command::Import { data, export } => {
            let started = std::time::Instant::now();
            let (db, report) = import_resuming(&data.data, &export)?;
            let conn = db.conn();
            events::operator_did(&conn, "import", None, None)?;
            for (entity, c) in &report.entities {
                println!(
                    "{}: {} new, {} changed, {} unchanged, {} deleted",
                    entity.as_str(),
                    c.new,
                    c.changed,
                    c.unchanged,
                    c.deleted
                );
            }
            println!(
                "skipped: {} erased customers, {} records of erased customers, {} orphan records",
                report.skipped_erased_customers, report.skipped_erased_records, report.orphans
            );
            println!("moved customers: {}", report.moved_customers);
            for problem in &report.problems {
                println!("{problem}");
            }
            if report.skipped_lines + report.warned_lines > 0 {
                println!(
                    "lines skipped: {}, taken with a warning: {}{}",
                    report.skipped_lines,
                    report.warned_lines,
                    if report.problems.len() < (report.skipped_lines + report.warned_lines) as usize
                    {
                        " (the first ones listed)"
                    } else {
                        ""
                    }
                );
            }
            if report.resumed > 0 {
                println!(
                    "resumed {} time(s) after a lost database connection: what earlier runs \
                     committed is counted as unchanged",
                    report.resumed
                );
            }
            println!("took {:.1} s", started.elapsed().as_secs_f64());
            if let Some(r) = model::rebuild_after_import(&conn, &report)? {
                println!(
                    "model {} rebuilt: {} bytes, {} products, {} customers, as of {}",
                    r.version, r.bytes, r.products, r.customers, r.as_of
                );
            }
            Ok(())
        }
        Command::Device(DeviceCommand::List { data }) => {
            let db = db::open_direct(&data.data)?;
            let conn = db.conn();
            let infos =
                enrolment::devices(&conn, None).map_err(|e| Error::Config(e.to_string()))?;
            for d in devices::list(&conn)? {
                let state = match &d.revoked_at {
                    Some(at) => format!("revoked {at}"),
                    None => "active".to_owned(),
                };
                let info = infos.iter().find(|i| i.device_id == d.id);
                let version = info.and_then(|i| i.app_version.clone());
                let seen = info.and_then(|i| i.last_seen_at.clone());
                let lag = info
                    .and_then(|i| i.sync_lag_secs)
                    .map_or_else(|| "never synced".to_owned(), |s| format!("sync lag {s} s"));
                let wipe = if info.is_some_and(|i| i.state == "wipe_ordered") {
                    "\twipe ordered"
                } else {
                    ""
                };
                println!(
                    "{}\t{}\t{}\t{}\tlast_seq {}\t{}\tapp {}\tlast seen {}\t{}{}",
                    d.id,
                    d.store_id,
                    d.label,
                    d.created_at,
                    d.last_seq,
                    state,
                    version.as_deref().unwrap_or("-"),
                    seen.as_deref().unwrap_or("never"),
                    lag,
                    wipe
                );
            }
            Ok(())
        }
        Command::Device(DeviceCommand::Wipe { data, device_id }) => {
            admin_cli::wipe(data.data, &device_id)
        }
        Command::Store(command) => admin_cli::store(command),
        Command::Manager(command) => admin_cli::manager(command),
        Command::Advisor(command) => admin_cli::advisor(command),
        Command::Campaign(command) => admin_cli::campaign(command),
        Command::Tasks(command) => admin_cli::tasks(command),
        Command::Enrollment(command) => admin_cli::enrollment(command),
        Command::Device(DeviceCommand::Revoke { data, device_id }) => {
            let db = db::open_direct(&data.data)?;
            let conn = db.conn();
            if devices::revoke(&conn, &device_id)? {
                events::operator_did(&conn, "device revoke", None, Some(&device_id))?;
                println!("revoked {device_id}");
                Ok(())
            } else {
                Err(Error::Config(format!("no device {device_id}")))
            }
        }
        Command::Customer(CustomerCommand::Ops(cmd)) => customer_cli::run_customer(cmd),
        Command::Duplicates(cmd) => customer_cli::run_duplicates(cmd),
        Command::Customer(CustomerCommand::Erase { data, customer_id }) => {
            let db = db::open_direct(&data.data)?;
            let report = db.conn().transaction(|tx| {
                let report = customers::erase(tx, &customer_id)?;
                // The journal says an erasure was made, not whose: `erased` keeps that.
                events::operator_did(tx, "customer erase", None, None)?;
                Ok::<_, Error>(report)
            })?;
            if report.already_erased {
                println!("{customer_id} was already erased");
            } else {
                if !report.known {
                    eprintln!(
                        "warning: {customer_id} is not in the feed; recorded as erased anyway"
                    );
                }
                println!("erased {customer_id}: {} tombstones", report.tombstones);
            }
            Ok(())
        }
        Command::Audit { data, customer_id } => {
            let db = db::open_direct(&data.data)?;
            let conn = db.conn();
            let views = customers::audit(&conn, &customer_id)?;
            if views.is_empty() {
                println!("no recorded view of {customer_id}");
            }
            for v in views {
                println!(
                    "{}\tdevice {} ({})\tstore {}\tadvisor {}\treceived {}",
                    v.viewed_at,
                    v.device_id,
                    v.device_label.unwrap_or_default(),
                    v.store_id,
                    v.advisor_id.as_deref().unwrap_or("-"),
                    v.received_at
                );
            }
            Ok(())
        }
        Command::Events { data, store, limit } => {
            let db = db::open_direct(&data.data)?;
            let conn = db.conn();
            for e in events::latest(&conn, store.as_deref(), limit)? {
                let outcome = match (e.status, &e.code) {
                    (Some(status), Some(code)) => format!("refused {status} {code}"),
                    _ => e.outcome.clone(),
                };
                println!(
                    "{}	{}	{} {}	{}	{}	target {}	from {}",
                    e.at,
                    e.store_id.as_deref().unwrap_or("-"),
                    e.actor_kind,
                    e.actor_id.as_deref().unwrap_or("-"),
                    e.action,
                    outcome,
                    e.target.as_deref().unwrap_or("-"),
                    e.source.as_deref().unwrap_or("-"),
                );
            }
            Ok(())
        }
        Command::Fingerprint { data } => {
            let identity = tls::load_or_create(&data.data)?;
            println!("{}", identity.fingerprint());
            Ok(())
        }
        Command::Model(ModelCommand::Build {
            data,
            rules,
            as_of,
            max_bytes,
        }) => {
            // Read the rules first: a typo should not cost a build.
            let rules = rules.map(|p| model::RulesFile::read(&p)).transpose()?;
            let db = db::open_direct(&data.data)?;
            let conn = db.conn();
            let r = model::build(&conn, &model::BuildOptions { as_of, max_bytes })?;
            events::operator_did(&conn, "model build", None, None)?;
            println!(
                "model {}: {} bytes, {} products, {} customers ({} left out: consent withdrawn), {} lines, as of {}",
                r.version, r.bytes, r.products, r.customers, r.withdrawn, r.lines, r.as_of
            );
            println!("read {:.1} s, built {:.1} s", r.read_s, r.build_s);
            if let Some(rules) = rules {
                let n = model::write_policies(&conn, &rules)?;
                println!("policies written for {n} stores");
            }
            Ok(())
        }
        Command::Model(ModelCommand::Rules { data, rules }) => {
            let rules = model::RulesFile::read(&rules)?;
            let db = db::open_direct(&data.data)?;
            let conn = db.conn();
            let n = model::write_policies(&conn, &rules)?;
            events::operator_did(&conn, "model rules", None, None)?;
            println!("policies written for {n} stores");
            Ok(())
        }
        Command::Backup { data, out } => {
            let copied = backup::backup(&data.data, &out)?;
            events::operator_did(&db::open_direct(&data.data)?.conn(), "backup", None, None)?;
            println!(
                "backed up to {} ({} bytes, schema {}, encrypted with the server's key)",
                out.display(),
                copied.bytes,
                copied.schema
            );
            Ok(())
        }
        Command::Restore { data, from } => {
            let copied = backup::restore(&data.data, &from)?;
            events::operator_did(&db::open_direct(&data.data)?.conn(), "restore", None, None)?;
            println!(
                "restored {} ({} bytes, schema {}); the database it replaced is kept as {}{}",
                from.display(),
                copied.bytes,
                copied.schema,
                db::DB_FILE,
                backup::BEFORE_RESTORE
            );
            Ok(())
        }
        Command::Encrypt { data } => {
            match backup::encrypt(&data.data)? {
                None => println!("the database is encrypted already"),
                Some(done) => {
                    events::operator_did(
                        &db::open_direct(&data.data)?.conn(),
                        "encrypt",
                        None,
                        None,
                    )?;
                    println!("encrypted; the plain file was overwritten and removed");
                    if done.advisors_to_reset > 0 {
                        println!(
                            "{} advisors' PINs were hashed without the server's pepper and no \
                             longer verify: give each a new PIN (`advisor reset`)",
                            done.advisors_to_reset
                        );
                    }
                }
            }
            Ok(())
        }
        Command::LeaseKey(LeaseKeyCommand::Rotate { data }) => {
            let db = db::open_direct(&data.data)?;
            let public_key = db.conn().transaction(|tx| {
                let public_key = lease::rotate(tx, lease::now_ms())?;
                events::operator_did(tx, "lease key rotate", None, None)?;
                Ok::<_, Error>(public_key)
            })?;
            println!(
                "lease key rotated; devices move to {public_key} at their next presence check"
            );
            Ok(())
        }
        Command::Feed(FeedCommand::Compact { data }) => {
            let db = db::open_direct(&data.data)?;
            let n = db.conn().transaction(|tx| {
                let n = customers::compact_feed(tx)?;
                events::operator_did(tx, "feed compact", None, None)?;
                Ok::<_, Error>(n)
            })?;
            println!("dropped {n} tombstones; new feed epoch: every device re-syncs");
            Ok(())
        }
    }
}

/// How long an import goes on trying to reach a database that went away (PostgreSQL
/// restarted, a failover) before it gives up.
const RESUME_FOR: std::time::Duration = std::time::Duration::from_secs(120);

/// Imports `export`, resuming on a new connection when the database connection is lost
/// mid-way: batches already committed stay, and the rerun, a delta against them, does the
/// rest. The counts are the last run's (what earlier runs committed counts as unchanged) and
/// say how many times it resumed.
fn import_resuming(
    data_dir: &std::path::Path,
    export: &std::path::Path,
) -> Result<(db::DirectConn, import::ImportReport)> {
    let started = std::time::Instant::now();
    let mut progress = |entity: carnet_protocol::Entity, read: u64, total: u64| {
        eprintln!("import: {} {read}/{total}", entity.as_str());
    };
    let mut resumed = 0;
    loop {
        // A database unreachable at the start is an error at once (a wrong URL); once the
        // import has begun, it is waited for.
        let db = match db::open_direct(data_dir) {
            Ok(db) => db,
            Err(e) if resumed == 0 || started.elapsed() >= RESUME_FOR => return Err(e),
            Err(e) => {
                eprintln!("import: the database is not back yet ({e}); trying again in 2 s");
                std::thread::sleep(std::time::Duration::from_secs(2));
                continue;
            }
        };
        match import::run(&db.conn(), export, &mut progress) {
            Ok(mut report) => {
                report.resumed = resumed;
                return Ok((db, report));
            }
            Err(Error::Sql(e)) if e.is_connection_lost() && started.elapsed() < RESUME_FOR => {
                eprintln!("import: the database connection was lost ({e}); resuming in 2 s");
                std::thread::sleep(std::time::Duration::from_secs(2));
                resumed += 1;
            }
            Err(e) => return Err(e),
        }
    }
}
