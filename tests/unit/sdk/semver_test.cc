#include <taskr/semver.hpp>

#include <catch2/catch_test_macros.hpp>
#include <string>
#include <vector>

using taskr::sdk::SemVer;

namespace {

SemVer V(const char* text, SemVer::Mode mode = SemVer::Mode::kStrict) {
  std::optional<SemVer> v = SemVer::Parse(text, mode);
  INFO(text);
  REQUIRE(v.has_value());
  return *v;
}

bool Valid(const char* text, SemVer::Mode mode = SemVer::Mode::kStrict) {
  return SemVer::Parse(text, mode).has_value();
}

}  // namespace

TEST_CASE("SemVer::Parse reads the parts of a version", "[sdk][semver]") {
  SemVer v = V("1.22.333-rc.1.x-y+build.007");
  CHECK(v.major == 1);
  CHECK(v.minor == 22);
  CHECK(v.patch == 333);
  CHECK(v.prerelease == std::vector<std::string>{"rc", "1", "x-y"});
  CHECK(v.build == std::vector<std::string>{"build", "007"});
  CHECK(v.is_prerelease());
  CHECK(v.ToString() == "1.22.333-rc.1.x-y+build.007");
  CHECK(v.ToStringWithoutBuild() == "1.22.333-rc.1.x-y");

  SemVer release = V("0.0.0");
  CHECK_FALSE(release.is_prerelease());
  CHECK(release.ToString() == "0.0.0");
  CHECK(V("1.0.0+20130313144700").ToString() == "1.0.0+20130313144700");
  CHECK(V("18446744073709551615.0.0").major == UINT64_MAX);
}

TEST_CASE("SemVer::Parse rejects what semver.org 2.0.0 does not allow", "[sdk][semver]") {
  std::vector<std::vector<const char*>> not_versions = {
      {"1", "1.2", "1.2.3.4", "a.b.c", "1.-2.3", "-1.2.3", ""},  // not three numbers
      {"01.2.3", "1.02.3", "1.2.03", "1.2.3-01"},                // leading zeros
      {"1.2.3-", "1.2.3+", "1.2.3-rc..1", "1.2.3+b..1"},         // empty identifiers
      {"1.2.3-rc_1", "1.2.3+b!", "1.2.3beta"},                   // other characters
      {" 1.2.3", "1.2.3 ", "v1.2.3", "=1.2.3"},                  // loose mode only
      {"18446744073709551616.0.0"},                              // beyond 64 bits
  };
  for (const auto& group : not_versions) {
    for (const char* bad : group) {
      INFO(bad);
      CHECK_FALSE(Valid(bad));
    }
  }
  // Leading zeros are fine in alphanumeric pre-release and in build identifiers.
  CHECK(Valid("1.2.3-0a"));
  CHECK(Valid("1.2.3+001"));
  CHECK(Valid("1.2.3-0"));
}

TEST_CASE("SemVer::Parse in loose mode accepts a leading v or = and spaces, nothing else",
          "[sdk][semver]") {
  using Mode = SemVer::Mode;
  CHECK(V("v1.2.3", Mode::kLoose).ToString() == "1.2.3");
  CHECK(V("=1.2.3", Mode::kLoose).ToString() == "1.2.3");
  CHECK(V("  v=v1.2.3-rc.1  ", Mode::kLoose).ToString() == "1.2.3-rc.1");
  CHECK(V("1.2.3", Mode::kLoose).ToString() == "1.2.3");
  for (const char* bad : {"V1.2.3", "v01.2.3", "v1.2.3beta", "v1.2", "x1.2.3", "v", ""}) {
    INFO(bad);
    CHECK_FALSE(Valid(bad, Mode::kLoose));
  }
}

TEST_CASE("SemVer orders versions by semver.org precedence", "[sdk][semver]") {
  // The example order of semver.org §11.4, then releases.
  std::vector<const char*> ordered = {
      "1.0.0-alpha",  "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta",
      "1.0.0-beta.2", "1.0.0-beta.11", "1.0.0-rc.1",       "1.0.0",
      "1.0.1",        "1.1.0",         "1.10.0",           "2.0.0-0",
      "2.0.0",        "10.0.0",
  };
  for (size_t i = 0; i + 1 < ordered.size(); ++i) {
    INFO(ordered[i] << " < " << ordered[i + 1]);
    CHECK(V(ordered[i]) < V(ordered[i + 1]));
    CHECK(V(ordered[i + 1]) > V(ordered[i]));
    CHECK(SemVer::Compare(V(ordered[i]), V(ordered[i + 1])) < 0);
  }
  // Numeric identifiers compare by value at any length, below alphanumeric ones.
  CHECK(V("1.0.0-99999999999999999999998") < V("1.0.0-99999999999999999999999"));
  CHECK(V("1.0.0-999") < V("1.0.0-a"));
  // Build metadata plays no part.
  CHECK(V("1.0.0+a") == V("1.0.0+b"));
  CHECK_FALSE(V("1.0.0+a") < V("1.0.0+b"));
  CHECK(V("1.0.0-rc.1+x") <= V("1.0.0-rc.1"));
  CHECK(V("1.0.0") != V("1.0.0-rc.1"));
  CHECK(V("1.0.0") >= V("1.0.0-rc.1"));
}
