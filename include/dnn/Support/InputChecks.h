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
class raw_ostream;
} // namespace llvm

namespace mlir::dnn {

/// The deepest bracket nesting accepted; real modules nest a few dozen.
constexpr unsigned kMaxNesting = 512;

/// Checks the main buffer of `sourceMgr` for what takes MLIR 22's parser
/// down: brackets nested more than kMaxNesting deep (it recurses per level
/// and overflows its stack), and a dialect_resources blob whose 4-byte
/// alignment header is 0 (it allocates with alignment 0 and aborts). Reports
/// each as a located error (file:line:col) on `errs` and fails; succeeds on
/// anything else.
LogicalResult checkParserHazards(llvm::SourceMgr &sourceMgr,
                                 llvm::raw_ostream &errs);

} // namespace mlir::dnn

#endif // DNN_SUPPORT_INPUTCHECKS_H
