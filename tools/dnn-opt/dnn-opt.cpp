//===- dnn-opt.cpp - the dnn-mlir optimizer driver ----------------------===//
//
// mlir-opt with the dnn dialect and passes added to every upstream dialect,
// extension and pass, so one command can take a network from the dnn
// dialect down to PTX. An input file is screened for what would crash the
// upstream parser (dnn/Support/InputChecks.h) before MLIR parses it.
//
//===----------------------------------------------------------------------===//

#include "dnn/InitDNN.h"
#include "dnn/Support/InputChecks.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"
#include "llvm/Support/SourceMgr.h"

int main(int argc, char **argv) {
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
  // A file is screened first (standard input is left to MlirOptMain: it can
  // be read only once).
  if (inputFilename != "-") {
    std::string errorMessage;
    std::unique_ptr<llvm::MemoryBuffer> file =
        mlir::openInputFile(inputFilename, &errorMessage);
    if (file) {
      llvm::SourceMgr screen;
      screen.AddNewSourceBuffer(std::move(file), llvm::SMLoc());
      if (mlir::failed(mlir::dnn::checkParserHazards(screen, llvm::errs())))
        return 1;
    }
  }
  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, inputFilename, outputFilename, registry));
}
