//! A push as the server receives it: the body read, then every mutation applied against a
//! store imported from the generated CRM export, and rolled back.

use std::sync::{Mutex, MutexGuard, OnceLock, PoisonError};

use carnet_fixtures::generate::{Size, generate};
use carnet_sync_server::mutations::{self, PushError};
use carnet_sync_server::sql::Conn;
use carnet_sync_server::{db, enrolment, import, stores};
use rusqlite::Connection;
use tempfile::TempDir;

/// The store whose device pushes (a store of the generated export).
pub const FUZZ_STORE: &str = "S001";

/// Reads the body as the server's push endpoint does ([`mutations::read_request`]), then
/// applies its mutations as [`mutations::push`] does, in a transaction rolled back afterwards
/// so that every input meets the same server. A body is refused as a whole for a sequence gap
/// only, and otherwise gets one outcome per mutation: no input makes the server fail.
pub fn push_request(data: &[u8]) {
    let Ok(request) = mutations::read_request(data) else {
        return;
    };
    let mut server = server();
    let Server { conn, device_id } = &mut *server;
    let conn = Conn::Lite(conn);
    conn.execute_batch("BEGIN")
        .expect("a write transaction opens");
    let pushed = mutations::push(&conn, device_id, &request.mutations);
    conn.execute_batch("ROLLBACK").expect("the push rolls back");
    match pushed {
        Ok(results) => {
            let seqs = |s: &mut dyn Iterator<Item = u64>| s.collect::<Vec<_>>();
            assert_eq!(
                seqs(&mut results.iter().map(|r| r.seq)),
                seqs(&mut request.mutations.iter().map(|m| m.seq)),
                "one outcome per mutation, in order"
            );
        }
        Err(PushError::Gap { .. }) => {}
        Err(e) => panic!("a push body made the server fail: {e}"),
    }
}

/// The generated CRM export the targets' server imports: size `tiny`, seed 42.
pub fn seeded_export() -> TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    generate(Size::Tiny, 42, dir.path()).expect("the tiny export is generated");
    dir
}

/// Adds [`FUZZ_STORE`] with the default policy and enrols a device of it as the server's
/// enrolment does (a code issued, then consumed with a device key); returns its id.
pub fn enrol_device(conn: &Conn<'_>) -> String {
    stores::add(conn, FUZZ_STORE, "Paris Opéra", &Default::default()).expect("the store is added");
    let code =
        enrolment::issue(conn, FUZZ_STORE, None, "ab", None).expect("an enrolment code is issued");
    let (device_id, _, _) =
        enrolment::enroll(conn, &code.code, &[1; 32], "fuzz").expect("a device enrols");
    device_id
}

struct Server {
    conn: Connection,
    device_id: String,
}

/// The process's server: its database in memory, the export imported, one device of
/// [`FUZZ_STORE`] that has pushed nothing yet.
fn server() -> MutexGuard<'static, Server> {
    static SERVER: OnceLock<Mutex<Server>> = OnceLock::new();
    SERVER
        .get_or_init(|| {
            let export = seeded_export();
            let mut conn = Connection::open_in_memory().expect("an in-memory database");
            db::migrate(&mut conn).expect("the schema is created");
            import::run(&Conn::Lite(&conn), export.path(), &mut |_, _, _| {})
                .expect("the export imports");
            let device_id = enrol_device(&Conn::Lite(&conn));
            Mutex::new(Server { conn, device_id })
        })
        .lock()
        // A replayed input that panicked leaves its transaction rolled back.
        .unwrap_or_else(PoisonError::into_inner)
}
