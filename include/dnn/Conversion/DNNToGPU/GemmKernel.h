//===- GemmKernel.h - tiled GEMM kernels for the GPU lowering ---*- C++ -*-===//
//
// Builds the gpu.func of a GEMM C[M,N] = A[M,K] * B (+ bias[N]) shaped by a
// #dnn.mapping: a grid of ceil(N / tile_n) x ceil(M / tile_m) CTAs of
// `threads` threads; each CTA stages tile_k-deep slices of A and B in shared
// memory and each thread accumulates a TM x TN register tile. These are the
// kernels the performance model's KernelConfig entries describe.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_CONVERSION_DNNTOGPU_GEMMKERNEL_H
#define DNN_CONVERSION_DNNTOGPU_GEMMKERNEL_H

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"

#include <string>

namespace mlir::dnn {

/// What one GEMM kernel computes and how it is tiled.
struct GemmKernelSpec {
  /// C[m, n] = sum_k A[m, k] * B[k, n] (+ bias[n]), f32, row-major.
  int64_t m = 0, n = 0, k = 0;
  /// B is given as [n, k] (a linear layer's weight) instead of [k, n].
  bool transposeB = false;
  bool bias = false;
  /// The CTA tile and the CTA size (from #dnn.mapping).
  int64_t tileM = 64, tileN = 64, tileK = 16, threads = 256;
};

/// The per-thread register tile of a CTA tile: TM x TN outputs with
/// (tileM / TM) * (tileN / TN) == threads. Fails (and says why in
/// `error`) if the tile cannot be covered that way.
LogicalResult getRegisterTile(const GemmKernelSpec &spec, int64_t &tm,
                              int64_t &tn, std::string &error);

/// The kernel's launch: grid (x, y) and block x.
struct GemmLaunch {
  int64_t gridX = 1, gridY = 1, blockX = 1;
};
GemmLaunch getGemmLaunch(const GemmKernelSpec &spec);

/// Builds `gpu.func @name(A, B[, bias], C) kernel` at the end of `module`
/// with static memref types. Fails with a diagnostic at `loc` if the spec
/// cannot be built (empty shape, tile not covered by the threads).
FailureOr<gpu::GPUFuncOp> buildGemmKernel(OpBuilder &builder, Location loc,
                                          gpu::GPUModuleOp module,
                                          StringRef name,
                                          const GemmKernelSpec &spec);

} // namespace mlir::dnn

#endif // DNN_CONVERSION_DNNTOGPU_GEMMKERNEL_H
