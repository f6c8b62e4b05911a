// Output archives for the cache: a task's declared outputs packed as tar.zst,
// and unpacked safely into the workspace. The archive may come from a remote
// cache, so unpacking treats its content as hostile; the workspace itself,
// symlinks included, is trusted.
//
//   TASKR_RETURN_IF_ERROR(PackArchive(workspace, {"dist/app", "dist/app.sha256"}, entry /
//   "outputs.tar.zst")); TASKR_RETURN_IF_ERROR(UnpackArchive(entry / "outputs.tar.zst",
//   workspace));
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "runner/base/status.h"

namespace taskr {

/// PackArchive writes the entries at `paths` (relative to `root`) into a
/// zstd-compressed pax tar at `archive`: regular files, symlinks with their
/// targets as they are, and folders as the folder alone (list what is inside
/// too). Paths are stored relative, '/'-separated, de-duplicated and sorted,
/// with mode bits and mtimes (to the nanosecond) but uid/gid 0 and no user
/// names, so the same tree always gives the same bytes. It writes
/// `<archive>.tmp.<pid>` and renames it into place. A missing path, an
/// absolute path or one with `..` is an error naming it, and so is an entry
/// that UnpackArchive would refuse, such as a symlink leaving `root`.
Status PackArchive(const std::filesystem::path& root, const std::vector<std::string>& paths,
                   const std::filesystem::path& archive);

/// UnpackArchive extracts `archive` under `root`, creating `root` if needed.
/// It reads every header first and refuses the whole archive, writing
/// nothing, when an entry has an empty or absolute path or a `..` component,
/// is a hard link, a device, a FIFO or a socket, is a symlink whose target
/// leaves `root`, lies under a symlink of the archive, or would land outside
/// `root` through a symlink already in the workspace; the error names the
/// entry. Files are written beside their final name and renamed over it, so a
/// reader never sees half a file and an existing file or symlink there is
/// replaced, never written through. Modes (rwx bits only) and mtimes are
/// restored.
Status UnpackArchive(const std::filesystem::path& archive, const std::filesystem::path& root);

/// ListArchive returns the entry paths of `archive` as stored, in order, a
/// folder's without the trailing '/' tar gives it.
Result<std::vector<std::string>> ListArchive(const std::filesystem::path& archive);

}  // namespace taskr
