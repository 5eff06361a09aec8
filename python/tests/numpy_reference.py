"""Independent NumPy reference implementations of the dnn ops.

Written from the op documentation in include/dnn/Dialect/DNN/IR/DNNOps.td
only (never from the lowering under test): every function takes and returns
NumPy arrays and computes in float64, so a test rounds its inputs to the
element type under test, runs the reference on the rounded values and
compares the compiled result with a tolerance that fits the element type.

Layouts follow the dialect: NCHW activations, FCHW convolution weights,
`N x K` linear weights, `padding = [top, left, bottom, right]`.
"""
import math

import numpy as np

# ---------------------------------------------------------------------------
# Element types
# ---------------------------------------------------------------------------

#: NumPy dtype of the .npy files dnn-run reads and writes per element type
#: (bf16 travels as float32).
NPY_DTYPE = {
    "f16": np.float16,
    "bf16": np.float32,
    "f32": np.float32,
    "f64": np.float64,
}


def round_bf16(x):
    """Rounds to the nearest bfloat16 (ties to even), returned as float32."""
    x = np.ascontiguousarray(x, dtype=np.float32)
    bits = x.view(np.uint32).astype(np.uint64)
    bits = bits + 0x7FFF + ((bits >> 16) & 1)
    bits = (bits >> 16) << 16
    return bits.astype(np.uint32).view(np.float32).reshape(x.shape)


def to_dtype(x, etype):
    """`x` rounded to element type `etype`, as the array dnn-run reads."""
    if etype == "bf16":
        return round_bf16(x)
    return np.asarray(x, dtype=NPY_DTYPE[etype])


def tensor_type(shape, etype):
    """The MLIR tensor type `tensor<AxBxCxet>` of `shape`."""
    dims = "".join(f"{d}x" for d in shape)
    return f"tensor<{dims}{etype}>"


def resource_blob(array):
    """Hex string of a `dense_resource` blob holding `array`'s raw bytes.

    The blob starts with its alignment as a little-endian 32-bit integer,
    then the elements in row-major order (little endian).
    """
    array = np.ascontiguousarray(array)
    align = array.dtype.itemsize
    payload = np.uint32(align).tobytes() + array.astype(
        array.dtype.newbyteorder("<")).tobytes()
    return "0x" + payload.hex().upper()


def dense_literal(array, etype):
    """A `dense<...>` literal for `array` (nested lists, exact decimals)."""
    fmt = "{:.17e}" if etype == "f64" else "{:.9e}"
    a = np.asarray(array, dtype=np.float64)

    def rec(x):
        if x.ndim == 0:
            return fmt.format(float(x))
        return "[" + ", ".join(rec(s) for s in x) + "]"

    return f"dense<{rec(a)}>"


# ---------------------------------------------------------------------------
# Sliding windows
# ---------------------------------------------------------------------------


def window_output_size(size, kernel, stride, pad_begin, pad_end, dilation=1,
                       ceil_mode=False):
    """`(size + pads - dilation * (kernel - 1) - 1) / stride + 1`.

    Rounded up with `ceil_mode`, where a last window that would start inside
    the end padding (at or after `size + pad_begin` in padded coordinates)
    is dropped.
    """
    extent = dilation * (kernel - 1) + 1
    span = size + pad_begin + pad_end - extent
    assert span >= 0, "kernel larger than the padded input"
    if ceil_mode:
        out = -(-span // stride) + 1
        if (out - 1) * stride >= size + pad_begin:
            out -= 1
    else:
        out = span // stride + 1
    return out


def _f64(x):
    return np.asarray(x, dtype=np.float64)


# ---------------------------------------------------------------------------
# Convolution and GEMM-like layers
# ---------------------------------------------------------------------------


def conv2d(x, w, bias=None, strides=(1, 1), padding=(0, 0, 0, 0),
           dilation=(1, 1), groups=1):
    """Cross-correlation, NCHW input, `F x C/groups x KH x KW` weight."""
    x, w = _f64(x), _f64(w)
    n, c, h, wd = x.shape
    f, cg, kh, kw = w.shape
    assert c % groups == 0 and f % groups == 0 and cg == c // groups
    sh, sw = strides
    dh, dw = dilation
    top, left, bottom, right = padding
    p = window_output_size(h, kh, sh, top, bottom, dh)
    q = window_output_size(wd, kw, sw, left, right, dw)
    xp = np.zeros((n, c, h + top + bottom, wd + left + right))
    xp[:, :, top:top + h, left:left + wd] = x
    fg = f // groups
    out = np.zeros((n, f, p, q))
    for g in range(groups):
        xs = xp[:, g * cg:(g + 1) * cg]
        ws = w[g * fg:(g + 1) * fg]
        for i in range(kh):
            for j in range(kw):
                # Input rows i*dh + s*sh for output row s.
                patch = xs[:, :, i * dh:i * dh + (p - 1) * sh + 1:sh,
                           j * dw:j * dw + (q - 1) * sw + 1:sw]
                out[:, g * fg:(g + 1) * fg] += np.einsum(
                    "nchw,fc->nfhw", patch, ws[:, :, i, j])
    if bias is not None:
        out += _f64(bias)[None, :, None, None]
    return out


def linear(x, w, bias=None):
    """`x` (... x K) times `w^T` (`w` is N x K) plus `bias` (N)."""
    y = _f64(x) @ _f64(w).T
    if bias is not None:
        y = y + _f64(bias)
    return y


def matmul(a, b):
    """Batched matrix product, batch dims broadcast as in NumPy."""
    a, b = _f64(a), _f64(b)
    assert a.ndim >= 2 and b.ndim >= 2
    batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    m, k = a.shape[-2:]
    k2, n = b.shape[-2:]
    assert k == k2
    a = np.broadcast_to(a, batch + (m, k))
    b = np.broadcast_to(b, batch + (k, n))
    out = np.zeros(batch + (m, n))
    for idx in np.ndindex(*batch):
        out[idx] = np.dot(a[idx], b[idx])
    return out


# ---------------------------------------------------------------------------
# Normalisation and element-wise layers
# ---------------------------------------------------------------------------


def batch_norm(x, scale, offset, mean, variance, epsilon=1e-5):
    """`scale * (x - mean) / sqrt(variance + epsilon) + offset` per channel."""
    x = _f64(x)
    shape = (1, x.shape[1]) + (1,) * (x.ndim - 2)
    s, o, m, v = (_f64(t).reshape(shape) for t in (scale, offset, mean,
                                                    variance))
    return s * (x - m) / np.sqrt(v + epsilon) + o


def _exp_saturating(x):
    """exp that overflows to +inf quietly (1 / (1 + inf) is the right 0)."""
    with np.errstate(over="ignore"):
        return np.exp(x)


_erf = np.vectorize(math.erf, otypes=[np.float64])

ACTIVATIONS = {
    "relu": lambda x: np.maximum(x, 0.0),
    "relu6": lambda x: np.minimum(np.maximum(x, 0.0), 6.0),
    "sigmoid": lambda x: 1.0 / (1.0 + _exp_saturating(-x)),
    "tanh": np.tanh,
    "gelu": lambda x: x * (1.0 + _erf(x / math.sqrt(2.0))) / 2.0,
    "gelu_tanh": lambda x: x * (1.0 + np.tanh(
        math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3))) / 2.0,
}


def activation(kind, x):
    return ACTIVATIONS[kind](_f64(x))


def add(a, b):
    """Element-wise sum with NumPy broadcasting."""
    return _f64(a) + _f64(b)


def mul(a, b):
    """Element-wise product with NumPy broadcasting."""
    return _f64(a) * _f64(b)


def transpose(x, permutation):
    """Result dim i is input dim permutation[i]."""
    return np.transpose(_f64(x), permutation)


def softmax(x, axis):
    x = _f64(x)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ---------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------


def _pool_windows(x, kernel, strides, padding, dilation, ceil_mode):
    """Yields (p, q, rows, cols) per output position: the input rows and
    columns of the window that lie inside the real input, plus the window
    start in padded coordinates."""
    n, c, h, w = x.shape
    kh, kw = kernel
    sh, sw = strides
    dh, dw = dilation
    top, left, bottom, right = padding
    p = window_output_size(h, kh, sh, top, bottom, dh, ceil_mode)
    q = window_output_size(w, kw, sw, left, right, dw, ceil_mode)
    for i in range(p):
        # Padded coordinate of the window's first row, minus top = input row.
        rows = [i * sh + a * dh - top for a in range(kh)]
        rows = [r for r in rows if 0 <= r < h]
        for j in range(q):
            cols = [j * sw + b * dw - left for b in range(kw)]
            cols = [col for col in cols if 0 <= col < w]
            yield p, q, i, j, rows, cols


def max_pool2d(x, kernel, strides=(1, 1), padding=(0, 0, 0, 0),
               dilation=(1, 1), ceil_mode=False):
    """Max over each window's positions inside the input: padded positions
    never win (they act as minus infinity, so a dilated window that holds
    only padding yields minus infinity)."""
    x = _f64(x)
    out = None
    for p, q, i, j, rows, cols in _pool_windows(x, kernel, strides, padding,
                                                dilation, ceil_mode):
        if out is None:
            out = np.full(x.shape[:2] + (p, q), np.nan)
        if not rows or not cols:
            # Only padding (possible with dilation): minus infinity.
            out[:, :, i, j] = -np.inf
            continue
        out[:, :, i, j] = x[:, :, rows][:, :, :, cols].max(axis=(2, 3))
    return out


def avg_pool2d(x, kernel, strides=(1, 1), padding=(0, 0, 0, 0),
               ceil_mode=False, count_include_pad=False, dilation=(1, 1)):
    """Mean over each window.

    The divisor is the number of window positions inside the input, or with
    `count_include_pad` the number inside the padded input (`KH * KW` except
    for a ceil_mode window that overhangs the end padding). A dilated window
    with no position inside the input averages to NaN (0 / 0).
    """
    x = _f64(x)
    n, c, h, w = x.shape
    kh, kw = kernel
    sh, sw = strides
    dh, dw = dilation
    top, left, bottom, right = padding
    out = None
    for p, q, i, j, rows, cols in _pool_windows(x, kernel, strides, padding,
                                                dilation, ceil_mode):
        if out is None:
            out = np.full((n, c, p, q), np.nan)
        total = x[:, :, rows][:, :, :, cols].sum(axis=(2, 3))
        if count_include_pad:
            # Window positions in padded coordinates inside the padded input.
            nr = sum(1 for a in range(kh) if i * sh + a * dh < h + top + bottom)
            nc = sum(1 for b in range(kw) if j * sw + b * dw < w + left + right)
            divisor = nr * nc
        else:
            divisor = len(rows) * len(cols)
        with np.errstate(invalid="ignore", divide="ignore"):
            out[:, :, i, j] = total / divisor if divisor else np.nan
    return out


def global_avg_pool(x):
    """Mean over all spatial dims of an `N x C x ...` input, kept as 1s."""
    x = _f64(x)
    return x.mean(axis=tuple(range(2, x.ndim)), keepdims=True)


# ---------------------------------------------------------------------------
# Shape manipulation
# ---------------------------------------------------------------------------


def flatten(x, axis=1):
    x = np.asarray(x)
    outer = int(np.prod(x.shape[:axis], dtype=np.int64))
    inner = int(np.prod(x.shape[axis:], dtype=np.int64))
    return x.reshape(outer, inner)


def reshape(x, shape):
    return np.asarray(x).reshape(shape)


def concat(inputs, axis):
    return np.concatenate([np.asarray(t) for t in inputs], axis=axis)
