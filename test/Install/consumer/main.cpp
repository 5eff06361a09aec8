//===- main.cpp - a compiler that embeds dnn-mlir through find_package ---===//
//
// Parses a dnn module, runs dnn-attach-target from a textual pipeline, and
// reads the preset table through the C++ API.

#include "dnn/Dialect/DNN/IR/DNNOps.h"
#include "dnn/Dialect/DNN/IR/GPUTargets.h"
#include "dnn/InitDNN.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassRegistry.h"
#include "llvm/Support/raw_ostream.h"

int main() {
  mlir::DialectRegistry registry;
  mlir::dnn::registerAllDNNDialects(registry);
  mlir::dnn::registerAllDNNPasses();
  mlir::MLIRContext context(registry);

  const char *source = R"mlir(
    func.func @main(%x: tensor<2x8xf32>, %w: tensor<4x8xf32>) -> tensor<2x4xf32> {
      %y = dnn.linear %x, %w : (tensor<2x8xf32>, tensor<4x8xf32>) -> tensor<2x4xf32>
      return %y : tensor<2x4xf32>
    })mlir";
  mlir::OwningOpRef<mlir::ModuleOp> module =
      mlir::parseSourceString<mlir::ModuleOp>(source, &context);
  if (!module)
    return 1;

  auto pm = mlir::PassManager::on<mlir::ModuleOp>(&context);
  if (failed(mlir::parsePassPipeline("dnn-attach-target{gpu=l4}",
                                     pm)) ||
      failed(pm.run(*module)))
    return 2;

  auto target = (*module)->getAttrOfType<mlir::dnn::GPUTargetAttr>("dnn.target");
  if (!target) {
    module->print(llvm::errs());
    return 3;
  }
  const mlir::dnn::GPUPreset *h100 = mlir::dnn::findGPUPreset("H100");
  unsigned linears = 0;
  module->walk([&](mlir::dnn::LinearOp) { ++linears; });
  llvm::outs() << "target " << target.getName() << " with " << target.getSms()
               << " SMs, cc " << target.getComputeCapability() << "\n"
               << "preset h100 has " << (h100 ? h100->sms : -1) << " SMs\n"
               << "linear ops: " << linears << "\n";
  return 0;
}
