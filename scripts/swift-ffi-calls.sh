#!/usr/bin/env bash
# Checks that the SwiftUI shell cannot drift from the core: every call into the ffi made in ios/
# (`handheld.name(label:…)`, `Handheld.name(…)`, `task.cancel()`), every ffi record built there
# (`NetworkEvent(pathAvailable:…)`) and every field read from a variable named after an ffi record
# (`card.firstName`, `suggestion.reason`, …, see VARS below) exists in the generated bindings.
#   scripts/swift-ffi-calls.sh [target/bindings/swift/carnet_ffi.swift]
set -euo pipefail
cd "$(dirname "$0")/.."
bindings="${1:-${CARGO_TARGET_DIR:-target}/bindings/swift/carnet_ffi.swift}"
python3 - "$bindings" <<'PY'
import re, sys, pathlib

src = pathlib.Path(sys.argv[1]).read_text()
src = re.sub(r"/\*.*?\*/", "", src, flags=re.S)
src = re.sub(r"//[^\n]*", "", src)

def labels(params):
    out, depth, cur = [], 0, ""
    for ch in params:
        if ch in "([<": depth += 1
        if ch in ")]>": depth -= 1
        if ch == "," and depth == 0:
            out.append(cur); cur = ""
        else:
            cur += ch
    if cur.strip(): out.append(cur)
    res = []
    for p in out:
        m = re.match(r"\s*(\w+)(\s+\w+)?\s*:", p)
        if m: res.append(m.group(1))
    return tuple(res)

# Functions and methods of the public surface: name -> set of label tuples.
funcs = {}
for m in re.finditer(r"(?:public|open)\s+(?:static\s+)?func\s+`?(\w+)`?\s*\(([^)]*)\)", src):
    funcs.setdefault(m.group(1), set()).add(labels(m.group(2)))
for m in re.finditer(r"public protocol \w+[^{]*\{(.*?)\n\}", src, flags=re.S):
    for f in re.finditer(r"func\s+`?(\w+)`?\s*\(([^)]*)\)", m.group(1)):
        funcs.setdefault(f.group(1), set()).add(labels(f.group(2)))
# Records: fields, and those the memberwise init gives a default (they may be left out).
records, defaulted = {}, {}
for m in re.finditer(r"public struct (\w+)[^{]*\{(.*?)\n\}", src, flags=re.S):
    fields = re.findall(r"public (?:var|let) (\w+)\s*:", m.group(2))
    records[m.group(1)] = fields
    init = re.search(r"public init\((.*?)\)\s*\{", m.group(2), flags=re.S)
    defaulted[m.group(1)] = set(re.findall(r"(\w+)\s*:[^,=]*=", init.group(1))) if init else set()
# Enums: cases (with their field labels).
enums = {}
for m in re.finditer(r"public\s+enum (\w+)[^{]*\{(.*?)\n\}", src, flags=re.S):
    enums[m.group(1)] = re.findall(r"\bcase\s+(\w+)", m.group(2))

# Variables the shell names after the ffi type they hold.
VARS = {
    "card": "CustomerCard", "match": "CustomerMatch", "line": "HistoryLine",
    "offer": "ActiveOffer", "suggestion": "Suggestion", "item": "RepurchaseItem",
    "entry": "OutboxEntry", "consent": "ConsentState", "share": "Share",
    "progress": "SyncProgress", "report": "SyncReport", "contact": "Contact",
    "playlistValue": "Playlist", "hint": "DuplicateHint", "forecast": "VisitForecast",
    "status": "DeviceStatus", "book": "ClientBook", "client": "BookEntry",
    "outreach": "OutreachEntry", "wish": "Wish", "delivery": "Delivery",
}
errors, seen = [], 0
files = [p for p in pathlib.Path("ios").rglob("*.swift") if "CarnetFFI" not in p.parts]
for path in files:
    text = re.sub(r"//[^\n]*", "", path.read_text())
    for m in re.finditer(r"\b(?:handheld|Handheld|task)\s*[?!]?\.\s*(\w+)\s*\(([^()]*(?:\([^()]*\)[^()]*)*)\)", text):
        name, args = m.group(1), labels(m.group(2))
        seen += 1
        if name not in funcs:
            errors.append(f"{path}: ffi call {name}({':'.join(args)}) does not exist")
        elif args not in funcs[name]:
            want = " or ".join("(" + ":".join(l) + (":" if l else "") + ")" for l in sorted(funcs[name]))
            errors.append(f"{path}: ffi call {name}({':'.join(args)}:) has other labels: {name}{want}")
    for m in re.finditer(r"\b(NetworkEvent|HistoryQuery|Address|NewCustomer|CandidateContact)\s*\(([^()]*)\)", text):
        seen += 1
        args = labels(m.group(2))
        fields = records.get(m.group(1))
        if fields is None:
            errors.append(f"{path}: ffi record {m.group(1)} does not exist")
        elif list(args) != [f for f in fields if f in args] or \
                any(f not in args and f not in defaulted[m.group(1)] for f in fields):
            errors.append(f"{path}: {m.group(1)}({':'.join(args)}:) but its fields are {fields}")
    for m in re.finditer(r"\b(\w+)\??\.([a-z]\w*)\b(?!\s*\()", text):
        var, member = m.group(1), m.group(2)
        typ = VARS.get(var)
        if typ is None: continue
        seen += 1
        if typ not in records:
            errors.append(f"{path}: {var} is a {typ}, which the bindings do not define")
        elif member not in records[typ]:
            errors.append(f"{path}: {var}.{member}: {typ} has no field {member} ({', '.join(records[typ])})")
for e in errors: print(e, file=sys.stderr)
print(f"{seen} ffi uses checked in {len(files)} files, {len(errors)} missing")
sys.exit(1 if errors else 0)
PY
