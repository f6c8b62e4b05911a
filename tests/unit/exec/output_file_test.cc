#include "runner/exec/output_file.h"

#include <catch2/catch_test_macros.hpp>

using taskr::ParseOutputFile;

TEST_CASE("$TASKR_OUTPUT reads key=value and heredoc entries like $GITHUB_OUTPUT", "[outputs]") {
  auto r = ParseOutputFile(
      "ref=registry/api@sha256:1\n\nurl=https://x?a=b\nnotes<<EOF\nline 1\nline "
      "2\nEOF\nref=again\n");
  REQUIRE(r.ok());
  CHECK(r->at("ref").as_string() == "again");
  CHECK(r->at("url").as_string() == "https://x?a=b");
  CHECK(r->at("notes").as_string() == "line 1\nline 2");
  CHECK(ParseOutputFile("").ok());
}

TEST_CASE("a malformed $TASKR_OUTPUT names the line", "[outputs]") {
  CHECK(ParseOutputFile("a=1\njust words\n").status().message() ==
        "$TASKR_OUTPUT line 2: expected NAME=value or NAME<<DELIMITER, got 'just words'");
  CHECK(ParseOutputFile("notes<<EOF\nunterminated\n").status().message() ==
        "$TASKR_OUTPUT line 1: no line 'EOF' ends the value of notes");
  CHECK(ParseOutputFile("=x\n").status().message() ==
        "$TASKR_OUTPUT line 1: expected NAME=value or NAME<<DELIMITER, got '=x'");
}
