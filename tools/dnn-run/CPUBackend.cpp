//===- CPUBackend.cpp - dnn-run on the host CPU ---------------------------===//
//
// Lowers the module with dnn-cpu-pipeline, JIT-compiles it for the host with
// MLIR's ExecutionEngine (LLVM -O3, host CPU features) and calls the C
// interface wrapper `_mlir_ciface_<entry>` of the entry function.
//
// Calling convention after the pipeline: `entry(inputs) -> outputs` becomes
// `_mlir_ciface_entry(in_0*, ..., out_0*, ...)` where every parameter points
// to a memref descriptor {T *allocated, T *aligned, int64_t offset,
// int64_t sizes[rank], int64_t strides[rank]}. The descriptors are built as
// arrays of 8-byte words, which works for any rank.
//
//===----------------------------------------------------------------------===//

#include "Backend.h"

#include "dnn/Pipelines/Pipelines.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/ExecutionEngine/CRunnerUtils.h"
#include "mlir/ExecutionEngine/ExecutionEngine.h"
#include "mlir/ExecutionEngine/OptUtils.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/Pass/Pass.h"
#include "mlir/Pass/PassInstrumentation.h"
#include "mlir/Pass/PassManager.h"

#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Target/TargetMachine.h"

#include <chrono>

using namespace mlir;
using namespace dnn_run;

Executable::~Executable() = default;
Backend::~Backend() = default;

static llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

/// Number of 8-byte words of the descriptor of a rank-`rank` memref.
static size_t descriptorWords(size_t rank) { return 3 + 2 * rank; }

namespace {

//===----------------------------------------------------------------------===//
// CPUExecutable
//===----------------------------------------------------------------------===//

class CPUExecutable : public Executable {
public:
  CPUExecutable(std::unique_ptr<ExecutionEngine> engine,
                void (*function)(void **), const EntrySignature &entry)
      : engine(std::move(engine)), function(function), entry(entry) {}

  llvm::Expected<llvm::SmallVector<double>>
  run(llvm::ArrayRef<HostTensor *> inputs, llvm::ArrayRef<HostTensor *> outputs,
      const RunOptions &options) override;

private:
  std::unique_ptr<ExecutionEngine> engine;
  void (*function)(void **);
  EntrySignature entry;
};

} // namespace

llvm::Expected<llvm::SmallVector<double>>
CPUExecutable::run(llvm::ArrayRef<HostTensor *> inputs,
                   llvm::ArrayRef<HostTensor *> outputs,
                   const RunOptions &options) {
  if (inputs.size() != entry.inputs.size() ||
      outputs.size() != entry.outputs.size())
    return makeError("wrong number of buffers for @" + entry.name);

  // One descriptor per buffer, inputs then outputs; the packed wrapper takes
  // a pointer to each argument, and each argument is a descriptor pointer.
  llvm::SmallVector<HostTensor *> buffers(inputs);
  llvm::append_range(buffers, outputs);
  std::vector<std::vector<int64_t>> descriptors;
  descriptors.reserve(buffers.size());
  for (HostTensor *buffer : buffers) {
    llvm::ArrayRef<int64_t> shape = buffer->getSpec().shape;
    std::vector<int64_t> words(descriptorWords(shape.size()));
    auto pointer = static_cast<int64_t>(
        reinterpret_cast<intptr_t>(buffer->getData()));
    words[0] = pointer; // allocated
    words[1] = pointer; // aligned
    words[2] = 0;       // offset
    int64_t stride = 1;
    for (size_t d = shape.size(); d-- > 0;) {
      words[3 + d] = shape[d];
      words[3 + shape.size() + d] = stride;
      stride *= shape[d];
    }
    descriptors.push_back(std::move(words));
  }
  llvm::SmallVector<void *> descriptorPointers;
  for (std::vector<int64_t> &words : descriptors)
    descriptorPointers.push_back(words.data());
  llvm::SmallVector<void *> packedArgs;
  for (void *&pointer : descriptorPointers)
    packedArgs.push_back(&pointer);

  for (unsigned i = 0; i < options.warmup; ++i)
    function(packedArgs.data());
  llvm::SmallVector<double> times;
  for (unsigned i = 0; i < options.repeat; ++i) {
    auto start = std::chrono::steady_clock::now();
    function(packedArgs.data());
    auto stop = std::chrono::steady_clock::now();
    times.push_back(
        std::chrono::duration<double, std::milli>(stop - start).count());
  }
  return times;
}

//===----------------------------------------------------------------------===//
// CPUBackend
//===----------------------------------------------------------------------===//

namespace {

class CPUBackend : public Backend {
public:
  llvm::StringRef getName() const override { return "cpu"; }

  llvm::Expected<std::unique_ptr<Executable>>
  compile(ModuleOp module, const EntrySignature &entry) override;
};

/// Works around a crash of buffer-results-to-out-params (MLIR 22) with
/// hoist-static-allocs: a function that returns the same memref.alloc twice
/// (`return %r, %r`, also after folds such as a tensor.cast to the same
/// type) makes it erase the alloc on the first result and then read it for
/// the second. Before the pass runs, every repeated result that is an alloc
/// becomes a copy into an alloc of its own.
class DuplicateResultsWorkaround : public PassInstrumentation {
public:
  void runBeforePass(Pass *pass, Operation *op) override {
    if (pass->getArgument() != "buffer-results-to-out-params")
      return;
    op->walk([](func::ReturnOp ret) {
      llvm::SmallPtrSet<Value, 4> seen;
      for (OpOperand &operand : ret->getOpOperands()) {
        Value value = operand.get();
        if (!value.getDefiningOp<memref::AllocOp>() ||
            seen.insert(value).second)
          continue;
        OpBuilder builder(ret);
        auto copy = memref::AllocOp::create(
            builder, ret.getLoc(), cast<MemRefType>(value.getType()));
        memref::CopyOp::create(builder, ret.getLoc(), value, copy);
        operand.set(copy);
      }
    });
  }
};

} // namespace

/// Reports the first op that the pipeline left outside the LLVM dialect
/// (which the translation to LLVM IR would reject less helpfully). Casts
/// between type systems are only named when nothing else is left.
static LogicalResult checkFullyLowered(ModuleOp module) {
  Operation *first = nullptr, *firstCast = nullptr;
  unsigned count = 0;
  module.walk<WalkOrder::PreOrder>([&](Operation *op) {
    if (op == module.getOperation() || isa<LLVM::LLVMDialect>(op->getDialect()))
      return;
    ++count;
    Operation *&slot = isa<UnrealizedConversionCastOp>(op) ? firstCast : first;
    if (!slot)
      slot = op;
  });
  if (!count)
    return success();
  Operation *op = first ? first : firstCast;
  InFlightDiagnostic diag = op->emitError()
                            << "'" << op->getName()
                            << "' was not lowered to the LLVM dialect: "
                               "dnn-cpu-pipeline has no lowering for it";
  if (count > 1)
    diag << " (" << count - 1 << " more op" << (count > 2 ? "s" : "")
         << " left unlowered)";
  return failure();
}

/// Checks that the lowered entry takes one memref per input and output.
static LogicalResult checkLoweredEntry(ModuleOp module,
                                       const EntrySignature &entry) {
  std::string wrapperName = "_mlir_ciface_" + entry.name;
  auto wrapper = module.lookupSymbol<LLVM::LLVMFuncOp>(wrapperName);
  auto lowered = module.lookupSymbol<LLVM::LLVMFuncOp>(entry.name);
  if (!wrapper || !lowered)
    return module.emitError()
           << "the CPU pipeline did not produce @" << entry.name << " and its "
           << "C interface wrapper @" << wrapperName;

  size_t expectedParams = entry.inputs.size() + entry.outputs.size();
  size_t expectedWords = 0;
  for (const TensorSpec &spec : entry.inputs)
    expectedWords += descriptorWords(spec.shape.size());
  for (const TensorSpec &spec : entry.outputs)
    expectedWords += descriptorWords(spec.shape.size());

  LLVM::LLVMFunctionType wrapperType = wrapper.getFunctionType();
  bool allPointers = llvm::all_of(wrapperType.getParams(), [](Type t) {
    return isa<LLVM::LLVMPointerType>(t);
  });
  if (wrapperType.getNumParams() != expectedParams || !allPointers ||
      !isa<LLVM::LLVMVoidType>(wrapperType.getReturnType()) ||
      lowered.getFunctionType().getNumParams() != expectedWords ||
      !isa<LLVM::LLVMVoidType>(lowered.getFunctionType().getReturnType()))
    return lowered.emitError()
           << "after lowering, @" << entry.name << " has type "
           << lowered.getFunctionType() << "; dnn-run expected "
           << entry.inputs.size() << " input and " << entry.outputs.size()
           << " output memref parameters (" << expectedWords
           << " descriptor fields) and no results";
  return success();
}

static llvm::Expected<std::unique_ptr<llvm::TargetMachine>>
createHostTargetMachine() {
  auto builder = llvm::orc::JITTargetMachineBuilder::detectHost();
  if (!builder)
    return builder.takeError();
  builder->setCodeGenOptLevel(llvm::CodeGenOptLevel::Aggressive);
  return builder->createTargetMachine();
}

llvm::Expected<std::unique_ptr<Executable>>
CPUBackend::compile(ModuleOp module, const EntrySignature &entry) {
  // MLIR: dnn (or linalg on tensors) -> LLVM dialect.
  PassManager pm(module.getContext());
  if (failed(applyPassManagerCLOptions(pm)))
    return makeError("bad pass manager options");
  pm.addInstrumentation(std::make_unique<DuplicateResultsWorkaround>());
  dnn::buildCPUPipeline(pm, dnn::CPUPipelineOptions());
  if (failed(pm.run(module)))
    return makeError("lowering for the CPU (dnn-cpu-pipeline) failed");
  if (failed(checkFullyLowered(module)))
    return makeError("lowering for the CPU (dnn-cpu-pipeline) is incomplete");
  if (failed(checkLoweredEntry(module, entry)))
    return makeError("unexpected calling convention after lowering");

  // LLVM: -O3 for the host CPU. The optimizing transformer and the JIT's
  // code generator each get their own target machine.
  auto optTM = createHostTargetMachine();
  if (!optTM)
    return optTM.takeError();
  auto codegenTM = createHostTargetMachine();
  if (!codegenTM)
    return codegenTM.takeError();
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer =
      makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0, optTM->get());
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  auto engine =
      ExecutionEngine::create(module, engineOptions, std::move(*codegenTM));
  if (!engine)
    return engine.takeError();

  // Runtime functions the lowered code may call besides libc and libm:
  // memrefCopy (memref.copy of non-contiguous buffers). Its library also
  // brings in the f16/bf16 conversion builtins of mlir_float16_utils.
  (*engine)->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    symbols[interner("memrefCopy")] = {
        llvm::orc::ExecutorAddr::fromPtr(&memrefCopy),
        llvm::JITSymbolFlags::Exported};
    return symbols;
  });

  // Compile now, so that run() times the function alone.
  (*engine)->initialize();
  auto function = (*engine)->lookupPacked("_mlir_ciface_" + entry.name);
  if (!function)
    return function.takeError();
  return std::make_unique<CPUExecutable>(std::move(*engine), *function, entry);
}

std::unique_ptr<Backend> dnn_run::createCPUBackend() {
  return std::make_unique<CPUBackend>();
}
