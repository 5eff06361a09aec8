//===- LowerToGPU.cpp - dnn-lower-to-gpu -----------------------------------===//
//
// Lowers functions of dnn ops on tensors to host functions on device memrefs
// that launch one kernel per op (two for a split-K GEMM) from
// `gpu.module @dnn_kernels`. GEMM-like ops (conv2d, linear, matmul) run the
// tiled GEMM of GemmKernel.h with the tile, thread count and split-K of
// their #dnn.mapping; the other ops run the simple kernels of
// SimpleKernels.h. See the pass description in Passes.td for the calling
// convention and the model ABI.
//
//===----------------------------------------------------------------------===//

#include "dnn/Conversion/DNNToGPU/GemmKernel.h"
#include "dnn/Conversion/DNNToGPU/SparseKernel.h"
#include "dnn/Conversion/DNNToLinalg/DNNToLinalg.h"
#include "dnn/Conversion/Passes.h"
#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/IR/DNNOps.h"
#include "dnn/Dialect/DNN/Transforms/WeightData.h"
#include "dnn/Runtime/ModelABI.h"

#include "RecurrentKernels.h"
#include "SimpleKernels.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"

#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/raw_ostream.h"

namespace mlir::dnn {
#define GEN_PASS_DEF_CONVERTDNNTOGPU
#include "dnn/Conversion/Passes.h.inc"
} // namespace mlir::dnn

using namespace mlir;
using namespace mlir::dnn;
using namespace mlir::dnn::gpukernels;

namespace {

/// Workspace offsets are multiples of this (the weights file's alignment
/// too), so every tensor starts on a 256-byte boundary.
constexpr int64_t kAlign = DNN_MODEL_WEIGHT_ALIGN;

MemRefType memrefOf(Type tensor) {
  auto type = cast<RankedTensorType>(tensor);
  return MemRefType::get(type.getShape(), type.getElementType());
}

/// The element types with GPU kernels.
bool isKernelElementType(Type type) {
  return type.isF32() || type.isF16() || type.isBF16();
}

int64_t bytesOf(ShapedType type) {
  return type.getNumElements() *
         static_cast<int64_t>(type.getElementTypeBitWidth() / 8);
}

std::string dtypeName(Type type) {
  if (type.isF32())
    return "f32";
  if (type.isF16())
    return "f16";
  if (type.isBF16())
    return "bf16";
  if (type.isF64())
    return "f64";
  if (type.isInteger(16))
    return "i16";
  if (type.isInteger(32))
    return "i32";
  return "i8";
}

std::string shapeText(ArrayRef<int64_t> shape) {
  if (shape.empty())
    return "scalar";
  std::string text;
  for (auto [i, d] : llvm::enumerate(shape))
    text += (i ? "x" : "") + std::to_string(d);
  return text;
}

/// A name usable in the manifest (no spaces), unique among `used`.
std::string uniqueName(StringRef wanted, llvm::StringSet<> &used) {
  std::string base;
  for (char ch : wanted)
    base += (std::isalnum(static_cast<unsigned char>(ch)) || ch == '_' ||
             ch == '.' || ch == '-')
                ? ch
                : '_';
  if (base.empty())
    base = "weight";
  std::string name = base;
  for (int i = 1; !used.insert(name).second; ++i)
    name = base + "_" + std::to_string(i);
  return name;
}

/// One kernel launch of the lowered function.
struct Launch {
  std::string kernel;
  int64_t grid[3];
  int64_t block;
  int64_t smem = 0; ///< dynamic shared memory bytes
};

/// What the function's arguments are, for the manifest.
struct ArgInfo {
  std::string kind, name;
  MemRefType type;
  int64_t offset = -1; ///< in the weights file
};

/// Lowers the dnn ops of one function.
class FunctionLowering {
public:
  FunctionLowering(func::FuncOp func, gpu::GPUModuleOp kernels,
                   llvm::StringMap<gpu::GPUFuncOp> &cache)
      : func(func), kernels(kernels), cache(cache),
        kernelBuilder(func.getContext()) {}

  LogicalResult run();

  SmallVector<ArgInfo> args;
  SmallVector<ElementsAttr> weightValues; ///< per weight arg, in order
  SmallVector<Location> weightLocs;       ///< their constants' locations
  SmallVector<Launch> launches;
  /// Set by launch() when a grid exceeds CUDA's limits (it has diagnosed).
  bool launchFailed = false;
  int64_t workspaceBytes = 0;
  func::FuncOp lowered;

private:
  LogicalResult check();
  void planMemory();
  LogicalResult lowerOp(Operation *op, OpBuilder &b);
  /// A GEMM-like op, alone or as the anchor of `fused`.
  LogicalResult lowerGemm(Operation *op, OpBuilder &b, FusedOp fused = {});
  /// A balanced-sparse layer (dnn.sparse_linear or dnn.sparse_conv2d).
  LogicalResult lowerSparse(BalancedSparseOpInterface op, OpBuilder &b);
  /// dnn.lstm / dnn.gru / dnn.rnn at their dnn.rnn_fusion level.
  LogicalResult lowerRecurrent(RecurrentOpInterface op, OpBuilder &b);
  /// The kernel cached under `key`, built by `build(name)` on a miss.
  FailureOr<gpu::GPUFuncOp>
  kernel(StringRef key, StringRef hint,
         function_ref<FailureOr<gpu::GPUFuncOp>(StringRef)> build);
  void launch(OpBuilder &b, Location loc, gpu::GPUFuncOp fn,
              std::array<int64_t, 3> grid, int64_t block, ValueRange operands,
              Attribute mapping = {}, int64_t smem = 0);
  Value buffer(Value tensor) { return buffers.lookup(tensor); }
  /// `source` seen with another static shape (same elements).
  Value reshaped(OpBuilder &b, Location loc, Value source, MemRefType type);
  Value workspaceView(OpBuilder &b, Location loc, int64_t offset,
                      MemRefType type);
  /// The buffer the op's result `index` is written to.
  Value resultBuffer(OpBuilder &b, Operation *op, unsigned index = 0);

  func::FuncOp func;
  gpu::GPUModuleOp kernels;
  llvm::StringMap<gpu::GPUFuncOp> &cache;
  OpBuilder kernelBuilder;

  /// The value whose storage a tensor shares (flatten/reshape alias their
  /// input); itself otherwise.
  DenseMap<Value, Value> root;
  /// Workspace offsets of the stored values and of split-K scratch.
  DenseMap<Value, int64_t> offsets;
  DenseMap<Operation *, int64_t> scratchOffsets;
  /// Results whose storage is an output argument: value -> result index.
  DenseMap<Value, unsigned> boundOutputs;
  DenseMap<Value, Value> buffers;
  Value workspace, token;
};

bool isAlias(Operation *op) { return isa<FlattenOp, ReshapeOp>(op); }

bool isConstant(Operation *op) {
  return op && op->hasTrait<mlir::OpTrait::ConstantLike>();
}

using RecurrentSlots =
    std::array<Value, static_cast<size_t>(RecurrentSlot::NumSlots)>;

/// A recurrent op's operands in their kernel slots (X .. C0; null where
/// the op has none).
RecurrentSlots recurrentOperands(Operation *op) {
  RecurrentSlots slots{};
  auto set = [&](RecurrentSlot slot, Value v) {
    slots[static_cast<size_t>(slot)] = v;
  };
  auto common = [&](auto concrete) {
    set(RecurrentSlot::X, concrete.getInput());
    set(RecurrentSlot::W, concrete.getWeight());
    set(RecurrentSlot::R, concrete.getRecurrence());
    set(RecurrentSlot::Bias, concrete.getBias());
    set(RecurrentSlot::Lens, concrete.getSequenceLens());
    set(RecurrentSlot::H0, concrete.getInitialH());
  };
  if (auto lstm = dyn_cast<LSTMOp>(op)) {
    common(lstm);
    set(RecurrentSlot::C0, lstm.getInitialC());
    set(RecurrentSlot::Peephole, lstm.getPeephole());
  } else if (auto gru = dyn_cast<GRUOp>(op)) {
    common(gru);
  } else {
    common(cast<RNNOp>(op));
  }
  return slots;
}

/// The kernel spec of a recurrent op at its dnn.rnn_fusion level, with the
/// geometry of its dnn.mapping (check() made sure both are there).
RecurrentKernelSpec recurrentSpec(RecurrentOpInterface rec) {
  Operation *op = rec.getOperation();
  RecurrentKernelSpec spec;
  spec.cell = isa<LSTMOp>(op)   ? RecurrentKernelSpec::Cell::LSTM
              : isa<GRUOp>(op) ? RecurrentKernelSpec::Cell::GRU
                               : RecurrentKernelSpec::Cell::RNN;
  spec.steps = rec.getSteps();
  spec.batch = rec.getBatch();
  spec.input = rec.getInputSize();
  spec.hidden = op->getAttrOfType<IntegerAttr>("hidden_size").getInt();
  spec.dirs = rec.getNumDirections();
  spec.gates = rec.getNumGates();
  spec.reverseOnly =
      op->getAttrOfType<StringAttr>("direction").getValue() == "reverse";
  if (auto clip = op->getAttrOfType<FloatAttr>("clip"))
    spec.clip = clip.getValueAsDouble();
  if (auto lstm = dyn_cast<LSTMOp>(op))
    spec.inputForget = lstm.getInputForget();
  if (auto gru = dyn_cast<GRUOp>(op))
    spec.linearBeforeReset = gru.getLinearBeforeReset();
  for (int64_t d = 0; d < spec.dirs; ++d)
    spec.functions.push_back(getRecurrentCellFunctions(rec, d));
  spec.element =
      cast<ShapedType>(op->getResult(0).getType()).getElementType();
  spec.level = *parseRNNFusionLevel(
      op->getAttrOfType<StringAttr>(DNNDialect::kRNNFusionAttrName)
          .getValue());
  RecurrentSlots operands = recurrentOperands(op);
  auto has = [&](RecurrentSlot slot) {
    return static_cast<bool>(operands[static_cast<size_t>(slot)]);
  };
  spec.bias = has(RecurrentSlot::Bias);
  spec.lens = has(RecurrentSlot::Lens);
  spec.h0 = has(RecurrentSlot::H0);
  spec.c0 = has(RecurrentSlot::C0);
  spec.peephole = has(RecurrentSlot::Peephole);
  // Hoisted: one warp per unit, so tile_n = G * warps (check()).
  auto mapping = op->getAttrOfType<MappingAttr>(DNNDialect::kMappingAttrName);
  spec.warps = mapping.getThreads() / 32;
  if (spec.level == RNNFusionLevel::Persistent)
    spec.units = mapping.getTileN() / spec.gates;
  return spec;
}

/// The slots of a recurrent op's kernels that live in the workspace.
constexpr RecurrentSlot kRecurrentScratch[] = {
    RecurrentSlot::Proj, RecurrentSlot::XW,   RecurrentSlot::HR,
    RecurrentSlot::HN,   RecurrentSlot::HBuf, RecurrentSlot::CBuf,
    RecurrentSlot::RH,   RecurrentSlot::Z,    RecurrentSlot::Counter};

/// Workspace offsets of the scratch slots of `spec` (relative to its
/// scratch area) and the total size.
std::pair<SmallVector<std::pair<RecurrentSlot, int64_t>>, int64_t>
recurrentScratch(const RecurrentKernelSpec &spec, MLIRContext *ctx) {
  auto types = spec.slotTypes(ctx);
  SmallVector<std::pair<RecurrentSlot, int64_t>> at;
  int64_t total = 0;
  for (RecurrentSlot slot : kRecurrentScratch)
    if (Type type = types[static_cast<size_t>(slot)]) {
      at.push_back({slot, total});
      total += llvm::alignTo(bytesOf(cast<ShapedType>(type)), kAlign);
    }
  return {at, total};
}

/// The scratch of an op, in bytes: a GEMM's split-K partial sums, a
/// recurrent layer's state and projections; 0 for the others.
int64_t scratchBytes(Operation *op) {
  if (auto rec = dyn_cast<RecurrentOpInterface>(op))
    return recurrentScratch(recurrentSpec(rec), op->getContext()).second;
  if (auto fused = dyn_cast<FusedOp>(op))
    op = fused.getAnchor();
  auto gemm = dyn_cast<GemmOpInterface>(op);
  auto mapping = op->getAttrOfType<MappingAttr>(DNNDialect::kMappingAttrName);
  if (!gemm || !mapping || mapping.getSplitK() < 2)
    return 0;
  GemmShape shape = gemm.getGemmShape();
  return shape.batch * mapping.getSplitK() * shape.m * shape.n * 4;
}

LogicalResult FunctionLowering::check() {
  GPUTargetAttr target;
  if (auto module = func->getParentOfType<ModuleOp>())
    target = module->getAttrOfType<GPUTargetAttr>(DNNDialect::kTargetAttrName);
  bool preAmpere = target && target.getComputeCapability() < 80;
  WalkResult walk = func.walk([&](Operation *op) -> WalkResult {
    if (op == func)
      return WalkResult::advance();
    if (isa<func::ReturnOp>(op))
      return WalkResult::advance();
    if (op->getDialect() != op->getContext()->getLoadedDialect<DNNDialect>() &&
        !isConstant(op))
      return op->emitOpError("cannot be lowered to the GPU by "
                             "dnn-lower-to-gpu (only dnn ops and constants)");
    for (Type type : llvm::concat<Type>(op->getOperandTypes(),
                                        op->getResultTypes())) {
      auto tensor = dyn_cast<RankedTensorType>(type);
      if (!tensor || !tensor.hasStaticShape())
        return op->emitOpError("dnn-lower-to-gpu needs static tensor shapes, "
                               "got ")
               << type;
      // The offsets of a balanced-sparse weight (checked by the kernel).
      // (or the sequence lengths of a recurrent layer).
      bool offsets = isa<IntegerType>(tensor.getElementType()) &&
                     (isa<BalancedSparseOpInterface, RecurrentOpInterface>(op) ||
                      isConstant(op));
      if (!isKernelElementType(tensor.getElementType()) && !offsets)
        return op->emitOpError("dnn-lower-to-gpu has kernels for f32, f16 "
                               "and bf16 tensors (and integer sparse offsets), got ")
               << type;
    }
    // dnn-fuse-rnn decides the level and the kernels' geometry.
    if (auto rec = dyn_cast<RecurrentOpInterface>(op)) {
      auto level =
          op->getAttrOfType<StringAttr>(DNNDialect::kRNNFusionAttrName);
      auto mapping =
          op->getAttrOfType<MappingAttr>(DNNDialect::kMappingAttrName);
      if (!level || !mapping ||
          (level.getValue() != "unfused" &&
           !op->getAttrOfType<MappingAttr>(DNNDialect::kInputMappingAttrName)))
        return op->emitOpError("has no dnn.rnn_fusion level with its "
                               "#dnn.mapping (and dnn.input_mapping): run "
                               "dnn-fuse-rnn first");
      // tile_n is G x units per CTA (persistent) or G x warps (hoisted: one
      // warp per unit).
      int64_t gates = rec.getNumGates(), warps = mapping.getThreads() / 32;
      bool unitsPerCta = level.getValue() == "unfused" ||
                         mapping.getTileN() % gates == 0;
      bool warpPerUnit = level.getValue() != "hoisted" ||
                         mapping.getTileN() / gates == warps;
      if (mapping.getThreads() % 32 != 0 || !unitsPerCta || !warpPerUnit)
        return op->emitOpError("dnn-lower-to-gpu: the #dnn.mapping is not "
                               "one dnn-fuse-rnn gives (re-run it)");
      // The grid barrier needs every CTA resident at once.
      if (level.getValue() == "persistent" && target &&
          mapping.getCtas() > target.getSms() * mapping.getCtasPerSm())
        return op->emitOpError("dnn-lower-to-gpu: the persistent kernel's ")
               << mapping.getCtas() << " CTAs cannot all be resident on '"
               << target.getName() << "' (" << target.getSms() << " SMs x "
               << mapping.getCtasPerSm() << "); re-run dnn-fuse-rnn";
    }
    // The tensor-core GEMM issues mma.sync.m16n8k16 (sm_80 and newer).
    if (preAmpere && isa<GemmOpInterface>(op) &&
        !cast<ShapedType>(op->getResult(0).getType()).getElementType().isF32())
      return op->emitOpError("dnn-lower-to-gpu: f16/bf16 GEMMs run on "
                                 "the tensor-core kernel (mma.sync.m16n8k16), "
                             "which needs sm_80 or newer; the target '")
             << target.getName() << "' is " << target.getArch();
    if (isa<GemmOpInterface, BalancedSparseOpInterface>(op) &&
        !op->getAttrOfType<MappingAttr>(DNNDialect::kMappingAttrName))
      return op->emitOpError("has no #dnn.mapping: run dnn-assign-mapping "
                             "first (the mapping fixes the kernel's tiles "
                             "and grid)");
    return WalkResult::advance();
  });
  if (walk.wasInterrupted())
    return failure();
  if (!func.getBody().hasOneBlock())
    return func.emitOpError("dnn-lower-to-gpu needs a single-block body");
  for (Type type : func.getFunctionType().getInputs())
    if (auto tensor = dyn_cast<RankedTensorType>(type);
        !tensor || !tensor.hasStaticShape() ||
        !isKernelElementType(tensor.getElementType()))
      return func.emitOpError("dnn-lower-to-gpu needs static f32, f16 or "
                              "bf16 tensor arguments, got ")
             << type;
  return success();
}

/// Greedy first-fit placement of every stored intermediate in one
/// workspace, by live range in program order: a value lives from its op to
/// its last use (through its aliases); an op's result never overlaps its
/// inputs, which are still live.
void FunctionLowering::planMemory() {
  Block &body = func.getBody().front();
  DenseMap<Operation *, int64_t> position;
  int64_t index = 0;
  for (Operation &op : body)
    position[&op] = index++;
  // Roots and last uses.
  DenseMap<Value, int64_t> lastUse;
  for (Operation &op : body) {
    for (Value result : op.getResults()) {
      root[result] = result;
      if (isAlias(&op))
        root[result] = root.lookup(op.getOperand(0));
    }
    for (Value operand : op.getOperands()) {
      Value r = root.lookup(operand);
      if (!r)
        r = operand;
      int64_t use = position[&op];
      lastUse[r] = std::max(lastUse.lookup(r), use);
    }
  }
  // Outputs: a returned value whose storage root is an op's own result is
  // written straight into the output argument (once per root).
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  for (auto [i, operand] : llvm::enumerate(ret.getOperands())) {
    Value r = root.lookup(operand);
    if (!r || !r.getDefiningOp() || isConstant(r.getDefiningOp()) ||
        boundOutputs.count(r))
      continue;
    boundOutputs[r] = i;
  }

  struct Slot {
    int64_t offset, bytes, end;
  };
  SmallVector<Slot> live;
  auto allocate = [&](int64_t bytes, int64_t end) -> int64_t {
    bytes = llvm::alignTo(bytes, kAlign);
    llvm::sort(live, [](const Slot &a, const Slot &b) {
      return a.offset < b.offset;
    });
    int64_t offset = 0;
    for (const Slot &blk : live) {
      if (blk.offset - offset >= bytes)
        break;
      offset = std::max(offset, blk.offset + blk.bytes);
    }
    live.push_back({offset, bytes, end});
    workspaceBytes = std::max(workspaceBytes, offset + bytes);
    return offset;
  };
  for (Operation &op : body) {
    int64_t at = position[&op];
    llvm::erase_if(live, [&](const Slot &blk) { return blk.end < at; });
    if (isAlias(&op) || isConstant(&op) || isa<func::ReturnOp>(op))
      continue;
    for (Value result : op.getResults()) {
      if (boundOutputs.count(result))
        continue;
      offsets[result] =
          allocate(bytesOf(cast<ShapedType>(result.getType())),
                   std::max(lastUse.lookup(result), at));
    }
    if (int64_t scratch = scratchBytes(&op))
      scratchOffsets[&op] = allocate(scratch, at);
  }
}

FailureOr<gpu::GPUFuncOp> FunctionLowering::kernel(
    StringRef key, StringRef hint,
    function_ref<FailureOr<gpu::GPUFuncOp>(StringRef)> build) {
  auto it = cache.find(key);
  if (it != cache.end())
    return it->second;
  std::string name =
      (hint + "_" + std::to_string(cache.size())).str();
  FailureOr<gpu::GPUFuncOp> fn = build(name);
  if (succeeded(fn))
    cache[key] = *fn;
  return fn;
}

void FunctionLowering::launch(OpBuilder &b, Location loc, gpu::GPUFuncOp fn,
                              std::array<int64_t, 3> grid, int64_t block,
                              ValueRange operands, Attribute mapping,
                              int64_t smem) {
  // CUDA's limits on a launch: a layer too large for them (10^12 elements,
  // say) is refused here rather than failing at run time.
  constexpr int64_t kMaxGridX = (int64_t{1} << 31) - 1, kMaxGridYZ = 65535;
  if (grid[0] > kMaxGridX || grid[1] > kMaxGridYZ || grid[2] > kMaxGridYZ ||
      block > 1024) {
    emitError(loc) << "dnn-lower-to-gpu: kernel '" << fn.getName()
                   << "' would need a grid of " << grid[0] << "x" << grid[1]
                   << "x" << grid[2] << " CTAs of " << block
                   << " threads; CUDA allows at most " << kMaxGridX << "x"
                   << kMaxGridYZ << "x" << kMaxGridYZ
                   << " CTAs of 1024 threads (the layer is too large for one "
                      "launch)";
    launchFailed = true;
  }
  auto index = [&](int64_t v) -> Value {
    return arith::ConstantIndexOp::create(b, loc, v);
  };
  // One op per statement (shared memory size, block, grid), so the op
  // order is not the host compiler's choice of argument evaluation order.
  Value smemBytes;
  if (smem)
    smemBytes = arith::ConstantOp::create(
        b, loc, b.getI32IntegerAttr(static_cast<int32_t>(smem)));
  gpu::KernelDim3 threads{index(block), index(1), index(1)};
  gpu::KernelDim3 ctas{index(grid[0]), index(grid[1]), index(grid[2])};
  auto op = gpu::LaunchFuncOp::create(
      b, loc, fn, ctas, threads, /*dynamicSharedMemorySize=*/smemBytes,
      operands, gpu::AsyncTokenType::get(b.getContext()), ValueRange{token});
  if (mapping)
    op->setAttr(DNNDialect::kMappingAttrName, mapping);
  token = op.getAsyncToken();
  launches.push_back(
      {fn.getName().str(), {grid[0], grid[1], grid[2]}, block, smem});
}

Value FunctionLowering::reshaped(OpBuilder &b, Location loc, Value source,
                                 MemRefType type) {
  if (source.getType() == type)
    return source;
  SmallVector<int64_t> strides(type.getRank(), 1);
  for (int64_t d = type.getRank() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * type.getDimSize(d + 1);
  return memref::ReinterpretCastOp::create(b, loc, type, source, 0,
                                           type.getShape(), strides);
}

Value FunctionLowering::workspaceView(OpBuilder &b, Location loc,
                                      int64_t offset, MemRefType type) {
  Value at = arith::ConstantIndexOp::create(b, loc, offset);
  return memref::ViewOp::create(b, loc, type, workspace, at, ValueRange{});
}

Value FunctionLowering::resultBuffer(OpBuilder &b, Operation *op,
                                    unsigned index) {
  Value result = op->getResult(index);
  MemRefType type = memrefOf(result.getType());
  Value out;
  auto bound = boundOutputs.find(result);
  if (bound != boundOutputs.end())
    out = reshaped(b, op->getLoc(),
                   lowered.getArgument(lowered.getNumArguments() - 1 -
                                       func.getNumResults() + bound->second),
                   type);
  else
    out = workspaceView(b, op->getLoc(), offsets.lookup(result), type);
  buffers[result] = out;
  return out;
}

/// `spec` with the tiles, threads and split-K of `mapping`.
GemmKernelSpec withMapping(GemmKernelSpec spec, MappingAttr mapping) {
  spec.tileM = mapping.getTileM();
  spec.tileN = mapping.getTileN();
  spec.tileK = mapping.getTileK();
  spec.threads = mapping.getThreads();
  spec.splitK = mapping.getSplitK();
  return spec;
}

std::string specKey(const GemmKernelSpec &s) {
  std::string key;
  llvm::raw_string_ostream os(key);
  os << "gemm " << s.batch << " " << s.m << " " << s.n << " " << s.k << " "
     << s.broadcastA << s.broadcastB << s.transposeB << s.bias << s.residual
     << " act" << (s.activation ? static_cast<int>(*s.activation) : -1) << " "
     << s.tileM << "x" << s.tileN << "x" << s.tileK << " t" << s.threads
     << " s" << s.splitK << " " << s.elementType
     << (s.f32Output ? " c32" : "");
  if (const std::optional<ConvGeometry> &c = s.conv)
    os << " conv " << c->groups << " " << c->batch << " " << c->channels << " "
       << c->height << " " << c->width << " " << c->filters << " "
       << c->kernelH << " " << c->kernelW << " " << c->strideH << " "
       << c->strideW << " " << c->padTop << " " << c->padLeft << " "
       << c->dilationH << " " << c->dilationW << " " << c->outH << " "
       << c->outW;
  return key;
}

LogicalResult FunctionLowering::lowerGemm(Operation *op, OpBuilder &b,
                                          FusedOp fused) {
  Location loc = fused ? fused.getLoc() : op->getLoc();
  auto mapping = op->getAttrOfType<MappingAttr>(DNNDialect::kMappingAttrName);
  GemmShape shape = cast<GemmOpInterface>(op).getGemmShape();
  GemmKernelSpec spec;
  SmallVector<Value> operands; // A, B[, bias]
  Value residual;
  if (fused) {
    // The body's arguments are the fused op's operands' buffers.
    for (auto [arg, input] : llvm::zip(fused.getBody().getArguments(),
                                       fused.getInputs()))
      buffers[arg] = buffer(input);
    if (int index = fused.getResidualIndex(); index >= 0)
      residual = buffer(fused.getInputs()[index]);
  }
  Value out = resultBuffer(b, fused ? fused.getOperation() : op);
  Value c = out;
  Type element = cast<MemRefType>(out.getType()).getElementType();
  std::string hint;
  if (auto conv = dyn_cast<Conv2DOp>(op)) {
    ArrayRef<int64_t> in = conv.getInput().getType().getShape();
    ArrayRef<int64_t> w = conv.getWeight().getType().getShape();
    ArrayRef<int64_t> o = conv.getType().getShape();
    ConvGeometry g;
    g.groups = conv.getGroups();
    g.batch = in[0];
    g.channels = in[1] / g.groups;
    g.height = in[2];
    g.width = in[3];
    g.filters = w[0] / g.groups;
    g.kernelH = w[2];
    g.kernelW = w[3];
    g.strideH = conv.getStrides()[0];
    g.strideW = conv.getStrides()[1];
    g.padTop = conv.getPadding()[0];
    g.padLeft = conv.getPadding()[1];
    g.dilationH = conv.getDilation()[0];
    g.dilationW = conv.getDilation()[1];
    g.outH = o[2];
    g.outW = o[3];
    spec = getConvGemmSpec(g);
    spec.bias = static_cast<bool>(conv.getBias());
    operands = {buffer(conv.getInput()), buffer(conv.getWeight())};
    if (conv.getBias())
      operands.push_back(buffer(conv.getBias()));
    hint = "conv2d";
  } else if (auto linear = dyn_cast<LinearOp>(op)) {
    spec.m = shape.m;
    spec.n = shape.n;
    spec.k = shape.k;
    spec.transposeB = true;
    spec.bias = static_cast<bool>(linear.getBias());
    operands = {reshaped(b, loc, buffer(linear.getInput()),
                         MemRefType::get({shape.m, shape.k}, element)),
                buffer(linear.getWeight())};
    if (linear.getBias())
      operands.push_back(buffer(linear.getBias()));
    c = reshaped(b, loc, out, MemRefType::get({shape.m, shape.n}, element));
    hint = "linear";
  } else if (auto matmul = dyn_cast<MatmulOp>(op)) {
    spec.batch = shape.batch;
    spec.m = shape.m;
    spec.n = shape.n;
    spec.k = shape.k;
    // Each operand either has the result's batch dims or none that are not
    // 1 (shared by every GEMM); other broadcasts are not lowered yet.
    auto operand = [&](Value v, int64_t rows, int64_t cols,
                       bool &broadcast) -> FailureOr<Value> {
      auto type = cast<RankedTensorType>(v.getType());
      int64_t count = type.getNumElements() / (rows * cols);
      if (count != 1 && count != shape.batch)
        return op->emitOpError("dnn-lower-to-gpu: a matmul operand that is "
                               "broadcast along only some batch dims is not "
                               "supported yet");
      broadcast = shape.batch > 1 && count == 1;
      SmallVector<int64_t> dims = {rows, cols};
      if (shape.batch > 1 && !broadcast)
        dims.insert(dims.begin(), shape.batch);
      return reshaped(b, loc, buffer(v), MemRefType::get(dims, element));
    };
    FailureOr<Value> a = operand(matmul.getLhs(), shape.m, shape.k,
                                 spec.broadcastA);
    FailureOr<Value> bm = operand(matmul.getRhs(), shape.k, shape.n,
                                  spec.broadcastB);
    if (failed(a) || failed(bm))
      return failure();
    operands = {*a, *bm};
    SmallVector<int64_t> dims = {shape.m, shape.n};
    if (shape.batch > 1)
      dims.insert(dims.begin(), shape.batch);
    c = reshaped(b, loc, out, MemRefType::get(dims, element));
    hint = "matmul";
  } else {
    return op->emitOpError("dnn-lower-to-gpu: no GEMM lowering for this op");
  }
  // f32: the SIMT kernel; f16/bf16: the tensor-core kernel.
  spec.elementType = element;
  spec.residual = static_cast<bool>(residual);
  if (fused)
    spec.activation = fused.getActivation();
  if (residual) {
    residual = reshaped(b, loc, residual, cast<MemRefType>(c.getType()));
    hint += "_add";
  }
  if (spec.activation)
    hint += "_" + stringifyActivationKind(*spec.activation).str();
  spec = withMapping(spec, mapping);
  GemmLaunch grid = getGemmLaunch(spec);
  // The promise: the kernel is the one the performance model priced.
  if (grid.gridX * grid.gridY * grid.gridZ != mapping.getCtas())
    return op->emitOpError("dnn-lower-to-gpu: #dnn.mapping says ")
           << mapping.getCtas() << " CTAs but its tiles give a grid of "
           << grid.gridX << "x" << grid.gridY << "x" << grid.gridZ
           << " (stale mapping? re-run dnn-assign-mapping)";
  std::string key = specKey(spec);
  FailureOr<gpu::GPUFuncOp> main =
      kernel(key, hint, [&](StringRef name) {
        return buildGemmKernel(kernelBuilder, loc, kernels, name, spec);
      });
  if (failed(main))
    return failure();
  // Hold the kernel to the mapping's occupancy: ptxas otherwise spends up to
  // 80 registers on the split-K kernels (3 CTAs/SM where the mapping has 4).
  // Not for a single k-tile or grouped GEMMs, which would then spill.
  if (spec.k > spec.tileK * spec.splitK && spec.batch == 1 &&
      mapping.getCtasPerSm() > 1)
    (*main)->setAttr("nvvm.minctasm",
                     b.getI32IntegerAttr(mapping.getCtasPerSm()));
  if (spec.splitK < 2) {
    SmallVector<Value> args(operands);
    if (residual)
      args.push_back(residual);
    args.push_back(c);
    launch(b, loc, *main, {grid.gridX, grid.gridY, grid.gridZ}, grid.blockX,
           args, mapping);
    return success();
  }
  FailureOr<gpu::GPUFuncOp> reduce =
      kernel(key + " reduce", hint + "_splitk_reduce", [&](StringRef name) {
        return buildSplitKReduceKernel(kernelBuilder, loc, kernels, name, spec);
      });
  if (failed(reduce))
    return failure();
  Value scratch = workspaceView(
      b, loc, scratchOffsets.lookup(op),
      MemRefType::get({spec.batch * spec.splitK, spec.m, spec.n},
                      b.getF32Type()));
  SmallVector<Value> args = {operands[0], operands[1], scratch};
  launch(b, loc, *main, {grid.gridX, grid.gridY, grid.gridZ}, grid.blockX,
         args, mapping);
  SmallVector<Value> reduceArgs = {scratch};
  if (spec.bias)
    reduceArgs.push_back(operands[2]);
  if (residual)
    reduceArgs.push_back(residual);
  reduceArgs.push_back(c);
  launch(b, loc, *reduce, {grid.reduceGridX, 1, 1}, grid.reduceBlockX,
         reduceArgs);
  return success();
}

/// A printed form of everything that shapes a simple op's kernel: its name,
/// attributes (but not the model's annotations) and operand/result types.
std::string opKey(Operation *op) {
  std::string key;
  llvm::raw_string_ostream os(key);
  os << op->getName() << " ";
  for (NamedAttribute attr : op->getAttrs())
    if (!attr.getName().strref().starts_with("dnn."))
      os << attr.getName() << "=" << attr.getValue() << " ";
  for (Type t : op->getOperandTypes())
    os << t << " ";
  os << "-> ";
  for (Type t : op->getResultTypes())
    os << t << " ";
  return key;
}

LogicalResult FunctionLowering::lowerSparse(BalancedSparseOpInterface op,
                                            OpBuilder &b) {
  Location loc = op->getLoc();
  auto mapping = op->getAttrOfType<MappingAttr>(DNNDialect::kMappingAttrName);
  std::string error;
  FailureOr<SparseKernelSpec> spec = getSparseKernelSpec(op, mapping, error);
  if (failed(spec))
    return op->emitOpError("dnn-lower-to-gpu: ") << error;
  std::array<int64_t, 2> grid = getSparseGrid(*spec);
  // The promise: the kernel is the one the performance model priced.
  if (grid[0] * grid[1] != mapping.getCtas())
    return op->emitOpError("dnn-lower-to-gpu: #dnn.mapping says ")
           << mapping.getCtas() << " CTAs but the sparse kernel's grid is "
           << grid[0] << "x" << grid[1]
           << " (stale mapping? re-run dnn-assign-mapping)";
  const BalancedSparseShape &shape = spec->shape;
  Type element = spec->elementType;
  // A convolution's kernel takes x and y as they are (4-D).
  bool conv = spec->conv.has_value();
  Value x = buffer(op.getInput()), y = resultBuffer(b, op);
  if (!conv) {
    x = reshaped(b, loc, x, MemRefType::get({shape.m, shape.k}, element));
    y = reshaped(b, loc, y, MemRefType::get({shape.m, shape.n}, element));
  }
  SmallVector<Value> args = {x, buffer(op.getValues()),
                             buffer(op.getIndices())};
  if (op.getBias())
    args.push_back(buffer(op.getBias()));
  args.push_back(y);
  FailureOr<gpu::GPUFuncOp> fn = kernel(
      opKey(op), conv ? "sparse_conv2d" : "sparse_linear", [&](StringRef name) {
        return buildBalancedSparseKernel(kernelBuilder, loc, kernels, name,
                                         *spec);
      });
  if (failed(fn))
    return failure();
  launch(b, loc, *fn, {grid[0], grid[1], 1}, spec->plan.threads, args,
         mapping);
  return success();
}

LogicalResult FunctionLowering::lowerRecurrent(RecurrentOpInterface rec,
                                               OpBuilder &b) {
  Operation *op = rec.getOperation();
  Location loc = op->getLoc();
  MLIRContext *ctx = op->getContext();
  RecurrentKernelSpec spec = recurrentSpec(rec);
  auto mapping = op->getAttrOfType<MappingAttr>(DNNDialect::kMappingAttrName);
  using Slot = RecurrentSlot;
  auto types = spec.slotTypes(ctx);
  RecurrentSlots slots = recurrentOperands(op);
  for (Value &v : slots)
    if (v)
      v = buffer(v);
  auto set = [&](Slot slot, Value v) { slots[static_cast<size_t>(slot)] = v; };
  set(Slot::Y, resultBuffer(b, op, 0));
  set(Slot::Yh, resultBuffer(b, op, 1));
  if (spec.cell == RecurrentKernelSpec::Cell::LSTM)
    set(Slot::Yc, resultBuffer(b, op, 2));
  int64_t base = scratchOffsets.lookup(op);
  for (auto [slot, offset] : recurrentScratch(spec, ctx).first)
    set(slot, workspaceView(b, loc, base + offset,
                            cast<MemRefType>(types[static_cast<size_t>(slot)])));
  for (auto [i, type] : llvm::enumerate(types))
    if (type && !slots[i])
      return op->emitOpError("dnn-lower-to-gpu: internal error: recurrent "
                             "kernel argument ")
             << i << " has no buffer";

  // The kernels of this layer, keyed by everything that shapes them.
  std::string key;
  {
    llvm::raw_string_ostream os(key);
    os << opKey(op) << " level " << stringifyRNNFusionLevel(spec.level)
       << " w" << spec.warps << " u" << spec.units;
  }
  std::string hint =
      op->getName().stripDialect().str() + "_" +
      stringifyRNNFusionLevel(spec.level).str();
  auto args = [&](Value step) {
    SmallVector<Value> list;
    for (Value v : slots)
      if (v)
        list.push_back(v);
    list.push_back(step);
    return list;
  };
  Value zero = arith::ConstantIndexOp::create(b, loc, 0);
  int64_t d = spec.dirs, h = spec.hidden, gh = spec.gates * h;
  int64_t threads = spec.warps * 32;

  // The layer's kernel `what` (cached; the recurrent builders cannot fail).
  auto cached = [&](StringRef what, StringRef name,
                    function_ref<gpu::GPUFuncOp(StringRef)> build) {
    return *kernel(key + " " + what.str(), name,
                   [&](StringRef n) -> FailureOr<gpu::GPUFuncOp> {
                     return build(n);
                   });
  };

  gpu::GPUFuncOp init = cached("init", hint + "_init", [&](StringRef name) {
    return buildRecurrentInitKernel(kernelBuilder, loc, kernels, name, spec);
  });
  launch(b, loc, init, {simpleGrid(d * spec.batch * h), 1, 1},
         kSimpleThreads, args(zero));

  // The input projection of every step and direction: one batched GEMM,
  // Proj[d] = X (T*B x I) * W[d]^T.
  if (spec.level != RNNFusionLevel::Unfused) {
    auto inputMapping =
        op->getAttrOfType<MappingAttr>(DNNDialect::kInputMappingAttrName);
    GemmKernelSpec g;
    g.batch = d;
    g.m = spec.steps * spec.batch;
    g.n = gh;
    g.k = spec.input;
    g.broadcastA = d > 1;
    g.transposeB = true;
    g.elementType = spec.element;
    g.f32Output = true;
    g = withMapping(g, inputMapping);
    if (g.splitK != 1)
      return op->emitOpError("dnn-lower-to-gpu: the input projection's "
                             "#dnn.mapping splits K; dnn-fuse-rnn never "
                             "does (re-run it)");
    GemmLaunch grid = getGemmLaunch(g);
    if (grid.gridX * grid.gridY * grid.gridZ != inputMapping.getCtas())
      return op->emitOpError("dnn-lower-to-gpu: dnn.input_mapping says ")
             << inputMapping.getCtas() << " CTAs but its tiles give a grid of "
             << grid.gridX << "x" << grid.gridY << "x" << grid.gridZ
             << " (stale mapping? re-run dnn-fuse-rnn)";
    FailureOr<gpu::GPUFuncOp> gemm =
        kernel(specKey(g), hint + "_input_gemm", [&](StringRef name) {
          return buildGemmKernel(kernelBuilder, loc, kernels, name, g);
        });
    if (failed(gemm))
      return failure();
    Type e = spec.element;
    Value a = reshaped(b, loc, slots[static_cast<size_t>(Slot::X)],
                       MemRefType::get({g.m, g.k}, e));
    Value w = slots[static_cast<size_t>(Slot::W)];
    if (d == 1)
      w = reshaped(b, loc, w, MemRefType::get({gh, g.k}, e));
    Value c = slots[static_cast<size_t>(Slot::Proj)];
    if (d == 1)
      c = reshaped(b, loc, c, MemRefType::get({g.m, gh}, b.getF32Type()));
    launch(b, loc, *gemm, {grid.gridX, grid.gridY, grid.gridZ}, grid.blockX,
           {a, w, c}, inputMapping);
  }

  if (spec.level == RNNFusionLevel::Persistent) {
    gpu::GPUFuncOp fn = cached(
        "persistent", std::string(DNN_COOPERATIVE_KERNEL_PREFIX) + hint,
        [&](StringRef name) {
          return buildRecurrentPersistentKernel(kernelBuilder, loc, kernels,
                                                name, spec);
        });
    int64_t ctas = getRecurrentStepCtas(spec);
    if (ctas * d != mapping.getCtas())
      return op->emitOpError("dnn-lower-to-gpu: #dnn.mapping says ")
             << mapping.getCtas() << " CTAs but its units give "
             << ctas * d << " (stale mapping? re-run dnn-fuse-rnn)";
    launch(b, loc, fn, {ctas, d, 1}, threads, args(zero), mapping,
           spec.persistentSmemBytes());
    return success();
  }

  // One host loop over the steps; the launches inside go to the same
  // stream as the others, in order.
  struct StepKernel {
    gpu::GPUFuncOp fn;
    std::array<int64_t, 3> grid;
    int64_t block;
  };
  SmallVector<StepKernel> perStep;
  auto add = [&](StringRef what, std::array<int64_t, 3> grid, int64_t block,
                 function_ref<gpu::GPUFuncOp(StringRef)> build) {
    perStep.push_back({cached(what, hint + "_" + what.str(), build), grid,
                       block});
  };
  auto rows = [&](int64_t n) {
    return std::array<int64_t, 3>{llvm::divideCeilSigned(n, spec.warps), d, 1};
  };
  std::array<int64_t, 3> cells = {simpleGrid(d * spec.batch * h), 1, 1};
  bool reset = spec.resetBeforeLinear();
  auto gemv = [&](StringRef what, RecurrentGemv kind, int64_t n) {
    add(what, rows(n), threads, [&](StringRef name) {
      return buildRecurrentGemvKernel(kernelBuilder, loc, kernels, name, spec,
                                      kind);
    });
  };
  auto cell = [&](StringRef what, RecurrentPhase phase) {
    add(what, cells, kSimpleThreads, [&](StringRef name) {
      return buildRecurrentCellKernel(kernelBuilder, loc, kernels, name, spec,
                                      phase);
    });
  };
  auto step = [&](StringRef what, RecurrentPhase phase) {
    add(what, rows(h), threads, [&](StringRef name) {
      return buildRecurrentStepKernel(kernelBuilder, loc, kernels, name, spec,
                                      phase);
    });
  };
  if (spec.level == RNNFusionLevel::Unfused) {
    gemv("xw", RecurrentGemv::Input, gh);
    gemv("hr", RecurrentGemv::Recurrent, gh);
    if (reset) {
      cell("reset_cell", RecurrentPhase::ResetGate);
      gemv("rh", RecurrentGemv::Candidate, h);
      cell("cell", RecurrentPhase::Candidate);
    } else {
      cell("cell", RecurrentPhase::Full);
    }
  } else if (reset) {
    step("reset_step", RecurrentPhase::ResetGate);
    step("step", RecurrentPhase::Candidate);
  } else {
    step("step", RecurrentPhase::Full);
  }
  // The mapping describes the kernel that multiplies by R every step.
  const StepKernel &priced = spec.level == RNNFusionLevel::Unfused
                                 ? perStep[1]
                                 : perStep.back();
  if (priced.grid[0] * priced.grid[1] != mapping.getCtas() ||
      priced.block != mapping.getThreads())
    return op->emitOpError("dnn-lower-to-gpu: #dnn.mapping says ")
           << mapping.getCtas() << " CTAs of " << mapping.getThreads()
           << " threads but the step kernel is " << priced.grid[0] << "x"
           << priced.grid[1] << " x " << priced.block
           << " (stale mapping? re-run dnn-fuse-rnn)";
  Value one = arith::ConstantIndexOp::create(b, loc, 1);
  Value steps = arith::ConstantIndexOp::create(b, loc, spec.steps);
  auto loop = scf::ForOp::create(b, loc, zero, steps, one);
  {
    OpBuilder::InsertionGuard guard(b);
    b.setInsertionPointToStart(loop.getBody());
    Value outer = token;
    size_t first = launches.size();
    for (const StepKernel &k : perStep)
      launch(b, loc, k.fn, k.grid, k.block, args(loop.getInductionVar()),
             &k == &priced ? Attribute(mapping) : Attribute());
    // Same stream: later launches may depend on the loop's entry token.
    token = outer;
    // The manifest lists every launch of a forward pass.
    SmallVector<Launch> body(launches.begin() + first, launches.end());
    for (int64_t s = 1; s < spec.steps; ++s)
      launches.append(body.begin(), body.end());
  }
  return success();
}

LogicalResult FunctionLowering::lowerOp(Operation *op, OpBuilder &b) {
  Location loc = op->getLoc();
  if (isConstant(op))
    return success(); // bound to its argument already
  if (isAlias(op)) {
    buffers[op->getResult(0)] = reshaped(b, loc, buffer(op->getOperand(0)),
                                         memrefOf(op->getResult(0).getType()));
    return success();
  }
  if (isa<GemmOpInterface>(op))
    return lowerGemm(op, b);
  if (auto sparse = dyn_cast<BalancedSparseOpInterface>(op))
    return lowerSparse(sparse, b);
  if (auto rec = dyn_cast<RecurrentOpInterface>(op))
    return lowerRecurrent(rec, b);
  if (auto fused = dyn_cast<FusedOp>(op))
    return lowerGemm(fused.getAnchor(), b, fused);

  Type f32 = b.getF32Type();
  auto constant = [&](OpBuilder &kb, double v) -> Value {
    return arith::ConstantOp::create(kb, loc, kb.getFloatAttr(f32, v));
  };
  SmallVector<Value> inputs;
  for (Value operand : op->getOperands())
    inputs.push_back(buffer(operand));
  Value out = resultBuffer(b, op);
  MemRefType outType = cast<MemRefType>(out.getType());
  SmallVector<MemRefType> inputTypes;
  for (Value v : inputs)
    inputTypes.push_back(cast<MemRefType>(v.getType()));
  std::string hint = op->getName().stripDialect().str();

  auto elementwise = [&](ElementBody body) -> LogicalResult {
    FailureOr<gpu::GPUFuncOp> fn =
        kernel(opKey(op), hint, [&](StringRef name) -> FailureOr<gpu::GPUFuncOp> {
          return buildElementwiseKernel(kernelBuilder, loc, kernels, name,
                                        inputTypes, outType, body);
        });
    if (failed(fn))
      return failure();
    SmallVector<Value> args(inputs);
    args.push_back(out);
    launch(b, loc, *fn, {simpleGrid(outType.getNumElements()), 1, 1},
           kSimpleThreads, args);
    return success();
  };
  OpBuilder &kb = kernelBuilder;

  if (auto act = dyn_cast<ActivationOp>(op))
    return elementwise([&](IndexBuilder &, ValueRange in, ArrayRef<Value> at) {
      Value x = loadF32(kb, loc, in[0], at);
      return buildActivation(kb, loc, act.getKind(), x);
    });
  if (isa<AddOp, MulOp>(op)) {
    bool add = isa<AddOp>(op);
    return elementwise([&](IndexBuilder &ix, ValueRange in, ArrayRef<Value> at) {
      Value x = loadF32(
          kb, loc, in[0], broadcastIndex(ix, inputTypes[0], at));
      Value y = loadF32(
          kb, loc, in[1], broadcastIndex(ix, inputTypes[1], at));
      return add ? arith::AddFOp::create(kb, loc, x, y).getResult()
                 : arith::MulFOp::create(kb, loc, x, y).getResult();
    });
  }
  if (auto bn = dyn_cast<BatchNormOp>(op)) {
    double eps = bn.getEpsilon().convertToDouble();
    return elementwise([&](IndexBuilder &, ValueRange in, ArrayRef<Value> at) {
      Value c = at[1];
      auto stat = [&](int i) -> Value {
        return loadF32(kb, loc, in[i], ValueRange{c});
      };
      // a = scale / sqrt(var + eps), b = offset - mean * a, x * a + b (the
      // reference's order of operations). One op per statement, so the op
      // order is not the host compiler's choice.
      Value epsilon = constant(kb, eps);
      Value var = stat(4);
      Value stddev = math::SqrtOp::create(
          kb, loc, arith::AddFOp::create(kb, loc, var, epsilon));
      Value a = arith::DivFOp::create(kb, loc, stat(1), stddev);
      Value meanA = arith::MulFOp::create(kb, loc, stat(3), a);
      Value bb = arith::SubFOp::create(kb, loc, stat(2), meanA);
      Value x = loadF32(kb, loc, in[0], at);
      return arith::AddFOp::create(kb, loc,
                                   arith::MulFOp::create(kb, loc, x, a), bb)
          .getResult();
    });
  }
  if (auto tr = dyn_cast<TransposeOp>(op)) {
    ArrayRef<int64_t> perm = tr.getPermutation();
    return elementwise([&](IndexBuilder &, ValueRange in, ArrayRef<Value> at) {
      SmallVector<Value> src(at.size());
      for (auto [i, p] : llvm::enumerate(perm))
        src[p] = at[i];
      return loadF32(kb, loc, in[0], src);
    });
  }
  if (auto concat = dyn_cast<ConcatOp>(op)) {
    int64_t axis = concat.getAxis();
    if (axis < 0)
      axis += outType.getRank();
    return elementwise([&](IndexBuilder &ix, ValueRange in, ArrayRef<Value> at) {
      // Piece i covers [begin_i, begin_i + size_i) along the axis; every
      // piece is read at a clamped index and the right one selected.
      Value result;
      int64_t begin = 0;
      for (auto [i, piece] : llvm::enumerate(in)) {
        int64_t size = inputTypes[i].getDimSize(axis);
        SmallVector<Value> src(at);
        Value local = arith::SubIOp::create(kb, loc, at[axis], ix.c(begin));
        src[axis] = ix.clamp(local, size);
        Value v = loadF32(kb, loc, piece, src);
        if (!result) {
          result = v;
        } else {
          Value here = arith::CmpIOp::create(kb, loc, arith::CmpIPredicate::sge,
                                             at[axis], ix.c(begin));
          result = arith::SelectOp::create(kb, loc, here, v, result);
        }
        begin += size;
      }
      return result;
    });
  }
  if (isa<MaxPool2DOp, AvgPool2DOp>(op)) {
    auto maxPool = dyn_cast<MaxPool2DOp>(op);
    auto avgPool = dyn_cast<AvgPool2DOp>(op);
    ArrayRef<int64_t> kernelSize =
        maxPool ? maxPool.getKernelSize() : avgPool.getKernelSize();
    ArrayRef<int64_t> strides = maxPool ? maxPool.getStrides() : avgPool.getStrides();
    ArrayRef<int64_t> pad = maxPool ? maxPool.getPadding() : avgPool.getPadding();
    ArrayRef<int64_t> dilation =
        maxPool ? maxPool.getDilation() : avgPool.getDilation();
    bool includePad = avgPool && avgPool.getCountIncludePad();
    ArrayRef<int64_t> inShape = inputTypes[0].getShape();
    return elementwise([&](IndexBuilder &ix, ValueRange in, ArrayRef<Value> at) {
      Value acc = constant(kb, maxPool ? -INFINITY : 0.0);
      Value count = constant(kb, 0.0);
      Value one = constant(kb, 1.0), zero = constant(kb, 0.0);
      for (int64_t r = 0; r < kernelSize[0]; ++r)
        for (int64_t q = 0; q < kernelSize[1]; ++q) {
          // Padded coordinates of this window position, then real ones.
          Value ph = ix.add(ix.mul(at[2], strides[0]), r * dilation[0]);
          Value pw = ix.add(ix.mul(at[3], strides[1]), q * dilation[1]);
          Value ih = ix.sub(ph, pad[0]), iw = ix.sub(pw, pad[1]);
          Value wIn = ix.within(iw, inShape[3]);
          Value hIn = ix.within(ih, inShape[2]);
          Value inside = ix.both(hIn, wIn);
          Value v = loadF32(
              kb, loc, in[0],
              ValueRange{at[0], at[1], ix.clamp(ih, inShape[2]),
                         ix.clamp(iw, inShape[3])});
          if (maxPool) {
            v = arith::SelectOp::create(kb, loc, inside, v, acc);
            acc = arith::MaximumFOp::create(kb, loc, acc, v);
            continue;
          }
          acc = arith::AddFOp::create(
              kb, loc, acc, arith::SelectOp::create(kb, loc, inside, v, zero));
          Value counted = inside;
          if (includePad) {
            Value wIn = ix.lt(pw, inShape[3] + pad[1] + pad[3]);
            Value hIn = ix.lt(ph, inShape[2] + pad[0] + pad[2]);
            counted = ix.both(hIn, wIn);
          }
          count = arith::AddFOp::create(
              kb, loc, count,
              arith::SelectOp::create(kb, loc, counted, one, zero));
        }
      if (maxPool)
        return acc;
      return arith::DivFOp::create(kb, loc, acc, count).getResult();
    });
  }
  if (isa<GlobalAvgPoolOp>(op)) {
    // Any rank >= 3: the mean over every dimension after N and C.
    ArrayRef<int64_t> spatial = inputTypes[0].getShape().drop_front(2);
    int64_t count = 1;
    for (int64_t d : spatial)
      count *= d;
    return elementwise([&](IndexBuilder &ix, ValueRange in, ArrayRef<Value> at) {
      // One op per statement, so the op order is not the host compiler's.
      Value init = constant(kb, 0.0);
      Value c1 = ix.c(1), end = ix.c(count), c0 = ix.c(0);
      auto loop = scf::ForOp::create(kb, loc, c0, end, c1, ValueRange{init});
      {
        OpBuilder::InsertionGuard g(kb);
        kb.setInsertionPointToStart(loop.getBody());
        // Delinearise the spatial position, last dimension fastest.
        SmallVector<Value> index(spatial.size() + 2);
        index[0] = at[0];
        index[1] = at[1];
        Value rest = loop.getInductionVar();
        for (size_t d = spatial.size(); d-- > 0;) {
          index[d + 2] = d == 0 ? rest : ix.rem(rest, spatial[d]);
          if (d > 0)
            rest = ix.div(rest, spatial[d]);
        }
        Value v = loadF32(kb, loc, in[0], index);
        scf::YieldOp::create(
            kb, loc,
            ValueRange{arith::AddFOp::create(kb, loc,
                                             loop.getRegionIterArgs()[0], v)
                           .getResult()});
      }
      return arith::DivFOp::create(kb, loc, loop.getResult(0),
                                   constant(kb, static_cast<double>(count)))
          .getResult();
    });
  }
  if (auto softmax = dyn_cast<SoftmaxOp>(op)) {
    int64_t axis = softmax.getAxis();
    if (axis < 0)
      axis += outType.getRank();
    ArrayRef<int64_t> shape = outType.getShape();
    int64_t outer = 1, inner = 1;
    for (int64_t d = 0; d < axis; ++d)
      outer *= shape[d];
    for (int64_t d = axis + 1; d < outType.getRank(); ++d)
      inner *= shape[d];
    auto rows =
        MemRefType::get({outer, shape[axis], inner}, outType.getElementType());
    FailureOr<gpu::GPUFuncOp> fn = kernel(
        opKey(op), hint, [&](StringRef name) -> FailureOr<gpu::GPUFuncOp> {
          return buildSoftmaxKernel(kernelBuilder, loc, kernels, name, rows);
        });
    if (failed(fn))
      return failure();
    launch(b, loc, *fn, {simpleGrid(outer * inner), 1, 1}, kSimpleThreads,
           {reshaped(b, loc, inputs[0], rows), reshaped(b, loc, out, rows)});
    return success();
  }
  return op->emitOpError("dnn-lower-to-gpu: no GPU kernel for this op yet");
}

LogicalResult FunctionLowering::run() {
  if (failed(check()))
    return failure();
  planMemory();
  Block &body = func.getBody().front();
  MLIRContext *ctx = func.getContext();

  // Signature: inputs, weights (one per distinct constant), outputs,
  // workspace.
  SmallVector<Type> types;
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes())) {
    types.push_back(memrefOf(type));
    args.push_back({"input", "arg" + std::to_string(i), memrefOf(type)});
  }
  SmallVector<Operation *> constants;
  llvm::StringSet<> names;
  for (Operation &op : body) {
    ElementsAttr value;
    if (!isConstant(&op) || !matchPattern(&op, m_Constant(&value)))
      continue;
    constants.push_back(&op);
    weightValues.push_back(value);
    weightLocs.push_back(op.getLoc());
    std::string wanted = "w" + std::to_string(constants.size() - 1);
    if (auto resource = dyn_cast<DenseResourceElementsAttr>(value))
      wanted = resource.getRawHandle().getKey().str();
    types.push_back(memrefOf(op.getResult(0).getType()));
    args.push_back({"weight", uniqueName(wanted, names),
                    memrefOf(op.getResult(0).getType())});
  }
  for (auto [i, type] : llvm::enumerate(func.getResultTypes())) {
    types.push_back(memrefOf(type));
    args.push_back({"output", "result" + std::to_string(i), memrefOf(type)});
  }
  auto wsType = MemRefType::get({workspaceBytes}, IntegerType::get(ctx, 8));
  types.push_back(wsType);
  args.push_back({"workspace", "workspace", wsType});

  OpBuilder b(func);
  lowered = func::FuncOp::create(b, func.getLoc(), func.getName(),
                                 FunctionType::get(ctx, types, {}));
  lowered.setVisibility(func.getVisibility());
  Block *entry = lowered.addEntryBlock();
  b.setInsertionPointToStart(entry);
  unsigned numInputs = func.getNumArguments();
  for (unsigned i = 0; i < numInputs; ++i)
    buffers[func.getArgument(i)] = entry->getArgument(i);
  for (auto [i, op] : llvm::enumerate(constants))
    buffers[op->getResult(0)] = entry->getArgument(numInputs + i);
  workspace = entry->getArguments().back();

  token = gpu::WaitOp::create(b, func.getLoc(),
                              gpu::AsyncTokenType::get(ctx), ValueRange{})
              .getAsyncToken();
  for (Operation &op : body) {
    if (isa<func::ReturnOp>(op))
      continue;
    if (failed(lowerOp(&op, b)) || launchFailed)
      return failure();
  }
  // Outputs not written in place: copies.
  auto ret = cast<func::ReturnOp>(body.getTerminator());
  unsigned firstOutput = numInputs + constants.size();
  for (auto [i, operand] : llvm::enumerate(ret.getOperands())) {
    Value r = root.lookup(operand);
    auto bound = boundOutputs.find(r);
    if (r && bound != boundOutputs.end() && bound->second == i)
      continue;
    Value dst = entry->getArgument(firstOutput + i);
    auto type = cast<MemRefType>(dst.getType());
    auto flat = MemRefType::get({type.getNumElements()}, type.getElementType());
    Location loc = ret.getLoc();
    FailureOr<gpu::GPUFuncOp> fn = kernel(
        "copy " + std::to_string(type.getNumElements()), "copy",
        [&](StringRef name) -> FailureOr<gpu::GPUFuncOp> {
          return buildElementwiseKernel(
              kernelBuilder, loc, kernels, name, {flat}, flat,
              [&](IndexBuilder &, ValueRange in, ArrayRef<Value> at) {
                return loadF32(kernelBuilder, loc, in[0], at);
              });
        });
    if (failed(fn))
      return failure();
    launch(b, loc, *fn, {simpleGrid(flat.getNumElements()), 1, 1},
           kSimpleThreads,
           {reshaped(b, loc, buffer(operand), flat), reshaped(b, loc, dst, flat)});
  }
  gpu::WaitOp::create(b, func.getLoc(), Type(), ValueRange{token});
  func::ReturnOp::create(b, func.getLoc());
  return success();
}

/// The model ABI (dnn/Runtime/ModelABI.h): the manifest as a NUL-terminated
/// global and `void dnn_model_run(void **args)` calling `entry`.
void emitModelABI(ModuleOp module, func::FuncOp entry, StringRef manifest) {
  MLIRContext *ctx = module.getContext();
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  Location loc = entry.getLoc();
  std::string text = manifest.str();
  text.push_back('\0');
  auto arrayType =
      LLVM::LLVMArrayType::get(IntegerType::get(ctx, 8), text.size());
  LLVM::GlobalOp::create(b, loc, arrayType, /*isConstant=*/true,
                         LLVM::Linkage::External, DNN_MODEL_MANIFEST_SYMBOL,
                         b.getStringAttr(text));

  auto ptr = LLVM::LLVMPointerType::get(ctx);
  auto run = func::FuncOp::create(b, loc, DNN_MODEL_RUN_SYMBOL,
                                  FunctionType::get(ctx, {ptr}, {}));
  Block *body = run.addEntryBlock();
  b.setInsertionPointToStart(body);
  Type i64 = b.getI64Type();
  auto constant = [&](int64_t v) -> Value {
    return LLVM::ConstantOp::create(b, loc, i64, b.getI64IntegerAttr(v));
  };
  SmallVector<Value> operands;
  for (auto [i, type] : llvm::enumerate(entry.getArgumentTypes())) {
    auto memref = cast<MemRefType>(type);
    Value slot = LLVM::GEPOp::create(b, loc, ptr, ptr, body->getArgument(0),
                                     ArrayRef<LLVM::GEPArg>{
                                         static_cast<int32_t>(i)});
    Value p = LLVM::LoadOp::create(b, loc, ptr, slot);
    // A memref descriptor {allocated, aligned, offset, sizes, strides} of
    // the static, row-major buffer at p.
    int64_t rank = memref.getRank();
    SmallVector<Type> fields = {ptr, ptr, i64};
    if (rank > 0) {
      fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
      fields.push_back(LLVM::LLVMArrayType::get(i64, rank));
    }
    auto descType = LLVM::LLVMStructType::getLiteral(ctx, fields);
    Value desc = LLVM::PoisonOp::create(b, loc, descType);
    desc = LLVM::InsertValueOp::create(b, loc, desc, p, ArrayRef<int64_t>{0});
    desc = LLVM::InsertValueOp::create(b, loc, desc, p, ArrayRef<int64_t>{1});
    desc = LLVM::InsertValueOp::create(b, loc, desc, constant(0),
                                       ArrayRef<int64_t>{2});
    int64_t stride = 1;
    for (int64_t d = rank - 1; d >= 0; --d) {
      desc = LLVM::InsertValueOp::create(b, loc, desc,
                                         constant(memref.getDimSize(d)),
                                         ArrayRef<int64_t>{3, d});
      desc = LLVM::InsertValueOp::create(b, loc, desc, constant(stride),
                                         ArrayRef<int64_t>{4, d});
      stride *= memref.getDimSize(d);
    }
    operands.push_back(
        UnrealizedConversionCastOp::create(b, loc, TypeRange{memref}, desc)
            .getResult(0));
  }
  func::CallOp::create(b, loc, entry, operands);
  func::ReturnOp::create(b, loc);
}

struct ConvertDNNToGPUPass
    : public dnn::impl::ConvertDNNToGPUBase<ConvertDNNToGPUPass> {
  using ConvertDNNToGPUBase::ConvertDNNToGPUBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    if (format != "isa" && format != "bin") {
      module.emitError() << "dnn-lower-to-gpu: format must be isa or bin, got '"
                         << format << "'";
      return signalPassFailure();
    }
    SmallVector<func::FuncOp> funcs;
    for (auto func : module.getOps<func::FuncOp>()) {
      if (func.isExternal())
        continue;
      bool hasDNN = false;
      func.walk([&](Operation *op) {
        hasDNN |= op->getDialect() == ctx->getLoadedDialect<DNNDialect>();
      });
      if (hasDNN)
        funcs.push_back(func);
    }
    if (funcs.empty())
      return;
    func::FuncOp entry;
    if (abi) {
      for (func::FuncOp func : funcs)
        if (entryName.empty() ? func.isPublic()
                              : func.getName() == entryName) {
          if (entry) {
            module.emitError("dnn-lower-to-gpu: several public functions; "
                             "choose the model's entry with entry=NAME");
            return signalPassFailure();
          }
          entry = func;
        }
      if (!entry) {
        module.emitError("dnn-lower-to-gpu: no function ")
            << (entryName.empty() ? std::string("public")
                                  : "'" + entryName + "'")
            << " with dnn ops to give the model ABI";
        return signalPassFailure();
      }
      if (module.lookupSymbol(DNN_MODEL_RUN_SYMBOL) ||
          module.lookupSymbol(DNN_MODEL_MANIFEST_SYMBOL)) {
        module.emitError("dnn-lower-to-gpu: the module already defines ")
            << DNN_MODEL_RUN_SYMBOL << " or " << DNN_MODEL_MANIFEST_SYMBOL;
        return signalPassFailure();
      }
    }

    OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    b.getUnitAttr());
    auto kernels = module.lookupSymbol<gpu::GPUModuleOp>("dnn_kernels");
    if (!kernels)
      kernels = gpu::GPUModuleOp::create(b, module.getLoc(), "dnn_kernels");
    llvm::StringMap<gpu::GPUFuncOp> cache;

    for (func::FuncOp func : funcs) {
      FunctionLowering lowering(func, kernels, cache);
      if (failed(lowering.run())) {
        if (lowering.lowered)
          lowering.lowered.erase();
        return signalPassFailure();
      }
      bool isEntry = func == entry;
      func.erase();
      if (!isEntry)
        continue;
      if (failed(writeABI(module, lowering)))
        return signalPassFailure();
    }
  }

  LogicalResult writeABI(ModuleOp module, FunctionLowering &lowering) {
    std::string manifest;
    llvm::raw_string_ostream os(manifest);
    auto target = module->getAttrOfType<GPUTargetAttr>(
        DNNDialect::kTargetAttrName);
    os << "dnn-model " << DNN_MODEL_ABI_VERSION << "\n";
    os << "entry " << lowering.lowered.getName() << "\n";
    os << "target " << (target ? target.getName() : StringRef("none")) << " "
       << (target ? target.getArch() : StringRef("none")) << " " << format
       << "\n";
    int64_t offset = 0;
    unsigned weight = 0;
    SmallVector<std::pair<int64_t, unsigned>> placed;
    for (ArgInfo &arg : lowering.args)
      if (arg.kind == "weight") {
        arg.offset = offset;
        placed.push_back({offset, weight++});
        offset = llvm::alignTo(offset + bytesOf(arg.type), kAlign);
      }
    os << "weights " << offset << "\n";
    for (auto [i, arg] : llvm::enumerate(lowering.args)) {
      os << "arg " << i << " " << arg.kind << " " << arg.name << " "
         << dtypeName(arg.type.getElementType()) << " ";
      if (arg.kind == "workspace")
        os << lowering.workspaceBytes;
      else
        os << shapeText(arg.type.getShape());
      if (arg.kind == "weight")
        os << " " << arg.offset;
      os << "\n";
    }
    for (const Launch &l : lowering.launches)
      os << "kernel " << l.kernel << " " << l.grid[0] << " " << l.grid[1]
         << " " << l.grid[2] << " " << l.block << " " << l.smem << "\n";
    emitModelABI(module, lowering.lowered, manifest);

    if (weightsFile.empty())
      return success();
    std::error_code error;
    llvm::raw_fd_ostream file(weightsFile, error, llvm::sys::fs::OF_None);
    if (error)
      return module.emitError("dnn-lower-to-gpu: cannot write '")
             << weightsFile << "': " << error.message();
    int64_t written = 0;
    for (auto [at, index] : placed) {
      ElementsAttr value = lowering.weightValues[index];
      std::string why;
      FailureOr<std::vector<char>> data = readConstantBytes(value, &why);
      if (failed(data))
        return emitError(lowering.weightLocs[index])
               << "dnn-lower-to-gpu: cannot write this " << value.getType()
               << " weight to '" << weightsFile << "': " << why;
      file.write_zeros(at - written);
      file.write(data->data(), data->size());
      written = at + static_cast<int64_t>(data->size());
    }
    file.write_zeros(offset - written);
    file.close();
    if (file.has_error())
      return module.emitError("dnn-lower-to-gpu: writing '")
             << weightsFile << "' failed";
    return success();
  }
};

} // namespace
