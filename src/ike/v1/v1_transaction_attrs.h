// File: ike/v1/v1_transaction_attrs.h
//
// The ATTR payloads of the IKEv1 transaction exchange (exchange type 6) that remote access
// uses after phase 1, built and read as plain data (the exchange itself, with its HASH and
// retransmissions, runs in the manager):
//
//   XAUTH (draft-beaulieu-ike-xauth-02), the gateway being the edge device:
//     gw  -> REQUEST(XAUTH-TYPE generic, XAUTH-USER-NAME, XAUTH-USER-PASSWORD)
//     cl  -> REPLY(XAUTH-TYPE, XAUTH-USER-NAME "u", XAUTH-USER-PASSWORD "p")
//     gw  -> SET(XAUTH-STATUS 1 (OK) or 0 (FAIL))
//     cl  -> ACK(XAUTH-STATUS)
//   Mode Config (draft-dukes-ike-mode-cfg), client pull:
//     cl  -> REQUEST(INTERNAL_IP4_ADDRESS, INTERNAL_IP4_NETMASK, INTERNAL_IP4_DNS)
//     gw  -> REPLY(INTERNAL_IP4_ADDRESS a, INTERNAL_IP4_NETMASK 255.255.255.255, DNS ...)
//
// Every Parse* refuses what does not fit with InvalidArgument naming the problem; nothing
// here trusts a length it did not check.
#ifndef TUNNELISA_SRC_IKE_V1_V1_TRANSACTION_ATTRS_H_
#define TUNNELISA_SRC_IKE_V1_V1_TRANSACTION_ATTRS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "ike/auth/address_assigner.h"
#include "ike/codec/v1/v1_payloads.h"
#include "tunnelisa/secret.h"

namespace tunnelisa::ike::v1 {

// Bounds on what a client may send: a user name or password longer than RADIUS can carry
// (RFC 2865 5.1: User-Name's 253 octets; 5.2: User-Password at most 128) cannot be checked.
inline constexpr size_t kMaxXauthUserName = 253;
inline constexpr size_t kMaxXauthPassword = 128;

// XAUTH.
V1AttributePayload XauthRequest(uint16_t identifier);
// XauthRequested: the gateway's REQUEST as a client reads it: OK when it is a REQUEST that
// asks for a user name and password with XAUTH-TYPE generic (or none, which means generic).
absl::Status CheckXauthRequest(const V1AttributePayload& request);
V1AttributePayload XauthReply(uint16_t identifier, const std::string& user,
                              const SecretBytes& password);
struct XauthAnswer {
  std::string user;
  SecretBytes password;
};
// ParseXauthReply: the client's REPLY to REQUEST `identifier`: its user name and password.
// A REPLY with Identifier 0 is taken too: strongSwan's XAUTH client sends it so (the M-ID and
// the HASH already tie the REPLY to our REQUEST); any other identifier is refused.
absl::StatusOr<XauthAnswer> ParseXauthReply(const V1AttributePayload& reply, uint16_t identifier);
V1AttributePayload XauthSet(uint16_t identifier, bool ok);
// ParseXauthSet: the gateway's SET: the XAUTH-STATUS it carries (true: OK).
absl::StatusOr<bool> ParseXauthSet(const V1AttributePayload& set);
V1AttributePayload XauthAck(uint16_t identifier);
// CheckXauthAck: the client's ACK to SET `identifier`.
absl::Status CheckXauthAck(const V1AttributePayload& ack, uint16_t identifier);

// Mode Config.
V1AttributePayload ModeCfgRequest(uint16_t identifier);
// ParseModeCfgRequest: the client's REQUEST: whether it asks for an IPv4 address, and the
// address it would like (a non-zero INTERNAL_IP4_ADDRESS value; a hint only).
struct ModeCfgAsk {
  bool address = false;
  std::optional<IpAddress> requested;
};
absl::StatusOr<ModeCfgAsk> ParseModeCfgRequest(const V1AttributePayload& request);
V1AttributePayload ModeCfgReply(uint16_t identifier, const ClientAddress& granted);
// ParseModeCfgReply: the gateway's REPLY to REQUEST `identifier`: the address and DNS
// servers (the lease handle is the gateway's and stays 0 here).
absl::StatusOr<ClientAddress> ParseModeCfgReply(const V1AttributePayload& reply,
                                                uint16_t identifier);

}  // namespace tunnelisa::ike::v1

#endif  // TUNNELISA_SRC_IKE_V1_V1_TRANSACTION_ATTRS_H_
