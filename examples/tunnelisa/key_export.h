// File: examples/tunnelisa/key_export.h
//
// WiresharkKeyFiles: the KeyLog (tunnelisa/key_log.h) behind `tunnelisa run --export-keys DIR`
// and `tunnelisa esp ... --export-keys DIR`. DIR becomes a Wireshark configuration directory
// holding the two key tables, `esp_sa` and `ikev2_decryption_table`, so that
//   WIRESHARK_CONFIG_DIR=DIR tshark -r capture.pcap -o esp.enable_encryption_decode:TRUE
// decrypts the capture (docs/gateway.md). Lines are appended as SAs come (stale ones are
// harmless to Wireshark). FOR DEBUGGING: the files hold live keys; they are created 0600 in a
// directory created 0700.
//
// One thread at a time (the engine's control thread). An SA whose algorithms Wireshark cannot
// decrypt gets a `#` comment line saying so instead (Wireshark skips comments).
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_KEY_EXPORT_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_KEY_EXPORT_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "tunnelisa/key_log.h"

namespace tunnelisa::cli {

class WiresharkKeyFiles final : public KeyLog {
 public:
  // Open: makes `dir` (0700) when missing and opens DIR/esp_sa and DIR/ikev2_decryption_table
  // for appending, made 0600 (existing ones are set to 0600 too). `on_error` hears about write
  // failures and skipped SAs (called on the writing thread). Fails (errno's text) when the
  // directory or a file cannot be made or opened.
  static absl::StatusOr<std::unique_ptr<WiresharkKeyFiles>> Open(
      const std::string& dir, std::function<void(std::string_view)> on_error);
  ~WiresharkKeyFiles() override;
  WiresharkKeyFiles(const WiresharkKeyFiles&) = delete;
  WiresharkKeyFiles& operator=(const WiresharkKeyFiles&) = delete;

  void OnEspSa(const EspSaKeys& sa) override;
  void OnIkev2Sa(const Ikev2SaKeys& sa) override;

  // Counters: lines written to each table, SAs written as a comment (unsupported algorithms),
  // failed writes.
  uint64_t esp_lines() const { return esp_lines_; }
  uint64_t ike_lines() const { return ike_lines_; }
  uint64_t skipped() const { return skipped_; }
  uint64_t write_errors() const { return write_errors_; }

 private:
  WiresharkKeyFiles(int esp_fd, int ike_fd, std::function<void(std::string_view)> on_error)
      : esp_fd_(esp_fd), ike_fd_(ike_fd), on_error_(std::move(on_error)) {}
  // Append: one whole line (with its newline) in one write(2) on an O_APPEND descriptor.
  bool Append(int fd, std::string line, std::string_view table);

  int esp_fd_;
  int ike_fd_;
  std::function<void(std::string_view)> on_error_;
  uint64_t esp_lines_ = 0;
  uint64_t ike_lines_ = 0;
  uint64_t skipped_ = 0;
  uint64_t write_errors_ = 0;
};

}  // namespace tunnelisa::cli

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_KEY_EXPORT_H_
