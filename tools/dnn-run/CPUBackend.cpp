//===- CPUBackend.cpp - dnn-run on the host CPU ---------------------------===//
//
// Lowers the module with dnn-cpu-pipeline, JIT-compiles it for the host with
// MLIR's ExecutionEngine (LLVM -O3, host CPU features) and calls the entry
// function through its packed wrapper `_mlir_<entry>`.
//
// Calling convention after the pipeline: `entry(inputs) -> outputs` becomes
// `entry(in_0, ..., weight_0, ..., out_0, ...)` with one bare, `noalias`
// pointer to the row-major data per buffer (statically shaped, identity
// layout), where the weights are the constants dnn-run externalized.
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
#include "mlir/Pass/PassManager.h"

#include "llvm/ExecutionEngine/Orc/JITTargetMachineBuilder.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

#include <chrono>
#include <cstdlib>
#include <functional>

using namespace mlir;
using namespace dnn_run;

Executable::~Executable() = default;
Backend::~Backend() = default;

static llvm::Error makeError(const llvm::Twine &msg) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), msg);
}

//===----------------------------------------------------------------------===//
// Allocation in the compiled code
//===----------------------------------------------------------------------===//

// The compiled code allocates its temporaries with malloc and uses them
// without checking for null: a temporary larger than the memory would end
// in a segmentation fault. These replacements, bound to the JIT's malloc,
// calloc and aligned_alloc, report the failure and exit with status 1.

namespace {

/// The entry that runs, for the message.
std::string runningEntry;

[[noreturn]] void reportOutOfMemory(uint64_t bytes) {
  llvm::outs().flush();
  llvm::errs() << "dnn-run: running @" << runningEntry
               << " failed: out of memory: the compiled code could not "
                  "allocate "
               << bytes << " bytes for a temporary buffer\n";
  llvm::errs().flush();
  std::_Exit(1);
}

void *dnnRunMalloc(size_t size) {
  void *p = std::malloc(size);
  if (!p && size)
    reportOutOfMemory(size);
  return p;
}

void *dnnRunCalloc(size_t count, size_t size) {
  void *p = std::calloc(count, size);
  if (!p && count && size) {
    size_t bytes;
    reportOutOfMemory(__builtin_mul_overflow(count, size, &bytes) ? UINT64_MAX
                                                                  : bytes);
  }
  return p;
}

void *dnnRunAlignedAlloc(size_t alignment, size_t size) {
  void *p = std::aligned_alloc(alignment, size);
  if (!p && size)
    reportOutOfMemory(size);
  return p;
}

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
  if (inputs.size() != entry.inputs.size() + entry.weights.size() ||
      outputs.size() != entry.outputs.size())
    return makeError("wrong number of buffers for @" + entry.name);

  // One data pointer per buffer, inputs (with the weights) then outputs;
  // the packed wrapper takes a pointer to each argument.
  llvm::SmallVector<void *> pointers;
  for (HostTensor *buffer : inputs)
    pointers.push_back(buffer->getData());
  for (HostTensor *buffer : outputs)
    pointers.push_back(buffer->getData());
  llvm::SmallVector<void *> packedArgs;
  for (void *&pointer : pointers)
    packedArgs.push_back(&pointer);

  runningEntry = entry.name;
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
  CPUBackend(const mlir::dnn::CPUPipelineOptions &options,
             llvm::StringRef objectFile)
      : objectFile(objectFile) {
    pipelineOptions.copyOptionValuesFrom(options);
  }
  llvm::StringRef getName() const override { return "cpu"; }

  llvm::Expected<std::unique_ptr<Executable>>
  compile(ModuleOp module, const EntrySignature &entry) override;

private:
  mlir::dnn::CPUPipelineOptions pipelineOptions;
  /// Where to write the JIT-compiled object code, if anywhere.
  std::string objectFile;
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

/// Checks that the lowered entry takes one pointer per input, weight and
/// output and returns nothing.
static LogicalResult checkLoweredEntry(ModuleOp module,
                                       const EntrySignature &entry) {
  auto lowered = module.lookupSymbol<LLVM::LLVMFuncOp>(entry.name);
  if (!lowered)
    return module.emitError()
           << "the CPU pipeline did not produce @" << entry.name;
  size_t expected =
      entry.inputs.size() + entry.weights.size() + entry.outputs.size();
  LLVM::LLVMFunctionType type = lowered.getFunctionType();
  bool allPointers = llvm::all_of(type.getParams(), [](Type t) {
    return isa<LLVM::LLVMPointerType>(t);
  });
  if (type.getNumParams() != expected || !allPointers ||
      !isa<LLVM::LLVMVoidType>(type.getReturnType()))
    return lowered.emitError()
           << "after lowering, @" << entry.name << " has type " << type
           << "; dnn-run expected " << entry.inputs.size() << " input, "
           << entry.weights.size() << " weight and " << entry.outputs.size()
           << " output pointers and no results";
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
  dnn::buildCPUPipeline(pm, pipelineOptions);
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
  // ExecutionEngineOptions::transformer is a function_ref: the optimizing
  // transformer must outlive create(), where it runs. (Bound to a temporary,
  // it runs a dangling pipeline that, among other things, never vectorizes.)
  std::function<llvm::Error(llvm::Module *)> optimize =
      makeOptimizingTransformer(/*optLevel=*/3, /*sizeLevel=*/0, optTM->get());
  ExecutionEngineOptions engineOptions;
  engineOptions.transformer = optimize;
  engineOptions.jitCodeGenOptLevel = llvm::CodeGenOptLevel::Aggressive;
  engineOptions.enableObjectDump = !objectFile.empty();
  auto engine =
      ExecutionEngine::create(module, engineOptions, std::move(*codegenTM));
  if (!engine)
    return engine.takeError();

  // Runtime functions the lowered code may call besides libc and libm:
  // memrefCopy (memref.copy of non-contiguous buffers). Its library also
  // brings in the f16/bf16 conversion builtins of mlir_float16_utils. The
  // allocation functions are replaced by ones that report a failure (see
  // above); free stays libc's.
  (*engine)->registerSymbols([](llvm::orc::MangleAndInterner interner) {
    llvm::orc::SymbolMap symbols;
    auto bind = [&](llvm::StringRef name, auto *function) {
      symbols[interner(name)] = {llvm::orc::ExecutorAddr::fromPtr(function),
                                 llvm::JITSymbolFlags::Exported};
    };
    bind("memrefCopy", &memrefCopy);
    bind("malloc", &dnnRunMalloc);
    bind("calloc", &dnnRunCalloc);
    bind("aligned_alloc", &dnnRunAlignedAlloc);
    return symbols;
  });

  // Compile now, so that run() times the function alone.
  (*engine)->initialize();
  if (!objectFile.empty())
    (*engine)->dumpToObjectFile(objectFile);
  auto function = (*engine)->lookupPacked(entry.name);
  if (!function)
    return function.takeError();
  return std::make_unique<CPUExecutable>(std::move(*engine), *function, entry);
}

llvm::Expected<std::unique_ptr<Backend>>
dnn_run::createCPUBackend(llvm::StringRef pipelineOptions,
                          llvm::StringRef objectFile) {
  auto options = mlir::dnn::CPUPipelineOptions::createFromString(
      pipelineOptions);
  if (!options)
    return makeError("invalid --cpu-pipeline options '" + pipelineOptions +
                     "' (see dnn-opt --help, dnn-cpu-pipeline)");
  return std::make_unique<CPUBackend>(*options, objectFile);
}
