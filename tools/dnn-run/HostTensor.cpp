//===- HostTensor.cpp - dense tensors in host memory ---------------------===//

#include "HostTensor.h"

#include "mlir/IR/BuiltinTypes.h"

#include "llvm/ADT/bit.h"
#include "llvm/Support/MathExtras.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>

using namespace dnn_run;

static constexpr size_t kAlignment = 64;

//===----------------------------------------------------------------------===//
// TensorSpec
//===----------------------------------------------------------------------===//

int64_t TensorSpec::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

unsigned TensorSpec::getElementBytes() const {
  switch (kind) {
  case ElementKind::F16:
  case ElementKind::BF16:
    return 2;
  case ElementKind::F32:
    return 4;
  case ElementKind::F64:
    return 8;
  }
  return 0;
}

unsigned TensorSpec::getSignificandBits() const {
  switch (kind) {
  case ElementKind::F16:
    return 11;
  case ElementKind::BF16:
    return 8;
  case ElementKind::F32:
    return 24;
  case ElementKind::F64:
    return 53;
  }
  return 0;
}

bool dnn_run::getElementKind(mlir::Type type, ElementKind &kind) {
  if (type.isF16())
    kind = ElementKind::F16;
  else if (type.isBF16())
    kind = ElementKind::BF16;
  else if (type.isF32())
    kind = ElementKind::F32;
  else if (type.isF64())
    kind = ElementKind::F64;
  else
    return false;
  return true;
}

//===----------------------------------------------------------------------===//
// 16-bit floats
//===----------------------------------------------------------------------===//

float dnn_run::halfToFloat(uint16_t bits) {
  uint32_t sign = uint32_t(bits & 0x8000) << 16;
  uint32_t exponent = (bits >> 10) & 0x1f;
  uint32_t mantissa = bits & 0x3ff;
  if (exponent == 0x1f) // Inf or NaN.
    return llvm::bit_cast<float>(sign | 0x7f800000 | (mantissa << 13));
  if (exponent == 0) { // Zero or subnormal: mantissa * 2^-24, exact in float.
    float magnitude = static_cast<float>(mantissa) * 0x1p-24f;
    return llvm::bit_cast<float>(sign | llvm::bit_cast<uint32_t>(magnitude));
  }
  return llvm::bit_cast<float>(sign | ((exponent + 112) << 23) |
                               (mantissa << 13));
}

uint16_t dnn_run::floatToHalf(float value) {
  uint32_t x = llvm::bit_cast<uint32_t>(value);
  uint32_t sign = (x >> 16) & 0x8000;
  x &= 0x7fffffff;
  uint32_t result;
  if (x >= 0x47800000) {
    // |value| >= 2^16 (also Inf, NaN): Inf, or a quiet NaN.
    result = x > 0x7f800000 ? 0x7e00 : 0x7c00;
  } else if (x < 0x38800000) {
    // Below 2^-14: a subnormal half or zero. Adding 0.5 aligns the half's
    // subnormal step (2^-24) with the last mantissa bit of the float sum, so
    // the float addition does the rounding to nearest even.
    float sum = llvm::bit_cast<float>(x) + 0.5f;
    result = llvm::bit_cast<uint32_t>(sum) - 0x3f000000;
  } else {
    // Normal: rebias the exponent and round the 13 dropped bits to nearest
    // even; a carry out of the mantissa correctly bumps the exponent (up to
    // Inf for values that round past 65504).
    uint32_t odd = (x >> 13) & 1;
    x += 0xc8000000u + 0xfff + odd; // -112 << 23, modulo 2^32.
    result = x >> 13;
  }
  return static_cast<uint16_t>(result | sign);
}

float dnn_run::bf16ToFloat(uint16_t bits) {
  return llvm::bit_cast<float>(uint32_t(bits) << 16);
}

uint16_t dnn_run::floatToBF16(float value) {
  uint32_t x = llvm::bit_cast<uint32_t>(value);
  if ((x & 0x7fffffff) > 0x7f800000) // NaN: keep it quiet.
    return static_cast<uint16_t>((x >> 16) | 0x40);
  uint32_t odd = (x >> 16) & 1;
  return static_cast<uint16_t>((x + 0x7fff + odd) >> 16);
}

//===----------------------------------------------------------------------===//
// HostTensor
//===----------------------------------------------------------------------===//

/// Bytes actually allocated for `size` bytes: never zero (the callee
/// needs a valid pointer), a multiple of the alignment (for aligned_alloc).
static size_t allocationSize(size_t size) {
  return llvm::alignTo(std::max<size_t>(size, 1), kAlignment);
}

llvm::Expected<HostTensor> HostTensor::create(TensorSpec spec) {
  size_t size = spec.getNumElements() * spec.getElementBytes();
  void *data = std::aligned_alloc(kAlignment, allocationSize(size));
  if (!data)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "cannot allocate " + llvm::Twine(size) +
                                       " bytes for a " + spec.typeName);
  std::memset(data, 0, allocationSize(size));
  return HostTensor(std::move(spec), size, data);
}

HostTensor::HostTensor(TensorSpec specIn, size_t sizeInBytes, void *data)
    : spec(std::move(specIn)), numElements(spec.getNumElements()),
      sizeInBytes(sizeInBytes), data(data) {}

HostTensor::HostTensor(HostTensor &&other)
    : spec(std::move(other.spec)), numElements(other.numElements),
      sizeInBytes(other.sizeInBytes), data(other.data) {
  other.data = nullptr;
}

HostTensor::~HostTensor() { std::free(data); }

double HostTensor::load(int64_t i) const {
  switch (spec.kind) {
  case ElementKind::F16:
    return halfToFloat(static_cast<const uint16_t *>(data)[i]);
  case ElementKind::BF16:
    return bf16ToFloat(static_cast<const uint16_t *>(data)[i]);
  case ElementKind::F32:
    return static_cast<const float *>(data)[i];
  case ElementKind::F64:
    return static_cast<const double *>(data)[i];
  }
  return 0;
}

void HostTensor::store(int64_t i, double value) {
  switch (spec.kind) {
  case ElementKind::F16:
    // Through float: double -> float -> half could round twice, but every
    // caller stores values that are exact in float.
    static_cast<uint16_t *>(data)[i] = floatToHalf(static_cast<float>(value));
    return;
  case ElementKind::BF16:
    static_cast<uint16_t *>(data)[i] = floatToBF16(static_cast<float>(value));
    return;
  case ElementKind::F32:
    static_cast<float *>(data)[i] = static_cast<float>(value);
    return;
  case ElementKind::F64:
    static_cast<double *>(data)[i] = value;
    return;
  }
}
