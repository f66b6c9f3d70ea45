#!/usr/bin/env bash
# Checks the Linux interfaces of Apple's frameworks (ios/LinuxStubs) the SwiftUI app is
# type-checked against: every public declaration names the Apple documentation page (or module
# interface) it was copied from, in the comment just above it, and none is newer than the app's
# deployment target (iOS 17), since Linux ignores iOS availability and could not tell.
#   scripts/swift-stubs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - ios/LinuxStubs <<'PY'
import pathlib, re, sys

DEPLOYMENT_TARGET = (17, 0)
SOURCE = re.compile(r"//.*(https://developer\.apple\.com/documentation/|\.swiftinterface)")
DECL = re.compile(
    r"^\s*(?:@[^\s(]+(?:\([^)]*\))?\s+)*(?:nonisolated\s+|final\s+|mutating\s+|static\s+|class\s+|weak\s+)*"
    r"(?:public|open)\s+(?:[a-z@]+\s+)*(func|init|var|let|struct|class|enum|protocol|typealias|subscript)\b"
)
# Members a conformance requires and whose page is the protocol's own: no page of their own.
WITNESS = re.compile(
    r"\b(typealias Body\b|func ==|var body: Never|func update\(\)|var _arg|var _specifier|"
    r"func body\(content:)"
)
AVAILABLE = re.compile(r"@available\(iOS (\d+)\.(\d+)")

problems = []
for path in sorted(pathlib.Path(sys.argv[1]).rglob("*.swift")):
    lines = path.read_text().splitlines()
    for n, line in enumerate(lines):
        m = AVAILABLE.search(line)
        if m and (int(m.group(1)), int(m.group(2))) > DEPLOYMENT_TARGET:
            problems.append(f"{path}:{n + 1}: newer than iOS {DEPLOYMENT_TARGET[0]}: {line.strip()}")
        if not DECL.match(line) or WITNESS.search(line):
            continue
        # The comment block just above, over attributes and other comment lines.
        k = n - 1
        while k >= 0 and (lines[k].strip().startswith("@") or lines[k].strip().startswith("//")):
            if SOURCE.search(lines[k]):
                break
            k -= 1
        if k < 0 or not SOURCE.search(lines[k]):
            problems.append(f"{path}:{n + 1}: no Apple documentation page above: {line.strip()}")

if problems:
    print("\n".join(problems), file=sys.stderr)
    sys.exit(1)
print("every stub declaration names its Apple source; none is newer than the deployment target")
PY
