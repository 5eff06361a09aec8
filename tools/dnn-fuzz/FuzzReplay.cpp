//===- FuzzReplay.cpp - run fuzz inputs without libFuzzer ---------------===//
//
// dnn-fuzz-replay FILE...: feeds each file to the fuzz target
// (FuzzTarget.cpp) once, as libFuzzer would. Exit status 0 means every input
// was handled (diagnosed or compiled); a bug aborts with the harness's
// message. The regression tests under test/Fuzz run the crashes fuzzing has
// found through it, in every build.
//
//===----------------------------------------------------------------------===//

#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv) {
  if (argc < 2) {
    llvm::errs() << "usage: dnn-fuzz-replay FILE...\n";
    return 2;
  }
  for (int i = 1; i < argc; ++i) {
    auto buffer = llvm::MemoryBuffer::getFile(argv[i], /*IsText=*/false,
                                              /*RequiresNullTerminator=*/false);
    if (!buffer) {
      llvm::errs() << "dnn-fuzz-replay: cannot read '" << argv[i]
                   << "': " << buffer.getError().message() << "\n";
      return 2;
    }
    // An exact-size heap copy, as libFuzzer passes it: no terminating NUL,
    // and ASan sees a read past the end.
    llvm::StringRef bytes = (*buffer)->getBuffer();
    auto data = std::make_unique<uint8_t[]>(bytes.size());
    std::memcpy(data.get(), bytes.data(), bytes.size());
    LLVMFuzzerTestOneInput(data.get(), bytes.size());
    llvm::outs() << "ok " << argv[i] << "\n";
  }
  return 0;
}
