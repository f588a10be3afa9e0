// EAP packets, the MS-CHAPv2 computations (RFC 2759 9.2 and RFC 3079 3.5.3 sample values) and
// the EapClient's answers.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

#include "ike/auth/eap_client.h"
#include "ike/auth/eap_packet.h"
#include "ike/auth/mschapv2.h"

namespace tunnelisa::ike {
namespace {

std::vector<uint8_t> Hex(std::string_view hex) {
  std::vector<uint8_t> out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  }
  return out;
}

SecretBytes Secret(std::string_view s) {
  return SecretBytes(std::vector<uint8_t>(s.begin(), s.end()));
}

std::vector<uint8_t> Bytes(const SecretBytes& s) { return {s.span().begin(), s.span().end()}; }

template <size_t N>
std::array<uint8_t, N> Array(std::string_view hex) {
  std::array<uint8_t, N> a{};
  std::vector<uint8_t> v = Hex(hex);
  std::copy(v.begin(), v.end(), a.begin());
  return a;
}

TEST(EapPacket, ParsesAndSerializesEachCode) {
  absl::StatusOr<EapPacket> p = EapPacket::Parse(Hex("0107000a01616c696365"));
  ASSERT_TRUE(p.ok()) << p.status();
  EXPECT_EQ(p->code, EapCode::kRequest);
  EXPECT_EQ(p->identifier, 7);
  EXPECT_EQ(p->type, 1);
  EXPECT_EQ(std::string(p->data.begin(), p->data.end()), "alice");
  EXPECT_EQ(p->Serialize(), Hex("0107000a01616c696365"));
  absl::StatusOr<EapPacket> s = EapPacket::Parse(Hex("03090004"));
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->code, EapCode::kSuccess);
  EXPECT_EQ(s->Serialize(), Hex("03090004"));
  // Octets past Length are padding.
  absl::StatusOr<EapPacket> padded = EapPacket::Parse(Hex("040900040000"));
  ASSERT_TRUE(padded.ok());
  EXPECT_EQ(padded->code, EapCode::kFailure);
}

TEST(EapPacket, RefusesMalformedPacketsWithTheirFault) {
  auto why = [](std::string_view hex) {
    return std::string(EapPacket::Parse(Hex(hex)).status().message());
  };
  EXPECT_NE(why("0101").find("its header is 4"), std::string::npos);
  EXPECT_NE(why("01010010").find("exceeds"), std::string::npos);
  EXPECT_NE(why("01010003").find("below 4"), std::string::npos);
  EXPECT_NE(why("05010004").find("unknown EAP Code 5"), std::string::npos);
  EXPECT_NE(why("02010004").find("without a Type"), std::string::npos);
  EXPECT_NE(why("0301000500").find("must be 4"), std::string::npos);
}

// RFC 2759 9.2.
TEST(MsChapV2, Rfc2759SampleValues) {
  const SecretBytes password = Secret("clientPass");
  absl::StatusOr<SecretBytes> hash = mschapv2::NtPasswordHash(password);
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(Bytes(*hash), Hex("44EBBA8D5312B8D611474411F56989AE"));
  const auto auth = Array<16>("5B5D7C7D7B3F2F3E3C2C602132262628");
  const auto peer = Array<16>("21402324255E262A28295F2B3A337C7E");
  absl::StatusOr<mschapv2::NtResponse> nt =
      mschapv2::GenerateNtResponse(auth, peer, "User", password);
  ASSERT_TRUE(nt.ok()) << nt.status();
  EXPECT_EQ(std::vector<uint8_t>(nt->begin(), nt->end()),
            Hex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF"));
  absl::StatusOr<std::string> s =
      mschapv2::AuthenticatorResponse(password, *nt, peer, auth, "User");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(*s, "S=407A5589115FD0D6209F510FE9C04566932CDA56");
  // A domain before the user name is not hashed (RFC 2759 8.2).
  absl::StatusOr<mschapv2::NtResponse> with_domain =
      mschapv2::GenerateNtResponse(auth, peer, "CORP\\User", password);
  ASSERT_TRUE(with_domain.ok());
  EXPECT_EQ(*with_domain, *nt);
}

// RFC 3079 3.5.3 (128-bit keys, the same inputs; MasterKey FDECE371...): its sample send key
// is the server's (RFC 3079 3.4: "on the server side, it is the send key"), which is the
// peer's receive key, the second half of the peer's MSK (send key | receive key).
TEST(MsChapV2, Rfc3079ServerSendKeyClosesThePeerMsk) {
  const auto nt = Array<24>("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF");
  absl::StatusOr<SecretBytes> msk = mschapv2::PeerMsk(Secret("clientPass"), nt);
  ASSERT_TRUE(msk.ok()) << msk.status();
  ASSERT_EQ(msk->size(), 32u);
  EXPECT_EQ(std::vector<uint8_t>(msk->span().begin() + 16, msk->span().end()),
            Hex("8B7CDC149B993A1BA118CB153F56DCCB"));
  // The first half: SHA1(MasterKey | 40 x 00 | "On the client side, this is the send key;
  // ..." | 40 x F2), computed independently.
  EXPECT_EQ(std::vector<uint8_t>(msk->span().begin(), msk->span().begin() + 16),
            Hex("D5F0E9521E3EA9589645E86051C82226"));
}

EapClient MakeClient(std::string identity, std::string_view password) {
  return EapClient({std::move(identity), std::make_shared<const SecretBytes>(Secret(password))},
                   [](std::span<uint8_t> out) {
                     std::vector<uint8_t> peer = Hex("21402324255E262A28295F2B3A337C7E");
                     std::copy(peer.begin(), peer.begin() + static_cast<std::ptrdiff_t>(out.size()),
                               out.begin());
                   });
}

TEST(EapClient, AnswersIdentityAndMd5Challenge) {
  EapClient client = MakeClient("alice", "alice-password");
  absl::StatusOr<std::vector<uint8_t>> id = client.Respond(*EapPacket::Parse(Hex("0105000501")));
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(*id, Hex("0205000a01616c696365"));
  // MD5-Challenge: Value-Size 4, challenge 01020304.
  absl::StatusOr<std::vector<uint8_t>> md5 =
      client.Respond(*EapPacket::Parse(Hex("0106000a040401020304")));
  ASSERT_TRUE(md5.ok());
  std::vector<uint8_t> in = {6};
  const std::string pw = "alice-password";
  in.insert(in.end(), pw.begin(), pw.end());
  in.insert(in.end(), {1, 2, 3, 4});
  std::vector<uint8_t> digest(16);
  unsigned int n = 0;
  ASSERT_EQ(EVP_Digest(in.data(), in.size(), digest.data(), &n, EVP_md5(), nullptr), 1);
  absl::StatusOr<EapPacket> r = EapPacket::Parse(*md5);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->code, EapCode::kResponse);
  EXPECT_EQ(r->identifier, 6);
  EXPECT_EQ(r->type, 4);
  ASSERT_GE(r->data.size(), 17u);
  EXPECT_EQ(r->data[0], 16);
  EXPECT_EQ(std::vector<uint8_t>(r->data.begin() + 1, r->data.begin() + 17), digest);
  EXPECT_EQ(client.method(), "MD5-Challenge");
  EXPECT_TRUE(client.TakeMsk().empty());
  // Bad Value-Size.
  EXPECT_FALSE(client.Respond(*EapPacket::Parse(Hex("0107000504"))).ok());
  EXPECT_FALSE(client.Respond(*EapPacket::Parse(Hex("01070007040901"))).ok());
}

TEST(EapClient, NaksUnknownMethodsProposingItsOwn) {
  EapClient client = MakeClient("alice", "pw");
  absl::StatusOr<std::vector<uint8_t>> nak = client.Respond(*EapPacket::Parse(Hex("0102000519")));
  ASSERT_TRUE(nak.ok());
  EXPECT_EQ(*nak, Hex("02020007031a04"));  // Nak: MSCHAPv2, MD5-Challenge
  EXPECT_FALSE(client.Respond(*EapPacket::Parse(Hex("03020004"))).ok());  // not a Request
}

// The RFC 2759 sample exchange wrapped in EAP-MSCHAPv2: Challenge, Response, Success with the
// authenticator response checked, then the MSK.
TEST(EapClient, MsChapV2ChecksTheServerAndExportsTheMsk) {
  EapClient client = MakeClient("User", "clientPass");
  // Request/MSCHAPv2 Challenge: OpCode 1, ID 9, MS-Length 26, Value-Size 16, challenge, "srv".
  std::vector<uint8_t> challenge = Hex("0109001a10");
  std::vector<uint8_t> ac = Hex("5B5D7C7D7B3F2F3E3C2C602132262628");
  challenge.insert(challenge.end(), ac.begin(), ac.end());
  challenge.insert(challenge.end(), {'s', 'r', 'v'});
  EapPacket req{EapCode::kRequest, 3, 26, challenge};
  absl::StatusOr<std::vector<uint8_t>> resp = client.Respond(req);
  ASSERT_TRUE(resp.ok()) << resp.status();
  absl::StatusOr<EapPacket> r = EapPacket::Parse(*resp);
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->data.size(), 4u + 1 + 49 + 4);
  EXPECT_EQ(r->data[0], 2);   // Response
  EXPECT_EQ(r->data[1], 9);   // the MS-CHAPv2-ID echoed
  EXPECT_EQ(r->data[3], 58);  // MS-Length
  EXPECT_EQ(std::vector<uint8_t>(r->data.begin() + 5 + 24, r->data.begin() + 5 + 48),
            Hex("82309ECD8D708B5EA08FAA3981CD83544233114A3D85D6DF"));
  // A wrong authenticator response: refused, no MSK.
  EapClient wrong = MakeClient("User", "clientPass");
  ASSERT_TRUE(wrong.Respond(req).ok());
  std::string bad = "S=407A5589115FD0D6209F510FE9C04566932CDA57 M=ok";
  std::vector<uint8_t> bad_success = {3, 9, 0, static_cast<uint8_t>(4 + bad.size())};
  bad_success.insert(bad_success.end(), bad.begin(), bad.end());
  absl::StatusOr<std::vector<uint8_t>> refused =
      wrong.Respond(EapPacket{EapCode::kRequest, 4, 26, bad_success});
  EXPECT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("authenticator response is wrong"), std::string::npos);
  EXPECT_FALSE(wrong.server_proven());
  // The right one.
  std::string good = "S=407A5589115FD0D6209F510FE9C04566932CDA56 M=welcome";
  std::vector<uint8_t> success = {3, 9, 0, static_cast<uint8_t>(4 + good.size())};
  success.insert(success.end(), good.begin(), good.end());
  absl::StatusOr<std::vector<uint8_t>> ack =
      client.Respond(EapPacket{EapCode::kRequest, 4, 26, success});
  ASSERT_TRUE(ack.ok()) << ack.status();
  EXPECT_EQ(*ack, Hex("020400061a03"));
  EXPECT_TRUE(client.server_proven());
  EXPECT_EQ(client.TakeMsk().size(), 32u);
  // Malformed: short, unknown OpCode, success before a challenge.
  EapClient fresh = MakeClient("User", "clientPass");
  EXPECT_FALSE(fresh.Respond(EapPacket{EapCode::kRequest, 1, 26, {1, 2}}).ok());
  EXPECT_FALSE(fresh.Respond(EapPacket{EapCode::kRequest, 1, 26, {9, 1, 0, 4}}).ok());
  EXPECT_FALSE(fresh.Respond(EapPacket{EapCode::kRequest, 1, 26, success}).ok());
  EXPECT_FALSE(fresh.Respond(EapPacket{EapCode::kRequest, 1, 26, {1, 1, 0, 5, 8}}).ok());
}

}  // namespace
}  // namespace tunnelisa::ike
