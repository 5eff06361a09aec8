//===- DNNOps.h - dnn layer ops ---------------------------------*- C++ -*-===//
//
// Op classes of the dnn dialect.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_DIALECT_DNN_IR_DNNOPS_H
#define DNN_DIALECT_DNN_IR_DNNOPS_H

#include "dnn/Dialect/DNN/IR/DNNAttrs.h"
#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/IR/DNNInterfaces.h"
#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

namespace mlir::dnn {
/// The most bytes one dnn tensor may hold: 2^48 (256 TiB), far above any
/// device's memory, low enough that sizes, offsets and sums of many tensors
/// never overflow 64-bit arithmetic in the passes and the lowerings.
constexpr int64_t kMaxTensorBytes = int64_t{1} << 48;
/// Whether a statically shaped tensor's bytes stay within kMaxTensorBytes
/// (false as well when the element count itself overflows).
bool hasBoundedSize(Type type);
} // namespace mlir::dnn

namespace mlir::dnn::OpTrait {
/// Verifies an op's operand shapes and attributes (its `verifyShapes()`)
/// before the InferTypeOpInterface check, so that malformed ops get their
/// precise diagnostic.
template <typename ConcreteType>
class VerifiedShapes
    : public ::mlir::OpTrait::TraitBase<ConcreteType, VerifiedShapes> {
public:
  static LogicalResult verifyTrait(Operation *op) {
    return cast<ConcreteType>(op).verifyShapes();
  }
};
} // namespace mlir::dnn::OpTrait

#define GET_OP_CLASSES
#include "dnn/Dialect/DNN/IR/DNNOps.h.inc"

#endif // DNN_DIALECT_DNN_IR_DNNOPS_H
