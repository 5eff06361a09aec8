// Input of sparse-kernel-ptxas.test: a ResNet-50 stage-1 3x3 convolution.
func.func @main(%x: tensor<1x64x56x56xf32>) -> tensor<1x64x56x56xf32> {
  %w = dnn.constant dense<0.5> : tensor<64x64x3x3xf32>
  %y = dnn.conv2d %x, %w {padding = array<i64: 1, 1, 1, 1>} : (tensor<1x64x56x56xf32>, tensor<64x64x3x3xf32>) -> tensor<1x64x56x56xf32>
  return %y : tensor<1x64x56x56xf32>
}
