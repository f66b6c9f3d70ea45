#!/usr/bin/env bash
# Checks the app's strings and privacy rules in ios/:
# - every string the app shows (Text("…"), Button("…"), Label, TextField, Section, …, the model's
#   Notice and Phrase keys) is in ios/CarnetApp/Resources/Localizable.xcstrings, translated into
#   English, French and Italian (interpolations match %@ / %lld), and every value in the catalog
#   has the same placeholders (%@, %lld, %ld, %d, %1$@ …), in the same order, as the English one;
# - no logging or pasteboard call anywhere in ios/ (nothing personal may reach them).
#   scripts/swift-strings.sh [--list]   (--list prints the keys found)
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - "$@" <<'PY'
import json, pathlib, re, sys

calls = r"(?:Text|Button|Label|TextField|SecureField|Section|LabeledContent|Picker|Toggle|ContentUnavailableView|navigationTitle|LocalizedStringKey)"
patterns = [
    re.compile(r"\b" + calls + r"\(\s*\"((?:[^\"\\]|\\.)*)\""),
    re.compile(r"\b(?:Notice\(key|self\.init\(key|Phrase\()\s*:?\s*\"((?:[^\"\\]|\\.)*)\""),
    re.compile(r"case \.\w+: \"((?:[^\"\\]|\\.)*)\""),  # LocalizedStringKey switches
]
keys = {}
app = [p for p in pathlib.Path("ios/CarnetApp").rglob("*.swift")]
model = [p for p in pathlib.Path("ios/CarnetKit/Sources/CarnetModel").rglob("*.swift")]
for path in app + model:
    text = path.read_text()
    for pat in patterns:
        for m in pat.finditer(text):
            key = m.group(1)
            if key:
                keys.setdefault(key, str(path))
if "--list" in sys.argv:
    for k in sorted(keys): print(k)
    sys.exit(0)

catalog = json.loads(pathlib.Path("ios/CarnetApp/Resources/Localizable.xcstrings").read_text())
strings = catalog["strings"]
def matcher(key):
    parts = re.split(r"\\\((?:[^()]|\([^()]*\))*\)", key)
    return re.compile("^" + r"%(?:@|lld|ld|d)".join(re.escape(p) for p in parts) + "$")
errors = []
for key, where in sorted(keys.items()):
    rx = matcher(key)
    found = [k for k in strings if rx.match(k)]
    if not found:
        errors.append(f"{where}: \"{key}\" is not in Localizable.xcstrings")
        continue
    locs = strings[found[0]].get("localizations", {})
    for lang in ("en", "fr", "it"):
        unit = locs.get(lang, {}).get("stringUnit", {})
        if not unit.get("value") or unit.get("state") != "translated":
            errors.append(f"\"{found[0]}\" has no translated {lang} value")
placeholder = re.compile(r"%(?:\d+\$)?(?:@|lld|ld|d)")
for key, entry in sorted(strings.items()):
    locs = entry.get("localizations", {})
    en = locs.get("en", {}).get("stringUnit", {}).get("value", key)  # the key is the English text
    want = placeholder.findall(en)
    for lang, loc in sorted(locs.items()):
        value = loc.get("stringUnit", {}).get("value")
        if value is None:
            continue
        got = placeholder.findall(value)
        if got != want:
            errors.append(f"\"{key}\": the {lang} value has placeholders {' '.join(got) or '(none)'}, "
                          f"the English one {' '.join(want) or '(none)'}")
for p in pathlib.Path("ios").rglob("*.swift"):
    if "CarnetFFI" in p.parts: continue
    for n, line in enumerate(p.read_text().splitlines(), 1):
        code = line.split("//")[0]
        if re.search(r"\b(print|debugPrint|NSLog|os_log|dump)\(|\bLogger\(|UIPasteboard|\.pasteboard", code) and "Tests" not in p.parts:
            errors.append(f"{p}:{n}: logging or pasteboard call in the app")
for e in errors: print(e, file=sys.stderr)
print(f"{len(keys)} strings checked (en, fr, it), {len(errors)} problems")
sys.exit(1 if errors else 0)
PY
