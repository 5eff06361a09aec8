// A vanilla forward RNN (tanh) without bias or initial state, batch 1;
// T = 7, B = 1, I = 12, H = 300 (more units than one CTA per SM covers).
// Used by the GPU tests of the recurrent kernels.
func.func @main(%x: tensor<7x1x12xf32>, %w: tensor<1x300x12xf32>,
                %r: tensor<1x300x300xf32>) -> (tensor<7x1x1x300xf32>, tensor<1x1x300xf32>) {
  %y, %yh = dnn.rnn %x, %w, %r {hidden_size = 300 : i64}
      : (tensor<7x1x12xf32>, tensor<1x300x12xf32>, tensor<1x300x300xf32>)
      -> (tensor<7x1x1x300xf32>, tensor<1x1x300xf32>)
  return %y, %yh : tensor<7x1x1x300xf32>, tensor<1x1x300xf32>
}
