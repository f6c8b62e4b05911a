// End-to-end: the checksum plugin, loaded by the real taskr binary, checked
// with the real sha256sum and sha512sum.
#include <sys/wait.h>

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "tests/e2e/harness.h"

using Catch::Matchers::ContainsSubstring;
using taskr::e2e::Count;
using taskr::e2e::Outcome;
using taskr::e2e::Workspace;

namespace {

// SHA-256 of the contents the tests write.
constexpr const char* kHelloSha256 =
    "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03";  // "hello\n"
constexpr const char* kReadmeSha256 =
    "00d75b5176b48ccc71d91bcc1d7b90fc2820429b1629b77fd1d5f4c5dcee4f6d";  // "readme\n"
constexpr const char* kDeepSha256 =
    "64896f89fd11190013b70103e603a1c5826e56b7fb7d2197ab279b0690043599";  // "deep\n"
constexpr const char* kOneSha256 =
    "2c8b08da5ce60398e1f19af0e5dccc744df274b826abe585eaba68c525434806";  // "one\n"

// Shell runs `command` with sh in `dir` and returns its exit code.
int Shell(const std::filesystem::path& dir, const std::string& command) {
  std::string line = "cd '" + dir.string() + "' && (" + command + ") > /dev/null 2>&1";
  int status = std::system(line.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

// WriteTree writes files in nested folders, plus some the globs must skip.
void WriteTree(const Workspace& ws) {
  ws.Write("README.md", "readme\n");
  ws.Write("src/a/b.txt", "hello\n");
  ws.Write("src/a/b/deep.txt", "deep\n");
  ws.Write("src/one.txt", "one\n");
  ws.Write("src/skip/x.txt", "excluded\n");
  ws.Write("src/.hidden.txt", "hidden\n");
  ws.Write(".cache/c.txt", "hidden folder\n");
}

}  // namespace

TEST_CASE("checksum writes sums that sha256sum -c and sha512sum -c accept, and passes digests on",
          "[e2e][checksum]") {
  Workspace ws(R"(
[tasks.sums]
uses = "checksum"
with = { files = ["src/**/*.txt", "README.md"], exclude = ["src/skip/**"], output = "dist/SHA256SUMS" }

[tasks.sums512]
uses = "checksum.sha512"
with = { files = ["src/**", "README.md"] }

[tasks.report]
needs = ["sums"]
run = '''
echo "count=${{ needs.sums.outputs.count }}" > report.txt
echo "ab=${{ needs.sums.outputs['src/a/b.txt'] }}" >> report.txt
echo "file=${{ needs.sums.outputs.file }}" >> report.txt
'''

[tasks.single]
uses = "checksum"
with = { files = ["README.md"], output = "out/README.sha256" }

[tasks.single_report]
needs = ["single"]
run = 'echo "${{ needs.single.outputs.digest }}" > single.txt'

[tasks.check]
needs = ["sums"]
uses = "checksum.verify"
with = { file = "dist/SHA256SUMS" }
)");
  WriteTree(ws);
  Outcome o = ws.Run({"run", "report", "sums512", "single_report", "check"});
  INFO(o.out << o.err);
  CHECK(o.exit_code == 0);
  CHECK_THAT(o.out, ContainsSubstring("6 succeeded, 0 failed"));

  // Sorted, relative to the sums file's folder; excluded and hidden files left out.
  CHECK(ws.Read("dist/SHA256SUMS") ==
        std::string(kReadmeSha256) + "  ../README.md\n" + kHelloSha256 + "  ../src/a/b.txt\n" +
            kDeepSha256 + "  ../src/a/b/deep.txt\n" + kOneSha256 + "  ../src/one.txt\n");
  CHECK(Shell(ws.dir() / "dist", "sha256sum -c --strict SHA256SUMS") == 0);
  std::string sums512 = ws.Read("SHA512SUMS");
  CHECK(Count(sums512, "\n") == 5);  // src/skip/x.txt is in: only `sums` excludes it
  CHECK_THAT(sums512, ContainsSubstring("  src/skip/x.txt\n"));
  CHECK(Shell(ws.dir(), "sha512sum -c --strict SHA512SUMS") == 0);

  // Outputs reach later tasks: fixed names and one per file, by path.
  CHECK(ws.Read("report.txt") ==
        std::string("count=4\nab=") + kHelloSha256 + "\nfile=dist/SHA256SUMS\n");
  CHECK(ws.Read("single.txt") == std::string(kReadmeSha256) + "\n");
  CHECK(ws.Read("out/README.sha256") == std::string(kReadmeSha256) + "  ../README.md\n");
  CHECK_THAT(ws.Read(".taskr/runs/latest/logs/check.log"), ContainsSubstring("4 files verified"));
}

TEST_CASE("checksum.verify fails naming every changed and every missing file", "[e2e][checksum]") {
  Workspace ws(R"(
[tasks.sums]
uses = "checksum"
with = { files = ["**/*.txt"] }

[tasks.check]
uses = "checksum.verify"
with = { file = "SHA256SUMS" }
)");
  WriteTree(ws);
  ws.Write("src/gone.txt", "soon deleted\n");
  REQUIRE(ws.Run({"run", "sums"}).exit_code == 0);
  Outcome ok = ws.Run({"run", "check"});
  CHECK(ok.exit_code == 0);
  CHECK_THAT(ws.Read(".taskr/runs/latest/logs/check.log"), ContainsSubstring("5 files verified"));

  ws.Write("src/one.txt", "changed\n");
  std::filesystem::remove(ws.dir() / "src/gone.txt");
  Outcome o = ws.Run({"run", "check"});
  INFO(o.out << o.err);
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("FAILED    check"));
  CHECK_THAT(o.out,
             ContainsSubstring("2 of 5 files do not match SHA256SUMS: "
                               "src/gone.txt (missing); src/one.txt (expected 2c8b08da5ce6…, "
                               "got "));
  // The log has whole digests and the line of the sums file.
  CHECK_THAT(o.out, ContainsSubstring("error: src/one.txt: sha256 is "));
  CHECK_THAT(o.out, ContainsSubstring("SHA256SUMS line 4 expects " + std::string(kOneSha256)));
  // The real tool agrees.
  CHECK(Shell(ws.dir(), "sha256sum -c --strict SHA256SUMS") != 0);
}

TEST_CASE("checksum.verify checks what sha256sum and sha512sum wrote, binary and --tag lines too",
          "[e2e][checksum]") {
  Workspace ws(R"(
[tasks.binary]
uses = "checksum.verify"
with = { file = "sums/BINARY.SUMS" }

[tasks.tagged]
uses = "checksum.verify"
with = { file = "TAGGED.SUMS", algorithm = "sha512" }

[tasks.wrong_algorithm]
uses = "checksum.verify"
with = { file = "TAGGED.SUMS", algorithm = "sha256" }
)");
  WriteTree(ws);
  REQUIRE(Shell(ws.dir(),
                "mkdir sums && cd sums && sha256sum -b ../src/one.txt ../README.md > "
                "BINARY.SUMS") == 0);
  REQUIRE(Shell(ws.dir(), "sha512sum --tag src/a/b.txt src/a/b/deep.txt > TAGGED.SUMS") == 0);
  Outcome o = ws.Run({"run", "binary", "tagged", "wrong_algorithm", "--keep-going"});
  INFO(o.out << o.err);
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("ok        binary"));
  CHECK_THAT(o.out, ContainsSubstring("ok        tagged"));
  CHECK_THAT(o.out,
             ContainsSubstring("TAGGED.SUMS: line 1: a sha512 digest, but algorithm is sha256"));
  CHECK_THAT(ws.Read(".taskr/runs/latest/logs/binary.log"), ContainsSubstring("2 files verified"));
}

TEST_CASE("checksum never hashes its sums file into itself, and hashes many files",
          "[e2e][checksum]") {
  Workspace ws(R"(
[tasks.sums]
uses = "checksum"
with = { files = ["**"] }
)");
  for (int i = 0; i < 300; ++i) {
    ws.Write("data/d" + std::to_string(i % 7) + "/f" + std::to_string(i) + ".bin",
             std::string(static_cast<size_t>(i) * 37, static_cast<char>('a' + i % 26)));
  }
  REQUIRE(ws.Run({"run", "sums"}).exit_code == 0);
  Outcome o = ws.Run({"run", "sums"});  // SHA256SUMS now exists and matches `**`
  INFO(o.out << o.err);
  CHECK(o.exit_code == 0);
  std::string sums = ws.Read("SHA256SUMS");
  CHECK(Count(sums, "\n") == 301);  // the files and pipeline.toml
  CHECK_THAT(sums, !ContainsSubstring("SHA256SUMS"));
  CHECK_THAT(sums, !ContainsSubstring(".taskr"));
  CHECK(Shell(ws.dir(), "sha256sum -c --strict SHA256SUMS") == 0);
}

TEST_CASE("a checksum glob that matches nothing fails the task naming the glob",
          "[e2e][checksum]") {
  Workspace ws(R"(
[tasks.sums]
uses = "checksum"
with = { files = ["src/**/*.txt", "nope/**/*.bin", "src"] }
)");
  WriteTree(ws);
  Outcome o = ws.Run({"run", "sums"});
  INFO(o.out << o.err);
  CHECK(o.exit_code == 1);
  CHECK_THAT(o.out, ContainsSubstring("FAILED    sums"));
  CHECK_THAT(o.out, ContainsSubstring("plugin 'checksum': files: no file matches 'nope/**/*.bin', "
                                      "'src' (a folder; 'src/**' is every file in it)"));
  CHECK_FALSE(ws.Exists("SHA256SUMS"));
}

TEST_CASE("an unknown checksum parameter is a load error with a suggestion", "[e2e][checksum]") {
  Workspace ws(R"([tasks.sums]
uses = "checksum"
with = { filez = ["src/**"] }
[tasks.after]
needs = ["sums"]
run = "touch ran"
)");
  Outcome o = ws.Run({"run", "after"});
  CHECK(o.exit_code == 2);
  CHECK_THAT(o.err, ContainsSubstring("pipeline.toml:3:18: error: [tasks.sums] with.filez: unknown "
                                      "parameter 'filez'; did you mean 'files'?"));
  CHECK_THAT(o.err, ContainsSubstring("pipeline.toml:2:8: error: [tasks.sums] with: needs "
                                      "parameter 'files'"));
  CHECK_THAT(o.err, ContainsSubstring("nothing was run"));
  CHECK_FALSE(ws.Exists("ran"));
}

TEST_CASE("taskr plugins info checksum lists its actions and parameters", "[e2e][checksum]") {
  Workspace ws("");
  Outcome o = ws.Run({"plugins", "info", "checksum"});
  CHECK(o.exit_code == 0);
  CHECK_THAT(o.out, ContainsSubstring("checksum 1.0.0"));
  CHECK_THAT(o.out, ContainsSubstring("action sha256, the default (pure: may be cached)"));
  CHECK_THAT(o.out, ContainsSubstring("action sha512 (pure: may be cached)"));
  CHECK_THAT(o.out, ContainsSubstring("action verify (pure: may be cached)"));
  CHECK_THAT(o.out, ContainsSubstring("files    array of string, required"));
  CHECK_THAT(o.out, ContainsSubstring("output   string, default \"SHA512SUMS\""));
  CHECK_THAT(o.out, ContainsSubstring("algorithm  string, default \"auto\""));
}
