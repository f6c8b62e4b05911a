#include "runner/report/fingerprint.h"

#include <catch2/catch_test_macros.hpp>

#include <string>
#include <vector>

namespace taskr {
namespace {

using Hashes = std::vector<std::string>;

/// Repeated is `text` `times` times over.
std::string Repeated(std::string_view text, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += text;
  return out;
}

// Expected values in the next four cases are from github/codeql-action
// src/fingerprints.test.ts, test "hash".

TEST_CASE("An empty file has one line hash", "[fingerprint]") {
  CHECK(LineHashes("") == Hashes{"c129715d7a2bc9a3:1"});
}

TEST_CASE("Line hashes match codeql-action for each kind of line ending", "[fingerprint]") {
  CHECK(LineHashes(" a\nb\n  \t\tc\n d") == Hashes{"271789c17abda88f:1", "54703d4cd895b18:1",
                                                   "180aee12dab6264:1", "a23a3dc5e078b07b:1"});
  CHECK(LineHashes(" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End") ==
        Hashes{"8b7cf3e952e7aeb2:1", "b1ae1287ec4718d9:1", "bff680108adb0fcc:1",
               "c6805c5e1288b612:1", "b86d3392aea1be30:1", "e6ceba753e1a442:1"});

  // Upstream expects the same seven hashes for all four spellings: the seventh is the
  // empty line after the final line ending.
  const Hashes with_final_newline = {
      "e9496ae3ebfced30:1", "fb7c023a8b9ccb3f:1", "ce8ba1a563dcdaca:1", "e20e36e16fcb0cc8:1",
      "b3edc88f2938467e:1", "c8e28b0b4002a3a0:1", "c129715d7a2bc9a3:1"};
  CHECK(LineHashes(" hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n") == with_final_newline);
  CHECK(LineHashes(" hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r") == with_final_newline);
  CHECK(LineHashes(" hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n") ==
        with_final_newline);
  CHECK(LineHashes(" hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n") == with_final_newline);
}

TEST_CASE("Identical line hashes are numbered in order", "[fingerprint]") {
  CHECK(LineHashes(Repeated("Lorem ipsum dolor sit amet.\n", 10)) ==
        Hashes{"a7f2ff13bc495cf2:1", "a7f2ff13bc495cf2:2", "a7f2ff13bc495cf2:3",
               "a7f2ff13bc495cf2:4", "a7f2ff13bc495cf2:5", "a7f2ff13bc495cf2:6",
               "a7f2ff1481e87703:1", "a9cf91f7bbf1862b:1", "55ec222b86bcae53:1",
               "cc97dc7b1d7d8f7b:1", "c129715d7a2bc9a3:1"});
}

TEST_CASE("Lines with the same text but different followers hash apart", "[fingerprint]") {
  CHECK(LineHashes("x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n") ==
        Hashes{"e54938cc54b302f1:1", "bb609acbe9138d60:1", "1131fd5871777f34:1",
               "5c482a0f8b35ea28:1", "54517377da7028d2:1", "2c644846cb18d53e:1",
               "f1b89f20de0d133:1", "c129715d7a2bc9a3:1"});
}

// From github/codeql-action src/testdata/: testFile1.js and testFile2.js, and the
// primaryLocationLineHash that fingerprinting.expected.sarif gives line 1 of the first
// and line 2 of the second.
TEST_CASE("Line hashes match codeql-action's SARIF fixtures", "[fingerprint]") {
  Hashes file1 = LineHashes("var a = 0;\nvar b = 0;\nvar c = 0;\nvar d = 0;\n");
  Hashes file2 = LineHashes("var foo = 0;\nvar bar = 0;\nvar baz = 0;\nvar qux = 0;\n");
  REQUIRE(file1.size() == 5);
  REQUIRE(file2.size() == 5);
  CHECK(file1[0] == "5e4d5a9cf1294ad9:1");
  CHECK(file2[1] == "f7592a95a9381ac0:1");
}

TEST_CASE("CRLF, CR and LF line endings give the same hashes", "[fingerprint]") {
  const std::string lf = "int main() {\n  return 0;\n}\n";
  Hashes expected = LineHashes(lf);
  REQUIRE(expected.size() == 4);
  CHECK(LineHashes("int main() {\r\n  return 0;\r\n}\r\n") == expected);
  CHECK(LineHashes("int main() {\r  return 0;\r}\r") == expected);
}

TEST_CASE("A blank between CR and LF makes two line endings", "[fingerprint]") {
  CHECK(LineHashes("a\r \nb") == LineHashes("a\n\nb"));
  CHECK(LineHashes("a\r \nb").size() == 3);
}

TEST_CASE("Spaces and tabs do not change a line's hash", "[fingerprint]") {
  CHECK(LineHashes("x = 1\n\tif (x) y();\n") == LineHashes("x=1\nif(x)y();\n"));
}

TEST_CASE("The repeat count is per hash across the whole file", "[fingerprint]") {
  // A line of 100 non-blank characters fills the window by itself, so its hash does not
  // depend on what follows: lines 1 and 3 repeat with "b" between them.
  const std::string full_window(100, 'a');
  Hashes hashes = LineHashes(full_window + "\nb\n" + full_window + "\nb\n");
  REQUIRE(hashes.size() == 5);
  std::string first = hashes[0].substr(0, hashes[0].find(':'));
  CHECK(hashes[0] == first + ":1");
  CHECK(hashes[1] != first + ":1");
  CHECK(hashes[2] == first + ":2");
  CHECK(hashes[1].ends_with(":1"));
  CHECK(hashes[3].ends_with(":1"));
}

TEST_CASE("Invalid UTF-8 hashes as the replacement character", "[fingerprint]") {
  CHECK(LineHashes("a\xff\nb") == LineHashes("a\xef\xbf\xbd\nb"));
  CHECK(LineHashes("a\xe2\x82\nb") == LineHashes("a\xef\xbf\xbd\nb"));
  CHECK(LineHashes("a\xe2\x82\nb") != LineHashes("a\xe2\x82\xac\nb"));
}

}  // namespace
}  // namespace taskr
