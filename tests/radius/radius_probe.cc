// radius_probe: drives tunnelisa's RadiusClient over real UDP sockets, for the freeradius
// tests (run_freeradius_test.sh). It is a host as a host author would write one: a socket
// per address family, poll() with the client's next deadline, CLOCK_MONOTONIC as `now`.
//
//   radius_probe [options] COMMAND...
//     --server ADDR:AUTH_PORT:ACCT_PORT:SECRET   (repeatable, in order of preference;
//                                                 ADDR is IPv4 or [IPv6])
//     --timeout-ms N   --tries N   --nas-id NAME
//   COMMAND, run one after the other, each to its outcome:
//     auth:USER:PASSWORD
//     acct:start|interim|stop:SESSION:USER[:IN_OCTETS:OUT_OCTETS:IN_PKTS:OUT_PKTS:SECONDS]
//
// One line per outcome on stdout, e.g.
//   auth alice accept server=127.0.0.1:21812 framed_ip=10.99.0.5 ... reply="welcome alice"
//   acct stop sess-1 response server=127.0.0.1:21813
// then `stats sent=... retransmits=... failovers=... timeouts=... ...`. Exit 0 when every
// command reached an outcome (whatever it was), 2 on bad usage, 3 when the overall 60 s
// bound ran out.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "tunnelisa/radius.h"

namespace {

using tunnelisa::Duration;
using tunnelisa::IpAddress;
using tunnelisa::MonoTime;
using tunnelisa::SecretBytes;
using namespace tunnelisa::radius;

constexpr int64_t kOverallLimitSeconds = 60;

MonoTime Now() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return MonoTime{static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec};
}

// UdpTransport: one unconnected socket per address family, bound to an ephemeral port.
class UdpTransport final : public RadiusTransport {
 public:
  bool Open() {
    fd4_ = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    fd6_ = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    return fd4_ >= 0;  // IPv6 is optional on the test host
  }
  ~UdpTransport() override {
    if (fd4_ >= 0) close(fd4_);
    if (fd6_ >= 0) close(fd6_);
  }

  void Send(const RadiusServerAddress& to, std::span<const uint8_t> datagram) override {
    if (to.address.is_v4()) {
      sockaddr_in sa{};
      sa.sin_family = AF_INET;
      sa.sin_port = htons(to.port);
      std::memcpy(&sa.sin_addr, to.address.bytes(), 4);
      // A failed send is a lost datagram: the client retransmits.
      (void)sendto(fd4_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&sa),
                   sizeof(sa));
    } else if (fd6_ >= 0) {
      sockaddr_in6 sa{};
      sa.sin6_family = AF_INET6;
      sa.sin6_port = htons(to.port);
      std::memcpy(&sa.sin6_addr, to.address.bytes(), 16);
      (void)sendto(fd6_, datagram.data(), datagram.size(), 0, reinterpret_cast<sockaddr*>(&sa),
                   sizeof(sa));
    }
  }

  // Poll: waits until `deadline` (or a datagram) and gives every datagram to `client`.
  void Poll(RadiusClient& client, MonoTime deadline) {
    pollfd fds[2] = {{fd4_, POLLIN, 0}, {fd6_, POLLIN, 0}};
    const int64_t wait_ns = deadline.is_infinite() ? 1000000000 : (deadline - Now()).ns;
    const int wait_ms = static_cast<int>(std::clamp<int64_t>(wait_ns / 1000000 + 1, 0, 1000));
    if (poll(fds, fd6_ >= 0 ? 2 : 1, wait_ms) <= 0) return;
    for (const pollfd& p : fds) {
      if (p.fd < 0 || (p.revents & POLLIN) == 0) continue;
      uint8_t buffer[4096 + 64];
      sockaddr_storage from{};
      socklen_t from_size = sizeof(from);
      const ssize_t n = recvfrom(p.fd, buffer, sizeof(buffer), MSG_DONTWAIT,
                                 reinterpret_cast<sockaddr*>(&from), &from_size);
      if (n < 0) continue;
      RadiusServerAddress source;
      if (from.ss_family == AF_INET) {
        const auto* sa = reinterpret_cast<const sockaddr_in*>(&from);
        source = {IpAddress::V4(ntohl(sa->sin_addr.s_addr)), ntohs(sa->sin_port)};
      } else {
        const auto* sa = reinterpret_cast<const sockaddr_in6*>(&from);
        source = {IpAddress::V6Bytes(sa->sin6_addr.s6_addr), ntohs(sa->sin6_port)};
      }
      client.OnDatagram(source, std::span<const uint8_t>(buffer, static_cast<size_t>(n)), Now());
    }
  }

 private:
  int fd4_ = -1;
  int fd6_ = -1;
};

std::optional<RadiusServer> ParseServer(std::string_view text) {
  // ADDR:AUTH:ACCT:SECRET, ADDR possibly [v6].
  std::string_view address_text;
  std::string_view rest;
  if (!text.empty() && text[0] == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos || close + 1 >= text.size()) return std::nullopt;
    address_text = text.substr(1, close - 1);
    rest = text.substr(close + 2);
  } else {
    const size_t colon = text.find(':');
    if (colon == std::string_view::npos) return std::nullopt;
    address_text = text.substr(0, colon);
    rest = text.substr(colon + 1);
  }
  std::vector<std::string> parts =
      absl::StrSplit(absl::string_view(rest.data(), rest.size()), absl::MaxSplits(':', 2));
  std::optional<IpAddress> address = IpAddress::Parse(address_text);
  uint32_t auth = 0;
  uint32_t acct = 0;
  if (!address.has_value() || parts.size() != 3 || !absl::SimpleAtoi(parts[0], &auth) ||
      !absl::SimpleAtoi(parts[1], &acct) || auth > 65535 || acct > 65535) {
    return std::nullopt;
  }
  RadiusServer server;
  server.address = *address;
  server.auth_port = static_cast<uint16_t>(auth);
  server.acct_port = static_cast<uint16_t>(acct);
  server.secret = SecretBytes(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(parts[2].data()), parts[2].size()));
  return server;
}

std::string Hex(const std::vector<uint8_t>& v) {
  std::string out;
  char buf[3];
  for (uint8_t b : v) {
    std::snprintf(buf, sizeof(buf), "%02x", b);
    out += buf;
  }
  return out;
}

std::string Printable(const std::string& s) {
  std::string out;
  for (char c : s) out += (c == '\n' || c == '"') ? ' ' : c;
  return out;
}

// RunCommand: starts one command and drives the client until it completes. False on a usage
// error or when the overall time bound ran out.
bool RunCommand(RadiusClient& client, UdpTransport& transport, std::string_view command,
                MonoTime limit, int* status) {
  std::vector<std::string> f =
      absl::StrSplit(absl::string_view(command.data(), command.size()), ':');
  bool done = false;
  absl::StatusOr<uint64_t> id = absl::InvalidArgumentError("unknown command");
  if (f.size() == 3 && f[0] == "auth") {
    AccessRequest r;
    r.user_name = f[1];
    r.password = SecretBytes(
        std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(f[2].data()), f[2].size()));
    r.calling_station_id = "198.51.100.7";
    r.nas_port_type = 5;  // Virtual
    r.service_type = 2;   // Framed
    id = client.Authenticate(std::move(r), Now(), [&](uint64_t, const AuthResult& a) {
      std::printf("auth %s %s", f[1].c_str(), std::string(AuthOutcomeName(a.outcome)).c_str());
      if (a.outcome != AuthOutcome::kTimeout)
        std::printf(" server=%s", a.server.ToString().c_str());
      if (a.framed_ip_address)
        std::printf(" framed_ip=%s", a.framed_ip_address->ToString().c_str());
      if (a.framed_ip_netmask) std::printf(" netmask=%s", a.framed_ip_netmask->ToString().c_str());
      for (const auto& c : a.classes) std::printf(" class=%s", Hex(c).c_str());
      if (a.session_timeout) std::printf(" session_timeout=%u", *a.session_timeout);
      std::printf(" reply=\"%s\" detail=\"%s\"\n", Printable(a.reply_message).c_str(),
                  Printable(a.detail).c_str());
      done = true;
    });
  } else if ((f.size() == 4 || f.size() == 9) && f[0] == "acct") {
    AccountingRequest r;
    if (f[1] == "start") {
      r.status_type = AcctStatusType::kStart;
    } else if (f[1] == "interim") {
      r.status_type = AcctStatusType::kInterimUpdate;
    } else if (f[1] == "stop") {
      r.status_type = AcctStatusType::kStop;
      r.terminate_cause = 1;  // User-Request
    }
    r.session_id = f[2];
    r.user_name = f[3];
    r.framed_ip_address = IpAddress::Parse("10.99.0.5");
    r.nas_port_type = 5;
    uint32_t seconds = 0;
    if (f.size() == 9 &&
        !(absl::SimpleAtoi(f[4], &r.input_octets) && absl::SimpleAtoi(f[5], &r.output_octets) &&
          absl::SimpleAtoi(f[6], &r.input_packets) && absl::SimpleAtoi(f[7], &r.output_packets) &&
          absl::SimpleAtoi(f[8], &seconds))) {
      std::fprintf(stderr, "radius_probe: bad numbers in %s\n", std::string(command).c_str());
      return false;
    }
    if (f.size() == 9) r.session_time = seconds;
    id = client.Account(std::move(r), Now(), [&](uint64_t, const AcctResult& a) {
      const bool answered = a.outcome == AcctOutcome::kResponse;
      std::printf("acct %s %s %s%s%s detail=\"%s\"\n", f[1].c_str(), f[2].c_str(),
                  answered ? "response" : "timeout", answered ? " server=" : "",
                  answered ? a.server.ToString().c_str() : "", Printable(a.detail).c_str());
      done = true;
    });
  }
  if (!id.ok()) {
    std::fprintf(stderr, "radius_probe: %s: %s\n", std::string(command).c_str(),
                 std::string(id.status().message()).c_str());
    *status = 2;
    return false;
  }
  while (!done) {
    if (Now() > limit) {
      std::fprintf(stderr, "radius_probe: overall %lld s bound ran out\n",
                   static_cast<long long>(kOverallLimitSeconds));
      *status = 3;
      return false;
    }
    transport.Poll(client, client.NextDeadline());
    client.OnTimer(Now());
  }
  std::fflush(stdout);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  RadiusClientOptions options;
  options.nas_identifier = "tunnelisa-probe";
  std::vector<std::string> commands;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    int64_t n = 0;
    if (arg == "--server" && has_value) {
      std::optional<RadiusServer> server = ParseServer(argv[++i]);
      if (!server.has_value()) {
        std::fprintf(stderr, "radius_probe: bad --server %s\n", argv[i]);
        return 2;
      }
      options.servers.push_back(*std::move(server));
    } else if (arg == "--timeout-ms" && has_value && absl::SimpleAtoi(argv[++i], &n)) {
      options.timeout = Duration::Milliseconds(n);
    } else if (arg == "--tries" && has_value && absl::SimpleAtoi(argv[++i], &n)) {
      options.tries = static_cast<int>(n);
    } else if (arg == "--nas-id" && has_value) {
      options.nas_identifier = argv[++i];
    } else if (!arg.empty() && arg[0] != '-') {
      commands.push_back(arg);
    } else {
      std::fprintf(stderr, "radius_probe: bad argument %s\n", arg.c_str());
      return 2;
    }
  }
  UdpTransport transport;
  if (!transport.Open()) {
    std::fprintf(stderr, "radius_probe: socket: %s\n", std::strerror(errno));
    return 2;
  }
  auto client = RadiusClient::Create(std::move(options), &transport);
  if (!client.ok()) {
    std::fprintf(stderr, "radius_probe: %s\n", std::string(client.status().message()).c_str());
    return 2;
  }
  const MonoTime limit = Now() + Duration::Seconds(kOverallLimitSeconds);
  int status = 0;
  for (const std::string& command : commands) {
    if (!RunCommand(**client, transport, command, limit, &status)) break;
  }
  const RadiusClientStats& s = (*client)->stats();
  std::printf(
      "stats sent=%llu retransmits=%llu failovers=%llu timeouts=%llu accepts=%llu rejects=%llu "
      "accounting_responses=%llu bad_authenticators=%llu bad_message_authenticators=%llu "
      "malformed=%llu unknown_responses=%llu\n",
      static_cast<unsigned long long>(s.sent), static_cast<unsigned long long>(s.retransmits),
      static_cast<unsigned long long>(s.failovers), static_cast<unsigned long long>(s.timeouts),
      static_cast<unsigned long long>(s.accepts), static_cast<unsigned long long>(s.rejects),
      static_cast<unsigned long long>(s.accounting_responses),
      static_cast<unsigned long long>(s.bad_authenticators),
      static_cast<unsigned long long>(s.bad_message_authenticators),
      static_cast<unsigned long long>(s.malformed),
      static_cast<unsigned long long>(s.unknown_responses));
  return status;
}
