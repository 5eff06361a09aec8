// The bundled ResNet block: members are named by their location names, and
// the groups are the ones docs/design.md ("Channel groups") walks through.
// The block's input x (a function argument) is the skip path, so the
// channels of conv2, bn2, the add, relu2 and the pool are x's channels and
// stay; only conv1's output group may change. The head's flatten only drops
// unit dims, so the pooled channels reach fc in the same group; the softmax
// blocks the logits.
// RUN: dnn-opt %dnn_src_root/examples/resnet_block.mlir --dnn-test-channel-groups -o /dev/null 2>&1 | FileCheck %s

// CHECK: remark: {{.*}}channel group #0: 32 channels; producers: layer1.0.conv2; consumers: layer1.0.conv1, fc; pass-through: layer1.0.bn2, layer1.0.add, layer1.0.relu2, avgpool, flatten; weights: 7; blocked: function argument #0
// CHECK: remark: {{.*}}channel group #1: 32 channels; producers: layer1.0.conv1; consumers: layer1.0.conv2; pass-through: layer1.0.bn1, layer1.0.relu1; weights: 6; modifiable
// CHECK: remark: {{.*}}channel group #2: 10 channels; producers: fc; weights: 2; blocked: opaque op softmax (dnn.softmax)
// CHECK-NOT: remark: channel group
