//===- dnn-bench.cpp - run and time an ahead-of-time compiled model -------===//
//
// Loads a model library written by dnn-compile (dnn/Runtime/ModelABI.h),
// parses its manifest, uploads inputs (.npy files or seeded random values)
// and weights (the .weights file or seeded random values), runs the model
// through the runtime API the library exports (dnn/Runtime/Runtime.h),
// compares outputs with references and times repeated runs with runtime
// events. See docs/dnn-bench.md.
//
// Plain C++17 and dlopen/dlsym: no LLVM/MLIR and no CUDA library is linked.
// Every dnnrt* function is taken from the model library itself.
//
//===----------------------------------------------------------------------===//

#include "dnn/Runtime/ModelABI.h"
#include "dnn/Runtime/Runtime.h"

#include <dlfcn.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <string>
#include <vector>

namespace {

//===----------------------------------------------------------------------===//
// Errors and exit codes
//===----------------------------------------------------------------------===//

enum ExitCode {
  kExitOk = 0,
  kExitMismatch = 1,
  kExitUsage = 2,
  kExitRuntime = 3,
};

std::string format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
std::string format(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  va_list ap2;
  va_copy(ap2, ap);
  int n = std::vsnprintf(nullptr, 0, fmt, ap);
  va_end(ap);
  std::string s(n > 0 ? size_t(n) : 0, '\0');
  if (n > 0)
    std::vsnprintf(&s[0], size_t(n) + 1, fmt, ap2);
  va_end(ap2);
  return s;
}

std::string jsonString(const std::string &s) {
  std::string out = "\"";
  for (unsigned char c : s) {
    switch (c) {
    case '"': out += "\\\""; break;
    case '\\': out += "\\\\"; break;
    case '\n': out += "\\n"; break;
    case '\r': out += "\\r"; break;
    case '\t': out += "\\t"; break;
    default:
      if (c < 0x20)
        out += format("\\u%04x", c);
      else
        out += char(c);
    }
  }
  return out + "\"";
}

/// JSON has no NaN or infinity: they are written as null.
std::string jsonNumber(double v) {
  if (!std::isfinite(v))
    return "null";
  return format("%.9g", v);
}

/// Where an error report in JSON form goes (--json), and the model's path.
std::string gJsonPath;
std::string gModelPath;

bool writeText(const std::string &path, const std::string &text) {
  if (path == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    return true;
  }
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return false;
  bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

[[noreturn]] void fail(int code, const std::string &message) {
  std::fflush(stdout);
  std::fprintf(stderr, "dnn-bench: error: %s\n", message.c_str());
  if (!gJsonPath.empty()) {
    std::string json = "{\n  \"model\": " + jsonString(gModelPath) +
                       ",\n  \"exit_code\": " + std::to_string(code) +
                       ",\n  \"error\": " + jsonString(message) + "\n}\n";
    if (!writeText(gJsonPath, json))
      std::fprintf(stderr, "dnn-bench: error: --json %s: cannot write: %s\n",
                   gJsonPath.c_str(), std::strerror(errno));
  }
  std::exit(code);
}

[[noreturn]] void usageError(const std::string &message) {
  fail(kExitUsage, message);
}

//===----------------------------------------------------------------------===//
// Number parsing (strict: the whole string, decimal, no sign for unsigned)
//===----------------------------------------------------------------------===//

bool parseU64(const std::string &s, uint64_t &out) {
  if (s.empty() || s.size() > 20)
    return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9')
      return false;
    uint64_t d = uint64_t(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10)
      return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

bool parseDouble(const std::string &s, double &out) {
  if (s.empty())
    return false;
  char *end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (errno != 0 || end != s.c_str() + s.size() || !std::isfinite(v))
    return false;
  out = v;
  return true;
}

//===----------------------------------------------------------------------===//
// Element types and conversions
//===----------------------------------------------------------------------===//

enum class DType { F32, F16, BF16, F64, I8, I16, I32 };

const char *dtypeName(DType t) {
  switch (t) {
  case DType::F32: return "f32";
  case DType::F16: return "f16";
  case DType::BF16: return "bf16";
  case DType::F64: return "f64";
  case DType::I8: return "i8";
  case DType::I16: return "i16";
  case DType::I32: return "i32";
  }
  return "?";
}

bool parseDType(const std::string &s, DType &out) {
  static const std::pair<const char *, DType> names[] = {
      {"f32", DType::F32}, {"f16", DType::F16}, {"bf16", DType::BF16},
      {"f64", DType::F64}, {"i8", DType::I8},
      {"i16", DType::I16}, {"i32", DType::I32}};
  for (const auto &n : names)
    if (s == n.first) {
      out = n.second;
      return true;
    }
  return false;
}

size_t dtypeSize(DType t) {
  switch (t) {
  case DType::F32: return 4;
  case DType::F16: return 2;
  case DType::BF16: return 2;
  case DType::F64: return 8;
  case DType::I8: return 1;
  case DType::I16: return 2;
  case DType::I32: return 4;
  }
  return 0;
}

uint32_t floatBits(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  return x;
}

float bitsFloat(uint32_t x) {
  float f;
  std::memcpy(&f, &x, 4);
  return f;
}

/// IEEE binary16 from float, rounding to nearest even.
uint16_t floatToHalf(float f) {
  uint32_t x = floatBits(f);
  uint32_t sign = (x >> 16) & 0x8000u;
  uint32_t ax = x & 0x7FFFFFFFu;
  if (ax >= 0x7F800000u) // inf or NaN (quiet)
    return uint16_t(sign | (ax > 0x7F800000u ? 0x7E00u : 0x7C00u));
  if (ax >= 0x477FF000u) // >= 65520: rounds to infinity
    return uint16_t(sign | 0x7C00u);
  uint32_t e = ax >> 23;
  if (e < 113) { // below 2^-14: a subnormal half or zero
    if (ax < 0x33000000u) // below 2^-25 (2^-25 itself ties to 0, even)
      return uint16_t(sign);
    uint32_t m = (ax & 0x7FFFFFu) | 0x800000u;
    uint32_t shift = 126 - e; // 14..24
    uint32_t k = m >> shift;
    uint32_t rem = m & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (rem > halfway || (rem == halfway && (k & 1)))
      ++k; // may carry into the smallest normal, which is right
    return uint16_t(sign | k);
  }
  uint32_t h = ((e - 112) << 10) | ((ax & 0x7FFFFFu) >> 13);
  uint32_t rem = ax & 0x1FFFu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1)))
    ++h; // a carry into the exponent is right (up to infinity)
  return uint16_t(sign | h);
}

float halfToFloat(uint16_t h) {
  uint32_t sign = uint32_t(h & 0x8000u) << 16;
  uint32_t e = (h >> 10) & 0x1Fu;
  uint32_t m = h & 0x3FFu;
  if (e == 0x1F)
    return bitsFloat(sign | 0x7F800000u | (m << 13));
  if (e == 0) {
    // m * 2^-24, exact in float.
    float v = float(m) * (1.0f / 16777216.0f);
    return sign ? -v : v;
  }
  return bitsFloat(sign | ((e + 112) << 23) | (m << 13));
}

/// bfloat16 from float, rounding to nearest even.
uint16_t floatToBF16(float f) {
  uint32_t x = floatBits(f);
  if ((x & 0x7FFFFFFFu) > 0x7F800000u) // NaN: keep it a (quiet) NaN
    return uint16_t((x >> 16) | 0x40u);
  uint32_t lsb = (x >> 16) & 1u;
  return uint16_t((x + 0x7FFFu + lsb) >> 16);
}

float bf16ToFloat(uint16_t h) { return bitsFloat(uint32_t(h) << 16); }

/// Element `i` of `data` read as a T (unaligned).
template <typename T> T readAs(const unsigned char *data, size_t i) {
  T v;
  std::memcpy(&v, data + sizeof(T) * i, sizeof(T));
  return v;
}

/// Stores `v` as element `i` of `data` (unaligned).
template <typename T> void writeAs(unsigned char *data, size_t i, T v) {
  std::memcpy(data + sizeof(T) * i, &v, sizeof(T));
}

/// Element `i` of `data` (of type `t`) as a double.
double loadElement(const unsigned char *data, DType t, size_t i) {
  switch (t) {
  case DType::F32:
    return readAs<float>(data, i);
  case DType::F64:
    return readAs<double>(data, i);
  case DType::F16:
    return halfToFloat(readAs<uint16_t>(data, i));
  case DType::BF16:
    return bf16ToFloat(readAs<uint16_t>(data, i));
  case DType::I8:
    return readAs<int8_t>(data, i);
  case DType::I16:
    return readAs<int16_t>(data, i);
  case DType::I32:
    return readAs<int32_t>(data, i);
  }
  return 0;
}

//===----------------------------------------------------------------------===//
// Seeded random values: splitmix64
//===----------------------------------------------------------------------===//

struct SplitMix64 {
  uint64_t state;
  uint64_t next() {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
};

/// Fills `count` elements of type `t` at `out` with the values of the
/// manifest argument `argIndex` for `seed`: a splitmix64 generator starting
/// at seed ^ (0xD1B54A32D192ED03 * (argIndex + 1)); each element takes one
/// output z; floats are (z >> 40) * 2^-24 * 2 - 1, uniform in [-1, 1) and
/// exact in f32 (converted to f16/bf16 rounding to nearest even, widened to
/// f64); integer elements are the top 8, 16 or 32 bits of z.
void fillRandom(unsigned char *out, DType t, size_t count, uint64_t seed,
                uint64_t argIndex) {
  SplitMix64 gen{seed ^ (0xD1B54A32D192ED03ull * (argIndex + 1))};
  for (size_t i = 0; i < count; ++i) {
    uint64_t z = gen.next();
    float v = float(z >> 40) * (1.0f / 16777216.0f) * 2.0f - 1.0f;
    switch (t) {
    case DType::F32:
      writeAs<float>(out, i, v);
      break;
    case DType::F64:
      writeAs<double>(out, i, v);
      break;
    case DType::F16:
      writeAs<uint16_t>(out, i, floatToHalf(v));
      break;
    case DType::BF16:
      writeAs<uint16_t>(out, i, floatToBF16(v));
      break;
    case DType::I8:
      writeAs<uint8_t>(out, i, uint8_t(z >> 56));
      break;
    case DType::I16:
      writeAs<uint16_t>(out, i, uint16_t(z >> 48));
      break;
    case DType::I32:
      writeAs<uint32_t>(out, i, uint32_t(z >> 32));
      break;
    }
  }
}

//===----------------------------------------------------------------------===//
// Shapes
//===----------------------------------------------------------------------===//

/// The manifest's spelling: "1x3x224x224", or "scalar".
std::string manifestShape(const std::vector<uint64_t> &shape) {
  if (shape.empty())
    return "scalar";
  std::string s;
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? "x" : "") + std::to_string(shape[i]);
  return s;
}

/// NumPy's spelling: "(1, 3)", "(5,)" or "()".
std::string npyShape(const std::vector<uint64_t> &shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  if (shape.size() == 1)
    s += ",";
  return s + ")";
}

std::string jsonShape(const std::vector<uint64_t> &shape) {
  std::string s = "[";
  for (size_t i = 0; i < shape.size(); ++i)
    s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + "]";
}

/// Product of the dims; false on overflow (beyond 2^62 elements).
bool numElements(const std::vector<uint64_t> &shape, uint64_t &out) {
  uint64_t n = 1;
  for (uint64_t d : shape) {
    if (d != 0 && n > (uint64_t(1) << 62) / d)
      return false;
    n *= d;
  }
  out = n;
  return true;
}

/// Row-major multi-index of flat element `flat`, as "[i, j, k]".
std::string multiIndex(const std::vector<uint64_t> &shape, uint64_t flat) {
  std::vector<uint64_t> idx(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    idx[d] = shape[d] ? flat % shape[d] : 0;
    flat = shape[d] ? flat / shape[d] : 0;
  }
  std::string s = "[";
  for (size_t i = 0; i < idx.size(); ++i)
    s += (i ? ", " : "") + std::to_string(idx[i]);
  return s + "]";
}

//===----------------------------------------------------------------------===//
// Manifest
//===----------------------------------------------------------------------===//

enum class ArgKind { Input, Weight, Output, Workspace };

const char *argKindName(ArgKind k) {
  switch (k) {
  case ArgKind::Input: return "input";
  case ArgKind::Weight: return "weight";
  case ArgKind::Output: return "output";
  case ArgKind::Workspace: return "workspace";
  }
  return "?";
}

struct Arg {
  uint64_t index = 0;
  ArgKind kind = ArgKind::Input;
  std::string name;
  DType dtype = DType::F32;
  std::vector<uint64_t> shape; // workspace: empty
  uint64_t elements = 0;       // workspace: its bytes
  uint64_t bytes = 0;
  uint64_t offset = 0; // weights only
  unsigned line = 0;
};

struct Kernel {
  std::string name;
  uint64_t grid[3] = {0, 0, 0};
  uint64_t block = 0;
  uint64_t smem = 0;
};

struct Manifest {
  uint64_t abiVersion = 0;
  std::string entry;
  std::string gpuName, chip, binaryFormat;
  uint64_t weightsBytes = 0;
  std::vector<Arg> args; // sorted by index after parsing
  std::vector<Kernel> kernels;

  const Arg *find(const std::string &name) const {
    for (const Arg &a : args)
      if (a.name == name && a.kind != ArgKind::Workspace)
        return &a;
    return nullptr;
  }
  std::string namesOf(ArgKind kind) const {
    std::string s;
    for (const Arg &a : args)
      if (a.kind == kind)
        s += (s.empty() ? "" : ", ") + a.name;
    return s.empty() ? "none" : s;
  }
};

std::vector<std::string> splitFields(const std::string &line) {
  std::vector<std::string> fields;
  size_t start = 0;
  while (true) {
    size_t sp = line.find(' ', start);
    fields.push_back(line.substr(start, sp - start));
    if (sp == std::string::npos)
      break;
    start = sp + 1;
  }
  return fields;
}

bool parseShape(const std::string &s, std::vector<uint64_t> &out) {
  out.clear();
  if (s == "scalar")
    return true;
  size_t start = 0;
  while (true) {
    size_t x = s.find('x', start);
    uint64_t d;
    if (!parseU64(s.substr(start, x - start), d))
      return false;
    out.push_back(d);
    if (x == std::string::npos)
      return true;
    start = x + 1;
  }
}

/// Parses the manifest text; errors name `where` (the library) and the line.
Manifest parseManifest(const std::string &text, const std::string &where) {
  Manifest m;
  unsigned lineNo = 0;
  bool sawEntry = false, sawTarget = false, sawWeights = false;
  auto err = [&](const std::string &msg) {
    usageError(where + ": manifest line " + std::to_string(lineNo) + ": " +
               msg);
  };
  auto number = [&](const std::string &field, const char *what) {
    uint64_t v;
    if (!parseU64(field, v))
      err(format("bad %s '%s' (expected a decimal number)", what,
                 field.c_str()));
    return v;
  };

  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string line =
        text.substr(pos, nl == std::string::npos ? std::string::npos : nl - pos);
    pos = nl == std::string::npos ? text.size() : nl + 1;
    ++lineNo;
    if (line.empty())
      err("empty line");
    std::vector<std::string> f = splitFields(line);
    for (const std::string &field : f)
      if (field.empty())
        err("empty field (fields are separated by exactly one space)");
    for (char c : line)
      if ((unsigned char)c < 0x20 || (unsigned char)c == 0x7F)
        err("control character in the line");
    const std::string &rec = f[0];
    auto expectFields = [&](size_t n, const char *syntax) {
      if (f.size() != n)
        err(format("'%s' takes %zu fields, found %zu: expected '%s'",
                   rec.c_str(), n - 1, f.size() - 1, syntax));
    };

    if (lineNo == 1) {
      if (rec != "dnn-model")
        err("the manifest must begin with 'dnn-model <abi version>', found '" +
            rec + "'");
      expectFields(2, "dnn-model <abi version>");
      m.abiVersion = number(f[1], "ABI version");
      if (m.abiVersion != DNN_MODEL_ABI_VERSION)
        err(format("ABI version mismatch: the model has version %llu, "
                   "dnn-bench supports version %d",
                   (unsigned long long)m.abiVersion, DNN_MODEL_ABI_VERSION));
      continue;
    }

    if (rec == "dnn-model") {
      err("repeated 'dnn-model' record");
    } else if (rec == "entry") {
      expectFields(2, "entry <function name>");
      if (sawEntry)
        err("repeated 'entry' record");
      sawEntry = true;
      m.entry = f[1];
    } else if (rec == "target") {
      expectFields(4, "target <gpu name> <chip> <isa|bin>");
      if (sawTarget)
        err("repeated 'target' record");
      sawTarget = true;
      m.gpuName = f[1];
      m.chip = f[2];
      m.binaryFormat = f[3];
      if (m.binaryFormat != "isa" && m.binaryFormat != "bin")
        err("bad binary format '" + m.binaryFormat + "' (expected isa or bin)");
    } else if (rec == "weights") {
      expectFields(2, "weights <bytes>");
      if (sawWeights)
        err("repeated 'weights' record");
      sawWeights = true;
      m.weightsBytes = number(f[1], "weights size");
    } else if (rec == "kernel") {
      expectFields(7, "kernel <name> <grid x> <grid y> <grid z> <block x> "
                      "<dynamic smem bytes>");
      Kernel k;
      k.name = f[1];
      k.grid[0] = number(f[2], "grid x");
      k.grid[1] = number(f[3], "grid y");
      k.grid[2] = number(f[4], "grid z");
      k.block = number(f[5], "block x");
      k.smem = number(f[6], "shared memory size");
      m.kernels.push_back(k);
    } else if (rec == "arg") {
      if (f.size() < 3)
        err("'arg' needs an index and a kind");
      Arg a;
      a.line = lineNo;
      a.index = number(f[1], "argument index");
      const std::string &kind = f[2];
      if (kind == "input" || kind == "output") {
        expectFields(6, ("arg <index> " + kind + " <name> <dtype> <shape>")
                            .c_str());
        a.kind = kind == "input" ? ArgKind::Input : ArgKind::Output;
      } else if (kind == "weight") {
        expectFields(7, "arg <index> weight <name> <dtype> <shape> <offset>");
        a.kind = ArgKind::Weight;
      } else if (kind == "workspace") {
        expectFields(6, "arg <index> workspace workspace i8 <bytes>");
        a.kind = ArgKind::Workspace;
      } else {
        err("unknown argument kind '" + kind +
            "' (expected input, weight, output or workspace)");
      }
      a.name = f[3];
      if (!parseDType(f[4], a.dtype))
        err("unknown dtype '" + f[4] + "' (expected f32, f16, bf16, f64, i8, i16 or i32)");
      if (a.kind == ArgKind::Workspace) {
        if (a.name != "workspace" || a.dtype != DType::I8)
          err("a workspace argument reads 'arg <index> workspace workspace i8 "
              "<bytes>'");
        a.elements = a.bytes = number(f[5], "workspace size");
      } else {
        if (!parseShape(f[5], a.shape))
          err("bad shape '" + f[5] +
              "' (expected dims joined by 'x', or 'scalar')");
        if (!numElements(a.shape, a.elements) ||
            a.elements > (uint64_t(1) << 62) / dtypeSize(a.dtype))
          err("shape '" + f[5] + "' is too large");
        a.bytes = a.elements * dtypeSize(a.dtype);
      }
      if (a.kind == ArgKind::Weight) {
        a.offset = number(f[6], "weight offset");
        if (a.offset % DNN_MODEL_WEIGHT_ALIGN != 0)
          err(format("weight '%s': offset %llu is not a multiple of %d",
                     a.name.c_str(), (unsigned long long)a.offset,
                     DNN_MODEL_WEIGHT_ALIGN));
      }
      m.args.push_back(a);
    } else {
      err("unknown record '" + rec + "'");
    }
  }

  lineNo = lineNo ? lineNo : 1;
  if (text.empty())
    err("the manifest is empty");
  if (!sawEntry)
    usageError(where + ": manifest: no 'entry' record");
  if (!sawTarget)
    usageError(where + ": manifest: no 'target' record");
  if (!sawWeights)
    usageError(where + ": manifest: no 'weights' record");

  // Indices 0..n-1, each once; names unique; weights within the file.
  std::sort(m.args.begin(), m.args.end(),
            [](const Arg &a, const Arg &b) { return a.index < b.index; });
  unsigned workspaces = 0;
  for (size_t i = 0; i < m.args.size(); ++i) {
    const Arg &a = m.args[i];
    lineNo = a.line;
    if (a.index != i) {
      if (i > 0 && m.args[i - 1].index == a.index)
        err(format("argument index %llu is used twice (also on line %u)",
                   (unsigned long long)a.index, m.args[i - 1].line));
      usageError(format("%s: manifest: argument indices must be 0..%zu "
                        "without gaps; index %zu is missing",
                        where.c_str(), m.args.size() - 1, i));
    }
    if (a.kind == ArgKind::Workspace && ++workspaces > 1)
      err("more than one workspace argument");
    for (size_t j = 0; j < i; ++j)
      if (m.args[j].kind != ArgKind::Workspace && a.kind != ArgKind::Workspace &&
          m.args[j].name == a.name)
        err(format("argument name '%s' is used twice (also on line %u)",
                   a.name.c_str(), m.args[j].line));
    if (a.kind == ArgKind::Weight &&
        (a.offset > m.weightsBytes || a.bytes > m.weightsBytes - a.offset))
      err(format("weight '%s' (bytes %llu..%llu) does not lie within the "
                 "weights file of %llu bytes",
                 a.name.c_str(), (unsigned long long)a.offset,
                 (unsigned long long)(a.offset + a.bytes),
                 (unsigned long long)m.weightsBytes));
  }
  return m;
}

void printManifest(const Manifest &m, const std::string &path) {
  std::printf("model: %s\n", path.c_str());
  std::printf("abi: %llu\n", (unsigned long long)m.abiVersion);
  std::printf("entry: %s\n", m.entry.c_str());
  std::printf("target: %s %s %s\n", m.gpuName.c_str(), m.chip.c_str(),
              m.binaryFormat.c_str());
  std::printf("weights: %llu bytes\n", (unsigned long long)m.weightsBytes);
  std::printf("args: %zu\n", m.args.size());
  for (const Arg &a : m.args) {
    if (a.kind == ArgKind::Workspace) {
      std::printf("  %llu workspace %llu bytes\n", (unsigned long long)a.index,
                  (unsigned long long)a.bytes);
      continue;
    }
    std::printf("  %llu %s %s %s %s (%llu bytes", (unsigned long long)a.index,
                argKindName(a.kind), a.name.c_str(), dtypeName(a.dtype),
                manifestShape(a.shape).c_str(), (unsigned long long)a.bytes);
    if (a.kind == ArgKind::Weight)
      std::printf(" at offset %llu", (unsigned long long)a.offset);
    std::printf(")\n");
  }
  std::printf("kernels: %zu\n", m.kernels.size());
  for (const Kernel &k : m.kernels)
    std::printf("  %s grid %llux%llux%llu block %llu smem %llu\n",
                k.name.c_str(), (unsigned long long)k.grid[0],
                (unsigned long long)k.grid[1], (unsigned long long)k.grid[2],
                (unsigned long long)k.block, (unsigned long long)k.smem);
}

//===----------------------------------------------------------------------===//
// Files and .npy
//===----------------------------------------------------------------------===//

/// Reads a whole file; false (errno set) if it cannot be opened or read.
bool readFile(const std::string &path, std::vector<unsigned char> &out) {
  FILE *f = std::fopen(path.c_str(), "rb");
  if (!f)
    return false;
  out.clear();
  unsigned char buf[1 << 16];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
    out.insert(out.end(), buf, buf + n);
  bool ok = !std::ferror(f);
  int savedErrno = errno;
  std::fclose(f);
  errno = savedErrno;
  return ok;
}

struct NpyArray {
  std::string descr;
  std::vector<uint64_t> shape;
  uint64_t elements = 0;
  size_t itemSize = 0;
  std::vector<unsigned char> data;
};

/// A small parser of the header dict: {'descr': '<f4', 'fortran_order':
/// False, 'shape': (2, 3), }. Returns an error message or "".
class NpyHeaderParser {
public:
  explicit NpyHeaderParser(const std::string &s) : s(s) {}

  std::string parse(NpyArray &arr) {
    bool sawDescr = false, sawOrder = false, sawShape = false;
    skipSpace();
    if (!eat('{'))
      return "the header is not a dict";
    while (true) {
      skipSpace();
      if (eat('}'))
        break;
      std::string key;
      if (!parseString(key))
        return "bad key in the header";
      skipSpace();
      if (!eat(':'))
        return "expected ':' after '" + key + "' in the header";
      skipSpace();
      if (key == "descr") {
        if (!parseString(arr.descr))
          return "'descr' is not a string (structured dtypes are not "
                 "supported)";
        sawDescr = true;
      } else if (key == "fortran_order") {
        bool fortran;
        if (match("True"))
          fortran = true;
        else if (match("False"))
          fortran = false;
        else
          return "'fortran_order' is not True or False";
        if (fortran)
          return "fortran_order is True: only C-order arrays are supported "
                 "(save np.ascontiguousarray(a))";
        sawOrder = true;
      } else if (key == "shape") {
        if (!parseShapeTuple(arr.shape))
          return "'shape' is not a tuple of non-negative integers";
        sawShape = true;
      } else {
        return "unknown key '" + key + "' in the header";
      }
      skipSpace();
      if (eat(','))
        continue;
      skipSpace();
      if (eat('}'))
        break;
      return "expected ',' or '}' in the header";
    }
    skipSpace();
    if (pos != s.size())
      return "trailing characters after the header dict";
    if (!sawDescr || !sawOrder || !sawShape)
      return "the header lacks 'descr', 'fortran_order' or 'shape'";
    return "";
  }

private:
  const std::string &s;
  size_t pos = 0;

  void skipSpace() {
    while (pos < s.size() &&
           (s[pos] == ' ' || s[pos] == '\n' || s[pos] == '\t' || s[pos] == '\r'))
      ++pos;
  }
  bool eat(char c) {
    if (pos < s.size() && s[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }
  bool match(const char *word) {
    size_t n = std::strlen(word);
    if (s.compare(pos, n, word) == 0) {
      pos += n;
      return true;
    }
    return false;
  }
  bool parseString(std::string &out) {
    if (pos >= s.size() || (s[pos] != '\'' && s[pos] != '"'))
      return false;
    char q = s[pos++];
    size_t end = s.find(q, pos);
    if (end == std::string::npos)
      return false;
    out = s.substr(pos, end - pos);
    pos = end + 1;
    return true;
  }
  bool parseShapeTuple(std::vector<uint64_t> &out) {
    out.clear();
    if (!eat('('))
      return false;
    while (true) {
      skipSpace();
      if (eat(')'))
        return true;
      size_t start = pos;
      while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
        ++pos;
      // NumPy writes Python ints; an 'L' suffix comes from Python 2.
      uint64_t d;
      if (!parseU64(s.substr(start, pos - start), d))
        return false;
      eat('L');
      out.push_back(d);
      skipSpace();
      if (eat(','))
        continue;
      skipSpace();
      if (eat(')'))
        return true;
      return false;
    }
  }
};

/// Reads an .npy file (versions 1.0, 2.0, 3.0). Returns an error message
/// (without the path) or "".
std::string readNpy(const std::string &path, NpyArray &arr) {
  std::vector<unsigned char> buf;
  if (!readFile(path, buf))
    return std::string("cannot read: ") + std::strerror(errno);
  static const unsigned char magic[] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (buf.size() < 10 || std::memcmp(buf.data(), magic, 6) != 0)
    return "not an .npy file (no \\x93NUMPY magic)";
  unsigned major = buf[6];
  size_t headerLen, headerStart;
  if (major == 1) {
    headerLen = size_t(buf[8]) | size_t(buf[9]) << 8;
    headerStart = 10;
  } else if (major == 2 || major == 3) {
    if (buf.size() < 12)
      return "truncated .npy header";
    headerLen = size_t(buf[8]) | size_t(buf[9]) << 8 | size_t(buf[10]) << 16 |
                size_t(buf[11]) << 24;
    headerStart = 12;
  } else {
    return format("unsupported .npy format version %u.%u", major,
                  unsigned(buf[7]));
  }
  if (buf.size() - headerStart < headerLen)
    return "truncated .npy header";
  std::string header(reinterpret_cast<const char *>(buf.data()) + headerStart,
                     headerLen);
  std::string e = NpyHeaderParser(header).parse(arr);
  if (!e.empty())
    return e;

  const std::string &d = arr.descr;
  if (d == "<f4")
    arr.itemSize = 4;
  else if (d == "<f2" || d == "<V2" || d == "|V2")
    arr.itemSize = 2;
  else if (d == "<f8")
    arr.itemSize = 8;
  else if (d == "|i1" || d == "|u1")
    arr.itemSize = 1;
  else if (d == "<i2" || d == "<u2")
    arr.itemSize = 2;
  else if (d == "<i4" || d == "<u4")
    arr.itemSize = 4;
  else if (!d.empty() && d[0] == '>')
    return "big-endian dtype '" + d + "' is not supported";
  else
    return "unsupported dtype '" + d +
           "' (supported: <f4, <f2, <V2 (bfloat16), <f8, |i1, |u1, <i2, <u2, "
           "<i4, <u4)";

  if (!numElements(arr.shape, arr.elements) ||
      arr.elements > (uint64_t(1) << 62) / arr.itemSize)
    return "shape " + npyShape(arr.shape) + " is too large";
  uint64_t bytes = arr.elements * arr.itemSize;
  size_t dataStart = headerStart + headerLen;
  if (buf.size() - dataStart != bytes)
    return format("the data is %zu bytes, shape %s of '%s' needs %llu",
                  buf.size() - dataStart, npyShape(arr.shape).c_str(),
                  d.c_str(), (unsigned long long)bytes);
  arr.data.assign(buf.begin() + std::ptrdiff_t(dataStart), buf.end());
  return "";
}

/// The .npy descrs that hold a tensor of type `t` exactly.
bool descrMatches(const std::string &descr, DType t) {
  switch (t) {
  case DType::F32: return descr == "<f4";
  case DType::F16: return descr == "<f2";
  case DType::BF16: return descr == "<V2" || descr == "|V2";
  case DType::F64: return descr == "<f8";
  case DType::I8: return descr == "|i1" || descr == "|u1";
  case DType::I16: return descr == "<i2" || descr == "<u2";
  case DType::I32: return descr == "<i4" || descr == "<u4";
  }
  return false;
}

const char *descrOf(DType t) {
  switch (t) {
  case DType::F32: return "<f4";
  case DType::F16: return "<f2";
  case DType::BF16: return "<V2";
  case DType::F64: return "<f8";
  case DType::I8: return "|i1";
  case DType::I16: return "<i2";
  case DType::I32: return "<i4";
  }
  return "";
}

/// The element type of an array read by readNpy (|u1 reads as i8 bytes; only
/// used for references, whose values are compared).
DType dtypeOfDescr(const std::string &descr, bool &isUnsignedByte) {
  isUnsignedByte = descr == "|u1";
  if (descr == "<f4") return DType::F32;
  if (descr == "<f2") return DType::F16;
  if (descr == "<f8") return DType::F64;
  if (descr == "<V2" || descr == "|V2") return DType::BF16;
  if (descr == "<i2" || descr == "<u2") return DType::I16;
  if (descr == "<i4" || descr == "<u4") return DType::I32;
  return DType::I8;
}

std::string writeNpy(const std::string &path, const Arg &a,
                     const std::vector<unsigned char> &data) {
  std::string dict = std::string("{'descr': '") + descrOf(a.dtype) +
                     "', 'fortran_order': False, 'shape': " +
                     npyShape(a.shape) + ", }";
  // Pad with spaces and a newline so that the data starts at a multiple of
  // 64 bytes, like NumPy; use version 2.0 if the header needs it.
  unsigned major = 1;
  size_t prefix = 10;
  size_t total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  if (total - prefix > 0xFFFF) {
    major = 2;
    prefix = 12;
    total = (prefix + dict.size() + 1 + 63) / 64 * 64;
  }
  size_t headerLen = total - prefix;
  dict.append(headerLen - dict.size() - 1, ' ');
  dict += '\n';
  std::string out = "\x93NUMPY";
  out += char(major);
  out += char(0);
  for (size_t i = 0; i < (major == 1 ? 2u : 4u); ++i)
    out += char((headerLen >> (8 * i)) & 0xFF);
  out += dict;
  out.append(reinterpret_cast<const char *>(data.data()), data.size());
  FILE *f = std::fopen(path.c_str(), "wb");
  if (!f)
    return std::string("cannot write: ") + std::strerror(errno);
  bool ok = std::fwrite(out.data(), 1, out.size(), f) == out.size();
  if (std::fclose(f) != 0 || !ok)
    return std::string("cannot write: ") + std::strerror(errno);
  return "";
}

//===----------------------------------------------------------------------===//
// The runtime API, from the model library
//===----------------------------------------------------------------------===//

struct RuntimeAPI {
#define DNN_BENCH_RT_FUNCTIONS(X)                                              \
  X(dnnrtInit)                                                                 \
  X(dnnrtGetLastError)                                                         \
  X(dnnrtDeviceInfo)                                                           \
  X(dnnrtMalloc)                                                               \
  X(dnnrtFree)                                                                 \
  X(dnnrtMemcpyHtoD)                                                           \
  X(dnnrtMemcpyDtoH)                                                           \
  X(dnnrtMemset)                                                               \
  X(dnnrtStreamCreate)                                                         \
  X(dnnrtStreamDestroy)                                                        \
  X(dnnrtStreamSynchronize)                                                    \
  X(dnnrtSetStream)                                                            \
  X(dnnrtEventCreate)                                                          \
  X(dnnrtEventDestroy)                                                         \
  X(dnnrtEventRecord)                                                          \
  X(dnnrtEventElapsedMs)                                                       \
  X(dnnrtLaunchCount)                                                          \
  X(dnnrtResetLaunchCount)
#define X(name) decltype(&::name) name = nullptr;
  DNN_BENCH_RT_FUNCTIONS(X)
#undef X

  void resolve(void *lib, const std::string &path) {
#define X(fn)                                                                  \
  fn = reinterpret_cast<decltype(fn)>(dlsym(lib, #fn));                        \
  if (!fn)                                                                     \
    usageError(path + ": the model library does not export '" #fn             \
                      "' (the dnn runtime API, dnn/Runtime/Runtime.h)");
    DNN_BENCH_RT_FUNCTIONS(X)
#undef X
  }
};

RuntimeAPI rt;

/// Fails with exit code 3 if the runtime has a (sticky) error.
void checkRuntime(const std::string &what) {
  if (const char *e = rt.dnnrtGetLastError())
    fail(kExitRuntime, gModelPath + ": " + what + ": " + e);
}

//===----------------------------------------------------------------------===//
// Options
//===----------------------------------------------------------------------===//

struct NamedFile {
  std::string name, path, option;
};

struct Options {
  std::string model;
  std::string weights;
  bool haveRandomWeights = false;
  uint64_t weightSeed = 0;
  uint64_t seed = 0;
  std::vector<NamedFile> inputs, references, saveOutputs;
  bool haveRtol = false, haveAtol = false;
  double rtol = 0, atol = 0;
  uint64_t warmup = 5, runs = 20;
  std::string json;
  bool manifestOnly = false;
  bool checkOnly = false;
};

const char *kUsage =
    "usage: dnn-bench MODEL.so [options]\n"
    "\n"
    "Runs a model library compiled by dnn-compile, checks its outputs and\n"
    "times it (see docs/dnn-bench.md).\n"
    "\n"
    "options:\n"
    "  --weights FILE             weights file (default: MODEL with .so\n"
    "                             replaced by .weights)\n"
    "  --random-weights SEED      seeded uniform weights instead of a file\n"
    "  --input NAME=FILE.npy      an input (repeatable); the others are seeded\n"
    "                             random values, uniform in [-1, 1)\n"
    "  --seed N                   seed of the random inputs (default 0)\n"
    "  --reference NAME=FILE.npy  expected output (repeatable); element-wise\n"
    "                             |got - ref| <= atol + rtol * |ref|\n"
    "  --rtol X, --atol X         tolerances (default by output dtype: f32\n"
    "                             and f64 1e-3/1e-4, f16 1e-2/1e-3, bf16\n"
    "                             5e-2/1e-2, i8 0/0)\n"
    "  --warmup N                 untimed runs before timing (default 5)\n"
    "  --runs N                   timed runs (default 20)\n"
    "  --save-output NAME=FILE.npy  write an output (repeatable)\n"
    "  --json FILE|-              machine-readable result ('-': stdout; the\n"
    "                             text report then goes to stderr)\n"
    "  --manifest                 print the parsed manifest and exit\n"
    "  --check-only               run once and check, without timing\n"
    "  -h, --help                 this help\n"
    "\n"
    "exit status: 0 ok, 1 output mismatch, 2 usage or input error,\n"
    "3 runtime/GPU error\n";

NamedFile parseNamedFile(const std::string &option, const std::string &value) {
  size_t eq = value.find('=');
  if (eq == std::string::npos || eq == 0 || eq + 1 == value.size())
    usageError(option + " " + value + ": expected NAME=FILE.npy");
  return {value.substr(0, eq), value.substr(eq + 1), option + " " + value};
}

Options parseOptions(int argc, char **argv) {
  Options o;
  bool haveModel = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "-h" || arg == "--help") {
      std::fputs(kUsage, stdout);
      std::exit(kExitOk);
    }
    if (arg.size() < 2 || arg.compare(0, 2, "--") != 0 || arg == "--") {
      if (!arg.empty() && arg[0] == '-' && arg != "-")
        usageError("unknown option '" + arg + "' (see --help)");
      if (haveModel)
        usageError("more than one model given: '" + o.model + "' and '" + arg +
                   "'");
      o.model = arg;
      haveModel = true;
      continue;
    }
    std::string name = arg, value;
    bool inlineValue = false;
    size_t eq = arg.find('=');
    if (eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      inlineValue = true;
    }
    auto flag = [&]() {
      if (inlineValue)
        usageError(name + " takes no value");
    };
    auto takeValue = [&]() {
      if (!inlineValue) {
        if (i + 1 >= argc)
          usageError(name + " needs a value");
        value = argv[++i];
      }
      return value;
    };
    auto u64Value = [&]() {
      std::string v = takeValue();
      uint64_t n;
      if (!parseU64(v, n))
        usageError(name + " " + v + ": expected a non-negative integer");
      return n;
    };
    auto tolValue = [&]() {
      std::string v = takeValue();
      double d;
      if (!parseDouble(v, d) || d < 0)
        usageError(name + " " + v + ": expected a non-negative number");
      return d;
    };

    if (name == "--weights") {
      o.weights = takeValue();
      if (o.weights.empty())
        usageError("--weights needs a file name");
    } else if (name == "--random-weights") {
      o.weightSeed = u64Value();
      o.haveRandomWeights = true;
    } else if (name == "--seed") {
      o.seed = u64Value();
    } else if (name == "--input") {
      o.inputs.push_back(parseNamedFile(name, takeValue()));
    } else if (name == "--reference") {
      o.references.push_back(parseNamedFile(name, takeValue()));
    } else if (name == "--save-output") {
      o.saveOutputs.push_back(parseNamedFile(name, takeValue()));
    } else if (name == "--rtol") {
      o.rtol = tolValue();
      o.haveRtol = true;
    } else if (name == "--atol") {
      o.atol = tolValue();
      o.haveAtol = true;
    } else if (name == "--warmup") {
      o.warmup = u64Value();
    } else if (name == "--runs") {
      o.runs = u64Value();
      if (o.runs == 0)
        usageError("--runs 0: at least one timed run is needed (use "
                   "--check-only to run once without timing)");
    } else if (name == "--json") {
      o.json = takeValue();
      if (o.json.empty())
        usageError("--json needs a file name (or '-')");
    } else if (name == "--manifest") {
      flag();
      o.manifestOnly = true;
    } else if (name == "--check-only") {
      flag();
      o.checkOnly = true;
    } else {
      usageError("unknown option '" + name + "' (see --help)");
    }
  }
  if (!haveModel)
    usageError(std::string("no model library given\n") + kUsage);
  if (o.haveRandomWeights && !o.weights.empty())
    usageError("--weights and --random-weights exclude each other");
  return o;
}

std::string defaultWeightsPath(const std::string &model) {
  const std::string so = ".so";
  if (model.size() > so.size() &&
      model.compare(model.size() - so.size(), so.size(), so) == 0)
    return model.substr(0, model.size() - so.size()) + ".weights";
  return model + ".weights";
}

struct Tolerance {
  double rtol, atol;
};

Tolerance defaultTolerance(DType t) {
  switch (t) {
  case DType::F32:
  case DType::F64:
    return {1e-3, 1e-4};
  case DType::F16:
    return {1e-2, 1e-3};
  case DType::BF16:
    return {5e-2, 1e-2};
  case DType::I8:
  case DType::I16:
  case DType::I32:
    return {0, 0};
  }
  return {0, 0};
}

//===----------------------------------------------------------------------===//
// Checking
//===----------------------------------------------------------------------===//

struct CheckResult {
  bool checked = false;
  std::string reference;
  Tolerance tol{0, 0};
  double maxAbs = 0, maxRel = 0;
  uint64_t mismatches = 0;
  bool haveFirst = false;
  uint64_t firstIndex = 0;
  double firstGot = 0, firstRef = 0;
  bool pass() const { return mismatches == 0; }
};

/// Compares `got` (type `gotType`) with the reference array element-wise.
/// NaN matches NaN and an infinity matches the same infinity; any other
/// non-finite pair is a mismatch with an infinite difference. max_rel is
/// taken over the elements whose reference is not zero.
void compare(const unsigned char *got, DType gotType, const NpyArray &ref,
             uint64_t count, CheckResult &r) {
  bool refUnsigned;
  DType refType = dtypeOfDescr(ref.descr, refUnsigned);
  const double inf = std::numeric_limits<double>::infinity();
  for (uint64_t i = 0; i < count; ++i) {
    double g = loadElement(got, gotType, i);
    double e = refUnsigned ? double(ref.data[i])
                           : loadElement(ref.data.data(), refType, i);
    double diff;
    bool ok;
    if (std::isnan(g) || std::isnan(e)) {
      ok = std::isnan(g) && std::isnan(e);
      diff = ok ? 0 : inf;
    } else if (std::isinf(g) || std::isinf(e)) {
      ok = g == e;
      diff = ok ? 0 : inf;
    } else {
      diff = std::fabs(g - e);
      ok = diff <= r.tol.atol + r.tol.rtol * std::fabs(e);
    }
    r.maxAbs = std::max(r.maxAbs, diff);
    if (e != 0 && !std::isnan(e))
      r.maxRel = std::max(r.maxRel, std::isinf(e) ? diff : diff / std::fabs(e));
    if (!ok) {
      if (!r.haveFirst) {
        r.haveFirst = true;
        r.firstIndex = i;
        r.firstGot = g;
        r.firstRef = e;
      }
      ++r.mismatches;
    }
  }
}

std::string fmtValue(double v) { return format("%.8g", v); }

//===----------------------------------------------------------------------===//
// Main
//===----------------------------------------------------------------------===//

struct Tensor {
  const Arg *arg = nullptr;
  std::string source; // file path, or "" for random
  std::vector<unsigned char> host;
  void *device = nullptr;
};

int run(int argc, char **argv) {
  Options o = parseOptions(argc, argv);
  gModelPath = o.model;
  if (!o.manifestOnly)
    gJsonPath = o.json;
  FILE *report = o.json == "-" ? stderr : stdout;

  // The library.
  std::string dlPath = o.model;
  if (dlPath.find('/') == std::string::npos)
    dlPath = "./" + dlPath; // a path, not a name for the library search
  {
    std::FILE *probe = std::fopen(o.model.c_str(), "rb");
    if (!probe)
      usageError(o.model + ": cannot open the model library: " +
                 std::strerror(errno));
    std::fclose(probe);
  }
  void *lib = dlopen(dlPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *e = dlerror();
    usageError(o.model + ": cannot load the model library: " +
               (e ? e : "unknown error"));
  }
  auto *manifestText =
      static_cast<const char *>(dlsym(lib, DNN_MODEL_MANIFEST_SYMBOL));
  if (!manifestText)
    usageError(o.model + ": not a dnn model library (no '" +
               DNN_MODEL_MANIFEST_SYMBOL + "' symbol)");
  auto modelRun = reinterpret_cast<dnn_model_run_fn>(
      dlsym(lib, DNN_MODEL_RUN_SYMBOL));
  if (!modelRun)
    usageError(o.model + ": not a dnn model library (no '" +
               DNN_MODEL_RUN_SYMBOL + "' symbol)");

  Manifest m = parseManifest(manifestText, o.model);
  if (o.manifestOnly) {
    printManifest(m, o.model);
    return kExitOk;
  }
  rt.resolve(lib, o.model);

  // Inputs: files where given, seeded random values otherwise.
  std::vector<Tensor> tensors(m.args.size());
  for (size_t i = 0; i < m.args.size(); ++i)
    tensors[i].arg = &m.args[i];
  auto lookup = [&](const NamedFile &nf, ArgKind kind) -> Tensor & {
    const Arg *a = m.find(nf.name);
    if (!a || a->kind != kind)
      usageError(format("%s: the model has no %s named '%s' (%ss: %s)",
                        nf.option.c_str(), argKindName(kind), nf.name.c_str(),
                        argKindName(kind), m.namesOf(kind).c_str()));
    return tensors[a->index];
  };
  auto loadNpyFor = [&](const NamedFile &nf, const Arg &a, bool exactDType,
                        NpyArray &arr) {
    std::string e = readNpy(nf.path, arr);
    if (!e.empty())
      usageError(nf.option + ": " + nf.path + ": " + e);
    if (exactDType && !descrMatches(arr.descr, a.dtype))
      usageError(format("%s: %s: dtype '%s' does not match %s '%s' of the "
                        "manifest, which is %s (expected '%s')",
                        nf.option.c_str(), nf.path.c_str(), arr.descr.c_str(),
                        argKindName(a.kind), a.name.c_str(), dtypeName(a.dtype),
                        descrOf(a.dtype)));
    if (arr.shape != a.shape)
      usageError(format("%s: %s: shape %s does not match %s '%s' of the "
                        "manifest, which is %s %s",
                        nf.option.c_str(), nf.path.c_str(),
                        npyShape(arr.shape).c_str(), argKindName(a.kind),
                        a.name.c_str(), npyShape(a.shape).c_str(),
                        dtypeName(a.dtype)));
  };
  for (const NamedFile &nf : o.inputs) {
    Tensor &t = lookup(nf, ArgKind::Input);
    if (!t.source.empty())
      usageError(nf.option + ": input '" + nf.name + "' is given twice");
    NpyArray arr;
    loadNpyFor(nf, *t.arg, /*exactDType=*/true, arr);
    t.source = nf.path;
    t.host = std::move(arr.data);
  }
  for (Tensor &t : tensors)
    if (t.arg->kind == ArgKind::Input && t.source.empty()) {
      t.host.resize(t.arg->bytes);
      fillRandom(t.host.data(), t.arg->dtype, t.arg->elements, o.seed,
                 t.arg->index);
    }

  // References (any supported dtype; the values are compared) and outputs
  // to save.
  std::map<uint64_t, std::pair<NamedFile, NpyArray>> references;
  for (const NamedFile &nf : o.references) {
    Tensor &t = lookup(nf, ArgKind::Output);
    if (references.count(t.arg->index))
      usageError(nf.option + ": output '" + nf.name +
                 "' has more than one reference");
    NpyArray arr;
    loadNpyFor(nf, *t.arg, /*exactDType=*/false, arr);
    references[t.arg->index] = {nf, std::move(arr)};
  }
  for (const NamedFile &nf : o.saveOutputs)
    lookup(nf, ArgKind::Output);

  // Weights: one host image of the whole weights file.
  std::vector<unsigned char> weights;
  std::string weightsSource;
  if (o.haveRandomWeights) {
    weights.assign(m.weightsBytes, 0);
    for (const Arg &a : m.args)
      if (a.kind == ArgKind::Weight)
        fillRandom(weights.data() + a.offset, a.dtype, a.elements, o.weightSeed,
                   a.index);
    weightsSource = "random (seed " + std::to_string(o.weightSeed) + ")";
  } else {
    std::string path = o.weights.empty() ? defaultWeightsPath(o.model)
                                         : o.weights;
    bool explicitPath = !o.weights.empty();
    if (m.weightsBytes == 0 && !explicitPath) {
      weightsSource = "none (the model has no weights)";
    } else {
      const char *opt = explicitPath ? "--weights " : "";
      if (!readFile(path, weights))
        usageError(format("%s%s: cannot read the weights file: %s%s", opt,
                          path.c_str(), std::strerror(errno),
                          explicitPath ? ""
                                       : " (give --weights FILE or "
                                         "--random-weights SEED)"));
      if (weights.size() != m.weightsBytes)
        usageError(format("%s%s: the weights file is %zu bytes, the manifest "
                          "of %s says %llu",
                          opt, path.c_str(), weights.size(), o.model.c_str(),
                          (unsigned long long)m.weightsBytes));
      weightsSource = path;
    }
  }

  // The device.
  if (rt.dnnrtInit() != 0) {
    const char *e = rt.dnnrtGetLastError();
    fail(kExitRuntime, o.model + ": dnnrtInit failed: " +
                           (e ? e : "(no message)"));
  }
  checkRuntime("dnnrtInit");
  char deviceName[256] = {0};
  int ccMajor = 0, ccMinor = 0;
  if (rt.dnnrtDeviceInfo(deviceName, sizeof deviceName, &ccMajor, &ccMinor) !=
      0)
    checkRuntime("dnnrtDeviceInfo");
  checkRuntime("dnnrtDeviceInfo");
  deviceName[sizeof deviceName - 1] = 0;

  void *weightsDevice = rt.dnnrtMalloc(std::max<size_t>(weights.size(), 1));
  checkRuntime(format("allocating %zu bytes of weights", weights.size()));
  if (!weights.empty())
    rt.dnnrtMemcpyHtoD(weightsDevice, weights.data(), weights.size());
  checkRuntime("copying the weights to the device");

  std::vector<void *> args(m.args.size());
  for (Tensor &t : tensors) {
    const Arg &a = *t.arg;
    if (a.kind == ArgKind::Weight) {
      args[a.index] = static_cast<unsigned char *>(weightsDevice) + a.offset;
      continue;
    }
    size_t bytes = std::max<size_t>(a.bytes, 1);
    t.device = rt.dnnrtMalloc(bytes);
    checkRuntime(format("allocating %zu bytes for %s '%s'", bytes,
                        argKindName(a.kind), a.name.c_str()));
    if (a.kind == ArgKind::Input && a.bytes)
      rt.dnnrtMemcpyHtoD(t.device, t.host.data(), a.bytes);
    else if (a.kind == ArgKind::Output)
      rt.dnnrtMemset(t.device, 0, bytes);
    checkRuntime(format("initialising %s '%s'", argKindName(a.kind),
                        a.name.c_str()));
    args[a.index] = t.device;
  }

  void *stream = rt.dnnrtStreamCreate();
  checkRuntime("dnnrtStreamCreate");
  rt.dnnrtSetStream(stream);
  checkRuntime("dnnrtSetStream");

  // The checked run.
  rt.dnnrtResetLaunchCount();
  modelRun(args.data());
  checkRuntime("dnn_model_run (run 1)");
  rt.dnnrtStreamSynchronize(stream);
  checkRuntime("dnn_model_run (run 1)");
  uint64_t launches = rt.dnnrtLaunchCount();

  for (Tensor &t : tensors) {
    if (t.arg->kind != ArgKind::Output)
      continue;
    t.host.resize(t.arg->bytes);
    if (t.arg->bytes)
      rt.dnnrtMemcpyDtoH(t.host.data(), t.device, t.arg->bytes);
    checkRuntime("copying output '" + t.arg->name + "' to the host");
  }

  std::map<uint64_t, CheckResult> checks;
  for (auto &entry : references) {
    const Tensor &t = tensors[entry.first];
    CheckResult &r = checks[entry.first];
    r.checked = true;
    r.reference = entry.second.first.path;
    r.tol = defaultTolerance(t.arg->dtype);
    if (o.haveRtol)
      r.tol.rtol = o.rtol;
    if (o.haveAtol)
      r.tol.atol = o.atol;
    compare(t.host.data(), t.arg->dtype, entry.second.second, t.arg->elements,
            r);
  }

  // Timing.
  std::vector<double> times;
  if (!o.checkOnly) {
    for (uint64_t i = 0; i < o.warmup; ++i) {
      modelRun(args.data());
      checkRuntime(format("dnn_model_run (warm-up run %llu)",
                          (unsigned long long)(i + 1)));
    }
    void *start = rt.dnnrtEventCreate();
    void *end = rt.dnnrtEventCreate();
    checkRuntime("dnnrtEventCreate");
    for (uint64_t i = 0; i < o.runs; ++i) {
      std::string what =
          format("dnn_model_run (timed run %llu)", (unsigned long long)(i + 1));
      rt.dnnrtEventRecord(start, stream);
      modelRun(args.data());
      checkRuntime(what);
      rt.dnnrtEventRecord(end, stream);
      float ms = rt.dnnrtEventElapsedMs(start, end);
      checkRuntime(what + ": timing events");
      if (ms < 0)
        fail(kExitRuntime, o.model + ": " + what +
                               ": dnnrtEventElapsedMs returned an error");
      times.push_back(ms);
    }
    rt.dnnrtEventDestroy(start);
    rt.dnnrtEventDestroy(end);
  }

  // Outputs to save.
  for (const NamedFile &nf : o.saveOutputs) {
    const Tensor &t = tensors[m.find(nf.name)->index];
    std::string e = writeNpy(nf.path, *t.arg, t.host);
    if (!e.empty())
      usageError(nf.option + ": " + nf.path + ": " + e);
  }

  rt.dnnrtSetStream(nullptr);
  rt.dnnrtStreamDestroy(stream);
  for (Tensor &t : tensors)
    if (t.device)
      rt.dnnrtFree(t.device);
  rt.dnnrtFree(weightsDevice);
  checkRuntime("releasing device memory");

  // The report.
  uint64_t failed = 0;
  for (auto &c : checks)
    failed += !c.second.pass();
  int exitCode = failed ? kExitMismatch : kExitOk;

  double minMs = 0, medianMs = 0, meanMs = 0;
  if (!times.empty()) {
    std::vector<double> sorted = times;
    std::sort(sorted.begin(), sorted.end());
    minMs = sorted.front();
    size_t n = sorted.size();
    medianMs = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    for (double t : times)
      meanMs += t;
    meanMs /= double(n);
  }

  std::fprintf(report, "model: %s (entry %s, target %s %s)\n", o.model.c_str(),
               m.entry.c_str(), m.gpuName.c_str(), m.chip.c_str());
  std::fprintf(report, "device: %s (compute capability %d.%d)\n", deviceName,
               ccMajor, ccMinor);
  std::fprintf(report, "weights: %s\n", weightsSource.c_str());
  for (const Tensor &t : tensors) {
    if (t.arg->kind != ArgKind::Input)
      continue;
    std::string from = t.source.empty()
                           ? "random (seed " + std::to_string(o.seed) + ")"
                           : "from " + t.source;
    std::fprintf(report, "input %s: %s %s %s\n", t.arg->name.c_str(),
                 dtypeName(t.arg->dtype), manifestShape(t.arg->shape).c_str(),
                 from.c_str());
  }
  std::fprintf(report, "launches: %llu per run (the manifest lists %zu "
                       "kernels)\n",
               (unsigned long long)launches, m.kernels.size());
  for (const Tensor &t : tensors) {
    if (t.arg->kind != ArgKind::Output)
      continue;
    const Arg &a = *t.arg;
    std::fprintf(report, "output %s: %s %s: ", a.name.c_str(),
                 dtypeName(a.dtype), manifestShape(a.shape).c_str());
    auto it = checks.find(a.index);
    if (it == checks.end()) {
      std::fprintf(report, "not checked\n");
      continue;
    }
    const CheckResult &r = it->second;
    std::string stats = format(
        "max_abs %s, max_rel %s; rtol %g, atol %g", fmtValue(r.maxAbs).c_str(),
        fmtValue(r.maxRel).c_str(), r.tol.rtol, r.tol.atol);
    if (r.pass())
      std::fprintf(report, "ok (%s)\n", stats.c_str());
    else
      std::fprintf(report,
                   "MISMATCH: %llu of %llu elements (%s); first at %s: got "
                   "%s, expected %s\n",
                   (unsigned long long)r.mismatches,
                   (unsigned long long)a.elements, stats.c_str(),
                   multiIndex(a.shape, r.firstIndex).c_str(),
                   fmtValue(r.firstGot).c_str(), fmtValue(r.firstRef).c_str());
  }
  if (!times.empty())
    std::fprintf(report,
                 "timing: %zu runs after %llu warm-up: min %.4f ms, median "
                 "%.4f ms, mean %.4f ms\n",
                 times.size(), (unsigned long long)o.warmup, minMs, medianMs,
                 meanMs);
  if (checks.empty())
    std::fprintf(report, "result: ok (no references)\n");
  else if (failed)
    std::fprintf(report, "result: FAIL (%llu of %zu checked outputs "
                         "mismatch)\n",
                 (unsigned long long)failed, checks.size());
  else
    std::fprintf(report, "result: PASS (%zu checked outputs)\n",
                 checks.size());
  std::fflush(report);

  if (!o.json.empty()) {
    std::string j = "{\n";
    j += "  \"model\": " + jsonString(o.model) + ",\n";
    j += "  \"entry\": " + jsonString(m.entry) + ",\n";
    j += "  \"target\": {\"gpu\": " + jsonString(m.gpuName) +
         ", \"chip\": " + jsonString(m.chip) +
         ", \"format\": " + jsonString(m.binaryFormat) + "},\n";
    j += "  \"device\": {\"name\": " + jsonString(deviceName) +
         ", \"cc\": " + jsonString(format("%d.%d", ccMajor, ccMinor)) + "},\n";
    j += "  \"weights\": " +
         (o.haveRandomWeights
              ? "{\"random_seed\": " + std::to_string(o.weightSeed) + "}"
              : "{\"file\": " +
                    (m.weightsBytes == 0 && o.weights.empty()
                         ? std::string("null")
                         : jsonString(weightsSource)) +
                    "}") +
         ",\n";
    j += "  \"inputs\": [";
    bool first = true;
    for (const Tensor &t : tensors) {
      if (t.arg->kind != ArgKind::Input)
        continue;
      j += first ? "\n" : ",\n";
      first = false;
      j += "    {\"name\": " + jsonString(t.arg->name) +
           ", \"dtype\": " + jsonString(dtypeName(t.arg->dtype)) +
           ", \"shape\": " + jsonShape(t.arg->shape) + ", \"file\": " +
           (t.source.empty() ? "null" : jsonString(t.source)) +
           ", \"random_seed\": " +
           (t.source.empty() ? std::to_string(o.seed) : "null") + "}";
    }
    j += first ? "],\n" : "\n  ],\n";
    j += "  \"launches_per_run\": " + std::to_string(launches) + ",\n";
    j += "  \"outputs\": [";
    first = true;
    for (const Tensor &t : tensors) {
      if (t.arg->kind != ArgKind::Output)
        continue;
      j += first ? "\n" : ",\n";
      first = false;
      const Arg &a = *t.arg;
      j += "    {\"name\": " + jsonString(a.name) +
           ", \"dtype\": " + jsonString(dtypeName(a.dtype)) +
           ", \"shape\": " + jsonShape(a.shape) + ", \"check\": ";
      auto it = checks.find(a.index);
      if (it == checks.end()) {
        j += "null}";
        continue;
      }
      const CheckResult &r = it->second;
      j += "{\"reference\": " + jsonString(r.reference) +
           ", \"rtol\": " + jsonNumber(r.tol.rtol) +
           ", \"atol\": " + jsonNumber(r.tol.atol) +
           ", \"elements\": " + std::to_string(a.elements) +
           ", \"mismatches\": " + std::to_string(r.mismatches) +
           ", \"max_abs\": " + jsonNumber(r.maxAbs) +
           ", \"max_rel\": " + jsonNumber(r.maxRel) +
           ", \"pass\": " + (r.pass() ? "true" : "false") + "}}";
    }
    j += first ? "],\n" : "\n  ],\n";
    if (times.empty()) {
      j += "  \"timing\": null,\n";
    } else {
      j += "  \"timing\": {\"warmup\": " + std::to_string(o.warmup) +
           ", \"runs\": " + std::to_string(times.size()) + ", \"ms\": [";
      for (size_t i = 0; i < times.size(); ++i)
        j += (i ? ", " : "") + jsonNumber(times[i]);
      j += "], \"min_ms\": " + jsonNumber(minMs) +
           ", \"median_ms\": " + jsonNumber(medianMs) +
           ", \"mean_ms\": " + jsonNumber(meanMs) + "},\n";
    }
    j += std::string("  \"pass\": ") + (failed ? "false" : "true") + ",\n";
    j += "  \"exit_code\": " + std::to_string(exitCode) + "\n}\n";
    if (!writeText(o.json, j))
      usageError("--json " + o.json + ": cannot write: " +
                 std::strerror(errno));
  }
  return exitCode;
}

} // namespace

int main(int argc, char **argv) { return run(argc, argv); }
