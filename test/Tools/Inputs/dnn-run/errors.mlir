// Entry functions that dnn-run rejects (dnn-run-module-errors.test).

func.func @ints(%a: tensor<4xi32>) -> tensor<4xi32> {
  return %a : tensor<4xi32>
}

func.func @dynamic(%a: tensor<?x4xf32>) -> tensor<?x4xf32> {
  return %a : tensor<?x4xf32>
}

func.func @scalar(%a: tensor<4xf32>) -> f32 {
  %c0 = arith.constant 0 : index
  %x = tensor.extract %a[%c0] : tensor<4xf32>
  return %x : f32
}

func.func @strided(%a: memref<4xf32, strided<[2]>>) {
  return
}

func.func @huge(%a: tensor<100000x100000x1000xf32>) {
  return
}

func.func private @declared(%a: tensor<4xf32>) -> tensor<4xf32>

// No lowering of the complex dialect in dnn-cpu-pipeline.
func.func @complex_exp(%a: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%a : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %c = complex.create %x, %x : complex<f32>
    %ex = complex.exp %c : complex<f32>
    %re = complex.re %ex : complex<f32>
    linalg.yield %re : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

// Element-wise arith on tensors has no bufferization.
func.func @arith_on_tensors(%a: tensor<4xf32>) -> tensor<4xf32> {
  %c = arith.constant dense<[1, 2, 3, 4]> : tensor<4xi32>
  %d = arith.addi %c, %c : tensor<4xi32>
  %f = arith.sitofp %d : tensor<4xi32> to tensor<4xf32>
  %r = arith.addf %f, %a : tensor<4xf32>
  return %r : tensor<4xf32>
}

// Resolved by nothing at JIT time.
func.func private @mystery(f32) -> f32
func.func @external_call(%a: tensor<4xf32>) -> tensor<4xf32> {
  %e = tensor.empty() : tensor<4xf32>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>],
                       iterator_types = ["parallel"]}
      ins(%a : tensor<4xf32>) outs(%e : tensor<4xf32>) {
  ^bb0(%x: f32, %o: f32):
    %y = func.call @mystery(%x) : (f32) -> f32
    linalg.yield %y : f32
  } -> tensor<4xf32>
  return %r : tensor<4xf32>
}

llvm.func @llvm_func() {
  llvm.return
}
