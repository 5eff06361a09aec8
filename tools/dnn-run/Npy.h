//===- Npy.h - NumPy .npy files for dnn-run ---------------------*- C++ -*-===//
//
// A small reader and writer of NumPy's .npy format (versions 1.0, 2.0 and
// 3.0): a magic string, a header that is a Python dict literal with 'descr',
// 'fortran_order' and 'shape', then the raw array data.
//
// Only what dnn-run exchanges is supported: arrays in C order of numeric
// scalar types stored in the host's byte order (little-endian). Everything
// else is rejected with a message that says why.
//
//===----------------------------------------------------------------------===//

#ifndef DNN_TOOLS_DNN_RUN_NPY_H
#define DNN_TOOLS_DNN_RUN_NPY_H

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/STLFunctionalExtras.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"
#include "llvm/Support/MemoryBuffer.h"

#include <memory>
#include <string>

namespace dnn_run {

/// An array read from an .npy file.
struct NpyArray {
  /// NumPy's kind character of the element type: 'f' (float), 'i' (signed
  /// integer), 'u' (unsigned integer), 'b' (bool), 'c' (complex), ...
  char kind = 'f';
  /// Bytes per element.
  unsigned itemSize = 4;
  llvm::SmallVector<int64_t> shape;
  /// Row-major element data in host byte order, in `storage`.
  llvm::ArrayRef<char> data;
  /// The file's data, mapped or read (shared, so that arrays copy cheaply).
  std::shared_ptr<llvm::MemoryBuffer> storage;

  int64_t getNumElements() const;
  /// NumPy's name of the element type ("float32", "int64", ...).
  std::string getTypeName() const;
  /// E.g. "float64 array of shape (1, 3, 8, 8)".
  std::string describe() const;
};

/// NumPy's spelling of a shape: "(1, 3)", "(5,)" or "()".
std::string formatNpyShape(llvm::ArrayRef<int64_t> shape);

/// Reads the .npy file `path` (a regular file: directories, FIFOs and
/// devices are refused, so that /dev/zero or a pipe never hangs the reader);
/// errors do not repeat the path. The header is read and checked first,
/// against the size of the file too, and then handed to `check` (when
/// given) before any data is read: a caller that expects a dtype and a
/// shape rejects a wrong or absurdly large array without reading it.
llvm::Expected<NpyArray>
readNpy(llvm::StringRef path,
        llvm::function_ref<llvm::Error(const NpyArray &)> check = nullptr);

/// Writes a C-order little-endian array of `kind`/`itemSize` elements (e.g.
/// 'f'/4 for float32) to `path`; `data` holds the raw elements.
llvm::Error writeNpy(llvm::StringRef path, char kind, unsigned itemSize,
                     llvm::ArrayRef<int64_t> shape,
                     llvm::ArrayRef<char> data);

} // namespace dnn_run

#endif // DNN_TOOLS_DNN_RUN_NPY_H
