//===- SimpleKernels.h - memory-bound kernels of the GPU lowering -*- C++ -*-===//
//
// The kernels of the ops that are not GEMMs: one thread per output element
// (element-wise, pooling, transpose, concat, copies) or per reduction row
// (softmax), 256 threads per CTA. Private to lib/Conversion/DNNToGPU.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_LIB_CONVERSION_DNNTOGPU_SIMPLEKERNELS_H
#define DNN_LIB_CONVERSION_DNNTOGPU_SIMPLEKERNELS_H

#include "KernelBuilder.h"

#include "mlir/Dialect/MemRef/IR/MemRef.h"

namespace mlir::dnn::gpukernels {

/// Threads per CTA of the simple kernels.
constexpr int64_t kSimpleThreads = 256;

/// Loads `memref[at]` as f32 (f16/bf16 extended): the simple kernels
/// compute in f32 and round once when they store, like the CPU reference.
Value loadF32(OpBuilder &builder, Location loc, Value memref, ValueRange at);

/// Computes one output element (f32, or the output's element type) from
/// the kernel's inputs (block arguments)
/// and the element's coordinates in the output.
using ElementBody =
    function_ref<Value(IndexBuilder &, ValueRange inputs, ArrayRef<Value> at)>;

/// `gpu.func @name(inputs..., out) kernel`: thread i of the grid writes
/// out[coordinates of i] = body(...) (rounded to out's element type), for i
/// below the number of elements.
/// Launch: ceil(elements / 256) x 256.
gpu::GPUFuncOp buildElementwiseKernel(OpBuilder &builder, Location loc,
                                      gpu::GPUModuleOp module, StringRef name,
                                      ArrayRef<MemRefType> inputs,
                                      MemRefType out, ElementBody body);

/// `gpu.func @name(in, out) kernel` for memrefs [outer, axis, inner]: one
/// thread per (outer, inner) row computes the softmax along `axis` (max,
/// sum of exp(x - max), then exp(x - max) / sum).
gpu::GPUFuncOp buildSoftmaxKernel(OpBuilder &builder, Location loc,
                                  gpu::GPUModuleOp module, StringRef name,
                                  MemRefType type);

/// The coordinates of an operand broadcast (NumPy rules, right-aligned) to
/// an output with coordinates `at`.
SmallVector<Value> broadcastIndex(IndexBuilder &ix, MemRefType operand,
                                  ArrayRef<Value> at);

/// Grid size of the simple kernels for `elements` threads.
int64_t simpleGrid(int64_t elements);

} // namespace mlir::dnn::gpukernels

#endif // DNN_LIB_CONVERSION_DNNTOGPU_SIMPLEKERNELS_H
