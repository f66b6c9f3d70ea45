#!/usr/bin/env python3
"""Groups a `perf report --no-children --sort sym --stdio` (read on stdin) by what the code
does, and prints each group's share of the samples. The groups are matched on symbol names,
first match wins; what matches none is "other"."""
import re
import sys

GROUPS = [
    ("Ed25519 (lease and request signatures)", r"ed25519|x25519|ge_|fe_|sc_reduce|sc_muladd|scalar"),
    ("AES-GCM and SHA (TLS records, sealed payloads, hashes)", r"aes|gcm|ghash|sha256|sha512|chacha|poly1305|hmac"),
    ("TLS protocol (rustls)", r"rustls"),
    ("PostgreSQL client (tokio-postgres, pool)", r"tokio_postgres|postgres_protocol|postgres_types|deadpool"),
    ("JSON (serde_json)", r"serde_json|serde::|itoa|ryu"),
    ("gzip (flate2, miniz)", r"miniz|flate2|deflate|crc32|adler"),
    ("HTTP (hyper, h2, axum, tower)", r"hyper|\bh2::|axum|tower|http::"),
    ("async runtime, threads, locks", r"tokio|parking_lot|futex|crossbeam|std::sync|park|condvar"),
    ("memory (malloc, copies)", r"malloc|free|memcpy|memmove|memset|realloc|cfree|_int_|alloc::"),
    ("kernel (syscalls, network)", r"^\[k\]|entry_syscall|tcp_|sock|ep_poll|do_syscall"),
]

shares = {}
for line in sys.stdin:
    m = re.match(r"\s*([\d.]+)%\s+(\[[.k]\])\s+(.*)", line)
    if not m:
        continue
    share, kind, symbol = float(m.group(1)), m.group(2), m.group(3).strip()
    text = f"{kind} {symbol}" if kind == "[k]" else symbol
    group = next((name for name, pattern in GROUPS if re.search(pattern, text, re.I)), "other")
    if kind == "[k]" and group == "other":
        group = "kernel (syscalls, network)"
    shares[group] = shares.get(group, 0.0) + share
for name, share in sorted(shares.items(), key=lambda kv: -kv[1]):
    print(f"  {share:5.1f} %  {name}")
