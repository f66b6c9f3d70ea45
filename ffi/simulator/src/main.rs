//! The handheld on a Linux desk: a terminal app with the screens of the SwiftUI app, built
//! only on the ffi facade.
//!
//! `carnet-simulator --data DIR [--server URL --pin SHA256 --code CODE]` — the enrolment
//! fields are pre-filled from the options. F2 toggles the store Wi-Fi, F4 registers a new
//! customer, F5 syncs, F7 toggles a refused single app mode, F10 quits.

mod app;
mod appointments;
mod catalog;
mod input;
mod keystore;
mod notes;
mod register;
mod tasks;
mod ui;
mod words;

use std::path::PathBuf;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use ratatui::crossterm::event::{self, Event, KeyEventKind};

/// The version the store's server shows managers for this handheld: the simulator's own.
const APP_VERSION: &str = concat!("simulator ", env!("CARGO_PKG_VERSION"));

/// Runs the facade's asynchronous calls (enrolment, presence, sign-in) for the key handlers.
static RUNTIME: LazyLock<tokio::runtime::Runtime> = LazyLock::new(|| {
    #[allow(clippy::expect_used)]
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime")
});

pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    RUNTIME.block_on(future)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let mut data = PathBuf::from("data/handheld");
    let mut defaults = [String::new(), String::new(), String::new()];
    let mut sign_in: Option<(String, String)> = None;
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--data" => data = PathBuf::from(value()?),
            "--server" => defaults[0] = value()?,
            "--pin" => defaults[1] = value()?,
            "--code" => defaults[2] = value()?,
            // Demo only: sign this advisor in at start (`ID:PIN`).
            "--sign-in" => {
                let v = value()?;
                let (id, pin) = v.split_once(':').ok_or("--sign-in takes ID:PIN")?;
                sign_in = Some((id.to_owned(), pin.to_owned()));
            }
            other => {
                eprintln!(
                    "unknown option {other}\nusage: carnet-simulator --data DIR [--server URL --pin SHA256 --code CODE] [--sign-in ID:PIN]"
                );
                std::process::exit(2);
            }
        }
    }
    catalog::set_device_locale(catalog::locale_from_env());
    std::fs::create_dir_all(&data)?;
    let key_store = Arc::new(keystore::FileKeyStore::new(data.join("keystore")));
    let handheld =
        carnet_ffi::Handheld::open(data.display().to_string(), key_store, APP_VERSION.into())?;
    let mut app = app::App::new(handheld, defaults);
    app.start(sign_in);

    let mut terminal = ratatui::init();
    let result = run(&mut terminal, &mut app);
    ratatui::restore();
    result
}

fn run(
    terminal: &mut ratatui::DefaultTerminal,
    app: &mut app::App,
) -> Result<(), Box<dyn std::error::Error>> {
    let mut ticks = 0u32;
    while !app.quit {
        terminal.draw(|frame| ui::draw(frame, app))?;
        if event::poll(Duration::from_millis(200))? {
            if let Event::Key(key) = event::read()?
                && key.kind == KeyEventKind::Press
            {
                app.on_key(key);
            }
        } else {
            ticks += 1;
            app.after_sync();
            // Renew presence now and then, as the app does in the background.
            if ticks.is_multiple_of(50) && app.wifi_on {
                let _ = block_on(app.handheld.check_presence());
                app.follow_state();
            }
        }
    }
    Ok(())
}
