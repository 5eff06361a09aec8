/*===- Runtime.h - the dnn CUDA runtime's C API -------------------*- C -*-===//
//
// A small CUDA driver-API runtime. It implements the mgpu* functions that
// MLIR's gpu-to-llvm host code calls (module load, kernel launch, streams,
// events, memory) and this C API for host programs. The driver library is
// loaded at run time (dlopen of libcuda.so.1, or of $DNN_CUDA_LIBRARY), so
// nothing but the NVIDIA driver is needed where a model runs.
//
// Errors never abort: the first failure is kept (sticky) with its message
// (which call failed, and the driver's error name and text) until
// dnnrtClearError; the failing call returns NULL / non-zero / nothing, later
// calls still run, and a host program asks dnnrtGetLastError after the calls
// it cares about. If the driver cannot be loaded or initialised, every call
// that needs it does nothing (and records that reason). The driver is
// initialised on first use (device $DNN_CUDA_DEVICE, default 0, through its
// primary context, made current on each calling thread). docs/runtime.md
// has the details.
//
//===----------------------------------------------------------------------===*/

#ifndef DNN_RUNTIME_RUNTIME_H
#define DNN_RUNTIME_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/// Loads the driver and makes the device's primary context current.
/// Returns 0 on success, non-zero otherwise (message: dnnrtGetLastError).
int dnnrtInit(void);
/// The first error message since the last dnnrtClearError, or NULL. The
/// string stays valid until the next dnnrtClearError.
const char *dnnrtGetLastError(void);
void dnnrtClearError(void);
/// The device's name and compute capability (after dnnrtInit).
int dnnrtDeviceInfo(char *name, size_t nameLen, int *major, int *minor);

/// Device memory. NULL (and a sticky error) on failure; NULL without an
/// error for 0 bytes. The copies and the memset are ordered on the current
/// stream and return when done (0 on success).
void *dnnrtMalloc(size_t bytes);
void dnnrtFree(void *ptr);
int dnnrtMemcpyHtoD(void *dst, const void *src, size_t bytes);
int dnnrtMemcpyDtoH(void *dst, const void *src, size_t bytes);
int dnnrtMemset(void *dst, unsigned char value, size_t bytes);

/// Streams: the current stream is the one dnn_model_run (mgpuStreamCreate)
/// uses; dnnrtSetStream(NULL) restores the default (a stream the runtime
/// owns and creates on first need, which dnnrtStreamDestroy leaves alone).
/// Destroying the current stream makes the default current again. A NULL
/// stream argument of dnnrtStreamSynchronize/dnnrtEventRecord means the
/// current stream. Streams are created blocking (CU_STREAM_DEFAULT).
void *dnnrtStreamCreate(void);
void dnnrtStreamDestroy(void *stream);
int dnnrtStreamSynchronize(void *stream);
void dnnrtSetStream(void *stream);
void *dnnrtGetStream(void);

/// Events for timing on a stream.
void *dnnrtEventCreate(void);
void dnnrtEventDestroy(void *event);
int dnnrtEventRecord(void *event, void *stream);
/// Milliseconds between two recorded events (waits for `end`); < 0 on error.
float dnnrtEventElapsedMs(void *start, void *end);

/// Launches counted since the last reset (all mgpuLaunchKernel and
/// mgpuLaunchClusterKernel calls, including those that failed).
uint64_t dnnrtLaunchCount(void);
void dnnrtResetLaunchCount(void);

#ifdef __cplusplus
}
#endif

#endif /* DNN_RUNTIME_RUNTIME_H */
