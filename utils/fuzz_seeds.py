#!/usr/bin/env python3
"""Write the fuzz seed corpus: every MLIR test input of the repository.

    fuzz_seeds.py SRC_ROOT OUT_DIR

Each .mlir file under test/ (but test/Fuzz/Inputs) and examples/ is split at `// -----` (the
--split-input-file marker) and each piece is written to OUT_DIR under the
SHA-1 of its bytes (duplicates collapse). Used by utils/fuzz.sh and by
test/Fuzz/lit-corpus.test, which replays the whole corpus through the fuzz
target in every build.
"""
import hashlib
import pathlib
import sys

MAX_BYTES = 64 * 1024  # utils/fuzz.sh runs libFuzzer with -max_len=65536


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    src, out = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
    out.mkdir(parents=True, exist_ok=True)
    # Crash inputs (test/Fuzz/Inputs) are replayed by their own tests, and
    # the open ones still crash: they are not seeds of the corpus replay.
    fuzz_inputs = src / "test" / "Fuzz" / "Inputs"
    files = [p for p in sorted((src / "test").rglob("*.mlir"))
             if fuzz_inputs not in p.parents]
    files += sorted((src / "examples").glob("*.mlir"))
    count = 0
    for path in files:
        for piece in path.read_bytes().split(b"// -----"):
            if not piece.strip() or len(piece) > MAX_BYTES:
                continue
            (out / hashlib.sha1(piece).hexdigest()).write_bytes(piece)
            count += 1
    print(f"{count} seeds from {len(files)} files in {out}")
    return 0 if count else 1


if __name__ == "__main__":
    sys.exit(main())
