//===- CUDABackend.cpp - dnn-run --on-device=cuda --------------------------===//
//
// The ahead-of-time path run in place: the module goes through dnn-compile
// (dnn-gpu-pipeline, mlir-translate, llc, link with the CUDA runtime) into a
// model library in a temporary folder, and dnn-bench (both beside dnn-run)
// runs it: the inputs and outputs travel as .npy files, the run times as
// dnn-bench's JSON report.
//
//===----------------------------------------------------------------------===//

#include "Backend.h"
#include "Npy.h"

#include "dnn/Dialect/DNN/IR/GPUTargets.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/OperationSupport.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

using namespace dnn_run;

namespace {

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// `dir`/`name` as a string.
std::string inDir(llvm::StringRef dir, const llvm::Twine &name) {
  llvm::SmallString<256> path(dir);
  llvm::sys::path::append(path, name);
  return std::string(path);
}

/// A tool installed beside dnn-run.
llvm::Expected<std::string> sibling(llvm::StringRef name) {
  std::string self = llvm::sys::fs::getMainExecutable(
      nullptr, reinterpret_cast<void *>(&error));
  std::string path = inDir(llvm::sys::path::parent_path(self), name);
  if (!llvm::sys::fs::can_execute(path))
    return error(name + " not found beside dnn-run (" + path + ")");
  return path;
}

/// Runs `argv` (stderr goes through, stdout to `stdoutPath` if given);
/// fails with `what` unless it exits 0.
llvm::Error execute(llvm::ArrayRef<std::string> argv, llvm::StringRef what,
                    std::optional<llvm::StringRef> stdoutPath = std::nullopt) {
  llvm::SmallVector<llvm::StringRef> refs(argv.begin(), argv.end());
  std::optional<llvm::StringRef> redirects[] = {std::nullopt, stdoutPath,
                                                std::nullopt};
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(argv.front(), refs, std::nullopt,
                                     redirects, 0, 0, &message);
  if (rc != 0)
    return error(what + " failed (exit " + llvm::Twine(rc) + ")" +
                 (message.empty() ? "" : ": " + message));
  return llvm::Error::success();
}

class CUDAExecutable final : public Executable {
public:
  CUDAExecutable(std::string dir, std::string bench)
      : dir(std::move(dir)), bench(std::move(bench)) {}
  ~CUDAExecutable() override { llvm::sys::fs::remove_directories(dir); }

  llvm::Expected<llvm::SmallVector<double>>
  run(llvm::ArrayRef<HostTensor *> inputs, llvm::ArrayRef<HostTensor *> outputs,
      const RunOptions &options) override;

private:
  std::string dir, bench;
};

llvm::Expected<llvm::SmallVector<double>>
CUDAExecutable::run(llvm::ArrayRef<HostTensor *> inputs,
                    llvm::ArrayRef<HostTensor *> outputs,
                    const RunOptions &options) {
  // dnn-lower-to-gpu names the inputs arg<i> and the outputs result<i>.
  std::string report = inDir(dir, "bench.json");
  llvm::SmallVector<std::string> argv = {
      bench, inDir(dir, "model.so"), "--warmup",
      std::to_string(options.warmup), "--runs", std::to_string(options.repeat),
      "--json", report};
  for (auto [i, t] : llvm::enumerate(inputs)) {
    std::string path = inDir(dir, "in" + llvm::Twine(i) + ".npy");
    const TensorSpec &spec = t->getSpec();
    // bf16 travels as raw 2-byte void items ('<V2'), as dnn-bench reads it
    // (NumPy's form of ml_dtypes.bfloat16); the others as floats.
    char kind = spec.kind == ElementKind::BF16 ? 'V' : 'f';
    if (llvm::Error err = writeNpy(
            path, kind, spec.getElementBytes(), spec.shape,
            llvm::ArrayRef(static_cast<const char *>(t->getData()),
                           t->getSizeInBytes())))
      return std::move(err);
    argv.push_back("--input=arg" + std::to_string(i) + "=" + path);
  }
  for (size_t i = 0; i < outputs.size(); ++i)
    argv.push_back("--save-output=result" + std::to_string(i) + "=" +
                   inDir(dir, "out" + llvm::Twine(i) + ".npy"));
  // dnn-bench's own report is not dnn-run's output (its JSON is read below).
  std::string log = inDir(dir, "bench.txt");
  if (llvm::Error err = execute(argv, "dnn-bench", llvm::StringRef(log)))
    return std::move(err);

  for (auto [i, t] : llvm::enumerate(outputs)) {
    llvm::Expected<NpyArray> out =
        readNpy(inDir(dir, "out" + llvm::Twine(i) + ".npy"));
    if (!out)
      return out.takeError();
    if (out->data.size() != t->getSizeInBytes())
      return error("output " + llvm::Twine(i) + " of the model library is " +
                   out->describe() + ", not " + t->getSpec().typeName);
    std::memcpy(t->getData(), out->data.data(), out->data.size());
  }
  auto text = llvm::MemoryBuffer::getFile(report);
  if (!text)
    return error("cannot read dnn-bench's report " + report);
  llvm::Expected<llvm::json::Value> json = llvm::json::parse((*text)->getBuffer());
  if (!json)
    return json.takeError();
  const llvm::json::Object *timing =
      json->getAsObject() ? json->getAsObject()->getObject("timing") : nullptr;
  const llvm::json::Array *ms = timing ? timing->getArray("ms") : nullptr;
  if (!ms)
    return error("dnn-bench's report has no timing.ms");
  llvm::SmallVector<double> times;
  for (const llvm::json::Value &v : *ms)
    times.push_back(v.getAsNumber().value_or(0));
  return times;
}

class CUDABackend final : public Backend {
public:
  explicit CUDABackend(std::string target) : target(std::move(target)) {}
  llvm::StringRef getName() const override { return "cuda"; }
  llvm::Expected<std::unique_ptr<Executable>>
  compile(mlir::ModuleOp module, const EntrySignature &entry) override;

private:
  std::string target;
};

llvm::Expected<std::unique_ptr<Executable>>
CUDABackend::compile(mlir::ModuleOp module, const EntrySignature &entry) {
  llvm::Expected<std::string> compiler = sibling("dnn-compile");
  if (!compiler)
    return compiler.takeError();
  llvm::Expected<std::string> bench = sibling("dnn-bench");
  if (!bench)
    return bench.takeError();

  llvm::SmallString<256> dir;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("dnn-run-cuda", dir))
    return error("cannot create a temporary folder: " + ec.message());
  auto executable = std::make_unique<CUDAExecutable>(std::string(dir), *bench);
  std::string source = inDir(dir, "model.mlir");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(source, ec);
    if (ec)
      return error("cannot write " + source + ": " + ec.message());
    // With the locations, so that what dnn-compile reports points into the
    // user's file, not into this copy.
    module.print(os, mlir::OpPrintingFlags().enableDebugInfo(
                         /*enable=*/true, /*prettyForm=*/false));
  }
  llvm::SmallVector<std::string> argv = {
      *compiler, source, "-o", inDir(dir, "model.so"),
      "--pipeline-options=entry=" + entry.name};
  if (!target.empty())
    argv.push_back("--target=" + target);
  else if (!module->hasAttr("dnn.target"))
    argv.push_back("--target=h100");
  if (llvm::Error err = execute(argv, "dnn-compile"))
    return std::move(err);
  return executable;
}

} // namespace

llvm::Expected<std::unique_ptr<Backend>>
dnn_run::createCUDABackend(llvm::StringRef target) {
  // A preset name is checked now, before a long compilation (a #dnn.gpu<...>
  // attribute is left to dnn-compile).
  if (!target.empty() && !target.starts_with("#") &&
      !mlir::dnn::findGPUPreset(target))
    return error("unknown GPU '" + target + "' for --gpu-target; known " +
                 "presets: " + mlir::dnn::getGPUPresetNameList());
  return std::make_unique<CUDABackend>(target.str());
}
