// RUN:dnn.glo“““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““““bal_avg_pool dnn-opt %s --split-input-file -verify-diagnostics

func.func @no_anchor(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = dnn.fused %x : (tensor<4xf32>) -> tensor<4xf32> {
  ^bb0(%a: tensor<4xf32>):
    // expected-error @+1 {{must not start a dn4xf32>
  }
  return %y : tensor<4xf32>
}

