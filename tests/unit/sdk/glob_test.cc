#include <taskr/glob.hpp>

#include <catch2/catch_test_macros.hpp>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

using taskr::sdk::Glob;
namespace fs = std::filesystem;

namespace {

Glob G(const char* pattern) {
  std::string error;
  std::optional<Glob> g = Glob::Parse(pattern, &error);
  INFO(pattern << ": " << error);
  REQUIRE(g.has_value());
  return *g;
}

std::string ParseError(const char* pattern) {
  std::string error;
  return Glob::Parse(pattern, &error) ? "parsed" : error;
}

struct Tree {
  Tree() {
    std::string tmpl = (fs::temp_directory_path() / "taskr-glob-XXXXXX").string();
    root = mkdtemp(tmpl.data());
    for (const char* f : {"a.c", "b.h", "src/x.c", "src/y.cc", "src/deep/z.c", "src/deep/er/w.c",
                          ".hidden/h.c", "src/.dot.c", "docs/readme.md", "lit[1].txt"}) {
      fs::create_directories((root / f).parent_path());
      std::ofstream(root / f) << f;
    }
    fs::create_directory_symlink(root / "src", root / "loop-to-src");
  }
  ~Tree() { fs::remove_all(root); }
  fs::path root;
};

}  // namespace

TEST_CASE("globs match within one segment with * ? and classes", "[glob]") {
  CHECK(G("*.c").Match("a.c"));
  CHECK_FALSE(G("*.c").Match("src/x.c"));
  CHECK(G("src/?.c").Match("src/x.c"));
  CHECK_FALSE(G("src/?.c").Match("src/xy.c"));
  CHECK(G("src/[xy].c*").Match("src/y.cc"));
  CHECK(G("src/[a-x].c").Match("src/x.c"));
  CHECK_FALSE(G("src/[!x].c").Match("src/x.c"));
  CHECK(G("lit\\[1\\].txt").Match("lit[1].txt"));
  CHECK_FALSE(G("lit\\[1\\].txt").Match("lit1.txt"));
}

TEST_CASE("** matches any number of folders, including none", "[glob]") {
  CHECK(G("src/**/*.c").Match("src/x.c"));
  CHECK(G("src/**/*.c").Match("src/deep/er/w.c"));
  CHECK(G("**/*.c").Match("a.c"));
  CHECK(G("src/**").Match("src/deep/z.c"));
  CHECK_FALSE(G("src/**/*.c").Match("docs/readme.md"));
  CHECK(G("src/**/er/*.c").Match("src/deep/er/w.c"));
  CHECK(G("./src//x.c").Match("src/x.c"));
}

TEST_CASE("wildcards skip dot names unless the dot is written", "[glob]") {
  CHECK_FALSE(G("**/*.c").Match(".hidden/h.c"));
  CHECK_FALSE(G("src/*.c").Match("src/.dot.c"));
  CHECK(G(".hidden/*.c").Match(".hidden/h.c"));
  CHECK(G("src/.*.c").Match("src/.dot.c"));
}

TEST_CASE("bad patterns are refused with a reason", "[glob]") {
  CHECK(ParseError("") != "parsed");
  CHECK(ParseError("/etc/*") != "parsed");
  CHECK(ParseError("src/../x") != "parsed");
  CHECK(ParseError("src/[ab") != "parsed");
  CHECK(ParseError("src/**/ok") == "parsed");
}

TEST_CASE("Expand lists matching files sorted, without following folder links", "[glob]") {
  Tree t;
  CHECK(G("**/*.c").Expand(t.root) ==
        std::vector<std::string>{"a.c", "src/deep/er/w.c", "src/deep/z.c", "src/x.c"});
  CHECK(G("src/*").Expand(t.root) == std::vector<std::string>{"src/x.c", "src/y.cc"});
  CHECK(G("docs/readme.md").Expand(t.root) == std::vector<std::string>{"docs/readme.md"});
  CHECK(G("nothing/*.c").Expand(t.root).empty());
  CHECK(G("src/**").Expand(t.root).size() == 4);
  CHECK(G("src/x.c").LiteralPath() == "src/x.c");
  CHECK(G("src/*.c").LiteralPath().empty());
}
