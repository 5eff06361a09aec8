//===- InputChecks.cpp - checks on input text before MLIR parses it -------===//

#include "dnn/Support/InputChecks.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SourceMgr.h"

using namespace mlir;

LogicalResult dnn::checkParserHazards(llvm::SourceMgr &sourceMgr) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  StringRef text = buffer->getBuffer();
  size_t section = text.find("dialect_resources");
  if (section == StringRef::npos)
    return success();
  bool ok = true;
  // Every hex blob after the marker: "0x" then the alignment as 4
  // little-endian bytes (8 hex digits), then the data.
  for (size_t at = text.find("\"0x", section); at != StringRef::npos;
       at = text.find("\"0x", at + 3)) {
    StringRef digits = text.substr(at + 3, 8);
    if (digits.size() < 8 || !llvm::all_of(digits, llvm::isHexDigit))
      continue; // malformed: the parser reports it itself
    if (digits != "00000000")
      continue;
    sourceMgr.PrintMessage(
        llvm::SMLoc::getFromPointer(text.data() + at), llvm::SourceMgr::DK_Error,
        "resource blob with alignment 0: its first 4 bytes are the "
        "alignment, a power of two in little-endian order (e.g. 0x04000000)");
    ok = false;
  }
  return success(ok);
}
