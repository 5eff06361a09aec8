// Input of sparse-kernel-ptxas.test (BATCH and TYPE substituted there).
func.func @main(%x: tensor<BATCHx2560xTYPE>) -> tensor<BATCHx7680xTYPE> {
  %w = dnn.constant dense<0.5> : tensor<7680x2560xTYPE>
  %b = dnn.constant dense<0.25> : tensor<7680xTYPE>
  %y = dnn.linear %x, %w, %b : (tensor<BATCHx2560xTYPE>, tensor<7680x2560xTYPE>, tensor<7680xTYPE>) -> tensor<BATCHx7680xTYPE>
  return %y : tensor<BATCHx7680xTYPE>
}
