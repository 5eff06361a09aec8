//===- dnn-run.cpp - compile and run a dnn model --------------------------===//
//
// Loads a module (dnn dialect, or linalg on tensors), checks the signature of
// its entry function, compiles it for a device (the host CPU for now) and
// runs it on inputs from .npy files or on seeded random values. Prints a
// checksum per output, optionally writes the outputs as .npy files, compares
// them with references and times repeated runs. See docs/dnn-run.md.
//
//===----------------------------------------------------------------------===//

#include "Backend.h"
#include "HostTensor.h"
#include "Npy.h"

#include "dnn/InitDNN.h"
#include "dnn/Support/InputChecks.h"
#include "dnn/Pipelines/Pipelines.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/SymbolTable.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/TargetSelect.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <optional>
#include <random>

using namespace mlir;
using namespace dnn_run;
namespace cl = llvm::cl;

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

static cl::OptionCategory runCategory("dnn-run options");

static cl::opt<std::string> modelFile(cl::Positional, cl::Required,
                                      cl::desc("<model.mlir>"),
                                      cl::cat(runCategory));

static cl::opt<std::string>
    entryName("entry", cl::init("main"), cl::value_desc("name"),
              cl::desc("Function to run (default: main)"),
              cl::cat(runCategory));

static cl::list<std::string>
    inputFiles("input", cl::CommaSeparated, cl::value_desc("file.npy"),
               cl::desc("Input arrays in argument order (repeat the option "
                        "or give a comma-separated list); without any, the "
                        "inputs are seeded random values in [-1, 1)"),
               cl::cat(runCategory));

static cl::opt<uint64_t>
    seed("seed", cl::init(0), cl::value_desc("N"),
         cl::desc("Seed of the random inputs (default: 0)"),
         cl::cat(runCategory));

static cl::opt<std::string>
    outputDir("output-dir", cl::value_desc("dir"),
              cl::desc("Write the outputs as out0.npy, out1.npy, ... into "
                       "this directory (created if missing)"),
              cl::cat(runCategory));

static cl::list<std::string>
    compareFiles("compare", cl::CommaSeparated, cl::value_desc("ref.npy"),
                 cl::desc("Reference arrays for the first outputs, in order; "
                          "a mismatch exits with status 1"),
                 cl::cat(runCategory));

static cl::opt<double>
    relTolerance("rtol", cl::init(1e-5), cl::value_desc("R"),
                 cl::desc("Relative tolerance of --compare: |out - ref| <= "
                          "atol + rtol * |ref| (default: 1e-5)"),
                 cl::cat(runCategory));

static cl::opt<double>
    absTolerance("atol", cl::init(1e-6), cl::value_desc("A"),
                 cl::desc("Absolute tolerance of --compare (default: 1e-6)"),
                 cl::cat(runCategory));

static cl::opt<int>
    repeat("repeat", cl::init(1), cl::value_desc("N"),
           cl::desc("Time N runs (after one warm-up run when N > 1) and "
                    "print the median and the minimum (default: 1)"),
           cl::cat(runCategory));

static cl::opt<std::string> cpuPipeline(
    "cpu-pipeline", cl::init(""), cl::value_desc("options"),
    cl::desc("Options of dnn-cpu-pipeline for --on-device=cpu, e.g. "
             "loop-order=0 (see dnn-opt --help)"),
    cl::cat(runCategory));

static cl::opt<std::string> dumpObject(
    "dump-object", cl::init(""), cl::value_desc("file.o"),
    cl::desc("Write the object code the CPU backend compiled (for "
             "inspection with llvm-objdump)"),
    cl::cat(runCategory));

static cl::opt<bool> inlineWeights(
    "inline-weights", cl::init(false),
    cl::desc("Compile tensor constants into the code instead of passing "
             "those of 4 KiB or more as arguments (slower to compile)"),
    cl::cat(runCategory));

static cl::opt<std::string>
    device("on-device", cl::init("cpu"), cl::value_desc("device"),
           cl::desc("Where to run: cpu (default; the host CPU via MLIR's "
                    "ExecutionEngine) or cuda (compiled by dnn-compile into "
                    "a model library and run on the GPU)"),
           cl::cat(runCategory));

static cl::opt<std::string> gpuTarget(
    "gpu-target", cl::init(""), cl::value_desc("name"),
    cl::desc("--on-device=cuda: the GPU to compile for (a preset such as "
             "h100; default: the module's dnn.target, else h100)"),
    cl::cat(runCategory));

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

namespace {

/// The largest tensor (argument, result, intermediate value) dnn-run runs:
/// 1 TiB, far beyond any host; larger ones are refused before anything is
/// allocated (smaller ones may still fail to allocate, which is reported).
constexpr uint64_t kMaxTensorBytes = uint64_t(1) << 40;

/// The most timed runs of --repeat (their times are kept for the median).
constexpr int kMaxRepeat = 1000000;

/// The largest module dnn-run reads from a pipe or a device on stdin
/// (`-`; a regular file has its size and is mapped): /dev/zero would never
/// end.
constexpr size_t kMaxStreamedModelBytes = size_t(1) << 30;


/// Prints "dnn-run: <msg>" on stderr; returns the exit status of errors, 1.
int fail(const llvm::Twine &msg) {
  llvm::errs() << "dnn-run: " << msg << "\n";
  return 1;
}

/// `value` as printf's %g spells it.
std::string formatDouble(double value) {
  std::string s;
  llvm::raw_string_ostream(s) << llvm::format("%g", value);
  return s;
}

/// "1 input", "2 inputs".
std::string plural(size_t n, llvm::StringRef noun) {
  return std::to_string(n) + " " + noun.str() + (n == 1 ? "" : "s");
}

std::string toStr(Type type) {
  std::string s;
  llvm::raw_string_ostream os(s);
  os << type;
  return s;
}

/// Records `type` as a TensorSpec, or reports why dnn-run cannot pass it.
LogicalResult getTensorSpec(func::FuncOp func, Type type,
                            const llvm::Twine &what, TensorSpec &spec) {
  auto shaped = dyn_cast<ShapedType>(type);
  bool ok = false;
  if (auto tensor = dyn_cast<RankedTensorType>(type))
    ok = !tensor.getEncoding();
  else if (auto memref = dyn_cast<MemRefType>(type))
    ok = memref.getLayout().isIdentity() && !memref.getMemorySpace();
  ok = ok && shaped.hasStaticShape() &&
       getElementKind(shaped.getElementType(), spec.kind);
  if (!ok)
    return func.emitError()
           << "entry function @" << func.getSymName() << ": " << what
           << " has type " << type
           << ", which dnn-run cannot pass; it supports statically shaped "
              "tensors (or identity-layout memrefs) of f16, bf16, f32 or f64";
  spec.shape.assign(shaped.getShape().begin(), shaped.getShape().end());
  spec.typeName = toStr(type);
  // At most 2^40 bytes: far beyond any host, and no overflow of the sizes.
  int64_t bytes = spec.getElementBytes();
  for (int64_t d : spec.shape)
    if (llvm::MulOverflow(bytes, d, bytes) ||
        bytes > static_cast<int64_t>(kMaxTensorBytes))
      return func.emitError() << "entry function @" << func.getSymName()
                              << ": " << what << " of type " << type
                              << " is too large to run";
  return success();
}

/// Bytes of a value of the statically shaped `type`, or nullopt when it
/// has no static size (or when that overflows).
std::optional<uint64_t> getStaticBytes(ShapedType type) {
  if (!type.hasRank() || !type.hasStaticShape())
    return std::nullopt;
  Type element = type.getElementType();
  uint64_t elementBytes = 8; // index, pointers, anything else.
  if (auto complex = dyn_cast<ComplexType>(element))
    element = complex.getElementType();
  if (element.isIntOrFloat())
    elementBytes = std::max<uint64_t>(
        1, llvm::divideCeil(element.getIntOrFloatBitWidth(), 8));
  if (isa<ComplexType>(type.getElementType()))
    elementBytes *= 2;
  uint64_t bytes = elementBytes;
  for (int64_t d : type.getShape())
    if (__builtin_mul_overflow(bytes, static_cast<uint64_t>(d), &bytes))
      return std::nullopt;
  return bytes;
}

/// Refuses a module where any value (an intermediate tensor, a constant, a
/// buffer, a global) is larger than dnn-run can ever run, at the value's
/// location: before anything is allocated or compiled, instead of an
/// allocation failing in the compiled code.
LogicalResult checkValueSizes(ModuleOp module) {
  auto tooLarge = [](Type type, uint64_t &bytes) {
    auto shaped = dyn_cast<ShapedType>(type);
    if (!shaped || !shaped.hasRank() || !shaped.hasStaticShape())
      return false;
    std::optional<uint64_t> size = getStaticBytes(shaped);
    bytes = size.value_or(0);
    return !size || *size > kMaxTensorBytes;
  };
  auto report = [](Operation *op, Location loc, const llvm::Twine &what,
                   Type type, uint64_t bytes) {
    InFlightDiagnostic diag = emitError(loc);
    diag << "'" << op->getName() << "': " << what << " has type " << type;
    if (bytes)
      diag << " (" << bytes << " bytes)";
    diag << ", too large for dnn-run to run (at most " << kMaxTensorBytes
         << " bytes per tensor)";
  };
  WalkResult result = module.walk<WalkOrder::PreOrder>([&](Operation *op) {
    uint64_t bytes;
    for (auto [i, type] : llvm::enumerate(op->getResultTypes())) {
      if (tooLarge(type, bytes)) {
        report(op, op->getLoc(), "result " + llvm::Twine(i), type, bytes);
        return WalkResult::interrupt();
      }
    }
    for (Region &region : op->getRegions())
      for (Block &block : region)
        for (BlockArgument arg : block.getArguments())
          if (tooLarge(arg.getType(), bytes)) {
            report(op, arg.getLoc(),
                   "block argument " + llvm::Twine(arg.getArgNumber()),
                   arg.getType(), bytes);
            return WalkResult::interrupt();
          }
    // Types held by attributes: memref.global, ...
    for (NamedAttribute attr : op->getAttrs())
      if (auto typeAttr = dyn_cast<TypeAttr>(attr.getValue()))
        if (tooLarge(typeAttr.getValue(), bytes)) {
          report(op, op->getLoc(), "'" + attr.getName().strref() + "'",
                 typeAttr.getValue(), bytes);
          return WalkResult::interrupt();
        }
    return WalkResult::advance();
  });
  return failure(result.wasInterrupted());
}

/// The module text: the file `path`, or stdin for "-" (at most
/// kMaxStreamedModelBytes of it when it is not a regular file).
std::unique_ptr<llvm::MemoryBuffer> readModel(llvm::StringRef path,
                                              std::string &errorMessage) {
  llvm::sys::fs::file_t stdinHandle = llvm::sys::fs::getStdinHandle();
  llvm::sys::fs::file_status status;
  if (path != "-" || (!llvm::sys::fs::status(stdinHandle, status) &&
                      status.type() == llvm::sys::fs::file_type::regular_file))
    return openInputFile(path, &errorMessage);
  std::string text;
  llvm::SmallVector<char, 0> chunk(1 << 20);
  while (true) {
    llvm::Expected<size_t> n =
        llvm::sys::fs::readNativeFile(stdinHandle, chunk);
    if (!n) {
      errorMessage = toString(n.takeError());
      return nullptr;
    }
    if (*n == 0)
      break;
    if (text.size() + *n > kMaxStreamedModelBytes) {
      errorMessage = "more than " + std::to_string(kMaxStreamedModelBytes) +
                     " bytes on stdin; give a model that large as a file";
      return nullptr;
    }
    text.append(chunk.data(), *n);
  }
  return llvm::MemoryBuffer::getMemBufferCopy(text, "<stdin>");
}

/// Finds the entry function and records its signature.
FailureOr<func::FuncOp> findEntry(ModuleOp module, EntrySignature &signature) {
  Operation *symbol = SymbolTable::lookupSymbolIn(module, entryName);
  auto func = dyn_cast_or_null<func::FuncOp>(symbol);
  if (!func) {
    std::string names;
    for (auto f : module.getOps<func::FuncOp>())
      names += (names.empty() ? "@" : ", @") + f.getSymName().str();
    if (symbol)
      fail("@" + entryName + " in " + modelFile + " is a '" +
           symbol->getName().getStringRef() + "', not a func.func");
    else
      fail("no function @" + entryName + " in " + modelFile +
           (names.empty() ? std::string(" (it has no functions)")
                          : " (functions: " + names + "); choose one with "
                                                      "--entry"));
    return failure();
  }
  if (func.isExternal()) {
    func.emitError() << "entry function @" << func.getSymName()
                     << " has no body";
    return failure();
  }

  signature.name = func.getSymName().str();
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
    if (failed(getTensorSpec(func, type, "argument " + llvm::Twine(i),
                             signature.inputs.emplace_back())))
      return failure();
  for (auto [i, type] : llvm::enumerate(func.getResultTypes()))
    if (failed(getTensorSpec(func, type, "result " + llvm::Twine(i),
                             signature.outputs.emplace_back())))
      return failure();
  return func;
}

/// Prepares the entry for the backends: public, and with read-only tensor
/// arguments (so that bufferization never writes into an input or a weight,
/// and repeated runs see the same inputs).
void markEntry(func::FuncOp func) {
  MLIRContext *ctx = func.getContext();
  func.setPublic();
  for (auto [i, type] : llvm::enumerate(func.getArgumentTypes()))
    if (isa<TensorType>(type))
      func.setArgAttr(i,
                      bufferization::BufferizationDialect::kWritableAttrName,
                      BoolAttr::get(ctx, false));
}

/// Erases the functions that `entry` does not reach through symbol uses:
/// only what runs gets compiled, so one function the pipeline cannot lower
/// does not keep the others of a module from running. Keeps everything when
/// the uses cannot be determined.
void eraseUnreachableFunctions(ModuleOp module, func::FuncOp entry) {
  llvm::SmallPtrSet<Operation *, 8> reachable = {entry};
  llvm::SmallVector<func::FuncOp> worklist = {entry};
  while (!worklist.empty()) {
    func::FuncOp func = worklist.pop_back_val();
    std::optional<SymbolTable::UseRange> uses =
        SymbolTable::getSymbolUses(&func.getBody());
    if (!uses)
      return;
    for (const SymbolTable::SymbolUse &use : *uses) {
      auto callee = dyn_cast_or_null<func::FuncOp>(
          SymbolTable::lookupNearestSymbolFrom(func, use.getSymbolRef()));
      if (callee && reachable.insert(callee).second)
        worklist.push_back(callee);
    }
  }
  for (auto func : llvm::make_early_inc_range(module.getOps<func::FuncOp>()))
    if (!reachable.contains(func))
      func.erase();
}

bool isFloatArray(const NpyArray &array) {
  return array.kind == 'f' &&
         (array.itemSize == 2 || array.itemSize == 4 || array.itemSize == 8);
}

double loadNpyFloat(const NpyArray &array, int64_t i) {
  const char *p = array.data.data() + i * array.itemSize;
  switch (array.itemSize) {
  case 2: {
    uint16_t bits;
    std::memcpy(&bits, p, 2);
    return halfToFloat(bits);
  }
  case 4: {
    float v;
    std::memcpy(&v, p, 4);
    return v;
  }
  default: {
    double v;
    std::memcpy(&v, p, 8);
    return v;
  }
  }
}

/// The .npy dtype that holds a tensor of `spec` (bf16 travels as float32).
unsigned npyItemSize(const TensorSpec &spec) {
  return spec.kind == ElementKind::BF16 ? 4 : spec.getElementBytes();
}

/// Fills `tensor` from the .npy file `path` (input `index`).
LogicalResult loadInput(unsigned index, llvm::StringRef path,
                        HostTensor &tensor) {
  const TensorSpec &spec = tensor.getSpec();
  bool bf16 = spec.kind == ElementKind::BF16;
  // The dtype and the shape are checked on the header, before the data is
  // read (a file can claim any size).
  auto check = [&](const NpyArray &header) -> llvm::Error {
    if (header.kind == 'f' && header.itemSize == npyItemSize(spec) &&
        llvm::ArrayRef<int64_t>(header.shape) == llvm::ArrayRef(spec.shape))
      return llvm::Error::success();
    return llvm::createStringError(
        llvm::inconvertibleErrorCode(),
        "expected " + spec.typeName + (bf16 ? " (as a float32 array)" : "") +
            ", got " + header.describe());
  };
  llvm::Expected<NpyArray> array = readNpy(path, check);
  if (!array) {
    fail("input " + llvm::Twine(index) + " (" + path +
         "): " + toString(array.takeError()));
    return failure();
  }
  if (!bf16) {
    if (tensor.getSizeInBytes())
      std::memcpy(tensor.getData(), array->data.data(),
                  tensor.getSizeInBytes());
    return success();
  }
  auto *out = static_cast<uint16_t *>(tensor.getData());
  for (int64_t i = 0, e = tensor.getNumElements(); i < e; ++i) {
    float v;
    std::memcpy(&v, array->data.data() + 4 * i, 4);
    out[i] = floatToBF16(v);
  }
  return success();
}

/// Uniform values in [-1, 1) that are exact in the element type, from one
/// 64-bit Mersenne Twister stream (the same on every platform).
void fillRandom(std::mt19937_64 &rng, HostTensor &tensor) {
  unsigned bits = tensor.getSpec().getSignificandBits();
  double scale = std::ldexp(1.0, -static_cast<int>(bits));
  for (int64_t i = 0, e = tensor.getNumElements(); i < e; ++i) {
    // k in [0, 2^bits): 2k - 2^bits is even and at most 2^bits in size, so
    // it has a `bits`-bit significand.
    auto k = static_cast<int64_t>(rng() >> (64 - bits));
    tensor.store(i, static_cast<double>(2 * k - (int64_t(1) << bits)) * scale);
  }
}

/// Writes output `tensor` as float16/32/64 (bf16 as float32).
llvm::Error writeOutput(llvm::StringRef path, const HostTensor &tensor) {
  const TensorSpec &spec = tensor.getSpec();
  if (spec.kind != ElementKind::BF16)
    return writeNpy(path, 'f', spec.getElementBytes(), spec.shape,
                    llvm::ArrayRef(static_cast<const char *>(tensor.getData()),
                                   tensor.getSizeInBytes()));
  std::vector<float> values(tensor.getNumElements());
  for (int64_t i = 0, e = tensor.getNumElements(); i < e; ++i)
    values[i] = static_cast<float>(tensor.load(i));
  return writeNpy(path, 'f', 4, spec.shape,
                  llvm::ArrayRef(reinterpret_cast<const char *>(values.data()),
                                 values.size() * sizeof(float)));
}

std::string formatIndex(int64_t linear, llvm::ArrayRef<int64_t> shape) {
  llvm::SmallVector<int64_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = linear % shape[d];
    linear /= shape[d];
  }
  std::string s = "[";
  for (auto [i, v] : llvm::enumerate(index))
    s += (i ? ", " : "") + std::to_string(v);
  return s + "]";
}

/// Compares output `index` with `ref`; prints one line; true on a match.
bool compareOutput(unsigned index, const HostTensor &out, const NpyArray &ref) {
  int64_t mismatches = 0, first = -1;
  double maxAbs = 0, maxRel = 0;
  for (int64_t i = 0, e = out.getNumElements(); i < e; ++i) {
    double got = out.load(i), expected = loadNpyFloat(ref, i);
    bool ok;
    if (std::isnan(got) || std::isnan(expected)) {
      ok = std::isnan(got) && std::isnan(expected);
    } else if (got == expected) {
      ok = true; // Also equal infinities.
    } else if (std::isinf(got) || std::isinf(expected)) {
      ok = false; // Else rtol * inf would accept anything.
    } else {
      double err = std::fabs(got - expected);
      ok = err <= absTolerance + relTolerance * std::fabs(expected);
      if (std::isfinite(err)) {
        maxAbs = std::max(maxAbs, err);
        if (expected != 0)
          maxRel = std::max(maxRel, err / std::fabs(expected));
      }
    }
    if (!ok && mismatches++ == 0)
      first = i;
  }
  llvm::outs() << "out" << index << ": ";
  if (mismatches == 0) {
    llvm::outs() << llvm::format("match (max abs err %.3e, max rel err %.3e)",
                                 maxAbs, maxRel)
                 << "\n";
    return true;
  }
  llvm::outs() << "MISMATCH at index "
               << formatIndex(first, out.getSpec().shape)
               << llvm::format(": got %.9g, expected %.9g", out.load(first),
                               loadNpyFloat(ref, first))
               << " (" << mismatches << " of " << out.getNumElements()
               << " elements outside tolerance)\n";
  return false;
}

double median(llvm::SmallVector<double> values) {
  llvm::sort(values);
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

} // namespace

//===----------------------------------------------------------------------===//
// main
//===----------------------------------------------------------------------===//

int main(int argc, char **argv) {
  llvm::InitLLVM initLLVM(argc, argv);
  llvm::InitializeNativeTarget();
  llvm::InitializeNativeTargetAsmPrinter();
  // The MLIR options (--mlir-print-ir-after-failure, ...) work but stay out
  // of --help.
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  cl::HideUnrelatedOptions(runCategory);
  cl::ParseCommandLineOptions(
      argc, argv,
      "dnn-run: compile a dnn (or linalg-on-tensors) module and run its entry "
      "function\n\n"
      "  dnn-run model.mlir [--entry=main] [--input=a.npy ...] [--seed=N]\n"
      "          [--output-dir=DIR] [--compare=ref.npy ... --rtol=R "
      "--atol=A]\n"
      "          [--repeat=N] [--on-device=cpu] [--cpu-pipeline=OPTS]\n"
      "          [--inline-weights]\n");

  // Options first: nothing is compiled for a run that cannot happen.
  std::unique_ptr<Backend> backend;
  if (device == "cpu") {
    llvm::Expected<std::unique_ptr<Backend>> cpu =
        createCPUBackend(cpuPipeline, dumpObject);
    if (!cpu)
      return fail(toString(cpu.takeError()));
    backend = std::move(*cpu);
  } else if (device == "cuda") {
    llvm::Expected<std::unique_ptr<Backend>> cuda =
        createCUDABackend(gpuTarget);
    if (!cuda)
      return fail(toString(cuda.takeError()));
    backend = std::move(*cuda);
  } else
    return fail("unknown device '" + device +
                "' for --on-device (expected cpu or cuda)");
  if (device != "cuda" && !gpuTarget.empty())
    return fail("--gpu-target applies to --on-device=cuda only");
  if (device != "cpu" && (!cpuPipeline.empty() || !dumpObject.empty()))
    return fail("--cpu-pipeline and --dump-object apply to --on-device=cpu "
                "only");
  if (repeat < 1)
    return fail("--repeat must be at least 1, got " + llvm::Twine(repeat));
  if (repeat > kMaxRepeat)
    return fail("--repeat must be at most " + llvm::Twine(kMaxRepeat) +
                ", got " + llvm::Twine(repeat));
  for (auto [name, value] : {std::make_pair("--rtol", relTolerance.getValue()),
                             std::make_pair("--atol", absTolerance.getValue())})
    if (!(value >= 0) || !std::isfinite(value))
      return fail(llvm::Twine("--rtol and --atol must be non-negative numbers "
                              "(and finite), got ") +
                  name + "=" + formatDouble(value));
  if (entryName.empty())
    return fail("--entry needs the name of a function");
  for (auto [what, files] : {std::make_pair("input", &inputFiles),
                             std::make_pair("reference", &compareFiles)})
    for (auto [i, path] : llvm::enumerate(*files))
      if (path.empty())
        return fail(llvm::Twine(what) + " " + llvm::Twine(i) +
                    ": empty file name in --" +
                    (files == &inputFiles ? "input" : "compare"));
  if (!dumpObject.empty()) {
    // Fail now rather than after the compilation (the ExecutionEngine only
    // warns when it cannot write the file).
    std::error_code ec;
    { llvm::raw_fd_ostream os(dumpObject, ec); }
    if (ec)
      return fail("cannot write the --dump-object file '" + dumpObject +
                  "': " + ec.message());
  }

  // The references, read early so that a bad file fails fast.
  llvm::SmallVector<NpyArray> refs;
  for (auto [i, path] : llvm::enumerate(compareFiles)) {
    llvm::Expected<NpyArray> ref =
        readNpy(path, [](const NpyArray &header) -> llvm::Error {
          if (isFloatArray(header))
            return llvm::Error::success();
          return llvm::createStringError(
              llvm::inconvertibleErrorCode(),
              "expected a float16, float32 or float64 array, got " +
                  header.describe());
        });
    if (!ref)
      return fail("reference " + llvm::Twine(i) + " (" + path +
                  "): " + toString(ref.takeError()));
    refs.push_back(std::move(*ref));
  }

  // The output directory, before a long compilation.
  if (!outputDir.empty()) {
    std::error_code ec = llvm::sys::fs::create_directories(outputDir);
    if (!ec && !llvm::sys::fs::is_directory(outputDir))
      ec = std::make_error_code(std::errc::not_a_directory);
    if (ec)
      return fail("cannot create the output directory '" + outputDir +
                  "': " + ec.message());
  }

  // Load and verify the module.
  DialectRegistry registry;
  registerAllDialects(registry);
  registerAllExtensions(registry);
  registerAllToLLVMIRTranslations(registry);
  dnn::registerAllDNNDialects(registry);
  MLIRContext context(registry);
  // Diagnostics point into the source; the op dump would only repeat it.
  context.printOpOnDiagnostic(false);
  context.getOrLoadDialect<func::FuncDialect>();
  context.getOrLoadDialect<bufferization::BufferizationDialect>();
  context.getOrLoadDialect<LLVM::LLVMDialect>();

  // A directory or a device (/dev/zero would be read forever) is no model;
  // a pipe is (process substitution).
  llvm::sys::fs::file_status modelStatus;
  if (modelFile != "-" && !llvm::sys::fs::status(modelFile, modelStatus)) {
    llvm::sys::fs::file_type type = modelStatus.type();
    if (type == llvm::sys::fs::file_type::directory_file)
      return fail("cannot read '" + modelFile + "': it is a directory");
    if (type != llvm::sys::fs::file_type::regular_file &&
        type != llvm::sys::fs::file_type::fifo_file)
      return fail("cannot read '" + modelFile +
                  "': it is not a regular file (a device or a socket)");
  }
  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file =
      readModel(modelFile, errorMessage);
  if (!file)
    return fail("cannot read '" + modelFile + "': " + errorMessage);
  llvm::SourceMgr sourceMgr;
  sourceMgr.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
  SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  // What would crash the MLIR parser (dnn/Support/InputChecks.h).
  if (failed(dnn::checkParserHazards(sourceMgr, llvm::errs())))
    return fail("cannot load " + modelFile);
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, &context);
  if (!module)
    return fail("cannot load " + modelFile);

  EntrySignature signature;
  FailureOr<func::FuncOp> entry = findEntry(*module, signature);
  if (failed(entry))
    return 1;
  eraseUnreachableFunctions(*module, *entry);
  if (failed(checkValueSizes(*module)))
    return fail("cannot run @" + signature.name + " of " + modelFile +
                ": a tensor is too large");

  // Large constants become trailing arguments bound to host copies of their
  // values: the JIT then never translates or emits the weights.
  // (The GPU path keeps them: dnn-compile writes them to the model's weights
  // file, and constants are what dnn-fold-batch-norm folds.)
  llvm::SmallVector<HostTensor> weights;
  if (!inlineWeights && device == "cpu") {
    for (const mlir::dnn::ExternalConstant &weight :
         mlir::dnn::externalizeLargeConstants(*entry, /*minBytes=*/4096)) {
      Type type = entry->getArgumentTypes()[weight.argIndex];
      TensorSpec &spec = signature.weights.emplace_back();
      if (failed(getTensorSpec(*entry, type,
                               "constant " + llvm::Twine(weight.argIndex),
                               spec)))
        return 1;
      llvm::Expected<HostTensor> tensor = HostTensor::create(spec);
      if (!tensor) {
        // At the constant's own location (the argument's).
        emitError(entry->getArgument(weight.argIndex).getLoc())
            << toString(tensor.takeError()) << " (the value of this constant)";
        return 1;
      }
      if (!weight.data.empty()) {
        std::memcpy(tensor->getData(), weight.data.data(),
                    std::min(weight.data.size(), tensor->getSizeInBytes()));
      } else {
        double splat = cast<DenseElementsAttr>(weight.value)
                           .getSplatValue<APFloat>()
                           .convertToDouble();
        for (int64_t j = 0, e = tensor->getNumElements(); j < e; ++j)
          tensor->store(j, splat);
      }
      weights.push_back(std::move(*tensor));
    }
  }
  markEntry(*entry);

  if (refs.size() > signature.outputs.size())
    return fail(plural(refs.size(), "reference") + " given with --compare, "
                "but @" + signature.name + " has " +
                plural(signature.outputs.size(), "output"));
  for (auto [i, ref] : llvm::enumerate(refs)) {
    const TensorSpec &spec = signature.outputs[i];
    if (llvm::ArrayRef<int64_t>(ref.shape) != llvm::ArrayRef(spec.shape))
      return fail("reference " + llvm::Twine(i) + " (" + compareFiles[i] +
                  "): expected the shape of out" + llvm::Twine(i) + " (" +
                  spec.typeName + "), got " + ref.describe());
  }

  // Inputs: all from .npy files, or all random.
  llvm::SmallVector<HostTensor> inputs, outputs;
  for (auto [what, specs, tensors] :
       {std::make_tuple("argument", &signature.inputs, &inputs),
        std::make_tuple("result", &signature.outputs, &outputs)}) {
    for (auto [i, spec] : llvm::enumerate(*specs)) {
      llvm::Expected<HostTensor> tensor = HostTensor::create(spec);
      if (!tensor) {
        entry->emitError() << "entry function @" << signature.name << ": "
                           << what << " " << i << ": "
                           << toString(tensor.takeError());
        return 1;
      }
      tensors->push_back(std::move(*tensor));
    }
  }
  if (!inputFiles.empty()) {
    if (inputFiles.size() != inputs.size())
      return fail("@" + signature.name + " takes " +
                  plural(inputs.size(), "input") + ", but --input gives " +
                  plural(inputFiles.size(), "file") +
                  " (give all of them, or none for random inputs)");
    for (auto [i, path] : llvm::enumerate(inputFiles))
      if (failed(loadInput(i, path, inputs[i])))
        return 1;
  } else {
    std::mt19937_64 rng(seed);
    for (HostTensor &input : inputs)
      fillRandom(rng, input);
  }

  // Compile.
  auto compileStart = std::chrono::steady_clock::now();
  llvm::Expected<std::unique_ptr<Executable>> executable =
      backend->compile(*module, signature);
  if (!executable)
    return fail("cannot compile @" + signature.name + " of " + modelFile +
                " for " + backend->getName() + ": " +
                toString(executable.takeError()));
  double compileMs = std::chrono::duration<double, std::milli>(
                         std::chrono::steady_clock::now() - compileStart)
                         .count();
  llvm::outs() << llvm::format("compile time: %.1f ms", compileMs) << " ("
               << backend->getName() << ")\n";

  // Run.
  llvm::SmallVector<HostTensor *> inputPointers, outputPointers;
  for (HostTensor &t : inputs)
    inputPointers.push_back(&t);
  for (HostTensor &t : weights)
    inputPointers.push_back(&t);
  for (HostTensor &t : outputs)
    outputPointers.push_back(&t);
  RunOptions runOptions;
  runOptions.repeat = repeat;
  runOptions.warmup = repeat > 1 ? 1 : 0;
  llvm::Expected<llvm::SmallVector<double>> times =
      (*executable)->run(inputPointers, outputPointers, runOptions);
  if (!times)
    return fail("running @" + signature.name + " failed: " +
                toString(times.takeError()));
  llvm::outs() << llvm::format("time: median %.4g ms over %d run%s (min %.4g "
                               "ms)",
                               median(*times), repeat.getValue(),
                               repeat == 1 ? "" : "s",
                               *llvm::min_element(*times))
               << "\n";

  // Checksums, files, comparisons.
  for (auto [i, out] : llvm::enumerate(outputs)) {
    double sum = 0, absSum = 0;
    for (int64_t j = 0, e = out.getNumElements(); j < e; ++j) {
      double v = out.load(j);
      sum += v;
      absSum += std::fabs(v);
    }
    llvm::outs() << "out" << i << ": " << out.getSpec().typeName
                 << llvm::format(" sum=%.6e abs_sum=%.6e", sum, absSum)
                 << "\n";
  }
  if (!outputDir.empty()) {
    for (auto [i, out] : llvm::enumerate(outputs)) {
      llvm::SmallString<256> path(outputDir);
      llvm::sys::path::append(path, "out" + std::to_string(i) + ".npy");
      if (llvm::Error err = writeOutput(path, out))
        return fail(toString(std::move(err)));
    }
  }
  bool allMatch = true;
  for (auto [i, ref] : llvm::enumerate(refs))
    allMatch &= compareOutput(i, outputs[i], ref);
  llvm::outs().flush();
  return allMatch ? 0 : 1;
}
