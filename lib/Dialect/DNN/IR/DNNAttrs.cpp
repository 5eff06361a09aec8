//===- DNNAttrs.cpp - dnn attributes ------------------------------------===//
//
// Parsing, printing and verification of #dnn.gpu and #dnn.mapping.
//
//===----------------------------------------------------------------------===//

#include "dnn/Dialect/DNN/IR/DNNAttrs.h"
#include "dnn/Dialect/DNN/IR/DNNDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/APInt.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/TypeSwitch.h"
#include "llvm/Support/CheckedArithmetic.h"
#include "llvm/Support/MathExtras.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>

using namespace mlir;
using namespace mlir::dnn;

#include "dnn/Dialect/DNN/IR/DNNEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "dnn/Dialect/DNN/IR/DNNAttrs.cpp.inc"

void DNNDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "dnn/Dialect/DNN/IR/DNNAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// F64 parameters
//===----------------------------------------------------------------------===//

FailureOr<llvm::APFloat> mlir::dnn::detail::parseF64Parameter(AsmParser &parser) {
  // A float or an integer literal (`dram_gbps = 900` reads naturally), either
  // possibly negative: the verifiers, not the parser, reject out-of-range
  // values, with a diagnostic that names the parameter.
  SMLoc loc = parser.getCurrentLocation();
  Attribute number;
  if (parser.parseAttribute(number))
    return failure();
  if (auto floatAttr = dyn_cast<FloatAttr>(number))
    return llvm::APFloat(floatAttr.getValueAsDouble());
  if (auto integerAttr = dyn_cast<IntegerAttr>(number);
      integerAttr && !integerAttr.getType().isInteger(1))
    return llvm::APFloat(integerAttr.getValue().roundToDouble(
        !integerAttr.getType().isUnsignedInteger()));
  return parser.emitError(loc, "expected a number, got ") << number;
}

void mlir::dnn::detail::printF64Parameter(AsmPrinter &printer,
                               const llvm::APFloat &value) {
  double v = value.convertToDouble();
  if (!std::isfinite(v)) {
    // Not valid in any dnn attribute (the verifiers reject it), but printing
    // must not fail, e.g. when dumping an attribute being diagnosed.
    printer << (std::isnan(v) ? "0x7FF8000000000000" : "1.0e+308");
    return;
  }
  // Plain decimals with the fewest digits that read back to the same double;
  // the exponent form only for very large or very small magnitudes.
  char buf[64];
  bool plain = v == 0 || (std::fabs(v) >= 1e-4 && std::fabs(v) < 1e15);
  for (int precision = 1; precision <= 40; ++precision) {
    std::snprintf(buf, sizeof(buf), plain ? "%.*f" : "%.*e", precision, v);
    if (std::strtod(buf, nullptr) == v)
      break;
  }
  printer << buf;
}

//===----------------------------------------------------------------------===//
// #dnn.gpu
//===----------------------------------------------------------------------===//

/// Parses the compute capability out of "sm_XY" or "sm_XYa"; -1 if malformed.
static int64_t parseComputeCapability(StringRef arch) {
  if (!arch.consume_front("sm_"))
    return -1;
  arch.consume_back("a");
  int64_t cc;
  if (arch.empty() || arch.getAsInteger(10, cc) || cc < 10)
    return -1;
  return cc;
}

int64_t GPUTargetAttr::getComputeCapability() const {
  return parseComputeCapability(getArch());
}

LogicalResult GPUTargetAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, StringRef name,
    StringRef arch, int64_t sms, int64_t clockMHz, int64_t maxThreadsPerSM,
    int64_t maxBlocksPerSM, int64_t maxThreadsPerBlock, int64_t regsPerSM,
    int64_t maxRegsPerThread, int64_t smemPerSM, int64_t maxSmemPerBlock,
    int64_t smemReservedPerBlock, int64_t warpSize, int64_t l2Bytes,
    llvm::APFloat dramGBps, llvm::APFloat fp32TFlops,
    llvm::APFloat tensorTFlops) {
  if (name.empty())
    return emitError() << "#dnn.gpu: name must not be empty";
  if (parseComputeCapability(arch) < 0)
    return emitError() << "#dnn.gpu: arch '" << arch
                       << "' is not of the form sm_<major><minor> (e.g. sm_90)";
  struct Positive {
    const char *what;
    int64_t value;
  } positives[] = {{"sms", sms},
                   {"clock_mhz", clockMHz},
                   {"max_threads_per_sm", maxThreadsPerSM},
                   {"max_blocks_per_sm", maxBlocksPerSM},
                   {"max_threads_per_block", maxThreadsPerBlock},
                   {"regs_per_sm", regsPerSM},
                   {"max_regs_per_thread", maxRegsPerThread},
                   {"smem_per_sm", smemPerSM},
                   {"max_smem_per_block", maxSmemPerBlock},
                   {"warp_size", warpSize},
                   {"l2_bytes", l2Bytes}};
  for (const Positive &p : positives)
    if (p.value <= 0)
      return emitError() << "#dnn.gpu: " << p.what << " must be positive, got "
                         << p.value;
  if (smemReservedPerBlock < 0)
    return emitError() << "#dnn.gpu: smem_reserved_per_block must not be "
                          "negative, got "
                       << smemReservedPerBlock;
  if (!llvm::isPowerOf2_64(warpSize))
    return emitError() << "#dnn.gpu: warp_size must be a power of two, got "
                       << warpSize;
  if (maxThreadsPerSM % warpSize != 0)
    return emitError() << "#dnn.gpu: max_threads_per_sm (" << maxThreadsPerSM
                       << ") must be a multiple of warp_size (" << warpSize
                       << ")";
  if (maxThreadsPerBlock > maxThreadsPerSM)
    return emitError() << "#dnn.gpu: max_threads_per_block ("
                       << maxThreadsPerBlock
                       << ") exceeds max_threads_per_sm (" << maxThreadsPerSM
                       << ")";
  std::optional<int64_t> smemPerBlock =
      llvm::checkedAdd(maxSmemPerBlock, smemReservedPerBlock);
  if (!smemPerBlock || *smemPerBlock > smemPerSM)
    return emitError() << "#dnn.gpu: max_smem_per_block ("
                       << maxSmemPerBlock << ") plus smem_reserved_per_block ("
                       << smemReservedPerBlock << ") exceeds smem_per_sm ("
                       << smemPerSM << ")";
  struct PositiveReal {
    const char *what;
    double value;
  } reals[] = {{"dram_gbps", dramGBps.convertToDouble()},
               {"fp32_tflops", fp32TFlops.convertToDouble()},
               {"tc_tflops", tensorTFlops.convertToDouble()}};
  for (const PositiveReal &r : reals)
    if (!std::isfinite(r.value) || r.value <= 0)
      return emitError() << "#dnn.gpu: " << r.what
                         << " must be a positive finite number, got "
                         << r.value;
  return success();
}

//===----------------------------------------------------------------------===//
// #dnn.mapping
//===----------------------------------------------------------------------===//

/// Waves printed in mappings are rounded to two decimals by hand-writers; a
/// mapping agrees with its grid within this tolerance.
static constexpr double kWaveTolerance = 0.005;

/// The product of positive factors as a decimal string, exact also where it
/// does not fit in 64 bits.
static std::string productString(ArrayRef<int64_t> factors) {
  llvm::APInt product(192, 1);
  for (int64_t factor : factors)
    product *= llvm::APInt(192, static_cast<uint64_t>(factor));
  return llvm::toString(product, 10, /*Signed=*/false);
}

/// The product of positive factors; none if it does not fit in 64 bits.
static std::optional<int64_t> checkedProduct(ArrayRef<int64_t> factors) {
  std::optional<int64_t> product = 1;
  for (int64_t factor : factors)
    if (product)
      product = llvm::checkedMul(*product, factor);
  return product;
}

int64_t MappingAttr::getPaidWaves() const {
  // The verifier keeps waves positive and finite; saturate absurd grids.
  double paid = std::ceil(getWavesValue() - 1e-9);
  return paid >= 9.0e18 ? INT64_MAX : static_cast<int64_t>(paid);
}

LogicalResult MappingAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                                  int64_t tileM, int64_t tileN, int64_t tileK,
                                  int64_t threads, int64_t splitK,
                                  int64_t regsPerThread, int64_t smemPerBlock,
                                  int64_t ctas, int64_t ctasPerSM,
                                  llvm::APFloat waves) {
  struct Positive {
    const char *what;
    int64_t value;
  } positives[] = {{"tile_m", tileM},   {"tile_n", tileN},
                   {"tile_k", tileK},   {"threads", threads},
                   {"split_k", splitK}, {"ctas", ctas},
                   {"ctas_per_sm", ctasPerSM}};
  for (const Positive &p : positives)
    if (p.value <= 0)
      return emitError() << "#dnn.mapping: " << p.what
                         << " must be positive, got " << p.value;
  if (regsPerThread < 0 || smemPerBlock < 0)
    return emitError() << "#dnn.mapping: regs_per_thread and smem_per_block "
                          "must not be negative";
  if (ctas % splitK != 0)
    return emitError() << "#dnn.mapping: ctas (" << ctas
                       << ") must be a multiple of split_k (" << splitK << ")";
  double w = waves.convertToDouble();
  if (!std::isfinite(w) || w <= 0)
    return emitError() << "#dnn.mapping: waves must be a positive finite "
                          "number, got "
                       << w;
  return success();
}

LogicalResult
MappingAttr::verifyAgainst(GPUTargetAttr target,
                           function_ref<InFlightDiagnostic()> emitError) const {
  int64_t threads = getThreads(), perSM = getCtasPerSm();
  if (threads > target.getMaxThreadsPerBlock())
    return emitError() << "mapping uses " << threads
                       << " threads per CTA, more than the "
                       << target.getMaxThreadsPerBlock() << " allowed on "
                       << target.getName();
  if (threads % target.getWarpSize() != 0)
    return emitError() << "mapping uses " << threads
                       << " threads per CTA, not a multiple of the warp size "
                       << target.getWarpSize();
  if (perSM > target.getMaxBlocksPerSm())
    return emitError() << "mapping puts " << perSM << " CTAs on an SM, more "
                       << "than the " << target.getMaxBlocksPerSm()
                       << " resident blocks " << target.getName() << " allows";
  // Products past 64 bits are certainly over the target's limits.
  std::optional<int64_t> threadsPerSM = checkedProduct({perSM, threads});
  if (!threadsPerSM || *threadsPerSM > target.getMaxThreadsPerSm())
    return emitError() << "mapping puts " << productString({perSM, threads})
                       << " threads on an SM (" << perSM << " CTAs x "
                       << threads << "), more than the "
                       << target.getMaxThreadsPerSm() << " of "
                       << target.getName();
  if (int64_t regs = getRegsPerThread()) {
    if (regs > target.getMaxRegsPerThread())
      return emitError() << "mapping uses " << regs
                         << " registers per thread, more than the "
                         << target.getMaxRegsPerThread() << " allowed";
    std::optional<int64_t> regsPerSM = checkedProduct({regs, threads, perSM});
    if (!regsPerSM || *regsPerSM > target.getRegsPerSm())
      return emitError() << "mapping needs "
                         << productString({regs, threads, perSM})
                         << " registers per SM (" << perSM << " CTAs x "
                         << threads << " threads x " << regs
                         << "), more than the " << target.getRegsPerSm()
                         << " of " << target.getName();
  }
  if (int64_t smem = getSmemPerBlock()) {
    if (smem > target.getMaxSmemPerBlock())
      return emitError() << "mapping uses " << smem
                         << " bytes of shared memory per CTA, more than the "
                         << target.getMaxSmemPerBlock() << " allowed on "
                         << target.getName();
    // smem + reserved <= max_smem_per_block + reserved <= smem_per_sm.
    int64_t perBlock = smem + target.getSmemReservedPerBlock();
    std::optional<int64_t> needed = checkedProduct({perBlock, perSM});
    if (!needed || *needed > target.getSmemPerSm())
      return emitError() << "mapping needs " << productString({perBlock, perSM})
                         << " bytes of shared memory per SM, more than the "
                         << target.getSmemPerSm() << " of " << target.getName();
  }
  double expected = static_cast<double>(getCtas()) /
                    (static_cast<double>(target.getSms()) *
                     static_cast<double>(perSM));
  if (std::fabs(getWavesValue() - expected) > kWaveTolerance)
    return emitError() << "mapping says " << getWavesValue()
                       << " waves, but " << getCtas() << " CTAs at " << perSM
                       << " per SM on " << target.getSms() << " SMs make "
                       << expected;
  return success();
}

//===----------------------------------------------------------------------===//
// #dnn.cost
//===----------------------------------------------------------------------===//

LogicalResult CostAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                               llvm::APFloat latency, llvm::APFloat compute,
                               llvm::APFloat memory, llvm::APFloat launch,
                               llvm::APFloat waves, llvm::APFloat tail,
                               llvm::APFloat energy) {
  struct NonNegative {
    const char *what;
    const llvm::APFloat &value;
  } fields[] = {{"latency_us", latency}, {"compute_us", compute},
                {"memory_us", memory},   {"launch_us", launch},
                {"waves", waves},        {"tail_utilization", tail},
                {"energy_uj", energy}};
  for (const NonNegative &f : fields) {
    double v = f.value.convertToDouble();
    if (!std::isfinite(v) || v < 0)
      return emitError() << "#dnn.cost: " << f.what
                         << " must be a non-negative finite number, got " << v;
  }
  if (tail.convertToDouble() > 1.0)
    return emitError() << "#dnn.cost: tail_utilization must be at most 1, got "
                       << tail.convertToDouble();
  return success();
}

//===----------------------------------------------------------------------===//
// #dnn.accel
//===----------------------------------------------------------------------===//

LogicalResult AccelTargetAttr::verify(
    function_ref<InFlightDiagnostic()> emitError, StringRef name,
    int64_t peRows, int64_t peCols, int64_t clockMHz, int64_t elementBytes,
    int64_t rfBytes, int64_t glbBytes, int64_t glbBytesPerCycle,
    llvm::APFloat dramGBps, int64_t multicast, llvm::APFloat pjMac,
    llvm::APFloat pjRf, llvm::APFloat pjNoc, llvm::APFloat pjGlb,
    llvm::APFloat pjDram) {
  if (name.empty())
    return emitError() << "#dnn.accel: name must not be empty";
  struct Positive {
    const char *what;
    int64_t value;
  } positives[] = {{"pe_rows", peRows},
                   {"pe_cols", peCols},
                   {"clock_mhz", clockMHz},
                   {"element_bytes", elementBytes},
                   {"rf_bytes", rfBytes},
                   {"glb_bytes", glbBytes},
                   {"glb_bytes_per_cycle", glbBytesPerCycle},
                   {"multicast", multicast}};
  for (const Positive &p : positives)
    if (p.value <= 0)
      return emitError() << "#dnn.accel: " << p.what
                         << " must be positive, got " << p.value;
  if (multicast > peRows * peCols)
    return emitError() << "#dnn.accel: multicast (" << multicast
                       << ") must not exceed the number of PEs ("
                       << peRows * peCols << ")";
  if (rfBytes < 3 * elementBytes)
    return emitError() << "#dnn.accel: rf_bytes (" << rfBytes
                       << ") must hold at least 3 elements (two operands and "
                          "a partial sum) of element_bytes ("
                       << elementBytes << ")";
  if (glbBytes < 2 * elementBytes * (peRows + peCols))
    return emitError() << "#dnn.accel: glb_bytes (" << glbBytes
                       << ") must hold at least two operand vectors of the "
                          "array (2 * element_bytes * (pe_rows + pe_cols) = "
                       << 2 * elementBytes * (peRows + peCols) << ")";
  double dram = dramGBps.convertToDouble();
  if (!std::isfinite(dram) || dram <= 0)
    return emitError() << "#dnn.accel: dram_gbps must be positive and finite";
  struct Energy {
    const char *what;
    llvm::APFloat value;
  } energies[] = {{"pj_mac", pjMac},
                  {"pj_rf", pjRf},
                  {"pj_noc", pjNoc},
                  {"pj_glb", pjGlb},
                  {"pj_dram", pjDram}};
  for (const Energy &e : energies) {
    double v = e.value.convertToDouble();
    if (!std::isfinite(v) || v < 0)
      return emitError() << "#dnn.accel: " << e.what
                         << " must be non-negative and finite";
  }
  return success();
}

//===----------------------------------------------------------------------===//
// #dnn.balanced
//===----------------------------------------------------------------------===//

/// Largest bank a layout may have: in-bank offsets then fit 16 bits.
static constexpr int64_t kMaxBankSize = 1 << 16;

int64_t BalancedSparsityAttr::getMinIndexBits(int64_t bankSize) {
  return bankSize <= 2 ? 1 : static_cast<int64_t>(llvm::Log2_64_Ceil(bankSize));
}

int64_t BalancedSparsityAttr::getNumBanks(int64_t k) const {
  return llvm::divideCeil(k, getBankSize());
}

double BalancedSparsityAttr::getSparsity() const {
  return 1.0 - static_cast<double>(getNnz()) /
                   static_cast<double>(getBankSize());
}

LogicalResult
BalancedSparsityAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                             int64_t bankSize, int64_t nnz, int64_t indexBits,
                             Type valueType) {
  if (bankSize < 1 || bankSize > kMaxBankSize)
    return emitError() << "#dnn.balanced: bank_size must be in [1, "
                       << kMaxBankSize << "], got " << bankSize;
  if (nnz < 1 || nnz > bankSize)
    return emitError() << "#dnn.balanced: nnz must be in [1, bank_size = "
                       << bankSize << "], got " << nnz;
  int64_t minBits = getMinIndexBits(bankSize);
  if (indexBits < minBits || indexBits > 32)
    return emitError() << "#dnn.balanced: index_bits must be in [" << minBits
                       << ", 32] for bank_size " << bankSize << ", got "
                       << indexBits;
  if (!valueType || !(valueType.isF16() || valueType.isBF16() ||
                      valueType.isF32() || valueType.isF64()))
    return emitError() << "#dnn.balanced: value_type must be f16, bf16, f32 "
                          "or f64, got "
                       << valueType;
  return success();
}
