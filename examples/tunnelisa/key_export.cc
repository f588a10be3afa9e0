// WiresharkKeyFiles (key_export.h): Wireshark's two key tables in a directory, appended to.
#include "examples/tunnelisa/key_export.h"

#include <fcntl.h>
#include <openssl/crypto.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "absl/strings/str_format.h"

namespace tunnelisa::cli {
namespace {

constexpr char kEspTable[] = "esp_sa";
constexpr char kIkeTable[] = "ikev2_decryption_table";
constexpr char kHeader[] =
    "# tunnelisa --export-keys: LIVE KEYS, for debugging only (docs/gateway.md)\n";

// OpenTable: DIR/NAME for appending, 0600, with the header comment when it is new.
absl::StatusOr<int> OpenTable(const std::string& dir, const char* name) {
  const std::string path = dir + "/" + name;
  int fd = open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) {
    return absl::UnavailableError(
        absl::StrFormat("--export-keys: cannot open %s: %s", path, std::strerror(errno)));
  }
  struct stat st {};
  // An existing file may have been made with wider permissions: the keys are not for others.
  if (fchmod(fd, 0600) != 0 || fstat(fd, &st) != 0) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError(
        absl::StrFormat("--export-keys: cannot restrict %s: %s", path, std::strerror(err)));
  }
  if (st.st_size == 0 && write(fd, kHeader, sizeof(kHeader) - 1) < 0) {
    const int err = errno;
    close(fd);
    return absl::UnavailableError(
        absl::StrFormat("--export-keys: cannot write %s: %s", path, std::strerror(err)));
  }
  return fd;
}

}  // namespace

absl::StatusOr<std::unique_ptr<WiresharkKeyFiles>> WiresharkKeyFiles::Open(
    const std::string& dir, std::function<void(std::string_view)> on_error) {
  if (dir.empty()) return absl::InvalidArgumentError("--export-keys needs a directory");
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) {
    return absl::UnavailableError(
        absl::StrFormat("--export-keys: cannot create %s: %s", dir, std::strerror(errno)));
  }
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrFormat("--export-keys: %s is not a directory", dir));
  }
  absl::StatusOr<int> esp = OpenTable(dir, kEspTable);
  if (!esp.ok()) return esp.status();
  absl::StatusOr<int> ike = OpenTable(dir, kIkeTable);
  if (!ike.ok()) {
    close(*esp);
    return ike.status();
  }
  return std::unique_ptr<WiresharkKeyFiles>(new WiresharkKeyFiles(*esp, *ike, std::move(on_error)));
}

WiresharkKeyFiles::~WiresharkKeyFiles() {
  close(esp_fd_);
  close(ike_fd_);
}

bool WiresharkKeyFiles::Append(int fd, std::string line, std::string_view table) {
  line.push_back('\n');
  const ssize_t n = write(fd, line.data(), line.size());
  const int err = errno;
  OPENSSL_cleanse(line.data(), line.size());  // the line holds keys
  if (n == static_cast<ssize_t>(line.size())) return true;
  ++write_errors_;
  if (on_error_) {
    on_error_(absl::StrFormat("--export-keys: writing %s failed: %s", table,
                              n < 0 ? std::strerror(err) : "short write"));
  }
  return false;
}

void WiresharkKeyFiles::OnEspSa(const EspSaKeys& sa) {
  absl::StatusOr<std::string> line = WiresharkEspSaLine(sa);
  if (!line.ok()) {
    ++skipped_;
    std::string why =
        absl::StrFormat("# SPI 0x%08x %s -> %s not exported: %s", sa.spi, sa.source.ToString(),
                        sa.destination.ToString(), line.status().message());
    if (on_error_) on_error_(why.substr(2));
    Append(esp_fd_, std::move(why), kEspTable);
    return;
  }
  if (Append(esp_fd_, *std::move(line), kEspTable)) ++esp_lines_;
}

void WiresharkKeyFiles::OnIkev2Sa(const Ikev2SaKeys& sa) {
  absl::StatusOr<std::string> line = WiresharkIkev2Line(sa);
  if (!line.ok()) {
    ++skipped_;
    std::string why = absl::StrFormat("# IKE SA %016x/%016x not exported: %s", sa.spi_i, sa.spi_r,
                                      line.status().message());
    if (on_error_) on_error_(why.substr(2));
    Append(ike_fd_, std::move(why), kIkeTable);
    return;
  }
  if (Append(ike_fd_, *std::move(line), kIkeTable)) ++ike_lines_;
}

}  // namespace tunnelisa::cli
