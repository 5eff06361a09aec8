//===- HostTensor.h - dense tensors in host memory --------------*- C++ -*-===//
//
// The buffers dnn-run passes to a compiled entry function: statically shaped,
// row-major, of f16, bf16, f32 or f64, 64-byte aligned.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_TOOLS_DNN_RUN_HOSTTENSOR_H
#define DNN_TOOLS_DNN_RUN_HOSTTENSOR_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <string>

namespace mlir {
class Type;
} // namespace mlir

namespace dnn_run {

enum class ElementKind { F16, BF16, F32, F64 };

/// The type of one argument or result of an entry function.
struct TensorSpec {
  ElementKind kind = ElementKind::F32;
  llvm::SmallVector<int64_t> shape;
  /// The type as the function signature spells it, e.g. "tensor<2x4xf32>".
  std::string typeName;

  int64_t getNumElements() const;
  unsigned getElementBytes() const;
  /// Significand bits including the implicit one (11, 8, 24, 53).
  unsigned getSignificandBits() const;
};

/// The element kind of `type` (f16, bf16, f32 or f64), or false.
bool getElementKind(mlir::Type type, ElementKind &kind);

/// IEEE binary16 and bfloat16 bit patterns to and from float; narrowing
/// rounds to nearest even, NaN stays NaN.
float halfToFloat(uint16_t bits);
uint16_t floatToHalf(float value);
float bf16ToFloat(uint16_t bits);
uint16_t floatToBF16(float value);

/// A zero-initialised, 64-byte aligned buffer of a TensorSpec.
class HostTensor {
public:
  /// Allocates the buffer; fails when the memory is not available.
  static llvm::Expected<HostTensor> create(TensorSpec spec);
  ~HostTensor();
  HostTensor(HostTensor &&other);
  HostTensor &operator=(HostTensor &&other) = delete;
  HostTensor(const HostTensor &) = delete;
  HostTensor &operator=(const HostTensor &) = delete;

  const TensorSpec &getSpec() const { return spec; }
  void *getData() { return data; }
  const void *getData() const { return data; }
  size_t getSizeInBytes() const { return sizeInBytes; }
  int64_t getNumElements() const { return numElements; }

  /// Element `i` (row-major) converted to double.
  double load(int64_t i) const;
  /// Stores `value` rounded to the element type (to nearest even).
  void store(int64_t i, double value);

private:
  HostTensor(TensorSpec spec, size_t sizeInBytes, void *data);

  TensorSpec spec;
  int64_t numElements;
  size_t sizeInBytes;
  void *data;
};

} // namespace dnn_run

#endif // DNN_TOOLS_DNN_RUN_HOSTTENSOR_H
