"""dnn-run on hostile input: broken .npy files, wrong arguments and options,
broken or absurd modules (docs/dnn-run.md, "Malformed input").

Every case runs dnn-run as a subprocess with a timeout and a 4 GiB address
space limit and expects either a clean refusal -- exit status 1, an error
report on stderr that names the culprit (the file, the option, the input
index, and for IR problems the location file:line:col) -- or, where the
input is legitimately valid, a normal run with the right results. A crash
(a signal), an abort, a hang or an attempt to allocate absurd memory fails
the test.

dnn-run reports errors in two documented forms: MLIR diagnostics
("model.mlir:3:8: error: ...") for what comes from the IR, and one line
"dnn-run: <what>: <why>" for everything else (the form the other dnn-run
tests match exactly); `expect_error` accepts these two.
"""
import os
import pathlib
import re
import shutil
import struct
import subprocess
import tempfile

import numpy as np
import pytest

from conftest import address_space_limit

TIMEOUT_S = 60
ADDRESS_SPACE = 4 << 30

# A small model: conv2d + relu + flatten + linear, five inputs.
MODEL = """\
func.func @main(%x: tensor<1x3x8x8xf32>, %w: tensor<4x3x3x3xf32>, %b: tensor<4xf32>,
                %lw: tensor<5x144xf32>, %lb: tensor<5xf32>) -> tensor<1x5xf32> {
  %c = dnn.conv2d %x, %w, %b : (tensor<1x3x8x8xf32>, tensor<4x3x3x3xf32>, tensor<4xf32>) -> tensor<1x4x6x6xf32>
  %r = dnn.activation relu %c : tensor<1x4x6x6xf32>
  %f = dnn.flatten %r : tensor<1x4x6x6xf32> -> tensor<1x144xf32>
  %y = dnn.linear %f, %lw, %lb : (tensor<1x144xf32>, tensor<5x144xf32>, tensor<5xf32>) -> tensor<1x5xf32>
  return %y : tensor<1x5xf32>
}
"""
SHAPES = [(1, 3, 8, 8), (4, 3, 3, 3), (4,), (5, 144), (5,)]
BAD = 2  # the input the hostile files replace: %b, tensor<4xf32>


def model_ref(x, w, b, lw, lb):
    x, w = x.astype(np.float64), w.astype(np.float64)
    conv = np.zeros((1, 4, 6, 6))
    for i in range(3):
        for j in range(3):
            conv += np.einsum("nchw,fc->nfhw", x[:, :, i:i + 6, j:j + 6], w[:, :, i, j])
    conv += b[None, :, None, None]
    return np.maximum(conv, 0).reshape(1, 144) @ lw.T.astype(np.float64) + lb


_limits = address_space_limit(ADDRESS_SPACE)


def _limits_as_nobody():
    _limits()
    os.setgid(65534)
    os.setuid(65534)


def dnn(dnn_run, *args, env=None, as_nobody=False, stdin=subprocess.DEVNULL):
    """Runs dnn-run (at most TIMEOUT_S, in ADDRESS_SPACE bytes); returns
    (returncode, stdout, stderr), the texts decoded leniently (messages may
    quote non-UTF-8 bytes of the input)."""
    p = subprocess.run([dnn_run, *map(str, args)], capture_output=True,
                       timeout=TIMEOUT_S, env=env, stdin=stdin,
                       preexec_fn=_limits_as_nobody if as_nobody else _limits)
    return (p.returncode, p.stdout.decode("utf-8", "replace"),
            p.stderr.decode("utf-8", "replace"))


def expect_error(result, *needles, located=None):
    """A clean refusal: status 1 (not a signal), an error report on stderr
    that contains every needle; `located`: the file name an MLIR location
    file:line:col must name."""
    rc, out, err = result
    assert rc == 1, f"status {rc}\nstdout:\n{out}\nstderr:\n{err}"
    assert "error" in err.lower() or re.search(r"^dnn-run: ", err, re.M), err
    for needle in needles:
        assert needle in err, f"{needle!r} not in:\n{err}"
    for bad in ("Assertion", "Stack dump", "LLVM ERROR", "terminate called",
                "PLEASE submit a bug report", "Segmentation fault"):
        assert bad not in err, err
    if located:
        assert re.search(rf"{re.escape(located)}:\d+:\d+: error: ", err), err


def expect_run(result):
    rc, out, err = result
    assert rc == 0, f"status {rc}\nstdout:\n{out}\nstderr:\n{err}"
    return out


def write(path, data):
    path.write_bytes(data if isinstance(data, bytes) else data.encode())
    return path


@pytest.fixture
def model(tmp_path):
    return write(tmp_path / "model.mlir", MODEL)


@pytest.fixture
def arrays():
    rng = np.random.default_rng(7)
    return [rng.standard_normal(s).astype(np.float32) for s in SHAPES]


@pytest.fixture
def inputs(tmp_path, arrays):
    paths = []
    for i, a in enumerate(arrays):
        np.save(tmp_path / f"in{i}.npy", a)
        paths.append(tmp_path / f"in{i}.npy")
    return paths


def input_arg(paths):
    return "--input=" + ",".join(map(str, paths))


def with_bad(inputs, bad):
    paths = list(inputs)
    paths[BAD] = bad
    return input_arg(paths)


# ---------------------------------------------------------------------------
# .npy files built byte by byte
# ---------------------------------------------------------------------------

def npy(header, data=b"", version=1, magic=b"\x93NUMPY", length=None, pad=True):
    """An .npy image: magic, version, header length (`length` overrides
    it), the header (padded as NumPy does unless `pad` is false), data."""
    if isinstance(header, str):
        header = header.encode("latin-1")
    size_bytes = 2 if version == 1 else 4
    if pad:
        total = len(magic) + 2 + size_bytes + len(header) + 1
        header += b" " * ((64 - total % 64) % 64) + b"\n"
    n = len(header) if length is None else length
    size = struct.pack("<H" if size_bytes == 2 else "<I", n)
    return magic + bytes([version, 0]) + size + header + data


def dict_header(descr="'<f4'", fortran="False", shape="(4,)"):
    return f"{{'descr': {descr}, 'fortran_order': {fortran}, 'shape': {shape}, }}"


DATA4 = np.array([1.5, -2, 0.25, 8], "<f4").tobytes()
VALID = npy(dict_header(), DATA4)

NPY_CASES = {
    "empty-file": (b"", "not an .npy file (the file is empty)"),
    "partial-magic": (b"\x93NUM", "truncated .npy file (4 bytes, part of the magic string)"),
    "magic-only": (b"\x93NUMPY", "truncated .npy file (no version)"),
    "no-header-length": (b"\x93NUMPY\x01\x00\x40", "truncated .npy file (no header length)"),
    "truncated-mid-header": (VALID[:40], "truncated .npy file (header of 118 bytes, file has 40 bytes)"),
    "truncated-mid-data": (VALID[:-5], "truncated .npy file: float32 array of shape (4,) needs 16 bytes of data, the file has 11"),
    "truncated-no-data": (VALID[:-16], "truncated .npy file: float32 array of shape (4,) needs 16 bytes of data, the file has 0"),
    "bad-magic": (b"\x93NUMPX" + VALID[6:], "not an .npy file (no \\x93NUMPY magic string)"),
    "text-file": (b"1.5 -2 0.25 8\n", "not an .npy file"),
    "version-4.0": (npy(dict_header(), DATA4, version=4), "unsupported .npy format version 4.0"),
    "version-1.1": (VALID[:7] + b"\x01" + VALID[8:], "unsupported .npy format version 1.1"),
    "version-0.0": (VALID[:6] + b"\x00" + VALID[7:], "unsupported .npy format version 0.0"),
    "header-not-a-dict": (npy("[1, 2, 3]", DATA4), "malformed header: not a dict"),
    "header-garbage": (npy("hello", DATA4), "malformed header: unexpected character 'h'"),
    "header-empty": (npy("", b"", pad=False), "malformed header: unexpected end"),
    "header-missing-keys": (npy("{'descr': '<f4', 'fortran_order': False}", DATA4),
                            "malformed header: it needs the keys 'descr', 'fortran_order' and 'shape'"),
    "header-unterminated-dict": (npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4,)", DATA4),
                                 "malformed header: expected ',' or '}'"),
    "header-unterminated-string": (npy("{'descr': '<f4", DATA4), "malformed header: unterminated string"),
    "header-deep-nesting": (npy("{'descr': " + "(" * 5000 + ")" * 5000 + "}", DATA4),
                            "malformed header: nesting too deep"),
    "header-nul-byte": (npy("{'descr': '<f4', \x00}", DATA4), "malformed header: unexpected character '\\x00'"),
    "header-non-utf8": (npy(b"{'descr': '<f4', \xff\xfe}", DATA4), "malformed header: unexpected character '\\xff'"),
    "header-length-64KiB": (npy(dict_header(), DATA4, length=0xFFFF, pad=False),
                            "truncated .npy file (header of 65535 bytes"),
    "header-length-4GiB": (npy(dict_header(), DATA4, version=2, length=0xFFFFFFFF, pad=False),
                           "truncated .npy file (header of 4294967295 bytes"),
    "fortran-order": (npy(dict_header(fortran="True"), DATA4), "Fortran-order arrays are not supported"),
    "fortran-order-not-bool": (npy(dict_header(fortran="1"), DATA4),
                               "malformed header: 'fortran_order' is not True or False"),
    "shape-not-a-tuple": (npy(dict_header(shape="4"), DATA4), "malformed header: 'shape' is not a tuple"),
    "shape-negative": (npy(dict_header(shape="(-4,)"), DATA4), "malformed header: 'shape' must hold non-negative integers"),
    "shape-float": (npy(dict_header(shape="(4.0,)"), DATA4), "malformed header: expected ',' or ')'"),
    "shape-int-overflow": (npy(dict_header(shape="(99999999999999999999,)"), DATA4), "malformed header: bad integer"),
    "shape-product-overflow": (npy(dict_header(shape=f"({2**40}, {2**40})"), DATA4),
                               "array of shape (1099511627776, 1099511627776) is too large"),
    "claims-1e12-elements": (npy(dict_header(shape="(1000000, 1000000)"), DATA4),
                             "truncated .npy file: float32 array of shape (1000000, 1000000) needs "
                             "4000000000000 bytes of data, the file has 16"),
    "trailing-bytes": (VALID + b"junk", "corrupt .npy file: 4 bytes after the data of the float32 array of shape (4,)"),
    "descr-garbage": (npy(dict_header(descr="'zz'"), DATA4), "unsupported dtype 'zz'"),
    "descr-not-a-string": (npy(dict_header(descr="4"), DATA4), "structured arrays are not supported"),
    "descr-unicode": (npy(dict_header(descr="'<U4'"), b"\0" * 64), "unsupported dtype '<U4'"),
    "descr-datetime": (npy(dict_header(descr="'<M8[ns]'"), b"\0" * 32), "unsupported dtype '<M8[ns]'"),
    "descr-itemsize-huge": (npy(dict_header(descr="'<f99999999999'"), DATA4), "unsupported dtype '<f99999999999'"),
}


@pytest.mark.parametrize("case", NPY_CASES)
def test_broken_npy_input(dnn_run, tmp_path, model, inputs, case):
    data, message = NPY_CASES[case]
    bad = write(tmp_path / f"{case}.npy", data)
    expect_error(dnn(dnn_run, model, with_bad(inputs, bad)),
                 f"dnn-run: input {BAD} ({bad}): {message}")


# Arrays NumPy writes that do not fit tensor<4xf32>: dnn-run converts
# nothing (docs/dnn-run.md), so each is refused with what it is.
DTYPE_CASES = {
    "float64": (np.zeros(4, np.float64), "expected tensor<4xf32>, got float64 array of shape (4,)"),
    "float16": (np.zeros(4, np.float16), "expected tensor<4xf32>, got float16 array of shape (4,)"),
    "int64": (np.zeros(4, np.int64), "expected tensor<4xf32>, got int64 array of shape (4,)"),
    "uint8": (np.zeros(4, np.uint8), "expected tensor<4xf32>, got uint8 array of shape (4,)"),
    "bool": (np.zeros(4, bool), "expected tensor<4xf32>, got bool array of shape (4,)"),
    "complex64": (np.zeros(4, np.complex64), "expected tensor<4xf32>, got complex64 array of shape (4,)"),
    "object-pickle": (np.array([1.0, "x", None, 2], dtype=object), "unsupported dtype '|O'"),
    "structured": (np.zeros(4, dtype=[("a", "<f4")]), "structured arrays are not supported"),
    "big-endian": (np.zeros(4, ">f4"), "big-endian arrays are not supported (dtype '>f4')"),
    "zero-size": (np.zeros(0, np.float32), "expected tensor<4xf32>, got float32 array of shape (0,)"),
    "wrong-shape": (np.zeros(5, np.float32), "expected tensor<4xf32>, got float32 array of shape (5,)"),
    "wrong-rank": (np.zeros((2, 2), np.float32), "expected tensor<4xf32>, got float32 array of shape (2, 2)"),
    "rank-0": (np.array(1, np.float32), "expected tensor<4xf32>, got float32 array of shape ()"),
}


@pytest.mark.parametrize("case", DTYPE_CASES)
def test_mismatched_array(dnn_run, tmp_path, model, inputs, case):
    array, message = DTYPE_CASES[case]
    bad = tmp_path / f"{case}.npy"
    np.save(bad, array, allow_pickle=True)
    expect_error(dnn(dnn_run, model, with_bad(inputs, bad)),
                 f"dnn-run: input {BAD} ({bad}): {message}")


def test_huge_sparse_file_is_not_read(dnn_run, tmp_path, model, inputs):
    """A consistent 2 GB file (sparse) of the wrong shape: refused on its
    header, without mapping and copying 2 GB (which used to run out of the
    address space and abort)."""
    bad = tmp_path / "huge.npy"
    with open(bad, "wb") as f:
        f.write(npy(dict_header(shape="(500000000,)")))
        f.truncate(f.tell() + 2_000_000_000)
    expect_error(dnn(dnn_run, model, with_bad(inputs, bad)),
                 f"dnn-run: input {BAD} ({bad}): expected tensor<4xf32>, "
                 "got float32 array of shape (500000000,)")


# Variants that NumPy may write or read: accepted, and the values arrive.
VARIANTS = {
    "version-2.0": npy(dict_header(), DATA4, version=2),
    "version-3.0": npy(dict_header(), DATA4, version=3),
    "byte-order-pipe": npy(dict_header(descr="'|f4'"), DATA4),
    "byte-order-native": npy(dict_header(descr="'=f4'"), DATA4),
    "shape-as-list": npy(dict_header(shape="[4]"), DATA4),
    "python2-long": npy(dict_header(shape="(4L,)"), DATA4),
    "double-quotes": npy('{"descr": "<f4", "fortran_order": False, "shape": (4,)}', DATA4),
    "unpadded-header": npy(dict_header(), DATA4, pad=False),
}


@pytest.mark.parametrize("case", VARIANTS)
def test_npy_variants_are_read(dnn_run, tmp_path, model, inputs, arrays, case):
    good = write(tmp_path / f"{case}.npy", VARIANTS[case])
    out_dir = tmp_path / "out"
    expect_run(dnn(dnn_run, model, with_bad(inputs, good), f"--output-dir={out_dir}"))
    arrays[BAD] = np.frombuffer(DATA4, "<f4")
    np.testing.assert_allclose(np.load(out_dir / "out0.npy"), model_ref(*arrays),
                               rtol=1e-4, atol=1e-4)


# ---------------------------------------------------------------------------
# Files that are not files
# ---------------------------------------------------------------------------

def test_input_is_a_directory(dnn_run, tmp_path, model, inputs):
    (tmp_path / "dir.npy").mkdir()
    expect_error(dnn(dnn_run, model, with_bad(inputs, tmp_path / "dir.npy")),
                 f"dnn-run: input {BAD} ({tmp_path / 'dir.npy'}): cannot read the file: it is a directory")


def test_input_is_missing(dnn_run, tmp_path, model, inputs):
    expect_error(dnn(dnn_run, model, with_bad(inputs, tmp_path / "missing.npy")),
                 f"dnn-run: input {BAD} ({tmp_path / 'missing.npy'}): cannot read the file: "
                 "No such file or directory")


def test_input_is_a_fifo(dnn_run, tmp_path, model, inputs):
    """Opening a FIFO without a writer used to block forever."""
    fifo = tmp_path / "fifo.npy"
    os.mkfifo(fifo)
    expect_error(dnn(dnn_run, model, with_bad(inputs, fifo)),
                 f"dnn-run: input {BAD} ({fifo}): cannot read the file: it is a FIFO")


def test_input_is_a_device(dnn_run, model, inputs):
    """/dev/zero used to be read until memory ran out."""
    expect_error(dnn(dnn_run, model, with_bad(inputs, "/dev/zero")),
                 f"dnn-run: input {BAD} (/dev/zero): cannot read the file: it is a character device")


def test_input_is_unreadable(dnn_run, tmp_path, arrays):
    """Without read permission (as root, which reads anything, dnn-run runs
    as nobody, on files in a directory that nobody can enter)."""
    root = os.geteuid() == 0
    where = pathlib.Path(tempfile.mkdtemp(prefix="dnn-hostile-")) if root else tmp_path
    try:
        where.chmod(0o755)
        model = write(where / "model.mlir", MODEL)
        model.chmod(0o644)
        paths = [where / f"in{i}.npy" for i in range(len(arrays))]
        for p, a in zip(paths, arrays):
            np.save(p, a)
            p.chmod(0o644)
        paths[BAD].chmod(0)
        expect_error(dnn(dnn_run, model, input_arg(paths), as_nobody=root),
                     f"dnn-run: input {BAD} ({paths[BAD]}): cannot read the file: Permission denied")
    finally:
        if root:
            shutil.rmtree(where)


def test_empty_input_name(dnn_run, model, inputs):
    paths = list(inputs)
    paths[BAD] = ""
    expect_error(dnn(dnn_run, model, input_arg(paths)),
                 f"dnn-run: input {BAD}: empty file name in --input")


# ---------------------------------------------------------------------------
# Arguments: inputs, references, entry
# ---------------------------------------------------------------------------

def test_too_few_inputs(dnn_run, model, inputs):
    expect_error(dnn(dnn_run, model, input_arg(inputs[:4])),
                 "dnn-run: @main takes 5 inputs, but --input gives 4 files")


def test_too_many_inputs(dnn_run, model, inputs):
    expect_error(dnn(dnn_run, model, input_arg(inputs + inputs[:1])),
                 "dnn-run: @main takes 5 inputs, but --input gives 6 files")


def test_compare_wrong_shape(dnn_run, tmp_path, model, inputs):
    ref = tmp_path / "ref.npy"
    np.save(ref, np.zeros((5, 1), np.float32))
    expect_error(dnn(dnn_run, model, input_arg(inputs), f"--compare={ref}"),
                 f"dnn-run: reference 0 ({ref}): expected the shape of out0 (tensor<1x5xf32>), "
                 "got float32 array of shape (5, 1)")


def test_compare_wrong_dtype(dnn_run, tmp_path, model, inputs):
    ref = tmp_path / "ref.npy"
    np.save(ref, np.zeros((1, 5), np.int32))
    expect_error(dnn(dnn_run, model, input_arg(inputs), f"--compare={ref}"),
                 f"dnn-run: reference 0 ({ref}): expected a float16, float32 or float64 array, "
                 "got int32 array of shape (1, 5)")


def test_compare_missing(dnn_run, tmp_path, model, inputs):
    ref = tmp_path / "nothere.npy"
    expect_error(dnn(dnn_run, model, input_arg(inputs), f"--compare={ref}"),
                 f"dnn-run: reference 0 ({ref}): cannot read the file: No such file or directory")


def test_compare_truncated(dnn_run, tmp_path, model, inputs):
    ref = write(tmp_path / "ref.npy", npy(dict_header(shape="(1, 5)"), DATA4))
    expect_error(dnn(dnn_run, model, input_arg(inputs), f"--compare={ref}"),
                 f"dnn-run: reference 0 ({ref}): truncated .npy file: float32 array of shape (1, 5) "
                 "needs 20 bytes of data, the file has 16")


def test_compare_more_references_than_outputs(dnn_run, tmp_path, model, inputs):
    ref = tmp_path / "ref.npy"
    np.save(ref, np.zeros((1, 5), np.float32))
    expect_error(dnn(dnn_run, model, input_arg(inputs), f"--compare={ref},{ref}"),
                 "dnn-run: 2 references given with --compare, but @main has 1 output")


def test_compare_empty_name(dnn_run, tmp_path, model):
    ref = tmp_path / "ref.npy"
    np.save(ref, np.zeros((1, 5), np.float32))
    expect_error(dnn(dnn_run, model, f"--compare={ref},"),
                 "dnn-run: reference 1: empty file name in --compare")


def test_unknown_entry(dnn_run, model):
    expect_error(dnn(dnn_run, model, "--entry=nothere"),
                 f"dnn-run: no function @nothere in {model} (functions: @main); choose one with --entry")


def test_empty_entry(dnn_run, model):
    expect_error(dnn(dnn_run, model, "--entry="), "dnn-run: --entry needs the name of a function")


def test_entry_is_not_a_function(dnn_run, tmp_path):
    path = write(tmp_path / "g.mlir", 'memref.global "private" @g : memref<4xf32> = uninitialized\n' + MODEL)
    expect_error(dnn(dnn_run, path, "--entry=g"),
                 f"dnn-run: @g in {path} is a 'memref.global', not a func.func")


def test_entry_without_body(dnn_run, tmp_path):
    path = write(tmp_path / "decl.mlir", "\nfunc.func private @main(tensor<4xf32>) -> tensor<4xf32>\n")
    expect_error(dnn(dnn_run, path), "decl.mlir:2:1: error: entry function @main has no body",
                 located="decl.mlir")


def test_function_without_results_runs(dnn_run, tmp_path):
    """Legitimate: it runs, and prints no output line."""
    path = write(tmp_path / "nores.mlir",
                 "func.func @main(%x: tensor<4xf32>) {\n  return\n}\n")
    out = expect_run(dnn(dnn_run, path))
    assert "compile time:" in out and "out0" not in out
    ref = tmp_path / "ref.npy"
    np.save(ref, np.zeros(4, np.float32))
    expect_error(dnn(dnn_run, path, f"--compare={ref}"),
                 "dnn-run: 1 reference given with --compare, but @main has 0 outputs")


def test_zero_size_tensor_runs(dnn_run, tmp_path):
    """Legitimate: a tensor<0x4xf32> goes in and comes out."""
    path = write(tmp_path / "empty.mlir",
                 "func.func @main(%x: tensor<0x4xf32>) -> tensor<0x4xf32> {\n"
                 "  return %x : tensor<0x4xf32>\n}\n")
    x = tmp_path / "x.npy"
    np.save(x, np.zeros((0, 4), np.float32))
    out = expect_run(dnn(dnn_run, path, f"--input={x}", f"--compare={x}",
                         f"--output-dir={tmp_path / 'out'}"))
    assert "out0: tensor<0x4xf32> sum=0.000000e+00" in out and "out0: match" in out
    assert np.load(tmp_path / "out" / "out0.npy").shape == (0, 4)


def test_identity_memref_argument_runs(dnn_run, tmp_path):
    """Legitimate (docs/dnn-run.md): identity-layout memrefs are passed."""
    path = write(tmp_path / "memref.mlir", """\
func.func @main(%m: memref<4xf32>, %y: tensor<4xf32>) -> tensor<4xf32> {
  %t = bufferization.to_tensor %m restrict : memref<4xf32> to tensor<4xf32>
  %s = dnn.add %t, %y : tensor<4xf32>, tensor<4xf32>
  return %s : tensor<4xf32>
}
""")
    m, y = np.array([1, 2, 3, 4], np.float32), np.array([0.5, -1, 8, 0], np.float32)
    np.save(tmp_path / "m.npy", m)
    np.save(tmp_path / "y.npy", y)
    expect_run(dnn(dnn_run, path, f"--input={tmp_path / 'm.npy'},{tmp_path / 'y.npy'}",
                   f"--output-dir={tmp_path / 'out'}"))
    np.testing.assert_array_equal(np.load(tmp_path / "out" / "out0.npy"), m + y)


# Signatures dnn-run cannot pass: reported at the function.
SIGNATURES = {
    "i1-tensor": ("%a: tensor<4xi1>", "argument 0 has type 'tensor<4xi1>'"),
    "index-tensor": ("%a: tensor<4xindex>", "argument 0 has type 'tensor<4xindex>'"),
    "dynamic-tensor": ("%a: tensor<?x4xf32>", "argument 0 has type 'tensor<?x4xf32>'"),
    "unranked-tensor": ("%a: tensor<*xf32>", "argument 0 has type 'tensor<*xf32>'"),
    "dynamic-memref": ("%a: memref<?x4xf32>", "argument 0 has type 'memref<?x4xf32>'"),
    "strided-memref": ("%a: memref<4xf32, strided<[2]>>", "argument 0 has type 'memref<4xf32, strided<[2]>>'"),
    "memref-memory-space": ("%a: memref<4xf32, 1>", "argument 0 has type 'memref<4xf32, 1>'"),
    "scalar-f32": ("%a: f32", "argument 0 has type 'f32'"),
    "index": ("%a: index", "argument 0 has type 'index'"),
    "vector": ("%a: vector<4xf32>", "argument 0 has type 'vector<4xf32>'"),
    "complex-tensor": ("%a: tensor<4xcomplex<f32>>", "argument 0 has type 'tensor<4xcomplex<f32>>'"),
    "f8-tensor": ("%a: tensor<4xf8E4M3FN>", "argument 0 has type 'tensor<4xf8E4M3FN>'"),
}


@pytest.mark.parametrize("case", SIGNATURES)
def test_unsupported_argument_type(dnn_run, tmp_path, case):
    arg, message = SIGNATURES[case]
    path = write(tmp_path / "sig.mlir", f"// {case}\nfunc.func @main({arg}) {{\n  return\n}}\n")
    expect_error(dnn(dnn_run, path),
                 f"sig.mlir:2:1: error: entry function @main: {message}, which dnn-run cannot pass",
                 located="sig.mlir")


def test_unsupported_result_type(dnn_run, tmp_path):
    path = write(tmp_path / "res.mlir", """\
func.func @main(%a: tensor<4xf32>) -> tensor<4xi1> {
  %c = arith.constant dense<true> : tensor<4xi1>
  return %c : tensor<4xi1>
}
""")
    expect_error(dnn(dnn_run, path),
                 "res.mlir:1:1: error: entry function @main: result 0 has type 'tensor<4xi1>'",
                 located="res.mlir")


# ---------------------------------------------------------------------------
# Options
# ---------------------------------------------------------------------------

OPTIONS = {
    "repeat-0": (["--repeat=0"], "dnn-run: --repeat must be at least 1, got 0"),
    "repeat-negative": (["--repeat=-1"], "dnn-run: --repeat must be at least 1, got -1"),
    "repeat-huge": (["--repeat=2000000000"], "dnn-run: --repeat must be at most 1000000, got 2000000000"),
    "repeat-overflow": (["--repeat=99999999999"], "dnn-run: for the --repeat option: '99999999999' value invalid"),
    "repeat-text": (["--repeat=many"], "dnn-run: for the --repeat option: 'many' value invalid"),
    "rtol-negative": (["--rtol=-1"], "dnn-run: --rtol and --atol must be non-negative numbers (and finite), got --rtol=-1"),
    "rtol-nan": (["--rtol=nan"], "got --rtol=nan"),
    "atol-nan": (["--atol=nan"], "got --atol=nan"),
    "atol-inf": (["--atol=inf"], "got --atol=inf"),
    "atol-text": (["--atol=tiny"], "dnn-run: for the --atol option: 'tiny' value invalid"),
    "seed-negative": (["--seed=-1"], "dnn-run: for the --seed option: '-1' value invalid"),
    "unknown-device": (["--on-device=tpu"], "dnn-run: unknown device 'tpu' for --on-device (expected cpu or cuda)"),
    "gpu-target-on-cpu": (["--gpu-target=h100"], "dnn-run: --gpu-target applies to --on-device=cuda only"),
    "cpu-pipeline-garbage": (["--cpu-pipeline={{{"], "dnn-run: invalid --cpu-pipeline options '{{{'"),
    "cpu-pipeline-bad-value": (["--cpu-pipeline=loop-order=maybe"], "dnn-run: invalid --cpu-pipeline options 'loop-order=maybe'"),
    "unknown-option": (["--bogus=1"], "dnn-run: Unknown command line argument '--bogus=1'"),
}


@pytest.mark.parametrize("case", OPTIONS)
def test_bad_option(dnn_run, model, case):
    args, message = OPTIONS[case]
    expect_error(dnn(dnn_run, model, *args), message)


def test_dump_object_unwritable(dnn_run, tmp_path, model):
    """Used to warn, run and exit 0."""
    target = tmp_path / "nodir" / "x.o"
    expect_error(dnn(dnn_run, model, f"--dump-object={target}"),
                 f"dnn-run: cannot write the --dump-object file '{target}': No such file or directory")


def test_output_dir_is_a_file(dnn_run, tmp_path, model):
    target = write(tmp_path / "file", "x")
    expect_error(dnn(dnn_run, model, f"--output-dir={target}"),
                 f"dnn-run: cannot create the output directory '{target}'")


def test_output_file_unwritable(dnn_run, tmp_path, model):
    """Found after the run: still a message and status 1."""
    (tmp_path / "out" / "out0.npy").mkdir(parents=True)
    expect_error(dnn(dnn_run, model, f"--output-dir={tmp_path / 'out'}"),
                 f"dnn-run: cannot write '{tmp_path / 'out' / 'out0.npy'}': Is a directory")


def test_no_model_given(dnn_run):
    expect_error(dnn(dnn_run), "dnn-run: Not enough positional command line arguments")


# ---------------------------------------------------------------------------
# Modules
# ---------------------------------------------------------------------------

def test_malformed_ir(dnn_run, tmp_path):
    path = write(tmp_path / "bad.mlir", MODEL.replace("%c = dnn.conv2d %x, %w, %b", "%c = dnn.conv2d %x %w, %b"))
    expect_error(dnn(dnn_run, path), "bad.mlir:3:21: error: expected ','",
                 f"dnn-run: cannot load {path}", located="bad.mlir")


def test_verifier_error(dnn_run, tmp_path):
    path = write(tmp_path / "verify.mlir", MODEL.replace(
        "%r = dnn.activation relu %c : tensor<1x4x6x6xf32>",
        "%r0 = dnn.activation relu %c : tensor<1x4x6x6xf32>\n"
        "  %r = dnn.add %r0, %x : tensor<1x4x6x6xf32>, tensor<1x3x8x8xf32>"))
    expect_error(dnn(dnn_run, path), "verify.mlir:5:8: error: 'dnn.add' op operand shapes "
                 "[1, 4, 6, 6] and [1, 3, 8, 8] do not broadcast", f"dnn-run: cannot load {path}",
                 located="verify.mlir")


def test_binary_garbage_model(dnn_run, tmp_path):
    path = write(tmp_path / "garbage.mlir", bytes(range(256)) * 4)
    # (NUL bytes are blanks to the MLIR lexer: \x01 is the first error.)
    expect_error(dnn(dnn_run, path), "garbage.mlir:1:2: error: unexpected character", f"dnn-run: cannot load {path}",
                 located="garbage.mlir")


DEEP = 100_000
NESTING = {
    "type": "func.func @main(%x: " + "tuple<" * DEEP + "f32" + ">" * DEEP + ") {\n  return\n}\n",
    "attribute": "func.func @main() {\n  %a = arith.constant " + "[" * DEEP + "1.0" + "]" * DEEP
                 + " : f32\n  return\n}\n",
    "regions": "func.func @main() {\n" + "scf.execute_region {\n" * DEEP + "}\n" * DEEP + "  return\n}\n",
    "generic-regions": "func.func @main() {\n" + '"scf.execute_region"() ({\n' * DEEP
                       + "}) : () -> ()\n" * DEEP + "  return\n}\n",
}


@pytest.mark.parametrize("case", NESTING)
def test_deep_nesting(dnn_run, tmp_path, case):
    """100000 nested brackets: refused where they pass 512 levels (the MLIR
    parser used to overflow its stack)."""
    path = write(tmp_path / "deep.mlir", NESTING[case])
    expect_error(dnn(dnn_run, path), "error: brackets nest more than 512 levels deep here",
                 f"dnn-run: cannot load {path}", located="deep.mlir")


def test_brackets_in_strings_and_comments_run(dnn_run, tmp_path):
    """Legitimate: brackets in comments and strings (a location's file
    name) are not nesting."""
    text = ("// " + "(" * 5000 + "\n" + MODEL.replace(
        "return %y : tensor<1x5xf32>",
        'return %y : tensor<1x5xf32> loc("' + "[{<" * 2000 + '":1:1)'))
    out = expect_run(dnn(dnn_run, write(tmp_path / "m.mlir", text)))
    assert "out0: tensor<1x5xf32> sum=" in out


def test_empty_module(dnn_run, tmp_path):
    path = write(tmp_path / "empty.mlir", "")
    expect_error(dnn(dnn_run, path), f"dnn-run: no function @main in {path} (it has no functions)")


def test_module_without_functions(dnn_run, tmp_path):
    path = write(tmp_path / "nofunc.mlir", 'memref.global "private" @g : memref<4xf32> = uninitialized\n')
    expect_error(dnn(dnn_run, path), f"dnn-run: no function @main in {path} (it has no functions)")


def test_two_candidate_entries(dnn_run, tmp_path):
    path = write(tmp_path / "two.mlir", MODEL.replace("@main", "@first") + MODEL.replace("@main", "@second"))
    expect_error(dnn(dnn_run, path),
                 f"dnn-run: no function @main in {path} (functions: @first, @second); choose one with --entry")


def test_model_is_missing(dnn_run, tmp_path):
    expect_error(dnn(dnn_run, tmp_path / "nothere.mlir"),
                 f"dnn-run: cannot read '{tmp_path / 'nothere.mlir'}':", "No such file or directory")


def test_model_is_a_directory(dnn_run, tmp_path):
    expect_error(dnn(dnn_run, tmp_path), f"dnn-run: cannot read '{tmp_path}': it is a directory")


def test_model_is_a_device(dnn_run):
    """/dev/zero used to be read until memory ran out."""
    expect_error(dnn(dnn_run, "/dev/zero"), "dnn-run: cannot read '/dev/zero': it is not a regular file")


def test_endless_stdin(dnn_run):
    """'-' on /dev/zero used to be read until memory ran out."""
    with open("/dev/zero", "rb") as zero:
        expect_error(dnn(dnn_run, "-", stdin=zero),
                     "dnn-run: cannot read '-': more than 1073741824 bytes on stdin")


def test_model_from_stdin(dnn_run, tmp_path):
    """Legitimate: '-' reads the module from stdin."""
    with open(write(tmp_path / "m.mlir", MODEL), "rb") as f:
        out = expect_run(dnn(dnn_run, "-", stdin=f))
    assert "out0: tensor<1x5xf32> sum=" in out
    # From a pipe too.
    p = subprocess.run([dnn_run, "-"], input=MODEL.encode(), capture_output=True,
                       timeout=TIMEOUT_S, preexec_fn=_limits)
    assert p.returncode == 0 and b"out0: tensor<1x5xf32> sum=" in p.stdout, p.stderr


RESOURCE_MODULE = """\
func.func @main(%x: tensor<32x32xf32>) -> tensor<32x32xf32> {
  %w = OP dense_resource<NAME> : tensor<32x32xf32>
  %s = dnn.add %x, %w : tensor<32x32xf32>, tensor<32x32xf32>
  return %s : tensor<32x32xf32>
}
{-#
  dialect_resources: {
    builtin: {
      w: BLOB
    }
  }
#-}
"""

# (op, resource, blob, where, message): a dense_resource without a blob or
# with one of the wrong size (dnn.constant's verifier or the translation to
# LLVM IR finds it), or a blob that is not hex.
RESOURCES = {
    "dnn-missing": ("dnn.constant", "nothere", '"0x04000000"', "2:8",
                    r"dense_resource 'nothere' has no data|resource does not exist"),
    "dnn-short": ("dnn.constant", "w", '"0x040000000000803F0000803F"', "2:8",
                  r"dense_resource 'w' holds 8 bytes, but 'tensor<32x32xf32>' needs 4096"
                  r"|raw data size does not match element type size"),
    "arith-missing": ("arith.constant", "nothere", '"0x04000000"', "2:8", r"resource does not exist"),
    "arith-short": ("arith.constant", "w", '"0x040000000000803F0000803F"', "2:8",
                    r"raw data size does not match element type size"),
    "not-hex": ("dnn.constant", "w", '"zzz"', "9:10", r"expected hex string blob for key 'w'"),
}


@pytest.mark.parametrize("case", RESOURCES)
def test_bad_resource_blob(dnn_run, tmp_path, case):
    op, name, blob, where, message = RESOURCES[case]
    path = write(tmp_path / "res.mlir", RESOURCE_MODULE.replace("OP", op).replace("NAME", name)
                 .replace("BLOB", blob))
    result = dnn(dnn_run, path)
    expect_error(result, f"res.mlir:{where}: error: ", located="res.mlir")
    err = result[2]
    assert re.search(rf"res\.mlir:{where}: error: .*({message})", err), err


def test_huge_argument(dnn_run, tmp_path):
    path = write(tmp_path / "huge.mlir", """\
func.func @main(%x: tensor<1000000x1000000xf32>) -> tensor<1000000x1000000xf32> {
  return %x : tensor<1000000x1000000xf32>
}
""")
    expect_error(dnn(dnn_run, path),
                 "huge.mlir:1:1: error: entry function @main: argument 0 of type "
                 "'tensor<1000000x1000000xf32>' is too large to run", located="huge.mlir")


HUGE_INTERMEDIATE = """\
func.func @main(%x: tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32> {
  %b = dnn.constant dense<1.0> : tensor<1x1xNxNxf32>
  %s = dnn.add %b, %x : tensor<1x1xNxNxf32>, tensor<1x1x1x1xf32>
  %g = dnn.global_avg_pool %s : tensor<1x1xNxNxf32> -> tensor<1x1x1x1xf32>
  return %g : tensor<1x1x1x1xf32>
}
"""


@pytest.mark.parametrize("inline", [False, True], ids=["weights-as-arguments", "inline-weights"])
def test_huge_intermediate_is_refused(dnn_run, tmp_path, inline):
    """10^12 elements inside the function: refused at the constant, before
    anything is allocated (--inline-weights used to crash at run time)."""
    path = write(tmp_path / "huge.mlir", HUGE_INTERMEDIATE.replace("N", "1000000"))
    expect_error(dnn(dnn_run, path, *(["--inline-weights"] if inline else [])),
                 "huge.mlir:2:8: error: 'dnn.constant': result 0 has type "
                 "'tensor<1x1x1000000x1000000xf32>' (4000000000000 bytes), too large for dnn-run to run",
                 "dnn-run: cannot run @main of", located="huge.mlir")


def test_huge_global_is_refused(dnn_run, tmp_path):
    path = write(tmp_path / "global.mlir", """\
memref.global "private" @g : memref<1000000x1000000xf32> = uninitialized
func.func @main(%x: tensor<4xf32>) -> tensor<4xf32> {
  %m = memref.get_global @g : memref<1000000x1000000xf32>
  return %x : tensor<4xf32>
}
""")
    expect_error(dnn(dnn_run, path), "global.mlir:1:1: error: 'memref.global': 'type' has type "
                 "'memref<1000000x1000000xf32>'", located="global.mlir")


def test_argument_larger_than_memory(dnn_run, tmp_path):
    """6.4 GB: allowed by the signature check, more than the 4 GiB the test
    grants: a located allocation failure."""
    path = write(tmp_path / "big.mlir", """\
func.func @main(%x: tensor<40000x40000xf32>) -> tensor<1x1xf32> {
  %r = dnn.reshape %x : tensor<40000x40000xf32> -> tensor<1x1x40000x40000xf32>
  %g = dnn.global_avg_pool %r : tensor<1x1x40000x40000xf32> -> tensor<1x1x1x1xf32>
  %f = dnn.reshape %g : tensor<1x1x1x1xf32> -> tensor<1x1xf32>
  return %f : tensor<1x1xf32>
}
""")
    expect_error(dnn(dnn_run, path),
                 "big.mlir:1:1: error: entry function @main: argument 0: cannot allocate "
                 "6400000000 bytes for a tensor<40000x40000xf32>", located="big.mlir")


def test_constant_larger_than_memory(dnn_run, tmp_path):
    path = write(tmp_path / "big.mlir", HUGE_INTERMEDIATE.replace("N", "40000"))
    expect_error(dnn(dnn_run, path),
                 "big.mlir:2:8: error: cannot allocate 6400000000 bytes for a "
                 "tensor<1x1x40000x40000xf32> (the value of this constant)", located="big.mlir")


def test_temporary_larger_than_memory(dnn_run, tmp_path):
    """The compiled code's own malloc fails: used to be a segmentation
    fault, now a message and status 1."""
    path = write(tmp_path / "big.mlir", HUGE_INTERMEDIATE.replace("N", "40000"))
    expect_error(dnn(dnn_run, path, "--inline-weights"),
                 "dnn-run: running @main failed: out of memory: the compiled code could not "
                 "allocate")


def test_nan_and_inf_weights_propagate(dnn_run, tmp_path):
    """Legitimate: NaN and infinite constants (inline and passed as weight
    arguments) run and give NaN and infinite outputs."""
    path = write(tmp_path / "nan.mlir", """\
func.func @main(%x: tensor<4xf32>, %y: tensor<32x32xf32>) -> (tensor<4xf32>, tensor<32x32xf32>) {
  %c = dnn.constant dense<[0x7FC00000, 0x7F800000, 0xFF800000, 1.0]> : tensor<4xf32>
  %s = dnn.add %x, %c : tensor<4xf32>, tensor<4xf32>
  %big = dnn.constant dense<0x7FC00000> : tensor<32x32xf32>
  %t = dnn.add %y, %big : tensor<32x32xf32>, tensor<32x32xf32>
  return %s, %t : tensor<4xf32>, tensor<32x32xf32>
}
""")
    out = expect_run(dnn(dnn_run, path, f"--output-dir={tmp_path / 'out'}"))
    assert "out0: tensor<4xf32> sum=nan" in out
    s = np.load(tmp_path / "out" / "out0.npy")
    assert np.isnan(s[0]) and s[1] == np.inf and s[2] == -np.inf and np.isfinite(s[3])
    assert np.isnan(np.load(tmp_path / "out" / "out1.npy")).all()


def test_non_utf8_function_name(dnn_run, tmp_path):
    """A function name with bytes that are not UTF-8: named in the message;
    chosen with --entry, it runs."""
    path = write(tmp_path / "bytes.mlir",
                 b'func.func @"f\xff\xfe"(%x: tensor<4xf32>) -> tensor<4xf32> {\n'
                 b"  return %x : tensor<4xf32>\n}\n")
    expect_error(dnn(dnn_run, path), f"dnn-run: no function @main in {path} (functions: @f")
    p = subprocess.run([dnn_run, str(path), b"--entry=f\xff\xfe"], capture_output=True,
                       timeout=TIMEOUT_S, preexec_fn=_limits)
    assert p.returncode == 0, p.stderr
    assert b"out0: tensor<4xf32>" in p.stdout


def test_non_utf8_location(dnn_run, tmp_path):
    """The location's file name is printed as it is (the invalid byte
    decodes to U+FFFD here)."""
    path = write(tmp_path / "loc.mlir",
                 b"func.func @main(%x: tensor<4xi1>) -> tensor<4xi1> {\n"
                 b"  return %x : tensor<4xi1>\n"
                 b'} loc("w\xffird.mlir":7:3)\n')
    expect_error(dnn(dnn_run, path), "w\ufffdird.mlir:7:3: error: entry function @main: "
                 "argument 0 has type 'tensor<4xi1>'")


# ---------------------------------------------------------------------------
# --on-device=cuda without a GPU
# ---------------------------------------------------------------------------

def test_cuda_without_driver_fails_cleanly(dnn_run, tmp_path, model):
    env = dict(os.environ, DNN_CUDA_LIBRARY=str(tmp_path / "no-libcuda.so"))
    result = dnn(dnn_run, model, "--on-device=cuda", env=env)
    expect_error(result)
    err = result[2]
    assert ("cannot load the CUDA driver" in err and "no-libcuda.so" in err) or \
        "libDNNCudaRuntime.a" in err, err


def test_cuda_unknown_gpu_target(dnn_run, model):
    """Checked before the compilation, naming the option."""
    expect_error(dnn(dnn_run, model, "--on-device=cuda", "--gpu-target=nonsense"),
                 "dnn-run: unknown GPU 'nonsense' for --gpu-target; known presets:")


def test_cuda_with_cpu_options(dnn_run, tmp_path, model):
    expect_error(dnn(dnn_run, model, "--on-device=cuda", f"--dump-object={tmp_path / 'x.o'}"),
                 "dnn-run: --cpu-pipeline and --dump-object apply to --on-device=cpu only")


def test_cuda_huge_intermediate_is_refused(dnn_run, tmp_path):
    path = write(tmp_path / "huge.mlir", HUGE_INTERMEDIATE.replace("N", "1000000"))
    expect_error(dnn(dnn_run, path, "--on-device=cuda"), "huge.mlir:2:8: error: 'dnn.constant': result 0",
                 located="huge.mlir")
