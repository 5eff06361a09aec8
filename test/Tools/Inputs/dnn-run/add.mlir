// A two-input model for the dnn-run tests: a + b, b broadcast over the rows.
func.func @main(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x3xf32> {
  %s = dnn.add %a, %b : tensor<2x3xf32>, tensor<3xf32>
  return %s : tensor<2x3xf32>
}
