// RUN: dnn-opt %s --dnn-balanced-sparsify="bank-size=8 sparsity=0.75 decide=always" -o %t.sparse.mlir 2>&1 | FileCheck %s --check-prefix=REMARK
// RUN: FileCheck %s --check-prefix=IR < %t.sparse.mlir
// RUN: dnn-opt %s --dnn-balanced-sparsify="bank-size=8 sparsity=0.75 decide=always emit=masked" -o %t.masked.mlir 2>/dev/null
// RUN: dnn-run %t.masked.mlir --seed=9 --output-dir=%t.ref
// RUN: dnn-run %t.sparse.mlir --seed=9 --compare=%t.ref/out0.npy --compare=%t.ref/out1.npy --atol=1e-5 --rtol=1e-5 | FileCheck %s
// RUN: not dnn-run %s --seed=9 --compare=%t.ref/out0.npy --compare=%t.ref/out1.npy | FileCheck %s --check-prefix=ORIGINAL
// f16 (values and input 16-bit, f32 accumulation, one rounding).
// RUN: sed -e 's/f32/f16/g' %s > %t.f16.mlir
// RUN: dnn-opt %t.f16.mlir --dnn-balanced-sparsify="bank-size=8 sparsity=0.75 decide=always" -o %t.sparse16.mlir 2>/dev/null
// RUN: dnn-opt %t.f16.mlir --dnn-balanced-sparsify="bank-size=8 sparsity=0.75 decide=always emit=masked" -o %t.masked16.mlir 2>/dev/null
// RUN: dnn-run %t.masked16.mlir --seed=9 --output-dir=%t.ref16
// RUN: dnn-run %t.sparse16.mlir --seed=9 --compare=%t.ref16/out0.npy --compare=%t.ref16/out1.npy --atol=1e-2 --rtol=1e-2 | FileCheck %s

// dnn-balanced-sparsify on convolutions (groups = 1): the F x C x KH x KW
// weight is the F x (C * KH * KW) matrix of the implicit GEMM, cut into
// banks along C * KH * KW. The reference check: on the CPU path the
// dnn.sparse_conv2d module (direct loop over the kept entries, implicit
// im2col with padding, stride, dilation) computes the outputs of the dense
// module with the dropped weights zeroed (emit=masked), not those of the
// original. @main: a 3x3 stride-2 padded convolution with bias, K = 27 in
// banks of 8 (the last bank has 3 real columns, 2 kept, no padding entry
// needed); then a dilated 1x2 convolution (K = 4: one partial bank, its 2
// entries both real); a grouped convolution stays dense.
// REMARK: remark: dnn-balanced-sparsify: 'conv2d_0' -> sparse, 2 of 8 per bank
// REMARK: remark: dnn-balanced-sparsify: 'conv2d_1' -> sparse, 2 of 8 per bank
// REMARK: remark: dnn-balanced-sparsify: 'conv2d_2' stays dense: a grouped convolution (groups = 2) has no balanced-sparse form
// IR: dnn.sparse_conv2d %{{.*}}, %{{.*}}, %{{.*}}, %{{.*}} {kernel = array<i64: 3, 3>, layout = #dnn.balanced<bank_size = 8, nnz = 2, index_bits = 3, value_type = f32>, padding = array<i64: 1, 1, 1, 1>, strides = array<i64: 2, 2>} : (tensor<2x3x9x9xf32>, tensor<5x4x2xf32>, tensor<5x4x2xi8>, tensor<5xf32>) -> tensor<2x5x5x5xf32>
// IR: dnn.sparse_conv2d {{.*}}dilation = array<i64: 1, 2>, kernel = array<i64: 1, 2>{{.*}} : (tensor<2x2x6x6xf32>, tensor<4x1x2xf32>, tensor<4x1x2xi8>) -> tensor<2x4x6x4xf32>
// IR: dnn.conv2d {{.*}}groups = 2
// CHECK: out0: match
// CHECK: out1: match
// ORIGINAL: MISMATCH
func.func @main(%x: tensor<2x3x9x9xf32>, %x2: tensor<2x2x6x6xf32>) -> (tensor<2x5x5x5xf32>, tensor<2x4x6x4xf32>) {
  %w = dnn.constant dense<[[[[0.0012, 0.2987, -0.2741],
         [-0.8906, -0.4547, -0.9916],
         [0.0601, 1.3402, -0.4922]],
      
        [[-0.6205, 0.4898, 0.3569],
         [0.1054, -0.9305, -0.0293],
         [0.6953, -1.3442, -0.4576]],
      
        [[-1.9012, -1.2895, -1.8417],
         [-0.2351, -1.2674, 0.2713],
         [0.1568, -0.1869, -2.5168]]],
      
      
       [[[-0.5387, -0.0485, 0.1133],
         [-1.5301, -0.4778, -0.9785],
         [-0.8088, 1.0609, -0.8075]],
      
        [[-0.0325, 0.8844, -0.5836],
         [-0.1117, 0.1105, 0.0638],
         [-1.2251, 0.0761, 1.3588]],
      
        [[-1.5471, 0.8594, 0.1194],
         [-0.6415, 2.0004, 0.7623],
         [-1.1993, 0.0745, 0.5767]]],
      
      
       [[[-0.1888, 0.6829, -0.0665],
         [0.6672, 1.4385, -0.6757],
         [0.2031, -0.4633, 0.1273]],
      
        [[-1.1872, -0.5793, -0.1962],
         [0.8988, 1.1452, -1.3235],
         [-0.7946, 0.6469, -1.9924]],
      
        [[-0.4632, -0.0973, 1.2570],
         [0.6894, -0.3272, -0.3686],
         [-0.2502, 1.5235, -0.4280]]],
      
      
       [[[-0.3037, 0.3526, -0.1208],
         [-0.1973, -1.1141, -0.0115],
         [-0.4436, 1.1661, 0.6531]],
      
        [[-0.0241, 0.6684, -0.3399],
         [1.0521, -0.0054, 0.5834],
         [-1.2909, 0.3467, -1.6882]],
      
        [[-2.0353, -0.3045, -0.8999],
         [0.1641, 2.2448, -0.8317],
         [-0.6239, 0.2054, 0.4930]]],
      
      
       [[[-0.1764, -0.2059, 0.7025],
         [0.5199, -1.0337, -0.0792],
         [0.0353, -1.0545, 0.2598]],
      
        [[-0.8580, 0.9721, 0.1927],
         [0.0893, -0.5910, -0.1186],
         [-1.9977, -1.1314, 0.3628]],
      
        [[-2.1286, 0.8466, -1.7461],
         [0.7567, -0.8455, 0.7790],
         [0.1310, -1.5368, 1.2491]]]]> : tensor<5x3x3x3xf32>
  %b = dnn.constant dense<[1.4417, -0.0658, -0.2739, -0.1599, -0.9752]> : tensor<5xf32>
  %y = dnn.conv2d %x, %w, %b {strides = array<i64: 2, 2>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<2x3x9x9xf32>, tensor<5x3x3x3xf32>, tensor<5xf32>) -> tensor<2x5x5x5xf32>
  %w2 = dnn.constant dense<[[[[1.0986, -0.5429]],
      
        [[-0.0512, -0.7933]]],
      
      
       [[[-0.6261, -1.2777]],
      
        [[1.2571, -0.1541]]],
      
      
       [[[0.9659, 0.0133]],
      
        [[-0.6944, -0.3267]]],
      
      
       [[[-0.5602, 0.0080]],
      
        [[-0.3753, -0.2999]]]]> : tensor<4x2x1x2xf32>
  %y2 = dnn.conv2d %x2, %w2 {dilation = array<i64: 1, 2>}
      : (tensor<2x2x6x6xf32>, tensor<4x2x1x2xf32>) -> tensor<2x4x6x4xf32>
  %w3 = dnn.constant dense<[[[[-1.3786, -0.8068, 1.6541],
         [-0.6712, -1.0541, 0.3373],
         [1.4073, -1.4540, -0.2085]],
      
        [[-0.6321, -1.7610, 0.7349],
         [-0.0234, 0.0714, -0.7523],
         [0.4548, -0.5393, -0.1429]]],
      
      
       [[[-1.1083, -1.2161, 1.3355],
         [-0.5071, 0.2917, -0.0338],
         [-0.4411, -0.5080, 0.6301]],
      
        [[-0.3019, -0.1514, 0.0222],
         [1.1765, 0.6805, 0.3826],
         [-0.5636, -1.3820, 0.9495]]],
      
      
       [[[0.9664, -0.1407, 0.5419],
         [0.7814, 0.8312, 0.9214],
         [-0.4556, 1.5150, -1.2466]],
      
        [[0.8617, 0.4939, 0.8736],
         [1.8790, 1.4844, -1.1452],
         [-1.6887, 0.8169, -1.0150]]],
      
      
       [[[-0.0124, 0.8397, -1.6438],
         [-2.1100, 0.2593, 0.0444],
         [-0.2458, 0.0385, -0.8605]],
      
        [[-1.5135, -0.1667, -0.9717],
         [-1.6435, 0.5057, -0.0614],
         [0.4065, -0.9893, -0.6581]]]]> : tensor<4x2x3x3xf32>
  %y3 = dnn.conv2d %y2, %w3 {groups = 2 : i64, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<2x4x6x4xf32>, tensor<4x2x3x3xf32>) -> tensor<2x4x6x4xf32>
  return %y, %y3 : tensor<2x5x5x5xf32>, tensor<2x4x6x4xf32>
}
