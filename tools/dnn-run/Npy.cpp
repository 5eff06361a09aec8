//===- Npy.cpp - NumPy .npy files for dnn-run ----------------------------===//
//
// Format reference: numpy/lib/format.py. The header dict is parsed with a
// small recursive-descent parser of the Python literals it may contain
// (dicts, tuples, lists, strings, integers, True/False/None).
//
//===----------------------------------------------------------------------===//

#include "Npy.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/SwapByteOrder.h"
#include "llvm/Support/raw_ostream.h"

#include <map>
#include <memory>
#include <vector>

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
                                 Twine(pos) + " of '" + quote(text.trim()) +
                                 "'");
  }

  /// `s` for a message: at most 200 characters, and printable (other bytes
  /// as \xNN).
  static std::string quote(StringRef s) {
    std::string out;
    for (char c : s.take_front(200)) {
      if (isPrint(c)) {
        out += c;
      } else {
        out += "\\x";
        out += hexdigit((c >> 4) & 0xf, /*LowerCase=*/true);
        out += hexdigit(c & 0xf, /*LowerCase=*/true);
      }
    }
    if (s.size() > 200)
      out += "...";
    return out;
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
    return error("unexpected character '" + quote(StringRef(&c, 1)) + "'");
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

/// The longest header dnn-run reads (NumPy itself refuses more than 10000
/// bytes unless told otherwise).
static constexpr uint64_t kMaxHeaderBytes = uint64_t(1) << 20;

/// At most this many elements in an array, whatever the file's size: more
/// than any host holds, and their bytes cannot overflow.
static constexpr uint64_t kMaxElements = uint64_t(1) << 48;

/// Checks the header `headerText` (the dict) of a file of `fileSize` bytes
/// whose data starts at `dataOffset`; returns the array without its data.
static Expected<NpyArray> parseHeader(StringRef headerText, uint64_t fileSize,
                                      uint64_t dataOffset) {
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
  // Numbers, bools and raw bytes ('V': how bfloat16 travels) only: object
  // arrays ('|O', pickles), strings, datetimes are not read.
  if (d.size() < 2 || !StringRef("fiucbVS").contains(d.front()) ||
      d.drop_front().getAsInteger(10, array.itemSize) || array.itemSize == 0 ||
      array.itemSize > 16)
    return npyError("unsupported dtype '" + descr->str +
                    "' (dnn-run reads arrays of numbers)");
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
    if (overflow || numElements > kMaxElements)
      return npyError("array of shape " + formatNpyShape(array.shape) +
                      " is too large");
  }

  // The data must fill the rest of the file exactly: this is checked on the
  // file's size, before anything is read.
  uint64_t dataBytes = numElements * array.itemSize;
  uint64_t available = fileSize - dataOffset;
  if (available < dataBytes)
    return npyError("truncated .npy file: " + array.describe() + " needs " +
                    Twine(dataBytes) + " bytes of data, the file has " +
                    Twine(available));
  if (available > dataBytes)
    return npyError("corrupt .npy file: " + Twine(available - dataBytes) +
                    " bytes after the data of the " + array.describe());
  return array;
}

/// What a file of `type` is, for a message.
static StringRef describeFileType(sys::fs::file_type type) {
  switch (type) {
  case sys::fs::file_type::directory_file:
    return "a directory";
  case sys::fs::file_type::fifo_file:
    return "a FIFO";
  case sys::fs::file_type::character_file:
    return "a character device";
  case sys::fs::file_type::block_file:
    return "a block device";
  case sys::fs::file_type::socket_file:
    return "a socket";
  default:
    return "not a regular file";
  }
}

Expected<NpyArray>
dnn_run::readNpy(StringRef path, function_ref<Error(const NpyArray &)> check) {
  // Regular files only: a FIFO would block, a device (/dev/zero) never end.
  sys::fs::file_status status;
  if (std::error_code ec = sys::fs::status(path, status))
    return npyError("cannot read the file: " + ec.message());
  if (status.type() != sys::fs::file_type::regular_file)
    return npyError("cannot read the file: it is " +
                    describeFileType(status.type()) +
                    ", not a regular .npy file");
  uint64_t fileSize = status.getSize();

  Expected<sys::fs::file_t> fd = sys::fs::openNativeFileForRead(path);
  if (!fd)
    return npyError("cannot read the file: " + toString(fd.takeError()));
  auto closeFile = make_scope_exit([&] { sys::fs::closeFile(*fd); });
  auto readSlice =
      [&](uint64_t size,
          uint64_t offset) -> Expected<std::unique_ptr<MemoryBuffer>> {
    ErrorOr<std::unique_ptr<MemoryBuffer>> slice =
        MemoryBuffer::getOpenFileSlice(*fd, path, size, offset);
    if (!slice)
      return npyError("cannot read the file: " + slice.getError().message());
    if ((*slice)->getBufferSize() != size)
      return npyError("cannot read the file: it changed while being read");
    return std::move(*slice);
  };

  // Magic string, version, header length.
  if (fileSize == 0)
    return npyError("not an .npy file (the file is empty)");
  Expected<std::unique_ptr<MemoryBuffer>> start =
      readSlice(std::min<uint64_t>(fileSize, 12), 0);
  if (!start)
    return start.takeError();
  StringRef prefixBytes = (*start)->getBuffer();
  if (!prefixBytes.starts_with(kMagic)) {
    if (StringRef(kMagic).starts_with(prefixBytes))
      return npyError("truncated .npy file (" + Twine(fileSize) +
                      " bytes, part of the magic string)");
    return npyError("not an .npy file (no \\x93NUMPY magic string)");
  }
  if (fileSize < kMagic.size() + 2)
    return npyError("truncated .npy file (no version)");
  unsigned major = static_cast<unsigned char>(prefixBytes[6]);
  unsigned minor = static_cast<unsigned char>(prefixBytes[7]);
  if (major < 1 || major > 3 || minor != 0)
    return npyError("unsupported .npy format version " + Twine(major) + "." +
                    Twine(minor) + " (1.0, 2.0 and 3.0 are supported)");
  size_t lenBytes = major == 1 ? 2 : 4;
  uint64_t prefix = 8 + lenBytes;
  if (fileSize < prefix)
    return npyError("truncated .npy file (no header length)");
  uint64_t headerLen =
      major == 1 ? support::endian::read16le(prefixBytes.data() + 8)
                 : support::endian::read32le(prefixBytes.data() + 8);
  if (fileSize - prefix < headerLen)
    return npyError("truncated .npy file (header of " + Twine(headerLen) +
                    " bytes, file has " + Twine(fileSize) + " bytes)");
  if (headerLen > kMaxHeaderBytes)
    return npyError("malformed header: " + Twine(headerLen) +
                    " bytes long, more than the " + Twine(kMaxHeaderBytes) +
                    " dnn-run reads");

  // The header, checked on its own and against the file's size.
  Expected<std::unique_ptr<MemoryBuffer>> headerBuffer =
      readSlice(headerLen, prefix);
  if (!headerBuffer)
    return headerBuffer.takeError();
  Expected<NpyArray> array =
      parseHeader((*headerBuffer)->getBuffer(), fileSize, prefix + headerLen);
  if (!array)
    return array.takeError();
  if (check)
    if (Error err = check(*array))
      return std::move(err);

  // The data (mapped where large).
  uint64_t dataBytes = fileSize - prefix - headerLen;
  if (dataBytes == 0)
    return array;
  Expected<std::unique_ptr<MemoryBuffer>> data =
      readSlice(dataBytes, prefix + headerLen);
  if (!data)
    return data.takeError();
  array->storage = std::move(*data);
  array->data = ArrayRef<char>(array->storage->getBufferStart(),
                               array->storage->getBufferSize());
  return array;
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
