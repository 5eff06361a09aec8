"""Makes and shows small .npy files for the dnn-run lit tests; needs no numpy.

  npy.py make OUT --shape 2,3 [--dtype <f4] [--values arange|ones|V,V,...]
              [--scale S] [--offset O] [--fortran] [--truncate N]
              [--version 1|2|3] [--header TEXT] [--magic TEXT]
  npy.py show FILE      prints "dtype <f4 shape (2, 3)" and one value a line

`make` writes row-major values (arange: offset + scale * i; ones: scale;
or a comma-separated list, where nan/inf are allowed) in the given dtype
('<f2', '<f4', '<f8', '>f4', '|f4', '<i4', ...). --truncate drops the last N
bytes, --header replaces the header dict, --magic the magic string.
"""
import argparse
import ast
import struct
import sys

FORMATS = {"f2": "e", "f4": "f", "f8": "d", "i4": "i", "i8": "q"}


def shape_text(shape):
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def make(a):
    shape = [int(d) for d in a.shape.split(",") if d]
    count = 1
    for d in shape:
        count *= d
    if a.values == "arange":
        values = [a.offset + i * a.scale for i in range(count)]
    elif a.values == "ones":
        values = [a.scale] * count
    else:
        values = [float(v) for v in a.values.split(",")]
        if len(values) != count:
            sys.exit(f"{len(values)} values for shape {shape_text(shape)}")
    order = a.dtype[0] if a.dtype[0] in "<>|=" else "<"
    code = FORMATS[a.dtype.lstrip("<>|=")]
    if code in "iq":
        values = [int(v) for v in values]
    data = struct.pack((">" if order == ">" else "<") + code * count, *values)

    header = a.header or ("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }"
                          % (a.dtype, a.fortran, shape_text(shape)))
    magic = a.magic.encode("latin-1").decode("unicode_escape").encode("latin-1")
    len_bytes = 2 if a.version == 1 else 4
    total = len(magic) + 2 + len_bytes + len(header) + 1
    header += " " * ((64 - total % 64) % 64) + "\n"
    blob = magic + bytes([a.version, 0])
    blob += struct.pack("<H" if a.version == 1 else "<I", len(header))
    blob += header.encode("latin-1") + data
    if a.truncate:
        blob = blob[:-a.truncate]
    with open(a.out, "wb") as f:
        f.write(blob)


def show(a):
    with open(a.file, "rb") as f:
        blob = f.read()
    assert blob[:6] == b"\x93NUMPY", "no magic"
    major = blob[6]
    if major == 1:
        (hlen,) = struct.unpack("<H", blob[8:10])
        start = 10
    else:
        (hlen,) = struct.unpack("<I", blob[8:12])
        start = 12
    assert (start + hlen) % 64 == 0, "data not 64-byte aligned"
    header = ast.literal_eval(blob[start:start + hlen].decode("latin-1"))
    shape = header["shape"]
    print("dtype", header["descr"], "shape", shape_text(shape),
          "fortran_order", header["fortran_order"])
    count = 1
    for d in shape:
        count *= d
    code = FORMATS[header["descr"].lstrip("<>|=")]
    for v in struct.unpack("<" + code * count, blob[start + hlen:]):
        print(repr(v))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("make")
    m.add_argument("out")
    m.add_argument("--shape", default="")
    m.add_argument("--dtype", default="<f4")
    m.add_argument("--values", default="arange")
    m.add_argument("--scale", type=float, default=1.0)
    m.add_argument("--offset", type=float, default=0.0)
    m.add_argument("--fortran", action="store_const", const="True", default="False")
    m.add_argument("--truncate", type=int, default=0)
    m.add_argument("--version", type=int, default=1)
    m.add_argument("--header")
    m.add_argument("--magic", default="\\x93NUMPY")
    s = sub.add_parser("show")
    s.add_argument("file")
    a = p.parse_args()
    make(a) if a.cmd == "make" else show(a)


if __name__ == "__main__":
    main()
