#include "runner/graph/graph.h"

#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>

#include "runner/model/loader.h"

using Catch::Matchers::ContainsSubstring;
using namespace taskr;

namespace {

struct Built {
  LoadResult load;
  std::optional<Graph> graph;
  std::vector<Diagnostic> errors;
};

Built Build(const std::string& text) {
  Built b{ParsePipeline(text, "pipeline.toml"), std::nullopt, {}};
  REQUIRE(b.load.errors.empty());
  b.graph = Graph::Build(*b.load.pipeline, &b.errors);
  return b;
}

std::vector<std::string> Ids(const Graph& g, const Selection& s) {
  std::vector<std::string> ids;
  for (NodeId id : s.order) ids.push_back(g.node(id).id);
  return ids;
}

std::vector<std::string> NeedIds(const Graph& g, std::string_view id) {
  std::vector<std::string> ids;
  for (const auto& e : g.node(*g.Find(id)).needs) ids.push_back(g.node(e.node).id);
  return ids;
}

}  // namespace

TEST_CASE("matrix expansion: every combination, last key fastest, minus excludes", "[graph]") {
  Built b = Build(R"(
[tasks.test]
run = "x"
matrix = { os = ["linux", "mac"], py = ["3.11", "3.12"], exclude = [{ os = "mac", py = "3.11" }] }
)");
  REQUIRE(b.graph);
  std::vector<std::string> ids;
  for (const auto& n : b.graph->nodes()) ids.push_back(n.id);
  CHECK(ids == std::vector<std::string>{"test[os=linux,py=3.11]", "test[os=linux,py=3.12]",
                                        "test[os=mac,py=3.12]"});
}

TEST_CASE("needs between matrix tasks link instances with equal shared keys", "[graph]") {
  Built b = Build(R"(
[tasks.image]
run = "x"
matrix = { service = ["api", "web"] }
[tasks.scan]
run = "x"
needs = ["image"]
matrix = { service = ["api", "web"] }
[tasks.release]
run = "x"
needs = ["image"]
[tasks.e2e]
run = "x"
needs = ["image"]
matrix = { service = ["api", "web"], browser = ["chrome", "firefox"] }
)");
  REQUIRE(b.graph);
  const Graph& g = *b.graph;
  CHECK(NeedIds(g, "scan[service=api]") == std::vector<std::string>{"image[service=api]"});
  CHECK(NeedIds(g, "scan[service=web]") == std::vector<std::string>{"image[service=web]"});
  // No shared key: every instance.
  CHECK(NeedIds(g, "release") ==
        std::vector<std::string>{"image[service=api]", "image[service=web]"});
  CHECK(NeedIds(g, "e2e[browser=firefox,service=web]") ==
        std::vector<std::string>{"image[service=web]"});
}

TEST_CASE("a needs link with no matching instance is an error", "[graph]") {
  Built b = Build(R"(
[tasks.image]
run = "x"
matrix = { service = ["api"] }
[tasks.scan]
run = "x"
needs = ["image"]
matrix = { service = ["api", "web"] }
)");
  CHECK_FALSE(b.graph);
  REQUIRE(b.errors.size() == 1);
  CHECK(b.errors[0].loc.line == 7);
  CHECK_THAT(b.errors[0].message,
             ContainsSubstring(
                 "scan[service=web] needs image, but no instance of 'image' has the same service"));
}

TEST_CASE("reading outputs of a need with several linked instances is an error", "[graph]") {
  Built b = Build(R"(
[tasks.image]
run = "x"
matrix = { service = ["api", "web"] }
[tasks.release]
run = "echo ${{ needs.image.outputs.ref }}"
needs = ["image"]
)");
  CHECK_FALSE(b.graph);
  REQUIRE(b.errors.size() == 1);
  CHECK_THAT(
      b.errors[0].message,
      ContainsSubstring("'release' reads needs.image.outputs, but release links to 2 instances"));
}

TEST_CASE("selection adds needs and orders them first", "[graph]") {
  Built b = Build(R"(
[pipelines.ci]
tasks = ["deploy"]
[tasks.deploy]
run = "x"
needs = ["scan", "test"]
[tasks.lint]
run = "x"
[tasks.scan]
run = "x"
needs = ["image"]
matrix = { service = ["api", "web"] }
[tasks.image]
run = "x"
matrix = { service = ["api", "web"] }
[tasks.test]
run = "x"
)");
  REQUIRE(b.graph);
  const Graph& g = *b.graph;
  const Pipeline& p = *b.load.pipeline;
  auto sel = g.Select(p, {"ci"});
  REQUIRE(sel.ok());
  CHECK(sel->pipeline == p.FindPipeline("ci"));
  CHECK(Ids(g, *sel) == std::vector<std::string>{"image[service=api]", "image[service=web]", "test",
                                                 "scan[service=api]", "scan[service=web]",
                                                 "deploy"});
  auto one = g.Select(p, {"scan[service=web]"});
  REQUIRE(one.ok());
  CHECK(Ids(g, *one) == std::vector<std::string>{"image[service=web]", "scan[service=web]"});
  auto bad = g.Select(p, {"scan[service=db]"});
  CHECK_THAT(bad.status().message(),
             ContainsSubstring("no instance of 'scan' matches scan[service=db]"));
  auto typo = g.Select(p, {"lnit"});
  CHECK(typo.status().message() == "no pipeline or task named 'lnit'; did you mean 'lint'?");
}
