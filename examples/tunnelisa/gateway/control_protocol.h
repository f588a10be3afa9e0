// File: examples/tunnelisa/gateway/control_protocol.h
//
// The control socket protocol of `tunnelisa run` (a Unix stream socket, --control PATH):
//
//   client -> server: one request line, at most kMaxRequest bytes, ended by "\n":
//                     words separated by blanks; a word with blanks is put in double quotes.
//   server -> client: a status line, "OK" or "ERR <status-code-name>", then the output text;
//                     then the server closes the connection.
//
// Requests: `show WORDS...` (Engine::Show; `show --json WORDS...` for JSON), `sessions`,
// `counters`, `initiate SERVICE NAME`, `rekey SERVICE NAME child|ike`, `config reload [FILE]`
// (answered "OK", or an error listing each refusal), `isa CARD/MDA fail|recover`, `metrics`
// (Engine::Metrics and the gateway's counters in Prometheus' text format). A client that
// sends nothing for kClientTimeoutMs is disconnected. The gateway side is control_server.h, the
// client control_client.h.
#ifndef TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_CONTROL_PROTOCOL_H_
#define TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_CONTROL_PROTOCOL_H_

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace tunnelisa::gateway {

inline constexpr size_t kMaxRequest = 4096;
inline constexpr int kClientTimeoutMs = 5000;

// Header-only, like control_client.h: `tunnelisa show` (config_commands.cc) is also compiled
// into config_test, which links none of the gateway.

namespace control_internal {

inline bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace control_internal

// JoinRequest: the request line for `words` (without the "\n"), quoting words with blanks.
inline std::string JoinRequest(std::span<const std::string> words) {
  std::string line;
  for (const std::string& w : words) {
    if (!line.empty()) line += ' ';
    bool quote = w.empty();
    for (char c : w) quote |= control_internal::IsBlank(c);
    line += quote ? "\"" + w + "\"" : w;
  }
  return line;
}

// SplitRequest: the words of a request line; nullopt for an unterminated quote.
inline std::optional<std::vector<std::string>> SplitRequest(std::string_view line) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < line.size()) {
    if (control_internal::IsBlank(line[i])) {
      ++i;
      continue;
    }
    if (line[i] == '"') {
      size_t end = line.find('"', i + 1);
      if (end == std::string_view::npos) return std::nullopt;
      words.emplace_back(line.substr(i + 1, end - i - 1));
      i = end + 1;
      continue;
    }
    size_t start = i;
    while (i < line.size() && !control_internal::IsBlank(line[i])) ++i;
    words.emplace_back(line.substr(start, i - start));
  }
  return words;
}

}  // namespace tunnelisa::gateway

#endif  // TUNNELISA_EXAMPLES_TUNNELISA_GATEWAY_CONTROL_PROTOCOL_H_
