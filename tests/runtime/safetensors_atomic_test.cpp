// Saving is atomic: whatever fails (an unwritable or missing directory, a
// write cut short, a target that cannot be replaced), the previous file is
// untouched and no temporary file is left behind.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <filesystem>

#include "ir/error.h"
#include "runtime/checkpoint/safetensors.h"
#include "runtime/file_io.h"

namespace graphc::runtime {
namespace {

namespace fs = std::filesystem;

class SafetensorsAtomic : public testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("graphc_atomic_" + std::to_string(getpid()) + "_" +
                                        testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all);
    fs::remove_all(dir_);
  }

  std::vector<std::string> entries() const {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  static SafeTensors tensors(float value, size_t count) {
    SafeTensors file;
    file.tensors.push_back(make_tensor<float>("w", {static_cast<int64_t>(count)}, std::vector<float>(count, value)));
    return file;
  }

  fs::path dir_;
};

TEST_F(SafetensorsAtomic, ReplacesAnExistingFileWithNoTemporaryLeft) {
  std::string path = (dir_ / "ckpt.safetensors").string();
  save_safetensors(path, tensors(1.0f, 4));
  save_safetensors(path, tensors(2.0f, 8));
  EXPECT_EQ(entries(), std::vector<std::string>{"ckpt.safetensors"});
  EXPECT_EQ(tensor_values<float>(load_safetensors(path), "w", {8}), std::vector<float>(8, 2.0f));
}

TEST_F(SafetensorsAtomic, UnwritableDirectoryLeavesTheOldFile) {
  if (geteuid() == 0) GTEST_SKIP() << "root writes into read-only directories";
  std::string path = (dir_ / "ckpt.safetensors").string();
  save_safetensors(path, tensors(1.0f, 4));
  fs::permissions(dir_, fs::perms::owner_read | fs::perms::owner_exec);
  EXPECT_THROW(save_safetensors(path, tensors(2.0f, 4)), Error);
  fs::permissions(dir_, fs::perms::owner_all);
  EXPECT_EQ(entries(), std::vector<std::string>{"ckpt.safetensors"});
  EXPECT_EQ(tensor_values<float>(load_safetensors(path), "w", {4}), std::vector<float>(4, 1.0f));
}

TEST_F(SafetensorsAtomic, MissingDirectoryIsNamed) {
  std::string path = (dir_ / "no" / "ckpt.safetensors").string();
  try {
    save_safetensors(path, tensors(1.0f, 4));
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()), "cannot write " + path + ": No such file or directory");
  }
  EXPECT_TRUE(entries().empty());
}

// RLIMIT_FSIZE makes write() fail part way (EFBIG), as a full disk would,
// for root too.
TEST_F(SafetensorsAtomic, AWriteCutShortLeavesTheOldFile) {
  std::string path = (dir_ / "ckpt.safetensors").string();
  save_safetensors(path, tensors(1.0f, 4));
  rlimit old_limit{};
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
  rlimit small = old_limit;
  small.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  std::string error;
  try {
    save_safetensors(path, tensors(2.0f, 100000));
  } catch (const Error& e) {
    error = e.what();
  }
  setrlimit(RLIMIT_FSIZE, &old_limit);
  std::signal(SIGXFSZ, old_handler);
  EXPECT_EQ(error, "cannot write " + path + ": File too large");
  EXPECT_EQ(entries(), std::vector<std::string>{"ckpt.safetensors"});
  EXPECT_EQ(tensor_values<float>(load_safetensors(path), "w", {4}), std::vector<float>(4, 1.0f));
}

TEST_F(SafetensorsAtomic, ATargetThatCannotBeReplacedIsLeftAlone) {
  // rename() cannot put a file over a non-empty directory.
  fs::path target = dir_ / "ckpt.safetensors";
  fs::create_directories(target / "inside");
  EXPECT_THROW(save_safetensors(target.string(), tensors(1.0f, 4)), Error);
  EXPECT_EQ(entries(), std::vector<std::string>{"ckpt.safetensors"});
  EXPECT_TRUE(fs::is_directory(target / "inside"));
}

}  // namespace
}  // namespace graphc::runtime
