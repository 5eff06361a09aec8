"""dnn-bench on hand-made model libraries (see docs/dnn-bench.md).

No GPU and no dnn-compile are needed: each test model is a small C file,
compiled with `cc -shared -fPIC`, that defines the manifest, a
dnn_model_run working on the host and host-memory versions of the runtime
API (device pointers are host pointers, events measure 0.5 ms).

The default model, in manifest order:
  x  input  f32 2x3       y = x + w (broadcast over rows) + 1
  h  input  f16 5         z = h
  w  weight f32 3         at offset 0
  k  weight i8 4          at offset 256; kk = k
  y, z, kk outputs, and a 64-byte workspace.
"""
import json
import os
import pathlib
import shutil
import subprocess

import ml_dtypes
import numpy as np
import pytest

from conftest import _tool

CC = shutil.which("cc")
pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler (cc)")

MANIFEST = """\
dnn-model 1
entry main
target fake_gpu sm_90 isa
weights 260
arg 0 input x f32 2x3
arg 1 input h f16 5
arg 2 weight w f32 3 0
arg 3 weight k i8 4 256
arg 4 output y f32 2x3
arg 5 output z f16 5
arg 6 output kk i8 4
arg 7 workspace workspace i8 64
kernel add_bias 1 1 1 64 0
kernel copy 2 1 1 32 128
"""

RUNTIME = r"""
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
static const char *lastError;
static uint64_t launches;
static char stream_, event_;
static void *currentStream;
int dnnrtInit(void) {
  if (getenv("FAKE_FAIL_INIT")) { lastError = "fake: no CUDA device"; return 1; }
  return 0;
}
const char *dnnrtGetLastError(void) { return lastError; }
void dnnrtClearError(void) { lastError = 0; }
int dnnrtDeviceInfo(char *name, size_t len, int *major, int *minor) {
  strncpy(name, "Fake GPU", len); *major = 9; *minor = 0; return 0;
}
void *dnnrtMalloc(size_t bytes) { return malloc(bytes); }
void dnnrtFree(void *p) { free(p); }
int dnnrtMemcpyHtoD(void *d, const void *s, size_t n) { memcpy(d, s, n); return 0; }
int dnnrtMemcpyDtoH(void *d, const void *s, size_t n) { memcpy(d, s, n); return 0; }
int dnnrtMemset(void *d, unsigned char v, size_t n) { memset(d, v, n); return 0; }
void *dnnrtStreamCreate(void) { return &stream_; }
void dnnrtStreamDestroy(void *s) {}
int dnnrtStreamSynchronize(void *s) { return 0; }
void dnnrtSetStream(void *s) { currentStream = s; }
void *dnnrtGetStream(void) { return currentStream; }
void *dnnrtEventCreate(void) { return &event_; }
void dnnrtEventDestroy(void *e) {}
int dnnrtEventRecord(void *e, void *s) { return 0; }
float dnnrtEventElapsedMs(void *a, void *b) { return 0.5f; }
uint64_t dnnrtLaunchCount(void) { return launches; }
void dnnrtResetLaunchCount(void) { launches = 0; }
"""

MODEL = r"""
void dnn_model_run(void **args) {
  static int runs;
  const float *x = args[0], *w = args[2];
  const uint16_t *h = args[1];
  const signed char *k = args[3];
  float *y = args[4];
  uint16_t *z = args[5];
  signed char *kk = args[6];
  unsigned char *ws = args[7];
  memset(ws, 0xAB, 64);
  for (int i = 0; i < 6; ++i) y[i] = x[i] + w[i % 3] + 1.0f;
  for (int i = 0; i < 5; ++i) z[i] = h[i];
  for (int i = 0; i < 4; ++i) kk[i] = k[i];
  launches += 2;
  ++runs;
  if (getenv("FAKE_FAIL_RUN") && runs >= atoi(getenv("FAKE_FAIL_RUN")))
    lastError = "fake: kernel launch failed (CUDA_ERROR_LAUNCH_FAILED)";
}
"""


def c_string(text):
    return '"' + "".join(
        {"\\": "\\\\", '"': '\\"', "\n": "\\n"}.get(c, c) for c in text) + '"'


def build_model(directory, name="model", manifest=MANIFEST, runtime=True,
                run=True, manifest_symbol=True, weights=None):
    """Compiles a fake model library `directory/name.so`; writes
    `name.weights` (`weights`: bytes, default the reference weights)."""
    directory = pathlib.Path(directory)
    src = "#include <stdint.h>\n#include <stdlib.h>\n#include <string.h>\n"
    if runtime:
        src += RUNTIME
    else:
        src += "static const char *lastError; static unsigned long launches;\n"
    if manifest_symbol:
        src += f"const char dnn_model_manifest[] = {c_string(manifest)};\n"
    if run:
        src += MODEL
    c_file = directory / f"{name}.c"
    c_file.write_text(src)
    so = directory / f"{name}.so"
    subprocess.run([CC, "-shared", "-fPIC", "-O1", "-o", str(so), str(c_file)],
                   check=True, capture_output=True)
    if weights is None:
        weights = default_weights()
    (directory / f"{name}.weights").write_bytes(weights)
    return so


W = np.array([0.5, -1.25, 2.0], np.float32)
K = np.array([-3, 7, 127, -128], np.int8)


def default_weights():
    blob = bytearray(260)
    blob[0:12] = W.tobytes()
    blob[256:260] = K.tobytes()
    return bytes(blob)


@pytest.fixture(scope="module")
def dnn_bench():
    return _tool("dnn-bench")


@pytest.fixture(scope="module")
def model(tmp_path_factory):
    return build_model(tmp_path_factory.mktemp("model"))


def bench(dnn_bench, *args, env=None, expect=0):
    full_env = dict(os.environ)
    full_env.update(env or {})
    r = subprocess.run([dnn_bench, *map(str, args)], capture_output=True,
                       text=True, timeout=60, env=full_env)
    assert r.returncode == expect, (r.returncode, r.stdout, r.stderr)
    return r


def save(path, array):
    np.save(path, array)
    return path


X = np.arange(6, dtype=np.float32).reshape(2, 3) / 4 - 0.5
H = np.array([0.5, -2.0, 65504.0, 1e-7, -0.0], np.float16)


# ---------------------------------------------------------------------------
# The documented random generator, in Python.
# ---------------------------------------------------------------------------

M64 = (1 << 64) - 1


def splitmix64(state, count):
    out = []
    for _ in range(count):
        state = (state + 0x9E3779B97F4A7C15) & M64
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        out.append(z ^ (z >> 31))
    return out


def random_values(seed, arg_index, count, dtype):
    zs = splitmix64(seed ^ ((0xD1B54A32D192ED03 * (arg_index + 1)) & M64),
                    count)
    if dtype == np.int8:
        return np.array([z >> 56 for z in zs], np.uint8).view(np.int8)
    f = np.array([(z >> 40) for z in zs], np.float64) * 2.0 ** -24 * 2 - 1
    return f.astype(np.float32).astype(dtype)


# ---------------------------------------------------------------------------
# Tests
# ---------------------------------------------------------------------------

def test_manifest(dnn_bench, model):
    r = bench(dnn_bench, model, "--manifest")
    assert "entry: main" in r.stdout
    assert "target: fake_gpu sm_90 isa" in r.stdout
    assert "weights: 260 bytes" in r.stdout
    assert "  0 input x f32 2x3 (24 bytes)" in r.stdout
    assert "  3 weight k i8 4 (4 bytes at offset 256)" in r.stdout
    assert "  7 workspace 64 bytes" in r.stdout
    assert "kernels: 2" in r.stdout
    assert "  copy grid 2x1x1 block 32 smem 128" in r.stdout


def test_manifest_needs_no_runtime(dnn_bench, tmp_path):
    so = build_model(tmp_path, runtime=False)
    bench(dnn_bench, so, "--manifest")
    r = bench(dnn_bench, so, "--check-only", expect=2)
    assert "dnn-bench: error: " in r.stderr
    assert str(so) in r.stderr and "'dnnrtInit'" in r.stderr


def test_reference_match(dnn_bench, model, tmp_path):
    x = save(tmp_path / "x.npy", X)
    h = save(tmp_path / "h.npy", H)
    y_ref = save(tmp_path / "y_ref.npy", X + W + 1)
    z_ref = save(tmp_path / "z_ref.npy", H)
    k_ref = save(tmp_path / "k_ref.npy", K)
    r = bench(dnn_bench, model, "--input", f"x={x}", f"--input=h={h}",
              "--reference", f"y={y_ref}", "--reference", f"z={z_ref}",
              "--reference", f"kk={k_ref}", "--runs", "3", "--warmup", "1")
    assert "result: PASS (3 checked outputs)" in r.stdout
    assert "device: Fake GPU (compute capability 9.0)" in r.stdout
    assert "launches: 2 per run" in r.stdout
    assert "timing: 3 runs after 1 warm-up" in r.stdout


def test_reference_f32_for_f16_output(dnn_bench, model, tmp_path):
    # A reference may be of another dtype: values are compared.
    h = save(tmp_path / "h.npy", H)
    ref = save(tmp_path / "z_ref.npy", H.astype(np.float32) * 1.001)
    r = bench(dnn_bench, model, "--input", f"h={h}", "--reference",
              f"z={ref}", "--check-only")
    assert "output z: f16 5: ok" in r.stdout


def test_reference_mismatch(dnn_bench, model, tmp_path):
    x = save(tmp_path / "x.npy", X)
    bad = X + W + 1
    bad[1, 2] += 0.5
    bad[0, 0] -= 1.0
    y_ref = save(tmp_path / "y_ref.npy", bad)
    r = bench(dnn_bench, model, "--input", f"x={x}", "--reference",
              f"y={y_ref}", "--check-only", expect=1)
    assert "output y: f32 2x3: MISMATCH: 2 of 6 elements" in r.stdout
    assert "first at [0, 0]" in r.stdout
    assert "result: FAIL" in r.stdout
    # A loose tolerance accepts it.
    bench(dnn_bench, model, "--input", f"x={x}", "--reference", f"y={y_ref}",
          "--check-only", "--atol", "1.5")


def test_save_output_round_trip(dnn_bench, model, tmp_path):
    x = save(tmp_path / "x.npy", X)
    h = save(tmp_path / "h.npy", H)
    bench(dnn_bench, model, "--input", f"x={x}", "--input", f"h={h}",
          "--check-only", "--save-output", f"y={tmp_path / 'y.npy'}",
          "--save-output", f"z={tmp_path / 'z.npy'}",
          "--save-output", f"kk={tmp_path / 'kk.npy'}")
    y = np.load(tmp_path / "y.npy")
    assert y.dtype == np.float32 and y.shape == (2, 3)
    np.testing.assert_array_equal(y, X + W + 1)
    z = np.load(tmp_path / "z.npy")
    assert z.dtype == np.float16
    np.testing.assert_array_equal(z.view(np.uint16), H.view(np.uint16))
    kk = np.load(tmp_path / "kk.npy")
    assert kk.dtype == np.int8
    np.testing.assert_array_equal(kk, K)
    # What dnn-bench saves, it reads back as a reference.
    bench(dnn_bench, model, "--input", f"x={x}", "--input", f"h={h}",
          "--check-only", "--reference", f"y={tmp_path / 'y.npy'}",
          "--reference", f"z={tmp_path / 'z.npy'}", "--rtol=0", "--atol=0")


def test_random_inputs_follow_documented_generator(dnn_bench, model,
                                                   tmp_path):
    bench(dnn_bench, model, "--seed", "7", "--check-only",
          "--save-output", f"y={tmp_path / 'y.npy'}",
          "--save-output", f"z={tmp_path / 'z.npy'}")
    x = random_values(7, 0, 6, np.float32).reshape(2, 3)
    np.testing.assert_array_equal(np.load(tmp_path / "y.npy"), x + W + 1)
    h = random_values(7, 1, 5, np.float16)
    np.testing.assert_array_equal(np.load(tmp_path / "z.npy").view(np.uint16),
                                  h.view(np.uint16))


def test_random_weights_reproducible(dnn_bench, model, tmp_path):
    def outputs(seed, tag):
        y, kk = tmp_path / f"y{tag}.npy", tmp_path / f"kk{tag}.npy"
        bench(dnn_bench, model, "--random-weights", seed, "--check-only",
              "--save-output", f"y={y}", "--save-output", f"kk={kk}")
        return y.read_bytes() + kk.read_bytes(), np.load(y), np.load(kk)

    a, y, kk = outputs(3, "a")
    b, _, _ = outputs(3, "b")
    c, _, _ = outputs(4, "c")
    assert a == b
    assert a != c
    x = random_values(0, 0, 6, np.float32).reshape(2, 3)
    w = random_values(3, 2, 3, np.float32)
    np.testing.assert_array_equal(y, x + w + 1)
    np.testing.assert_array_equal(kk, random_values(3, 3, 4, np.int8))


def test_bf16(dnn_bench, tmp_path):
    manifest = MANIFEST.replace("arg 1 input h f16 5", "arg 1 input h bf16 5")
    manifest = manifest.replace("arg 5 output z f16 5", "arg 5 output z bf16 5")
    so = build_model(tmp_path, manifest=manifest)
    hb = np.array([1.5, -3.0, 0.1, 1e30, 0], ml_dtypes.bfloat16)
    h = save(tmp_path / "h.npy", hb)
    bench(dnn_bench, so, "--input", f"h={h}", "--check-only",
          "--reference", f"z={h}", "--rtol=0", "--atol=0",
          "--save-output", f"z={tmp_path / 'z.npy'}")
    z = np.load(tmp_path / "z.npy")
    np.testing.assert_array_equal(z.view(ml_dtypes.bfloat16), hb)
    # Random bf16 inputs: float rounded to nearest even.
    bench(dnn_bench, so, "--seed", "11", "--check-only",
          "--save-output", f"z={tmp_path / 'zr.npy'}")
    zr = np.load(tmp_path / "zr.npy").view(np.uint16)
    expected = random_values(11, 1, 5, ml_dtypes.bfloat16).view(np.uint16)
    np.testing.assert_array_equal(zr, expected)


def test_json(dnn_bench, model, tmp_path):
    x = save(tmp_path / "x.npy", X)
    y_ref = save(tmp_path / "y_ref.npy", X + W + 1)
    out = tmp_path / "result.json"
    bench(dnn_bench, model, "--input", f"x={x}", "--reference", f"y={y_ref}",
          "--runs", "4", "--warmup", "2", "--json", out)
    j = json.loads(out.read_text())
    assert j["model"] == str(model)
    assert j["device"] == {"name": "Fake GPU", "cc": "9.0"}
    assert j["launches_per_run"] == 2
    outputs = {o["name"]: o for o in j["outputs"]}
    assert set(outputs) == {"y", "z", "kk"}
    check = outputs["y"]["check"]
    assert check["pass"] is True and check["mismatches"] == 0
    assert check["max_abs"] == 0 and check["max_rel"] == 0
    assert check["rtol"] == 1e-3 and check["atol"] == 1e-4
    assert outputs["z"]["check"] is None
    assert j["timing"]["ms"] == [0.5] * 4
    assert j["timing"]["median_ms"] == 0.5
    assert j["timing"]["warmup"] == 2 and j["timing"]["runs"] == 4
    assert j["pass"] is True and j["exit_code"] == 0
    assert j["inputs"][0]["file"] == str(x)
    assert j["inputs"][1]["random_seed"] == 0

    # To stdout, with the text report on stderr.
    r = bench(dnn_bench, model, "--check-only", "--json", "-")
    j = json.loads(r.stdout)
    assert j["timing"] is None
    assert "result: ok (no references)" in r.stderr


def test_json_mismatch(dnn_bench, model, tmp_path):
    y_ref = save(tmp_path / "y_ref.npy", np.full((2, 3), 100, np.float32))
    r = bench(dnn_bench, model, "--reference", f"y={y_ref}", "--check-only",
              "--json", "-", expect=1)
    j = json.loads(r.stdout)
    assert j["outputs"][0]["check"]["mismatches"] == 6
    assert j["outputs"][0]["check"]["pass"] is False
    assert j["pass"] is False and j["exit_code"] == 1


def test_runtime_error_after_run(dnn_bench, model, tmp_path):
    out = tmp_path / "err.json"
    r = bench(dnn_bench, model, "--json", out, env={"FAKE_FAIL_RUN": "1"},
              expect=3)
    assert "dnn-bench: error: " in r.stderr
    assert "CUDA_ERROR_LAUNCH_FAILED" in r.stderr and "run 1" in r.stderr
    j = json.loads(out.read_text())
    assert j["exit_code"] == 3 and "CUDA_ERROR_LAUNCH_FAILED" in j["error"]
    # A failure in a later (timed) run is caught too.
    r = bench(dnn_bench, model, "--warmup", "0", "--runs", "5",
              env={"FAKE_FAIL_RUN": "3"}, expect=3)
    assert "timed run 2" in r.stderr
    r = bench(dnn_bench, model, env={"FAKE_FAIL_INIT": "1"}, expect=3)
    assert "no CUDA device" in r.stderr


# Usage and input errors: exit 2, a message naming the culprit.

def usage_error(dnn_bench, *args, names):
    r = bench(dnn_bench, *args, expect=2)
    assert r.stderr.startswith("dnn-bench: error: "), r.stderr
    for name in names:
        assert str(name) in r.stderr, (name, r.stderr)
    return r


def test_missing_library(dnn_bench, tmp_path):
    missing = tmp_path / "nope.so"
    usage_error(dnn_bench, missing, names=[missing])


def test_not_a_model(dnn_bench, tmp_path):
    c = tmp_path / "lib.c"
    c.write_text("int foo;\n")
    so = tmp_path / "lib.so"
    subprocess.run([CC, "-shared", "-fPIC", "-o", str(so), str(c)], check=True)
    usage_error(dnn_bench, so, "--manifest",
                names=[so, "not a dnn model", "dnn_model_manifest"])
    text = tmp_path / "text.so"
    text.write_text("hello")
    usage_error(dnn_bench, text, names=[text, "cannot load"])
    so = build_model(tmp_path, name="norun", run=False)
    usage_error(dnn_bench, so, names=[so, "dnn_model_run"])


@pytest.mark.parametrize("old,new,message", [
    ("arg 3 weight", "args 3 weight", "line 8: unknown record 'args'"),
    ("dnn-model 1", "dnn-model 2", "line 1: ABI version mismatch"),
    ("target fake_gpu sm_90 isa", "target fake_gpu sm_90", "line 3: 'target'"),
    ("arg 5 output", "arg 8 output", "index 5 is missing"),
    ("arg 5 output", "arg 4 output", "line 10: argument index 4 is used twice"),
    ("f32 3 0", "f32 3 256", "line 7: weight 'w' (bytes 256..268) does not lie"),
    ("k i8 4 256", "k i8 4 100", "line 8: weight 'k': offset 100"),
    ("f32 2x3\narg 1", "f33 2x3\narg 1", "line 5: unknown dtype 'f33'"),
    ("f32 2x3\narg 1", "f32 2xx3\narg 1", "line 5: bad shape '2xx3'"),
    ("kernel copy 2 1", "kernel copy 2  1", "line 14: empty field"),
    ("entry main\n", "", "no 'entry' record"),
    ("arg 1 input h", "arg 1 input x", "line 6: argument name 'x' is used twice"),
])
def test_bad_manifest(dnn_bench, tmp_path, old, new, message):
    assert old in MANIFEST
    so = build_model(tmp_path, manifest=MANIFEST.replace(old, new))
    usage_error(dnn_bench, so, "--manifest", names=[so, message])


def test_npy_mismatch(dnn_bench, model, tmp_path):
    f64 = save(tmp_path / "f64.npy", X.astype(np.float64))
    usage_error(dnn_bench, model, "--input", f"x={f64}",
                names=[f64, "'<f8'", "input 'x'", "f32"])
    shape = save(tmp_path / "shape.npy", X.reshape(3, 2))
    usage_error(dnn_bench, model, "--input", f"x={shape}",
                names=[shape, "(3, 2)", "(2, 3)"])
    ref = save(tmp_path / "ref.npy", np.zeros(6, np.float32))
    usage_error(dnn_bench, model, "--reference", f"y={ref}",
                names=[ref, "(6,)", "output 'y'"])
    fortran = tmp_path / "fortran.npy"
    np.save(fortran, np.asfortranarray(X))
    usage_error(dnn_bench, model, "--input", f"x={fortran}",
                names=[fortran, "fortran_order"])
    garbage = tmp_path / "garbage.npy"
    garbage.write_bytes(b"not numpy at all")
    usage_error(dnn_bench, model, "--input", f"x={garbage}",
                names=[garbage, "not an .npy file"])
    short = tmp_path / "short.npy"
    short.write_bytes(f64.read_bytes()[:-8])
    usage_error(dnn_bench, model, "--input", f"x={short}", names=[short])
    missing = tmp_path / "missing.npy"
    usage_error(dnn_bench, model, "--input", f"x={missing}",
                names=[missing, "cannot read"])


def test_unknown_names(dnn_bench, model, tmp_path):
    x = save(tmp_path / "x.npy", X)
    usage_error(dnn_bench, model, "--input", f"nope={x}",
                names=["--input nope=", "no input named 'nope'", "x, h"])
    # An output is not an input, nor an input an output.
    usage_error(dnn_bench, model, "--input", f"y={x}",
                names=["no input named 'y'"])
    usage_error(dnn_bench, model, "--reference", f"x={x}",
                names=["no output named 'x'", "y, z, kk"])
    usage_error(dnn_bench, model, "--save-output", f"q={tmp_path / 'q.npy'}",
                names=["no output named 'q'"])
    usage_error(dnn_bench, model, "--input", "x", names=["NAME=FILE.npy"])
    usage_error(dnn_bench, model, "--bogus", names=["--bogus"])
    usage_error(dnn_bench, model, "--runs", "abc", names=["--runs abc"])


def test_weights_file(dnn_bench, tmp_path):
    so = build_model(tmp_path, weights=default_weights()[:200])
    weights = tmp_path / "model.weights"
    usage_error(dnn_bench, so, names=[weights, "200 bytes", "260"])
    other = tmp_path / "other.weights"
    other.write_bytes(default_weights())
    bench(dnn_bench, so, "--weights", other, "--check-only")
    usage_error(dnn_bench, so, "--weights", tmp_path / "none.weights",
                names=["--weights", tmp_path / "none.weights"])
    # Random weights need no file.
    bench(dnn_bench, so, "--random-weights", "1", "--check-only")
