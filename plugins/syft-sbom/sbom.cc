#include "sbom.h"

#include <cctype>
#include <fstream>
#include <set>
#include <sstream>
#include <stdexcept>

#include <taskr/sdk.hpp>

namespace taskr::sbom {

namespace {

using sdk::Json;

constexpr std::string_view kSpdxDocument = "SPDXRef-DOCUMENT";

void CountPurl(SbomSummary& summary, const std::string& purl) {
  std::string type = PurlType(purl);
  if (type.empty()) {
    ++summary.without_purl;
    return;
  }
  ++summary.packages;
  ++summary.by_purl_type[type];
}

// CountComponents recurses as deep as the document nests, which Json::Parse bounds.
void CountComponents(SbomSummary& summary, const std::vector<Json>& components) {
  for (const Json& c : components) {
    if (!c.is_object()) continue;
    std::string type = c["type"].string_or();
    ++summary.by_component_type[type.empty() ? "(none)" : type];
    CountPurl(summary, c["purl"].string_or());
    CountComponents(summary, c["components"].items());
  }
}

// Described is the SPDX ids the document itself describes: its subject.
std::set<std::string> Described(const Json& doc) {
  std::set<std::string> ids;
  for (const Json& id : doc["documentDescribes"].items()) {
    if (id.is_string()) ids.insert(id.as_string());
  }
  for (const Json& r : doc["relationships"].items()) {
    std::string type = r["relationshipType"].string_or();
    std::string from = r["spdxElementId"].string_or(), to = r["relatedSpdxElement"].string_or();
    if (type == "DESCRIBES" && from == kSpdxDocument) ids.insert(to);
    if (type == "DESCRIBED_BY" && to == kSpdxDocument) ids.insert(from);
  }
  return ids;
}

// SpdxPurl is the locator of a package's purl external reference, or "".
std::string SpdxPurl(const Json& package) {
  for (const Json& ref : package["externalRefs"].items()) {
    if (ref["referenceType"].string_or() == "purl") return ref["referenceLocator"].string_or();
  }
  return "";
}

// CycloneDxTool is "name version" of the first tool in metadata.tools: an
// array of tools before CycloneDX 1.5, {"components": [...]} from 1.5 on.
std::string CycloneDxTool(const Json& doc) {
  const Json& tools = doc["metadata"]["tools"];
  const std::vector<Json>& list = tools.is_array() ? tools.items() : tools["components"].items();
  for (const Json& t : list) {
    std::string name = t["name"].string_or(), version = t["version"].string_or();
    if (!name.empty()) return version.empty() ? name : name + " " + version;
  }
  return "";
}

// SpdxTool is the first "Tool: …" creator, without the prefix.
std::string SpdxTool(const Json& doc) {
  constexpr std::string_view kTool = "Tool:";
  for (const Json& c : doc["creationInfo"]["creators"].items()) {
    if (!c.is_string() || !c.as_string().starts_with(kTool)) continue;
    std::string tool = c.as_string().substr(kTool.size());
    tool.erase(0, tool.find_first_not_of(' '));
    return tool;
  }
  return "";
}

}  // namespace

std::string PurlType(std::string_view purl) {
  constexpr std::string_view kScheme = "pkg:";
  if (purl.size() < kScheme.size()) return "";
  for (size_t i = 0; i < kScheme.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(purl[i])) != kScheme[i]) return "";
  }
  purl.remove_prefix(kScheme.size());
  // The purl spec tolerates slashes after the scheme: "pkg://npm/x" is "pkg:npm/x".
  while (purl.starts_with('/')) purl.remove_prefix(1);
  size_t slash = purl.find('/');
  if (slash == 0 || slash == std::string_view::npos) return "";
  std::string type;
  for (char c : purl.substr(0, slash)) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '+' && c != '-') return "";
    type += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return type;
}

SbomSummary SummarizeCycloneDx(const Json& doc) {
  if (doc["bomFormat"].string_or() != "CycloneDX") {
    throw sdk::Error("not a CycloneDX JSON document (bomFormat is not \"CycloneDX\")");
  }
  SbomSummary summary;
  summary.version = doc["specVersion"].string_or();
  if (summary.version.empty()) throw sdk::Error("the CycloneDX document has no specVersion");
  summary.tool = CycloneDxTool(doc);
  CountComponents(summary, doc["components"].items());
  return summary;
}

SbomSummary SummarizeSpdx(const Json& doc) {
  std::string version = doc["spdxVersion"].string_or();
  constexpr std::string_view kPrefix = "SPDX-";
  if (!version.starts_with(kPrefix)) {
    throw sdk::Error("not an SPDX JSON document (spdxVersion is not \"SPDX-<version>\")");
  }
  SbomSummary summary;
  summary.version = version.substr(kPrefix.size());
  summary.tool = SpdxTool(doc);
  std::set<std::string> described = Described(doc);
  for (const Json& p : doc["packages"].items()) {
    if (!p.is_object() || described.count(p["SPDXID"].string_or())) continue;
    CountPurl(summary, SpdxPurl(p));
  }
  return summary;
}

Json ReadJsonFile(const std::string& path, const std::string& shown) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw sdk::Error("cannot read " + shown);
  std::ostringstream text;
  text << in.rdbuf();
  try {
    return Json::Parse(text.str());
  } catch (const std::exception& e) {
    // Parse throws std::invalid_argument, not only sdk::Error, on a bad \u escape.
    throw sdk::Error(shown + ": " + e.what());
  }
}

}  // namespace taskr::sbom
