//===- dnn-opt.cpp - the dnn-mlir optimizer driver ----------------------===//
//
// mlir-opt with the dnn dialect and passes added to every upstream dialect,
// extension and pass, so one command can take a network from the dnn
// dialect down to PTX. The input is screened for what would crash the
// upstream parser (dnn/Support/InputChecks.h) before MLIR parses it.
//
//===----------------------------------------------------------------------===//

#include "dnn/InitDNN.h"
#include "dnn/Support/InputChecks.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/ToolOutputFile.h"

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR before NVPTX.
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::dnn::registerAllDNNDialects(registry);

  mlir::registerAllPasses();
  mlir::dnn::registerAllDNNPasses();

  auto [inputFilename, outputFilename] = mlir::registerAndParseCLIOptions(
      argc, argv, "dnn-mlir optimizer driver\n", registry);
  mlir::MlirOptMainConfig config = mlir::MlirOptMainConfig::createFromCLOptions();
  if (config.shouldShowDialects()) {
    llvm::outs() << "Available Dialects: ";
    llvm::interleave(registry.getDialectNames(), llvm::outs(), ", ");
    llvm::outs() << "\n";
    return 0;
  }
  if (config.shouldListPasses()) {
    mlir::printRegisteredPasses();
    return 0;
  }

  std::string errorMessage;
  std::unique_ptr<llvm::MemoryBuffer> file =
      mlir::openInputFile(inputFilename, &errorMessage);
  if (!file) {
    llvm::errs() << errorMessage << "\n";
    return 1;
  }
  {
    // Screened before MlirOptMain takes the buffer (a copy: the buffer is
    // moved on below).
    llvm::SourceMgr screen;
    screen.AddNewSourceBuffer(llvm::MemoryBuffer::getMemBuffer(
                                  file->getMemBufferRef(),
                                  /*RequiresNullTerminator=*/false),
                              llvm::SMLoc());
    if (mlir::failed(mlir::dnn::checkParserHazards(screen)))
      return 1;
  }
  std::unique_ptr<llvm::ToolOutputFile> output =
      mlir::openOutputFile(outputFilename, &errorMessage);
  if (!output) {
    llvm::errs() << errorMessage << "\n";
    return 1;
  }
  if (mlir::failed(mlir::MlirOptMain(output->os(), std::move(file), registry,
                                     config)))
    return 1;
  output->keep();
  return 0;
}
