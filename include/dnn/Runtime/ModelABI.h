/*===- ModelABI.h - the interface of an AOT-compiled model -------*- C -*-===//
//
// What `dnn-compile` puts in a model's shared library and what a host
// program (dnn-bench, a user's application) finds there. Plain C so that a
// program with no LLVM/MLIR can use it.
//
// A model library exports:
//
//   const char dnn_model_manifest[];   NUL-terminated text, see below
//   void dnn_model_run(void **args);   one forward pass
//
// plus the runtime's C API (dnn/Runtime/Runtime.h), which it links
// statically, so that a host program needs nothing but the library.
//
// dnn_model_run takes one device pointer per manifest `arg` line, in order
// of their indices: the inputs, the weights, the outputs and the workspace
// (device memory of the manifest's workspace size, which the model uses for
// its intermediate tensors; its contents need not survive between runs).
// The kernels are enqueued on the runtime's current stream
// (dnnrtSetStream, else a stream of its own), and the call returns when they
// have finished. Errors are sticky: see dnnrtGetLastError.
//
// The manifest, one record per line, fields separated by one space:
//
//   dnn-model <abi version>
//   entry <function name>
//   target <gpu name> <chip, e.g. sm_90> <binary format: isa|bin>
//   weights <total bytes of the weights file>
//   arg <index> input <name> <dtype> <shape>
//   arg <index> weight <name> <dtype> <shape> <byte offset in the weights file>
//   arg <index> output <name> <dtype> <shape>
//   arg <index> workspace workspace i8 <bytes>
//   kernel <name> <grid x> <grid y> <grid z> <block x> <dynamic smem bytes>
//
// <dtype> is f32, f16, bf16, f64 or i8; <shape> is the dims joined by 'x'
// (`1x3x224x224`), or `scalar` for rank 0. A weight's bytes (row-major,
// little-endian) are at its offset in the weights file, which dnn-compile
// writes beside the library (`model.so` -> `model.weights`); offsets are
// multiples of DNN_MODEL_WEIGHT_ALIGN. `kernel` lines list the launches of
// one forward pass in order (a diagnostic aid; the launches themselves are
// compiled into dnn_model_run).
//
// A kernel whose name starts with DNN_COOPERATIVE_KERNEL_PREFIX synchronises
// its whole grid (the persistent recurrent kernel's barrier between time
// steps): the runtime launches it cooperatively (cuLaunchCooperativeKernel),
// so that all its CTAs are resident at once or the launch fails with an
// error instead of hanging.
//
//===----------------------------------------------------------------------===*/

#ifndef DNN_RUNTIME_MODELABI_H
#define DNN_RUNTIME_MODELABI_H

#define DNN_MODEL_ABI_VERSION 1
#define DNN_MODEL_MANIFEST_SYMBOL "dnn_model_manifest"
#define DNN_MODEL_RUN_SYMBOL "dnn_model_run"
#define DNN_MODEL_WEIGHT_ALIGN 256
#define DNN_COOPERATIVE_KERNEL_PREFIX "dnn_coop_"

#ifdef __cplusplus
extern "C" {
#endif

typedef void (*dnn_model_run_fn)(void **args);

#ifdef __cplusplus
}
#endif

#endif /* DNN_RUNTIME_MODELABI_H */
