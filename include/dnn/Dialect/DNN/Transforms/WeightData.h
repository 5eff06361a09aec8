//===- WeightData.h - reading and writing dnn.constant data -----*- C++ -*-===//
//
// The raw element data of float dnn.constant ops (dense or dense_resource),
// for passes that rewrite weights (dnn-tail-aware-channels,
// dnn-fold-batch-norm) and the GPU lowering, which writes them to a file.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_DIALECT_DNN_TRANSFORMS_WEIGHTDATA_H
#define DNN_DIALECT_DNN_TRANSFORMS_WEIGHTDATA_H

#include "dnn/Dialect/DNN/IR/DNNOps.h"

#include <optional>
#include <string>
#include <vector>

namespace mlir::dnn {

/// The raw bytes of a float constant (a splat expanded), little-endian as
/// in memory.
struct RawTensor {
  RankedTensorType type;
  FloatType elementType;
  int64_t elementBytes = 0;
  std::vector<char> bytes;

  int64_t size() const {
    return elementBytes ? static_cast<int64_t>(bytes.size()) / elementBytes
                        : 0;
  }
  /// Element `index` (row-major) as a double.
  double get(int64_t index) const;
  /// Sets element `index`, rounded to the element type (nearest even).
  void set(int64_t index, double value);
  /// The index of the first NaN or infinite element, if any.
  std::optional<int64_t> firstNonFinite() const;
};

/// The most bytes a pass expands a constant into (a splat of 10^12
/// elements verifies, but is not materialised): 4 GiB.
constexpr int64_t kMaxMaterializedBytes = int64_t{1} << 32;

/// The data of `op`; fails if it is not a float dense or dense_resource
/// constant whose data is present, or if it is larger than
/// kMaxMaterializedBytes. `why`, if given, receives the reason.
FailureOr<RawTensor> readConstant(ConstantOp op, std::string *why = nullptr);
/// The same for the value of any constant op.
FailureOr<RawTensor> readConstant(ElementsAttr value,
                                  std::string *why = nullptr);
/// The little-endian bytes of a dense or dense_resource constant of any
/// float or integer element type of whole bytes (a splat expanded); fails
/// if its data is absent or larger than kMaxMaterializedBytes.
FailureOr<std::vector<char>> readConstantBytes(ElementsAttr value,
                                               std::string *why = nullptr);

/// The attribute holding `raw`: a dense_resource blob (under a key derived
/// from `like`'s) if `like` is one, else dense (a splat if uniform).
ElementsAttr makeConstantAttr(const RawTensor &raw, Attribute like);

} // namespace mlir::dnn

#endif // DNN_DIALECT_DNN_TRANSFORMS_WEIGHTDATA_H
