//===- Report.cpp - the per-layer performance report --------------------===//

#include "dnn/Analysis/Report.h"

#include "mlir/IR/Location.h"
#include "mlir/IR/Operation.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"

using namespace mlir;
using namespace mlir::dnn;

double ModelReport::totalLatencyUs() const {
  double total = 0;
  for (const OpReport &op : ops)
    total += op.cost.latencyUs;
  return total;
}

double ModelReport::totalEnergyUJ() const {
  double total = 0;
  for (const OpReport &op : ops)
    total += op.cost.energyUJ;
  return total;
}

static std::optional<std::string> nameFromLoc(Location loc) {
  if (auto name = dyn_cast<NameLoc>(loc))
    return name.getName().str();
  if (auto fused = dyn_cast<FusedLoc>(loc)) {
    for (Location inner : fused.getLocations())
      if (std::optional<std::string> name = nameFromLoc(inner))
        return name;
  }
  if (auto call = dyn_cast<CallSiteLoc>(loc))
    return nameFromLoc(call.getCallee());
  return std::nullopt;
}

std::string dnn::getReportName(Operation *op, unsigned ordinal) {
  if (std::optional<std::string> name = nameFromLoc(op->getLoc()))
    return *name;
  std::string fallback = op->getName().stripDialect().str();
  return fallback + "_" + std::to_string(ordinal);
}

/// Rounds for output: reports are read by people and diffed by tools.
static double round3(double v) { return std::round(v * 1000.0) / 1000.0; }

void dnn::writeReportJSON(const ModelReport &report, llvm::raw_ostream &os) {
  llvm::json::Array ops;
  for (const OpReport &r : report.ops) {
    ops.push_back(llvm::json::Object{
        {"name", r.name},
        {"op", r.op},
        {"function", r.function},
        {"kind", r.kind},
        {"batch", r.shape.batch},
        {"m", r.shape.m},
        {"n", r.shape.n},
        {"k", r.shape.k},
        {"flops", r.flops},
        {"tile", llvm::json::Array{r.tile[0], r.tile[1], r.tile[2]}},
        {"split_k", r.splitK},
        {"threads", r.cost.threads},
        {"ctas", r.cost.ctas},
        {"ctas_per_sm", r.cost.ctasPerSM},
        {"waves", round3(r.cost.waves)},
        {"tail_utilization", round3(r.cost.tailUtilization)},
        {"latency_us", round3(r.cost.latencyUs)},
        {"compute_us", round3(r.cost.computeUs)},
        {"memory_us", round3(r.cost.memoryUs)},
        {"launch_us", round3(r.cost.launchUs)},
        {"energy_uj", round3(r.cost.energyUJ)},
    });
  }
  llvm::json::Object target;
  if (auto t = dyn_cast<GPUTargetAttr>(report.target)) {
    target = llvm::json::Object{{"kind", "gpu"},
                                {"name", t.getName()},
                                {"arch", t.getArch()},
                                {"sms", t.getSms()},
                                {"dram_gbps", t.getDramBandwidthGBps()},
                                {"fp32_tflops", t.getPeakFP32TFlops()},
                                {"tc_tflops", t.getPeakTensorTFlops()}};
  } else if (auto a = dyn_cast<AccelTargetAttr>(report.target)) {
    target = llvm::json::Object{{"kind", "accel"},
                                {"name", a.getName()},
                                {"pe_rows", a.getPeRows()},
                                {"pe_cols", a.getPeCols()},
                                {"clock_mhz", a.getClockMhz()},
                                {"dram_gbps", a.getDramGbps().convertToDouble()}};
  }
  llvm::json::Object root{
      {"schema_version", 1},
      {"target", std::move(target)},
      {"ops", std::move(ops)},
      {"total_latency_us", round3(report.totalLatencyUs())},
      {"total_energy_uj", round3(report.totalEnergyUJ())},
  };
  os << llvm::formatv("{0:2}", llvm::json::Value(std::move(root))) << "\n";
}

void dnn::writeReportTable(const ModelReport &report, llvm::raw_ostream &os) {
  os << "dnn-predict: " << report.ops.size() << " ops on ";
  if (auto t = dyn_cast<GPUTargetAttr>(report.target))
    os << t.getName() << " (" << t.getSms() << " SMs)\n";
  else if (auto a = dyn_cast<AccelTargetAttr>(report.target))
    os << a.getName() << " (" << a.getPeRows() << "x" << a.getPeCols()
       << " PEs)\n";
  os << llvm::format("%-28s %-16s %7s %7s %7s %-12s %3s %6s %3s %7s %5s "
                     "%10s %10s %10s\n",
                     "name", "op", "m", "n", "k", "tile", "sk", "ctas", "/sm",
                     "waves", "tail", "latency_us", "compute_us",
                     "memory_us");
  for (const OpReport &r : report.ops) {
    std::string tile =
        r.tile[0] > 0 ? llvm::formatv("{0}x{1}x{2}", r.tile[0], r.tile[1],
                                         r.tile[2])
                               .str()
                         : std::string("-");
    os << llvm::format("%-28s %-16s %7lld %7lld %7lld %-12s %3lld %6lld %3lld "
                       "%7.2f %5.2f %10.2f %10.2f %10.2f\n",
                       r.name.substr(0, 28).c_str(), r.op.c_str(),
                       (long long)r.shape.m, (long long)r.shape.n,
                       (long long)r.shape.k, tile.c_str(), (long long)r.splitK,
                       (long long)r.cost.ctas, (long long)r.cost.ctasPerSM,
                       r.cost.waves, r.cost.tailUtilization, r.cost.latencyUs,
                       r.cost.computeUs, r.cost.memoryUs);
  }
  os << llvm::format("total latency %.2f us, energy %.2f uJ\n",
                     report.totalLatencyUs(), report.totalEnergyUJ());
}
