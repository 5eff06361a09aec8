// #dnn.accel: printing, round trip, defaults, and every verifier diagnostic
// (AccelTargetAttr::verify in DNNAttrs.cpp; dnn.target in DNNDialect.cpp).
// RUN: dnn-opt %s -split-input-file -verify-diagnostics | FileCheck %s
// RUN: dnn-opt %s -split-input-file -verify-diagnostics | dnn-opt -split-input-file | FileCheck %s

// Integers read as doubles; element_bytes = 2 and multicast = 1 are the
// defaults and are not printed.
// CHECK: module attributes {dnn.target = #dnn.accel<name = "eyeriss", pe_rows = 12, pe_cols = 14, clock_mhz = 200, rf_bytes = 520, glb_bytes = 131072, glb_bytes_per_cycle = 64, dram_gbps = 0.8, multicast = 14, pj_mac = 1.0, pj_rf = 1.0, pj_noc = 2.0, pj_glb = 6.0, pj_dram = 200.0>}
module attributes {dnn.target = #dnn.accel<name = "eyeriss", pe_rows = 12, pe_cols = 14, clock_mhz = 200, element_bytes = 2, rf_bytes = 520, glb_bytes = 131072, glb_bytes_per_cycle = 64, dram_gbps = 0.8, multicast = 14, pj_mac = 1, pj_rf = 1, pj_noc = 2, pj_glb = 6, pj_dram = 200>} {
}

// -----

// CHECK: #dnn.accel<name = "int8", pe_rows = 16, pe_cols = 16, clock_mhz = 1000, element_bytes = 1, rf_bytes = 64, glb_bytes = 1048576, glb_bytes_per_cycle = 256, dram_gbps = 25.6, pj_mac = 0.2, pj_rf = 0.1, pj_noc = 0.5, pj_glb = 2.5, pj_dram = 80.0>
module attributes {dnn.target = #dnn.accel<name = "int8", pe_rows = 16, pe_cols = 16, clock_mhz = 1000, element_bytes = 1, rf_bytes = 64, glb_bytes = 1048576, glb_bytes_per_cycle = 256, dram_gbps = 25.6, pj_mac = 0.2, pj_rf = 0.1, pj_noc = 0.5, pj_glb = 2.5, pj_dram = 80.0>} {
}

// -----

// expected-error @+1 {{#dnn.accel: name must not be empty}}
module attributes {dnn.target = #dnn.accel<name = "", pe_rows = 12, pe_cols = 14, clock_mhz = 200, rf_bytes = 520, glb_bytes = 131072, glb_bytes_per_cycle = 64, dram_gbps = 0.8, pj_mac = 1, pj_rf = 1, pj_noc = 2, pj_glb = 6, pj_dram = 200>} {
}

// -----

// expected-error @+1 {{#dnn.accel: pe_rows must be positive, got 0}}
module attributes {dnn.target = #dnn.accel<name = "a", pe_rows = 0, pe_cols = 14, clock_mhz = 200, rf_bytes = 520, glb_bytes = 131072, glb_bytes_per_cycle = 64, dram_gbps = 0.8, pj_mac = 1, pj_rf = 1, pj_noc = 2, pj_glb = 6, pj_dram = 200>} {
}

// -----

// expected-error @+1 {{#dnn.accel: glb_bytes_per_cycle must be positive, got -8}}
module attributes {dnn.target = #dnn.accel<name = "a", pe_rows = 12, pe_cols = 14, clock_mhz = 200, rf_bytes = 520, glb_bytes = 131072, glb_bytes_per_cycle = -8, dram_gbps = 0.8, pj_mac = 1, pj_rf = 1, pj_noc = 2, pj_glb = 6, pj_dram = 200>} {
}

// -----

// expected-error @+1 {{#dnn.accel: multicast (169) must not exceed the number of PEs (168)}}
module attributes {dnn.target = #dnn.accel<name = "a", pe_rows = 12, pe_cols = 14, clock_mhz = 200, rf_bytes = 520, glb_bytes = 131072, glb_bytes_per_cycle = 64, dram_gbps = 0.8, multicast = 169, pj_mac = 1, pj_rf = 1, pj_noc = 2, pj_glb = 6, pj_dram = 200>} {
}

// -----

// expected-error @+1 {{#dnn.accel: rf_bytes (4) must hold at least 3 elements (two operands and a partial sum) of element_bytes (2)}}
module attributes {dnn.target = #dnn.accel<name = "a", pe_rows = 12, pe_cols = 14, clock_mhz = 200, rf_bytes = 4, glb_bytes = 131072, glb_bytes_per_cycle = 64, dram_gbps = 0.8, pj_mac = 1, pj_rf = 1, pj_noc = 2, pj_glb = 6, pj_dram = 200>} {
}

// -----

// 2 * 2 * (12 + 14) = 104 bytes at least.
// expected-error @+1 {{#dnn.accel: glb_bytes (100) must hold at least two operand vectors of the array (2 * element_bytes * (pe_rows + pe_cols) = 104)}}
module attributes {dnn.target = #dnn.accel<name = "a", pe_rows = 12, pe_cols = 14, clock_mhz = 200, rf_bytes = 520, glb_bytes = 100, glb_bytes_per_cycle = 64, dram_gbps = 0.8, pj_mac = 1, pj_rf = 1, pj_noc = 2, pj_glb = 6, pj_dram = 200>} {
}

// -----

// expected-error @+1 {{#dnn.accel: dram_gbps must be positive and finite}}
module attributes {dnn.target = #dnn.accel<name = "a", pe_rows = 12, pe_cols = 14, clock_mhz = 200, rf_bytes = 520, glb_bytes = 131072, glb_bytes_per_cycle = 64, dram_gbps = 0, pj_mac = 1, pj_rf = 1, pj_noc = 2, pj_glb = 6, pj_dram = 200>} {
}

// -----

// expected-error @+1 {{#dnn.accel: pj_glb must be non-negative and finite}}
module attributes {dnn.target = #dnn.accel<name = "a", pe_rows = 12, pe_cols = 14, clock_mhz = 200, rf_bytes = 520, glb_bytes = 131072, glb_bytes_per_cycle = 64, dram_gbps = 0.8, pj_mac = 1, pj_rf = 1, pj_noc = 2, pj_glb = -6, pj_dram = 200>} {
}

// -----

// expected-error @+1 {{struct is missing required parameter: pj_dram}}
module attributes {dnn.target = #dnn.accel<name = "a", pe_rows = 12, pe_cols = 14, clock_mhz = 200, rf_bytes = 520, glb_bytes = 131072, glb_bytes_per_cycle = 64, dram_gbps = 0.8, pj_mac = 1, pj_rf = 1, pj_noc = 2, pj_glb = 6>} {
}

// -----

// A #dnn.accel is a target only on a module.
// expected-error @+1 {{'dnn.target' may only be attached to a builtin.module}}
func.func @not_on_a_module() attributes {
  dnn.target = #dnn.accel<name = "a", pe_rows = 12, pe_cols = 14, clock_mhz = 200, rf_bytes = 520, glb_bytes = 131072, glb_bytes_per_cycle = 64, dram_gbps = 0.8, pj_mac = 1, pj_rf = 1, pj_noc = 2, pj_glb = 6, pj_dram = 200>} {
  return
}
