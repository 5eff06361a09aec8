//===- RuntimeTest.cpp - the CUDA runtime against the fake driver ---------===//
//
// Runs lib/Runtime (the static library, so that the test-only reset hook is
// reachable) on libdnn_fake_cuda.so (test/Runtime/FakeCuda.cpp), which needs
// no GPU. Each test starts from a reset runtime with DNN_CUDA_LIBRARY at the
// fake driver and DNN_FAKE_CUDA_LOG at a fresh log file.
//
//===----------------------------------------------------------------------===//

#include "dnn/Runtime/Runtime.h"
#include "RuntimeTesting.h"

#include "gtest/gtest.h"

#include <dlfcn.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

// The mgpu* functions as MLIR 22's gpu-to-llvm declares them.
extern "C" {
void *mgpuModuleLoad(void *data, int64_t size);
void *mgpuModuleLoadJIT(void *data, int32_t optLevel);
void mgpuModuleUnload(void *module);
void *mgpuModuleGetFunction(void *module, const char *name);
void mgpuLaunchKernel(void *function, int64_t gridX, int64_t gridY,
                      int64_t gridZ, int64_t blockX, int64_t blockY,
                      int64_t blockZ, int32_t smem, void *stream,
                      void **params, void **extra, int64_t paramsCount);
void mgpuLaunchClusterKernel(void *function, int64_t clusterX,
                             int64_t clusterY, int64_t clusterZ, int64_t gridX,
                             int64_t gridY, int64_t gridZ, int64_t blockX,
                             int64_t blockY, int64_t blockZ, int32_t smem,
                             void *stream, void **params, void **extra);
void *mgpuStreamCreate(void);
void mgpuStreamDestroy(void *stream);
void mgpuStreamSynchronize(void *stream);
void mgpuStreamWaitEvent(void *stream, void *event);
void *mgpuEventCreate(void);
void mgpuEventDestroy(void *event);
void mgpuEventSynchronize(void *event);
void mgpuEventRecord(void *event, void *stream);
void *mgpuMemAlloc(uint64_t sizeBytes, void *stream, uint8_t isHostShared);
void mgpuMemFree(void *ptr, void *stream);
void mgpuMemcpy(void *dst, void *src, size_t sizeBytes, void *stream);
void mgpuMemset32(void *dst, uint32_t value, size_t count, void *stream);
void mgpuMemset16(void *dst, uint16_t value, size_t count, void *stream);
void mgpuSetDefaultDevice(int32_t device);
}

namespace {

const char *kPtx = R"(//
.version 8.0
.target sm_90
.address_size 64

.visible .entry foo(
	.param .u64 foo_param_0,
	.param .f32 foo_param_1
)
{
	ret;
}

.visible .entry foo_bar(
	.param .u64 foo_bar_param_0
)
{
	ret;
}
)";

std::string lastError() {
  const char *e = dnnrtGetLastError();
  return e ? e : "";
}

/// A minimal ELF64 image with one section `.text.<kernel>` per kernel: what
/// the fake driver needs to take it for a cubin.
std::vector<unsigned char> makeCubin(const std::vector<std::string> &kernels) {
  std::string strtab(1, '\0');
  std::vector<uint32_t> nameOffsets;
  uint32_t shstrtabName = uint32_t(strtab.size());
  strtab += std::string(".shstrtab") + '\0';
  for (const std::string &k : kernels) {
    nameOffsets.push_back(uint32_t(strtab.size()));
    strtab += ".text." + k + '\0';
  }
  uint64_t strOffset = 64;
  uint64_t shoff = (strOffset + strtab.size() + 7) & ~uint64_t(7);
  uint16_t shnum = uint16_t(2 + kernels.size());
  std::vector<unsigned char> image(shoff + 64 * shnum, 0);
  auto put = [&](size_t at, uint64_t value, int bytes) {
    for (int i = 0; i < bytes; ++i)
      image[at + i] = (value >> (8 * i)) & 0xff;
  };
  memcpy(image.data(), "\x7f" "ELF", 4);
  image[4] = 2; // ELFCLASS64
  image[5] = 1; // little-endian
  image[6] = 1; // EV_CURRENT
  put(16, 2, 2);     // ET_EXEC
  put(18, 190, 2);   // EM_CUDA
  put(40, shoff, 8); // e_shoff
  put(52, 64, 2);    // e_ehsize
  put(58, 64, 2);    // e_shentsize
  put(60, shnum, 2); // e_shnum
  put(62, 1, 2);     // e_shstrndx
  memcpy(image.data() + strOffset, strtab.data(), strtab.size());
  size_t header = shoff + 64; // [0] is the null section
  put(header + 0, shstrtabName, 4);
  put(header + 4, 3, 4); // SHT_STRTAB
  put(header + 24, strOffset, 8);
  put(header + 32, strtab.size(), 8);
  for (size_t i = 0; i < kernels.size(); ++i) {
    header = shoff + 64 * (2 + i);
    put(header + 0, nameOffsets[i], 4);
    put(header + 4, 1, 4); // SHT_PROGBITS
  }
  return image;
}

class RuntimeTest : public ::testing::Test {
protected:
  void SetUp() override {
    const ::testing::TestInfo *info =
        ::testing::UnitTest::GetInstance()->current_test_info();
    logPath = ::testing::TempDir() + "dnn-runtime-" + info->name() + ".log";
    std::remove(logPath.c_str());
    setenv("DNN_CUDA_LIBRARY", DNN_FAKE_CUDA_PATH, 1);
    setenv("DNN_FAKE_CUDA_LOG", logPath.c_str(), 1);
    unsetenv("DNN_FAKE_CUDA_FAIL");
    unsetenv("DNN_CUDA_DEVICE");
    dnnrtTestingReset();
  }

  void TearDown() override {
    dnnrtSetStream(nullptr);
    dnnrtTestingReset();
    unsetenv("DNN_FAKE_CUDA_FAIL");
    unsetenv("DNN_CUDA_DEVICE");
    std::remove(logPath.c_str());
  }

  std::vector<std::string> log() const {
    std::vector<std::string> lines;
    std::ifstream in(logPath);
    for (std::string line; std::getline(in, line);)
      lines.push_back(line);
    return lines;
  }

  size_t countInLog(const std::string &line) const {
    size_t n = 0;
    for (const std::string &l : log())
      n += l == line;
    return n;
  }

  /// Loads kPtx and returns the module.
  void *loadPtx() {
    void *module = mgpuModuleLoadJIT(const_cast<char *>(kPtx), 2);
    EXPECT_NE(module, nullptr) << lastError();
    return module;
  }

  std::string logPath;
};

TEST_F(RuntimeTest, InitAndDeviceInfo) {
  ASSERT_EQ(dnnrtInit(), 0) << lastError();
  EXPECT_EQ(dnnrtGetLastError(), nullptr);
  char name[64] = {0};
  int major = 0, minor = -1;
  ASSERT_EQ(dnnrtDeviceInfo(name, sizeof(name), &major, &minor), 0)
      << lastError();
  EXPECT_STREQ(name, "Fake CUDA device");
  EXPECT_EQ(major, 9);
  EXPECT_EQ(minor, 0);
  // A short buffer gets a truncated, terminated name.
  char shortName[5];
  ASSERT_EQ(dnnrtDeviceInfo(shortName, sizeof(shortName), nullptr, nullptr), 0);
  EXPECT_STREQ(shortName, "Fake");
}

TEST_F(RuntimeTest, InitialisesLazily) {
  // No dnnrtInit: the first call that needs the driver initialises.
  void *p = dnnrtMalloc(64);
  EXPECT_NE(p, nullptr) << lastError();
  dnnrtFree(p);
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();
}

TEST_F(RuntimeTest, MallocMemcpyRoundTrip) {
  std::vector<float> in(1024), out(1024, -1.0f);
  for (size_t i = 0; i < in.size(); ++i)
    in[i] = float(i) * 0.5f;
  void *d = dnnrtMalloc(in.size() * sizeof(float));
  ASSERT_NE(d, nullptr) << lastError();
  EXPECT_EQ(dnnrtMemcpyHtoD(d, in.data(), 4096), 0) << lastError();
  EXPECT_EQ(dnnrtMemcpyDtoH(out.data(), d, 4096), 0) << lastError();
  EXPECT_EQ(in, out);

  EXPECT_EQ(dnnrtMemset(d, 0, 4096), 0) << lastError();
  EXPECT_EQ(dnnrtMemcpyDtoH(out.data(), d, 4096), 0);
  EXPECT_EQ(out, std::vector<float>(1024, 0.0f));
  dnnrtFree(d);
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();

  std::vector<std::string> lines = log();
  EXPECT_EQ(lines, (std::vector<std::string>{"htod 4096", "dtoh 4096",
                                             "memset 4096", "dtoh 4096"}));
  // Nothing to allocate is no error.
  EXPECT_EQ(dnnrtMalloc(0), nullptr);
  EXPECT_EQ(dnnrtGetLastError(), nullptr);
}

TEST_F(RuntimeTest, CopyOutsideAnAllocationFails) {
  void *d = dnnrtMalloc(16);
  ASSERT_NE(d, nullptr);
  char host[32] = {0};
  EXPECT_NE(dnnrtMemcpyHtoD(d, host, sizeof(host)), 0);
  EXPECT_NE(lastError().find("dnnrtMemcpyHtoD(32 bytes): cuMemcpyHtoDAsync_v2 "
                             "failed: CUDA_ERROR_INVALID_VALUE"),
            std::string::npos)
      << lastError();
  dnnrtFree(d);
}

TEST_F(RuntimeTest, ModuleLoadGetFunctionLaunch) {
  void *module = loadPtx();
  ASSERT_NE(module, nullptr);
  EXPECT_EQ(log().at(0),
            "module_load " + std::to_string(strlen(kPtx)) + " ptx");

  void *stream = mgpuStreamCreate();
  ASSERT_NE(stream, nullptr) << lastError();
  void *f = mgpuModuleGetFunction(module, "foo");
  ASSERT_NE(f, nullptr) << lastError();
  // Cached: the driver is asked once per (module, name).
  std::string name = "foo"; // another pointer to the same name
  EXPECT_EQ(mgpuModuleGetFunction(module, name.c_str()), f);
  EXPECT_EQ(countInLog("get_function foo"), 1u);
  // A name that only starts with another kernel's is a different kernel.
  void *fooBar = mgpuModuleGetFunction(module, "foo_bar");
  EXPECT_NE(fooBar, nullptr) << lastError();
  EXPECT_NE(fooBar, f);

  dnnrtResetLaunchCount();
  void *buffer = dnnrtMalloc(64);
  float factor = 2.0f;
  void *params[] = {&buffer, &factor};
  mgpuLaunchKernel(f, 4, 2, 1, 128, 1, 1, 0, stream, params, nullptr, 2);
  mgpuLaunchKernel(f, 1, 1, 1, 32, 2, 1, 1024, stream, params, nullptr, 2);
  mgpuStreamSynchronize(stream);
  mgpuStreamDestroy(stream);
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();
  EXPECT_EQ(dnnrtLaunchCount(), 2u);
  EXPECT_EQ(countInLog("launch foo grid=4,2,1 block=128,1,1 smem=0"), 1u);
  EXPECT_EQ(countInLog("launch foo grid=1,1,1 block=32,2,1 smem=1024"), 1u);
  dnnrtResetLaunchCount();
  EXPECT_EQ(dnnrtLaunchCount(), 0u);

  dnnrtFree(buffer);
  mgpuModuleUnload(module);
  EXPECT_EQ(countInLog("module_unload"), 1u);
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();
}

TEST_F(RuntimeTest, LaunchFromAnotherThread) {
  void *module = loadPtx();
  void *f = mgpuModuleGetFunction(module, "foo");
  ASSERT_NE(f, nullptr);
  // The fake driver, like the real one, needs a current context per thread.
  std::thread worker([&] {
    void *stream = mgpuStreamCreate();
    mgpuLaunchKernel(f, 2, 1, 1, 64, 1, 1, 0, stream, nullptr, nullptr, 0);
    mgpuStreamSynchronize(stream);
  });
  worker.join();
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();
  EXPECT_EQ(countInLog("launch foo grid=2,1,1 block=64,1,1 smem=0"), 1u);
  mgpuModuleUnload(module);
}

TEST_F(RuntimeTest, BadKernelNameIsAStickyError) {
  void *module = loadPtx();
  ASSERT_NE(module, nullptr);
  void *f = mgpuModuleGetFunction(module, "fo");
  EXPECT_EQ(f, nullptr);
  std::string first = lastError();
  EXPECT_NE(first.find("mgpuModuleGetFunction(fo): cuModuleGetFunction failed: "
                       "CUDA_ERROR_NOT_FOUND (named symbol not found)"),
            std::string::npos)
      << first;

  // The launch of the missing kernel is skipped (and counted); the first
  // error stays.
  dnnrtResetLaunchCount();
  mgpuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, mgpuStreamCreate(), nullptr,
                   nullptr, 0);
  EXPECT_EQ(dnnrtLaunchCount(), 1u);
  EXPECT_EQ(lastError(), first);
  for (const std::string &line : log())
    EXPECT_NE(line.rfind("launch", 0), 0u) << line;
  // Later successes do not clear it either.
  EXPECT_NE(mgpuModuleGetFunction(module, "foo"), nullptr);
  EXPECT_EQ(lastError(), first);

  dnnrtClearError();
  EXPECT_EQ(dnnrtGetLastError(), nullptr);
  mgpuLaunchKernel(nullptr, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr,
                   0);
  EXPECT_NE(lastError().find("mgpuLaunchKernel: no kernel"), std::string::npos)
      << lastError();
  mgpuModuleUnload(module);
}

TEST_F(RuntimeTest, NoModuleIsAnError) {
  EXPECT_EQ(mgpuModuleGetFunction(nullptr, "foo"), nullptr);
  EXPECT_NE(lastError().find("mgpuModuleGetFunction(foo): no module"),
            std::string::npos)
      << lastError();
  mgpuModuleUnload(nullptr); // a failed load's unload: nothing to do
}

TEST_F(RuntimeTest, InvalidLaunchDimensions) {
  void *module = loadPtx();
  void *f = mgpuModuleGetFunction(module, "foo");
  mgpuLaunchKernel(f, 0, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  EXPECT_NE(lastError().find("mgpuLaunchKernel(foo): invalid launch "
                             "grid=0,1,1 block=1,1,1 smem=0"),
            std::string::npos)
      << lastError();
  dnnrtClearError();
  // Over 1024 threads: the driver refuses, and the message says which launch.
  mgpuLaunchKernel(f, 1, 1, 1, 2048, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  EXPECT_NE(lastError().find("mgpuLaunchKernel(foo, grid=1,1,1 "
                             "block=2048,1,1 smem=0): cuLaunchKernel failed: "
                             "CUDA_ERROR_INVALID_VALUE"),
            std::string::npos)
      << lastError();
  mgpuModuleUnload(module);
}

TEST_F(RuntimeTest, LargeDynamicSharedMemory) {
  void *module = loadPtx();
  void *f = mgpuModuleGetFunction(module, "foo");
  void *stream = mgpuStreamCreate();
  mgpuLaunchKernel(f, 1, 1, 1, 128, 1, 1, 100000, stream, nullptr, nullptr, 0);
  mgpuLaunchKernel(f, 1, 1, 1, 128, 1, 1, 100000, stream, nullptr, nullptr, 0);
  mgpuLaunchKernel(f, 1, 1, 1, 128, 1, 1, 80000, stream, nullptr, nullptr, 0);
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();
  // The limit is raised once, not per launch.
  EXPECT_EQ(countInLog("func_set_attribute foo max_dynamic_smem=100000"), 1u);
  EXPECT_EQ(countInLog("launch foo grid=1,1,1 block=128,1,1 smem=100000"), 2u);
  EXPECT_EQ(countInLog("launch foo grid=1,1,1 block=128,1,1 smem=80000"), 1u);
  // More than the device has.
  mgpuLaunchKernel(f, 1, 1, 1, 128, 1, 1, 300000, stream, nullptr, nullptr, 0);
  EXPECT_NE(lastError().find("mgpuLaunchKernel(foo): cuFuncSetAttribute("
                             "MAX_DYNAMIC_SHARED_SIZE_BYTES, 300000) failed"),
            std::string::npos)
      << lastError();
  mgpuModuleUnload(module);
}

TEST_F(RuntimeTest, ClusterLaunch) {
  void *module = loadPtx();
  void *f = mgpuModuleGetFunction(module, "foo");
  mgpuLaunchClusterKernel(f, 2, 1, 1, 4, 1, 1, 128, 1, 1, 0,
                          mgpuStreamCreate(), nullptr, nullptr);
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();
  EXPECT_EQ(
      countInLog("launch foo grid=4,1,1 block=128,1,1 smem=0 cluster=2,1,1"),
      1u);
  EXPECT_EQ(dnnrtLaunchCount(), 1u);
  // Clusters of more than 8 blocks need the non-portable attribute.
  mgpuLaunchClusterKernel(f, 16, 1, 1, 32, 1, 1, 128, 1, 1, 0,
                          mgpuStreamCreate(), nullptr, nullptr);
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();
  EXPECT_EQ(countInLog("func_set_attribute foo non_portable_cluster_size=1"),
            1u);
  mgpuModuleUnload(module);
}

TEST_F(RuntimeTest, CubinModule) {
  std::vector<unsigned char> cubin = makeCubin({"gemm", "reduce"});
  void *module = mgpuModuleLoad(cubin.data(), int64_t(cubin.size()));
  ASSERT_NE(module, nullptr) << lastError();
  EXPECT_EQ(log().at(0), "module_load " + std::to_string(cubin.size()) +
                             " cubin");
  EXPECT_NE(mgpuModuleGetFunction(module, "gemm"), nullptr) << lastError();
  EXPECT_NE(mgpuModuleGetFunction(module, "reduce"), nullptr) << lastError();
  EXPECT_EQ(mgpuModuleGetFunction(module, "gem"), nullptr);
  EXPECT_NE(lastError().find("CUDA_ERROR_NOT_FOUND"), std::string::npos);
  mgpuModuleUnload(module);
}

TEST_F(RuntimeTest, ModuleUnloadForgetsItsKernels) {
  void *module = loadPtx();
  ASSERT_NE(mgpuModuleGetFunction(module, "foo"), nullptr);
  mgpuModuleUnload(module);
  // A new module (perhaps at the old address) asks the driver again.
  void *again = loadPtx();
  ASSERT_NE(mgpuModuleGetFunction(again, "foo"), nullptr);
  EXPECT_EQ(countInLog("get_function foo"), 2u);
  mgpuModuleUnload(again);
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();
}

TEST_F(RuntimeTest, GarbageImageFailsToLoad) {
  const unsigned char garbage[] = {0x01, 0x02, 0x03, 0x00};
  EXPECT_EQ(mgpuModuleLoad(const_cast<unsigned char *>(garbage), 4), nullptr);
  EXPECT_NE(lastError().find("mgpuModuleLoad(4-byte image): cuModuleLoadData "
                             "failed: CUDA_ERROR_INVALID_IMAGE"),
            std::string::npos)
      << lastError();
}

TEST_F(RuntimeTest, JitErrorLogInTheMessage) {
  setenv("DNN_FAKE_CUDA_FAIL", "cuModuleLoadDataEx", 1);
  EXPECT_EQ(mgpuModuleLoadJIT(const_cast<char *>(kPtx), 3), nullptr);
  std::string error = lastError();
  EXPECT_NE(error.find("mgpuModuleLoadJIT(" + std::to_string(strlen(kPtx)) +
                       "-byte PTX, O3): cuModuleLoadDataEx failed: "
                       "CUDA_ERROR_INVALID_PTX (a PTX JIT compilation "
                       "failed)\nJIT log:\nptxas fatal   : (fake) "
                       "cuModuleLoadDataEx forced to fail"),
            std::string::npos)
      << error;
}

TEST_F(RuntimeTest, AllocationFailure) {
  setenv("DNN_FAKE_CUDA_FAIL", "cuMemAlloc_v2", 1);
  EXPECT_EQ(dnnrtMalloc(1 << 20), nullptr);
  EXPECT_EQ(lastError(), "dnnrtMalloc(1048576 bytes): cuMemAlloc_v2 failed: "
                         "CUDA_ERROR_OUT_OF_MEMORY (out of memory)");
  dnnrtClearError();
  EXPECT_EQ(mgpuMemAlloc(256, nullptr, 0), nullptr);
  EXPECT_EQ(lastError(), "mgpuMemAlloc(256 bytes): cuMemAlloc_v2 failed: "
                         "CUDA_ERROR_OUT_OF_MEMORY (out of memory)");
  // The failure is the driver's, not the runtime's: the next one works.
  unsetenv("DNN_FAKE_CUDA_FAIL");
  dnnrtClearError();
  void *p = dnnrtMalloc(16);
  EXPECT_NE(p, nullptr) << lastError();
  dnnrtFree(p);
}

TEST_F(RuntimeTest, MissingDriver) {
  setenv("DNN_CUDA_LIBRARY", "/nonexistent/libcuda.so.1", 1);
  EXPECT_NE(dnnrtInit(), 0);
  std::string error = lastError();
  EXPECT_NE(error.find("dnnrtInit: cannot load the CUDA driver "
                       "'/nonexistent/libcuda.so.1'"),
            std::string::npos)
      << error;
  // Everything that needs the driver does nothing, without crashing.
  dnnrtClearError();
  EXPECT_EQ(dnnrtMalloc(16), nullptr);
  EXPECT_NE(lastError().find("dnnrtMalloc: cannot load the CUDA driver"),
            std::string::npos)
      << lastError();
  EXPECT_EQ(mgpuModuleLoadJIT(const_cast<char *>(kPtx), 2), nullptr);
  EXPECT_EQ(mgpuModuleGetFunction(nullptr, "foo"), nullptr);
  EXPECT_EQ(mgpuStreamCreate(), nullptr);
  mgpuLaunchKernel(nullptr, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr, 0);
  mgpuStreamSynchronize(nullptr);
  mgpuStreamDestroy(nullptr);
  mgpuModuleUnload(nullptr);
  EXPECT_EQ(dnnrtEventElapsedMs(nullptr, nullptr), -1.0f);
  EXPECT_NE(dnnrtDeviceInfo(nullptr, 0, nullptr, nullptr), 0);
  EXPECT_NE(lastError().find("dnnrtMalloc: cannot load"), std::string::npos)
      << "the first error stays: " << lastError();
}

TEST_F(RuntimeTest, DriverWithoutTheEntryPoints) {
  // A library that is not a CUDA driver (this test's own runtime library).
  setenv("DNN_CUDA_LIBRARY", DNN_CUDA_RUNTIME_PATH, 1);
  EXPECT_NE(dnnrtInit(), 0);
  EXPECT_NE(lastError().find("' lacks cuInit cuGetErrorName"),
            std::string::npos)
      << lastError();
}

TEST_F(RuntimeTest, InitFailureFromTheDriver) {
  setenv("DNN_FAKE_CUDA_FAIL", "cuInit", 1);
  EXPECT_NE(dnnrtInit(), 0);
  EXPECT_NE(lastError().find("dnnrtInit: cuInit failed: CUDA_ERROR_NO_DEVICE "
                             "(no CUDA-capable device is detected)"),
            std::string::npos)
      << lastError();
}

TEST_F(RuntimeTest, DeviceOrdinal) {
  setenv("DNN_CUDA_DEVICE", "0", 1);
  EXPECT_EQ(dnnrtInit(), 0) << lastError();

  dnnrtTestingReset();
  setenv("DNN_CUDA_DEVICE", "3", 1);
  EXPECT_NE(dnnrtInit(), 0);
  EXPECT_NE(lastError().find("cuDeviceGet(3) failed: CUDA_ERROR_INVALID_DEVICE"),
            std::string::npos)
      << lastError();

  dnnrtTestingReset();
  setenv("DNN_CUDA_DEVICE", "gpu1", 1);
  EXPECT_NE(dnnrtInit(), 0);
  EXPECT_NE(lastError().find("DNN_CUDA_DEVICE='gpu1' is not a device ordinal"),
            std::string::npos)
      << lastError();
}

TEST_F(RuntimeTest, SetDefaultDevice) {
  // Before initialisation it chooses the device (over DNN_CUDA_DEVICE).
  setenv("DNN_CUDA_DEVICE", "0", 1);
  mgpuSetDefaultDevice(1);
  EXPECT_NE(dnnrtInit(), 0);
  EXPECT_NE(lastError().find("cuDeviceGet(1) failed"), std::string::npos)
      << lastError();

  dnnrtTestingReset();
  EXPECT_EQ(dnnrtInit(), 0);
  mgpuSetDefaultDevice(0); // the device in use: fine
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();
  mgpuSetDefaultDevice(2);
  EXPECT_NE(lastError().find("mgpuSetDefaultDevice(2): the runtime already "
                             "uses device 0"),
            std::string::npos)
      << lastError();
}

TEST_F(RuntimeTest, Streams) {
  void *module = loadPtx();
  void *f = mgpuModuleGetFunction(module, "foo");

  // Without dnnrtSetStream the runtime's own stream, the same every time,
  // and mgpuStreamDestroy leaves it alive (the fake driver rejects launches
  // on destroyed streams).
  void *owned = mgpuStreamCreate();
  ASSERT_NE(owned, nullptr);
  EXPECT_EQ(mgpuStreamCreate(), owned);
  EXPECT_EQ(dnnrtGetStream(), owned);
  mgpuStreamDestroy(owned);
  mgpuStreamDestroy(owned); // the lowering may destroy twice
  mgpuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, owned, nullptr, nullptr, 0);
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();
  dnnrtStreamDestroy(owned); // not the user's to destroy: ignored
  mgpuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, owned, nullptr, nullptr, 0);
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();

  // A user stream becomes the current stream.
  void *user = dnnrtStreamCreate();
  ASSERT_NE(user, nullptr) << lastError();
  EXPECT_NE(user, owned);
  dnnrtSetStream(user);
  EXPECT_EQ(dnnrtGetStream(), user);
  void *s = mgpuStreamCreate();
  EXPECT_EQ(s, user);
  mgpuLaunchKernel(f, 1, 1, 1, 1, 1, 1, 0, s, nullptr, nullptr, 0);
  mgpuStreamSynchronize(s);
  mgpuStreamDestroy(s);
  EXPECT_EQ(dnnrtStreamSynchronize(user), 0) << lastError();
  EXPECT_EQ(dnnrtStreamSynchronize(nullptr), 0) << lastError();
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();

  // NULL restores the runtime's stream; destroying the current user stream
  // does too.
  dnnrtSetStream(nullptr);
  EXPECT_EQ(mgpuStreamCreate(), owned);
  dnnrtSetStream(user);
  dnnrtStreamDestroy(user);
  EXPECT_EQ(dnnrtGetStream(), owned);
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();
  mgpuModuleUnload(module);
}

TEST_F(RuntimeTest, Events) {
  void *start = dnnrtEventCreate();
  void *end = dnnrtEventCreate();
  ASSERT_NE(start, nullptr) << lastError();
  ASSERT_NE(end, nullptr) << lastError();
  EXPECT_EQ(dnnrtEventRecord(start, nullptr), 0) << lastError();
  EXPECT_EQ(dnnrtEventRecord(end, dnnrtGetStream()), 0) << lastError();
  EXPECT_FLOAT_EQ(dnnrtEventElapsedMs(start, end), 0.25f); // the fake's time
  dnnrtEventDestroy(start);
  dnnrtEventDestroy(end);
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();

  // The mgpu events (what gpu.wait with dependencies lowers to).
  void *stream = mgpuStreamCreate();
  void *event = mgpuEventCreate();
  ASSERT_NE(event, nullptr) << lastError();
  mgpuEventRecord(event, stream);
  mgpuStreamWaitEvent(stream, event);
  mgpuEventSynchronize(event);
  mgpuEventDestroy(event);
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();

  // They take no timing: elapsed time is an error, not a number.
  void *a = mgpuEventCreate(), *b = mgpuEventCreate();
  mgpuEventRecord(a, stream);
  mgpuEventRecord(b, stream);
  EXPECT_LT(dnnrtEventElapsedMs(a, b), 0.0f);
  EXPECT_NE(lastError().find("cuEventElapsedTime failed"), std::string::npos)
      << lastError();
  mgpuEventDestroy(a);
  mgpuEventDestroy(b);
}

TEST_F(RuntimeTest, MgpuMemory) {
  void *stream = mgpuStreamCreate();
  void *d = mgpuMemAlloc(64, stream, 0);
  ASSERT_NE(d, nullptr) << lastError();
  uint32_t host[16];
  for (uint32_t i = 0; i < 16; ++i)
    host[i] = i;
  mgpuMemcpy(d, host, sizeof(host), stream);
  mgpuMemset32(d, 0xdeadbeef, 4, stream); // the first 4 words
  mgpuMemset16(static_cast<char *>(d) + 16, 0x1234, 2, stream); // word 4
  uint32_t back[16] = {0};
  mgpuMemcpy(back, d, sizeof(back), stream);
  mgpuStreamSynchronize(stream);
  EXPECT_EQ(back[0], 0xdeadbeefu);
  EXPECT_EQ(back[3], 0xdeadbeefu);
  EXPECT_EQ(back[4], 0x12341234u);
  EXPECT_EQ(back[5], 5u);
  EXPECT_EQ(back[15], 15u);

  void *shared = mgpuMemAlloc(32, stream, 1);
  EXPECT_NE(shared, nullptr) << lastError();
  void *d2 = mgpuMemAlloc(64, stream, 0);
  mgpuMemcpy(d2, d, 64, stream);
  mgpuMemFree(shared, stream);
  mgpuMemFree(d2, stream);
  mgpuMemFree(d, stream);
  EXPECT_EQ(mgpuMemAlloc(0, stream, 0), nullptr);
  EXPECT_EQ(dnnrtGetLastError(), nullptr) << lastError();
  EXPECT_EQ(log(), (std::vector<std::string>{"htod 64", "memset 16",
                                             "memset 4", "dtoh 64",
                                             "dtod 64"}));
  // Freeing twice is the driver's error.
  mgpuMemFree(d, stream);
  EXPECT_NE(lastError().find("mgpuMemFree: cuMemFree_v2 failed"),
            std::string::npos)
      << lastError();
}

TEST_F(RuntimeTest, SharedLibraryExportsTheApiOnly) {
  void *handle = dlopen(DNN_CUDA_RUNTIME_PATH, RTLD_NOW | RTLD_LOCAL);
  ASSERT_NE(handle, nullptr) << dlerror();
  for (const char *name :
       {"dnnrtInit", "dnnrtGetLastError", "dnnrtMalloc", "dnnrtLaunchCount",
        "mgpuModuleLoad", "mgpuModuleLoadJIT", "mgpuLaunchKernel",
        "mgpuLaunchClusterKernel", "mgpuStreamCreate", "mgpuMemAlloc",
        "mgpuSetDefaultDevice", "mgpuEventSynchronize"})
    EXPECT_NE(dlsym(handle, name), nullptr) << name;
  EXPECT_EQ(dlsym(handle, "dnnrtTestingReset"), nullptr);

  // Its own state, initialised on the fake driver.
  auto init = reinterpret_cast<int (*)()>(dlsym(handle, "dnnrtInit"));
  auto error =
      reinterpret_cast<const char *(*)()>(dlsym(handle, "dnnrtGetLastError"));
  auto load = reinterpret_cast<void *(*)(void *, int32_t)>(
      dlsym(handle, "mgpuModuleLoadJIT"));
  ASSERT_TRUE(init && error && load);
  EXPECT_EQ(init(), 0) << error();
  EXPECT_NE(load(const_cast<char *>(kPtx), 2), nullptr) << error();
  EXPECT_EQ(error(), nullptr);
  // The runtime stays loaded: the driver it initialised may not be unloaded
  // safely.
}

} // namespace
