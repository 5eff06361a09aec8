//===- GemmKernel.h - tiled GEMM kernels for the GPU lowering ---*- C++ -*-===//
//
// Builds the gpu.func of a GEMM C[M,N] = A[M,K] * B (+ bias[N]) shaped by a
// #dnn.mapping: a grid of ceil(N / tile_n) x ceil(M / tile_m) CTAs of
// `threads` threads; each CTA stages tile_k-deep slices of A and B in shared
// memory and each thread accumulates a TM x TN register tile. These are the
// kernels the performance model's KernelConfig entries describe.
//
// f32 GEMMs use a SIMT kernel (FMA on CUDA cores). f16/bf16 GEMMs use a
// tensor-core kernel: the warps of a CTA split its tile, each warp loads
// 16x16 A and 16x8 B fragments from shared memory with ldmatrix and issues
// mma.sync.m16n8k16 with f32 accumulators (sm_80 and newer).
//
//===----------------------------------------------------------------------===//

#ifndef DNN_CONVERSION_DNNTOGPU_GEMMKERNEL_H
#define DNN_CONVERSION_DNNTOGPU_GEMMKERNEL_H

#include "dnn/Dialect/DNN/IR/DNNAttrs.h"

#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/IR/Builders.h"

#include <optional>
#include <string>

namespace mlir::dnn {

/// A 2-D convolution (NCHW input, FCHW weight) seen as one implicit GEMM
/// per group: m = (batch, out_h, out_w), n = filters of the group,
/// k = (channels of the group, kernel_h, kernel_w). A is read from the input
/// with zero padding computed on the fly (no im2col buffer), C is written to
/// the NCHW output. `channels` and `filters` count one group's; the tensors
/// hold `groups` times as many.
struct ConvGeometry {
  int64_t groups = 1;
  int64_t batch = 1, channels = 1, height = 1, width = 1;
  int64_t filters = 1, kernelH = 1, kernelW = 1;
  int64_t strideH = 1, strideW = 1, padTop = 0, padLeft = 0;
  int64_t dilationH = 1, dilationW = 1;
  int64_t outH = 1, outW = 1;
};

/// What one GEMM kernel computes and how it is tiled.
struct GemmKernelSpec {
  /// C[m, n] = sum_k A[m, k] * B[k, n] (+ bias[n]), row-major.
  /// With `conv`, m, n and k must be its implicit GEMM's.
  int64_t m = 0, n = 0, k = 0;
  /// Independent GEMMs of this shape (grid z): a convolution's groups, or a
  /// batched matmul's batch. For a matmul, A and B are [batch, ...] unless
  /// `broadcastA`/`broadcastB` says one is shared by all (rank 2). C is
  /// [batch, m, n] when batch > 1.
  int64_t batch = 1;
  bool broadcastA = false, broadcastB = false;
  std::optional<ConvGeometry> conv;
  /// B is given as [n, k] (a linear layer's weight) instead of [k, n].
  bool transposeB = false;
  bool bias = false;
  /// Epilogue (dnn.fused): add a residual of C's type, then apply an
  /// activation, after the bias.
  bool residual = false;
  std::optional<ActivationKind> activation;
  /// The CTA tile and the CTA size (from #dnn.mapping).
  int64_t tileM = 64, tileN = 64, tileK = 16, threads = 256;
  /// The element type of A, B, bias, residual and C: f32 (or null) for the
  /// SIMT kernel, f16 or bf16 for the tensor-core kernel. Accumulation and
  /// the epilogue are f32 either way; a 16-bit result is rounded after the
  /// bias, after the residual add and after the activation, as the op by op
  /// reference does. Split-K partial sums are f32.
  Type elementType;
  /// Split K this many ways (grid z = batch * split_k): each split writes
  /// its partial sums to a workspace [batch * split_k, m, n] (C of the main
  /// kernel, no bias), and a
  /// second kernel (buildSplitKReduceKernel) adds them up with the bias.
  int64_t splitK = 1;
  /// C is f32 whatever the element type: the f32 accumulators (plus bias)
  /// stored unrounded (the input projection of a recurrent layer, which its
  /// step kernels add to in f32). No residual or activation with it.
  bool f32Output = false;
};

/// K per split: ceil(k / splitK) rounded up to tile_k, so no tile_k slice
/// crosses two splits.
int64_t getKPerSplit(const GemmKernelSpec &spec);

/// The per-thread register tile of a CTA tile: TM x TN outputs with
/// (tileM / TM) * (tileN / TN) == threads. Fails (and says why in
/// `error`) if the tile cannot be covered that way.
LogicalResult getRegisterTile(const GemmKernelSpec &spec, int64_t &tm,
                              int64_t &tn, std::string &error);

/// True if `spec` is built as the tensor-core kernel (f16/bf16 elements).
bool usesTensorCores(const GemmKernelSpec &spec);

/// The warp layout of the tensor-core kernel: warpsM x warpsN warps (all
/// of the CTA's) split the CTA tile into warp tiles that are whole 16x8 mma
/// tiles, choosing the layout with the fewest fragment loads per mma. Fails
/// (and says why) if there is none, or tile_k is not a multiple of 16.
LogicalResult getWarpTile(const GemmKernelSpec &spec, int64_t &warpsM,
                          int64_t &warpsN, std::string &error);

/// Elements of padding at the end of each row of the tensor-core kernel's
/// shared tiles ([tile_m][tile_k + pad] and [tile_n][tile_k + pad]): keeps
/// rows 16-byte aligned for ldmatrix and its eight row reads on distinct
/// banks.
constexpr int64_t kSharedRowPad = 8;

/// Bytes of static shared memory the kernel of `spec` allocates.
int64_t getGemmSharedBytes(const GemmKernelSpec &spec);

/// The kernel's launch: grid (x, y, z = batch * split_k) and block x; with split-K
/// also the reduction kernel's (one thread per output, 256 per CTA).
struct GemmLaunch {
  int64_t gridX = 1, gridY = 1, gridZ = 1, blockX = 1;
  int64_t reduceGridX = 0, reduceBlockX = 0;
};
GemmLaunch getGemmLaunch(const GemmKernelSpec &spec);

/// The implicit-GEMM spec of a convolution (m, n, k and `conv` filled).
GemmKernelSpec getConvGemmSpec(const ConvGeometry &conv);

/// Builds `gpu.func @name(A, B[, bias][, residual], C) kernel` at the end
/// of `module`
/// with static memref types (for a convolution: input NxCxHxW, weight
/// FxCxKHxKW, bias F, output NxFxOHxOW). Fails with a diagnostic at `loc` if the spec
/// cannot be built (empty shape, tile not covered by the threads).
FailureOr<gpu::GPUFuncOp> buildGemmKernel(OpBuilder &builder, Location loc,
                                          gpu::GPUModuleOp module,
                                          StringRef name,
                                          const GemmKernelSpec &spec);

/// With spec.splitK > 1: builds `gpu.func @name(workspace[, bias][,
/// residual], C)`, C = epilogue(sum over the splits), in C's layout (NCHW
/// for a conv).
FailureOr<gpu::GPUFuncOp>
buildSplitKReduceKernel(OpBuilder &builder, Location loc,
                        gpu::GPUModuleOp module, StringRef name,
                        const GemmKernelSpec &spec);

} // namespace mlir::dnn

#endif // DNN_CONVERSION_DNNTOGPU_GEMMKERNEL_H
