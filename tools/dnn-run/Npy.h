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
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <string>
#include <vector>

namespace dnn_run {

/// An array read from an .npy file.
struct NpyArray {
  /// NumPy's kind character of the element type: 'f' (float), 'i' (signed
  /// integer), 'u' (unsigned integer), 'b' (bool), 'c' (complex), ...
  char kind = 'f';
  /// Bytes per element.
  unsigned itemSize = 4;
  llvm::SmallVector<int64_t> shape;
  /// Row-major element data in host byte order.
  std::vector<char> data;

  int64_t getNumElements() const;
  /// NumPy's name of the element type ("float32", "int64", ...).
  std::string getTypeName() const;
  /// E.g. "float64 array of shape (1, 3, 8, 8)".
  std::string describe() const;
};

/// NumPy's spelling of a shape: "(1, 3)", "(5,)" or "()".
std::string formatNpyShape(llvm::ArrayRef<int64_t> shape);

/// Parses the image of an .npy file held in memory.
llvm::Expected<NpyArray> parseNpy(llvm::StringRef buffer);

/// Reads the .npy file `path`; errors do not repeat the path.
llvm::Expected<NpyArray> readNpy(llvm::StringRef path);

/// Writes a C-order little-endian array of `kind`/`itemSize` elements (e.g.
/// 'f'/4 for float32) to `path`; `data` holds the raw elements.
llvm::Error writeNpy(llvm::StringRef path, char kind, unsigned itemSize,
                     llvm::ArrayRef<int64_t> shape,
                     llvm::ArrayRef<char> data);

} // namespace dnn_run

#endif // DNN_TOOLS_DNN_RUN_NPY_H
