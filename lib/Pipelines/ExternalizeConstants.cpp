//===- ExternalizeConstants.cpp - weights as arguments --------------------===//
//
// Large tensor constants become function arguments that the runtime binds to
// the constants' own storage (see Pipelines.h).
//
//===----------------------------------------------------------------------===//

#include "dnn/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;

/// The bytes of `value` in memory layout, or empty if it has none to share
/// (a splat, or an attribute kind without contiguous storage).
static ArrayRef<char> storageOf(ElementsAttr value) {
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    if (dense.isSplat())
      return {};
    return dense.getRawData();
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      return blob->getData();
  }
  return {};
}

SmallVector<dnn::ExternalConstant>
dnn::externalizeLargeConstants(func::FuncOp func, int64_t minBytes) {
  SmallVector<ExternalConstant> result;
  if (func.isExternal())
    return result;
  SmallVector<std::pair<Operation *, ElementsAttr>> constants;
  func.walk([&](Operation *op) {
    if (op->getNumResults() != 1 || !op->hasTrait<OpTrait::ConstantLike>())
      return;
    auto type = dyn_cast<RankedTensorType>(op->getResult(0).getType());
    ElementsAttr value;
    if (!type || !type.hasStaticShape() || !matchPattern(op, m_Constant(&value)))
      return;
    int64_t bits = type.getNumElements() *
                   static_cast<int64_t>(type.getElementTypeBitWidth());
    if (bits % 8 != 0 || bits / 8 < minBytes)
      return;
    ArrayRef<char> data = storageOf(value);
    bool splat = isa<DenseElementsAttr>(value) &&
                 cast<DenseElementsAttr>(value).isSplat();
    // Only constants whose storage is exactly the tensor's bytes (or a
    // splat the caller expands) can be passed by pointer.
    if (!splat && static_cast<int64_t>(data.size()) != bits / 8)
      return;
    constants.push_back({op, value});
  });
  Block &entry = func.getBody().front();
  for (auto [op, value] : constants) {
    unsigned index = func.getNumArguments();
    Type type = op->getResult(0).getType();
    if (failed(func.insertArgument(index, type, /*argAttrs=*/{}, op->getLoc())))
      continue;
    op->getResult(0).replaceAllUsesWith(entry.getArgument(index));
    op->erase();
    result.push_back({index, value, storageOf(value)});
  }
  return result;
}
