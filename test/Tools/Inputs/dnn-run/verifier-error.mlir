func.func @main(%a: tensor<2x8xf32>, %b: tensor<3x8xf32>) -> tensor<2x8xf32> {
  %s = dnn.add %a, %b : tensor<2x8xf32>, tensor<3x8xf32>
  return %s : tensor<2x8xf32>
}
