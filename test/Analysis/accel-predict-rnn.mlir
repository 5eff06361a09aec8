// RUN: dnn-opt %s --dnn-attach-target=accel=eyeriss --dnn-predict=report=- -o /dev/null | FileCheck %s
// On a dataflow accelerator a recurrent layer is priced as the GEMM of all
// its steps: M = T * B = 10, N = D * G * H = 2 * 4 * 4 = 32, K = I + H =
// 3 + 4 = 7 (the model has no recurrence: the steps' dependence is not
// priced).
// CHECK: lstm_0 {{ *}}dnn.lstm {{ *}}10 {{ *}}32 {{ *}}7 -
// CHECK: gru_0 {{ *}}dnn.gru {{ *}}10 {{ *}}12 {{ *}}7 -
func.func @main(%x: tensor<5x2x3xf32>, %w: tensor<2x16x3xf32>, %r: tensor<2x16x4xf32>,
                %gw: tensor<1x12x3xf32>, %gr: tensor<1x12x4xf32>)
    -> (tensor<5x2x2x4xf32>, tensor<5x1x2x4xf32>) {
  %y, %yh, %yc = dnn.lstm %x, %w, %r {hidden_size = 4 : i64, direction = "bidirectional"}
      : (tensor<5x2x3xf32>, tensor<2x16x3xf32>, tensor<2x16x4xf32>)
      -> (tensor<5x2x2x4xf32>, tensor<2x2x4xf32>, tensor<2x2x4xf32>)
  %g, %gh = dnn.gru %x, %gw, %gr {hidden_size = 4 : i64}
      : (tensor<5x2x3xf32>, tensor<1x12x3xf32>, tensor<1x12x4xf32>) -> (tensor<5x1x2x4xf32>, tensor<1x2x4xf32>)
  return %y, %g : tensor<5x2x2x4xf32>, tensor<5x1x2x4xf32>
}
