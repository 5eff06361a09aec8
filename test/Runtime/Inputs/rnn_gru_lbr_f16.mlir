// A forward f16 GRU with linear_before_reset = 1 (one phase per step);
// T = 4, B = 2, I = 16, H = 64. Used by the GPU tests of the recurrent
// kernels.
func.func @main(%x: tensor<4x2x16xf16>, %w: tensor<1x192x16xf16>,
                %r: tensor<1x192x64xf16>, %b: tensor<1x384xf16>,
                %h: tensor<1x2x64xf16>)
    -> (tensor<4x1x2x64xf16>, tensor<1x2x64xf16>) {
  %y, %yh = dnn.gru %x, %w, %r bias %b h0 %h {hidden_size = 64 : i64,
      linear_before_reset = true}
      : (tensor<4x2x16xf16>, tensor<1x192x16xf16>, tensor<1x192x64xf16>,
         tensor<1x384xf16>, tensor<1x2x64xf16>)
      -> (tensor<4x1x2x64xf16>, tensor<1x2x64xf16>)
  return %y, %yh : tensor<4x1x2x64xf16>, tensor<1x2x64xf16>
}
