//===- CudaRuntime.cpp - the dnn CUDA driver-API runtime ------------------===//
//
// Implements dnn/Runtime/Runtime.h and the mgpu* functions that MLIR's
// gpu-to-llvm host code calls, on top of the CUDA driver API. The driver is
// opened with dlopen (libcuda.so.1, or $DNN_CUDA_LIBRARY) on first need and
// every call goes through a function pointer, so this file links against
// nothing but libc, libstdc++ and libdl; <cuda.h> supplies the types only.
//
// The state lives in one heap object made on first use and never destroyed:
// a model library's module-load constructors run (priority 123) before this
// file's own static initialisers would, and its unload destructors may run
// after them, so no global object with a constructor or destructor is used.
//
// See docs/runtime.md for the contract of each function.
//
//===----------------------------------------------------------------------===//

#pragma GCC visibility push(default)
#include "dnn/Runtime/ModelABI.h"
#include "dnn/Runtime/Runtime.h"
#pragma GCC visibility pop

#include "RuntimeTesting.h"

#include <cuda.h>
#include <dlfcn.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#if CUDA_VERSION < 11080
#error "the dnn CUDA runtime needs the cuda.h of CUDA 11.8 or newer"
#endif
#ifdef CUDA_API_PER_THREAD_DEFAULT_STREAM
#error "the dnn CUDA runtime resolves the legacy-default-stream entry points"
#endif

namespace {

//===----------------------------------------------------------------------===//
// The driver's entry points
//===----------------------------------------------------------------------===//

// The exported names: where cuda.h maps an API name to a versioned symbol
// (cuMemAlloc -> cuMemAlloc_v2, ...) the versioned one is listed.
#define DNN_REQUIRED_DRIVER_FUNCTIONS(X)                                       \
  X(cuInit)                                                                    \
  X(cuGetErrorName)                                                            \
  X(cuGetErrorString)                                                          \
  X(cuDeviceGet)                                                               \
  X(cuDeviceGetName)                                                           \
  X(cuDeviceGetAttribute)                                                      \
  X(cuDevicePrimaryCtxRetain)                                                  \
  X(cuCtxGetCurrent)                                                           \
  X(cuCtxSetCurrent)                                                           \
  X(cuMemAlloc_v2)                                                             \
  X(cuMemFree_v2)                                                              \
  X(cuMemcpyHtoDAsync_v2)                                                      \
  X(cuMemcpyDtoHAsync_v2)                                                      \
  X(cuMemcpyAsync)                                                             \
  X(cuMemsetD8Async)                                                           \
  X(cuMemsetD16Async)                                                          \
  X(cuMemsetD32Async)                                                          \
  X(cuStreamCreate)                                                            \
  X(cuStreamDestroy_v2)                                                        \
  X(cuStreamSynchronize)                                                       \
  X(cuStreamWaitEvent)                                                         \
  X(cuEventCreate)                                                             \
  X(cuEventDestroy_v2)                                                         \
  X(cuEventRecord)                                                             \
  X(cuEventSynchronize)                                                        \
  X(cuModuleLoadData)                                                          \
  X(cuModuleLoadDataEx)                                                        \
  X(cuModuleUnload)                                                            \
  X(cuModuleGetFunction)                                                       \
  X(cuFuncSetAttribute)                                                        \
  X(cuLaunchKernel)

// Looked up too, but a driver without them still works (the calls that need
// them record an error).
#define DNN_OPTIONAL_DRIVER_FUNCTIONS(X)                                       \
  X(cuMemAllocManaged)                                                         \
  X(cuLaunchKernelEx)                                                          \
  X(cuLaunchCooperativeKernel)

struct Driver {
  void *handle = nullptr;
  std::string path;
#define DNN_DECLARE_POINTER(name) decltype(&::name) name = nullptr;
  DNN_REQUIRED_DRIVER_FUNCTIONS(DNN_DECLARE_POINTER)
  DNN_OPTIONAL_DRIVER_FUNCTIONS(DNN_DECLARE_POINTER)
#undef DNN_DECLARE_POINTER
  // cuEventElapsedTime_v2 (CUDA 12.8+), else the older cuEventElapsedTime.
  CUresult (*cuEventElapsedTime)(float *, CUevent, CUevent) = nullptr;
};

//===----------------------------------------------------------------------===//
// The runtime's state
//===----------------------------------------------------------------------===//

enum InitState : int { kNotTried = 0, kReady = 1, kFailed = 2 };

/// The default dynamic shared memory limit of a kernel; above it the kernel
/// needs CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES.
constexpr int kDefaultSmemLimit = 48 * 1024;

struct FunctionInfo {
  std::string name;
  int smemLimit = kDefaultSmemLimit;
  bool nonPortableClusters = false;
};

struct State {
  // Initialisation (guarded by initMu; initState is read without it).
  std::mutex initMu;
  std::atomic<int> initState{kNotTried};
  std::string initError;
  int requestedDevice = -1; // mgpuSetDefaultDevice before initialisation
  int ordinal = 0;
  Driver driver;
  CUdevice device = 0;
  CUcontext context = nullptr;

  // The sticky error.
  std::mutex errorMu;
  bool hasError = false;
  std::string error;

  // Streams: the user's current stream, else the runtime's own.
  std::mutex streamMu;
  std::atomic<CUstream> userStream{nullptr};
  std::atomic<CUstream> ownedStream{nullptr};

  // Kernel handles per module and name, and what is known about each.
  std::mutex functionMu;
  std::unordered_map<CUmodule, std::map<std::string, CUfunction, std::less<>>>
      functions;
  std::unordered_map<CUfunction, FunctionInfo> functionInfo;

  std::atomic<uint64_t> launches{0};
};

State &state() {
  static State *s = new State();
  return *s;
}

const Driver &driver() { return state().driver; }

//===----------------------------------------------------------------------===//
// Errors
//===----------------------------------------------------------------------===//

void setError(const std::string &message) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.errorMu);
  if (s.hasError)
    return;
  s.hasError = true;
  s.error = message;
}

std::string describe(const Driver &d, CUresult result) {
  const char *name = nullptr;
  const char *text = nullptr;
  if (d.cuGetErrorName && d.cuGetErrorName(result, &name) != CUDA_SUCCESS)
    name = nullptr;
  if (d.cuGetErrorString && d.cuGetErrorString(result, &text) != CUDA_SUCCESS)
    text = nullptr;
  std::string s = name ? name : "CUresult " + std::to_string(int(result));
  if (text)
    s += std::string(" (") + text + ")";
  return s;
}

/// Records "<where>: <call> failed: <name> (<text>)" unless `result` is
/// success; returns whether it was.
bool check(CUresult result, const std::string &where, const char *call) {
  if (result == CUDA_SUCCESS)
    return true;
  setError(where + ": " + call + " failed: " + describe(driver(), result));
  return false;
}

// Same, with a constant `where`, so that the success path builds no string.
bool check(CUresult result, const char *where, const char *call) {
  if (result == CUDA_SUCCESS)
    return true;
  return check(result, std::string(where), call);
}

std::string hexPointer(const void *p) {
  char buffer[32];
  snprintf(buffer, sizeof(buffer), "%p", p);
  return buffer;
}

//===----------------------------------------------------------------------===//
// Initialisation
//===----------------------------------------------------------------------===//

/// Loads the driver and makes the device's primary context current. Returns
/// an empty string on success, else what went wrong. Called under initMu.
std::string initialiseLocked(State &s) {
  Driver &d = s.driver;
  const char *envPath = getenv("DNN_CUDA_LIBRARY");
  d.path = envPath && *envPath ? envPath : "libcuda.so.1";

  dlerror();
  void *handle = dlopen(d.path.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!handle) {
    const char *why = dlerror();
    return "cannot load the CUDA driver '" + d.path +
           "': " + (why ? why : "dlopen failed");
  }

  std::string missing;
#define DNN_RESOLVE_REQUIRED(name)                                             \
  d.name = reinterpret_cast<decltype(d.name)>(dlsym(handle, #name));           \
  if (!d.name)                                                                 \
    missing += " " #name;
#define DNN_RESOLVE_OPTIONAL(name)                                             \
  d.name = reinterpret_cast<decltype(d.name)>(dlsym(handle, #name));
  DNN_REQUIRED_DRIVER_FUNCTIONS(DNN_RESOLVE_REQUIRED)
  DNN_OPTIONAL_DRIVER_FUNCTIONS(DNN_RESOLVE_OPTIONAL)
#undef DNN_RESOLVE_REQUIRED
#undef DNN_RESOLVE_OPTIONAL
  void *elapsed = dlsym(handle, "cuEventElapsedTime_v2");
  if (!elapsed)
    elapsed = dlsym(handle, "cuEventElapsedTime");
  d.cuEventElapsedTime = reinterpret_cast<decltype(d.cuEventElapsedTime)>(elapsed);
  if (!elapsed)
    missing += " cuEventElapsedTime";
  if (!missing.empty()) {
    std::string path = d.path;
    dlclose(handle);
    d = Driver();
    d.path = path;
    return "the CUDA driver '" + path + "' lacks" + missing;
  }
  d.handle = handle;

  s.ordinal = 0;
  if (s.requestedDevice >= 0) {
    s.ordinal = s.requestedDevice;
  } else if (const char *env = getenv("DNN_CUDA_DEVICE"); env && *env) {
    errno = 0;
    char *end = nullptr;
    long value = strtol(env, &end, 10);
    if (errno || *end || value < 0 || value > INT_MAX)
      return std::string("DNN_CUDA_DEVICE='") + env +
             "' is not a device ordinal";
    s.ordinal = int(value);
  }

  CUresult result = d.cuInit(0);
  if (result != CUDA_SUCCESS)
    return "cuInit failed: " + describe(d, result) + " (driver '" + d.path +
           "')";
  result = d.cuDeviceGet(&s.device, s.ordinal);
  if (result != CUDA_SUCCESS)
    return "cuDeviceGet(" + std::to_string(s.ordinal) +
           ") failed: " + describe(d, result);
  result = d.cuDevicePrimaryCtxRetain(&s.context, s.device);
  if (result != CUDA_SUCCESS)
    return "cuDevicePrimaryCtxRetain(device " + std::to_string(s.ordinal) +
           ") failed: " + describe(d, result);
  result = d.cuCtxSetCurrent(s.context);
  if (result != CUDA_SUCCESS)
    return "cuCtxSetCurrent failed: " + describe(d, result);
  return std::string();
}

int initialise(State &s) {
  std::lock_guard<std::mutex> lock(s.initMu);
  int current = s.initState.load(std::memory_order_relaxed);
  if (current != kNotTried)
    return current;
  std::string error = initialiseLocked(s);
  int result = kReady;
  if (!error.empty()) {
    s.initError = error;
    result = kFailed;
  }
  s.initState.store(result, std::memory_order_release);
  return result;
}

/// Initialises on first need and makes the primary context current on the
/// calling thread. On failure records "<caller>: <why>" and returns false.
bool ready(const char *caller) {
  State &s = state();
  int current = s.initState.load(std::memory_order_acquire);
  if (current == kNotTried)
    current = initialise(s);
  if (current != kReady) {
    setError(std::string(caller) + ": " + s.initError);
    return false;
  }
  const Driver &d = s.driver;
  CUcontext context = nullptr;
  if (d.cuCtxGetCurrent(&context) == CUDA_SUCCESS && context == s.context)
    return true;
  return check(d.cuCtxSetCurrent(s.context), caller, "cuCtxSetCurrent");
}

/// The stream model code runs on: the user's (dnnrtSetStream), else the
/// runtime's own, created on first need. Call after ready(). NULL (the
/// legacy default stream) when the runtime's stream cannot be created.
CUstream currentStream(const char *caller) {
  State &s = state();
  if (CUstream user = s.userStream.load(std::memory_order_acquire))
    return user;
  if (CUstream owned = s.ownedStream.load(std::memory_order_acquire))
    return owned;
  std::lock_guard<std::mutex> lock(s.streamMu);
  if (CUstream owned = s.ownedStream.load(std::memory_order_relaxed))
    return owned;
  CUstream created = nullptr;
  if (!check(driver().cuStreamCreate(&created, CU_STREAM_DEFAULT), caller,
             "cuStreamCreate"))
    return nullptr;
  s.ownedStream.store(created, std::memory_order_release);
  return created;
}

/// A stream argument of the C API: NULL means the current stream.
CUstream streamOrCurrent(void *stream, const char *caller) {
  return stream ? static_cast<CUstream>(stream) : currentStream(caller);
}

//===----------------------------------------------------------------------===//
// Kernels
//===----------------------------------------------------------------------===//

std::string functionName(CUfunction function) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.functionMu);
  auto it = s.functionInfo.find(function);
  return it == s.functionInfo.end() ? hexPointer(function) : it->second.name;
}

bool validDims(int64_t x, int64_t y, int64_t z) {
  return x >= 1 && y >= 1 && z >= 1 && x <= int64_t(UINT_MAX) &&
         y <= int64_t(UINT_MAX) && z <= int64_t(UINT_MAX);
}

std::string dims(int64_t x, int64_t y, int64_t z) {
  return std::to_string(x) + "," + std::to_string(y) + "," + std::to_string(z);
}

/// Raises the kernel's dynamic shared memory limit where `smem` needs it
/// (once per kernel and size), and allows non-portable cluster sizes where
/// `clusterSize` needs them.
bool prepareFunction(CUfunction function, int32_t smem, int64_t clusterSize,
                     const char *caller) {
  if (smem <= kDefaultSmemLimit && clusterSize <= 8)
    return true;
  State &s = state();
  const Driver &d = s.driver;
  std::lock_guard<std::mutex> lock(s.functionMu);
  FunctionInfo &info = s.functionInfo[function];
  if (info.name.empty())
    info.name = hexPointer(function);
  if (smem > info.smemLimit) {
    CUresult result = d.cuFuncSetAttribute(
        function, CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, smem);
    if (result != CUDA_SUCCESS) {
      setError(std::string(caller) + "(" + info.name +
               "): cuFuncSetAttribute(MAX_DYNAMIC_SHARED_SIZE_BYTES, " +
               std::to_string(smem) + ") failed: " + describe(d, result));
      return false;
    }
    info.smemLimit = smem;
  }
  if (clusterSize > 8 && !info.nonPortableClusters) {
    CUresult result = d.cuFuncSetAttribute(
        function, CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED, 1);
    if (result != CUDA_SUCCESS) {
      setError(std::string(caller) + "(" + info.name +
               "): cuFuncSetAttribute(NON_PORTABLE_CLUSTER_SIZE_ALLOWED) "
               "failed: " +
               describe(d, result));
      return false;
    }
    info.nonPortableClusters = true;
  }
  return true;
}

void forgetModule(CUmodule module) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.functionMu);
  auto it = s.functions.find(module);
  if (it == s.functions.end())
    return;
  for (auto &entry : it->second)
    s.functionInfo.erase(entry.second);
  s.functions.erase(it);
}

} // namespace

//===----------------------------------------------------------------------===//
// The C API (Runtime.h)
//===----------------------------------------------------------------------===//

int dnnrtInit(void) { return ready("dnnrtInit") ? 0 : 1; }

const char *dnnrtGetLastError(void) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.errorMu);
  return s.hasError ? s.error.c_str() : nullptr;
}

void dnnrtClearError(void) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.errorMu);
  s.hasError = false;
  s.error.clear();
}

int dnnrtDeviceInfo(char *name, size_t nameLen, int *major, int *minor) {
  if (!ready("dnnrtDeviceInfo"))
    return 1;
  State &s = state();
  const Driver &d = s.driver;
  if (name && nameLen > 0) {
    int len = nameLen > size_t(INT_MAX) ? INT_MAX : int(nameLen);
    if (!check(d.cuDeviceGetName(name, len, s.device), "dnnrtDeviceInfo",
               "cuDeviceGetName"))
      return 1;
    name[nameLen - 1] = '\0';
  }
  if (major &&
      !check(d.cuDeviceGetAttribute(
                 major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, s.device),
             "dnnrtDeviceInfo", "cuDeviceGetAttribute"))
    return 1;
  if (minor &&
      !check(d.cuDeviceGetAttribute(
                 minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, s.device),
             "dnnrtDeviceInfo", "cuDeviceGetAttribute"))
    return 1;
  return 0;
}

void *dnnrtMalloc(size_t bytes) {
  if (bytes == 0 || !ready("dnnrtMalloc"))
    return nullptr;
  CUdeviceptr ptr = 0;
  if (!check(driver().cuMemAlloc_v2(&ptr, bytes),
             "dnnrtMalloc(" + std::to_string(bytes) + " bytes)",
             "cuMemAlloc_v2"))
    return nullptr;
  return reinterpret_cast<void *>(ptr);
}

void dnnrtFree(void *ptr) {
  if (!ptr || !ready("dnnrtFree"))
    return;
  check(driver().cuMemFree_v2(reinterpret_cast<CUdeviceptr>(ptr)),
        "dnnrtFree", "cuMemFree_v2");
}

int dnnrtMemcpyHtoD(void *dst, const void *src, size_t bytes) {
  if (bytes == 0)
    return 0;
  if (!ready("dnnrtMemcpyHtoD"))
    return 1;
  CUstream stream = currentStream("dnnrtMemcpyHtoD");
  const Driver &d = driver();
  if (!check(d.cuMemcpyHtoDAsync_v2(reinterpret_cast<CUdeviceptr>(dst), src,
                                    bytes, stream),
             "dnnrtMemcpyHtoD(" + std::to_string(bytes) + " bytes)",
             "cuMemcpyHtoDAsync_v2"))
    return 1;
  return check(d.cuStreamSynchronize(stream), "dnnrtMemcpyHtoD",
               "cuStreamSynchronize")
             ? 0
             : 1;
}

int dnnrtMemcpyDtoH(void *dst, const void *src, size_t bytes) {
  if (bytes == 0)
    return 0;
  if (!ready("dnnrtMemcpyDtoH"))
    return 1;
  CUstream stream = currentStream("dnnrtMemcpyDtoH");
  const Driver &d = driver();
  if (!check(d.cuMemcpyDtoHAsync_v2(dst, reinterpret_cast<CUdeviceptr>(src),
                                    bytes, stream),
             "dnnrtMemcpyDtoH(" + std::to_string(bytes) + " bytes)",
             "cuMemcpyDtoHAsync_v2"))
    return 1;
  return check(d.cuStreamSynchronize(stream), "dnnrtMemcpyDtoH",
               "cuStreamSynchronize")
             ? 0
             : 1;
}

int dnnrtMemset(void *dst, unsigned char value, size_t bytes) {
  if (bytes == 0)
    return 0;
  if (!ready("dnnrtMemset"))
    return 1;
  CUstream stream = currentStream("dnnrtMemset");
  const Driver &d = driver();
  if (!check(d.cuMemsetD8Async(reinterpret_cast<CUdeviceptr>(dst), value,
                               bytes, stream),
             "dnnrtMemset(" + std::to_string(bytes) + " bytes)",
             "cuMemsetD8Async"))
    return 1;
  return check(d.cuStreamSynchronize(stream), "dnnrtMemset",
               "cuStreamSynchronize")
             ? 0
             : 1;
}

void *dnnrtStreamCreate(void) {
  if (!ready("dnnrtStreamCreate"))
    return nullptr;
  CUstream stream = nullptr;
  if (!check(driver().cuStreamCreate(&stream, CU_STREAM_DEFAULT),
             "dnnrtStreamCreate", "cuStreamCreate"))
    return nullptr;
  return stream;
}

void dnnrtStreamDestroy(void *stream) {
  State &s = state();
  if (!stream || stream == s.ownedStream.load())
    return; // the runtime's own stream stays alive
  CUstream expected = static_cast<CUstream>(stream);
  s.userStream.compare_exchange_strong(expected, nullptr);
  if (!ready("dnnrtStreamDestroy"))
    return;
  check(driver().cuStreamDestroy_v2(static_cast<CUstream>(stream)),
        "dnnrtStreamDestroy", "cuStreamDestroy_v2");
}

int dnnrtStreamSynchronize(void *stream) {
  if (!ready("dnnrtStreamSynchronize"))
    return 1;
  CUstream s = streamOrCurrent(stream, "dnnrtStreamSynchronize");
  return check(driver().cuStreamSynchronize(s), "dnnrtStreamSynchronize",
               "cuStreamSynchronize")
             ? 0
             : 1;
}

void dnnrtSetStream(void *stream) {
  state().userStream.store(static_cast<CUstream>(stream),
                           std::memory_order_release);
}

void *dnnrtGetStream(void) {
  if (!ready("dnnrtGetStream"))
    return nullptr;
  return currentStream("dnnrtGetStream");
}

void *dnnrtEventCreate(void) {
  if (!ready("dnnrtEventCreate"))
    return nullptr;
  CUevent event = nullptr;
  if (!check(driver().cuEventCreate(&event, CU_EVENT_DEFAULT),
             "dnnrtEventCreate", "cuEventCreate"))
    return nullptr;
  return event;
}

void dnnrtEventDestroy(void *event) {
  if (!event || !ready("dnnrtEventDestroy"))
    return;
  check(driver().cuEventDestroy_v2(static_cast<CUevent>(event)),
        "dnnrtEventDestroy", "cuEventDestroy_v2");
}

int dnnrtEventRecord(void *event, void *stream) {
  if (!ready("dnnrtEventRecord"))
    return 1;
  if (!event) {
    setError("dnnrtEventRecord: no event");
    return 1;
  }
  CUstream s = streamOrCurrent(stream, "dnnrtEventRecord");
  return check(driver().cuEventRecord(static_cast<CUevent>(event), s),
               "dnnrtEventRecord", "cuEventRecord")
             ? 0
             : 1;
}

float dnnrtEventElapsedMs(void *start, void *end) {
  if (!ready("dnnrtEventElapsedMs"))
    return -1.0f;
  if (!start || !end) {
    setError("dnnrtEventElapsedMs: no event");
    return -1.0f;
  }
  const Driver &d = driver();
  if (!check(d.cuEventSynchronize(static_cast<CUevent>(end)),
             "dnnrtEventElapsedMs", "cuEventSynchronize"))
    return -1.0f;
  float ms = 0.0f;
  if (!check(d.cuEventElapsedTime(&ms, static_cast<CUevent>(start),
                                  static_cast<CUevent>(end)),
             "dnnrtEventElapsedMs", "cuEventElapsedTime"))
    return -1.0f;
  return ms;
}

uint64_t dnnrtLaunchCount(void) {
  return state().launches.load(std::memory_order_relaxed);
}

void dnnrtResetLaunchCount(void) {
  state().launches.store(0, std::memory_order_relaxed);
}

//===----------------------------------------------------------------------===//
// The mgpu* functions of MLIR's gpu-to-llvm lowering
//===----------------------------------------------------------------------===//
//
// The signatures are those of the `declare`s that MLIR 22's gpu-to-llvm
// emits (docs/runtime.md lists them); i8/i16/i32 arguments come as the
// unsigned C types of that width.

#pragma GCC visibility push(default)
extern "C" {

void *mgpuModuleLoad(void *data, int64_t size) {
  if (!ready("mgpuModuleLoad"))
    return nullptr;
  std::string where = "mgpuModuleLoad(" + std::to_string(size) + "-byte image)";
  if (!data) {
    setError(where + ": no image");
    return nullptr;
  }
  CUmodule module = nullptr;
  if (!check(driver().cuModuleLoadData(&module, data), where,
             "cuModuleLoadData"))
    return nullptr;
  return module;
}

void *mgpuModuleLoadJIT(void *data, int32_t optLevel) {
  if (!ready("mgpuModuleLoadJIT"))
    return nullptr;
  if (!data) {
    setError("mgpuModuleLoadJIT: no PTX");
    return nullptr;
  }
  std::string where = "mgpuModuleLoadJIT(" +
                      std::to_string(strlen(static_cast<const char *>(data))) +
                      "-byte PTX, O" + std::to_string(optLevel) + ")";
  constexpr size_t kLogBytes = 16 * 1024;
  std::string errorLog(kLogBytes, '\0');
  std::string infoLog(kLogBytes, '\0');
  int level = optLevel < 0 ? 0 : optLevel > 4 ? 4 : optLevel;
  CUjit_option options[] = {
      CU_JIT_ERROR_LOG_BUFFER, CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
      CU_JIT_INFO_LOG_BUFFER,  CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES,
      CU_JIT_OPTIMIZATION_LEVEL};
  void *values[] = {&errorLog[0], reinterpret_cast<void *>(kLogBytes - 1),
                    &infoLog[0], reinterpret_cast<void *>(kLogBytes - 1),
                    reinterpret_cast<void *>(intptr_t(level))};
  CUmodule module = nullptr;
  CUresult result = driver().cuModuleLoadDataEx(
      &module, data, sizeof(options) / sizeof(options[0]), options, values);
  if (result == CUDA_SUCCESS)
    return module;
  std::string message = where + ": cuModuleLoadDataEx failed: " +
                        describe(driver(), result);
  const char *log = errorLog.c_str();
  if (!*log)
    log = infoLog.c_str();
  if (*log) {
    message += "\nJIT log:\n";
    message += log;
    while (!message.empty() && message.back() == '\n')
      message.pop_back();
  }
  setError(message);
  return nullptr;
}

void mgpuModuleUnload(void *module) {
  if (!module)
    return; // its load failed, and said so
  CUmodule m = static_cast<CUmodule>(module);
  forgetModule(m);
  State &s = state();
  if (s.initState.load(std::memory_order_acquire) != kReady)
    return;
  CUresult result = s.driver.cuModuleUnload(m);
  // At process exit the driver may already have shut down.
  if (result != CUDA_SUCCESS && result != CUDA_ERROR_DEINITIALIZED)
    check(result, "mgpuModuleUnload", "cuModuleUnload");
}

void *mgpuModuleGetFunction(void *module, const char *name) {
  std::string_view key = name ? name : "";
  if (!module) {
    setError("mgpuModuleGetFunction(" + std::string(key) +
             "): no module (its load failed)");
    return nullptr;
  }
  if (!name) {
    setError("mgpuModuleGetFunction: no kernel name");
    return nullptr;
  }
  CUmodule m = static_cast<CUmodule>(module);
  State &s = state();
  {
    std::lock_guard<std::mutex> lock(s.functionMu);
    auto it = s.functions.find(m);
    if (it != s.functions.end()) {
      auto f = it->second.find(key);
      if (f != it->second.end())
        return f->second;
    }
  }
  if (!ready("mgpuModuleGetFunction"))
    return nullptr;
  CUfunction function = nullptr;
  if (!check(s.driver.cuModuleGetFunction(&function, m, name),
             "mgpuModuleGetFunction(" + std::string(key) + ")",
             "cuModuleGetFunction"))
    return nullptr;
  std::lock_guard<std::mutex> lock(s.functionMu);
  s.functions[m].emplace(std::string(key), function);
  FunctionInfo &info = s.functionInfo[function];
  info.name = std::string(key);
  return function;
}

void mgpuLaunchKernel(void *function, int64_t gridX, int64_t gridY,
                      int64_t gridZ, int64_t blockX, int64_t blockY,
                      int64_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, int64_t /*paramsCount*/) {
  state().launches.fetch_add(1, std::memory_order_relaxed);
  if (!function) {
    setError("mgpuLaunchKernel: no kernel (its mgpuModuleGetFunction failed)");
    return;
  }
  if (!ready("mgpuLaunchKernel"))
    return;
  CUfunction f = static_cast<CUfunction>(function);
  if (!validDims(gridX, gridY, gridZ) || !validDims(blockX, blockY, blockZ) ||
      smem < 0) {
    setError("mgpuLaunchKernel(" + functionName(f) +
             "): invalid launch grid=" + dims(gridX, gridY, gridZ) +
             " block=" + dims(blockX, blockY, blockZ) +
             " smem=" + std::to_string(smem));
    return;
  }
  if (!prepareFunction(f, smem, 1, "mgpuLaunchKernel"))
    return;
  // A kernel that synchronises its whole grid (ModelABI.h) needs all its
  // CTAs resident: a cooperative launch fails instead of hanging.
  std::string name = functionName(f);
  bool cooperative = name.rfind(DNN_COOPERATIVE_KERNEL_PREFIX, 0) == 0;
  const Driver &d = driver();
  if (cooperative && !d.cuLaunchCooperativeKernel) {
    setError("mgpuLaunchKernel(" + name + "): the CUDA driver '" + d.path +
             "' lacks cuLaunchCooperativeKernel");
    return;
  }
  CUresult result =
      cooperative
          ? d.cuLaunchCooperativeKernel(
                f, unsigned(gridX), unsigned(gridY), unsigned(gridZ),
                unsigned(blockX), unsigned(blockY), unsigned(blockZ),
                unsigned(smem), static_cast<CUstream>(stream), params)
          : d.cuLaunchKernel(f, unsigned(gridX), unsigned(gridY),
                             unsigned(gridZ), unsigned(blockX),
                             unsigned(blockY), unsigned(blockZ),
                             unsigned(smem), static_cast<CUstream>(stream),
                             params, extra);
  if (result != CUDA_SUCCESS)
    check(result,
          "mgpuLaunchKernel(" + name + ", grid=" + dims(gridX, gridY, gridZ) +
              " block=" + dims(blockX, blockY, blockZ) +
              " smem=" + std::to_string(smem) + ")",
          cooperative ? "cuLaunchCooperativeKernel" : "cuLaunchKernel");
}

void mgpuLaunchClusterKernel(void *function, int64_t clusterX,
                             int64_t clusterY, int64_t clusterZ, int64_t gridX,
                             int64_t gridY, int64_t gridZ, int64_t blockX,
                             int64_t blockY, int64_t blockZ, int32_t smem,
                             void *stream, void **params, void **extra) {
  state().launches.fetch_add(1, std::memory_order_relaxed);
  if (!function) {
    setError("mgpuLaunchClusterKernel: no kernel (its mgpuModuleGetFunction "
             "failed)");
    return;
  }
  if (!ready("mgpuLaunchClusterKernel"))
    return;
  CUfunction f = static_cast<CUfunction>(function);
  const Driver &d = driver();
  if (!d.cuLaunchKernelEx) {
    setError("mgpuLaunchClusterKernel(" + functionName(f) +
             "): the CUDA driver '" + d.path + "' lacks cuLaunchKernelEx");
    return;
  }
  if (!validDims(clusterX, clusterY, clusterZ) ||
      !validDims(gridX, gridY, gridZ) || !validDims(blockX, blockY, blockZ) ||
      smem < 0) {
    setError("mgpuLaunchClusterKernel(" + functionName(f) +
             "): invalid launch cluster=" + dims(clusterX, clusterY, clusterZ) +
             " grid=" + dims(gridX, gridY, gridZ) +
             " block=" + dims(blockX, blockY, blockZ) +
             " smem=" + std::to_string(smem));
    return;
  }
  if (!prepareFunction(f, smem, clusterX * clusterY * clusterZ,
                       "mgpuLaunchClusterKernel"))
    return;
  CUlaunchAttribute attribute;
  memset(&attribute, 0, sizeof(attribute));
  attribute.id = CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION;
  attribute.value.clusterDim.x = unsigned(clusterX);
  attribute.value.clusterDim.y = unsigned(clusterY);
  attribute.value.clusterDim.z = unsigned(clusterZ);
  CUlaunchConfig config;
  memset(&config, 0, sizeof(config));
  config.gridDimX = unsigned(gridX);
  config.gridDimY = unsigned(gridY);
  config.gridDimZ = unsigned(gridZ);
  config.blockDimX = unsigned(blockX);
  config.blockDimY = unsigned(blockY);
  config.blockDimZ = unsigned(blockZ);
  config.sharedMemBytes = unsigned(smem);
  config.hStream = static_cast<CUstream>(stream);
  config.attrs = &attribute;
  config.numAttrs = 1;
  CUresult result = d.cuLaunchKernelEx(&config, f, params, extra);
  if (result != CUDA_SUCCESS)
    check(result,
          "mgpuLaunchClusterKernel(" + functionName(f) +
              ", cluster=" + dims(clusterX, clusterY, clusterZ) +
              " grid=" + dims(gridX, gridY, gridZ) +
              " block=" + dims(blockX, blockY, blockZ) +
              " smem=" + std::to_string(smem) + ")",
          "cuLaunchKernelEx");
}

void *mgpuStreamCreate(void) {
  if (!ready("mgpuStreamCreate"))
    return nullptr;
  return currentStream("mgpuStreamCreate");
}

void mgpuStreamDestroy(void * /*stream*/) {
  // mgpuStreamCreate hands out the current stream, which the user or the
  // runtime owns: nothing to destroy (the lowering may also destroy one
  // stream twice).
}

void mgpuStreamSynchronize(void *stream) {
  if (!ready("mgpuStreamSynchronize"))
    return;
  check(driver().cuStreamSynchronize(static_cast<CUstream>(stream)),
        "mgpuStreamSynchronize", "cuStreamSynchronize");
}

void mgpuStreamWaitEvent(void *stream, void *event) {
  if (!event || !ready("mgpuStreamWaitEvent"))
    return; // a NULL event: its creation failed, and said so
  check(driver().cuStreamWaitEvent(static_cast<CUstream>(stream),
                                   static_cast<CUevent>(event), 0),
        "mgpuStreamWaitEvent", "cuStreamWaitEvent");
}

void *mgpuEventCreate(void) {
  if (!ready("mgpuEventCreate"))
    return nullptr;
  CUevent event = nullptr;
  if (!check(driver().cuEventCreate(&event, CU_EVENT_DISABLE_TIMING),
             "mgpuEventCreate", "cuEventCreate"))
    return nullptr;
  return event;
}

void mgpuEventDestroy(void *event) {
  if (!event || !ready("mgpuEventDestroy"))
    return;
  check(driver().cuEventDestroy_v2(static_cast<CUevent>(event)),
        "mgpuEventDestroy", "cuEventDestroy_v2");
}

void mgpuEventSynchronize(void *event) {
  if (!event || !ready("mgpuEventSynchronize"))
    return;
  check(driver().cuEventSynchronize(static_cast<CUevent>(event)),
        "mgpuEventSynchronize", "cuEventSynchronize");
}

void mgpuEventRecord(void *event, void *stream) {
  if (!event || !ready("mgpuEventRecord"))
    return;
  check(driver().cuEventRecord(static_cast<CUevent>(event),
                               static_cast<CUstream>(stream)),
        "mgpuEventRecord", "cuEventRecord");
}

void *mgpuMemAlloc(uint64_t sizeBytes, void * /*stream*/,
                   uint8_t isHostShared) {
  if (sizeBytes == 0 || !ready("mgpuMemAlloc"))
    return nullptr;
  const Driver &d = driver();
  std::string where = "mgpuMemAlloc(" + std::to_string(sizeBytes) + " bytes)";
  CUdeviceptr ptr = 0;
  if (isHostShared) {
    if (!d.cuMemAllocManaged) {
      setError(where + ": the CUDA driver '" + d.path +
               "' lacks cuMemAllocManaged");
      return nullptr;
    }
    if (!check(d.cuMemAllocManaged(&ptr, sizeBytes, CU_MEM_ATTACH_GLOBAL),
               where, "cuMemAllocManaged"))
      return nullptr;
  } else if (!check(d.cuMemAlloc_v2(&ptr, sizeBytes), where,
                    "cuMemAlloc_v2")) {
    return nullptr;
  }
  return reinterpret_cast<void *>(ptr);
}

void mgpuMemFree(void *ptr, void * /*stream*/) {
  if (!ptr || !ready("mgpuMemFree"))
    return;
  check(driver().cuMemFree_v2(reinterpret_cast<CUdeviceptr>(ptr)),
        "mgpuMemFree", "cuMemFree_v2");
}

void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream) {
  if (sizeBytes == 0 || !ready("mgpuMemcpy"))
    return;
  check(driver().cuMemcpyAsync(reinterpret_cast<CUdeviceptr>(dst),
                               reinterpret_cast<CUdeviceptr>(src), sizeBytes,
                               static_cast<CUstream>(stream)),
        "mgpuMemcpy(" + std::to_string(sizeBytes) + " bytes)",
        "cuMemcpyAsync");
}

void mgpuMemset32(void *dst, uint32_t value, size_t count, void *stream) {
  if (count == 0 || !ready("mgpuMemset32"))
    return;
  check(driver().cuMemsetD32Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                  count, static_cast<CUstream>(stream)),
        "mgpuMemset32", "cuMemsetD32Async");
}

void mgpuMemset16(void *dst, uint16_t value, size_t count, void *stream) {
  if (count == 0 || !ready("mgpuMemset16"))
    return;
  check(driver().cuMemsetD16Async(reinterpret_cast<CUdeviceptr>(dst), value,
                                  count, static_cast<CUstream>(stream)),
        "mgpuMemset16", "cuMemsetD16Async");
}

void mgpuSetDefaultDevice(int32_t device) {
  State &s = state();
  std::lock_guard<std::mutex> lock(s.initMu);
  switch (s.initState.load(std::memory_order_relaxed)) {
  case kNotTried:
    s.requestedDevice = device;
    return;
  case kReady:
    if (device != s.ordinal)
      setError("mgpuSetDefaultDevice(" + std::to_string(device) +
               "): the runtime already uses device " +
               std::to_string(s.ordinal) + " (one device per process)");
    return;
  default:
    return; // the initialisation error is reported by the calls that need it
  }
}

} // extern "C"
#pragma GCC visibility pop

//===----------------------------------------------------------------------===//
// Test hook (RuntimeTesting.h; hidden)
//===----------------------------------------------------------------------===//

void dnnrtTestingReset(void) {
  State &s = state();
  std::lock_guard<std::mutex> initLock(s.initMu);
  std::lock_guard<std::mutex> errorLock(s.errorMu);
  std::lock_guard<std::mutex> streamLock(s.streamMu);
  std::lock_guard<std::mutex> functionLock(s.functionMu);
  if (s.driver.handle)
    dlclose(s.driver.handle);
  s.driver = Driver();
  s.initState.store(kNotTried);
  s.initError.clear();
  s.requestedDevice = -1;
  s.ordinal = 0;
  s.device = 0;
  s.context = nullptr;
  s.hasError = false;
  s.error.clear();
  s.userStream.store(nullptr);
  s.ownedStream.store(nullptr);
  s.functions.clear();
  s.functionInfo.clear();
  s.launches.store(0);
}
