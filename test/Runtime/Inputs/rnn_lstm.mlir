// A bidirectional LSTM with every optional operand (bias, h0, c0,
// peepholes), clip, different activations per direction; T = 6, B = 3,
// I = 10, H = 40. Used by the GPU tests of the recurrent kernels.
func.func @main(%x: tensor<6x3x10xf32>, %w: tensor<2x160x10xf32>,
                %r: tensor<2x160x40xf32>, %b: tensor<2x320xf32>,
                %h: tensor<2x3x40xf32>, %c: tensor<2x3x40xf32>,
                %p: tensor<2x120xf32>)
    -> (tensor<6x2x3x40xf32>, tensor<2x3x40xf32>, tensor<2x3x40xf32>) {
  %y, %yh, %yc = dnn.lstm %x, %w, %r bias %b h0 %h c0 %c peephole %p {
      hidden_size = 40 : i64, direction = "bidirectional", clip = 2.5 : f32,
      activations = ["sigmoid", "tanh", "tanh", "hard_sigmoid", "softsign", "relu"]}
      : (tensor<6x3x10xf32>, tensor<2x160x10xf32>, tensor<2x160x40xf32>,
         tensor<2x320xf32>, tensor<2x3x40xf32>, tensor<2x3x40xf32>,
         tensor<2x120xf32>)
      -> (tensor<6x2x3x40xf32>, tensor<2x3x40xf32>, tensor<2x3x40xf32>)
  return %y, %yh, %yc : tensor<6x2x3x40xf32>, tensor<2x3x40xf32>, tensor<2x3x40xf32>
}
