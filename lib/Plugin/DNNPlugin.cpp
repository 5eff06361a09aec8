//===- DNNPlugin.cpp - dnn-mlir as a plugin for upstream MLIR tools -----===//
//
// Lets `mlir-opt --load-dialect-plugin=DNNPlugin.so` parse dnn IR and
// `mlir-opt --load-pass-plugin=DNNPlugin.so` run the dnn passes.
//
//===----------------------------------------------------------------------===//

#include "dnn/InitDNN.h"

#include "mlir/IR/DialectRegistry.h"
#include "mlir/Tools/Plugins/DialectPlugin.h"
#include "mlir/Tools/Plugins/PassPlugin.h"
#include "llvm/Config/llvm-config.h"
#include "llvm/Support/Compiler.h"

using namespace mlir;

extern "C" LLVM_ATTRIBUTE_WEAK DialectPluginLibraryInfo
mlirGetDialectPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "DNN", LLVM_VERSION_STRING,
          [](DialectRegistry *registry) {
            dnn::registerAllDNNDialects(*registry);
          }};
}

extern "C" LLVM_ATTRIBUTE_WEAK PassPluginLibraryInfo mlirGetPassPluginInfo() {
  return {MLIR_PLUGIN_API_VERSION, "DNNPasses", LLVM_VERSION_STRING,
          []() { dnn::registerAllDNNPasses(); }};
}
