// Image folders from a directory, a .tar and a .tar.gz: class order, sample
// order, JPEG and PNG decoding, and damaged images and archives.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdlib>

#include "data_test_files.h"
#include "ir/error.h"
#include "runtime/data/image_folder.h"
#include "runtime/data/png_decoder.h"
#include "runtime/data/tar_reader.h"

namespace graphc::runtime::data {
namespace {
using namespace testing;

constexpr int kWidth = 6, kHeight = 4;
const std::string kLongName = "train/dog/" + std::string(120, 'q') + ".jpg";

struct Image {
  std::string name;
  int seed;
};
// Deliberately listed out of order: the loader sorts classes and files.
const std::vector<Image> kImages = {{"train/dog/b.jpg", 0}, {"train/dog/a.jpg", 10}, {"train/cat/z.jpg", 20},
                                    {kLongName, 30},        {"test/dog/1.jpg", 40},  {"test/cat/1.jpg", 50}};

std::string jpeg_of(int seed, int channels = 3) {
  return encode_jpeg(kWidth, kHeight, channels, pattern_hwc(kWidth, kHeight, channels, seed));
}

void write_tree(const TempDir& dir, const std::string& root) {
  for (const Image& image : kImages) write_bytes(dir.file(root + "/" + image.name), jpeg_of(image.seed));
}

// The same images as an archive, with directory entries, a "./" top folder,
// the long name as a GNU 'L' record, one name as a pax record, and macOS
// debris that must be ignored.
std::string archive_of_tree() {
  std::vector<TarMember> members = {{"./", "", '5'}, {"./train/", "", '5'}, {"./train/dog/", "", '5'}};
  for (const Image& image : kImages) {
    TarMember m{"./" + image.name, jpeg_of(image.seed)};
    m.gnu_long_name = image.name == kLongName;
    m.pax_name = image.name == "train/cat/z.jpg";
    members.push_back(m);
  }
  members.push_back({"./train/dog/._b.jpg", "not an image"});
  members.push_back({"./train/notes.txt", "ignored"});
  return tar_archive(members);
}

// Approximately equal to the pattern: JPEG at quality 100 is nearly lossless.
void expect_pattern(const Dataset& ds, int64_t sample, int seed) {
  const int64_t plane = kWidth * kHeight;
  int worst = 0;
  for (int c = 0; c < 3; ++c)
    for (int y = 0; y < kHeight; ++y)
      for (int x = 0; x < kWidth; ++x) {
        const int got = ds.pixels[sample * 3 * plane + c * plane + y * kWidth + x];
        worst = std::max(worst, std::abs(got - (pattern_value(c, y, x) + seed)));
      }
  EXPECT_LE(worst, 4) << "sample " << sample;
}

TEST(DataImageFolder, DirectoryGivesSortedClassesAndFiles) {
  TempDir dir;
  write_tree(dir, "data");
  const std::vector<Dataset> splits = load_image_folder(dir.path().string() + "/data", {"train", "test"});
  const Dataset& train = splits[0];
  EXPECT_EQ(train.count, 4);
  EXPECT_EQ(train.sample_shape, (Shape{3, kHeight, kWidth}));
  EXPECT_EQ(train.class_names, (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ(train.num_classes, 2);
  EXPECT_EQ(train.labels, (std::vector<int32_t>{0, 1, 1, 1}));
  expect_pattern(train, 0, 20);  // cat/z
  expect_pattern(train, 1, 10);  // dog/a
  expect_pattern(train, 2, 0);   // dog/b
  expect_pattern(train, 3, 30);  // dog/qqq...
  const Dataset& test = splits[1];
  EXPECT_EQ(test.count, 2);
  EXPECT_EQ(test.labels, (std::vector<int32_t>{0, 1}));
  expect_pattern(test, 0, 50);
}

TEST(DataImageFolder, TarAndTarGzMatchTheDirectory) {
  TempDir dir;
  write_tree(dir, "data");
  const std::string tar = archive_of_tree();
  write_bytes(dir.file("data.tar"), tar);
  write_bytes(dir.file("data.tar.gz"), gzip(tar));
  const std::vector<Dataset> from_dir = load_image_folder(dir.path().string() + "/data", {"train", "test"});
  for (const std::string archive : {"data.tar", "data.tar.gz"}) {
    const std::vector<Dataset> from_tar = load_image_folder(dir.file(archive), {"train", "test"});
    for (size_t s = 0; s < 2; ++s) {
      EXPECT_EQ(from_tar[s].pixels, from_dir[s].pixels) << archive;
      EXPECT_EQ(from_tar[s].labels, from_dir[s].labels) << archive;
      EXPECT_EQ(from_tar[s].class_names, from_dir[s].class_names) << archive;
    }
  }
}

TEST(DataImageFolder, TarReaderHandlesLongNamesPaxAndDirectories) {
  TempDir dir;
  write_bytes(dir.file("a.tar"), archive_of_tree());
  TarReader reader(dir.file("a.tar"));
  std::vector<std::string> names;
  while (std::optional<TarEntry> e = reader.next()) {
    names.push_back(e->name);
    if (e->name == "train/dog/b.jpg") {
      EXPECT_EQ(reader.read_body(), jpeg_of(0));
    }
  }
  EXPECT_EQ(names,
            (std::vector<std::string>{"train/dog/b.jpg", "train/dog/a.jpg", "train/cat/z.jpg", kLongName,
                                      "test/dog/1.jpg", "test/cat/1.jpg", "train/dog/._b.jpg", "train/notes.txt"}));
}

TEST(DataImageFolder, SplitWithoutSubfolderAndGreyscaleJpeg) {
  TempDir dir;
  write_bytes(dir.file("flat/7/x.jpeg"), jpeg_of(5, 1));
  write_bytes(dir.file("flat/3/x.JPG"), jpeg_of(9, 1));
  const Dataset ds = load_image_folder(dir.path().string() + "/flat", {""})[0];
  EXPECT_EQ(ds.sample_shape, (Shape{1, kHeight, kWidth}));
  EXPECT_EQ(ds.class_names, (std::vector<std::string>{"3", "7"}));
  EXPECT_NEAR(ds.pixels[0], pattern_value(0, 0, 0) + 9, 4);
}

TEST(DataImageFolder, PngColorTypesDecodeExactly) {
  const int w = 5, h = 7;  // 7 rows: every filter type, and two of some
  const std::vector<uint8_t> rgb = pattern_hwc(w, h, 3, 1);
  std::vector<uint8_t> chw;
  ImageShape shape = decode_png(encode_png(w, h, 2, rgb), 0, chw, "rgb.png");
  EXPECT_EQ(shape, (ImageShape{3, h, w}));
  for (int c = 0; c < 3; ++c)
    for (int p = 0; p < w * h; ++p) ASSERT_EQ(chw[c * w * h + p], rgb[p * 3 + c]) << "c" << c << " p" << p;

  std::vector<uint8_t> rgba(static_cast<size_t>(w * h * 4));
  for (int p = 0; p < w * h; ++p) {
    for (int c = 0; c < 3; ++c) rgba[p * 4 + c] = rgb[p * 3 + c];
    rgba[p * 4 + 3] = static_cast<uint8_t>(p);  // alpha, dropped
  }
  std::vector<uint8_t> chw_rgba;
  decode_png(encode_png(w, h, 6, rgba), 0, chw_rgba, "rgba.png");
  EXPECT_EQ(chw_rgba, chw);

  const std::vector<uint8_t> grey = pattern_hwc(w, h, 1, 3);
  shape = decode_png(encode_png(w, h, 0, grey), 0, chw, "grey.png");
  EXPECT_EQ(shape.channels, 1);
  EXPECT_EQ(chw, grey);
  decode_png(encode_png(w, h, 0, grey), 3, chw, "grey.png");  // grey to RGB replicates
  EXPECT_EQ(chw[2 * w * h + 4], grey[4]);

  const std::vector<uint8_t> palette = {255, 0, 0, 0, 255, 0, 1, 2, 3};
  std::vector<uint8_t> indices(static_cast<size_t>(w * h));
  for (size_t i = 0; i < indices.size(); ++i) indices[i] = static_cast<uint8_t>(i % 3);
  shape = decode_png(encode_png(w, h, 3, indices, palette), 0, chw, "pal.png");
  EXPECT_EQ(shape.channels, 3);
  EXPECT_EQ(chw[0 * w * h + 0], 255);  // index 0: red
  EXPECT_EQ(chw[1 * w * h + 1], 255);  // index 1: green
  EXPECT_EQ(chw[2 * w * h + 2], 3);    // index 2: blue component 3
  // RGB to grey with PIL's weights: (r*19595 + g*38470 + b*7471 + 0x8000) >> 16.
  decode_png(encode_png(w, h, 3, indices, palette), 1, chw, "pal.png");
  EXPECT_EQ(chw[0], (255 * 19595 + 0x8000) >> 16);
  EXPECT_EQ(chw[1], (255 * 38470 + 0x8000) >> 16);
}

TEST(DataImageFolder, PngFolderLoads) {
  TempDir dir;
  const std::vector<uint8_t> rgb = pattern_hwc(kWidth, kHeight, 3, 7);
  write_bytes(dir.file("d/train/a/1.png"), encode_png(kWidth, kHeight, 2, rgb));
  write_bytes(dir.file("d/train/b/1.png"), encode_png(kWidth, kHeight, 2, rgb));
  const Dataset ds = load_image_folder(dir.path().string() + "/d", {"train"})[0];
  EXPECT_EQ(ds.count, 2);
  EXPECT_EQ(ds.pixels[kWidth * kHeight + 1], rgb[1 * 3 + 1]);  // green plane, pixel 1
}

TEST(DataImageFolder, CorruptPngIsNamed) {
  const std::vector<uint8_t> rgb = pattern_hwc(4, 4, 3, 0);
  std::string png = encode_png(4, 4, 2, rgb);
  std::vector<uint8_t> chw;
  std::string bad_crc = png;
  bad_crc[40] = static_cast<char>(bad_crc[40] ^ 1);
  expect_error([&] { decode_png(bad_crc, 0, chw, "x/bad.png"); }, {"x/bad.png", "CRC"});
  expect_error([&] { decode_png(png.substr(0, png.size() - 20), 0, chw, "x/cut.png"); }, {"x/cut.png", "truncated"});
  std::string interlaced = encode_png(4, 4, 2, rgb);
  interlaced[8 + 8 + 12] = 1;  // IHDR interlace byte; its CRC is now wrong, so fix it
  const uint32_t crc =
      static_cast<uint32_t>(crc32(0, reinterpret_cast<const unsigned char*>(interlaced.data()) + 12, 17));
  for (int i = 0; i < 4; ++i) interlaced[29 + i] = static_cast<char>((crc >> (24 - 8 * i)) & 0xff);
  expect_error([&] { decode_png(interlaced, 0, chw, "x/i.png"); }, {"x/i.png", "interlaced"});
}

TEST(DataImageFolder, CorruptJpegIsNamed) {
  TempDir dir;
  write_tree(dir, "data");
  const std::string victim = dir.file("data/train/dog/b.jpg");
  const std::string jpeg = read_bytes(victim);
  write_bytes(victim, jpeg.substr(0, jpeg.size() / 2));
  expect_error([&] { load_image_folder(dir.path().string() + "/data", {"train"}); },
               {"train/dog/b.jpg", "corrupt or unsupported JPEG"});
  write_bytes(victim, "this is not a picture");
  expect_error([&] { load_image_folder(dir.path().string() + "/data", {"train"}); }, {"train/dog/b.jpg", "JPEG"});
}

TEST(DataImageFolder, CorruptJpegInsideArchiveNamesArchiveAndMember) {
  TempDir dir;
  std::string bad = jpeg_of(1);
  for (size_t i = bad.size() / 2; i < bad.size() - 2; ++i) bad[i] = static_cast<char>(0xff);
  write_bytes(dir.file("a.tar"), tar_archive({{"train/x/1.jpg", jpeg_of(0)}, {"train/y/1.jpg", bad}}));
  expect_error([&] { load_image_folder(dir.file("a.tar"), {"train"}); }, {"a.tar:train/y/1.jpg", "JPEG"});
}

TEST(DataImageFolder, ImageOfAnotherSizeIsNamed) {
  TempDir dir;
  write_tree(dir, "data");
  write_bytes(dir.file("data/train/dog/b.jpg"), encode_jpeg(5, 4, 3, pattern_hwc(5, 4, 3, 0)));
  expect_error([&] { load_image_folder(dir.path().string() + "/data", {"train"}); },
               {"train/dog/b.jpg", "3x4x5", "3x4x6", "train/cat/z.jpg"});
}

TEST(DataImageFolder, TruncatedArchivesAreRejected) {
  TempDir dir;
  const std::string tar = archive_of_tree();
  write_bytes(dir.file("cut.tar"), tar.substr(0, tar.size() / 2));
  expect_error([&] { load_image_folder(dir.file("cut.tar"), {"train"}); }, {"cut.tar", "truncated"});
  const std::string gz = gzip(tar);
  write_bytes(dir.file("cut.tar.gz"), gz.substr(0, gz.size() * 2 / 3));
  expect_error([&] { load_image_folder(dir.file("cut.tar.gz"), {"train"}); }, {"cut.tar.gz", "truncated"});
  write_bytes(dir.file("noend.tar"), tar.substr(0, tar.size() - 1024));  // no end-of-archive blocks
  expect_error([&] { load_image_folder(dir.file("noend.tar"), {"train"}); },
               {"noend.tar", "truncated tar archive", "end-of-archive"});
}

TEST(DataImageFolder, CorruptTarHeaderIsRejected) {
  TempDir dir;
  std::string tar = archive_of_tree();
  tar[512 * 3 + 5] = 'X';  // inside the name field of a header: checksum no longer matches
  write_bytes(dir.file("bad.tar"), tar);
  expect_error([&] { load_image_folder(dir.file("bad.tar"), {"train"}); }, {"bad.tar", "corrupt tar header", "1536"});
  write_bytes(dir.file("notatar.tar"), jpeg_of(0));
  expect_error([&] { load_image_folder(dir.file("notatar.tar"), {"train"}); }, {"notatar.tar", "corrupt tar header"});
}

TEST(DataImageFolder, MissingSplitAndMismatchedClassesAreReported) {
  TempDir dir;
  write_tree(dir, "data");
  expect_error([&] { load_image_folder(dir.path().string() + "/data", {"train", "val"}); }, {"'val'", "data"});
  write_bytes(dir.file("data/test/bird/1.jpg"), jpeg_of(3));
  expect_error(
      [&] {
        load_image_folder(dir.path().string() + "/data", {"train", "test"});
      },
      {"'test'", "[bird cat dog]", "[cat dog]"});
  write_bytes(dir.file("a.tar"), tar_archive({{"train/x/1.jpg", jpeg_of(0)}}));
  expect_error([&] { load_image_folder(dir.file("a.tar"), {"train", "test"}); }, {"a.tar", "no images", "'test'"});
  std::filesystem::create_directories(dir.path() / "data/train/empty");
  expect_error([&] { load_image_folder(dir.path().string() + "/data", {"train"}); }, {"empty", "without"});
}

TEST(DataImageFolder, ResultAndFirstErrorDoNotDependOnThreads) {
  TempDir dir;
  constexpr int kCount = 150;  // more than two 64-image work chunks
  for (int i = 0; i < kCount; ++i) {
    char name[64];
    std::snprintf(name, sizeof name, "d/train/c%d/%03d.jpg", i % 2, i);
    write_bytes(dir.file(name), jpeg_of(i % 50));
  }
  const std::string root = dir.path().string() + "/d";
  const Dataset one = load_image_folder(root, {"train"}, 1)[0];
  const Dataset four = load_image_folder(root, {"train"}, 4)[0];
  EXPECT_EQ(one.count, kCount);
  EXPECT_EQ(one.pixels, four.pixels);
  EXPECT_EQ(one.labels, four.labels);
  // Class c0 holds the even images (75 of them): c0/140.jpg is sample 70 (work
  // chunk 2), c1/131.jpg sample 75 + 65 = 140 (chunk 3, maybe decoded first).
  write_bytes(dir.file("d/train/c1/131.jpg"), "broken");
  write_bytes(dir.file("d/train/c0/140.jpg"), "broken");
  for (int threads : {1, 2, 4}) expect_error([&] { load_image_folder(root, {"train"}, threads); }, {"c0/140.jpg"});
}

}  // namespace
}  // namespace graphc::runtime::data
