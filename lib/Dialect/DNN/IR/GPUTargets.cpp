//===- GPUTargets.cpp - built-in GPU presets ----------------------------===//
//
// The one table of GPU datasheet facts in the project. Every number is
// named with its source in the `source` column; docs/targets.md mirrors the
// table (a test keeps the two in sync).
//
// Per-SM limits (threads, resident blocks, shared memory, registers) are the
// CUDA C++ Programming Guide's "Technical Specifications per Compute
// Capability" table; SM counts, clocks, throughput, bandwidth and L2 size
// come from each part's datasheet or architecture whitepaper.
//
//===----------------------------------------------------------------------===//

#include "dnn/Dialect/DNN/IR/GPUTargets.h"
#include "dnn/Dialect/DNN/IR/DNNDialect.h"

#include "mlir/AsmParser/AsmParser.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

using namespace mlir;
using namespace mlir::dnn;

static constexpr int64_t KiB = 1024;
static constexpr int64_t MiB = 1024 * 1024;

// clang-format off
static const GPUPreset kPresets[] = {
  // key, aliases, arch, SMs, boost MHz, threads/SM, blocks/SM,
  // smem/SM, max smem/block, reserved smem/block, L2,
  // DRAM GB/s, FP32 TFLOP/s, FP16 tensor TFLOP/s (dense, FP32 accumulate), source
  {"v100-sxm2", "v100", "sm_70", 80, 1530, 2048, 32,
   96 * KiB, 96 * KiB, 0, 6 * MiB,
   900.0, 15.7, 125.0,
   "NVIDIA Tesla V100 datasheet (SXM2); Volta architecture whitepaper (L2)"},
  {"t4", "tesla-t4", "sm_75", 40, 1590, 1024, 16,
   64 * KiB, 64 * KiB, 0, 4 * MiB,
   320.0, 8.1, 65.0,
   "NVIDIA T4 datasheet; Turing architecture whitepaper (SMs, L2)"},
  {"a100-sxm4-80gb", "a100,a100-80gb", "sm_80", 108, 1410, 2048, 32,
   164 * KiB, 163 * KiB, 1 * KiB, 40 * MiB,
   2039.0, 19.5, 312.0,
   "NVIDIA A100 datasheet (SXM4 80GB); Ampere GA100 whitepaper (SMs, L2)"},
  {"jetson-agx-orin-64gb", "orin,jetson-orin", "sm_87", 16, 1300, 1536, 16,
   164 * KiB, 163 * KiB, 1 * KiB, 4 * MiB,
   204.8, 5.3, 42.6,
   "NVIDIA Jetson AGX Orin series datasheet (2048 CUDA cores, 64 tensor "
   "cores, 1.3 GHz, 204.8 GB/s); FP32 and FP16 tensor rates derived as "
   "cores x 2 x clock and SMs x 1024 FMA/clk x 2 x clock"},
  {"rtx-4090", "rtx4090,4090", "sm_89", 128, 2520, 1536, 24,
   100 * KiB, 99 * KiB, 1 * KiB, 72 * MiB,
   1008.0, 82.6, 165.2,
   "NVIDIA Ada Lovelace architecture whitepaper (GeForce RTX 4090 column; "
   "tensor rate with FP32 accumulate)"},
  {"l4", "nvidia-l4", "sm_89", 58, 2040, 1536, 24,
   100 * KiB, 99 * KiB, 1 * KiB, 48 * MiB,
   300.0, 30.3, 121.0,
   "NVIDIA L4 datasheet (tensor rate dense, i.e. half the sparse figure); "
   "Ada Lovelace architecture whitepaper (L2)"},
  {"h100-sxm", "h100,h100-sxm5", "sm_90", 132, 1980, 2048, 32,
   228 * KiB, 227 * KiB, 1 * KiB, 50 * MiB,
   3350.0, 66.9, 989.4,
   "NVIDIA H100 datasheet (SXM5; tensor rate dense); Hopper architecture "
   "whitepaper (SMs, L2); 132 SMs and 50 MB L2 also read on this project's "
   "lent H100"},
  {"h200-sxm", "h200", "sm_90", 132, 1980, 2048, 32,
   228 * KiB, 227 * KiB, 1 * KiB, 60 * MiB,
   4800.0, 66.9, 989.4,
   "NVIDIA H200 datasheet (SXM; 4.8 TB/s, compute as H100 SXM); L2 size "
   "as reported by cudaDevAttrL2CacheSize on this project's lent H200"},
};
// clang-format on

ArrayRef<GPUPreset> dnn::getGPUPresets() { return kPresets; }

const GPUPreset *dnn::findGPUPreset(StringRef name) {
  return findPresetByName(getGPUPresets(), name);
}

GPUTargetAttr dnn::getGPUTargetAttr(MLIRContext *context,
                                    const GPUPreset &p) {
  context->getOrLoadDialect<DNNDialect>();
  return GPUTargetAttr::get(
      context, p.key, p.arch, p.sms, p.clockMHz, p.maxThreadsPerSM,
      p.maxBlocksPerSM, /*max_threads_per_block=*/1024,
      /*regs_per_sm=*/65536, /*max_regs_per_thread=*/255, p.smemPerSM,
      p.maxSmemPerBlock, p.smemReservedPerBlock, /*warp_size=*/32, p.l2Bytes,
      llvm::APFloat(p.dramGBps), llvm::APFloat(p.fp32TFlops),
      llvm::APFloat(p.tensorTFlops));
}

std::string dnn::getGPUPresetNameList() {
  return llvm::join(llvm::map_range(kPresets,
                                    [](const GPUPreset &p) -> StringRef {
                                      return p.key;
                                    }),
                    ", ");
}

FailureOr<Attribute>
dnn::parseTargetAttributeText(MLIRContext *context, StringRef spec,
                              StringRef what,
                              function_ref<InFlightDiagnostic()> emitError) {
  context->getOrLoadDialect<DNNDialect>();
  // The parser reports what is wrong with the text itself.
  Attribute attr = parseAttribute(spec, context);
  if (!attr)
    return LogicalResult(emitError() << "could not parse " << what
                                     << " spec '" << spec << "'");
  return attr;
}

FailureOr<GPUTargetAttr>
dnn::parseGPUTargetSpec(MLIRContext *context, StringRef spec,
                        function_ref<InFlightDiagnostic()> emitError) {
  spec = spec.trim();
  if (spec.empty())
    return LogicalResult(emitError() << "no GPU given: name a preset ("
                        << getGPUPresetNameList()
                        << ") or give a #dnn.gpu<...> attribute");
  if (spec.starts_with("#"))
    return parseTargetAttribute<GPUTargetAttr>(context, spec, "GPU", "gpu",
                                               emitError);
  if (const GPUPreset *preset = findGPUPreset(spec))
    return getGPUTargetAttr(context, *preset);
  return LogicalResult(emitError() << "unknown GPU '" << spec
                      << "'; known presets: " << getGPUPresetNameList());
}
