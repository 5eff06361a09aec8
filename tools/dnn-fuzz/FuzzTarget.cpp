//===- FuzzTarget.cpp - one fuzz input through the dnn-mlir front end -----===//
//
// LLVMFuzzerTestOneInput: the bytes are parsed as an MLIR module with the dnn
// dialect registered; a module that parses and verifies is printed and
// re-parsed (custom assembly must round-trip), then run through the dnn
// passes of the GPU flow (dnn-gpu-pipeline's dnn steps, down to the gpu
// dialect) and of the CPU flow (down to linalg), each pass on its own so the
// harness knows which pass misbehaved.
//
// Diagnostics are the expected outcome of bad input. What the harness turns
// into a crash (libFuzzer keeps the input) is what a user must never see:
//   - a pass that fails without an error diagnostic,
//   - a pass that succeeds but leaves IR that does not verify,
//   - custom assembly that does not parse back, or parses back differently,
// besides what the sanitizers and assertions of the build catch (docs/robustness.md).
//
// The same file is linked with libFuzzer (dnn-fuzz, clang builds with
// DNN_BUILD_FUZZER) and with a plain main that replays files
// (dnn-fuzz-replay, every build; the regression tests of test/Fuzz).
//
//===----------------------------------------------------------------------===//

#include "dnn/InitDNN.h"
#include "dnn/Support/InputChecks.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/OperationSupport.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace mlir;

namespace {

/// The dnn passes a module goes through, one PassManager run each, in the
/// order the pipelines run them. Every step starts from the module the
/// previous step left; a step that fails (with a diagnostic) ends its flow.
const char *const kGPUFlow[] = {
    "dnn-fold-batch-norm",
    "dnn-tail-aware-channels",
    "dnn-balanced-sparsify",
    "dnn-fuse-epilogues",
    "dnn-fuse-rnn",
    "dnn-assign-mapping",
    "dnn-predict",
    "dnn-lower-to-gpu",
};
const char *const kCPUFlow[] = {
    "dnn-balanced-to-sparse-tensor",
    "dnn-sparse-tensor-to-balanced",
    "dnn-fold-batch-norm",
    "dnn-lower-to-linalg",
    "dnn-cpu-loop-order",
};

[[noreturn]] void reportBug(const std::string &what, ModuleOp module) {
  llvm::errs() << "dnn-fuzz: " << what << "\n";
  if (module) {
    OpPrintingFlags flags;
    flags.printGenericOpForm().elideLargeElementsAttrs(16);
    module->print(llvm::errs(), flags);
    llvm::errs() << "\n";
  }
  llvm::errs().flush();
  std::abort();
}

/// Counts the errors emitted while it lives, and swallows every diagnostic
/// (set DNN_FUZZ_VERBOSE=1 to see them).
struct DiagnosticCounter {
  explicit DiagnosticCounter(MLIRContext &ctx)
      : handler(&ctx, [this](Diagnostic &diag) {
          if (diag.getSeverity() == DiagnosticSeverity::Error)
            ++errors;
          if (verbose)
            llvm::errs() << diag.getLocation() << ": " << diag << "\n";
          return success();
        }) {}
  unsigned errors = 0;
  bool verbose = std::getenv("DNN_FUZZ_VERBOSE") != nullptr;
  ScopedDiagnosticHandler handler;
};

const DialectRegistry &registry() {
  static DialectRegistry *reg = [] {
    auto *r = new DialectRegistry;
    dnn::registerAllDNNDialects(*r);
    dnn::registerAllDNNPasses();
    return r;
  }();
  return *reg;
}

/// Runs `flow` on a clone of `module`; stops at the first failing step.
void runFlow(ModuleOp module, llvm::ArrayRef<const char *> flow,
             bool attachTarget) {
  MLIRContext *ctx = module->getContext();
  OwningOpRef<ModuleOp> work = module.clone();
  llvm::SmallVector<std::string> steps;
  if (attachTarget && !(*work)->hasAttr("dnn.target"))
    steps.push_back("dnn-attach-target{gpu=h100}");
  steps.append(flow.begin(), flow.end());
  for (const std::string &step : steps) {
    PassManager pm(ctx, ModuleOp::getOperationName(),
                   OpPassManager::Nesting::Implicit);
    pm.enableVerifier(false);
    std::string parseErrors;
    llvm::raw_string_ostream os(parseErrors);
    if (failed(parsePassPipeline(step, pm, os)))
      reportBug("cannot build the pass step '" + step + "': " + parseErrors,
                nullptr);
    DiagnosticCounter diags(*ctx);
    if (failed(pm.run(*work))) {
      if (diags.errors == 0)
        reportBug("'" + step + "' failed without an error diagnostic", *work);
      return;
    }
    if (failed(verify(*work)))
      reportBug("'" + step + "' succeeded but left IR that does not verify",
                *work);
  }
}

void checkRoundTrip(ModuleOp module) {
  std::string text;
  {
    llvm::raw_string_ostream os(text);
    module->print(os);
  }
  // A fresh context: resource blob names are unique per context, so parsing
  // into the same one would rename them.
  MLIRContext ctx(registry(), MLIRContext::Threading::DISABLED);
  DiagnosticCounter diags(ctx);
  ParserConfig config(&ctx);
  OwningOpRef<ModuleOp> again = parseSourceString<ModuleOp>(text, config);
  if (!again)
    reportBug("the printed module does not parse back:\n" + text, nullptr);
  std::string textAgain;
  {
    llvm::raw_string_ostream os(textAgain);
    (*again)->print(os);
  }
  if (text != textAgain)
    reportBug("printing is not a fixed point:\n" + text + "\n-- then --\n" +
                  textAgain,
              nullptr);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // A fresh context per input: inputs are independent and reproducible.
  MLIRContext ctx(registry(), MLIRContext::Threading::DISABLED);
  ctx.allowUnregisteredDialects(false);
  DiagnosticCounter diags(ctx);
  ParserConfig config(&ctx);
  llvm::StringRef source(reinterpret_cast<const char *>(data), size);
  // What the tools screen before parsing (dnn/Support/InputChecks.h).
  auto sourceMgr = std::make_shared<llvm::SourceMgr>();
  sourceMgr->AddNewSourceBuffer(
      // A null-terminated copy, as the tools read files: the MLIR lexer
      // relies on the terminator to stop.
      llvm::MemoryBuffer::getMemBufferCopy(source, "fuzz-input"),
      llvm::SMLoc());
  if (failed(dnn::checkParserHazards(*sourceMgr, llvm::nulls())))
    return 0;
  OwningOpRef<ModuleOp> module = parseSourceFile<ModuleOp>(sourceMgr, config);
  if (!module)
    return 0;
  // parseSourceString verifies; a module that fails verification is dropped.
  checkRoundTrip(*module);
  runFlow(*module, kGPUFlow, /*attachTarget=*/true);
  runFlow(*module, kCPUFlow, /*attachTarget=*/false);
  return 0;
}
