//! The back office's commands: stores, their policy and networks, managers, advisors,
//! enrolment codes (printed and as a QR code in the terminal), devices' state and remote wipe.
//!
//! PINs are read from standard input, never from the command line (shell history, `ps`).

use std::io::BufRead;
use std::path::PathBuf;

use carnet_protocol::presence::PolicyUpdate;
use clap::Subcommand;

use crate::error::AdminError;
use crate::error::{Error, Result};
use crate::sql::Conn;
use crate::{advisors, books, campaigns, console, db, enrolment, events, networks, stores, tls};

/// `store …`
#[derive(Subcommand)]
pub enum StoreCommand {
    /// Create a store and its policy.
    Add {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// Store id, e.g. S001.
        #[arg(long)]
        store: String,
        /// Its name.
        #[arg(long)]
        name: String,
        /// Lease lifetime in seconds (30..=3600) [default: 300].
        #[arg(long)]
        lease_secs: Option<u32>,
        /// Off the store network longer than this (seconds) → devices shred [default: 259200].
        #[arg(long)]
        off_network_secs: Option<u32>,
        /// Idle timeout in seconds (30..=28800) [default: 300].
        #[arg(long)]
        idle_secs: Option<u32>,
        /// Days after a contact during which nobody contacts the customer again (1..=60)
        /// [default: 7].
        #[arg(long)]
        quiet_days: Option<u32>,
        /// An address range (CIDR) its handhelds reach the server from; repeatable. Without
        /// one, the store's devices are refused until one is added (`store network add`).
        #[arg(long = "network", value_name = "CIDR")]
        networks: Vec<String>,
    },
    /// List stores, their policy and their networks.
    List {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
    },
    /// A store's networks: the address ranges its handhelds reach the server from.
    #[command(subcommand)]
    Network(NetworkCommand),
}

/// `store network …`
#[derive(Subcommand)]
pub enum NetworkCommand {
    /// Add address ranges (CIDR, IPv4 or IPv6; an address alone is one host).
    Add(Ranges),
    /// List a store's ranges.
    List {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// The store.
        #[arg(long)]
        store: String,
    },
    /// Remove ranges: devices reaching the server from there are refused at once.
    Remove(Ranges),
}

/// A store's ranges to add or remove, all or none.
#[derive(clap::Args)]
pub struct Ranges {
    /// Data directory.
    #[arg(long, env = "CARNET_DATA")]
    data: PathBuf,
    /// The store.
    #[arg(long)]
    store: String,
    /// A range, e.g. 192.168.10.0/24; repeatable.
    #[arg(long = "cidr", value_name = "CIDR", required = true)]
    cidrs: Vec<String>,
}

/// `manager …`
#[derive(Subcommand)]
pub enum ManagerCommand {
    /// Issue a manager token for a store's admin API; printed once, only its hash is kept.
    Add {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// The store.
        #[arg(long)]
        store: String,
        /// A label, e.g. the manager's role.
        #[arg(long, default_value = "")]
        label: String,
    },
    /// List manager tokens (ids, stores, labels; never the tokens).
    List {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// Only this store's.
        #[arg(long)]
        store: Option<String>,
    },
    /// Revoke a manager token: its next request is refused.
    Revoke {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// The manager id (`manager list`).
        id: String,
    },
    /// Create a manager's account for the web console (`/console`): the password is read
    /// from standard input; with `--totp`, the address to give her authenticator app is
    /// printed once.
    Account {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// What she signs in with.
        #[arg(long)]
        id: String,
        /// Her name, shown on the pages.
        #[arg(long)]
        name: String,
        /// Her store (without it, `--head-office`).
        #[arg(
            long,
            required_unless_present = "head_office",
            conflicts_with = "head_office"
        )]
        store: Option<String>,
        /// Head office: every store.
        #[arg(long)]
        head_office: bool,
        /// Sign in with a TOTP code as well.
        #[arg(long)]
        totp: bool,
        /// The language of her pages: en or fr.
        #[arg(long, default_value = "en")]
        language: String,
    },
}

/// `advisor …`
#[derive(Subcommand)]
pub enum AdvisorCommand {
    /// Each advisor's month in a store: tasks done, customers reached, attributed sales, book.
    Results {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// The store.
        #[arg(long)]
        store: String,
        /// The month (`YYYY-MM`; this month by default).
        #[arg(long)]
        month: Option<String>,
    },
    /// Add an advisor; her PIN (4 to 8 digits) is read from standard input.
    Add {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// The store.
        #[arg(long)]
        store: String,
        /// Her identifier, e.g. A042.
        #[arg(long)]
        id: String,
        /// Her display name.
        #[arg(long)]
        name: String,
    },
    /// List a store's advisors.
    List {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// The store.
        #[arg(long)]
        store: String,
    },
    /// Give one customer to an advisor's client book (or, without `--to`, to no book).
    GiveClient {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// The customer's store.
        #[arg(long)]
        store: String,
        /// The customer.
        customer_id: String,
        /// The advisor who keeps her from now on.
        #[arg(long)]
        to: Option<String>,
    },
    /// Hand a leaver's whole client book over to another advisor of the store.
    HandOver {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// The store.
        #[arg(long)]
        store: String,
        /// The advisor whose book it is.
        from: String,
        /// The advisor who takes it.
        #[arg(long)]
        to: String,
    },
    /// Disable an advisor: she can no longer sign in.
    Disable {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// Her store.
        #[arg(long)]
        store: String,
        /// Her identifier.
        id: String,
    },
    /// End her lockouts, on every device of her store.
    Unlock {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// Her store.
        #[arg(long)]
        store: String,
        /// Her identifier.
        id: String,
    },
    /// New PIN (from standard input); re-enables and unlocks her.
    Reset {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// Her store.
        #[arg(long)]
        store: String,
        /// Her identifier.
        id: String,
    },
}

/// `enrollment …`
#[derive(Subcommand)]
pub enum EnrollmentCommand {
    /// Issue a one-time, expiring enrolment code for a store; prints it and a QR code.
    Issue {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// The store.
        #[arg(long)]
        store: String,
        /// Minutes the code stays valid (1..=1440).
        #[arg(long, default_value_t = enrolment::DEFAULT_TTL_MINUTES)]
        ttl_minutes: u32,
        /// The server's address as devices reach it, put in the QR code.
        #[arg(long)]
        server_url: Option<String>,
        /// Do not draw the QR code.
        #[arg(long)]
        no_qr: bool,
    },
}

fn admin(e: AdminError) -> Error {
    match e {
        AdminError::Db(e) => e,
        other => Error::Config(other.to_string()),
    }
}

fn read_pin() -> Result<String> {
    eprintln!("PIN (4 to 8 digits), then Enter:");
    let pin = read_line("the PIN")?;
    advisors::check_pin(&pin).map_err(admin)?;
    Ok(pin)
}

/// One line of standard input, without its end.
fn read_line(what: &str) -> Result<String> {
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .map_err(|e| Error::Config(format!("cannot read {what} from standard input: {e}")))?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

/// Runs a `store` command.
pub fn store(command: StoreCommand) -> Result<()> {
    match command {
        StoreCommand::Add {
            data,
            store,
            name,
            lease_secs,
            off_network_secs,
            idle_secs,
            quiet_days,
            networks: ranges,
        } => {
            let db = db::open_direct(&data)?;
            let conn = db.conn();
            let update = PolicyUpdate {
                lease_ttl_secs: lease_secs,
                off_network_limit_secs: off_network_secs,
                idle_timeout_secs: idle_secs,
                quiet_period_days: quiet_days,
            };
            // The store and its networks together, or nothing (a typo in a range).
            let p = conn.transaction(|tx| {
                let p = stores::add(tx, &store, &name, &update).map_err(admin)?;
                for cidr in &ranges {
                    networks::add(tx, &store, cidr).map_err(admin)?;
                }
                events::operator_did(tx, "store add", Some(&store), Some(&store))?;
                Ok::<_, Error>(p)
            })?;
            println!(
                "store {store}: lease {} s, off-network limit {} s, idle timeout {} s, quiet period {} days",
                p.lease_ttl_secs,
                p.off_network_limit_secs,
                p.idle_timeout_secs,
                p.quiet_period_days
            );
            print_networks(&conn, &store)
        }
        StoreCommand::List { data } => {
            let db = db::open_direct(&data)?;
            let conn = db.conn();
            for (id, name, p) in stores::list(&conn).map_err(admin)? {
                let ranges: Vec<String> = networks::list(&conn, &id)
                    .map_err(admin)?
                    .into_iter()
                    .map(|n| n.cidr)
                    .collect();
                println!(
                    "{id}\t{name}\tlease {} s\toff-network {} s\tidle {} s\tnetworks {}",
                    p.lease_ttl_secs,
                    p.off_network_limit_secs,
                    p.idle_timeout_secs,
                    if ranges.is_empty() {
                        "none".to_owned()
                    } else {
                        ranges.join(" ")
                    }
                );
            }
            Ok(())
        }
        StoreCommand::Network(command) => network(command),
    }
}

/// Prints a store's networks, or why its devices are refused without one.
fn print_networks(conn: &Conn<'_>, store: &str) -> Result<()> {
    let ranges = networks::list(conn, store).map_err(admin)?;
    if ranges.is_empty() {
        println!(
            "store {store} has no network: its devices are refused until one is added \
             (`store network add --store {store} --cidr RANGE`)"
        );
    }
    for n in ranges {
        println!("network {}\tadded {}", n.cidr, n.added_at);
    }
    Ok(())
}

/// A change to one of a store's ranges.
type RangeChange = fn(&Conn<'_>, &str, &str) -> Result<(), AdminError>;

fn network(command: NetworkCommand) -> Result<()> {
    let (ranges, change, action): (Ranges, RangeChange, _) = match command {
        NetworkCommand::List { data, store } => {
            let db = db::open_direct(&data)?;
            let conn = db.conn();
            stores::require(&conn, &store).map_err(admin)?;
            return print_networks(&conn, &store);
        }
        NetworkCommand::Add(ranges) => (
            ranges,
            |c, store, cidr| networks::add(c, store, cidr).map(drop),
            "store network add",
        ),
        NetworkCommand::Remove(ranges) => (ranges, networks::remove, "store network remove"),
    };
    let db = db::open_direct(&ranges.data)?;
    let conn = db.conn();
    conn.transaction(|tx| {
        for cidr in &ranges.cidrs {
            change(tx, &ranges.store, cidr).map_err(admin)?;
            events::operator_did(tx, action, Some(&ranges.store), Some(cidr))?;
        }
        Ok::<_, Error>(())
    })?;
    print_networks(&conn, &ranges.store)
}

/// Runs a `manager` command.
pub fn manager(command: ManagerCommand) -> Result<()> {
    match command {
        ManagerCommand::Add { data, store, label } => {
            let db = db::open_direct(&data)?;
            let conn = db.conn();
            let (id, token) = stores::add_manager(&conn, &store, &label).map_err(admin)?;
            events::operator_did(&conn, "manager add", Some(&store), Some(&id))?;
            println!("manager {id}");
            println!("store {store}");
            println!("token {token}");
            eprintln!("The token is shown once: the server keeps only its hash.");
        }
        ManagerCommand::List { data, store } => {
            let db = db::open_direct(&data)?;
            let conn = db.conn();
            for m in stores::list_managers(&conn, store.as_deref()).map_err(admin)? {
                println!("{}\t{}\t{}\t{}", m.id, m.store_id, m.created_at, m.label);
            }
        }
        ManagerCommand::Account {
            data,
            id,
            name,
            store,
            head_office: _,
            totp,
            language,
        } => {
            let language = console::accounts::Language::parse(&language)
                .ok_or_else(|| Error::Config("the console speaks en and fr".into()))?;
            eprintln!("Password (12 to 128 characters), then Enter:");
            let password = zeroize::Zeroizing::new(read_line("the password")?);
            console::accounts::check_password(&password).map_err(admin)?;
            let password_hash = advisors::hash_pin(&password).map_err(admin)?;
            let db = db::open_direct(&data)?;
            let conn = db.conn();
            let otpauth = console::accounts::add(
                &conn,
                &console::accounts::NewAccount {
                    id: &id,
                    name: &name,
                    store_id: store.as_deref(),
                    password_hash: &password_hash,
                    with_totp: totp,
                    language,
                },
            )
            .map_err(admin)?;
            events::operator_did(&conn, "manager account", store.as_deref(), Some(&id))?;
            println!("account {id}");
            println!("store {}", store.as_deref().unwrap_or("(head office)"));
            if let Some(otpauth) = otpauth {
                println!("totp {otpauth}");
                eprintln!("Give the totp address to her authenticator app: it is shown once.");
            }
        }
        ManagerCommand::Revoke { data, id } => {
            let db = db::open_direct(&data)?;
            let conn = db.conn();
            stores::revoke_manager(&conn, &id).map_err(admin)?;
            events::operator_did(&conn, "manager revoke", None, Some(&id))?;
            println!("manager {id} revoked");
        }
    }
    Ok(())
}

/// `tasks run`
#[derive(Subcommand)]
pub enum TasksCommand {
    /// Make the client book's tasks now, as the nightly run does (every store of the
    /// catalogue, or one), and print each store's count by kind and the time taken.
    Run {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// Only this store.
        #[arg(long)]
        store: Option<String>,
        /// The day the tasks are for (`YYYY-MM-DD`) [default: today, UTC].
        #[arg(long)]
        day: Option<chrono::NaiveDate>,
    },
}

pub fn tasks(command: TasksCommand) -> Result<()> {
    let TasksCommand::Run { data, store, day } = command;
    let today = day.unwrap_or_else(|| chrono::Utc::now().date_naive());
    let db = db::open_direct(&data)?;
    let conn = db.conn();
    let started = std::time::Instant::now();
    let shared = crate::tasks::Shared::read(&conn)?;
    println!(
        "catalogue, model and campaigns read in {:.2} s",
        started.elapsed().as_secs_f64()
    );
    let stores = match store {
        Some(s) => vec![s],
        None => crate::tasks::catalogue_stores(&conn)?,
    };
    let mut total = 0;
    for store_id in &stores {
        let t = std::time::Instant::now();
        let run = conn.transaction(|tx| crate::tasks::run_store(tx, &shared, store_id, today))?;
        total += run.tasks();
        let kinds: Vec<String> = run
            .by_kind
            .iter()
            .map(|(k, n)| format!("{k} {n}"))
            .collect();
        println!(
            "{store_id}	{} reachable customers	{} tasks ({})	{:.2} s",
            run.reachable,
            run.tasks(),
            kinds.join(", "),
            t.elapsed().as_secs_f64()
        );
    }
    println!(
        "{total} tasks for {today} in {} store(s) in {:.2} s",
        stores.len(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `campaign add|list`
#[derive(Subcommand)]
pub enum CampaignCommand {
    /// Define (or replace) a campaign from a JSON file (id, title, starts_on, ends_on, target,
    /// messages by language, product_ids, stores): checked, its customers counted in each
    /// store of its scope, refused when it targets nobody.
    Add {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
        /// The campaign (a `CampaignRecord` as JSON).
        #[arg(long)]
        file: PathBuf,
    },
    /// The campaigns defined.
    List {
        /// Data directory.
        #[arg(long, env = "CARNET_DATA")]
        data: PathBuf,
    },
}

pub fn campaign(command: CampaignCommand) -> Result<()> {
    match command {
        CampaignCommand::Add { data, file } => {
            let text = std::fs::read(&file).map_err(|source| Error::Io {
                path: file.clone(),
                source,
            })?;
            let campaign: carnet_protocol::CampaignRecord = serde_json::from_slice(&text)
                .map_err(|e| Error::Config(format!("{}: not a campaign: {e}", file.display())))?;
            let db = db::open_direct(&data)?;
            let report = db.conn().transaction(|tx| {
                let report = campaigns::define(tx, &campaign).map_err(admin)?;
                events::operator_did(tx, "campaign defined", None, None)?;
                Ok::<_, Error>(report)
            })?;
            for (store, customers) in &report.stores {
                println!("{store}\t{customers} customers targeted");
            }
            println!(
                "campaign {} sent to {} store(s)",
                campaign.id,
                report.stores.len()
            );
            Ok(())
        }
        CampaignCommand::List { data } => {
            let db = db::open_direct(&data)?;
            for c in campaigns::list(&db.conn()).map_err(admin)? {
                let stores = if c.stores.is_empty() {
                    "every store".to_owned()
                } else {
                    c.stores.join(",")
                };
                println!(
                    "{}\t{} to {}\t{}\t{}",
                    c.id, c.starts_on, c.ends_on, stores, c.title
                );
            }
            Ok(())
        }
    }
}

pub fn advisor(command: AdvisorCommand) -> Result<()> {
    match command {
        AdvisorCommand::Add {
            data,
            store,
            id,
            name,
        } => {
            let db = db::open_direct(&data)?;
            let conn = db.conn();
            // Fail on a bad store or id before asking for the PIN.
            stores::require(&conn, &store).map_err(admin)?;
            stores::check_id("an advisor id", &id).map_err(admin)?;
            let pin = read_pin()?;
            advisors::add(&conn, &store, &id, &name, &pin).map_err(admin)?;
            events::operator_did(&conn, "advisor add", Some(&store), Some(&id))?;
            println!("advisor {id} added to {store}");
            Ok(())
        }
        AdvisorCommand::GiveClient {
            data,
            store,
            customer_id,
            to,
        } => {
            let db = db::open_direct(&data)?;
            db.conn().transaction(|tx| {
                stores::require(tx, &store).map_err(admin)?;
                books::reassign(tx, &store, &customer_id, to.as_deref(), chrono::Utc::now())
                    .map_err(admin)?;
                events::operator_did(tx, "client given", Some(&store), Some(&customer_id))
            })?;
            match to {
                Some(to) => println!("{customer_id} is in the client book of {to}"),
                None => println!("{customer_id} is in no client book"),
            }
            Ok(())
        }
        AdvisorCommand::HandOver {
            data,
            store,
            from,
            to,
        } => {
            let db = db::open_direct(&data)?;
            let moved = db.conn().transaction(|tx| {
                stores::require(tx, &store).map_err(admin)?;
                let moved =
                    books::hand_over(tx, &store, &from, &to, chrono::Utc::now()).map_err(admin)?;
                events::operator_did(tx, "book handed over", Some(&store), Some(&from))?;
                Ok::<_, Error>(moved)
            })?;
            println!("{moved} customers of {from} are now in the client book of {to}");
            Ok(())
        }
        AdvisorCommand::Results { data, store, month } => {
            let today = chrono::Utc::now().date_naive();
            let month = month.unwrap_or_else(|| today.format("%Y-%m").to_string());
            let (first, next) = crate::results::parse_month(&month).map_err(admin)?;
            let until = today.min(next.pred_opt().unwrap_or(next));
            let db = db::open_direct(&data)?;
            let results =
                crate::results::of_store(&db.conn(), &store, first, until).map_err(admin)?;
            println!(
                "advisor\tname\ttasks done\treached\tattributed\treceipts\tbook\tactive\topen tasks"
            );
            for a in results.advisors {
                println!(
                    "{}\t{}\t{}\t{}\t{}.{:02}\t{}\t{}\t{}\t{}",
                    a.advisor_id,
                    a.name.as_deref().unwrap_or("-"),
                    a.tasks_done,
                    a.customers_reached,
                    a.attributed_cents / 100,
                    (a.attributed_cents % 100).abs(),
                    a.attributed_receipts,
                    a.book_size,
                    a.book_active,
                    a.tasks_open
                );
            }
            println!("group tasks open: {}", results.group_tasks_open);
            Ok(())
        }
        AdvisorCommand::List { data, store } => {
            let db = db::open_direct(&data)?;
            let conn = db.conn();
            stores::require(&conn, &store).map_err(admin)?;
            for a in advisors::list(&conn, &store).map_err(admin)? {
                let state = if a.disabled {
                    "disabled".to_owned()
                } else if a.locked {
                    "locked out on every device (advisor unlock)".to_owned()
                } else if !a.locked_on_devices.is_empty() {
                    format!("locked out on {}", a.locked_on_devices.join(" "))
                } else {
                    "active".to_owned()
                };
                println!(
                    "{}\t{}\t{}\tfailed {} (24 h)",
                    a.advisor_id, a.name, state, a.failed_attempts
                );
            }
            Ok(())
        }
        AdvisorCommand::Disable { data, store, id } => {
            let db = db::open_direct(&data)?;
            let conn = db.conn();
            advisors::disable(&conn, &store, &id).map_err(admin)?;
            events::operator_did(&conn, "advisor disable", Some(&store), Some(&id))?;
            println!("advisor {id} of {store} disabled");
            Ok(())
        }
        AdvisorCommand::Unlock { data, store, id } => {
            let db = db::open_direct(&data)?;
            let conn = db.conn();
            advisors::unlock(&conn, &store, &id).map_err(admin)?;
            events::operator_did(&conn, "advisor unlock", Some(&store), Some(&id))?;
            println!("advisor {id} of {store} unlocked");
            Ok(())
        }
        AdvisorCommand::Reset { data, store, id } => {
            let db = db::open_direct(&data)?;
            let conn = db.conn();
            stores::check_id("an advisor id", &id).map_err(admin)?;
            let pin = read_pin()?;
            advisors::reset(&conn, &store, &id, &pin).map_err(admin)?;
            events::operator_did(&conn, "advisor reset", Some(&store), Some(&id))?;
            println!("advisor {id} of {store}: new PIN set, failures cleared");
            Ok(())
        }
    }
}

/// Runs an `enrollment` command.
pub fn enrollment(command: EnrollmentCommand) -> Result<()> {
    let EnrollmentCommand::Issue {
        data,
        store,
        ttl_minutes,
        server_url,
        no_qr,
    } = command;
    if let Some(url) = &server_url
        && !url.starts_with("https://")
    {
        return Err(Error::Config(
            "the server URL must start with https://".into(),
        ));
    }
    let db = db::open_direct(&data)?;
    let conn = db.conn();
    let pin = tls::load_or_create(&data)?.fingerprint();
    let code = enrolment::issue(
        &conn,
        &store,
        Some(ttl_minutes),
        &pin,
        server_url.as_deref(),
    )
    .map_err(admin)?;
    events::operator_did(&conn, "enrollment issue", Some(&store), None)?;
    println!("code {}", code.code);
    println!("store {}", code.store_id);
    println!("expires {}", code.expires_at);
    println!("pin {pin}");
    if !no_qr {
        println!("{}", qr(&code.qr_payload)?);
    }
    Ok(())
}

/// The payload as a QR code drawn with Unicode half blocks (two modules a character).
pub fn qr(payload: &str) -> Result<String> {
    use qrcode::render::unicode::Dense1x2;
    let code = qrcode::QrCode::new(payload.as_bytes())
        .map_err(|e| Error::Config(format!("QR code: {e}")))?;
    Ok(code
        .render::<Dense1x2>()
        .dark_color(Dense1x2::Light)
        .light_color(Dense1x2::Dark)
        .quiet_zone(true)
        .build())
}

/// `device wipe`: orders a remote wipe.
pub fn wipe(data: PathBuf, device_id: &str) -> Result<()> {
    let db = db::open_direct(&data)?;
    let conn = db.conn();
    enrolment::order_wipe(&conn, None, device_id).map_err(admin)?;
    events::operator_did(&conn, "device wipe", None, Some(device_id))?;
    println!("remote wipe ordered for {device_id}: it destroys its data at its next contact");
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    #[test]
    fn qr_is_drawn_in_half_blocks() {
        let text = super::qr("carnet-enroll:?code=ABCD").unwrap();
        assert!(text.lines().count() > 10);
        assert!(text.contains('▀') || text.contains('▄') || text.contains('█'));
    }
}
