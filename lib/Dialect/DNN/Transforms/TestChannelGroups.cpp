//===- TestChannelGroups.cpp - dnn-test-channel-groups pass ---------------===//
//
// Emits one remark per channel group, for lit tests of the analysis.
//
//===----------------------------------------------------------------------===//

#include "dnn/Analysis/ChannelGroups.h"
#include "dnn/Dialect/DNN/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Diagnostics.h"

namespace mlir::dnn {
#define GEN_PASS_DEF_TESTCHANNELGROUPS
#include "dnn/Dialect/DNN/Transforms/Passes.h.inc"
} // namespace mlir::dnn

using namespace mlir;
using namespace mlir::dnn;

namespace {
struct TestChannelGroupsPass
    : public dnn::impl::TestChannelGroupsBase<TestChannelGroupsPass> {
  void runOnOperation() override {
    getOperation().walk([](func::FuncOp func) {
      ChannelGroups groups = ChannelGroups::analyze(func);
      for (const ChannelGroup &g : groups.getGroups()) {
        Operation *anchor = g.getAnchor();
        if (!anchor)
          anchor = func;
        InFlightDiagnostic diag = anchor->emitRemark();
        diag << "channel group #" << g.id << ": " << g.channels
             << " channels";
        auto list = [&](StringRef label,
                        const std::vector<ChannelMember> &members) {
          if (members.empty())
            return;
          std::vector<std::string> seen;
          for (const ChannelMember &m : members) {
            std::string name = groups.getName(m.op);
            if (!llvm::is_contained(seen, name))
              seen.push_back(name);
          }
          diag << "; " << label << ": " << llvm::join(seen, ", ");
        };
        list("producers", g.producers);
        list("consumers", g.consumers);
        list("pass-through", g.passThrough);
        diag << "; weights: " << g.weights.size();
        if (!g.pieces.empty()) {
          diag << "; pieces:";
          for (const ChannelPiece &p : g.pieces)
            diag << " #" << p.group << "@" << p.offset;
        }
        for (const ChannelPiece &p : g.pieceOf)
          diag << "; piece of #" << p.group << "@" << p.offset;
        if (g.isModifiable())
          diag << "; modifiable";
        else
          diag << "; blocked: " << llvm::join(g.blockers, "; ");
      }
    });
  }
};
} // namespace
