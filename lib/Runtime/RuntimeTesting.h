//===- RuntimeTesting.h - test-only hooks of the CUDA runtime ---*- C++ -*-===//
//
// Not part of the runtime's API: nothing outside the unit tests may use it,
// and the shared library does not export it (the tests link the static
// library).
//
//===----------------------------------------------------------------------===//

#ifndef DNN_LIB_RUNTIME_RUNTIMETESTING_H
#define DNN_LIB_RUNTIME_RUNTIMETESTING_H

extern "C" {

/// Returns the runtime to its state before the first call: forgets the
/// driver (dlclose), the device, the streams, the kernel cache, the error and
/// the launch count, so that the next call initialises again and reads the
/// environment (DNN_CUDA_LIBRARY, DNN_CUDA_DEVICE) anew. Handles obtained
/// before the reset must not be used after it. Not thread-safe with respect
/// to concurrent runtime calls.
void dnnrtTestingReset(void);

} // extern "C"

#endif // DNN_LIB_RUNTIME_RUNTIMETESTING_H
