//===- SparseTensorInterop.cpp - #dnn.balanced <-> structured[n, m] -------===//
//
// dnn-balanced-to-sparse-tensor and dnn-sparse-tensor-to-balanced: convert a
// dnn.sparse_linear whose layout is exactly sparse_tensor's N:M level into
// sparse_tensor.assemble + linalg.matmul (y = x * W^T), and back.
//
//===----------------------------------------------------------------------===//

#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/IR/DNNOps.h"
#include "dnn/Dialect/DNN/Transforms/Passes.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/SparseTensor/IR/SparseTensor.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include "llvm/ADT/SetVector.h"
#include "llvm/Support/FormatVariadic.h"

namespace mlir::dnn {
#define GEN_PASS_DEF_BALANCEDTOSPARSETENSOR
#define GEN_PASS_DEF_SPARSETENSORTOBALANCED
#include "dnn/Dialect/DNN/Transforms/Passes.h.inc"
} // namespace mlir::dnn

using namespace mlir;
using namespace mlir::dnn;
namespace st = mlir::sparse_tensor;

namespace {
constexpr llvm::StringLiteral kToSparseTensor = "dnn-balanced-to-sparse-tensor";
constexpr llvm::StringLiteral kToBalanced = "dnn-sparse-tensor-to-balanced";

/// The block sizes sparse_tensor's structured[n, m] level accepts: m is kept
/// in 8 bits of the level type (mlir/Dialect/SparseTensor/IR/Enums.h,
/// LevelType::getM: `(lvlBits >> 40) & 0xff`), so a larger m does not
/// survive, and a block of 1 folds `j floordiv 1, j mod 1` to `j, 0`, which
/// the encoding verifier rejects ("expected 1xm block structure").
constexpr int64_t kMinStructuredBlock = 2;
constexpr int64_t kMaxStructuredBlock = 255;

/// The type dnn's CPU path accumulates in: f32 for 16-bit floats.
Type accumulatorType(Type element) {
  if (element.isF16() || element.isBF16())
    return Float32Type::get(element.getContext());
  return element;
}

/// `(i, j) -> (i : dense, j floordiv m : dense, j mod m : structured[n, m])`
/// with `crdWidth`-bit coordinates.
st::SparseTensorEncodingAttr structuredEncoding(MLIRContext *ctx, int64_t n,
                                                int64_t m, unsigned crdWidth) {
  AffineExpr i = getAffineDimExpr(0, ctx), j = getAffineDimExpr(1, ctx);
  auto dimToLvl = AffineMap::get(2, 0, {i, j.floorDiv(m), j % m}, ctx);
  st::LevelType dense = st::LevelFormat::Dense;
  st::LevelType structured =
      *st::buildLevelType(st::LevelFormat::NOutOfM, /*ordered=*/true,
                          /*unique=*/true, n, m);
  return st::SparseTensorEncodingAttr::get(ctx, {dense, dense, structured},
                                           dimToLvl, AffineMap(),
                                           /*posWidth=*/0, crdWidth);
}

/// The maps of `y[m, n] += x[m, k] * w[n, k]`: a matmul with B transposed.
SmallVector<AffineMap> transposedBMaps(MLIRContext *ctx) {
  AffineExpr m, n, k;
  bindDims(ctx, m, n, k);
  return {AffineMap::get(3, 0, {m, k}, ctx), AffineMap::get(3, 0, {n, k}, ctx),
          AffineMap::get(3, 0, {m, n}, ctx)};
}

/// `[[0, ..., rank - 2], [rank - 1]]`: all leading dims as the rows.
SmallVector<ReassociationIndices> collapseLeading(int64_t rank) {
  ReassociationIndices leading;
  for (int64_t d = 0; d + 1 < rank; ++d)
    leading.push_back(d);
  return {leading, {rank - 1}};
}

/// `[[0, 1]]`: a 1-D tensor as a 1 x n matrix (or back).
SmallVector<ReassociationIndices> vectorAsRow() { return {{0, 1}}; }

//===----------------------------------------------------------------------===//
// dnn.sparse_linear -> sparse_tensor + linalg
//===----------------------------------------------------------------------===//

/// Why `op` has no exact structured[n, m] form ("" if it has one).
std::string whyNotStructured(SparseLinearOp op) {
  BalancedSparsityAttr layout = op.getLayout();
  int64_t k = op.getInFeatures(), bank = layout.getBankSize();
  if (k % bank != 0)
    return llvm::formatv(
        "bank_size {0} does not divide K = {1}: the last bank is partial, and "
        "its entries past K have no structured[n, m] counterpart",
        bank, k);
  if (bank < kMinStructuredBlock || bank > kMaxStructuredBlock)
    return llvm::formatv("bank_size {0} is outside [{1}, {2}], the block "
                         "sizes sparse_tensor's structured[n, m] accepts",
                         bank, kMinStructuredBlock, kMaxStructuredBlock);
  int64_t minBits = BalancedSparsityAttr::getMinIndexBits(bank);
  if (layout.getIndexBits() != minBits)
    return llvm::formatv(
        "index_bits = {0} is not the {1} that bank_size {2} needs: the "
        "sparse_tensor encoding has no field for it (crdWidth is the "
        "container), so converting back could not restore it",
        layout.getIndexBits(), minBits, bank);
  return "";
}

/// Replaces `op` (for which whyNotStructured is "") by
///   W = sparse_tensor.assemble (collapse(indices)), collapse(values)
///   y = linalg.matmul x * W^T onto the bias broadcast (or zeros)
/// with x reshaped to rows x K and y back, and 16-bit floats accumulated in
/// f32 and rounded once, as dnn's CPU path does.
void convertToSparseTensor(RewriterBase &rewriter, SparseLinearOp op) {
  MLIRContext *ctx = op.getContext();
  Location loc = op.getLoc();
  rewriter.setInsertionPoint(op);
  BalancedSparsityAttr layout = op.getLayout();
  RankedTensorType inputType = op.getInput().getType();
  RankedTensorType resultType = op.getType();
  Type element = inputType.getElementType();
  Type acc = accumulatorType(element);
  int64_t k = op.getInFeatures(), n = op.getOutFeatures();
  int64_t rows = op.getBatchRows();
  int64_t entries = op.getValues().getType().getNumElements();

  auto flatten = [&](Value v) -> Value {
    Type e = cast<RankedTensorType>(v.getType()).getElementType();
    return tensor::CollapseShapeOp::create(
        rewriter, loc, RankedTensorType::get({entries}, e), v,
        SmallVector<ReassociationIndices>{{0, 1, 2}});
  };
  Value coordinates = flatten(op.getIndices());
  Value values = flatten(op.getValues());
  unsigned crdWidth = op.getIndices().getType().getElementTypeBitWidth();
  auto weightType = RankedTensorType::get(
      {n, k}, element,
      structuredEncoding(ctx, layout.getNnz(), layout.getBankSize(),
                         crdWidth));
  Value weight = st::AssembleOp::create(rewriter, loc, TypeRange{weightType},
                                        ValueRange{coordinates}, values);

  auto matrixType = RankedTensorType::get({rows, k}, element);
  Value x = op.getInput();
  if (inputType.getRank() > 2)
    x = tensor::CollapseShapeOp::create(rewriter, loc, matrixType, x,
                                        collapseLeading(inputType.getRank()));
  else if (inputType.getRank() == 1)
    x = tensor::ExpandShapeOp::create(rewriter, loc, matrixType, x,
                                      vectorAsRow());

  auto accType = RankedTensorType::get({rows, n}, acc);
  Value empty = tensor::EmptyOp::create(rewriter, loc, accType.getShape(), acc);
  Value init;
  if (Value bias = op.getBias()) {
    if (acc == element) {
      init = linalg::BroadcastOp::create(rewriter, loc, bias, empty,
                                         ArrayRef<int64_t>{0})
                 .getResult()[0];
    } else {
      AffineExpr dm, dn;
      bindDims(ctx, dm, dn);
      SmallVector<AffineMap> maps = {AffineMap::get(2, 0, {dn}, ctx),
                                     AffineMap::get(2, 0, {dm, dn}, ctx)};
      init = linalg::GenericOp::create(
                 rewriter, loc, TypeRange{accType}, ValueRange{bias},
                 ValueRange{empty}, maps,
                 SmallVector<utils::IteratorType>(
                     2, utils::IteratorType::parallel),
                 [&](OpBuilder &b, Location l, ValueRange args) {
                   Value wide = arith::ExtFOp::create(b, l, acc, args[0]);
                   linalg::YieldOp::create(b, l, wide);
                 })
                 .getResult(0);
    }
  } else {
    Value zero = arith::ConstantOp::create(rewriter, loc, acc,
                                           rewriter.getFloatAttr(acc, 0.0));
    init = linalg::FillOp::create(rewriter, loc, ValueRange{zero},
                                  ValueRange{empty})
               .getResult(0);
  }

  auto matmul = linalg::MatmulOp::create(rewriter, loc, TypeRange{accType},
                                         ValueRange{x, weight},
                                         ValueRange{init});
  matmul.setIndexingMapsAttr(
      rewriter.getAffineMapArrayAttr(transposedBMaps(ctx)));
  // Other discardable attributes travel with the layer; dnn.mapping and
  // dnn.cost describe dnn's own kernel, and a dnn attribute would keep
  // upstream tools from parsing the result.
  for (NamedAttribute attr : op->getDiscardableAttrs())
    if (attr.getName().getValue().split('.').first !=
        DNNDialect::getDialectNamespace())
      matmul->setAttr(attr.getName(), attr.getValue());
  Value y = matmul.getResult(0);

  if (acc != element) {
    auto roundedType = RankedTensorType::get({rows, n}, element);
    Value out =
        tensor::EmptyOp::create(rewriter, loc, roundedType.getShape(), element);
    AffineMap id = rewriter.getMultiDimIdentityMap(2);
    y = linalg::GenericOp::create(
            rewriter, loc, TypeRange{roundedType}, ValueRange{y},
            ValueRange{out}, SmallVector<AffineMap>{id, id},
            SmallVector<utils::IteratorType>(2, utils::IteratorType::parallel),
            [&](OpBuilder &b, Location l, ValueRange args) {
              Value narrow = arith::TruncFOp::create(b, l, element, args[0]);
              linalg::YieldOp::create(b, l, narrow);
            })
            .getResult(0);
  }

  if (resultType.getRank() > 2)
    y = tensor::ExpandShapeOp::create(rewriter, loc, resultType, y,
                                      collapseLeading(resultType.getRank()));
  else if (resultType.getRank() == 1)
    y = tensor::CollapseShapeOp::create(rewriter, loc, resultType, y,
                                        vectorAsRow());
  rewriter.replaceOp(op, y);
}

struct BalancedToSparseTensorPass
    : public dnn::impl::BalancedToSparseTensorBase<
          BalancedToSparseTensorPass> {
  void runOnOperation() override {
    SmallVector<SparseLinearOp> ops;
    getOperation()->walk([&](SparseLinearOp op) { ops.push_back(op); });
    IRRewriter rewriter(&getContext());
    for (SparseLinearOp op : ops) {
      std::string why = whyNotStructured(op);
      if (!why.empty()) {
        op.emitRemark() << kToSparseTensor << ": not converted: " << why;
        continue;
      }
      convertToSparseTensor(rewriter, op);
    }
  }
};

//===----------------------------------------------------------------------===//
// sparse_tensor + linalg -> dnn.sparse_linear
//===----------------------------------------------------------------------===//

/// The structured[n, m] weight of a matmul: B, assembled from coordinates
/// and values.
struct StructuredWeight {
  st::AssembleOp assemble;
  int64_t n = 0, m = 0;
  unsigned crdWidth = 0;
};

/// B of `matmul` if it is a sparse_tensor.assemble whose encoding has an
/// N:M level; std::nullopt for anything else (not this pass's business).
std::optional<StructuredWeight> structuredOperand(linalg::MatmulOp matmul) {
  Value b = matmul.getDpsInputOperand(1)->get();
  auto enc = st::getSparseTensorEncoding(b.getType());
  if (!enc || !llvm::any_of(enc.getLvlTypes(), st::isNOutOfMLT))
    return std::nullopt;
  auto assemble = b.getDefiningOp<st::AssembleOp>();
  if (!assemble)
    return std::nullopt;
  st::LevelType last = enc.getLvlTypes().back();
  return StructuredWeight{assemble, static_cast<int64_t>(last.getN()),
                          static_cast<int64_t>(last.getM()),
                          enc.getCrdWidth()};
}

/// Whether `generic` is `out[i, j] = f(in[j])` (a broadcast of a vector over
/// rows) or `out[i, j] = f(in[i, j])` (element-wise), with f a single op of
/// type `Cast` or, if `allowIdentity`, nothing. Returns the input.
template <typename Cast>
Value matchUnaryGeneric(linalg::GenericOp generic, bool broadcast,
                        bool allowIdentity) {
  if (!generic || generic.getNumDpsInputs() != 1 ||
      generic.getNumDpsInits() != 1 || generic.getNumParallelLoops() != 2 ||
      generic.getNumLoops() != 2)
    return {};
  MLIRContext *ctx = generic.getContext();
  AffineExpr i, j;
  bindDims(ctx, i, j);
  AffineMap in = broadcast ? AffineMap::get(2, 0, {j}, ctx)
                           : AffineMap::get(2, 0, {i, j}, ctx);
  SmallVector<AffineMap> maps = generic.getIndexingMapsArray();
  if (maps[0] != in || maps[1] != AffineMap::get(2, 0, {i, j}, ctx))
    return {};
  Block &body = generic.getRegion().front();
  auto yield = cast<linalg::YieldOp>(body.getTerminator());
  Value yielded = yield.getValues()[0];
  if (yielded == body.getArgument(0))
    return allowIdentity ? generic.getDpsInputOperand(0)->get() : Value();
  auto cast = yielded.getDefiningOp<Cast>();
  if (!cast || cast->getBlock() != &body || body.getOperations().size() != 2 ||
      cast->getOperand(0) != body.getArgument(0))
    return {};
  return generic.getDpsInputOperand(0)->get();
}

/// The bias an accumulator starts from: a null Value for zeros, the bias
/// vector for its broadcast over rows; failure for anything else.
FailureOr<Value> matchBias(Value init, Type element, Type acc) {
  Operation *def = init.getDefiningOp();
  if (auto fill = dyn_cast_or_null<linalg::FillOp>(def)) {
    if (matchPattern(fill.getInputs()[0], m_PosZeroFloat()))
      return Value();
    return failure();
  }
  if (matchPattern(init, m_PosZeroFloat()))
    return Value();
  if (auto broadcast = dyn_cast_or_null<linalg::BroadcastOp>(def)) {
    auto input = cast<RankedTensorType>(broadcast.getInput().getType());
    if (broadcast.getDimensions() == ArrayRef<int64_t>{0} &&
        input.getRank() == 1 && input.getElementType() == element &&
        !input.getEncoding() && acc == element)
      return broadcast.getInput();
    return failure();
  }
  if (auto generic = dyn_cast_or_null<linalg::GenericOp>(def)) {
    Value bias = matchUnaryGeneric<arith::ExtFOp>(generic, /*broadcast=*/true,
                                                  /*allowIdentity=*/acc ==
                                                      element);
    auto biasType = bias ? cast<RankedTensorType>(bias.getType())
                         : RankedTensorType();
    if (biasType && biasType.getElementType() == element &&
        !biasType.getEncoding())
      return bias;
  }
  return failure();
}

/// Why a constant `coordinates` is not a valid structured[n, m] level (each
/// block's n coordinates strictly increasing and below m): what
/// dnn.sparse_linear's verifier would reject. "" if valid or not a constant.
std::string whyBadCoordinates(Value coordinates, int64_t n, int64_t m) {
  ElementsAttr data;
  if (!matchPattern(coordinates, m_Constant(&data)))
    return "";
  auto ints = data.tryGetValues<APInt>();
  if (!ints)
    return "";
  int64_t position = 0, previous = -1;
  for (const APInt &value : *ints) {
    int64_t offset = static_cast<int64_t>(value.getZExtValue());
    if (position % n == 0)
      previous = -1;
    if (offset >= m || offset <= previous)
      return llvm::formatv("constant coordinate {0} (block {1}) is {2}: a "
                           "structured[{3}, {4}] block needs {3} strictly "
                           "increasing coordinates below {4}",
                           position, position / n, offset, n, m);
    previous = offset;
    ++position;
  }
  return "";
}

/// A sparse_linear operand of shape N x banks x nnz: the source of the
/// collapse the forward conversion wrote, else an expand_shape of `flat`.
Value unflatten(OpBuilder &b, Location loc, Value flat,
                ArrayRef<int64_t> shape) {
  auto type = RankedTensorType::get(
      shape, cast<RankedTensorType>(flat.getType()).getElementType());
  if (auto collapse = flat.getDefiningOp<tensor::CollapseShapeOp>())
    if (collapse.getSrcType() == type)
      return collapse.getSrc();
  return tensor::ExpandShapeOp::create(
      b, loc, type, flat, SmallVector<ReassociationIndices>{{0, 1, 2}});
}

/// Everything the way back needs, matched on one matmul.
struct MatchedLayer {
  linalg::MatmulOp matmul;
  StructuredWeight weight;
  Value input;   // of rank 1, 2 or more, as the sparse_linear takes it
  Value bias;    // or null
  Value result;  // the rows x N value of element type that the layer gives
  Operation *rounding = nullptr; // the truncf generic (16-bit floats)
  Operation *outputReshape = nullptr; // the reshape back to input's rank
  Type element;
  int64_t outFeatures = 0;
};

/// Matches `matmul` against the form dnn-balanced-to-sparse-tensor writes
/// (or any equivalent): "" and `layer` filled if it has a dnn.sparse_linear
/// form, else why not.
std::string matchLayer(linalg::MatmulOp matmul,
                       StructuredWeight weight, MatchedLayer &layer) {
  MLIRContext *ctx = matmul.getContext();
  layer.matmul = matmul;
  layer.weight = weight;
  if (matmul.getIndexingMapsArray() != transposedBMaps(ctx))
    return "the matmul is not y[m, n] += x[m, k] * w[n, k] (B transposed)";
  if (!matmul.hasPureTensorSemantics())
    return "the matmul is not on tensors";

  auto enc = st::getSparseTensorEncoding(weight.assemble.getType());
  auto weightType = cast<RankedTensorType>(weight.assemble.getType());
  if (weight.m < kMinStructuredBlock ||
      enc.getDimToLvl() !=
          structuredEncoding(ctx, weight.n, weight.m, enc.getCrdWidth())
              .getDimToLvl() ||
      enc.getLvlRank() != 3 || !st::isDenseLT(enc.getLvlType(0)) ||
      !st::isDenseLT(enc.getLvlType(1)))
    return "the weight's encoding is not (i, j) -> (i : dense, j floordiv m "
           ": dense, j mod m : structured[n, m])";
  if (!weightType.hasStaticShape())
    return "the weight's shape is not static";
  int64_t outFeatures = weightType.getDimSize(0);
  int64_t k = weightType.getDimSize(1);
  if (k % weight.m != 0)
    return llvm::formatv("m = {0} does not divide K = {1}", weight.m, k);
  if (weight.crdWidth != 8 && weight.crdWidth != 16 && weight.crdWidth != 32)
    return llvm::formatv("crdWidth = {0}: dnn offsets are i8, i16 or i32",
                         weight.crdWidth);
  Type element = weightType.getElementType();
  if (!(element.isF16() || element.isBF16() || element.isF32() ||
        element.isF64()))
    return "the weight's element type is not f16, bf16, f32 or f64";
  if (weight.n < 1)
    return "structured[0, m] keeps no entries";

  // The level buffers: one coordinates buffer for the N:M level.
  st::AssembleOp assemble = weight.assemble;
  int64_t entries = outFeatures * (k / weight.m) * weight.n;
  if (assemble.getLevels().size() != 1)
    return "the weight is not assembled from one coordinates buffer";
  auto crdType = dyn_cast<RankedTensorType>(assemble.getLevels()[0].getType());
  auto valType = dyn_cast<RankedTensorType>(assemble.getValues().getType());
  auto isFlat = [&](RankedTensorType type) {
    return type && type.getShape() == ArrayRef<int64_t>{entries} &&
           !type.getEncoding();
  };
  if (!isFlat(crdType) || !isFlat(valType))
    return llvm::formatv("the coordinates and values are not plain tensors of "
                         "exactly N * K / m * n = {0} entries",
                         entries);
  std::string bad =
      whyBadCoordinates(assemble.getLevels()[0], weight.n, weight.m);
  if (!bad.empty())
    return bad;

  // x: rows x K, possibly reshaped from the layer's own rank.
  Value x = matmul.getDpsInputOperand(0)->get();
  auto xType = cast<RankedTensorType>(x.getType());
  if (xType.getEncoding() || !xType.hasStaticShape() ||
      xType.getElementType() != element)
    return "x is not a static dense tensor of the weight's element type";
  layer.input = x;
  if (auto collapse = x.getDefiningOp<tensor::CollapseShapeOp>()) {
    if (collapse.getSrcType().getRank() > 2 &&
        collapse.getReassociationIndices() ==
            collapseLeading(collapse.getSrcType().getRank()))
      layer.input = collapse.getSrc();
  } else if (auto expand = x.getDefiningOp<tensor::ExpandShapeOp>()) {
    if (expand.getSrcType().getRank() == 1 && xType.getDimSize(0) == 1)
      layer.input = expand.getSrc();
  }

  // The accumulator: the element type, or f32 for 16-bit floats.
  Value init = matmul.getDpsInitOperand(0)->get();
  Type acc = cast<RankedTensorType>(init.getType()).getElementType();
  if (acc != accumulatorType(element))
    return llvm::formatv("the matmul accumulates {0} in {1}; "
                         "dnn.sparse_linear accumulates it in {2}",
                         element, acc, accumulatorType(element));
  FailureOr<Value> bias = matchBias(init, element, acc);
  if (failed(bias))
    return "the accumulator does not start from zeros or a broadcast bias";
  layer.bias = *bias;

  layer.result = matmul.getResult(0);
  if (acc != element) {
    Value y = layer.result;
    auto rounding = y.hasOneUse()
                        ? dyn_cast<linalg::GenericOp>(*y.getUsers().begin())
                        : linalg::GenericOp();
    if (!rounding || rounding.getNumDpsInputs() != 1 ||
        rounding.getDpsInputOperand(0)->get() != y ||
        !matchUnaryGeneric<arith::TruncFOp>(rounding, /*broadcast=*/false,
                                            /*allowIdentity=*/false) ||
        getElementTypeOrSelf(rounding.getResult(0).getType()) != element)
      return llvm::formatv("the {0} accumulator is not rounded to {1} by one "
                           "element-wise arith.truncf",
                           acc, element);
    layer.rounding = rounding;
    layer.result = rounding.getResult(0);
  }
  layer.element = element;
  layer.outFeatures = outFeatures;

  // The reshape back to the input's rank, if the result has only that use.
  auto inputType = cast<RankedTensorType>(layer.input.getType());
  if (inputType.getRank() != 2 && layer.result.hasOneUse()) {
    Operation *user = *layer.result.getUsers().begin();
    SmallVector<int64_t> shape(inputType.getShape().drop_back());
    shape.push_back(outFeatures);
    // The user may have no result at all (func.return): ask what it is first.
    if (isa<tensor::ExpandShapeOp, tensor::CollapseShapeOp>(user) &&
        user->getResult(0).getType() == RankedTensorType::get(shape, element))
      layer.outputReshape = user;
  }
  return "";
}

/// Replaces the matched chain by dnn.sparse_linear and erases what it leaves
/// dead (the matmul, the rounding, the bias broadcast, the assemble, ...).
void convertToBalanced(RewriterBase &rewriter, MatchedLayer &layer) {
  linalg::MatmulOp matmul = layer.matmul;
  MLIRContext *ctx = matmul.getContext();
  Location loc = matmul.getLoc();
  rewriter.setInsertionPointAfterValue(layer.result);
  int64_t n = layer.outFeatures;
  int64_t k = cast<RankedTensorType>(layer.input.getType()).getShape().back();
  int64_t m = layer.weight.m, nnz = layer.weight.n;
  SmallVector<int64_t> entryShape = {n, k / m, nnz};
  st::AssembleOp assemble = layer.weight.assemble;
  Value values = unflatten(rewriter, loc, assemble.getValues(), entryShape);
  Value indices =
      unflatten(rewriter, loc, assemble.getLevels()[0], entryShape);
  auto layout = BalancedSparsityAttr::get(
      ctx, m, nnz, BalancedSparsityAttr::getMinIndexBits(m), layer.element);

  auto inputType = cast<RankedTensorType>(layer.input.getType());
  SmallVector<int64_t> shape(inputType.getShape().drop_back());
  shape.push_back(n);
  auto resultType = RankedTensorType::get(shape, layer.element);
  auto sparse = SparseLinearOp::create(rewriter, loc, resultType, layer.input,
                                       values, indices, layer.bias, layout);
  // The layer's own discardable attributes, not linalg's bookkeeping (such
  // as linalg.memoized_indexing_maps).
  for (NamedAttribute attr : matmul->getDiscardableAttrs())
    if (attr.getName().getValue().split('.').first !=
        linalg::LinalgDialect::getDialectNamespace())
      sparse->setAttr(attr.getName(), attr.getValue());

  Value y = sparse.getResult();
  if (layer.outputReshape) {
    rewriter.replaceOp(layer.outputReshape, y);
  } else {
    auto matrixType = cast<RankedTensorType>(layer.result.getType());
    if (inputType.getRank() > 2)
      y = tensor::CollapseShapeOp::create(rewriter, loc, matrixType, y,
                                          collapseLeading(inputType.getRank()));
    else if (inputType.getRank() == 1)
      y = tensor::ExpandShapeOp::create(rewriter, loc, matrixType, y,
                                        vectorAsRow());
    rewriter.replaceAllUsesWith(layer.result, y);
  }

  // The chain, and what feeds it, erased where nothing else uses it.
  llvm::SetVector<Operation *> candidates;
  auto addProducers = [&](Operation *op) {
    for (Value operand : op->getOperands())
      if (Operation *def = operand.getDefiningOp())
        candidates.insert(def);
  };
  if (layer.rounding)
    candidates.insert(layer.rounding);
  candidates.insert(matmul);
  for (bool changed = true; changed;) {
    changed = false;
    for (Operation *op : llvm::to_vector(candidates)) {
      if (!isOpTriviallyDead(op))
        continue;
      addProducers(op);
      candidates.remove(op);
      rewriter.eraseOp(op);
      changed = true;
    }
  }
}

struct SparseTensorToBalancedPass
    : public dnn::impl::SparseTensorToBalancedBase<
          SparseTensorToBalancedPass> {
  void runOnOperation() override {
    SmallVector<std::pair<linalg::MatmulOp, StructuredWeight>> candidates;
    getOperation()->walk([&](linalg::MatmulOp matmul) {
      if (std::optional<StructuredWeight> weight = structuredOperand(matmul))
        candidates.emplace_back(matmul, *weight);
    });
    IRRewriter rewriter(&getContext());
    for (auto &[matmul, weight] : candidates) {
      MatchedLayer layer;
      std::string why = matchLayer(matmul, weight, layer);
      if (!why.empty()) {
        matmul.emitRemark() << kToBalanced << ": not converted: " << why;
        continue;
      }
      convertToBalanced(rewriter, layer);
    }
  }
};
} // namespace
