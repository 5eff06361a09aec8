//===- CUDABackend.cpp - dnn-run --on-device=cuda --------------------------===//
//
// The ahead-of-time path run in place: the module goes through dnn-compile
// (dnn-gpu-pipeline, mlir-translate, llc, link with the CUDA runtime) into a
// model library in a temporary folder, which is loaded with dlopen and run
// through its ABI (dnn/Runtime/ModelABI.h) and the runtime's C API
// (dnn/Runtime/Runtime.h), exactly as dnn-bench runs it.
//
//===----------------------------------------------------------------------===//

#include "Backend.h"

#include "dnn/Runtime/ModelABI.h"

#include "mlir/IR/BuiltinOps.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/Program.h"
#include "llvm/Support/raw_ostream.h"

#include <dlfcn.h>

using namespace dnn_run;

namespace {

llvm::Error error(const llvm::Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

/// The runtime's C API, looked up in the model library.
struct RuntimeAPI {
  int (*init)();
  const char *(*lastError)();
  void *(*malloc)(size_t);
  void (*free)(void *);
  int (*htod)(void *, const void *, size_t);
  int (*dtoh)(void *, const void *, size_t);
  int (*memset)(void *, unsigned char, size_t);
  void *(*eventCreate)();
  void (*eventDestroy)(void *);
  int (*eventRecord)(void *, void *);
  float (*eventElapsed)(void *, void *);
  void *(*getStream)();
};

struct ManifestArg {
  std::string kind;
  size_t bytes = 0;
  size_t offset = 0;
};

size_t elementBytes(llvm::StringRef dtype) {
  return llvm::StringSwitch<size_t>(dtype)
      .Case("f32", 4)
      .Case("f16", 2)
      .Case("bf16", 2)
      .Case("f64", 8)
      .Default(1);
}

class CUDAExecutable final : public Executable {
public:
  CUDAExecutable(void *library, RuntimeAPI api, dnn_model_run_fn entry,
                 llvm::SmallVector<ManifestArg> args,
                 std::unique_ptr<llvm::MemoryBuffer> weights)
      : library(library), api(api), entry(entry), args(std::move(args)),
        weights(std::move(weights)) {}
  ~CUDAExecutable() override {
    for (void *p : device)
      if (p)
        api.free(p);
    // The library stays loaded: its kernels' module is unloaded by its
    // destructors at exit.
  }

  llvm::Expected<llvm::SmallVector<double>>
  run(llvm::ArrayRef<HostTensor *> inputs, llvm::ArrayRef<HostTensor *> outputs,
      const RunOptions &options) override;

private:
  llvm::Error check(llvm::StringRef what) {
    if (const char *message = api.lastError())
      return error("CUDA " + what + ": " + message);
    return llvm::Error::success();
  }

  void *library;
  RuntimeAPI api;
  dnn_model_run_fn entry;
  llvm::SmallVector<ManifestArg> args;
  std::unique_ptr<llvm::MemoryBuffer> weights;
  llvm::SmallVector<void *> device;
};

llvm::Expected<llvm::SmallVector<double>>
CUDAExecutable::run(llvm::ArrayRef<HostTensor *> inputs,
                    llvm::ArrayRef<HostTensor *> outputs,
                    const RunOptions &options) {
  if (api.init() != 0)
    return error(llvm::Twine("CUDA initialisation: ") +
                 (api.lastError() ? api.lastError() : "unknown error"));
  size_t nextInput = 0, nextOutput = 0;
  llvm::SmallVector<std::pair<void *, HostTensor *>> results;
  device.assign(args.size(), nullptr);
  for (auto [i, arg] : llvm::enumerate(args)) {
    device[i] = api.malloc(std::max<size_t>(arg.bytes, 1));
    if (auto err = check("allocation"))
      return std::move(err);
    if (arg.kind == "input") {
      if (nextInput >= inputs.size())
        return error("the model library takes more inputs than the module");
      HostTensor *t = inputs[nextInput++];
      if (t->getSizeInBytes() != arg.bytes)
        return error("input " + llvm::Twine(nextInput - 1) + " has " +
                     llvm::Twine(t->getSizeInBytes()) +
                     " bytes, the model library expects " +
                     llvm::Twine(arg.bytes));
      api.htod(device[i], t->getData(), arg.bytes);
    } else if (arg.kind == "weight") {
      if (!weights || arg.offset + arg.bytes > weights->getBufferSize())
        return error("the weights file is shorter than the manifest says");
      api.htod(device[i], weights->getBufferStart() + arg.offset, arg.bytes);
    } else if (arg.kind == "output") {
      if (nextOutput >= outputs.size())
        return error("the model library has more outputs than the module");
      results.push_back({device[i], outputs[nextOutput++]});
    }
    if (auto err = check("upload"))
      return std::move(err);
  }
  if (nextInput != inputs.size() || nextOutput != outputs.size())
    return error("the model library's arguments do not match the module's");

  void *start = api.eventCreate(), *end = api.eventCreate();
  llvm::SmallVector<double> times;
  for (unsigned r = 0; r < options.warmup + options.repeat; ++r) {
    api.eventRecord(start, api.getStream());
    entry(device.data());
    api.eventRecord(end, api.getStream());
    float ms = api.eventElapsed(start, end);
    if (auto err = check("run"))
      return std::move(err);
    if (r >= options.warmup)
      times.push_back(ms);
  }
  api.eventDestroy(start);
  api.eventDestroy(end);
  for (auto [ptr, tensor] : results)
    api.dtoh(tensor->getData(), ptr, tensor->getSizeInBytes());
  if (auto err = check("download"))
    return std::move(err);
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

template <typename F>
llvm::Error lookup(void *library, const char *name, F &fn) {
  fn = reinterpret_cast<F>(dlsym(library, name));
  if (!fn)
    return error(llvm::Twine("the model library lacks ") + name);
  return llvm::Error::success();
}

llvm::Expected<std::unique_ptr<Executable>>
CUDABackend::compile(mlir::ModuleOp module, const EntrySignature &entry) {
  // dnn-compile sits beside dnn-run.
  std::string self = llvm::sys::fs::getMainExecutable(
      nullptr, reinterpret_cast<void *>(&error));
  llvm::SmallString<256> compiler(llvm::sys::path::parent_path(self));
  llvm::sys::path::append(compiler, "dnn-compile");
  if (!llvm::sys::fs::can_execute(compiler))
    return error("dnn-compile not found beside dnn-run (" + compiler + ")");

  llvm::SmallString<256> dir;
  if (std::error_code ec =
          llvm::sys::fs::createUniqueDirectory("dnn-run-cuda", dir))
    return error("cannot create a temporary folder: " + ec.message());
  llvm::SmallString<256> source(dir), library(dir), weightsPath(dir);
  llvm::sys::path::append(source, "model.mlir");
  llvm::sys::path::append(library, "model.so");
  llvm::sys::path::append(weightsPath, "model.weights");
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(source, ec);
    if (ec)
      return error("cannot write " + source + ": " + ec.message());
    module.print(os);
  }
  llvm::SmallVector<std::string> argv = {
      std::string(compiler), std::string(source), "-o", std::string(library),
      "--pipeline-options=entry=" + entry.name};
  if (!target.empty())
    argv.push_back("--target=" + target);
  else if (!module->hasAttr("dnn.target"))
    argv.push_back("--target=h100");
  llvm::SmallVector<llvm::StringRef> refs(argv.begin(), argv.end());
  std::string message;
  int rc = llvm::sys::ExecuteAndWait(compiler, refs, std::nullopt, {}, 0, 0,
                                     &message);
  if (rc != 0)
    return error("dnn-compile failed" +
                 (message.empty() ? "" : ": " + message));

  void *handle = dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle)
    return error(llvm::Twine("cannot load the model library: ") + dlerror());
  RuntimeAPI api;
  const char *manifest = nullptr;
  dnn_model_run_fn run = nullptr;
  if (auto err = llvm::joinErrors(
          llvm::joinErrors(lookup(handle, DNN_MODEL_RUN_SYMBOL, run),
                           lookup(handle, "dnnrtInit", api.init)),
          llvm::joinErrors(lookup(handle, "dnnrtGetLastError", api.lastError),
                           lookup(handle, "dnnrtMalloc", api.malloc))))
    return std::move(err);
  if (auto err = llvm::joinErrors(
          llvm::joinErrors(lookup(handle, "dnnrtFree", api.free),
                           lookup(handle, "dnnrtMemcpyHtoD", api.htod)),
          llvm::joinErrors(lookup(handle, "dnnrtMemcpyDtoH", api.dtoh),
                           lookup(handle, "dnnrtMemset", api.memset))))
    return std::move(err);
  if (auto err = llvm::joinErrors(
          llvm::joinErrors(lookup(handle, "dnnrtEventCreate", api.eventCreate),
                           lookup(handle, "dnnrtEventDestroy",
                                  api.eventDestroy)),
          llvm::joinErrors(
              lookup(handle, "dnnrtEventRecord", api.eventRecord),
              llvm::joinErrors(
                  lookup(handle, "dnnrtEventElapsedMs", api.eventElapsed),
                  lookup(handle, "dnnrtGetStream", api.getStream)))))
    return std::move(err);
  manifest = static_cast<const char *>(dlsym(handle, DNN_MODEL_MANIFEST_SYMBOL));
  if (!manifest)
    return error("the model library has no manifest");

  llvm::SmallVector<ManifestArg> args;
  llvm::SmallVector<llvm::StringRef> lines;
  llvm::StringRef(manifest).split(lines, '\n', -1, false);
  for (llvm::StringRef line : lines) {
    llvm::SmallVector<llvm::StringRef> f;
    line.split(f, ' ');
    if (f.size() < 6 || f[0] != "arg")
      continue;
    ManifestArg arg;
    arg.kind = f[2].str();
    if (arg.kind == "workspace") {
      f[5].getAsInteger(10, arg.bytes);
    } else {
      size_t count = 1;
      if (f[5] != "scalar") {
        llvm::SmallVector<llvm::StringRef> dims;
        f[5].split(dims, 'x');
        for (llvm::StringRef d : dims) {
          size_t v = 0;
          d.getAsInteger(10, v);
          count *= v;
        }
      }
      arg.bytes = count * elementBytes(f[4]);
      if (arg.kind == "weight" && f.size() > 6)
        f[6].getAsInteger(10, arg.offset);
    }
    args.push_back(arg);
  }
  std::unique_ptr<llvm::MemoryBuffer> weights;
  if (llvm::sys::fs::exists(weightsPath)) {
    auto buffer = llvm::MemoryBuffer::getFile(weightsPath);
    if (!buffer)
      return error("cannot read " + weightsPath);
    weights = std::move(*buffer);
  }
  // Loaded and read: the files are no longer needed.
  llvm::sys::fs::remove_directories(dir);
  return std::make_unique<CUDAExecutable>(handle, api, run, std::move(args),
                                          std::move(weights));
}

} // namespace

llvm::Expected<std::unique_ptr<Backend>>
dnn_run::createCUDABackend(llvm::StringRef target) {
  return std::make_unique<CUDABackend>(target.str());
}
