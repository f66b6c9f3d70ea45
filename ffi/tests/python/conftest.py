"""A real store for the ffi tests: a generated tiny export imported into the real sync server,
a store with an advisor, a model, and the server serving on loopback TLS, sending its e-mails
to a real SMTP server (aiosmtpd) that keeps them in a folder."""

import json
import os
import pathlib
import re
import secrets
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
TARGET = ROOT / os.environ.get("CARGO_TARGET_DIR", "target")
BINDINGS = TARGET / "bindings" / "python"
BIN = TARGET / os.environ.get("PROFILE", "debug")
sys.path.insert(0, str(BINDINGS))

ADVISOR = "A001"
ADVISOR_PIN = "2468"
# The generated export's advisor of S001 who keeps a client book (tiny, seed 42).
BOOK_ADVISOR = "A00001"
BOOK_ADVISOR_PIN = "1357"
STORE = "S001"
# The throwaway server's secret: in the environment of its processes only.
SERVER_ENV = {**os.environ, "CARNET_SERVER_SECRET": secrets.token_hex(32)}


def server(*args, stdin=None):
    """Runs the server's CLI; returns its standard output."""
    done = subprocess.run(
        [str(BIN / "carnet-sync-server"), *args],
        input=stdin,
        capture_output=True,
        text=True,
        env={**SERVER_ENV, "RUST_LOG": "warn"},
    )
    assert done.returncode == 0, f"{args}: {done.stderr}"
    return done.stdout


class Store:
    """The running server and what a device needs to enrol."""

    def __init__(self, root):
        self.root = root
        self.data = root / "server"
        self.export = root / "export"
        subprocess.run(
            [str(BIN / "carnet-fixtures"), "--size", "tiny", "--out", str(self.export)],
            check=True,
            capture_output=True,
        )
        server("import", "--data", str(self.data), str(self.export))
        # The store's network is 127.0.0.1: a client sending from 127.0.0.2 is off it.
        server("store", "add", "--data", str(self.data), "--store", STORE, "--name", "Paris Rivoli",
               "--network", "127.0.0.1/32")
        server("advisor", "add", "--data", str(self.data), "--store", STORE, "--id", ADVISOR,
               "--name", "Camille", stdin=ADVISOR_PIN + "\n")
        server("advisor", "add", "--data", str(self.data), "--store", STORE, "--id", BOOK_ADVISOR,
               "--name", "Martine", stdin=BOOK_ADVISOR_PIN + "\n")
        server("model", "build", "--data", str(self.data))
        self.mailbox = root / "mailbox"
        self.mailbox.mkdir()
        self.smtp = subprocess.Popen(
            [sys.executable, str(ROOT / "sync-server/tests/support/smtp_sink.py"), str(self.mailbox)],
            stdout=subprocess.PIPE,
            text=True,
        )
        smtp_port = int(self.smtp.stdout.readline())
        config = root / "carnet.toml"
        config.write_text(
            'public_url = "https://carnet.example.com"\n'
            f'[email]\nhost = "127.0.0.1"\nport = {smtp_port}\ntls = "none"\n'
            'from = "Carnet Paris Rivoli <conseil@example.com>"\n'
            "[messages]\npoll_millis = 100\n"
        )
        self.log = open(root / "server.log", "w")
        self.process = subprocess.Popen(
            [str(BIN / "carnet-sync-server"), "serve", "--data", str(self.data), "--listen", "127.0.0.1:0",
             "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=self.log,
            text=True,
            env={**SERVER_ENV, "RUST_LOG": "info"},
        )
        self.url = self.pin = None
        while self.url is None or self.pin is None:
            line = self.process.stdout.readline()
            assert line, "the server exited before listening"
            if line.startswith("listening on "):
                self.url = line.split()[-1]
            elif line.startswith("certificate sha256 "):
                self.pin = line.split()[-1]

    def enrollment_code(self):
        out = server("enrollment", "issue", "--data", str(self.data), "--store", STORE, "--no-qr")
        return re.search(r"^code (\S+)", out, re.M).group(1)

    def customers(self):
        """The store's customers from the export, with at least a few purchases."""
        with open(self.export / "customers.jsonl") as f:
            customers = [json.loads(line) for line in f]
        bought = {}
        with open(self.export / "purchases.jsonl") as f:
            for line in f:
                p = json.loads(line)
                bought[p["customer_id"]] = bought.get(p["customer_id"], 0) + 1
        return [c for c in customers if c["home_store_id"] == STORE and bought.get(c["id"], 0) >= 5]

    def mails(self):
        """The e-mails the SMTP server accepted, in order."""
        return [p.read_text() for p in sorted(self.mailbox.glob("*.eml"))]

    def stop(self):
        self.smtp.kill()
        self.smtp.wait()
        self.process.kill()
        self.process.wait()
        self.log.close()


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    s = Store(tmp_path_factory.mktemp("store"))
    yield s
    s.stop()
