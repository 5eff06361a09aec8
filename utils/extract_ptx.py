#!/usr/bin/env python3
"""Write the PTX (or cubin) of the gpu.binary ops of an MLIR module to files.

    dnn-opt ... --gpu-module-to-binary=format=isa | utils/extract_ptx.py - -o out.ptx
    utils/extract_ptx.py model.gpu.mlir -o dir/     # one file per gpu.binary

Reads the module as text (from a file or "-" for stdin), finds every
`gpu.binary @name [#gpu.object<..., assembly = "...">]` (format=isa) or
`bin = "..."` (format=bin) and decodes MLIR's string escapes. With one
binary, -o names the file; with several, -o is a directory and the files are
<name>.ptx / <name>.cubin. Exit status 1, with a message, when the input has
no gpu.binary.
"""
from __future__ import annotations

import argparse
import pathlib
import re
import sys

BINARY = re.compile(r'gpu\.binary\s+@([\w$.-]+)')
PAYLOAD = re.compile(r'\b(assembly|bin)\s*=\s*"((?:[^"\\]|\\.)*)"', re.S)


def decode(text: str) -> bytes:
    """MLIR string literal body -> bytes (\\XX hex, \\\\, \\", \\n, \\t)."""
    out = bytearray()
    i = 0
    while i < len(text):
        ch = text[i]
        if ch != "\\":
            out += ch.encode("utf-8")
            i += 1
            continue
        nxt = text[i + 1]
        if nxt in '\\"':
            out.append(ord(nxt))
            i += 2
        elif nxt == "n":
            out.append(10)
            i += 2
        elif nxt == "t":
            out.append(9)
            i += 2
        else:
            out.append(int(text[i + 1:i + 3], 16))
            i += 3
    return bytes(out)


def binaries(module: str):
    """(name, kind, data) for every gpu.binary, kind 'ptx' or 'cubin'."""
    starts = [(m.start(), m.group(1)) for m in BINARY.finditer(module)]
    for idx, (start, name) in enumerate(starts):
        end = starts[idx + 1][0] if idx + 1 < len(starts) else len(module)
        m = PAYLOAD.search(module, start, end)
        if m:
            yield name, "ptx" if m.group(1) == "assembly" else "cubin", \
                decode(m.group(2))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("input", help='MLIR file, or "-" for stdin')
    ap.add_argument("-o", "--output", required=True,
                    help="file (one binary) or directory (several)")
    args = ap.parse_args()
    text = sys.stdin.read() if args.input == "-" else \
        pathlib.Path(args.input).read_text()
    found = list(binaries(text))
    if not found:
        print(f"extract_ptx.py: no gpu.binary in {args.input}", file=sys.stderr)
        return 1
    out = pathlib.Path(args.output)
    if len(found) == 1 and not out.is_dir():
        out.write_bytes(found[0][2])
        return 0
    out.mkdir(parents=True, exist_ok=True)
    for name, kind, data in found:
        (out / f"{name}.{kind}").write_bytes(data)
    return 0


if __name__ == "__main__":
    sys.exit(main())
