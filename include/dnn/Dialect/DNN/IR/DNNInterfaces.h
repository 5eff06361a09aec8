//===- DNNInterfaces.h - dnn op interfaces ----------------------*- C++ -*-===//

#ifndef DNN_DIALECT_DNN_IR_DNNINTERFACES_H
#define DNN_DIALECT_DNN_IR_DNNINTERFACES_H

#include "mlir/IR/OpDefinition.h"

#include <cstdint>

namespace mlir::dnn {
/// `batch` independent products C[m x n] += A[m x k] * B[k x n].
struct GemmShape {
  int64_t batch = 1;
  int64_t m = 0;
  int64_t n = 0;
  int64_t k = 0;
  /// Multiply-accumulates times two.
  double flops() const {
    return 2.0 * static_cast<double>(batch) * static_cast<double>(m) *
           static_cast<double>(n) * static_cast<double>(k);
  }
};
} // namespace mlir::dnn

#include "dnn/Dialect/DNN/IR/DNNInterfaces.h.inc"

#endif // DNN_DIALECT_DNN_IR_DNNINTERFACES_H
