//===- InputChecks.cpp - checks on input text before MLIR parses it -------===//

#include "dnn/Support/InputChecks.h"

#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/raw_ostream.h"

using namespace mlir;

/// Reports an error at `at` as file:line:col without echoing the source line,
/// which may be megabytes long in hostile input.
static void report(llvm::SourceMgr &sourceMgr, llvm::raw_ostream &errs,
                   const char *at, const llvm::Twine &message) {
  auto [line, column] =
      sourceMgr.getLineAndColumn(llvm::SMLoc::getFromPointer(at));
  errs << sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID())
              ->getBufferIdentifier()
       << ":" << line << ":" << column << ": error: " << message << "\n";
}

/// The brackets ((), [], {}, <>) nest at most kMaxNesting deep outside
/// strings and comments (the '>' of '->' closes nothing): the parser
/// recurses on each level and overflows its stack after a few thousand.
static LogicalResult checkNesting(llvm::SourceMgr &sourceMgr,
                                  llvm::raw_ostream &errs, StringRef text) {
  unsigned depth = 0;
  for (size_t i = 0, e = text.size(); i < e; ++i) {
    char c = text[i];
    if (c == '"') { // A string: up to the closing quote or the line's end.
      for (++i; i < e && text[i] != '"' && text[i] != '\n'; ++i)
        if (text[i] == '\\')
          ++i;
    } else if (c == '/' && i + 1 < e && text[i + 1] == '/') { // A comment.
      while (i < e && text[i] != '\n')
        ++i;
    } else if (c == '(' || c == '[' || c == '{' || c == '<') {
      if (++depth > dnn::kMaxNesting) {
        report(sourceMgr, errs, text.data() + i,
               "brackets nest more than " + llvm::Twine(dnn::kMaxNesting) +
                   " levels deep here; such a module is not parsed (the MLIR "
                   "parser would overflow its stack)");
        return failure();
      }
    } else if (c == ')' || c == ']' || c == '}' ||
               (c == '>' && (i == 0 || text[i - 1] != '-'))) {
      if (depth)
        --depth;
    }
  }
  return success();
}

LogicalResult dnn::checkParserHazards(llvm::SourceMgr &sourceMgr,
                                      llvm::raw_ostream &errs) {
  const llvm::MemoryBuffer *buffer =
      sourceMgr.getMemoryBuffer(sourceMgr.getMainFileID());
  StringRef text = buffer->getBuffer();
  if (failed(checkNesting(sourceMgr, errs, text)))
    return failure();
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
    report(sourceMgr, errs, text.data() + at,
           "resource blob with alignment 0: its first 4 bytes are the "
           "alignment, a power of two in little-endian order (e.g. "
           "0x04000000)");
    ok = false;
  }
  return success(ok);
}
