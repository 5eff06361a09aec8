//===- InputChecks.h - checks on input text before MLIR parses it -*- C++ -*-===//
//
// Input that would take the process down inside the upstream MLIR 22 parser,
// found by fuzzing (docs/robustness.md), is diagnosed here first, with its
// location, by every dnn-mlir tool that parses text (dnn-opt, dnn-run, the
// fuzz target).
//
//===----------------------------------------------------------------------===//

#ifndef DNN_SUPPORT_INPUTCHECKS_H
#define DNN_SUPPORT_INPUTCHECKS_H

#include "mlir/Support/LLVM.h"

namespace llvm {
class SourceMgr;
} // namespace llvm

namespace mlir::dnn {

/// Checks the main buffer of `sourceMgr`: a dialect_resources blob whose
/// 4-byte alignment header is 0 makes MLIR 22's parser abort (it allocates
/// with alignment 0). Reports each such blob as a located error through
/// `sourceMgr` and fails; succeeds on anything else.
LogicalResult checkParserHazards(llvm::SourceMgr &sourceMgr);

} // namespace mlir::dnn

#endif // DNN_SUPPORT_INPUTCHECKS_H
