//===- DNNInterfaces.h - dnn op interfaces ----------------------*- C++ -*-===//

#ifndef DNN_DIALECT_DNN_IR_DNNINTERFACES_H
#define DNN_DIALECT_DNN_IR_DNNINTERFACES_H

#include "dnn/Dialect/DNN/IR/DNNAttrs.h"
#include "mlir/IR/OpDefinition.h"
#include "llvm/ADT/SmallVector.h"

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

/// One dimension of an operand or a result of an op.
struct ChannelDim {
  bool isResult = false;
  unsigned index = 0; ///< operand or result number
  int64_t dim = 0;
  /// A parameter (weight, bias, batch-norm statistic) rather than an
  /// activation.
  bool isWeight = false;

  static ChannelDim operand(unsigned index, int64_t dim, bool weight = false) {
    return {false, index, dim, weight};
  }
  static ChannelDim result(unsigned index, int64_t dim) {
    return {true, index, dim, false};
  }
  /// The value this dimension belongs to.
  Value getValue(Operation *op) const {
    return isResult ? op->getResult(index) : op->getOperand(index);
  }
  /// The operand, or nullptr for a result.
  OpOperand *getOperand(Operation *op) const {
    return isResult ? nullptr : &op->getOpOperand(index);
  }
};

/// How the dims of a ChannelTie relate (see ChannelOpInterface).
enum class ChannelTieKind { Produce, Consume, PassThrough, Slice };

/// Dims of one op that change together. For `Slice`, `dims` is exactly
/// {operand dim, result dim} and the operand's channels are
/// `[offset, offset + size)` of the result's.
struct ChannelTie {
  ChannelTieKind kind = ChannelTieKind::PassThrough;
  llvm::SmallVector<ChannelDim, 4> dims;
  int64_t offset = 0;
};
} // namespace mlir::dnn

#include "dnn/Dialect/DNN/IR/DNNInterfaces.h.inc"

#endif // DNN_DIALECT_DNN_IR_DNNINTERFACES_H
