//===- Passes.td - dnn conversion passes -------------------*- tablegen -*-===//
//
// Conversions out of the dnn dialect.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_CONVERSION_PASSES_TD
#define DNN_CONVERSION_PASSES_TD

include "mlir/Pass/PassBase.td"

def ConvertDNNToLinalg : Pass<"dnn-lower-to-linalg"> {
  let summary = "Lower dnn ops to linalg, tensor, arith and math ops";
  let description = [{
    Rewrites every dnn op into linalg named ops or `linalg.generic`s on
    tensors (plus `tensor` padding/reshaping and `arith`/`math` scalar
    code), with exactly the semantics the op documents:

    | dnn op | linalg form |
    |---|---|
    | `conv2d` | `tensor.pad` (zero) + `linalg.conv_2d_nchw_fchw`, or `linalg.conv_2d_ngchw_gfchw` when `groups > 1`; the bias is broadcast into the accumulator |
    | `linear` | `linalg.matmul` with a transposed-B indexing map; bias broadcast into the accumulator |
    | `matmul` | `linalg.matmul` (rank 2), otherwise a `linalg.generic` with broadcast batch maps |
    | `batch_norm` | per-channel `a = scale / sqrt(var + eps)`, `b = offset - mean * a`, then `x * a + b` |
    | `activation` | element-wise `linalg.generic` (`math.exp`, `math.tanh`, `math.erf`) |
    | `add`, `mul` | element-wise `linalg.generic` with NumPy broadcast maps |
    | `transpose` | `linalg.transpose` |
    | `softmax` | max-reduction, sum of `exp(x - max)`, then `exp(x - max) / sum` |
    | `max_pool2d` | `tensor.pad` (-inf) + `linalg.pooling_nchw_max` |
    | `avg_pool2d` | `tensor.pad` (zero) + `linalg.pooling_nchw_sum` (with dilations), divided by each window's count |
    | `global_avg_pool` | sum-reduction `linalg.generic`, then a scale |
    | `flatten`, `reshape` | `tensor.collapse_shape` / `tensor.expand_shape` |
    | `concat` | `tensor.empty` + `tensor.insert_slice` per input |
    | `constant` | `arith.constant` (dense or dense_resource) |

    f16 and bf16 layers accumulate (GEMMs, reductions) and evaluate
    transcendental functions in f32 and round the result once, as the GPU
    kernels do. An op that cannot be lowered is reported at its location
    and the pass fails.
  }];
  let dependentDialects = [
    "::mlir::arith::ArithDialect",
    "::mlir::linalg::LinalgDialect",
    "::mlir::math::MathDialect",
    "::mlir::tensor::TensorDialect",
  ];
}

#endif // DNN_CONVERSION_PASSES_TD
