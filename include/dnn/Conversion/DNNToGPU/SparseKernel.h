//===- SparseKernel.h - the balanced-sparse GPU kernel ----------*- C++ -*-===//
//
// The kernel dnn-lower-to-gpu emits for dnn.sparse_linear and
// dnn.sparse_conv2d (see docs/sparsity.md): one warp per output feature, each lane summing whole
// banks, the x segment staged transposed in shared memory so the lanes of a
// warp read 32 different shared-memory banks whatever their offsets.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_CONVERSION_DNNTOGPU_SPARSEKERNEL_H
#define DNN_CONVERSION_DNNTOGPU_SPARSEKERNEL_H

#include "dnn/Analysis/SparseModel.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"

namespace mlir::dnn {

/// The window of a dnn.sparse_conv2d: x is N x C x H x W, y N x F x P x Q,
/// and row m = (n * P + p) * Q + q, column c = (ch * KH + kh) * KW + kw of
/// the implicit GEMM read x[n, ch, p * sh - pt + kh * dh, q * sw - pl + kw *
/// dw] (0 outside).
struct SparseConvGeometry {
  int64_t batch = 1, channels = 1, height = 1, width = 1;
  int64_t outHeight = 1, outWidth = 1;
  int64_t kernel[2] = {1, 1}, strides[2] = {1, 1}, padding[2] = {0, 0},
          dilation[2] = {1, 1};
};

struct SparseKernelSpec {
  BalancedSparseShape shape;
  SparseKernelPlan plan;
  Type elementType; ///< of x, values, bias and y
  Type indexType;   ///< of the offsets (i8, i16 or i32)
  /// Set for a convolution; x and y are then 4-D.
  std::optional<SparseConvGeometry> conv;
};

/// The spec of a dnn.sparse_linear or dnn.sparse_conv2d with `mapping`
/// (tile_m = batch tile, tile_n = rows per CTA, tile_k = banks per chunk *
/// bank size); fails with `error` if the mapping is not one the kernel
/// implements.
FailureOr<SparseKernelSpec> getSparseKernelSpec(BalancedSparseOpInterface op,
                                                MappingAttr mapping,
                                                std::string &error);

/// Grid of the kernel: ceil(n / rowsPerCta) x ceil(m / batchTile).
std::array<int64_t, 2> getSparseGrid(const SparseKernelSpec &spec);

/// Builds `name(x[m,k], values[n,banks,nnz], offsets[n,banks,nnz],
/// [bias[n]], y[m,n])` in `module` (a convolution: x[N,C,H,W] and
/// y[N,F,P,Q]).
FailureOr<gpu::GPUFuncOp> buildBalancedSparseKernel(OpBuilder &builder,
                                                    Location loc,
                                                    gpu::GPUModuleOp module,
                                                    StringRef name,
                                                    const SparseKernelSpec &spec);

} // namespace mlir::dnn

#endif // DNN_CONVERSION_DNNTOGPU_SPARSEKERNEL_H
