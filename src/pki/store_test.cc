#include "tunnelisa/pki/store.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "pki/mint.h"
#include "tunnelisa/pki/codec.h"

namespace tunnelisa::pki {
namespace {

using testing::Key;

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = ::testing::TempDir() + "/pki_store_" +
           ::testing::UnitTest::GetInstance()->current_test_info()->name() + "_" +
           std::to_string(getpid());
    std::filesystem::remove_all(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  static int Mode(const std::string& path) {
    struct stat st = {};
    EXPECT_EQ(lstat(path.c_str(), &st), 0) << path;
    return static_cast<int>(st.st_mode & 0777);
  }
  std::string dir_;
};

TEST_F(StoreTest, KeyFileIsCreated0600AndReused) {
  umask(022);
  auto store = PkiStore::OpenWithKeyFile(dir_);
  ASSERT_TRUE(store.ok()) << store.status();
  std::string key_file = dir_ + "/.store-key";
  EXPECT_EQ(Mode(key_file), 0600);
  EXPECT_EQ(Mode(dir_), 0700);
  EXPECT_EQ(std::filesystem::file_size(key_file), 32u);

  PrivateKey key = Key(KeyType::kEcdsaP256);
  ASSERT_TRUE(store->SaveKey("gw1.key", key).ok());
  EXPECT_EQ(Mode(dir_ + "/gw1.key"), 0600);
  // A second open reads the same key file, so the key still decrypts.
  auto again = PkiStore::OpenWithKeyFile(dir_);
  ASSERT_TRUE(again.ok()) << again.status();
  auto loaded = again->LoadKey("gw1.key");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(loaded->public_key().Equals(key.public_key()));
}

TEST_F(StoreTest, RefusesAKeyFileOthersCanRead) {
  ASSERT_TRUE(PkiStore::OpenWithKeyFile(dir_).ok());
  ASSERT_EQ(chmod((dir_ + "/.store-key").c_str(), 0644), 0);
  auto s = PkiStore::OpenWithKeyFile(dir_);
  EXPECT_EQ(s.status().code(), absl::StatusCode::kPermissionDenied) << s.status();
}

TEST_F(StoreTest, KeysAreEncryptedAtRest) {
  std::filesystem::create_directories(dir_);
  SecretBytes kek(std::vector<uint8_t>(32, 0x42));
  auto store = PkiStore::Open(dir_, kek.Clone());
  ASSERT_TRUE(store.ok()) << store.status();
  PrivateKey key = Key(KeyType::kRsa);
  ASSERT_TRUE(store->SaveKey("gw1.key", key).ok());
  // The file is an EncryptedPrivateKeyInfo: it does not import as a plain key.
  std::ifstream in(dir_ + "/gw1.key", std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  EXPECT_FALSE(ImportKey(bytes, FileFormat::kDer, "gw1.key").ok());
  // The right key decrypts it, another does not.
  auto loaded = store->LoadKey("gw1.key");
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  EXPECT_TRUE(loaded->Matches(testing::Mint({.key = key.public_key(), .issuer_key = key})));
  auto other = PkiStore::Open(dir_, SecretBytes(std::vector<uint8_t>(32, 0x43)));
  ASSERT_TRUE(other.ok());
  auto wrong = other->LoadKey("gw1.key");
  EXPECT_EQ(wrong.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(wrong.status().message().find("gw1.key"), absl::string_view::npos);
  EXPECT_FALSE(PkiStore::Open(dir_, SecretBytes(std::vector<uint8_t>(8, 1))).ok());
  EXPECT_EQ(PkiStore::Open(dir_ + "/nope", kek.Clone()).status().code(),
            absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, CertificatesAndCrlsAreDerFiles) {
  auto store = PkiStore::OpenWithKeyFile(dir_);
  ASSERT_TRUE(store.ok());
  PrivateKey ca_key = Key(KeyType::kEcdsaP256);
  Certificate ca = testing::Mint(
      {.subject = "CN=CA", .key = ca_key.public_key(), .issuer_key = ca_key, .ca = true});
  Crl crl = testing::MintCrl({.issuer = &ca, .issuer_key = ca_key});
  ASSERT_TRUE(store->SaveCertificate("ca.der", ca).ok());
  ASSERT_TRUE(store->SaveCrl("ca.crl", crl).ok());
  EXPECT_EQ(Mode(dir_ + "/ca.der"), 0644);
  std::ifstream in(dir_ + "/ca.der", std::ios::binary);
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), {});
  EXPECT_EQ(bytes, ca.Der());
  auto cert = store->LoadCertificate("ca.der");
  ASSERT_TRUE(cert.ok());
  EXPECT_TRUE(*cert == ca);
  auto crl_back = store->LoadCrl("ca.crl");
  ASSERT_TRUE(crl_back.ok());
  EXPECT_EQ(crl_back->Der(), crl.Der());
  // The wrong kind of file under a name: a clear error naming it.
  auto wrong = store->LoadCrl("ca.der");
  EXPECT_FALSE(wrong.ok());
  EXPECT_NE(wrong.status().message().find("ca.der"), absl::string_view::npos);
  EXPECT_FALSE(store->LoadKey("ca.der").ok());
  auto listed = store->List();
  ASSERT_TRUE(listed.ok());
  EXPECT_EQ(*listed, (std::vector<std::string>{"ca.crl", "ca.der"}));
  EXPECT_TRUE(store->Remove("ca.crl").ok());
  EXPECT_EQ(store->Remove("ca.crl").code(), absl::StatusCode::kNotFound);
}

TEST_F(StoreTest, OnlyPlainNamesInTheDirectory) {
  auto store = PkiStore::OpenWithKeyFile(dir_);
  ASSERT_TRUE(store.ok());
  for (std::string_view bad :
       std::vector<std::string_view>{"", ".", "..", "../etc/passwd", "a/b", "/etc/passwd",
                                     ".store-key", ".hidden", std::string_view("a\0b", 3)}) {
    SCOPED_TRACE(std::string(bad));
    EXPECT_EQ(PkiStore::CheckName(bad).code(), absl::StatusCode::kInvalidArgument);
    EXPECT_FALSE(store->LoadCertificate(bad).ok());
    EXPECT_FALSE(store->LoadKey(bad).ok());
  }
  EXPECT_FALSE(PkiStore::CheckName(std::string(256, 'a')).ok());
  EXPECT_TRUE(PkiStore::CheckName("corp-ca.der").ok());
  EXPECT_EQ(store->LoadCertificate("missing.der").status().code(), absl::StatusCode::kNotFound);
  // A symlink planted in the directory is not an imported file.
  ASSERT_EQ(symlink("/etc/hostname", (dir_ + "/link.der").c_str()), 0);
  EXPECT_EQ(store->LoadCertificate("link.der").status().code(),
            absl::StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace tunnelisa::pki
