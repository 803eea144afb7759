// CSV tables for regression: header detection, target columns, and the
// messages for cells and rows that are wrong.
#include <gtest/gtest.h>

#include "data_test_files.h"
#include "ir/error.h"
#include "runtime/data/csv.h"

namespace graphc::runtime::data {
namespace {
using namespace testing;

// The seeds' linear-regression table: temp, rainfall, humidity -> apples, oranges.
const char* kWithHeader =
    "temp,rainfall,humidity,apples,oranges\n"
    "73,67,43,56,70\n"
    "91,88,64,81,101\n"
    "87,134,58,119,133\n";

TEST(DataCsv, HeaderAndTwoTargets) {
  TempDir dir;
  const std::string path = dir.file("fruit.csv");
  write_bytes(path, kWithHeader);
  const Dataset ds = load_csv(path, 2);
  EXPECT_EQ(ds.count, 3);
  EXPECT_EQ(ds.sample_shape, (Shape{3}));
  EXPECT_EQ(ds.features, (std::vector<float>{73, 67, 43, 91, 88, 64, 87, 134, 58}));
  EXPECT_EQ(ds.target_count, 2);
  EXPECT_EQ(ds.targets, (std::vector<float>{56, 70, 81, 101, 119, 133}));
  EXPECT_FALSE(ds.is_classification());
  EXPECT_EQ(ds.column_names, (std::vector<std::string>{"temp", "rainfall", "humidity", "apples", "oranges"}));
}

TEST(DataCsv, NoHeaderCrlfBlanksQuotesAndExponents) {
  TempDir dir;
  const std::string path = dir.file("t.csv");
  write_bytes(path, "1.5, -2 ,\"3\"\r\n\r\n  \n+4e-1,5E2,-0.25\r\n");
  const Dataset ds = load_csv(path, 1);
  EXPECT_EQ(ds.count, 2);
  EXPECT_TRUE(ds.column_names.empty());
  EXPECT_EQ(ds.features, (std::vector<float>{1.5f, -2.0f, 0.4f, 500.0f}));
  EXPECT_EQ(ds.targets, (std::vector<float>{3.0f, -0.25f}));
}

TEST(DataCsv, GzippedCsvLoads) {
  TempDir dir;
  const std::string path = dir.file("fruit.csv.gz");
  write_bytes(path, gzip(kWithHeader));
  EXPECT_EQ(load_csv(path, 2).count, 3);
}

TEST(DataCsv, NonNumericCellNamesLineAndColumn) {
  TempDir dir;
  const std::string path = dir.file("bad.csv");
  write_bytes(path, "a,b,y\n1,2,3\n\n4,five,6\n");
  expect_error([&] { load_csv(path, 1); }, {path + ":4", "column 2 (b)", "'five'"});
  write_bytes(path, "1,2,3\n4,,6\n");
  expect_error([&] { load_csv(path, 1); }, {path + ":2", "column 2", "''"});
  write_bytes(path, "1,2,3\n4,nan,6\n");
  expect_error([&] { load_csv(path, 1); }, {path + ":2", "'nan'", "finite"});
}

TEST(DataCsv, RaggedRowIsRejected) {
  TempDir dir;
  const std::string path = dir.file("ragged.csv");
  write_bytes(path, "x1,x2,y\n1,2,3\n4,5\n");
  expect_error([&] { load_csv(path, 1); }, {path + ":3", "2 columns", "expected 3"});
  write_bytes(path, "1,2,3\n4,5,6,7\n");
  expect_error([&] { load_csv(path, 1); }, {path + ":2", "4 columns"});
}

TEST(DataCsv, EmptyFilesAndTooManyTargetsAreRejected) {
  TempDir dir;
  const std::string path = dir.file("e.csv");
  write_bytes(path, "\n\n");
  expect_error([&] { load_csv(path, 1); }, {path, "empty"});
  write_bytes(path, "a,b\n");
  expect_error([&] { load_csv(path, 1); }, {path, "no data rows"});
  write_bytes(path, "1,2\n");
  expect_error([&] { load_csv(path, 2); }, {path, "none for features"});
  expect_error([&] { load_csv(path, 0); }, {path, "at least one target"});
  expect_error([&] { load_csv(dir.file("missing.csv"), 1); }, {"missing.csv", "cannot open"});
}

}  // namespace
}  // namespace graphc::runtime::data
