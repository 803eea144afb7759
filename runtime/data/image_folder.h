// Image folders, the layout of torchvision's ImageFolder and of most
// downloaded image data sets: <root>/<split>/<class>/<image>.jpg|.jpeg|.png.
// Classes are the sorted class-folder names (label 0 is the first), samples
// are ordered by class then file name. The root is a directory or a .tar,
// .tar.gz or .tgz of one (possibly under one top folder), read in one pass
// without unpacking. Images are decoded on all hardware threads: 60,000
// CIFAR-10 JPEGs must not take longer than a training epoch to load.
#pragma once

#include <string>
#include <vector>

#include "runtime/data/dataset.h"

namespace graphc::runtime::data {

// One Dataset per requested split, in order; split "" means the class
// folders sit directly under the root. Every split must have the same class
// folders and every image the size (and channel count) of the first one.
// threads: 0 = std::thread::hardware_concurrency(). Throws graphc::Error
// naming the file: a corrupt image, one of another size, a truncated or
// corrupt archive, a missing split, a class folder without images.
std::vector<Dataset> load_image_folder(const std::string& root, const std::vector<std::string>& splits,
                                       int threads = 0);

// Whether path names a tar archive by its extension (.tar, .tar.gz, .tgz).
bool is_tar_path(const std::string& path);

}  // namespace graphc::runtime::data
