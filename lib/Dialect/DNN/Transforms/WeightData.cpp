//===- WeightData.cpp - reading and writing dnn.constant data -------------===//

#include "dnn/Dialect/DNN/Transforms/WeightData.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "llvm/ADT/APFloat.h"

#include <algorithm>
#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::dnn;

/// Float32 of IEEE half bits (exact).
static float halfToFloat(uint16_t h) {
  uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  uint32_t exponent = (h >> 10) & 0x1F, mantissa = h & 0x3FF;
  uint32_t bits;
  if (exponent == 0x1F) {
    bits = sign | 0x7F800000 | (mantissa << 13);
  } else if (exponent != 0) {
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    // Subnormal: mantissa * 2^-24, exact in float.
    float v = static_cast<float>(mantissa) * 0x1p-24f;
    std::memcpy(&bits, &v, 4);
    bits |= sign;
  }
  float v;
  std::memcpy(&v, &bits, 4);
  return v;
}

/// The value of 16-bit `bits` of `type` (f16 or bf16).
static double decode16(uint16_t bits, FloatType type) {
  if (type.isF16())
    return halfToFloat(bits);
  uint32_t wide = static_cast<uint32_t>(bits) << 16;
  float v;
  std::memcpy(&v, &wide, 4);
  return v;
}

/// `value` rounded to nearest, ties to even, in the 16-bit format `type`
/// (f16 or bf16), as its bits; what APFloat's conversion gives, without its
/// cost. The two candidates are the value truncated toward zero (through
/// float: its rounding stays within one 16-bit step) and the next one away
/// from zero; the nearer wins, a tie goes to the even one.
static uint16_t roundTo16(double value, FloatType type) {
  const bool bf16 = type.isBF16();
  const uint16_t inf = bf16 ? 0x7F80 : 0x7C00;
  if (std::isnan(value))
    return bf16 ? 0x7FC0 : 0x7E00;
  uint16_t sign = std::signbit(value) ? 0x8000 : 0;
  double magnitude = std::fabs(value);
  float f = static_cast<float>(magnitude);
  uint32_t b;
  std::memcpy(&b, &f, 4);
  uint16_t lower; // magnitude bits, truncated toward zero
  if (std::isinf(f)) {
    lower = bf16 ? 0x7F7F : 0x7BFF;
  } else if (bf16) {
    lower = static_cast<uint16_t>(b >> 16);
  } else {
    int32_t exponent = static_cast<int32_t>(b >> 23) - 127 + 15;
    if (exponent >= 0x1F)
      lower = 0x7BFF;
    else if (exponent <= 0) // a subnormal half (or zero): magnitude / 2^-24
      lower = static_cast<uint16_t>(
          std::min(static_cast<double>(f) * 0x1p24, 1023.0));
    else
      lower = static_cast<uint16_t>((exponent << 10) | ((b & 0x7FFFFF) >> 13));
  }
  uint16_t upper = static_cast<uint16_t>(lower + 1);
  double lo = decode16(lower, type);
  double hi = upper == inf ? 2 * lo - decode16(lower - 1, type)
                           : decode16(upper, type);
  // Past the largest finite value, `hi` is where the next one would be: at
  // or beyond the midpoint, the value rounds to infinity.
  double dLo = magnitude - lo, dHi = hi - magnitude;
  uint16_t bits;
  if (dLo < dHi)
    bits = lower;
  else if (dHi < dLo)
    bits = upper;
  else
    bits = (lower & 1) ? upper : lower;
  if (lower == inf - 1 && bits == upper)
    bits = inf;
  return sign | bits;
}

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
  if (elementType.isF16() || elementType.isBF16()) {
    uint16_t bits;
    std::memcpy(&bits, bytes.data() + index * 2, 2);
    return decode16(bits, cast<FloatType>(elementType));
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
  if (elementType.isF16() || elementType.isBF16()) {
    uint16_t bits = roundTo16(value, cast<FloatType>(elementType));
    std::memcpy(bytes.data() + index * 2, &bits, 2);
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

std::optional<int64_t> RawTensor::firstNonFinite() const {
  for (int64_t i = 0, e = size(); i < e; ++i)
    if (!std::isfinite(get(i)))
      return i;
  return std::nullopt;
}

FailureOr<RawTensor> mlir::dnn::readConstant(ConstantOp op, std::string *why) {
  return readConstant(op.getValue(), why);
}

FailureOr<std::vector<char>>
mlir::dnn::readConstantBytes(ElementsAttr elements, std::string *why) {
  auto fail = [&](const std::string &reason) {
    if (why)
      *why = reason;
    return failure();
  };
  auto type = dyn_cast<RankedTensorType>(elements.getType());
  if (!type || !type.getElementType().isIntOrFloat())
    return fail("its element type is not an integer or float type");
  unsigned width = type.getElementType().getIntOrFloatBitWidth();
  if (width % 8 != 0)
    return fail("its elements are not whole bytes");
  size_t elementBytes = width / 8;
  if (!hasBoundedSize(type) ||
      type.getNumElements() * static_cast<int64_t>(elementBytes) >
          kMaxMaterializedBytes)
    return fail("it has " + std::to_string(type.getNumElements()) +
                " elements, more than the " +
                std::to_string(kMaxMaterializedBytes) +
                " bytes a pass expands a constant into");
  size_t total = static_cast<size_t>(type.getNumElements()) * elementBytes;
  std::vector<char> bytes;
  Attribute value = elements;
  ArrayRef<char> data;
  if (auto dense = dyn_cast<DenseElementsAttr>(value)) {
    data = dense.getRawData();
    if (dense.isSplat()) {
      if (data.size() != elementBytes)
        return fail("its splat value has the wrong size");
      bytes.resize(total);
      for (size_t i = 0; i < total; i += elementBytes)
        std::memcpy(bytes.data() + i, data.data(), elementBytes);
      return bytes;
    }
  } else if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return fail("its dense_resource blob has no data");
    data = blob->getData();
  } else {
    return fail("it is neither dense nor dense_resource");
  }
  if (data.size() != total)
    return fail("its data holds " + std::to_string(data.size()) +
                " bytes, not " + std::to_string(total));
  bytes.assign(data.begin(), data.end());
  return bytes;
}

FailureOr<RawTensor> mlir::dnn::readConstant(ElementsAttr elements,
                                             std::string *why) {
  RawTensor raw;
  raw.type = dyn_cast<RankedTensorType>(elements.getType());
  raw.elementType =
      raw.type ? dyn_cast<FloatType>(raw.type.getElementType()) : FloatType();
  if (!raw.elementType || raw.elementType.getWidth() % 8 != 0) {
    if (why)
      *why = "it is not a float tensor";
    return failure();
  }
  raw.elementBytes = raw.elementType.getWidth() / 8;
  FailureOr<std::vector<char>> bytes = readConstantBytes(elements, why);
  if (failed(bytes))
    return failure();
  raw.bytes = std::move(*bytes);
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
