//===- WeightData.cpp - reading and writing dnn.constant data -------------===//

#include "dnn/Dialect/DNN/Transforms/WeightData.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"

#include <cstring>

using namespace mlir;
using namespace mlir::dnn;

double RawTensor::get(int64_t index) const {
  // f32/f64 directly (APFloat per element costs seconds on ResNet-50).
  if (elementType.isF32()) {
    float v;
    std::memcpy(&v, bytes.data() + index * 4, 4);
    return v;
  }
  if (elementType.isF64()) {
    double v;
    std::memcpy(&v, bytes.data() + index * 8, 8);
    return v;
  }
  uint64_t bits = 0;
  std::memcpy(&bits, bytes.data() + index * elementBytes, elementBytes);
  FloatType type = elementType;
  llvm::APFloat value(type.getFloatSemantics(),
                      llvm::APInt(type.getWidth(), bits));
  return value.convertToDouble();
}

void RawTensor::set(int64_t index, double value) {
  // The conversion rounds to nearest, ties to even, as APFloat's below.
  if (elementType.isF32()) {
    float v = static_cast<float>(value);
    std::memcpy(bytes.data() + index * 4, &v, 4);
    return;
  }
  if (elementType.isF64()) {
    std::memcpy(bytes.data() + index * 8, &value, 8);
    return;
  }
  llvm::APFloat f(value);
  bool lost = false;
  FloatType type = elementType;
  f.convert(type.getFloatSemantics(),
            llvm::APFloat::rmNearestTiesToEven, &lost);
  uint64_t bits = f.bitcastToAPInt().getZExtValue();
  std::memcpy(bytes.data() + index * elementBytes, &bits, elementBytes);
}

FailureOr<RawTensor> mlir::dnn::readConstant(ConstantOp op) {
  return readConstant(op.getValue());
}

FailureOr<RawTensor> mlir::dnn::readConstant(ElementsAttr elements) {
  RawTensor raw;
  raw.type = dyn_cast<RankedTensorType>(elements.getType());
  if (!raw.type)
    return failure();
  raw.elementType = dyn_cast<FloatType>(raw.type.getElementType());
  if (!raw.elementType || raw.elementType.getWidth() % 8 != 0)
    return failure();
  raw.elementBytes = raw.elementType.getWidth() / 8;
  size_t total = static_cast<size_t>(raw.type.getNumElements()) *
                 static_cast<size_t>(raw.elementBytes);
  Attribute value = elements;
  ArrayRef<char> data;
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    data = dense.getRawData();
    if (dense.isSplat()) {
      if (static_cast<int64_t>(data.size()) != raw.elementBytes)
        return failure();
      raw.bytes.resize(total);
      for (size_t i = 0; i < total; i += raw.elementBytes)
        std::memcpy(raw.bytes.data() + i, data.data(), raw.elementBytes);
      return raw;
    }
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return failure();
    data = blob->getData();
  } else {
    return failure();
  }
  if (data.size() != total)
    return failure();
  raw.bytes.assign(data.begin(), data.end());
  return raw;
}

ElementsAttr mlir::dnn::makeConstantAttr(const RawTensor &raw,
                                         Attribute like) {
  ArrayRef<char> bytes(raw.bytes);
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(like))
    return DenseResourceElementsAttr::get(
        raw.type, resource.getRawHandle().getKey(),
        HeapAsmResourceBlob::allocateAndCopyWithAlign(
            bytes, alignof(std::max_align_t)));
  // A uniform tensor stays a splat (one element of raw data).
  bool uniform = !bytes.empty();
  for (size_t b = raw.elementBytes; uniform && b < bytes.size();
       b += raw.elementBytes)
    uniform = std::memcmp(bytes.data(), bytes.data() + b, raw.elementBytes) == 0;
  if (uniform)
    bytes = bytes.take_front(raw.elementBytes);
  return DenseElementsAttr::getFromRawBuffer(raw.type, bytes);
}
