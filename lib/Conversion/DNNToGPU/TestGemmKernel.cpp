//===- TestGemmKernel.cpp - dnn-test-gemm-kernel --------------------------===//
//
// Builds one GEMM kernel into a gpu.module so that tests can compile it to
// PTX and check it with ptxas (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "dnn/Analysis/GPUModel.h"
#include "dnn/Conversion/DNNToGPU/GemmKernel.h"
#include "dnn/Conversion/Passes.h"
#include "dnn/Dialect/DNN/IR/DNNDialect.h"

namespace mlir::dnn {
#define GEN_PASS_DEF_TESTGEMMKERNEL
#include "dnn/Conversion/Passes.h.inc"
} // namespace mlir::dnn

using namespace mlir;
using namespace mlir::dnn;

namespace {
struct TestGemmKernelPass
    : public dnn::impl::TestGemmKernelBase<TestGemmKernelPass> {
  using TestGemmKernelBase::TestGemmKernelBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    const KernelConfig *kernel = findKernelConfig(config);
    if (!kernel) {
      module.emitError() << "dnn-test-gemm-kernel: unknown kernel "
                         << "configuration '" << config << "'";
      return signalPassFailure();
    }
    MLIRContext *ctx = module.getContext();
    Type element;
    if (elementType.empty())
      element = kernel->tensorCore ? Type(Float16Type::get(ctx))
                                   : Type(Float32Type::get(ctx));
    else if (elementType == "f32")
      element = Float32Type::get(ctx);
    else if (elementType == "f16")
      element = Float16Type::get(ctx);
    else if (elementType == "bf16")
      element = BFloat16Type::get(ctx);
    if (!element) {
      module.emitError() << "dnn-test-gemm-kernel: unknown element type '"
                         << elementType << "' (f32, f16 or bf16)";
      return signalPassFailure();
    }
    if (kernel->tensorCore == element.isF32()) {
      module.emitError() << "dnn-test-gemm-kernel: '" << config << "' is a "
                         << (kernel->tensorCore ? "tensor-core" : "SIMT f32")
                         << " configuration, not for " << element;
      return signalPassFailure();
    }
    GemmKernelSpec spec;
    if (!conv.empty()) {
      if ((conv.size() != 9 && conv.size() != 10) ||
          llvm::any_of(conv, [](int64_t v) { return v < 0; })) {
        module.emitError() << "dnn-test-gemm-kernel: conv takes 9 or 10 values "
                           << "(batch,channels,height,width,filters,kernel,"
                           << "stride,pad,dilation[,groups]), none negative";
        return signalPassFailure();
      }
      ConvGeometry g;
      g.batch = conv[0];
      g.channels = conv[1];
      g.height = conv[2];
      g.width = conv[3];
      g.filters = conv[4];
      g.kernelH = g.kernelW = conv[5];
      g.strideH = g.strideW = conv[6];
      g.padTop = g.padLeft = conv[7];
      g.dilationH = g.dilationW = conv[8];
      g.groups = conv.size() == 10 ? conv[9] : 1;
      if (g.strideH < 1 || g.dilationH < 1 || g.groups < 1 ||
          g.channels % g.groups != 0 || g.filters % g.groups != 0) {
        module.emitError() << "dnn-test-gemm-kernel: stride, dilation and "
                           << "groups must be at least 1, and groups must "
                           << "divide channels and filters";
        return signalPassFailure();
      }
      g.channels /= g.groups;
      g.filters /= g.groups;
      int64_t span = g.dilationH * (g.kernelH - 1) + 1;
      g.outH = (g.height + 2 * g.padTop - span) / g.strideH + 1;
      g.outW = (g.width + 2 * g.padLeft - span) / g.strideW + 1;
      if (g.height + 2 * g.padTop < span) {
        module.emitError() << "dnn-test-gemm-kernel: the kernel does not fit "
                           << "in the padded input";
        return signalPassFailure();
      }
      spec = getConvGemmSpec(g);
    } else {
      spec.m = m;
      spec.n = n;
      spec.k = k;
    }
    spec.elementType = element;
    spec.transposeB = transposeB;
    spec.splitK = splitK;
    spec.bias = bias;
    spec.tileM = kernel->tileM;
    spec.tileN = kernel->tileN;
    spec.tileK = kernel->tileK;
    spec.threads = kernel->threads;

    OpBuilder builder(module.getBodyRegion());
    builder.setInsertionPointToEnd(module.getBody());
    module->setAttr(gpu::GPUDialect::getContainerModuleAttrName(),
                    builder.getUnitAttr());
    auto gpuModule =
        gpu::GPUModuleOp::create(builder, module.getLoc(), "dnn_test_kernels");
    FailureOr<gpu::GPUFuncOp> func =
        buildGemmKernel(builder, module.getLoc(), gpuModule, "gemm", spec);
    if (failed(func))
      return signalPassFailure();
    GemmLaunch launch = getGemmLaunch(spec);
    (*func)->setAttr(DNNDialect::kLaunchAttrName,
                     builder.getDenseI64ArrayAttr({launch.gridX, launch.gridY,
                                                   launch.gridZ,
                                                   launch.blockX}));
    if (spec.splitK > 1) {
      FailureOr<gpu::GPUFuncOp> reduce = buildSplitKReduceKernel(
          builder, module.getLoc(), gpuModule, "gemm_reduce", spec);
      if (failed(reduce))
        return signalPassFailure();
      (*reduce)->setAttr(DNNDialect::kLaunchAttrName,
                         builder.getDenseI64ArrayAttr(
                             {launch.reduceGridX, 1, 1, launch.reduceBlockX}));
    }
  }
};
} // namespace
