//===- FakeCuda.cpp - a CUDA driver stand-in for tests without a GPU ------===//
//
// libdnn_fake_cuda.so exports the driver entry points the dnn runtime looks
// up, with the real signatures (cuda.h's declarations). Point the runtime at
// it with DNN_CUDA_LIBRARY. What it does (docs/runtime.md has the details):
//
//  - one device, "Fake CUDA device", compute capability 9.0;
//  - device memory is host memory (malloc), so copies and memsets are real;
//    pointers outside an allocation are rejected;
//  - modules: any non-empty PTX text, ELF cubin or fatbin image loads;
//    cuModuleGetFunction finds a kernel by `.entry <name>` in PTX and by a
//    `.text.<name>` section in a cubin (CUDA_ERROR_NOT_FOUND otherwise);
//  - kernels are not run: a launch is checked (live handles, block size,
//    dynamic shared memory within the kernel's limit) and logged;
//  - events time every interval as 0.25 ms;
//  - calls need cuInit first, and those that use a context need one current
//    on the calling thread (cuCtxSetCurrent), as the real driver does.
//
// Environment, read at every call:
//   DNN_FAKE_CUDA_LOG=<file>   append one line per event: `module_load <bytes>
//                              <ptx|cubin|fatbin>`, `module_unload`,
//                              `get_function <name>`, `launch <name>
//                              grid=x,y,z block=x,y,z smem=<bytes>` (+
//                              ` cluster=x,y,z` from cuLaunchKernelEx,
//                              ` cooperative` from cuLaunchCooperativeKernel,
//                              which refuses grids of more than 132 CTAs),
//                              `func_set_attribute <name> <attr>=<value>`,
//                              `htod|dtoh|dtod|htoh <bytes>`, `memset <bytes>`
//   DNN_FAKE_CUDA_FAIL=<names> comma-separated entry points (exported names,
//                              e.g. cuMemAlloc_v2) that return an error
//
//===----------------------------------------------------------------------===//

#include <cuda.h>

#include <algorithm>
#include <atomic>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>

#define FAKE_EXPORT extern "C" __attribute__((visibility("default")))

namespace {

/// SMs of the fake device (an H100's).
constexpr int kFakeSms = 132;

struct FakeModule;

struct FakeFunction {
  std::string name;
  FakeModule *module = nullptr;
  int maxDynamicSmem = 48 * 1024;
};

struct FakeModule {
  std::string kind; // ptx, cubin or fatbin
  std::string image;
  std::map<std::string, std::unique_ptr<FakeFunction>> kernels;
};

struct FakeStream {
  unsigned flags = 0;
};

struct FakeEvent {
  unsigned flags = 0;
  bool recorded = false;
};

struct FakeContext {
  int device = 0;
};

constexpr int kMaxOptinSmem = 227 * 1024;

// The driver's state, made on first use and never destroyed: other
// libraries' destructors (a model's module unload) may call the driver at
// exit, after this library's static objects would have been destroyed.
struct FakeState {
  std::mutex mu;
  std::atomic<bool> initialised{false};
  FakeContext primaryContext;
  std::map<uintptr_t, size_t> allocations; // base -> bytes
  std::set<FakeModule *> modules;
  std::set<FakeFunction *> functions;
  std::set<FakeStream *> streams;
  std::set<FakeEvent *> events;
};

FakeState &fake() {
  static FakeState *state = new FakeState();
  return *state;
}

thread_local CUcontext currentContext = nullptr;


bool shouldFail(const char *function) {
  const char *env = getenv("DNN_FAKE_CUDA_FAIL");
  if (!env)
    return false;
  std::string list = std::string(",") + env + ",";
  return list.find(std::string(",") + function + ",") != std::string::npos;
}

void logLine(const char *format, ...) {
  const char *path = getenv("DNN_FAKE_CUDA_LOG");
  if (!path || !*path)
    return;
  FILE *file = fopen(path, "a");
  if (!file)
    return;
  va_list args;
  va_start(args, format);
  vfprintf(file, format, args);
  va_end(args);
  fputc('\n', file);
  fclose(file);
}

// Each entry point starts with FAKE_ENTER(name, error): the forced failure,
// then the initialisation check. Callers hold no lock.
#define FAKE_ENTER(name, error)                                                \
  if (shouldFail(name))                                                        \
    return error;                                                              \
  if (!fake().initialised)                                                     \
    return CUDA_ERROR_NOT_INITIALIZED;
#define FAKE_NEED_CONTEXT()                                                    \
  if (!currentContext)                                                         \
    return CUDA_ERROR_INVALID_CONTEXT;

/// Whether [p, p + bytes) lies in one allocation. Called under fake().mu (as is liveStream).
bool isDevice(uintptr_t p, size_t bytes) {
  auto it = fake().allocations.upper_bound(p);
  if (it == fake().allocations.begin())
    return false;
  --it;
  return p >= it->first && p + bytes <= it->first + it->second;
}

bool liveStream(CUstream stream) {
  return !stream || fake().streams.count(reinterpret_cast<FakeStream *>(stream));
}

// ELF64 little-endian helpers for cubins.
uint64_t read64(const unsigned char *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i)
    v = (v << 8) | p[i];
  return v;
}
uint32_t read32(const unsigned char *p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 |
         uint32_t(p[3]) << 24;
}
uint16_t read16(const unsigned char *p) { return uint16_t(p[0] | p[1] << 8); }

/// The size of an ELF64 image: the end of its section or program header
/// table, whichever is last (where the linker puts them). 0 if malformed.
size_t elfSize(const unsigned char *p) {
  if (p[4] != 2 /*ELFCLASS64*/ || p[5] != 1 /*little-endian*/)
    return 0;
  uint64_t phoff = read64(p + 32), shoff = read64(p + 40);
  uint16_t phentsize = read16(p + 54), phnum = read16(p + 56);
  uint16_t shentsize = read16(p + 58), shnum = read16(p + 60);
  uint64_t end = 64;
  if (phnum)
    end = std::max<uint64_t>(end, phoff + uint64_t(phentsize) * phnum);
  if (shnum)
    end = std::max<uint64_t>(end, shoff + uint64_t(shentsize) * shnum);
  if (end > (uint64_t(1) << 32))
    return 0;
  return size_t(end);
}

/// Whether a cubin has a section `.text.<name>`.
bool cubinHasKernel(const std::string &image, const std::string &name) {
  const unsigned char *p =
      reinterpret_cast<const unsigned char *>(image.data());
  uint64_t shoff = read64(p + 40);
  uint16_t shentsize = read16(p + 58), shnum = read16(p + 60);
  uint16_t shstrndx = read16(p + 62);
  if (shentsize < 64 || shstrndx >= shnum ||
      shoff + uint64_t(shentsize) * shnum > image.size())
    return false;
  const unsigned char *strHeader = p + shoff + uint64_t(shentsize) * shstrndx;
  uint64_t strOffset = read64(strHeader + 24), strSize = read64(strHeader + 32);
  if (strOffset + strSize > image.size())
    return false;
  std::string wanted = ".text." + name;
  for (uint16_t i = 0; i < shnum; ++i) {
    uint32_t nameOffset = read32(p + shoff + uint64_t(shentsize) * i);
    if (nameOffset >= strSize)
      continue;
    const char *sectionName =
        reinterpret_cast<const char *>(p + strOffset + nameOffset);
    size_t maxLen = strSize - nameOffset;
    if (strnlen(sectionName, maxLen) == wanted.size() &&
        memcmp(sectionName, wanted.data(), wanted.size()) == 0)
      return true;
  }
  return false;
}

bool isIdentifierChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_' || c == '$' || c == '.';
}

/// Whether PTX text declares `.entry <name>`.
bool ptxHasKernel(const std::string &ptx, const std::string &name) {
  for (size_t at = ptx.find(".entry"); at != std::string::npos;
       at = ptx.find(".entry", at + 1)) {
    size_t p = at + 6;
    if (p >= ptx.size() || !(ptx[p] == ' ' || ptx[p] == '\t'))
      continue;
    while (p < ptx.size() && (ptx[p] == ' ' || ptx[p] == '\t'))
      ++p;
    size_t end = p;
    while (end < ptx.size() && isIdentifierChar(ptx[end]))
      ++end;
    if (ptx.compare(p, end - p, name) == 0 && end - p == name.size())
      return true;
  }
  return false;
}

/// Classifies and copies an image; returns an error for an empty or
/// unrecognised one.
CUresult loadImage(CUmodule *module, const void *image, CUresult invalid) {
  if (!module || !image)
    return CUDA_ERROR_INVALID_VALUE;
  const unsigned char *p = static_cast<const unsigned char *>(image);
  auto m = std::make_unique<FakeModule>();
  if (memcmp(p, "\x7f" "ELF", 4) == 0) {
    size_t size = elfSize(p);
    if (size == 0)
      return invalid;
    m->kind = "cubin";
    m->image.assign(reinterpret_cast<const char *>(p), size);
  } else if (read32(p) == 0xBA55ED50u) {
    // A fatbin: its header's size at byte 6, the size of the rest at byte 8.
    uint64_t size = read16(p + 6) + read64(p + 8);
    if (size > (uint64_t(1) << 32))
      return invalid;
    m->kind = "fatbin";
    m->image.assign(reinterpret_cast<const char *>(p), size_t(size));
  } else {
    const char *text = static_cast<const char *>(image);
    size_t size = strlen(text);
    if (size == 0)
      return invalid;
    for (size_t i = 0; i < size; ++i) {
      unsigned char c = static_cast<unsigned char>(text[i]);
      if (c < 0x20 && c != '\n' && c != '\r' && c != '\t')
        return invalid; // neither text nor a known binary
    }
    m->kind = "ptx";
    m->image.assign(text, size);
  }
  logLine("module_load %zu %s", m->image.size(), m->kind.c_str());
  std::lock_guard<std::mutex> lock(fake().mu);
  *module = reinterpret_cast<CUmodule>(m.get());
  fake().modules.insert(m.release());
  return CUDA_SUCCESS;
}

/// Copies the message into a JIT log buffer given by the options.
void writeJitLog(unsigned numOptions, CUjit_option *options, void **values,
                 CUjit_option bufferOption, CUjit_option sizeOption,
                 const char *message) {
  char *buffer = nullptr;
  size_t size = 0;
  for (unsigned i = 0; i < numOptions; ++i) {
    if (options[i] == bufferOption)
      buffer = static_cast<char *>(values[i]);
    else if (options[i] == sizeOption)
      size = reinterpret_cast<uintptr_t>(values[i]);
  }
  if (buffer && size > 0)
    snprintf(buffer, size, "%s", message);
}

CUresult checkLaunch(CUfunction f, unsigned bx, unsigned by, unsigned bz,
                     unsigned gx, unsigned gy, unsigned gz, unsigned smem,
                     CUstream stream, FakeFunction **out) {
  std::lock_guard<std::mutex> lock(fake().mu);
  FakeFunction *function = reinterpret_cast<FakeFunction *>(f);
  if (!fake().functions.count(function) || !liveStream(stream))
    return CUDA_ERROR_INVALID_HANDLE;
  if (!gx || !gy || !gz || !bx || !by || !bz ||
      uint64_t(bx) * by * bz > 1024 || bz > 64)
    return CUDA_ERROR_INVALID_VALUE;
  if (int64_t(smem) > function->maxDynamicSmem)
    return CUDA_ERROR_INVALID_VALUE;
  *out = function;
  return CUDA_SUCCESS;
}

} // namespace

//===----------------------------------------------------------------------===//
// Initialisation, errors, devices, contexts
//===----------------------------------------------------------------------===//

FAKE_EXPORT CUresult cuInit(unsigned int flags) {
  if (shouldFail("cuInit"))
    return CUDA_ERROR_NO_DEVICE;
  if (flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  fake().initialised = true;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuGetErrorName(CUresult error, const char **pStr) {
  switch (error) {
#define FAKE_NAME(code)                                                        \
  case code:                                                                   \
    *pStr = #code;                                                             \
    return CUDA_SUCCESS;
    FAKE_NAME(CUDA_SUCCESS)
    FAKE_NAME(CUDA_ERROR_INVALID_VALUE)
    FAKE_NAME(CUDA_ERROR_OUT_OF_MEMORY)
    FAKE_NAME(CUDA_ERROR_NOT_INITIALIZED)
    FAKE_NAME(CUDA_ERROR_DEINITIALIZED)
    FAKE_NAME(CUDA_ERROR_NO_DEVICE)
    FAKE_NAME(CUDA_ERROR_INVALID_DEVICE)
    FAKE_NAME(CUDA_ERROR_INVALID_IMAGE)
    FAKE_NAME(CUDA_ERROR_INVALID_CONTEXT)
    FAKE_NAME(CUDA_ERROR_INVALID_PTX)
    FAKE_NAME(CUDA_ERROR_INVALID_HANDLE)
    FAKE_NAME(CUDA_ERROR_NOT_FOUND)
    FAKE_NAME(CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES)
    FAKE_NAME(CUDA_ERROR_UNKNOWN)
#undef FAKE_NAME
  default:
    *pStr = nullptr;
    return CUDA_ERROR_INVALID_VALUE;
  }
}

FAKE_EXPORT CUresult cuGetErrorString(CUresult error, const char **pStr) {
  switch (error) {
  case CUDA_SUCCESS: *pStr = "no error"; break;
  case CUDA_ERROR_INVALID_VALUE: *pStr = "invalid argument"; break;
  case CUDA_ERROR_OUT_OF_MEMORY: *pStr = "out of memory"; break;
  case CUDA_ERROR_NOT_INITIALIZED: *pStr = "initialization error"; break;
  case CUDA_ERROR_DEINITIALIZED: *pStr = "driver shutting down"; break;
  case CUDA_ERROR_NO_DEVICE:
    *pStr = "no CUDA-capable device is detected";
    break;
  case CUDA_ERROR_INVALID_DEVICE: *pStr = "invalid device ordinal"; break;
  case CUDA_ERROR_INVALID_IMAGE: *pStr = "device kernel image is invalid"; break;
  case CUDA_ERROR_INVALID_CONTEXT: *pStr = "invalid device context"; break;
  case CUDA_ERROR_INVALID_PTX:
    *pStr = "a PTX JIT compilation failed";
    break;
  case CUDA_ERROR_INVALID_HANDLE: *pStr = "invalid resource handle"; break;
  case CUDA_ERROR_NOT_FOUND: *pStr = "named symbol not found"; break;
  case CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES:
    *pStr = "too many resources requested for launch";
    break;
  case CUDA_ERROR_UNKNOWN: *pStr = "unknown error"; break;
  default:
    *pStr = nullptr;
    return CUDA_ERROR_INVALID_VALUE;
  }
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  FAKE_ENTER("cuDeviceGet", CUDA_ERROR_INVALID_DEVICE)
  if (ordinal != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  *device = 0;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGetName(char *name, int len, CUdevice dev) {
  FAKE_ENTER("cuDeviceGetName", CUDA_ERROR_INVALID_VALUE)
  if (dev != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  if (!name || len <= 0)
    return CUDA_ERROR_INVALID_VALUE;
  snprintf(name, size_t(len), "%s", "Fake CUDA device");
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGetAttribute(int *pi, CUdevice_attribute attrib,
                                          CUdevice dev) {
  FAKE_ENTER("cuDeviceGetAttribute", CUDA_ERROR_INVALID_VALUE)
  if (dev != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  switch (attrib) {
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR: *pi = 9; break;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR: *pi = 0; break;
  case CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT: *pi = kFakeSms; break;
  case CU_DEVICE_ATTRIBUTE_MAX_THREADS_PER_BLOCK: *pi = 1024; break;
  case CU_DEVICE_ATTRIBUTE_WARP_SIZE: *pi = 32; break;
  case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK: *pi = 48 * 1024; break;
  case CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN:
    *pi = kMaxOptinSmem;
    break;
  default: *pi = 0; break;
  }
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext *pctx, CUdevice dev) {
  FAKE_ENTER("cuDevicePrimaryCtxRetain", CUDA_ERROR_INVALID_VALUE)
  if (dev != 0)
    return CUDA_ERROR_INVALID_DEVICE;
  *pctx = reinterpret_cast<CUcontext>(&fake().primaryContext);
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuCtxSetCurrent(CUcontext ctx) {
  FAKE_ENTER("cuCtxSetCurrent", CUDA_ERROR_INVALID_CONTEXT)
  if (ctx && ctx != reinterpret_cast<CUcontext>(&fake().primaryContext))
    return CUDA_ERROR_INVALID_CONTEXT;
  currentContext = ctx;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuCtxGetCurrent(CUcontext *pctx) {
  FAKE_ENTER("cuCtxGetCurrent", CUDA_ERROR_INVALID_VALUE)
  *pctx = currentContext;
  return CUDA_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Memory
//===----------------------------------------------------------------------===//

namespace {
CUresult allocate(CUdeviceptr *dptr, size_t bytes) {
  if (!dptr || bytes == 0)
    return CUDA_ERROR_INVALID_VALUE;
  void *p = malloc(bytes);
  if (!p)
    return CUDA_ERROR_OUT_OF_MEMORY;
  std::lock_guard<std::mutex> lock(fake().mu);
  fake().allocations[reinterpret_cast<uintptr_t>(p)] = bytes;
  *dptr = reinterpret_cast<CUdeviceptr>(p);
  return CUDA_SUCCESS;
}

CUresult copy(CUdeviceptr dst, CUdeviceptr src, size_t bytes, CUstream stream,
              bool dstDevice, bool srcDevice, const char *direction) {
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    if (!liveStream(stream))
      return CUDA_ERROR_INVALID_HANDLE;
    if ((dstDevice && !isDevice(dst, bytes)) ||
        (srcDevice && !isDevice(src, bytes)))
      return CUDA_ERROR_INVALID_VALUE;
  }
  memmove(reinterpret_cast<void *>(dst), reinterpret_cast<void *>(src), bytes);
  logLine("%s %zu", direction, bytes);
  return CUDA_SUCCESS;
}

template <typename T>
CUresult fill(CUdeviceptr dst, T value, size_t count, CUstream stream) {
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    if (!liveStream(stream))
      return CUDA_ERROR_INVALID_HANDLE;
    if (dst % sizeof(T) || !isDevice(dst, count * sizeof(T)))
      return CUDA_ERROR_INVALID_VALUE;
  }
  T *p = reinterpret_cast<T *>(dst);
  for (size_t i = 0; i < count; ++i)
    p[i] = value;
  logLine("memset %zu", count * sizeof(T));
  return CUDA_SUCCESS;
}
} // namespace

FAKE_EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *dptr, size_t bytesize) {
  FAKE_ENTER("cuMemAlloc_v2", CUDA_ERROR_OUT_OF_MEMORY)
  FAKE_NEED_CONTEXT()
  return allocate(dptr, bytesize);
}

FAKE_EXPORT CUresult cuMemAllocManaged(CUdeviceptr *dptr, size_t bytesize,
                                       unsigned int flags) {
  FAKE_ENTER("cuMemAllocManaged", CUDA_ERROR_OUT_OF_MEMORY)
  FAKE_NEED_CONTEXT()
  return allocate(dptr, bytesize);
}

FAKE_EXPORT CUresult cuMemFree_v2(CUdeviceptr dptr) {
  FAKE_ENTER("cuMemFree_v2", CUDA_ERROR_INVALID_VALUE)
  std::lock_guard<std::mutex> lock(fake().mu);
  auto it = fake().allocations.find(dptr);
  if (it == fake().allocations.end())
    return CUDA_ERROR_INVALID_VALUE;
  free(reinterpret_cast<void *>(dptr));
  fake().allocations.erase(it);
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dstDevice,
                                          const void *srcHost, size_t ByteCount,
                                          CUstream hStream) {
  FAKE_ENTER("cuMemcpyHtoDAsync_v2", CUDA_ERROR_INVALID_VALUE)
  FAKE_NEED_CONTEXT()
  return copy(dstDevice, reinterpret_cast<CUdeviceptr>(srcHost), ByteCount,
              hStream, true, false, "htod");
}

FAKE_EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dstHost, CUdeviceptr srcDevice,
                                          size_t ByteCount, CUstream hStream) {
  FAKE_ENTER("cuMemcpyDtoHAsync_v2", CUDA_ERROR_INVALID_VALUE)
  FAKE_NEED_CONTEXT()
  return copy(reinterpret_cast<CUdeviceptr>(dstHost), srcDevice, ByteCount,
              hStream, false, true, "dtoh");
}

FAKE_EXPORT CUresult cuMemcpyAsync(CUdeviceptr dst, CUdeviceptr src,
                                   size_t ByteCount, CUstream hStream) {
  FAKE_ENTER("cuMemcpyAsync", CUDA_ERROR_INVALID_VALUE)
  FAKE_NEED_CONTEXT()
  bool dstDevice, srcDevice;
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    dstDevice = isDevice(dst, 1);
    srcDevice = isDevice(src, 1);
  }
  const char *direction = dstDevice ? (srcDevice ? "dtod" : "htod")
                                    : (srcDevice ? "dtoh" : "htoh");
  return copy(dst, src, ByteCount, hStream, dstDevice, srcDevice, direction);
}

FAKE_EXPORT CUresult cuMemsetD8Async(CUdeviceptr dstDevice, unsigned char uc,
                                     size_t N, CUstream hStream) {
  FAKE_ENTER("cuMemsetD8Async", CUDA_ERROR_INVALID_VALUE)
  FAKE_NEED_CONTEXT()
  return fill(dstDevice, uc, N, hStream);
}

FAKE_EXPORT CUresult cuMemsetD16Async(CUdeviceptr dstDevice, unsigned short us,
                                      size_t N, CUstream hStream) {
  FAKE_ENTER("cuMemsetD16Async", CUDA_ERROR_INVALID_VALUE)
  FAKE_NEED_CONTEXT()
  return fill(dstDevice, us, N, hStream);
}

FAKE_EXPORT CUresult cuMemsetD32Async(CUdeviceptr dstDevice, unsigned int ui,
                                      size_t N, CUstream hStream) {
  FAKE_ENTER("cuMemsetD32Async", CUDA_ERROR_INVALID_VALUE)
  FAKE_NEED_CONTEXT()
  return fill(dstDevice, ui, N, hStream);
}

//===----------------------------------------------------------------------===//
// Streams and fake().events
//===----------------------------------------------------------------------===//

FAKE_EXPORT CUresult cuStreamCreate(CUstream *phStream, unsigned int Flags) {
  FAKE_ENTER("cuStreamCreate", CUDA_ERROR_OUT_OF_MEMORY)
  FAKE_NEED_CONTEXT()
  auto *stream = new FakeStream{Flags};
  std::lock_guard<std::mutex> lock(fake().mu);
  fake().streams.insert(stream);
  *phStream = reinterpret_cast<CUstream>(stream);
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuStreamDestroy_v2(CUstream hStream) {
  FAKE_ENTER("cuStreamDestroy_v2", CUDA_ERROR_INVALID_HANDLE)
  std::lock_guard<std::mutex> lock(fake().mu);
  auto *stream = reinterpret_cast<FakeStream *>(hStream);
  if (!fake().streams.erase(stream))
    return CUDA_ERROR_INVALID_HANDLE;
  delete stream;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuStreamSynchronize(CUstream hStream) {
  FAKE_ENTER("cuStreamSynchronize", CUDA_ERROR_UNKNOWN)
  FAKE_NEED_CONTEXT()
  std::lock_guard<std::mutex> lock(fake().mu);
  return liveStream(hStream) ? CUDA_SUCCESS : CUDA_ERROR_INVALID_HANDLE;
}

FAKE_EXPORT CUresult cuStreamWaitEvent(CUstream hStream, CUevent hEvent,
                                       unsigned int Flags) {
  FAKE_ENTER("cuStreamWaitEvent", CUDA_ERROR_INVALID_HANDLE)
  FAKE_NEED_CONTEXT()
  std::lock_guard<std::mutex> lock(fake().mu);
  if (!liveStream(hStream) ||
      !fake().events.count(reinterpret_cast<FakeEvent *>(hEvent)))
    return CUDA_ERROR_INVALID_HANDLE;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuEventCreate(CUevent *phEvent, unsigned int Flags) {
  FAKE_ENTER("cuEventCreate", CUDA_ERROR_OUT_OF_MEMORY)
  FAKE_NEED_CONTEXT()
  auto *event = new FakeEvent{Flags, false};
  std::lock_guard<std::mutex> lock(fake().mu);
  fake().events.insert(event);
  *phEvent = reinterpret_cast<CUevent>(event);
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuEventDestroy_v2(CUevent hEvent) {
  FAKE_ENTER("cuEventDestroy_v2", CUDA_ERROR_INVALID_HANDLE)
  std::lock_guard<std::mutex> lock(fake().mu);
  auto *event = reinterpret_cast<FakeEvent *>(hEvent);
  if (!fake().events.erase(event))
    return CUDA_ERROR_INVALID_HANDLE;
  delete event;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuEventRecord(CUevent hEvent, CUstream hStream) {
  FAKE_ENTER("cuEventRecord", CUDA_ERROR_INVALID_HANDLE)
  FAKE_NEED_CONTEXT()
  std::lock_guard<std::mutex> lock(fake().mu);
  auto *event = reinterpret_cast<FakeEvent *>(hEvent);
  if (!fake().events.count(event) || !liveStream(hStream))
    return CUDA_ERROR_INVALID_HANDLE;
  event->recorded = true;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuEventSynchronize(CUevent hEvent) {
  FAKE_ENTER("cuEventSynchronize", CUDA_ERROR_UNKNOWN)
  std::lock_guard<std::mutex> lock(fake().mu);
  return fake().events.count(reinterpret_cast<FakeEvent *>(hEvent))
             ? CUDA_SUCCESS
             : CUDA_ERROR_INVALID_HANDLE;
}

FAKE_EXPORT CUresult cuEventElapsedTime_v2(float *pMilliseconds,
                                           CUevent hStart, CUevent hEnd) {
  FAKE_ENTER("cuEventElapsedTime_v2", CUDA_ERROR_INVALID_HANDLE)
  std::lock_guard<std::mutex> lock(fake().mu);
  auto *start = reinterpret_cast<FakeEvent *>(hStart);
  auto *end = reinterpret_cast<FakeEvent *>(hEnd);
  if (!fake().events.count(start) || !fake().events.count(end) || !start->recorded ||
      !end->recorded || (start->flags & CU_EVENT_DISABLE_TIMING) ||
      (end->flags & CU_EVENT_DISABLE_TIMING))
    return CUDA_ERROR_INVALID_HANDLE;
  *pMilliseconds = 0.25f;
  return CUDA_SUCCESS;
}

//===----------------------------------------------------------------------===//
// Modules and kernels
//===----------------------------------------------------------------------===//

FAKE_EXPORT CUresult cuModuleLoadData(CUmodule *module, const void *image) {
  FAKE_ENTER("cuModuleLoadData", CUDA_ERROR_INVALID_IMAGE)
  FAKE_NEED_CONTEXT()
  return loadImage(module, image, CUDA_ERROR_INVALID_IMAGE);
}

FAKE_EXPORT CUresult cuModuleLoadDataEx(CUmodule *module, const void *image,
                                        unsigned int numOptions,
                                        CUjit_option *options,
                                        void **optionValues) {
  if (!fake().initialised)
    return CUDA_ERROR_NOT_INITIALIZED;
  FAKE_NEED_CONTEXT()
  if (numOptions && (!options || !optionValues))
    return CUDA_ERROR_INVALID_VALUE;
  if (shouldFail("cuModuleLoadDataEx")) {
    writeJitLog(numOptions, options, optionValues, CU_JIT_ERROR_LOG_BUFFER,
                CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                "ptxas fatal   : (fake) cuModuleLoadDataEx forced to fail by "
                "DNN_FAKE_CUDA_FAIL\n");
    return CUDA_ERROR_INVALID_PTX;
  }
  CUresult result = loadImage(module, image, CUDA_ERROR_INVALID_PTX);
  if (result != CUDA_SUCCESS)
    writeJitLog(numOptions, options, optionValues, CU_JIT_ERROR_LOG_BUFFER,
                CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES,
                "ptxas fatal   : (fake) the image is neither PTX text nor a "
                "cubin or fatbin\n");
  return result;
}

FAKE_EXPORT CUresult cuModuleUnload(CUmodule hmod) {
  FAKE_ENTER("cuModuleUnload", CUDA_ERROR_INVALID_HANDLE)
  std::unique_ptr<FakeModule> module;
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    auto *m = reinterpret_cast<FakeModule *>(hmod);
    if (!fake().modules.erase(m))
      return CUDA_ERROR_INVALID_HANDLE;
    module.reset(m);
    for (auto &entry : m->kernels)
      fake().functions.erase(entry.second.get());
  }
  logLine("module_unload");
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuModuleGetFunction(CUfunction *hfunc, CUmodule hmod,
                                         const char *name) {
  FAKE_ENTER("cuModuleGetFunction", CUDA_ERROR_NOT_FOUND)
  if (!hfunc || !name)
    return CUDA_ERROR_INVALID_VALUE;
  logLine("get_function %s", name);
  std::lock_guard<std::mutex> lock(fake().mu);
  auto *module = reinterpret_cast<FakeModule *>(hmod);
  if (!fake().modules.count(module))
    return CUDA_ERROR_INVALID_HANDLE;
  auto it = module->kernels.find(name);
  if (it == module->kernels.end()) {
    bool found = module->kind == "ptx"     ? ptxHasKernel(module->image, name)
                 : module->kind == "cubin" ? cubinHasKernel(module->image, name)
                                           : true;
    if (!found)
      return CUDA_ERROR_NOT_FOUND;
    auto function = std::make_unique<FakeFunction>();
    function->name = name;
    function->module = module;
    fake().functions.insert(function.get());
    it = module->kernels.emplace(name, std::move(function)).first;
  }
  *hfunc = reinterpret_cast<CUfunction>(it->second.get());
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuFuncSetAttribute(CUfunction hfunc,
                                        CUfunction_attribute attrib,
                                        int value) {
  FAKE_ENTER("cuFuncSetAttribute", CUDA_ERROR_INVALID_VALUE)
  std::string name;
  {
    std::lock_guard<std::mutex> lock(fake().mu);
    auto *function = reinterpret_cast<FakeFunction *>(hfunc);
    if (!fake().functions.count(function))
      return CUDA_ERROR_INVALID_HANDLE;
    name = function->name;
    switch (attrib) {
    case CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES:
      if (value < 0 || value > kMaxOptinSmem)
        return CUDA_ERROR_INVALID_VALUE;
      function->maxDynamicSmem = value;
      break;
    case CU_FUNC_ATTRIBUTE_NON_PORTABLE_CLUSTER_SIZE_ALLOWED:
      break;
    default:
      return CUDA_ERROR_INVALID_VALUE;
    }
  }
  logLine("func_set_attribute %s %s=%d", name.c_str(),
          attrib == CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES
              ? "max_dynamic_smem"
              : "non_portable_cluster_size",
          value);
  return CUDA_SUCCESS;
}

namespace {
/// Checks and logs a cuLaunchKernel / cuLaunchCooperativeKernel launch; a
/// cooperative grid must be resident at once: at most one CTA per SM of the
/// fake device (kFakeSms) is what the tests need.
CUresult logLaunch(CUfunction f, unsigned gridDimX, unsigned gridDimY,
                   unsigned gridDimZ, unsigned blockDimX, unsigned blockDimY,
                   unsigned blockDimZ, unsigned sharedMemBytes,
                   CUstream hStream, bool cooperative) {
  FakeFunction *function = nullptr;
  CUresult result =
      checkLaunch(f, blockDimX, blockDimY, blockDimZ, gridDimX, gridDimY,
                  gridDimZ, sharedMemBytes, hStream, &function);
  if (result != CUDA_SUCCESS)
    return result;
  if (cooperative && uint64_t(gridDimX) * gridDimY * gridDimZ > kFakeSms)
    return CUDA_ERROR_COOPERATIVE_LAUNCH_TOO_LARGE;
  logLine("launch %s grid=%u,%u,%u block=%u,%u,%u smem=%u%s",
          function->name.c_str(), gridDimX, gridDimY, gridDimZ, blockDimX,
          blockDimY, blockDimZ, sharedMemBytes,
          cooperative ? " cooperative" : "");
  return CUDA_SUCCESS;
}
} // namespace

FAKE_EXPORT CUresult cuLaunchKernel(CUfunction f, unsigned int gridDimX,
                                    unsigned int gridDimY,
                                    unsigned int gridDimZ,
                                    unsigned int blockDimX,
                                    unsigned int blockDimY,
                                    unsigned int blockDimZ,
                                    unsigned int sharedMemBytes,
                                    CUstream hStream, void **kernelParams,
                                    void **extra) {
  FAKE_ENTER("cuLaunchKernel", CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES)
  FAKE_NEED_CONTEXT()
  return logLaunch(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY,
                   blockDimZ, sharedMemBytes, hStream, /*cooperative=*/false);
}

FAKE_EXPORT CUresult cuLaunchCooperativeKernel(
    CUfunction f, unsigned int gridDimX, unsigned int gridDimY,
    unsigned int gridDimZ, unsigned int blockDimX, unsigned int blockDimY,
    unsigned int blockDimZ, unsigned int sharedMemBytes, CUstream hStream,
    void **kernelParams) {
  FAKE_ENTER("cuLaunchCooperativeKernel", CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES)
  FAKE_NEED_CONTEXT()
  return logLaunch(f, gridDimX, gridDimY, gridDimZ, blockDimX, blockDimY,
                   blockDimZ, sharedMemBytes, hStream, /*cooperative=*/true);
}

FAKE_EXPORT CUresult cuLaunchKernelEx(const CUlaunchConfig *config,
                                      CUfunction f, void **kernelParams,
                                      void **extra) {
  FAKE_ENTER("cuLaunchKernelEx", CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES)
  FAKE_NEED_CONTEXT()
  if (!config)
    return CUDA_ERROR_INVALID_VALUE;
  unsigned cx = 1, cy = 1, cz = 1;
  for (unsigned i = 0; i < config->numAttrs; ++i) {
    if (config->attrs[i].id == CU_LAUNCH_ATTRIBUTE_CLUSTER_DIMENSION) {
      cx = config->attrs[i].value.clusterDim.x;
      cy = config->attrs[i].value.clusterDim.y;
      cz = config->attrs[i].value.clusterDim.z;
    }
  }
  if (!cx || !cy || !cz || config->gridDimX % cx || config->gridDimY % cy ||
      config->gridDimZ % cz)
    return CUDA_ERROR_INVALID_VALUE;
  FakeFunction *function = nullptr;
  CUresult result = checkLaunch(
      f, config->blockDimX, config->blockDimY, config->blockDimZ,
      config->gridDimX, config->gridDimY, config->gridDimZ,
      config->sharedMemBytes, config->hStream, &function);
  if (result != CUDA_SUCCESS)
    return result;
  logLine("launch %s grid=%u,%u,%u block=%u,%u,%u smem=%u cluster=%u,%u,%u",
          function->name.c_str(), config->gridDimX, config->gridDimY,
          config->gridDimZ, config->blockDimX, config->blockDimY,
          config->blockDimZ, config->sharedMemBytes, cx, cy, cz);
  return CUDA_SUCCESS;
}
