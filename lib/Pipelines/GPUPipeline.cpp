//===- GPUPipeline.cpp - dnn-gpu-pipeline ---------------------------------===//
//
// From dnn ops to the LLVM dialect with the kernels compiled to PTX or a
// cubin in a gpu.binary: the whole GPU flow of Pipelines.h.
//
//===----------------------------------------------------------------------===//

#include "dnn/Pipelines/Pipelines.h"

#include "dnn/Conversion/Passes.h"
#include "dnn/Dialect/DNN/IR/DNNAttrs.h"
#include "dnn/Dialect/DNN/IR/DNNDialect.h"
#include "dnn/Dialect/DNN/Transforms/Passes.h"

#include "mlir/Conversion/Passes.h"
#include "mlir/Dialect/GPU/IR/GPUDialect.h"
#include "mlir/Dialect/GPU/Transforms/Passes.h"
#include "mlir/Dialect/LLVMIR/NVVMDialect.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Transforms/Passes.h"

#include "llvm/Support/FileSystem.h"

using namespace mlir;

namespace {
/// Puts `#nvvm.target<chip = the dnn.target's arch>` on every gpu.module
/// without a target, linking libdevice when it is given (the kernels of
/// exp/tanh/erf/sqrt call it).
struct AttachNVVMTargetPass
    : PassWrapper<AttachNVVMTargetPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(AttachNVVMTargetPass)
  AttachNVVMTargetPass(std::string chip, std::string libdevice, int optLevel)
      : chip(std::move(chip)), libdevice(std::move(libdevice)),
        optLevel(optLevel) {}
  StringRef getArgument() const final { return "dnn-attach-nvvm-target"; }
  void getDependentDialects(DialectRegistry &registry) const override {
    registry.insert<NVVM::NVVMDialect, gpu::GPUDialect>();
  }
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    std::string arch = chip;
    if (arch.empty()) {
      auto target = module->getAttrOfType<dnn::GPUTargetAttr>(
          dnn::DNNDialect::kTargetAttrName);
      if (!target) {
        module.emitError("dnn-gpu-pipeline: the module has no dnn.target "
                         "(#dnn.gpu): give target=NAME or chip=sm_XY");
        return signalPassFailure();
      }
      arch = target.getArch().str();
    }
    ArrayAttr link;
    if (!libdevice.empty()) {
      if (!llvm::sys::fs::exists(libdevice)) {
        module.emitError("dnn-gpu-pipeline: libdevice '")
            << libdevice << "' does not exist";
        return signalPassFailure();
      }
      link = ArrayAttr::get(ctx, {StringAttr::get(ctx, libdevice)});
    } else {
      // Without libdevice the math functions stay unresolved calls that
      // ptxas (or the driver's JIT) rejects: say so here.
      Operation *math = nullptr;
      module.walk([&](gpu::GPUModuleOp gpuModule) {
        gpuModule.walk([&](Operation *op) {
          if (!math && op->getDialect() &&
              op->getDialect()->getNamespace() == "math")
            math = op;
        });
      });
      if (math) {
        math->emitError("dnn-gpu-pipeline: this kernel needs libdevice "
                        "(CUDA's nvvm/libdevice/libdevice.10.bc) for '")
            << math->getName()
            << "'; none was found at configure time: give libdevice=PATH";
        return signalPassFailure();
      }
    }
    auto target = NVVM::NVVMTargetAttr::getChecked(
        [&] { return module.emitError(); }, ctx, optLevel,
        StringRef("nvptx64-nvidia-cuda"), StringRef(arch), StringRef(),
        DictionaryAttr(), link, /*verifyTarget=*/true);
    if (!target)
      return signalPassFailure();
    module.walk([&](gpu::GPUModuleOp gpuModule) {
      if (!gpuModule.getTargetsAttr())
        gpuModule.setTargetsAttr(ArrayAttr::get(ctx, {target}));
    });
  }
  std::string chip, libdevice;
  int optLevel;
};

/// Drops the compiler's `dnn.*` annotations (target, mappings, costs) so
/// that the module translates to LLVM IR without the dnn dialect.
struct StripAnnotationsPass
    : PassWrapper<StripAnnotationsPass, OperationPass<ModuleOp>> {
  MLIR_DEFINE_EXPLICIT_INTERNAL_INLINE_TYPE_ID(StripAnnotationsPass)
  StringRef getArgument() const final { return "dnn-strip-annotations"; }
  void runOnOperation() override {
    getOperation()->walk([](Operation *op) {
      SmallVector<StringAttr> names;
      for (NamedAttribute attr : op->getDiscardableAttrs())
        if (attr.getName().strref().starts_with("dnn."))
          names.push_back(attr.getName());
      for (StringAttr name : names)
        op->removeDiscardableAttr(name);
    });
  }
};
} // namespace

void dnn::buildGPUPipeline(OpPassManager &pm,
                           const GPUPipelineOptions &options) {
  // Graph level: target, folding, channel rewrites, mappings, prediction.
  if (!options.target.empty()) {
    AttachTargetOptions attach;
    attach.gpu = options.target;
    pm.addPass(createAttachTarget(attach));
  }
  if (options.foldBatchNorm)
    pm.addPass(createFoldBatchNorm());
  if (options.tail != "off") {
    TailAwareChannelsOptions tail;
    tail.mode = options.tail;
    tail.calibration = options.calibration;
    pm.addPass(createTailAwareChannels(tail));
  }
  if (options.fuseEpilogues)
    pm.addPass(createFuseEpilogues());
  FuseRNNOptions rnn;
  rnn.level = options.rnnLevel;
  rnn.calibration = options.calibration;
  pm.addPass(createFuseRNN(rnn));
  AssignMappingOptions mapping;
  mapping.calibration = options.calibration;
  pm.addPass(createAssignMapping(mapping));
  PredictOptions predict;
  predict.calibration = options.calibration;
  predict.report = options.report;
  pm.addPass(createPredict(predict));

  // Kernels and host code.
  ConvertDNNToGPUOptions lower;
  lower.entryName = options.entry;
  lower.weightsFile = options.weightsFile;
  lower.format = options.format;
  pm.addPass(createConvertDNNToGPU(lower));
  pm.addPass(createCanonicalizerPass());
  pm.addPass(createCSEPass());
  pm.addPass(createSCFToControlFlowPass());

  // Kernels to PTX / cubin.
  pm.addPass(std::make_unique<AttachNVVMTargetPass>(
      options.chip, options.libdevice, options.optLevel));
  // ldmatrix of the tensor-core kernels (nvgpu) to NVVM first.
  pm.addPass(createConvertNVGPUToNVVMPass());
  ConvertGpuOpsToNVVMOpsOptions toNVVM;
  toNVVM.useBarePtrCallConv = true;
  pm.addNestedPass<gpu::GPUModuleOp>(createConvertGpuOpsToNVVMOps(toNVVM));
  pm.addPass(createReconcileUnrealizedCastsPass());
  GpuModuleToBinaryPassOptions toBinary;
  toBinary.compilationTarget = options.format;
  pm.addPass(createGpuModuleToBinaryPass(toBinary));

  // Host code to LLVM.
  GpuToLLVMConversionPassOptions toLLVM;
  toLLVM.kernelBarePtrCallConv = true;
  pm.addPass(createGpuToLLVMConversionPass(toLLVM));
  pm.addPass(createFinalizeMemRefToLLVMConversionPass());
  pm.addPass(createArithToLLVMConversionPass());
  pm.addPass(createConvertIndexToLLVMPass());
  pm.addPass(createConvertFuncToLLVMPass());
  pm.addPass(createConvertControlFlowToLLVMPass());
  pm.addPass(createReconcileUnrealizedCastsPass());
  pm.addPass(std::make_unique<StripAnnotationsPass>());
}

void dnn::registerDNNGPUPipeline() {
  PassPipelineRegistration<GPUPipelineOptions>(
      "dnn-gpu-pipeline",
      "Compile dnn functions for an NVIDIA GPU: dnn-attach-target, "
      "dnn-fold-batch-norm, optional dnn-tail-aware-channels, "
      "dnn-fuse-epilogues, dnn-fuse-rnn, "
      "dnn-assign-mapping, dnn-predict, dnn-lower-to-gpu, the NVVM target "
      "of the dnn.target's chip, PTX/cubin in a gpu.binary, host code in "
      "the LLVM dialect",
      buildGPUPipeline);
}
