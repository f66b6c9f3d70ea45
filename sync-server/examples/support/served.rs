//! The real server binary as a benchmark runs it: its CLI, and `serve` on loopback, both with
//! this run's server secret (random, held in memory and in the children's environment only).

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use carnet_sync_server::secret;

pub type Error = Box<dyn std::error::Error>;

/// The server secret of this run.
fn run_secret() -> &'static zeroize::Zeroizing<String> {
    static SECRET: std::sync::OnceLock<zeroize::Zeroizing<String>> = std::sync::OnceLock::new();
    SECRET.get_or_init(|| match secret::ServerSecret::generate() {
        Ok(s) => s.to_hex(),
        Err(e) => panic!("no randomness: {e}"),
    })
}

fn command(bin: &Path) -> Command {
    let mut command = Command::new(bin);
    command
        .env("RUST_LOG", "warn")
        .env(secret::ENV, run_secret().as_str());
    command
}

/// Runs the CLI; its standard output.
pub fn cli(bin: &Path, args: &[&str]) -> Result<String, Error> {
    let out = command(bin).args(args).output()?;
    if !out.status.success() {
        return Err(format!("{args:?}: {}", String::from_utf8_lossy(&out.stderr)).into());
    }
    Ok(String::from_utf8(out.stdout)?)
}

/// A path as a command-line argument.
pub fn path(p: &Path) -> &str {
    p.to_str().unwrap_or_default()
}

/// `serve` on a free loopback port; killed when dropped.
pub struct Served {
    pub child: Child,
    /// `https://127.0.0.1:PORT`.
    pub base: String,
    /// The certificate's SHA-256.
    pub pin: String,
}

impl Served {
    pub fn start(bin: &Path, data: &Path) -> Result<Served, Error> {
        let mut child = command(bin)
            .args(["serve", "--data", path(data), "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .spawn()?;
        let mut lines = BufReader::new(child.stdout.take().ok_or("no stdout")?).lines();
        let (mut base, mut pin) = (String::new(), String::new());
        while base.is_empty() || pin.is_empty() {
            let line = lines.next().ok_or("server exited")??;
            if let Some(b) = line.strip_prefix("listening on ") {
                base = b.trim().into();
            } else if let Some(p) = line.strip_prefix("certificate sha256 ") {
                pin = p.trim().into();
            }
        }
        std::thread::spawn(move || for _ in lines {});
        Ok(Served { child, base, pin })
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
