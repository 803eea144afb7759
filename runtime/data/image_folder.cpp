// Lists the images of each split (from the directory tree or from one pass
// over the archive), assigns labels from the sorted class names, and hands
// the list to the parallel decoder.
#include "runtime/data/image_folder.h"

#include <algorithm>
#include <filesystem>
#include <map>

#include "ir/error.h"
#include "runtime/data/decode_images.h"
#include "runtime/data/tar_reader.h"

namespace graphc::runtime::data {
namespace fs = std::filesystem;
namespace {

// class name -> its images, both kept sorted by std::map / a final sort.
using ClassImages = std::map<std::string, std::vector<EncodedImage>>;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool is_image_name(std::string_view name) {
  const std::string l = lower(name);
  return l.ends_with(".jpg") || l.ends_with(".jpeg") || l.ends_with(".png");
}

// Dot files (macOS "._x.jpg" resource forks, .DS_Store) and __MACOSX folders
// are archive debris, not samples.
bool is_hidden(std::string_view component) { return component.starts_with('.') || component == "__MACOSX"; }

std::vector<std::string> path_components(const std::string& path) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start && path.compare(start, slash - start, ".") != 0)
      parts.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return parts;
}

std::string join(const std::vector<std::string>& parts, size_t count) {
  std::string out;
  for (size_t i = 0; i < count; ++i) {
    if (i > 0) out += "/";
    out += parts[i];
  }
  return out;
}

std::string split_label(const std::string& split) { return split.empty() ? std::string("(root)") : "'" + split + "'"; }

ClassImages list_directory_split(const std::string& root, const std::string& split) {
  const fs::path split_dir = split.empty() ? fs::path(root) : fs::path(root) / split;
  std::error_code ec;
  if (!fs::is_directory(split_dir, ec)) throw Error(cat("no split folder ", split_label(split), " in ", root));
  ClassImages classes;
  try {
    for (const fs::directory_entry& class_dir : fs::directory_iterator(split_dir)) {
      const std::string class_name = class_dir.path().filename().string();
      if (!class_dir.is_directory() || is_hidden(class_name)) continue;
      std::vector<EncodedImage>& images = classes[class_name];
      for (const fs::directory_entry& file : fs::directory_iterator(class_dir.path())) {
        const std::string file_name = file.path().filename().string();
        if (!file.is_regular_file() || is_hidden(file_name) || !is_image_name(file_name)) continue;
        images.push_back(EncodedImage{file.path().string(), "", file.path().string(), 0});
      }
      if (images.empty())
        throw Error(cat(class_dir.path().string(), ": class folder without .jpg, .jpeg or .png images"));
    }
  } catch (const fs::filesystem_error& e) {
    throw Error(cat("cannot list ", e.path1().string(), ": ", e.code().message()));
  }
  if (classes.empty()) throw Error(cat(split_dir.string(), ": no class folders"));
  return classes;
}

// One pass over the archive. An image belongs to split S when its path ends
// in S/<class>/<file>; what comes before (a top folder) must be the same for
// all images of the split, so stray copies elsewhere are not mixed in.
std::vector<ClassImages> list_archive(const std::string& archive, const std::vector<std::string>& splits) {
  std::vector<ClassImages> result(splits.size());
  std::vector<std::string> prefixes(splits.size());
  std::vector<bool> prefix_seen(splits.size(), false);
  TarReader tar(archive);
  while (std::optional<TarEntry> entry = tar.next()) {
    const std::vector<std::string> parts = path_components(entry->name);
    if (parts.empty() || !is_image_name(parts.back())) continue;
    if (std::any_of(parts.begin(), parts.end(), [](const std::string& p) { return is_hidden(p); })) continue;
    for (size_t s = 0; s < splits.size(); ++s) {
      const size_t tail = splits[s].empty() ? 2 : 3;  // [split/]class/file
      if (parts.size() < tail || (!splits[s].empty() && parts[parts.size() - 3] != splits[s])) continue;
      const std::string prefix = join(parts, parts.size() - tail);
      if (prefix_seen[s] && prefix != prefixes[s])
        throw Error(cat(archive, ": images of split ", split_label(splits[s]), " lie under two different folders, '",
                        prefixes[s], "' and '", prefix, "'"));
      prefixes[s] = prefix;
      prefix_seen[s] = true;
      result[s][parts[parts.size() - 2]].push_back(EncodedImage{archive + ":" + entry->name, tar.read_body(), "", 0});
      break;
    }
  }
  for (size_t s = 0; s < splits.size(); ++s)
    if (result[s].empty())
      throw Error(cat(archive, ": no images for split ", split_label(splits[s]), " (expected entries like [top/]",
                      splits[s], splits[s].empty() ? "" : "/", "<class>/<name>.jpg)"));
  return result;
}

std::string names_str(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += " ";
    out += names[i];
  }
  return out + "]";
}

Dataset build_split(const std::string& root, const std::string& split, ClassImages classes,
                    const std::vector<std::string>& class_names, int threads) {
  std::vector<std::string> names;
  for (const auto& [name, images] : classes) names.push_back(name);
  if (names != class_names)
    throw Error(cat(root, ": split ", split_label(split), " has classes ", names_str(names),
                    " but the first split has ", names_str(class_names)));
  std::vector<EncodedImage> images;
  int32_t label = 0;
  for (auto& [name, class_images] : classes) {
    std::sort(class_images.begin(), class_images.end(),
              [](const EncodedImage& a, const EncodedImage& b) { return a.name < b.name; });
    for (EncodedImage& image : class_images) {
      image.label = label;
      images.push_back(std::move(image));
    }
    ++label;
  }
  Dataset ds;
  ds.source = split.empty() ? root : root + " (" + split + ")";
  ds.num_classes = static_cast<int64_t>(class_names.size());
  ds.class_names = class_names;
  decode_images(images, ds, threads);
  ds.check();
  return ds;
}
}  // namespace

bool is_tar_path(const std::string& path) {
  const std::string l = lower(path);
  return l.ends_with(".tar") || l.ends_with(".tar.gz") || l.ends_with(".tgz");
}

std::vector<Dataset> load_image_folder(const std::string& root, const std::vector<std::string>& splits, int threads) {
  GRAPHC_ASSERT(!splits.empty(), "load_image_folder without splits");
  std::vector<ClassImages> listings;
  if (is_tar_path(root)) {
    listings = list_archive(root, splits);
  } else {
    std::error_code ec;
    if (!fs::is_directory(root, ec))
      throw Error(cat("cannot open image folder ", root, ": not a directory or a .tar/.tar.gz"));
    for (const std::string& split : splits) listings.push_back(list_directory_split(root, split));
  }
  std::vector<std::string> class_names;
  for (const auto& [name, images] : listings[0]) class_names.push_back(name);
  std::vector<Dataset> result;
  for (size_t s = 0; s < splits.size(); ++s)
    result.push_back(build_split(root, splits[s], std::move(listings[s]), class_names, threads));
  return result;
}

}  // namespace graphc::runtime::data
