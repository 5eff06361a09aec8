//===- Passes.h - dnn dialect passes ----------------------------*- C++ -*-===//
//
// Entry points of the passes that work on the dnn dialect.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_DIALECT_DNN_TRANSFORMS_PASSES_H
#define DNN_DIALECT_DNN_TRANSFORMS_PASSES_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/Pass/Pass.h"

namespace mlir::dnn {

#define GEN_PASS_DECL
#include "dnn/Dialect/DNN/Transforms/Passes.h.inc"

#define GEN_PASS_REGISTRATION
#include "dnn/Dialect/DNN/Transforms/Passes.h.inc"

} // namespace mlir::dnn

#endif // DNN_DIALECT_DNN_TRANSFORMS_PASSES_H
