#include "runner/base/secret_masker.h"

#include <catch2/catch_test_macros.hpp>

namespace taskr {
namespace {

std::string ByteByByte(const SecretMasker& masker, std::string_view text) {
  SecretMasker::Stream stream(masker);
  std::string out;
  for (char c : text) out += stream.Write(std::string_view(&c, 1));
  return out + stream.Flush();
}

TEST_CASE("a secret is masked wherever it appears") {
  SecretMasker m({"hunter2"});
  CHECK(m.Mask("pw=hunter2 and hunter2") == "pw=*** and ***");
  CHECK(m.Mask("nothing here") == "nothing here");
}

TEST_CASE("a secret written one byte at a time is still masked") {
  SecretMasker m({"s3cr3t-value"});
  CHECK(ByteByByte(m, "token: s3cr3t-value\n") == "token: ***\n");
  CHECK(ByteByByte(m, "s3cr3t-valu") == "s3cr3t-valu");  // a near miss comes out whole
}

TEST_CASE("a stream holds back only a tail that could begin a secret") {
  SecretMasker m({"abcdef"});
  SecretMasker::Stream s(m);
  CHECK(s.Write("hello ab") == "hello ");
  CHECK(s.Write("x") == "abx");
  CHECK(s.Write("abcd") == "");
  CHECK(s.Write("ef!") == "***!");
  CHECK(s.Flush() == "");
}

TEST_CASE("a secret split across writes at every position is masked") {
  SecretMasker m({"p@ss:word"});
  std::string text = "user p@ss:word end";
  for (size_t cut = 0; cut <= text.size(); ++cut) {
    SecretMasker::Stream s(m);
    std::string out = s.Write(text.substr(0, cut));
    out += s.Write(text.substr(cut));
    out += s.Flush();
    CHECK(out == "user *** end");
  }
}

TEST_CASE("each line of a multi-line secret is masked on its own") {
  SecretMasker m({"-----BEGIN KEY-----\nMIIEvQIBADANBg\n-----END KEY-----"});
  CHECK(m.Mask("key:\n-----BEGIN KEY-----\nMIIEvQIBADANBg\n-----END KEY-----\n") == "key:\n***\n");
  CHECK(m.Mask("the middle: MIIEvQIBADANBg") == "the middle: ***");
  CHECK(ByteByByte(m, "line MIIEvQIBADANBg\n") == "line ***\n");
}

TEST_CASE("short lines of a multi-line secret are not masked alone") {
  SecretMasker m({"{\n\"k\": \"long-secret-value\"\n}"});
  CHECK(m.Mask("{ }") == "{ }");
  CHECK(m.Mask("\"k\": \"long-secret-value\"") == "***");
}

TEST_CASE("with no secrets nothing is held back") {
  SecretMasker m(std::vector<std::string>{});
  SecretMasker::Stream s(m);
  CHECK(s.Write("abc") == "abc");
}

}  // namespace
}  // namespace taskr
