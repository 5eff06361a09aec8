//===- DNNOps.cpp - dnn layer ops ---------------------------------------===//
//
// Shape rules of the dnn ops. Each op has one shape function used both by
// its verifier (`verifyShapes`, with precise diagnostics) and by shape
// inference (InferTypeOpInterface), so the two can never disagree.
//
//===----------------------------------------------------------------------===//

#include "dnn/Dialect/DNN/IR/DNNOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"

#include <cmath>

using namespace mlir;
using namespace mlir::dnn;

namespace {
/// Produces the diagnostic a shape function reports through: the op's own
/// error when verifying, an optional located error when inferring.
using EmitFn = function_ref<InFlightDiagnostic()>;

/// Prints a shape as `[1, 64, 56, 56]` in diagnostics.
struct ShapeStr {
  ArrayRef<int64_t> dims;
};
InFlightDiagnostic &&operator<<(InFlightDiagnostic &&diag, ShapeStr s) {
  diag << "[";
  llvm::interleave(
      s.dims, [&](int64_t d) { diag << d; }, [&] { diag << ", "; });
  return std::move(diag << "]");
}
} // namespace

/// Turns a reported diagnostic into the failure of a shape function.
static LogicalResult fail(InFlightDiagnostic &&diag) { return diag; }

static RankedTensorType tensorOf(Value value) {
  return value ? dyn_cast<RankedTensorType>(value.getType())
               : RankedTensorType();
}

static RankedTensorType makeTensor(ArrayRef<int64_t> shape, Type elementType) {
  return RankedTensorType::get(shape, elementType);
}

/// Checks that `values` has `size` entries, each at least `min`.
static LogicalResult checkArray(EmitFn emit, StringRef what,
                                ArrayRef<int64_t> values, size_t size,
                                int64_t min) {
  if (values.size() != size)
    return emit() << "'" << what << "' must have " << size
                  << " entries, got " << values.size();
  for (int64_t v : values)
    if (v < min)
      return emit() << "'" << what << "' entries must be at least " << min
                    << ", got " << ShapeStr{values};
  return success();
}

/// NumPy broadcasting of two shapes aligned from the right.
static FailureOr<SmallVector<int64_t>> broadcastShapes(EmitFn emit,
                                                       ArrayRef<int64_t> a,
                                                       ArrayRef<int64_t> b,
                                                       StringRef what) {
  size_t rank = std::max(a.size(), b.size());
  SmallVector<int64_t> result(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1)
      return fail(emit() << what << " " << ShapeStr{a} << " and " << ShapeStr{b}
                     << " do not broadcast");
    result[i] = da == 1 ? db : da;
  }
  return result;
}

/// Runs a shape function for inference: errors are reported only when a
/// location is given.
template <typename OpT, typename ShapeFn>
static LogicalResult inferWith(MLIRContext *context,
                               std::optional<Location> loc, ValueRange operands,
                               DictionaryAttr attributes,
                               OpaqueProperties properties, RegionRange regions,
                               SmallVectorImpl<Type> &results, ShapeFn fn) {
  auto emit = [&]() -> InFlightDiagnostic {
    return loc ? emitError(*loc) : InFlightDiagnostic();
  };
  // The generated parser infers result types before the attributes parsed
  // from the attribute dictionary have been moved into properties.
  typename OpT::Properties storage;
  if (!properties) {
    if constexpr (!std::is_same_v<typename OpT::Properties, EmptyProperties>) {
      if (attributes && failed(OpT::setPropertiesFromAttr(storage, attributes,
                                                          emit)))
        return failure();
      OpT::populateDefaultProperties(
          OperationName(OpT::getOperationName(), context), storage);
    }
    properties = OpaqueProperties(&storage);
  }
  FailureOr<RankedTensorType> type =
      fn(typename OpT::Adaptor(operands, attributes, properties, regions),
         emit);
  if (failed(type))
    return failure();
  results.push_back(*type);
  return success();
}

/// Runs a shape function as the op's verifier.
template <typename OpT, typename ShapeFn>
static LogicalResult verifyWith(OpT op, ShapeFn fn) {
  return success(
      succeeded(fn(typename OpT::Adaptor(op), [&] { return op.emitOpError(); })));
}

#define DNN_SHAPE_FUNCTION(OP, FN)                                             \
  LogicalResult OP::verifyShapes() { return verifyWith(*this, FN); }           \
  LogicalResult OP::inferReturnTypes(                                          \
      MLIRContext *context, std::optional<Location> loc, ValueRange operands,  \
      DictionaryAttr attributes, OpaqueProperties properties,                  \
      RegionRange regions, SmallVectorImpl<Type> &results) {                   \
    return inferWith<OP>(context, loc, operands, attributes, properties,       \
                         regions, results, FN);                                \
  }

/// Required attributes may still be missing while an op is being parsed.
#define DNN_REQUIRE_ATTR(ADAPTOR, NAME, GETTER)                                \
  if (!ADAPTOR.GETTER())                                                       \
    return fail(emit() << "requires attribute '" NAME "'");

//===----------------------------------------------------------------------===//
// Sliding windows (convolution and pooling)
//===----------------------------------------------------------------------===//

/// Output size of a sliding window over one spatial dimension.
static FailureOr<int64_t> windowOutputSize(EmitFn emit, StringRef dimName,
                                           int64_t input, int64_t kernel,
                                           int64_t stride, int64_t padBegin,
                                           int64_t padEnd, int64_t dilation,
                                           bool ceilMode) {
  int64_t extent = dilation * (kernel - 1) + 1;
  int64_t padded = input + padBegin + padEnd;
  if (padded < extent)
    return fail(emit() << "kernel extent " << extent << " exceeds the padded input "
                   << dimName << " " << padded);
  int64_t span = padded - extent;
  int64_t out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1;
  // A last window that would start inside the end padding is dropped.
  if (ceilMode && (out - 1) * stride >= input + padBegin)
    --out;
  return out;
}

/// Spatial output sizes [P, Q] of a 2-D window op on an NCHW input.
static FailureOr<SmallVector<int64_t>>
windowOutputShape2D(EmitFn emit, ArrayRef<int64_t> input,
                    ArrayRef<int64_t> kernel, ArrayRef<int64_t> strides,
                    ArrayRef<int64_t> padding, ArrayRef<int64_t> dilation,
                    bool ceilMode) {
  SmallVector<int64_t> out;
  const char *names[] = {"height", "width"};
  for (int i = 0; i < 2; ++i) {
    FailureOr<int64_t> size = windowOutputSize(
        emit, names[i], input[2 + i], kernel[i], strides[i], padding[i],
        padding[2 + i], dilation[i], ceilMode);
    if (failed(size))
      return failure();
    out.push_back(*size);
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Conv2DOp
//===----------------------------------------------------------------------===//

static FailureOr<RankedTensorType> conv2dShape(Conv2DOp::Adaptor op,
                                               EmitFn emit) {
  RankedTensorType input = tensorOf(op.getInput());
  RankedTensorType weight = tensorOf(op.getWeight());
  if (!input || !weight)
    return fail(emit() << "expects ranked tensor operands");
  if (input.getRank() != 4)
    return fail(emit() << "expects a 4-D input (N x C x H x W), got rank "
                   << input.getRank());
  if (weight.getRank() != 4)
    return fail(emit() << "expects a 4-D weight (F x C/groups x KH x KW), got rank "
                   << weight.getRank());
  if (failed(checkArray(emit, "strides", op.getStrides(), 2, 1)) ||
      failed(checkArray(emit, "padding", op.getPadding(), 4, 0)) ||
      failed(checkArray(emit, "dilation", op.getDilation(), 2, 1)))
    return failure();
  int64_t groups = op.getGroups();
  if (groups < 1)
    return fail(emit() << "'groups' must be at least 1, got " << groups);
  ArrayRef<int64_t> in = input.getShape(), w = weight.getShape();
  if (in[1] % groups != 0)
    return fail(emit() << "input channels (" << in[1]
                   << ") are not divisible by groups (" << groups << ")");
  if (w[0] % groups != 0)
    return fail(emit() << "output channels (" << w[0]
                   << ") are not divisible by groups (" << groups << ")");
  if (w[1] != in[1] / groups)
    return fail(emit() << "weight has " << w[1]
                   << " input channels per group, expected " << in[1] << "/"
                   << groups << " = " << in[1] / groups);
  if (w[0] < 1 || w[2] < 1 || w[3] < 1)
    return fail(emit() << "weight shape " << ShapeStr{w}
                   << " has an empty output-channel or kernel dimension");
  if (Value bias = op.getBias()) {
    RankedTensorType b = tensorOf(bias);
    if (!b || b.getRank() != 1 || b.getDimSize(0) != w[0])
      return fail(emit() << "bias must be a 1-D tensor of " << w[0]
                     << " elements (one per output channel)");
  }
  FailureOr<SmallVector<int64_t>> spatial =
      windowOutputShape2D(emit, in, w.drop_front(2), op.getStrides(),
                          op.getPadding(), op.getDilation(), false);
  if (failed(spatial))
    return failure();
  return makeTensor({in[0], w[0], (*spatial)[0], (*spatial)[1]},
                    input.getElementType());
}
DNN_SHAPE_FUNCTION(Conv2DOp, conv2dShape)

//===----------------------------------------------------------------------===//
// LinearOp
//===----------------------------------------------------------------------===//

static FailureOr<RankedTensorType> linearShape(LinearOp::Adaptor op,
                                               EmitFn emit) {
  RankedTensorType input = tensorOf(op.getInput());
  RankedTensorType weight = tensorOf(op.getWeight());
  if (!input || !weight)
    return fail(emit() << "expects ranked tensor operands");
  if (input.getRank() < 1)
    return fail(emit() << "expects an input of rank 1 or more");
  if (weight.getRank() != 2)
    return fail(emit() << "expects a 2-D weight (N x K), got rank "
                   << weight.getRank());
  int64_t k = input.getShape().back();
  if (weight.getDimSize(1) != k)
    return fail(emit() << "input has " << k << " features but the weight expects "
                   << weight.getDimSize(1));
  int64_t n = weight.getDimSize(0);
  if (Value bias = op.getBias()) {
    RankedTensorType b = tensorOf(bias);
    if (!b || b.getRank() != 1 || b.getDimSize(0) != n)
      return fail(emit() << "bias must be a 1-D tensor of " << n
                     << " elements (one per output feature)");
  }
  SmallVector<int64_t> shape(input.getShape().drop_back());
  shape.push_back(n);
  return makeTensor(shape, input.getElementType());
}
DNN_SHAPE_FUNCTION(LinearOp, linearShape)

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

static FailureOr<RankedTensorType> matmulShape(MatmulOp::Adaptor op,
                                               EmitFn emit) {
  RankedTensorType lhs = tensorOf(op.getLhs()), rhs = tensorOf(op.getRhs());
  if (!lhs || !rhs)
    return fail(emit() << "expects ranked tensor operands");
  if (lhs.getRank() < 2 || rhs.getRank() < 2)
    return fail(emit() << "expects operands of rank 2 or more, got ranks "
                   << lhs.getRank() << " and " << rhs.getRank());
  ArrayRef<int64_t> a = lhs.getShape(), b = rhs.getShape();
  if (a.back() != b[b.size() - 2])
    return fail(emit() << "contracting dimensions differ: lhs " << ShapeStr{a}
                   << " has K = " << a.back() << ", rhs " << ShapeStr{b}
                   << " has K = " << b[b.size() - 2]);
  FailureOr<SmallVector<int64_t>> batch = broadcastShapes(
      emit, a.drop_back(2), b.drop_back(2), "batch dimensions");
  if (failed(batch))
    return failure();
  SmallVector<int64_t> shape = *batch;
  shape.push_back(a[a.size() - 2]);
  shape.push_back(b.back());
  return makeTensor(shape, lhs.getElementType());
}
DNN_SHAPE_FUNCTION(MatmulOp, matmulShape)

//===----------------------------------------------------------------------===//
// BatchNormOp
//===----------------------------------------------------------------------===//

static FailureOr<RankedTensorType> batchNormShape(BatchNormOp::Adaptor op,
                                                  EmitFn emit) {
  RankedTensorType input = tensorOf(op.getInput());
  RankedTensorType scale = tensorOf(op.getScale());
  if (!input || !scale)
    return fail(emit() << "expects ranked tensor operands");
  if (input.getRank() < 2)
    return fail(emit() << "expects an input of rank 2 or more (N x C x ...), "
                      "got rank "
                   << input.getRank());
  int64_t channels = input.getDimSize(1);
  if (scale.getRank() != 1 || scale.getDimSize(0) != channels)
    return fail(emit() << "scale, offset, mean and variance must be 1-D tensors "
                      "of "
                   << channels << " elements (one per channel)");
  double epsilon = op.getEpsilon().convertToDouble();
  if (!std::isfinite(epsilon) || epsilon < 0)
    return fail(emit() << "'epsilon' must be a non-negative finite number, got "
                   << epsilon);
  return input;
}
DNN_SHAPE_FUNCTION(BatchNormOp, batchNormShape)

//===----------------------------------------------------------------------===//
// ActivationOp, AddOp, SoftmaxOp
//===----------------------------------------------------------------------===//

static FailureOr<RankedTensorType> activationShape(ActivationOp::Adaptor op,
                                                   EmitFn emit) {
  RankedTensorType input = tensorOf(op.getInput());
  if (!input)
    return fail(emit() << "expects a ranked tensor operand");
  return input;
}
DNN_SHAPE_FUNCTION(ActivationOp, activationShape)

static FailureOr<RankedTensorType> addShape(AddOp::Adaptor op, EmitFn emit) {
  RankedTensorType lhs = tensorOf(op.getLhs()), rhs = tensorOf(op.getRhs());
  if (!lhs || !rhs)
    return fail(emit() << "expects ranked tensor operands");
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(emit, lhs.getShape(), rhs.getShape(), "operand shapes");
  if (failed(shape))
    return failure();
  return makeTensor(*shape, lhs.getElementType());
}
DNN_SHAPE_FUNCTION(AddOp, addShape)

/// Checks an axis attribute against a rank: `axis` in [0, rank + extra).
static LogicalResult checkAxis(EmitFn emit, int64_t axis, int64_t rank,
                               int64_t extra = 0) {
  if (axis < 0 || axis >= rank + extra)
    return emit() << "'axis' " << axis << " is out of range [0, "
                  << rank + extra << ") for rank " << rank;
  return success();
}

static FailureOr<RankedTensorType> softmaxShape(SoftmaxOp::Adaptor op,
                                                EmitFn emit) {
  RankedTensorType input = tensorOf(op.getInput());
  if (!input)
    return fail(emit() << "expects a ranked tensor operand");
  DNN_REQUIRE_ATTR(op, "axis", getAxisAttr)
  if (failed(checkAxis(emit, op.getAxis(), input.getRank())))
    return failure();
  return input;
}
DNN_SHAPE_FUNCTION(SoftmaxOp, softmaxShape)

//===----------------------------------------------------------------------===//
// Pooling
//===----------------------------------------------------------------------===//

/// Shape rule shared by the 2-D pooling ops.
static FailureOr<RankedTensorType>
pool2dShape(EmitFn emit, Value inputValue, ArrayRef<int64_t> kernel,
            ArrayRef<int64_t> strides, ArrayRef<int64_t> padding,
            ArrayRef<int64_t> dilation, bool ceilMode) {
  RankedTensorType input = tensorOf(inputValue);
  if (!input)
    return fail(emit() << "expects a ranked tensor operand");
  if (input.getRank() != 4)
    return fail(emit() << "expects a 4-D input (N x C x H x W), got rank "
                   << input.getRank());
  if (failed(checkArray(emit, "kernel_size", kernel, 2, 1)) ||
      failed(checkArray(emit, "strides", strides, 2, 1)) ||
      failed(checkArray(emit, "padding", padding, 4, 0)) ||
      failed(checkArray(emit, "dilation", dilation, 2, 1)))
    return failure();
  for (int i = 0; i < 4; ++i) {
    int64_t extent = dilation[i % 2] * (kernel[i % 2] - 1) + 1;
    if (padding[i] >= extent)
      return fail(emit() << "padding " << ShapeStr{padding}
                     << " must be smaller than the kernel extent in each "
                        "dimension, "
                     << ShapeStr{{dilation[0] * (kernel[0] - 1) + 1,
                                  dilation[1] * (kernel[1] - 1) + 1}});
  }
  ArrayRef<int64_t> in = input.getShape();
  FailureOr<SmallVector<int64_t>> spatial = windowOutputShape2D(
      emit, in, kernel, strides, padding, dilation, ceilMode);
  if (failed(spatial))
    return failure();
  return makeTensor({in[0], in[1], (*spatial)[0], (*spatial)[1]},
                    input.getElementType());
}

static FailureOr<RankedTensorType> maxPoolShape(MaxPool2DOp::Adaptor op,
                                                EmitFn emit) {
  DNN_REQUIRE_ATTR(op, "kernel_size", getKernelSizeAttr)
  return pool2dShape(emit, op.getInput(), op.getKernelSize(), op.getStrides(),
                     op.getPadding(), op.getDilation(), op.getCeilMode());
}
DNN_SHAPE_FUNCTION(MaxPool2DOp, maxPoolShape)

static FailureOr<RankedTensorType> avgPoolShape(AvgPool2DOp::Adaptor op,
                                                EmitFn emit) {
  DNN_REQUIRE_ATTR(op, "kernel_size", getKernelSizeAttr)
  const int64_t noDilation[] = {1, 1};
  return pool2dShape(emit, op.getInput(), op.getKernelSize(), op.getStrides(),
                     op.getPadding(), noDilation, op.getCeilMode());
}
DNN_SHAPE_FUNCTION(AvgPool2DOp, avgPoolShape)

static FailureOr<RankedTensorType>
globalAvgPoolShape(GlobalAvgPoolOp::Adaptor op, EmitFn emit) {
  RankedTensorType input = tensorOf(op.getInput());
  if (!input)
    return fail(emit() << "expects a ranked tensor operand");
  if (input.getRank() < 3)
    return fail(emit() << "expects an input of rank 3 or more (N x C x spatial), "
                      "got rank "
                   << input.getRank());
  SmallVector<int64_t> shape(input.getRank(), 1);
  shape[0] = input.getDimSize(0);
  shape[1] = input.getDimSize(1);
  return makeTensor(shape, input.getElementType());
}
DNN_SHAPE_FUNCTION(GlobalAvgPoolOp, globalAvgPoolShape)

//===----------------------------------------------------------------------===//
// FlattenOp, ReshapeOp, ConcatOp
//===----------------------------------------------------------------------===//

static FailureOr<RankedTensorType> flattenShape(FlattenOp::Adaptor op,
                                                EmitFn emit) {
  RankedTensorType input = tensorOf(op.getInput());
  if (!input)
    return fail(emit() << "expects a ranked tensor operand");
  int64_t axis = op.getAxis();
  if (failed(checkAxis(emit, axis, input.getRank(), /*extra=*/1)))
    return failure();
  ArrayRef<int64_t> shape = input.getShape();
  auto product = [](ArrayRef<int64_t> dims) {
    int64_t p = 1;
    for (int64_t d : dims)
      p *= d;
    return p;
  };
  return makeTensor({product(shape.take_front(axis)),
                     product(shape.drop_front(axis))},
                    input.getElementType());
}
DNN_SHAPE_FUNCTION(FlattenOp, flattenShape)

LogicalResult ReshapeOp::verify() {
  int64_t in = getInput().getType().getNumElements();
  int64_t out = getResult().getType().getNumElements();
  if (in != out)
    return emitOpError() << "cannot reshape " << in << " elements into " << out;
  return success();
}

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto dense = dyn_cast_or_null<DenseElementsAttr>(adaptor.getInput()))
    return dense.reshape(getType());
  return {};
}

static FailureOr<RankedTensorType> concatShape(ConcatOp::Adaptor op,
                                               EmitFn emit) {
  ValueRange inputs = op.getInputs();
  if (inputs.empty())
    return fail(emit() << "expects at least one input");
  RankedTensorType first = tensorOf(inputs.front());
  if (!first)
    return fail(emit() << "expects ranked tensor operands");
  DNN_REQUIRE_ATTR(op, "axis", getAxisAttr)
  int64_t axis = op.getAxis();
  if (failed(checkAxis(emit, axis, first.getRank())))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  for (auto [i, value] : llvm::enumerate(inputs.drop_front())) {
    RankedTensorType type = tensorOf(value);
    if (!type)
      return fail(emit() << "expects ranked tensor operands");
    if (type.getRank() != first.getRank())
      return fail(emit() << "input #" << i + 1 << " has rank " << type.getRank()
                     << ", input #0 has rank " << first.getRank());
    for (int64_t d = 0; d < first.getRank(); ++d) {
      if (d == axis)
        continue;
      if (type.getDimSize(d) != first.getDimSize(d))
        return fail(emit() << "input #" << i + 1 << " has shape "
                       << ShapeStr{type.getShape()}
                       << ", which differs from input #0 "
                       << ShapeStr{first.getShape()} << " outside axis "
                       << axis);
    }
    shape[axis] += type.getDimSize(axis);
  }
  return makeTensor(shape, first.getElementType());
}
DNN_SHAPE_FUNCTION(ConcatOp, concatShape)

//===----------------------------------------------------------------------===//
// ConstantOp
//===----------------------------------------------------------------------===//

LogicalResult ConstantOp::inferReturnTypes(MLIRContext *,
                                           std::optional<Location> loc,
                                           Adaptor adaptor,
                                           SmallVectorImpl<Type> &results) {
  auto type = dyn_cast_or_null<RankedTensorType>(
      adaptor.getValueAttr() ? adaptor.getValueAttr().getType() : Type());
  if (!type)
    return emitOptionalError(loc, "'dnn.constant' op requires a tensor-typed "
                                  "'value' attribute");
  results.push_back(type);
  return success();
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValueAttr(); }

#define GET_OP_CLASSES
#include "dnn/Dialect/DNN/IR/DNNOps.cpp.inc"
