// dnn-opt lists the dnn passes and the dialects needed to reach PTX.
// RUN: dnn-opt --help | FileCheck %s
// CHECK: Available Dialects:{{.*}} arith,{{.*}} dnn,{{.*}} func, gpu,{{.*}} linalg, llvm,{{.*}} memref,{{.*}} nvgpu, nvvm,{{.*}} scf,{{.*}} tensor,
// CHECK-DAG: --dnn-attach-target {{.*}}Attach the target GPU
// CHECK-DAG: --gpu=<string> {{.*}}GPU preset name
// CHECK-DAG: --convert-gpu-to-nvvm
// CHECK-DAG: --gpu-module-to-binary
// CHECK-DAG: --nvvm-attach-target
