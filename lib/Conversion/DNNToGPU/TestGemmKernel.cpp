//===- TestGemmKernel.cpp - dnn-test-gemm-kernel --------------------------===//
//
// Builds one GEMM kernel into a gpu.module so that tests can compile it to
// PTX and check it with ptxas (see Passes.td).
//
//===----------------------------------------------------------------------===//

#include "dnn/Analysis/GPUModel.h"
#include "dnn/Conversion/DNNToGPU/GemmKernel.h"
#include "dnn/Conversion/Passes.h"

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
    if (kernel->tensorCore) {
      module.emitError() << "dnn-test-gemm-kernel: '" << config
                         << "' is a tensor-core configuration; only the "
                         << "f32 SIMT kernels are built so far";
      return signalPassFailure();
    }
    GemmKernelSpec spec;
    spec.m = m;
    spec.n = n;
    spec.k = k;
    spec.transposeB = transposeB;
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
    (*func)->setAttr("dnn.launch",
                     builder.getDenseI64ArrayAttr(
                         {launch.gridX, launch.gridY, launch.blockX}));
  }
};
} // namespace
