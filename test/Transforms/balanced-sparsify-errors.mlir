// RUN: not dnn-opt %s --dnn-balanced-sparsify 2>&1 | FileCheck %s --check-prefix=NOTARGET
// RUN: not dnn-opt %s --dnn-balanced-sparsify="decide=always sparsity=1.0" 2>&1 | FileCheck %s --check-prefix=SPARSITY
// RUN: not dnn-opt %s --dnn-balanced-sparsify="decide=always bank-size=0" 2>&1 | FileCheck %s --check-prefix=BANK
// RUN: not dnn-opt %s --dnn-balanced-sparsify="decide=always index-bits=3" 2>&1 | FileCheck %s --check-prefix=BITS
// RUN: not dnn-opt %s --dnn-balanced-sparsify="decide=maybe" 2>&1 | FileCheck %s --check-prefix=DECIDE
// RUN: not dnn-opt %s --dnn-balanced-sparsify="decide=always emit=csr" 2>&1 | FileCheck %s --check-prefix=EMIT
// RUN: dnn-opt %s --dnn-balanced-sparsify="decide=always layers=nope" 2>&1 >/dev/null | FileCheck %s --check-prefix=NAME
// RUN: not dnn-opt %s --dnn-balanced-sparsify="decide=always report=/nonexistent/dir/r.json" 2>&1 | FileCheck %s --check-prefix=REPORT

// NOTARGET: error: dnn-balanced-sparsify: the module has no dnn.target; run dnn-attach-target{gpu=...} first
// NOTARGET: remark: dnn-balanced-sparsify: decide=always rewrites without a target
// SPARSITY: error: dnn-balanced-sparsify: sparsity must be in [0, 1), got 1
// BANK: error: dnn-balanced-sparsify: bank-size must be in [1, 65536], got 0
// BITS: error: dnn-balanced-sparsify: index-bits must be 0 or in [5, 32] for bank-size 32, got 3
// DECIDE: error: dnn-balanced-sparsify: decide must be model or always, got 'maybe'
// EMIT: error: dnn-balanced-sparsify: emit must be sparse or masked, got 'csr'
// NAME: warning: dnn-balanced-sparsify: no dnn.linear or dnn.conv2d named 'nope'
// REPORT: error: dnn-balanced-sparsify: cannot write report '/nonexistent/dir/r.json'
func.func @f(%x: tensor<1x64xf32>) -> tensor<1x4xf32> {
  %w = dnn.constant dense<1.0> : tensor<4x64xf32>
  %y = dnn.linear %x, %w : (tensor<1x64xf32>, tensor<4x64xf32>) -> tensor<1x4xf32> loc("fc")
  return %y : tensor<1x4xf32>
}
