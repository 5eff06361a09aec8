//===- Npy.cpp - NumPy .npy files for dnn-run ----------------------------===//
//
// Format reference: numpy/lib/format.py. The header dict is parsed with a
// small recursive-descent parser of the Python literals it may contain
// (dicts, tuples, lists, strings, integers, True/False/None).
//
//===----------------------------------------------------------------------===//

#include "Npy.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SwapByteOrder.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <memory>

using namespace llvm;
using namespace dnn_run;

static constexpr StringLiteral kMagic("\x93NUMPY");

//===----------------------------------------------------------------------===//
// NpyArray
//===----------------------------------------------------------------------===//

int64_t NpyArray::getNumElements() const {
  int64_t n = 1;
  for (int64_t d : shape)
    n *= d;
  return n;
}

std::string NpyArray::getTypeName() const {
  switch (kind) {
  case 'f':
    return "float" + std::to_string(itemSize * 8);
  case 'i':
    return "int" + std::to_string(itemSize * 8);
  case 'u':
    return "uint" + std::to_string(itemSize * 8);
  case 'c':
    return "complex" + std::to_string(itemSize * 8);
  case 'b':
    return "bool";
  default:
    return std::string("'") + kind + std::to_string(itemSize) + "'";
  }
}

std::string NpyArray::describe() const {
  return getTypeName() + " array of shape " + formatNpyShape(shape);
}

std::string dnn_run::formatNpyShape(ArrayRef<int64_t> shape) {
  std::string s = "(";
  for (auto [i, d] : llvm::enumerate(shape)) {
    if (i)
      s += ", ";
    s += std::to_string(d);
  }
  if (shape.size() == 1)
    s += ",";
  return s + ")";
}

//===----------------------------------------------------------------------===//
// Header dict parser
//===----------------------------------------------------------------------===//

namespace {

/// A Python literal of an .npy header.
struct PyValue {
  enum class Kind { Dict, Sequence, String, Int, Bool, None } kind;
  std::string str;
  int64_t integer = 0;
  bool boolean = false;
  std::vector<PyValue> elements;
  std::map<std::string, PyValue> dict;
};

class HeaderParser {
public:
  explicit HeaderParser(StringRef text) : text(text) {}

  Expected<PyValue> parseTop() {
    Expected<PyValue> v = parseValue(0);
    if (!v)
      return v.takeError();
    skipSpace();
    if (pos != text.size())
      return error("unexpected text after the dict");
    return v;
  }

private:
  Error error(const Twine &msg) {
    return createStringError(inconvertibleErrorCode(),
                             "malformed header: " + msg + " at offset " +
                                 Twine(pos) + " of '" + text.trim() + "'");
  }

  void skipSpace() {
    while (pos < text.size() && isSpace(text[pos]))
      ++pos;
  }

  bool consume(char c) {
    skipSpace();
    if (pos < text.size() && text[pos] == c) {
      ++pos;
      return true;
    }
    return false;
  }

  Expected<PyValue> parseValue(unsigned depth) {
    if (depth > 16)
      return error("nesting too deep");
    skipSpace();
    if (pos >= text.size())
      return error("unexpected end");
    char c = text[pos];
    if (c == '{')
      return parseDict(depth);
    if (c == '(' || c == '[')
      return parseSequence(depth, c == '(' ? ')' : ']');
    if (c == '\'' || c == '"')
      return parseString();
    if (isDigit(c) || c == '-' || c == '+')
      return parseInt();
    for (StringRef word : {"True", "False", "None"}) {
      if (text.substr(pos).starts_with(word)) {
        pos += word.size();
        PyValue v;
        v.kind = word == "None" ? PyValue::Kind::None : PyValue::Kind::Bool;
        v.boolean = word == "True";
        return v;
      }
    }
    return error("unexpected character '" + Twine(c) + "'");
  }

  Expected<PyValue> parseDict(unsigned depth) {
    ++pos; // '{'
    PyValue v;
    v.kind = PyValue::Kind::Dict;
    while (!consume('}')) {
      Expected<PyValue> key = parseValue(depth + 1);
      if (!key)
        return key.takeError();
      if (key->kind != PyValue::Kind::String)
        return error("dict key is not a string");
      if (!consume(':'))
        return error("expected ':'");
      Expected<PyValue> value = parseValue(depth + 1);
      if (!value)
        return value.takeError();
      v.dict[key->str] = std::move(*value);
      if (!consume(',')) {
        if (!consume('}'))
          return error("expected ',' or '}'");
        break;
      }
    }
    return v;
  }

  Expected<PyValue> parseSequence(unsigned depth, char close) {
    ++pos; // '(' or '['
    PyValue v;
    v.kind = PyValue::Kind::Sequence;
    while (!consume(close)) {
      Expected<PyValue> element = parseValue(depth + 1);
      if (!element)
        return element.takeError();
      v.elements.push_back(std::move(*element));
      if (!consume(',')) {
        if (!consume(close))
          return error(Twine("expected ',' or '") + Twine(close) + "'");
        break;
      }
    }
    return v;
  }

  Expected<PyValue> parseString() {
    char quote = text[pos++];
    PyValue v;
    v.kind = PyValue::Kind::String;
    while (pos < text.size() && text[pos] != quote) {
      if (text[pos] == '\\')
        return error("escape sequences are not supported");
      v.str += text[pos++];
    }
    if (pos >= text.size())
      return error("unterminated string");
    ++pos;
    return v;
  }

  Expected<PyValue> parseInt() {
    size_t start = pos;
    if (text[pos] == '-' || text[pos] == '+')
      ++pos;
    while (pos < text.size() && isDigit(text[pos]))
      ++pos;
    PyValue v;
    v.kind = PyValue::Kind::Int;
    if (text.slice(start, pos).getAsInteger(10, v.integer))
      return error("bad integer");
    // Python 2 long literals ("3L") appear in old files.
    if (pos < text.size() && text[pos] == 'L')
      ++pos;
    return v;
  }

  StringRef text;
  size_t pos = 0;
};

} // namespace

//===----------------------------------------------------------------------===//
// Reading
//===----------------------------------------------------------------------===//

static Error npyError(const Twine &msg) {
  return createStringError(inconvertibleErrorCode(), msg);
}

Expected<NpyArray> dnn_run::parseNpy(StringRef buffer) {
  if (!buffer.starts_with(kMagic))
    return npyError("not an .npy file (no \\x93NUMPY magic string)");
  if (buffer.size() < kMagic.size() + 2)
    return npyError("truncated .npy file (no version)");
  unsigned major = static_cast<unsigned char>(buffer[6]);
  unsigned minor = static_cast<unsigned char>(buffer[7]);
  if (major < 1 || major > 3 || minor != 0)
    return npyError("unsupported .npy format version " + Twine(major) + "." +
                    Twine(minor) + " (1.0, 2.0 and 3.0 are supported)");
  size_t lenBytes = major == 1 ? 2 : 4;
  size_t prefix = 8 + lenBytes;
  if (buffer.size() < prefix)
    return npyError("truncated .npy file (no header length)");
  uint64_t headerLen =
      major == 1
          ? support::endian::read16le(buffer.data() + 8)
          : support::endian::read32le(buffer.data() + 8);
  if (buffer.size() - prefix < headerLen)
    return npyError("truncated .npy file (header of " + Twine(headerLen) +
                    " bytes, file has " + Twine(buffer.size()) + " bytes)");
  StringRef headerText = buffer.substr(prefix, headerLen);

  Expected<PyValue> header = HeaderParser(headerText).parseTop();
  if (!header)
    return header.takeError();
  if (header->kind != PyValue::Kind::Dict)
    return npyError("malformed header: not a dict");
  auto get = [&](StringRef key) -> const PyValue * {
    auto it = header->dict.find(key.str());
    return it == header->dict.end() ? nullptr : &it->second;
  };
  const PyValue *descr = get("descr");
  const PyValue *fortran = get("fortran_order");
  const PyValue *shapeValue = get("shape");
  if (!descr || !fortran || !shapeValue)
    return npyError("malformed header: it needs the keys 'descr', "
                    "'fortran_order' and 'shape'");

  NpyArray array;
  // descr: "<f4", "|b1", "=f8", ... (a list describes a structured dtype).
  if (descr->kind != PyValue::Kind::String)
    return npyError("structured arrays are not supported");
  StringRef d = descr->str;
  char byteOrder = '=';
  if (!d.empty() && StringRef("<>|=").contains(d.front())) {
    byteOrder = d.front();
    d = d.drop_front();
  }
  if (d.size() < 2 || !isAlpha(d.front()) ||
      d.drop_front().getAsInteger(10, array.itemSize) || array.itemSize == 0 ||
      array.itemSize > 16)
    return npyError("unsupported dtype '" + descr->str + "'");
  array.kind = d.front();
  if (array.itemSize > 1) {
    char foreign = sys::IsLittleEndianHost ? '>' : '<';
    if (byteOrder == foreign)
      return npyError(
          Twine(sys::IsLittleEndianHost ? "big" : "little") +
          "-endian arrays are not supported (dtype '" + descr->str +
          "'); convert with arr.astype(arr.dtype.newbyteorder('='))");
  }

  if (fortran->kind != PyValue::Kind::Bool)
    return npyError("malformed header: 'fortran_order' is not True or False");
  if (fortran->boolean)
    return npyError("Fortran-order arrays are not supported; save a C-order "
                    "array (np.ascontiguousarray)");

  if (shapeValue->kind != PyValue::Kind::Sequence)
    return npyError("malformed header: 'shape' is not a tuple");
  uint64_t numElements = 1;
  for (const PyValue &dim : shapeValue->elements) {
    if (dim.kind != PyValue::Kind::Int || dim.integer < 0)
      return npyError("malformed header: 'shape' must hold non-negative "
                      "integers");
    array.shape.push_back(dim.integer);
    bool overflow = false;
    numElements = SaturatingMultiply<uint64_t>(numElements, dim.integer,
                                               &overflow);
    if (overflow || numElements > (uint64_t(1) << 48))
      return npyError("array of shape " + formatNpyShape(array.shape) +
                      " is too large");
  }

  uint64_t dataBytes = numElements * array.itemSize;
  uint64_t available = buffer.size() - prefix - headerLen;
  if (available < dataBytes)
    return npyError("truncated .npy file: " + array.describe() + " needs " +
                    Twine(dataBytes) + " bytes of data, the file has " +
                    Twine(available));
  if (available > dataBytes)
    return npyError("corrupt .npy file: " + Twine(available - dataBytes) +
                    " bytes after the data of the " + array.describe());
  StringRef data = buffer.substr(prefix + headerLen);
  array.data.assign(data.begin(), data.end());
  return array;
}

Expected<NpyArray> dnn_run::readNpy(StringRef path) {
  ErrorOr<std::unique_ptr<MemoryBuffer>> file =
      MemoryBuffer::getFile(path, /*IsText=*/false,
                            /*RequiresNullTerminator=*/false);
  if (!file)
    return npyError("cannot read the file: " + file.getError().message());
  return parseNpy((*file)->getBuffer());
}

//===----------------------------------------------------------------------===//
// Writing
//===----------------------------------------------------------------------===//

Error dnn_run::writeNpy(StringRef path, char kind, unsigned itemSize,
                        ArrayRef<int64_t> shape, ArrayRef<char> data) {
  char byteOrder = itemSize == 1 ? '|' : (sys::IsLittleEndianHost ? '<' : '>');
  std::string dict = std::string("{'descr': '") + byteOrder + kind +
                     std::to_string(itemSize) +
                     "', 'fortran_order': False, 'shape': " +
                     formatNpyShape(shape) + ", }";
  // Version 1.0 when the header length fits 16 bits, else 2.0. The data
  // starts at a multiple of 64 bytes; the header ends with '\n'.
  unsigned major = dict.size() + 12 + 64 < 65536 ? 1 : 2;
  size_t prefix = major == 1 ? 10 : 12;
  size_t total = alignTo(prefix + dict.size() + 1, 64);
  std::string header = dict;
  header.append(total - prefix - dict.size() - 1, ' ');
  header += '\n';

  std::error_code ec;
  raw_fd_ostream os(path, ec, sys::fs::OF_None);
  if (ec)
    return npyError("cannot write '" + path + "': " + ec.message());
  os << kMagic;
  os << static_cast<char>(major) << '\0';
  char len[4];
  if (major == 1)
    support::endian::write16le(len, header.size());
  else
    support::endian::write32le(len, header.size());
  os.write(len, major == 1 ? 2 : 4);
  os << header;
  os.write(data.data(), data.size());
  os.close();
  if (os.has_error()) {
    ec = os.error();
    os.clear_error();
    return npyError("cannot write '" + path + "': " + ec.message());
  }
  return Error::success();
}
