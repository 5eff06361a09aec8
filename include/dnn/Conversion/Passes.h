//===- Passes.h - dnn conversion passes -------------------------*- C++ -*-===//
//
// Entry points of the conversions out of the dnn dialect.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_CONVERSION_PASSES_H
#define DNN_CONVERSION_PASSES_H

#include "dnn/Conversion/DNNToLinalg/DNNToLinalg.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/NVGPU/IR/NVGPUDialect.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Dialect/Vector/IR/VectorOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::dnn {

#define GEN_PASS_DECL
#include "dnn/Conversion/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dnn/Conversion/Passes.h.inc"

} // namespace mlir::dnn

#endif // DNN_CONVERSION_PASSES_H
