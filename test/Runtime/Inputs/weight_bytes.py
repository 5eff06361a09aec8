"""Prints whether a model library's weights file holds, at OFFSET, the bytes
of the hex dnn.constant of type TYPE in MODULE (the compiler's input).

usage: weight_bytes.py MODULE WEIGHTS OFFSET TYPE
"""
import re
import sys

module, weights, offset, type_text = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
text = open(module).read()
found = re.findall(r'dense<"0x([0-9A-Fa-f]+)">\s*:\s*' + re.escape(type_text), text)
if len(found) != 1:
    sys.exit(f"expected one hex constant of {type_text}, found {len(found)}")
want = bytes.fromhex(found[0])
got = open(weights, "rb").read()[offset:offset + len(want)]
print(f"{type_text}: {len(want)} bytes at {offset}:",
      "match" if got == want else "MISMATCH")
