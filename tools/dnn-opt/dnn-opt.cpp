//===- dnn-opt.cpp - the dnn-mlir optimizer driver ----------------------===//
//
// mlir-opt with the dnn dialect and passes added to every upstream dialect,
// extension and pass, so one command can take a network from the dnn
// dialect down to PTX.
//
//===----------------------------------------------------------------------===//

#include "dnn/InitDNN.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/InitAllDialects.h"
#include "mlir/InitAllExtensions.h"
#include "mlir/InitAllPasses.h"
#include "mlir/Target/LLVMIR/Dialect/All.h"
#include "mlir/Tools/mlir-opt/MlirOptMain.h"

int main(int argc, char **argv) {
  mlir::DialectRegistry registry;
  mlir::registerAllDialects(registry);
  mlir::registerAllExtensions(registry);
  // gpu-module-to-binary translates kernels to LLVM IR before NVPTX.
  mlir::registerAllToLLVMIRTranslations(registry);
  mlir::dnn::registerAllDNNDialects(registry);

  mlir::registerAllPasses();
  mlir::dnn::registerAllDNNPasses();

  return mlir::asMainReturnCode(mlir::MlirOptMain(
      argc, argv, "dnn-mlir optimizer driver\n", registry));
}
