// A reverse GRU that resets before the linear (linear_before_reset = 0:
// two phases per step) with per-entry sequence lengths; T = 5, B = 4,
// I = 7, H = 33. Used by the GPU tests of the recurrent kernels.
func.func @main(%x: tensor<5x4x7xf32>, %w: tensor<1x99x7xf32>,
                %r: tensor<1x99x33xf32>, %b: tensor<1x198xf32>)
    -> (tensor<5x1x4x33xf32>, tensor<1x4x33xf32>) {
  %l = arith.constant dense<[5, 2, 4, 1]> : tensor<4xi32>
  %y, %yh = dnn.gru %x, %w, %r bias %b lens %l {hidden_size = 33 : i64,
      direction = "reverse"}
      : (tensor<5x4x7xf32>, tensor<1x99x7xf32>, tensor<1x99x33xf32>,
         tensor<1x198xf32>, tensor<4xi32>)
      -> (tensor<5x1x4x33xf32>, tensor<1x4x33xf32>)
  return %y, %yh : tensor<5x1x4x33xf32>, tensor<1x4x33xf32>
}
