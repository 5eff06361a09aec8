//===- DNNOps.cpp - dnn layer ops ---------------------------------------===//
//
// Shape rules of the dnn ops. Each op has one shape function used both by
// its verifier (`verifyShapes`, with precise diagnostics) and by shape
// inference (InferTypeOpInterface), so the two can never disagree.
//
// A shape function only ever sees operands that are statically shaped,
// non-empty ranked tensors: the verifier runs it after the ODS constraints,
// and inference checks this itself first (see `inferWith`). Arithmetic on
// sizes that come from attributes is overflow-checked.
//
//===----------------------------------------------------------------------===//

#include "dnn/Dialect/DNN/IR/DNNOps.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/CheckedArithmetic.h"

#include <cmath>

using namespace mlir;
using namespace mlir::dnn;

bool dnn::hasBoundedSize(Type type) {
  auto shaped = dyn_cast<ShapedType>(type);
  if (!shaped || !shaped.hasStaticShape())
    return true;
  int64_t bytes = static_cast<int64_t>(
      llvm::divideCeil(shaped.getElementTypeBitWidth(), 8));
  for (int64_t dim : shaped.getShape()) {
    std::optional<int64_t> product = llvm::checkedMul(bytes, dim);
    if (!product || *product > kMaxTensorBytes)
      return false;
    bytes = *product;
  }
  return true;
}

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

/// The type of an operand, which a shape function may assume to be valid
/// (see the file comment).
static RankedTensorType tensorOf(Value value) {
  return cast<RankedTensorType>(value.getType());
}

/// Whether `type` is a statically shaped, non-empty ranked tensor, the only
/// kind of operand a shape function accepts.
static bool isShapeFunctionOperand(Type type) {
  auto tensor = dyn_cast<RankedTensorType>(type);
  return tensor && tensor.hasStaticShape() &&
         llvm::none_of(tensor.getShape(), [](int64_t d) { return d == 0; });
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
/// location is given, prefixed with the op name like the verifier's.
template <typename OpT, typename ShapeFn>
static LogicalResult inferWith(MLIRContext *context,
                               std::optional<Location> loc, ValueRange operands,
                               DictionaryAttr attributes,
                               OpaqueProperties properties, RegionRange regions,
                               SmallVectorImpl<Type> &results, ShapeFn fn) {
  auto emit = [&]() -> InFlightDiagnostic {
    if (!loc)
      return InFlightDiagnostic();
    return std::move(emitError(*loc) << "'" << OpT::getOperationName()
                                     << "' op ");
  };
  // An operand the ODS constraints reject (a dynamic or zero-size dimension,
  // a non-tensor) has no meaningful result shape. Infer the type of the first
  // operand (what an element-wise op gives) or an unranked tensor instead, so
  // that the op is still built and the verifier reports the operand with the
  // ODS diagnostic, rather than a shape rule failing on sizes it was never
  // meant to see.
  if (!llvm::all_of(operands.getTypes(), isShapeFunctionOperand)) {
    Type first = operands.empty() ? Type() : operands.front().getType();
    if (isa_and_nonnull<TensorType>(first)) {
      results.push_back(first);
    } else {
      Type element = first ? getElementTypeOrSelf(first) : Type();
      if (!element || !TensorType::isValidElementType(element))
        element = Float32Type::get(context);
      results.push_back(UnrankedTensorType::get(element));
    }
    return success();
  }
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

/// Extent `dilation * (kernel - 1) + 1` of a dilated kernel (both at least
/// 1); none if it does not fit in 64 bits.
static std::optional<int64_t> kernelExtent(int64_t kernel, int64_t dilation) {
  return llvm::checkedMulAdd(dilation, kernel - 1, int64_t(1));
}

/// Output size of a sliding window over one spatial dimension. Sizes,
/// strides and dilations are at least 1 and paddings at least 0 (checked by
/// the callers).
static FailureOr<int64_t> windowOutputSize(EmitFn emit, StringRef dimName,
                                           int64_t input, int64_t kernel,
                                           int64_t stride, int64_t padBegin,
                                           int64_t padEnd, int64_t dilation,
                                           bool ceilMode) {
  std::optional<int64_t> extent = kernelExtent(kernel, dilation);
  std::optional<int64_t> padded = llvm::checkedAdd(input, padBegin);
  if (padded)
    padded = llvm::checkedAdd(*padded, padEnd);
  if (!extent || !padded)
    return fail(emit() << "window arithmetic along the " << dimName
                       << " overflows 64 bits (input " << input
                       << ", padding " << padBegin << " + " << padEnd
                       << ", kernel " << kernel << ", dilation " << dilation
                       << ")");
  if (*padded < *extent)
    return fail(emit() << "kernel extent " << *extent
                       << " exceeds the padded input " << dimName << " "
                       << *padded);
  int64_t span = *padded - *extent;
  int64_t out = span / stride + 1;
  if (ceilMode && span % stride != 0)
    ++out;
  // A last window that would start inside the end padding is dropped (a
  // start past 64 bits certainly would).
  if (ceilMode) {
    std::optional<int64_t> lastStart = llvm::checkedMul(out - 1, stride);
    if (!lastStart || *lastStart >= input + padBegin)
      --out;
  }
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

/// The optional bias is outside the ODS element-type constraint (which cannot
/// name an optional operand), so its element type is checked here.
static LogicalResult checkBiasElementType(EmitFn emit, RankedTensorType bias,
                                          RankedTensorType input) {
  if (bias.getElementType() != input.getElementType())
    return emit() << "bias element type " << bias.getElementType()
                  << " differs from the input element type "
                  << input.getElementType();
  return success();
}

static FailureOr<RankedTensorType> conv2dShape(Conv2DOp::Adaptor op,
                                               EmitFn emit) {
  RankedTensorType input = tensorOf(op.getInput());
  RankedTensorType weight = tensorOf(op.getWeight());
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
  if (Value bias = op.getBias()) {
    RankedTensorType b = tensorOf(bias);
    if (b.getRank() != 1 || b.getDimSize(0) != w[0])
      return fail(emit() << "bias must be a 1-D tensor of " << w[0]
                     << " elements (one per output channel)");
    if (failed(checkBiasElementType(emit, b, input)))
      return failure();
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

/// The result of a fully connected layer with `n` output features: the
/// input's shape with its last dim replaced by `n`, after checking the
/// optional bias (one element per output feature).
static FailureOr<RankedTensorType> linearResult(EmitFn emit,
                                                RankedTensorType input,
                                                int64_t n, Value bias) {
  if (bias) {
    RankedTensorType b = tensorOf(bias);
    if (b.getRank() != 1 || b.getDimSize(0) != n)
      return fail(emit() << "bias must be a 1-D tensor of " << n
                         << " elements (one per output feature)");
    if (failed(checkBiasElementType(emit, b, input)))
      return failure();
  }
  SmallVector<int64_t> shape(input.getShape().drop_back());
  shape.push_back(n);
  return makeTensor(shape, input.getElementType());
}

static FailureOr<RankedTensorType> linearShape(LinearOp::Adaptor op,
                                               EmitFn emit) {
  RankedTensorType input = tensorOf(op.getInput());
  RankedTensorType weight = tensorOf(op.getWeight());
  if (input.getRank() < 1)
    return fail(emit() << "expects an input of rank 1 or more");
  if (weight.getRank() != 2)
    return fail(emit() << "expects a 2-D weight (N x K), got rank "
                   << weight.getRank());
  int64_t k = input.getShape().back();
  if (weight.getDimSize(1) != k)
    return fail(emit() << "input has " << k << " features but the weight expects "
                   << weight.getDimSize(1));
  return linearResult(emit, input, weight.getDimSize(0), op.getBias());
}
DNN_SHAPE_FUNCTION(LinearOp, linearShape)

//===----------------------------------------------------------------------===//
// SparseLinearOp
//===----------------------------------------------------------------------===//

/// Checks `values` and `indices` of a balanced-sparse op against `layout`
/// for a reduction of length `k` (what the input feeds the implicit GEMM).
static LogicalResult checkBalancedOperands(EmitFn emit,
                                           BalancedSparsityAttr layout,
                                           RankedTensorType values,
                                           RankedTensorType indices,
                                           int64_t k, StringRef source) {
  if (values.getRank() != 3)
    return emit() << "expects 3-D values (N x banks x nnz), got rank "
                  << values.getRank();
  if (values.getShape() != indices.getShape())
    return emit() << "values " << ShapeStr{values.getShape()}
                  << " and indices " << ShapeStr{indices.getShape()}
                  << " differ in shape";
  if (values.getElementType() != layout.getValueType())
    return emit() << "values are " << values.getElementType()
                  << " but the layout's value_type is "
                  << layout.getValueType();
  int64_t width = indices.getElementTypeBitWidth();
  if (width < layout.getIndexBits())
    return emit() << "indices of " << width
                  << " bits cannot hold the layout's index_bits = "
                  << layout.getIndexBits();
  int64_t banks = layout.getNumBanks(k);
  if (values.getDimSize(1) != banks)
    return emit() << source << " " << k << " features, " << banks
                  << " banks of " << layout.getBankSize()
                  << ", but values have " << values.getDimSize(1) << " banks";
  if (values.getDimSize(2) != layout.getNnz())
    return emit() << "values keep " << values.getDimSize(2)
                  << " entries per bank but the layout's nnz is "
                  << layout.getNnz();
  return success();
}

static FailureOr<RankedTensorType>
sparseLinearShape(SparseLinearOp::Adaptor op, EmitFn emit) {
  DNN_REQUIRE_ATTR(op, "layout", getLayoutAttr)
  RankedTensorType input = tensorOf(op.getInput());
  RankedTensorType values = tensorOf(op.getValues());
  if (input.getRank() < 1)
    return fail(emit() << "expects an input of rank 1 or more");
  if (failed(checkBalancedOperands(emit, op.getLayoutAttr(), values,
                                   tensorOf(op.getIndices()),
                                   input.getShape().back(), "input has")))
    return failure();
  return linearResult(emit, input, values.getDimSize(0), op.getBias());
}
DNN_SHAPE_FUNCTION(SparseLinearOp, sparseLinearShape)

/// The in-bank offsets of a constant `indices` operand of `op`: every
/// bank's must lie in [0, bank_size) and increase strictly. Non-constant
/// (or unreadable) indices are not checked here.
static LogicalResult verifyBankOffsets(BalancedSparseOpInterface op) {
  ElementsAttr data;
  if (!matchPattern(op.getIndices(), m_Constant(&data)))
    return success();
  auto ints = data.tryGetValues<APInt>();
  if (!ints)
    return success();
  int64_t bankSize = op.getLayout().getBankSize();
  int64_t nnz = op.getLayout().getNnz();
  ArrayRef<int64_t> shape =
      cast<RankedTensorType>(op.getValues().getType()).getShape();
  int64_t position = 0, previous = -1;
  for (const APInt &value : *ints) {
    // Offsets are unsigned: an i8 container holds 0..255.
    int64_t offset = static_cast<int64_t>(value.getZExtValue());
    int64_t j = position % nnz;
    if (j == 0)
      previous = -1;
    if (offset >= bankSize || offset <= previous) {
      int64_t bank = position / nnz;
      auto diag = op->emitOpError()
                  << "bank " << bank % shape[1] << " of row "
                  << bank / shape[1] << ": entry " << j << " has offset "
                  << offset;
      if (offset >= bankSize)
        return diag << ", outside [0, " << bankSize << ")";
      return diag << " after " << previous
                  << " (offsets must increase strictly within a bank)";
    }
    previous = offset;
    ++position;
  }
  return success();
}

LogicalResult SparseLinearOp::verify() {
  return verifyBankOffsets(cast<BalancedSparseOpInterface>(getOperation()));
}

static int64_t product(ArrayRef<int64_t> dims);

int64_t SparseLinearOp::getBatchRows() {
  return product(getInput().getType().getShape().drop_back());
}
int64_t SparseLinearOp::getInFeatures() {
  return getInput().getType().getShape().back();
}
int64_t SparseLinearOp::getOutFeatures() {
  return getValues().getType().getDimSize(0);
}
GemmShape SparseLinearOp::getSparseGemmShape() {
  return {1, getBatchRows(), getOutFeatures(), getInFeatures()};
}

//===----------------------------------------------------------------------===//
// SparseConv2DOp
//===----------------------------------------------------------------------===//

static FailureOr<RankedTensorType>
sparseConv2dShape(SparseConv2DOp::Adaptor op, EmitFn emit) {
  DNN_REQUIRE_ATTR(op, "layout", getLayoutAttr)
  DNN_REQUIRE_ATTR(op, "kernel", getKernelAttr)
  RankedTensorType input = tensorOf(op.getInput());
  RankedTensorType values = tensorOf(op.getValues());
  if (input.getRank() != 4)
    return fail(emit() << "expects a 4-D input (N x C x H x W), got rank "
                       << input.getRank());
  if (failed(checkArray(emit, "kernel", op.getKernel(), 2, 1)) ||
      failed(checkArray(emit, "strides", op.getStrides(), 2, 1)) ||
      failed(checkArray(emit, "padding", op.getPadding(), 4, 0)) ||
      failed(checkArray(emit, "dilation", op.getDilation(), 2, 1)))
    return failure();
  ArrayRef<int64_t> in = input.getShape(), kernel = op.getKernel();
  std::optional<int64_t> k = llvm::checkedMul(in[1], kernel[0]);
  if (k)
    k = llvm::checkedMul(*k, kernel[1]);
  if (!k)
    return fail(emit() << "C * KH * KW overflows 64 bits");
  if (failed(checkBalancedOperands(emit, op.getLayoutAttr(), values,
                                   tensorOf(op.getIndices()), *k,
                                   "the window reads")))
    return failure();
  int64_t f = values.getDimSize(0);
  if (Value bias = op.getBias()) {
    RankedTensorType b = tensorOf(bias);
    if (b.getRank() != 1 || b.getDimSize(0) != f)
      return fail(emit() << "bias must be a 1-D tensor of " << f
                         << " elements (one per output channel)");
    if (failed(checkBiasElementType(emit, b, input)))
      return failure();
  }
  FailureOr<SmallVector<int64_t>> spatial =
      windowOutputShape2D(emit, in, kernel, op.getStrides(), op.getPadding(),
                          op.getDilation(), false);
  if (failed(spatial))
    return failure();
  return makeTensor({in[0], f, (*spatial)[0], (*spatial)[1]},
                    input.getElementType());
}
DNN_SHAPE_FUNCTION(SparseConv2DOp, sparseConv2dShape)

LogicalResult SparseConv2DOp::verify() {
  return verifyBankOffsets(cast<BalancedSparseOpInterface>(getOperation()));
}

GemmShape SparseConv2DOp::getSparseGemmShape() {
  ArrayRef<int64_t> in = getInput().getType().getShape();
  ArrayRef<int64_t> out = getType().getShape();
  ArrayRef<int64_t> kernel = getKernel();
  return {1, out[0] * out[2] * out[3], out[1], in[1] * kernel[0] * kernel[1]};
}

//===----------------------------------------------------------------------===//
// Recurrent ops (LSTMOp, GRUOp, RNNOp)
//===----------------------------------------------------------------------===//

/// The activation functions of ONNX's recurrent ops, lower-cased.
static bool isRecurrentActivation(StringRef name) {
  return llvm::is_contained(
      {"sigmoid", "tanh", "relu", "hard_sigmoid", "leaky_relu",
       "thresholded_relu", "scaled_tanh", "affine", "elu", "softsign",
       "softplus"},
      name);
}

/// The checks every recurrent op shares: shapes of the operands and
/// results against T, B, I, H, D and the gate count, element types, and the
/// cell attributes. `optional` are (operand, name, expected shape) of the
/// op's optional operands besides the bias.
static LogicalResult
verifyRecurrent(RecurrentOpInterface op, Value bias, Value lens,
                ArrayRef<std::tuple<Value, StringRef, SmallVector<int64_t>>>
                    optional) {
  Operation *o = op.getOperation();
  auto tensor = [](Value v) { return cast<RankedTensorType>(v.getType()); };
  auto direction = o->getAttrOfType<StringAttr>("direction");
  if (direction && !llvm::is_contained({"forward", "reverse", "bidirectional"},
                                       direction.getValue()))
    return op->emitOpError("direction must be forward, reverse or "
                           "bidirectional, got '")
           << direction.getValue() << "'";
  RankedTensorType x = tensor(o->getOperand(0));
  if (x.getRank() != 3)
    return op->emitOpError("expects a 3-D input (T x B x I), got rank ")
           << x.getRank();
  int64_t t = x.getDimSize(0), b = x.getDimSize(1), in = x.getDimSize(2);
  int64_t h = o->getAttrOfType<IntegerAttr>("hidden_size").getInt();
  int64_t d = op.getNumDirections(), g = op.getNumGates();
  std::optional<int64_t> gh = llvm::checkedMul(g, h);
  if (!gh || *gh > (int64_t(1) << 40))
    return op->emitOpError("hidden_size ") << h << " is too large";
  Type et = x.getElementType();
  auto expect = [&](Value v, StringRef name,
                    ArrayRef<int64_t> shape) -> LogicalResult {
    RankedTensorType type = tensor(v);
    if (type.getShape() != shape)
      return op->emitOpError()
             << name << " must be " << ShapeStr{shape} << " (D = " << d
             << ", gates = " << g << ", H = " << h << ", T = " << t
             << ", B = " << b << ", I = " << in << "), got "
             << ShapeStr{type.getShape()};
    if (type.getElementType() != et)
      return op->emitOpError()
             << name << " element type " << type.getElementType()
             << " differs from the input's " << et;
    return success();
  };
  if (failed(expect(o->getOperand(1), "weight", {d, *gh, in})) ||
      failed(expect(o->getOperand(2), "recurrence", {d, *gh, h})))
    return failure();
  if (bias && failed(expect(bias, "bias", {d, 2 * *gh})))
    return failure();
  if (lens) {
    RankedTensorType type = tensor(lens);
    if (type.getShape() != ArrayRef<int64_t>{b} ||
        !type.getElementType().isInteger(32))
      return op->emitOpError("sequence_lens must be ")
             << b << " x i32 (one length per batch entry), got " << type;
    ElementsAttr data;
    if (matchPattern(lens, m_Constant(&data)))
      if (auto ints = data.tryGetValues<APInt>())
        for (const APInt &v : *ints)
          if (v.getSExtValue() < 1 || v.getSExtValue() > t)
            return op->emitOpError("sequence_lens entry ")
                   << v.getSExtValue() << " is outside [1, " << t << "]";
  }
  for (auto &[value, name, shape] : optional)
    if (value && failed(expect(value, name, shape)))
      return failure();
  const char *results[] = {"Y", "Y_h", "Y_c"};
  for (auto [i, result] : llvm::enumerate(o->getResults())) {
    SmallVector<int64_t> shape = {d, b, h};
    if (i == 0)
      shape.insert(shape.begin(), t);
    if (failed(expect(result, results[i], shape)))
      return failure();
  }
  auto activations = o->getAttrOfType<ArrayAttr>("activations");
  auto alpha = o->getAttrOfType<DenseF32ArrayAttr>("activation_alpha");
  auto beta = o->getAttrOfType<DenseF32ArrayAttr>("activation_beta");
  if (activations) {
    int64_t want = op.getNumActivations() * d;
    if (static_cast<int64_t>(activations.size()) != want)
      return op->emitOpError("expects ")
             << want << " activations (" << op.getNumActivations()
             << " per direction), got " << activations.size();
    for (Attribute a : activations)
      if (!isRecurrentActivation(cast<StringAttr>(a).getValue()))
        return op->emitOpError("unknown activation '")
               << cast<StringAttr>(a).getValue() << "'";
  }
  for (auto [name, values] : {std::pair<StringRef, DenseF32ArrayAttr>{
                                  "activation_alpha", alpha},
                              {"activation_beta", beta}}) {
    if (!values)
      continue;
    if (!activations)
      return op->emitOpError() << name << " needs activations";
    if (values.size() != static_cast<int64_t>(activations.size()))
      return op->emitOpError()
             << name << " has " << values.size() << " entries for "
             << activations.size() << " activations";
  }
  if (auto clip = o->getAttrOfType<FloatAttr>("clip");
      clip && !(clip.getValueAsDouble() > 0))
    return op->emitOpError("clip must be positive, got ")
           << clip.getValueAsDouble();
  return success();
}

LogicalResult LSTMOp::verify() {
  auto op = cast<RecurrentOpInterface>(getOperation());
  int64_t d = op.getNumDirections(), b = op.getBatch(),
          h = getHiddenSize();
  return verifyRecurrent(op, getBias(), getSequenceLens(),
                         {{getInitialH(), "h0", {d, b, h}},
                          {getInitialC(), "c0", {d, b, h}},
                          {getPeephole(), "peephole", {d, 3 * h}}});
}
int64_t LSTMOp::getNumGates() { return 4; }
int64_t LSTMOp::getNumActivations() { return 3; }
SmallVector<StringRef, 3> LSTMOp::getDefaultActivations() {
  return {"sigmoid", "tanh", "tanh"};
}

LogicalResult GRUOp::verify() {
  auto op = cast<RecurrentOpInterface>(getOperation());
  return verifyRecurrent(
      op, getBias(), getSequenceLens(),
      {{getInitialH(), "h0",
        {op.getNumDirections(), op.getBatch(), static_cast<int64_t>(getHiddenSize())}}});
}
int64_t GRUOp::getNumGates() { return 3; }
int64_t GRUOp::getNumActivations() { return 2; }
SmallVector<StringRef, 3> GRUOp::getDefaultActivations() {
  return {"sigmoid", "tanh"};
}

LogicalResult RNNOp::verify() {
  auto op = cast<RecurrentOpInterface>(getOperation());
  return verifyRecurrent(
      op, getBias(), getSequenceLens(),
      {{getInitialH(), "h0",
        {op.getNumDirections(), op.getBatch(), static_cast<int64_t>(getHiddenSize())}}});
}
int64_t RNNOp::getNumGates() { return 1; }
int64_t RNNOp::getNumActivations() { return 1; }
SmallVector<StringRef, 3> RNNOp::getDefaultActivations() { return {"tanh"}; }

//===----------------------------------------------------------------------===//
// MatmulOp
//===----------------------------------------------------------------------===//

static FailureOr<RankedTensorType> matmulShape(MatmulOp::Adaptor op,
                                               EmitFn emit) {
  RankedTensorType lhs = tensorOf(op.getLhs()), rhs = tensorOf(op.getRhs());
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
// ActivationOp, AddOp, MulOp, SoftmaxOp
//===----------------------------------------------------------------------===//

static FailureOr<RankedTensorType> activationShape(ActivationOp::Adaptor op,
                                                   EmitFn) {
  return tensorOf(op.getInput());
}
DNN_SHAPE_FUNCTION(ActivationOp, activationShape)

/// Element-wise binary ops: the NumPy broadcast of the operand shapes.
template <typename AdaptorT>
static FailureOr<RankedTensorType> broadcastBinaryShape(AdaptorT op,
                                                        EmitFn emit) {
  RankedTensorType lhs = tensorOf(op.getLhs()), rhs = tensorOf(op.getRhs());
  FailureOr<SmallVector<int64_t>> shape =
      broadcastShapes(emit, lhs.getShape(), rhs.getShape(), "operand shapes");
  if (failed(shape))
    return failure();
  return makeTensor(*shape, lhs.getElementType());
}
DNN_SHAPE_FUNCTION(AddOp, broadcastBinaryShape<AddOp::Adaptor>)
DNN_SHAPE_FUNCTION(MulOp, broadcastBinaryShape<MulOp::Adaptor>)

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
  if (input.getRank() != 4)
    return fail(emit() << "expects a 4-D input (N x C x H x W), got rank "
                   << input.getRank());
  if (failed(checkArray(emit, "kernel_size", kernel, 2, 1)) ||
      failed(checkArray(emit, "strides", strides, 2, 1)) ||
      failed(checkArray(emit, "padding", padding, 4, 0)) ||
      failed(checkArray(emit, "dilation", dilation, 2, 1)))
    return failure();
  // An extent past 64 bits is left to windowOutputShape2D to report.
  std::optional<int64_t> extents[] = {kernelExtent(kernel[0], dilation[0]),
                                      kernelExtent(kernel[1], dilation[1])};
  if (extents[0] && extents[1])
    for (int i = 0; i < 4; ++i)
      if (padding[i] >= *extents[i % 2])
        return fail(emit() << "padding " << ShapeStr{padding}
                           << " must be smaller than the kernel extent in "
                              "each dimension, "
                           << ShapeStr{{*extents[0], *extents[1]}});
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
  return pool2dShape(emit, op.getInput(), op.getKernelSize(), op.getStrides(),
                     op.getPadding(), op.getDilation(), op.getCeilMode());
}
DNN_SHAPE_FUNCTION(AvgPool2DOp, avgPoolShape)

static FailureOr<RankedTensorType>
globalAvgPoolShape(GlobalAvgPoolOp::Adaptor op, EmitFn emit) {
  RankedTensorType input = tensorOf(op.getInput());
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
// FlattenOp, ReshapeOp, ConcatOp, TransposeOp
//===----------------------------------------------------------------------===//

/// The product of `dims`; reports and fails if it does not fit in 64 bits.
static FailureOr<int64_t> product(EmitFn emit, ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims) {
    std::optional<int64_t> next = llvm::checkedMul(p, d);
    if (!next)
      return fail(emit() << "the number of elements of dimensions "
                         << ShapeStr{dims} << " overflows 64 bits");
    p = *next;
  }
  return p;
}

static FailureOr<RankedTensorType> flattenShape(FlattenOp::Adaptor op,
                                                EmitFn emit) {
  RankedTensorType input = tensorOf(op.getInput());
  int64_t axis = op.getAxis();
  if (failed(checkAxis(emit, axis, input.getRank(), /*extra=*/1)))
    return failure();
  ArrayRef<int64_t> shape = input.getShape();
  FailureOr<int64_t> outer = product(emit, shape.take_front(axis));
  if (failed(outer))
    return failure();
  FailureOr<int64_t> inner = product(emit, shape.drop_front(axis));
  if (failed(inner))
    return failure();
  return makeTensor({*outer, *inner}, input.getElementType());
}
DNN_SHAPE_FUNCTION(FlattenOp, flattenShape)

LogicalResult ReshapeOp::verify() {
  auto emit = [&] { return emitOpError(); };
  FailureOr<int64_t> in = product(emit, getInput().getType().getShape());
  if (failed(in))
    return failure();
  FailureOr<int64_t> out = product(emit, getResult().getType().getShape());
  if (failed(out))
    return failure();
  if (*in != *out)
    return emitOpError() << "cannot reshape " << *in << " elements into "
                         << *out;
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
  DNN_REQUIRE_ATTR(op, "axis", getAxisAttr)
  int64_t axis = op.getAxis();
  if (failed(checkAxis(emit, axis, first.getRank())))
    return failure();
  SmallVector<int64_t> shape(first.getShape());
  for (auto [i, value] : llvm::enumerate(inputs.drop_front())) {
    RankedTensorType type = tensorOf(value);
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
    std::optional<int64_t> sum =
        llvm::checkedAdd(shape[axis], type.getDimSize(axis));
    if (!sum)
      return fail(emit() << "the concatenated size along axis " << axis
                         << " overflows 64 bits");
    shape[axis] = *sum;
  }
  return makeTensor(shape, first.getElementType());
}
DNN_SHAPE_FUNCTION(ConcatOp, concatShape)

static FailureOr<RankedTensorType> transposeShape(TransposeOp::Adaptor op,
                                                  EmitFn emit) {
  DNN_REQUIRE_ATTR(op, "permutation", getPermutationAttr)
  RankedTensorType input = tensorOf(op.getInput());
  ArrayRef<int64_t> perm = op.getPermutation();
  int64_t rank = input.getRank();
  if (static_cast<int64_t>(perm.size()) != rank)
    return fail(emit() << "'permutation' must have " << rank
                       << " entries (the input rank), got " << perm.size());
  SmallVector<bool> seen(rank, false);
  SmallVector<int64_t> shape;
  for (int64_t p : perm) {
    if (p < 0 || p >= rank || seen[p])
      return fail(emit() << "'permutation' " << ShapeStr{perm}
                         << " is not a permutation of [0, " << rank << ")");
    seen[p] = true;
    shape.push_back(input.getDimSize(p));
  }
  return makeTensor(shape, input.getElementType());
}
DNN_SHAPE_FUNCTION(TransposeOp, transposeShape)

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

LogicalResult ConstantOp::verify() {
  auto resource = dyn_cast<DenseResourceElementsAttr>(getValue());
  if (!resource)
    return success();
  StringRef key = resource.getRawHandle().getKey();
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  if (!blob)
    return emitOpError() << "dense_resource '" << key
                         << "' has no data: the module's dialect_resources "
                            "have no blob of that name";
  auto type = cast<ShapedType>(getType());
  int64_t expected =
      type.getNumElements() *
      static_cast<int64_t>(llvm::divideCeil(type.getElementTypeBitWidth(), 8));
  int64_t actual = static_cast<int64_t>(blob->getData().size());
  if (actual != expected)
    return emitOpError() << "dense_resource '" << key << "' holds " << actual
                         << " bytes, but " << type << " needs " << expected;
  return success();
}

#define GET_OP_CLASSES
#include "dnn/Dialect/DNN/IR/DNNOps.cpp.inc"

//===----------------------------------------------------------------------===//
// GEMM views
//===----------------------------------------------------------------------===//

#include "dnn/Dialect/DNN/IR/DNNInterfaces.cpp.inc"

static int64_t product(ArrayRef<int64_t> dims) {
  int64_t p = 1;
  for (int64_t d : dims)
    p *= d;
  return p;
}

GemmShape Conv2DOp::getGemmShape() {
  ArrayRef<int64_t> in = getInput().getType().getShape();
  ArrayRef<int64_t> w = getWeight().getType().getShape();
  ArrayRef<int64_t> out = getType().getShape();
  int64_t groups = getGroups();
  return {groups, out[0] * out[2] * out[3], w[0] / groups,
          in[1] / groups * w[2] * w[3]};
}

GemmShape LinearOp::getGemmShape() {
  ArrayRef<int64_t> in = getInput().getType().getShape();
  ArrayRef<int64_t> w = getWeight().getType().getShape();
  return {1, product(in.drop_back()), w[0], w[1]};
}

GemmShape MatmulOp::getGemmShape() {
  ArrayRef<int64_t> out = getType().getShape();
  ArrayRef<int64_t> lhs = getLhs().getType().getShape();
  return {product(out.drop_back(2)), out[out.size() - 2], out.back(),
          lhs.back()};
}

//===----------------------------------------------------------------------===//
// dnn.fused
//===----------------------------------------------------------------------===//

Operation *FusedOp::getAnchor() {
  for (Operation &op : getBody().front())
    if (isa<GemmOpInterface>(op))
      return &op;
  return nullptr;
}

int FusedOp::getResidualIndex() {
  for (Operation &op : getBody().front())
    if (auto add = dyn_cast<AddOp>(op))
      for (Value operand : add->getOperands())
        if (auto arg = dyn_cast<BlockArgument>(operand))
          return static_cast<int>(arg.getArgNumber());
  return -1;
}

std::optional<ActivationKind> FusedOp::getActivation() {
  for (Operation &op : getBody().front())
    if (auto act = dyn_cast<ActivationOp>(op))
      return act.getKind();
  return std::nullopt;
}

LogicalResult FusedOp::verify() {
  if (!getBody().hasOneBlock())
    return emitOpError("body must be one block");
  Block &body = getBody().front();
  if (body.getNumArguments() != getInputs().size() ||
      !llvm::equal(body.getArgumentTypes(), getInputs().getTypes()))
    return emitOpError("body arguments must match the operands");
  // An empty body has no terminator to ask for (getTerminator asserts).
  auto yield = body.mightHaveTerminator()
                   ? dyn_cast<YieldOp>(body.getTerminator())
                   : YieldOp();
  if (!yield || yield.getValue().getType() != getType())
    return emitOpError("body must end with a dnn.yield of the result type");
  // The epilogue form the kernels implement: one GEMM-like op first, then
  // optionally an add of an operand of the GEMM result's shape, then
  // optionally an activation, each using the previous op's result.
  Value current;
  unsigned stage = 0; // 0: anchor next, 1: add or activation, 2: activation
  for (Operation &op : body.without_terminator()) {
    if (stage == 0) {
      if (!isa<Conv2DOp, LinearOp>(op))
        return op.emitOpError("must not start a dnn.fused body: the anchor "
                              "is a conv2d or linear");
      for (Value operand : op.getOperands())
        if (!isa<BlockArgument>(operand))
          return op.emitOpError("anchor operands must be the body's "
                                "arguments");
      current = op.getResult(0);
      stage = 1;
      continue;
    }
    if (auto add = dyn_cast<AddOp>(op); add && stage == 1) {
      Value other = add.getLhs() == current ? add.getRhs() : add.getLhs();
      if ((add.getLhs() != current && add.getRhs() != current) ||
          !isa<BlockArgument>(other) || other.getType() != current.getType())
        return op.emitOpError("in a dnn.fused epilogue must add a body "
                              "argument of the GEMM result's shape to it");
      current = add.getResult();
      stage = 2;
      continue;
    }
    if (auto act = dyn_cast<ActivationOp>(op); act && stage >= 1) {
      if (act.getInput() != current)
        return op.emitOpError("in a dnn.fused epilogue must apply to the "
                              "previous op's result");
      current = act.getResult();
      stage = 3;
      continue;
    }
    return op.emitOpError("is not part of the epilogue form of dnn.fused "
                          "(anchor, then add, then activation)");
  }
  if (stage == 0)
    return emitOpError("body has no conv2d or linear");
  if (yield.getValue() != current)
    return emitOpError("must yield the last epilogue op's result");
  return success();
}

bool FusedOp::isChannelOpaque() { return true; }
