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
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/Dialect/MemRef/Transforms/Passes.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {
/// Gives every repeated result of a function its own buffer (a copy), ahead
/// of buffer-results-to-out-params: with hoist-static-allocs that pass (MLIR
/// 22) erases the alloc of `return %r, %r` on the first result and then
/// reads it for the second.
struct SplitRepeatedResultsPass
    : PassWrapper<SplitRepeatedResultsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(SplitRepeatedResultsPass)
  StringRef getArgument() const final { return "dnn-split-repeated-results"; }
  void runOnOperation() override {
    getOperation()->walk([](func::ReturnOp ret) {
      llvm::SmallPtrSet<Value, 4> seen;
      for (OpOperand &operand : ret->getOpOperands()) {
        Value value = operand.get();
        auto type = dyn_cast<MemRefType>(value.getType());
        if (!type || seen.insert(value).second)
          continue;
        OpBuilder builder(ret);
        auto copy = memref::AllocOp::create(builder, ret.getLoc(), type);
        memref::CopyOp::create(builder, ret.getLoc(), value, copy);
        operand.set(copy);
      }
    });
  }
};

/// Marks every memref argument of the public functions `llvm.noalias`: the
/// pipeline's calling convention says that the buffers passed to an entry
/// function (inputs and out-parameters) do not overlap. Without it LLVM must
/// assume that an output may alias an input and gives up vectorizing the
/// convolution loops.
struct MarkNoAliasArgsPass
    : PassWrapper<MarkNoAliasArgsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(MarkNoAliasArgsPass)
  StringRef getArgument() const final { return "dnn-mark-noalias-args"; }
  void runOnOperation() override {
    UnitAttr unit = UnitAttr::get(&getContext());
    for (auto func : getOperation().getOps<func::FuncOp>()) {
      if (!func.isPublic() || func.isExternal())
        continue;
      for (unsigned i = 0, e = func.getNumArguments(); i < e; ++i)
        if (isa<MemRefType>(func.getArgument(i).getType()))
          func.setArgAttr(i, "llvm.noalias", unit);
    }
  }
};
} // namespace

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
  if (options.loopOrder) {
    CPULoopOrderOptions loopOrder;
    loopOrder.im2colBelowWidth = options.im2colBelowWidth;
    pm.addPass(createCPULoopOrder(loopOrder));
  }

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
  pm.addPass(std::make_unique<SplitRepeatedResultsPass>());
  pm.addPass(bufferization::createBufferResultsToOutParamsPass(outParams));
  bufferization::buildBufferDeallocationPipeline(pm);
  pm.addPass(std::make_unique<MarkNoAliasArgsPass>());

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
  // Bare pointers for (static, identity-layout) memref arguments: the
  // `llvm.noalias` marks survive only in this convention.
  ConvertFuncToLLVMPassOptions funcToLLVM;
  funcToLLVM.useBarePtrCallConv = true;
  pm.addPass(createConvertFuncToLLVMPass(funcToLLVM));
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
  registerDNNGPUPipeline();
}
