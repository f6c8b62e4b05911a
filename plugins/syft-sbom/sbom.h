// Reading the SBOMs syft and trivy write, SPDX 2.x JSON and CycloneDX JSON:
// their format version, the tool that wrote them, and how many packages of
// each kind they list.
//
//   SbomSummary cdx =
//       SummarizeCycloneDx(ReadJsonFile("/ws/sbom/app.cdx.json", "sbom/app.cdx.json"));
//   cdx.version;                // "1.5"
//   cdx.tool;                   // "syft 1.18.1"
//   cdx.packages;               // components with a purl
//   cdx.by_purl_type["npm"];    // 2
//
// Both formats are counted the same way: every package or component except
// the subject of the document (the scanned folder or image), keyed by the
// type of its package URL ("pkg:npm/left-pad@1.3.0" is npm).
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

namespace taskr::sdk {
class Json;
}

namespace taskr::sbom {

/// SbomSummary is what one SBOM declares and lists.
struct SbomSummary {
  /// version is the format version the document declares: "1.5" for CycloneDX
  /// (specVersion), "2.3" for SPDX (spdxVersion "SPDX-2.3").
  std::string version;
  /// tool is the first tool the document names as its author: "syft 1.18.1"
  /// (CycloneDX metadata.tools), "syft-1.18.1" (SPDX "Tool: syft-1.18.1"); or "".
  std::string tool;
  /// packages counts entries with a package URL: the packages proper.
  size_t packages = 0;
  /// without_purl counts the other entries: trivy's lockfile entries, the OS.
  size_t without_purl = 0;
  /// by_purl_type counts packages by purl type, lowercase: "npm" -> 2.
  std::map<std::string, size_t> by_purl_type;
  /// by_component_type counts CycloneDX components by `type`, packages or not:
  /// "library" -> 5. Empty for SPDX.
  std::map<std::string, size_t> by_component_type;
};

/// PurlType is the type of package URL `purl`, lowercase ("pkg:deb/debian/tzdata@2024a"
/// -> "deb"), or "" when `purl` is not a package URL.
std::string PurlType(std::string_view purl);

/// SummarizeCycloneDx counts the components of a CycloneDX JSON document, nested
/// ones included (metadata.component, the subject, is not one). Throws
/// sdk::Error when `doc` is not CycloneDX JSON.
SbomSummary SummarizeCycloneDx(const sdk::Json& doc);

/// SummarizeSpdx counts the packages of an SPDX 2.x JSON document by the purl of
/// their PACKAGE-MANAGER external reference, leaving out those the document
/// describes (DESCRIBES relationships from SPDXRef-DOCUMENT, documentDescribes).
/// Throws sdk::Error when `doc` is not SPDX JSON.
SbomSummary SummarizeSpdx(const sdk::Json& doc);

/// ReadJsonFile parses the JSON file at `path`; errors name it as `shown`.
sdk::Json ReadJsonFile(const std::string& path, const std::string& shown);

}  // namespace taskr::sbom
