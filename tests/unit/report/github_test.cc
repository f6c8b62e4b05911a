#include "runner/report/github.h"

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

using Catch::Matchers::StartsWith;

namespace taskr {
namespace {

TEST_CASE("workflow command data and properties are escaped by GitHub's rules", "[github]") {
  // % first, so an escape is never escaped twice.
  CHECK(EscapeData("100%\r\ndone: a,b") == "100%25%0D%0Adone: a,b");
  CHECK(EscapeProperty("src/a,b:c.go%") == "src/a%2Cb%3Ac.go%25");
  CHECK(EscapeData("%0A") == "%250A");
}

TEST_CASE("an annotation carries file, line, column and title, and is cut at 4096", "[github]") {
  CHECK(FormatAnnotation({"error", "src/a.c", 12, 5, "CVE-1: bad", "line one\nline two"}) ==
        "::error file=src/a.c,line=12,col=5,title=CVE-1%3A bad::line one%0Aline two\n");
  // A column without a line means nothing to GitHub; a file alone is fine.
  CHECK(FormatAnnotation({"warning", "a.c", 0, 7, "", "m"}) == "::warning file=a.c::m\n");
  CHECK(FormatAnnotation({"notice", "", 3, 0, "t", "m"}) == "::notice title=t::m\n");
  std::string big = FormatAnnotation({"error", "", 0, 0, "", std::string(5000, 'x')});
  CHECK(big.size() == std::string("::error::").size() + 4096 + 1);
  CHECK(big.substr(big.size() - 4) == "...\n");
}

TEST_CASE("outputs use the heredoc form with a delimiter found in no value", "[github]") {
  std::string text = FormatOutputs({{"version", "1.2.3"}, {"notes", "a\nb"}});
  std::string first = text.substr(0, text.find('\n'));
  REQUIRE_THAT(first, StartsWith("version<<ghadelimiter_"));
  std::string delimiter = first.substr(9);
  CHECK(delimiter.size() == 13 + 32);
  CHECK(text == "version<<" + delimiter + "\n1.2.3\n" + delimiter + "\nnotes<<" + delimiter +
                    "\na\nb\n" + delimiter + "\n");
  CHECK(FormatOutputs({{"a", "x"}}) != FormatOutputs({{"a", "x"}}));  // random per call
}

TEST_CASE("masks list every secret and each line of a multi-line one", "[github]") {
  SecretMasker masker(std::vector<std::string>{"tok%en", "line-one\nline-two"});
  CHECK(MaskCommands(masker) ==
        "::add-mask::line-one%0Aline-two\n::add-mask::line-one\n::add-mask::line-two\n"
        "::add-mask::tok%25en\n");
}

}  // namespace
}  // namespace taskr
