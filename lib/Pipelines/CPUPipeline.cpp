//===- CPUPipeline.cpp - dnn-cpu-pipeline ---------------------------------===//
//
// From dnn ops to the LLVM dialect for the host CPU (the reference path that
// dnn-run executes).
//
//===----------------------------------------------------------------------===//

#include "dnn/Pipelines/Pipelines.h"

#include "dnn/Conversion/Passes.h"
#include "dnn/Dialect/DNN/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/Bufferization/Pipelines/Passes.h"
#include "mlir/Dialect/Bufferization/Transforms/Passes.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/Linalg/Passes.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

void dnn::buildCPUPipeline(OpPassManager &pm,
                           const CPUPipelineOptions &options) {
  // dnn -> linalg on tensors; fuse chains of element-wise ops (bias, batch
  // norm, activation, residual add) into single loops.
  pm.addPass(createConvertDNNToLinalg());
  pm.addPass(createCanonicalizerPass());
  pm.addNestedPass<func::FuncOp>(createLinalgElementwiseOpFusionPass());
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  // Convolution/GEMM loops in an order LLVM vectorizes.
  if (options.loopOrder)
    pm.addPass(createCPULoopOrder());

  // Tensors -> buffers. Function boundaries get identity layouts so that a
  // caller can pass plain dense buffers; results become out-parameters.
  bufferization::OneShotBufferizePassOptions bufferize;
  bufferize.bufferizeFunctionBoundaries = true;
  bufferize.functionBoundaryTypeConversion =
      bufferization::LayoutMapOption::IdentityLayoutMap;
  pm.addPass(bufferization::createOneShotBufferizePass(bufferize));
  bufferization::BufferResultsToOutParamsPassOptions outParams;
  outParams.hoistStaticAllocs = true;
  outParams.modifyPublicFunctions = true;
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  bufferization::buildBufferDeallocationPipeline(pm);

  // Loops, then LLVM.
  pm.addNestedPass<func::FuncOp>(createConvertLinalgToLoopsPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createSCFToControlFlowPass());
  pm.addPass(memref::createExpandStridedMetadataPass());
  pm.addPass(createLowerAffinePass());
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createConvertMathToLLVMPass());
  pm.addPass(createConvertMathToLibmPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(createCanonicalizerPass());
}

void dnn::registerDNNPipelines() {
  PassPipelineRegistration<CPUPipelineOptions>(
      "dnn-cpu-pipeline",
      "Lower dnn (or linalg-on-tensors) functions to the LLVM dialect for the "
      "host CPU: dnn-lower-to-linalg, fusion, dnn-cpu-loop-order, "
      "bufferization with results as "
      "out-parameters, loops, LLVM",
      buildCPUPipeline);
}
