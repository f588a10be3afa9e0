// make_ikev1_seeds: writes the seed corpus of ikev1_message_fuzz with the IKEv1 codec's own
// serializer (and V1Protector for the encrypted ones, keyed like the fuzz target). Built in
// fuzz builds only; run from the repository root:
//   build-fuzz/bin/make_ikev1_seeds tests/fuzz/corpus/ikev1_message
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "ike/codec/v1/v1_message.h"
#include "ike/v1/crypto/v1_protector.h"

namespace {

using namespace tunnelisa;
using namespace tunnelisa::ike::v1;
using Bytes = std::vector<uint8_t>;

V1Header Header(V1Exchange exchange, uint32_t mid = 0, uint64_t rcookie = 0x1112131415161718) {
  return {
      .icookie = 0x0102030405060708, .rcookie = rcookie, .exchange = exchange, .message_id = mid};
}

V1Payload Sa(V1ProtocolId protocol) {
  V1Transform t{.number = 1, .id = protocol == V1ProtocolId::kIsakmp ? kV1KeyIke : uint8_t{12}};
  if (protocol == V1ProtocolId::kIsakmp) {
    t.attributes = {V1Attribute::Tv(1, 7),          V1Attribute::Tv(14, 256),
                    V1Attribute::Tv(2, 2),          V1Attribute::Tv(3, 1),
                    V1Attribute::Tv(4, 14),         V1Attribute::Tv(11, 1),
                    V1Attribute::Integer(12, 86400)};
  } else {
    t.attributes = {V1Attribute::Tv(1, 1), V1Attribute::Integer(2, 3600), V1Attribute::Tv(4, 1),
                    V1Attribute::Tv(5, 2), V1Attribute::Tv(6, 128)};
  }
  V1Proposal p{.protocol = protocol, .transforms = {t}};
  if (protocol != V1ProtocolId::kIsakmp) p.spi = {0xc0, 0xff, 0xee, 0x01};
  return V1Payload::Make(V1PayloadType::kSa, V1SaPayload{.proposals = {p}});
}

V1Payload Vid(const auto& id) {
  return V1Payload::Make(V1PayloadType::kVendorId, V1VendorIdPayload{{id.begin(), id.end()}});
}

bool Write(const std::string& dir, const std::string& name, const Bytes& bytes) {
  std::ofstream out(dir + "/" + name, std::ios::binary);
  out.write(reinterpret_cast<const char*>(bytes.data()),
            static_cast<std::streamsize>(bytes.size()));
  return out.good();
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_ikev1_seeds <corpus directory>\n");
    return 2;
  }
  const std::string dir = argv[1];
  const V1Payload ke = V1Payload::Make(V1PayloadType::kKe, V1KePayload{Bytes(256, 0x5a)});
  const V1Payload nonce = V1Payload::Make(V1PayloadType::kNonce, V1NoncePayload{Bytes(32, 0x4e)});
  const V1Payload natd = V1Payload::Make(V1PayloadType::kNatD, V1NatDPayload{Bytes(20, 0xd0)});
  const V1Payload id =
      V1Payload::Make(V1PayloadType::kId, V1IdPayload::FromAddress(*IpAddress::Parse("192.0.2.1")));
  const V1Payload hash = V1Payload::Make(V1PayloadType::kHash, V1HashPayload{Bytes(20, 0x4a)});
  struct Seed {
    std::string name;
    V1Header header;
    std::vector<V1Payload> payloads;
    bool encrypt;
  };
  std::vector<Seed> seeds = {
      {"mm1",
       Header(V1Exchange::kIdentityProtection, 0, 0),
       {Sa(V1ProtocolId::kIsakmp), Vid(kVendorIdRfc3947), Vid(kVendorIdDpd), Vid(kVendorIdXauth)},
       false},
      {"mm3", Header(V1Exchange::kIdentityProtection), {ke, nonce, natd, natd}, false},
      {"mm5", Header(V1Exchange::kIdentityProtection), {id, hash}, true},
      {"am1",
       Header(V1Exchange::kAggressive, 0, 0),
       {Sa(V1ProtocolId::kIsakmp), ke, nonce, id},
       false},
      {"qm1",
       Header(V1Exchange::kQuickMode, 0x2a),
       {hash, Sa(V1ProtocolId::kIpsecEsp), nonce, ke,
        V1Payload::Make(V1PayloadType::kId,
                        V1IdPayload::FromPrefix(*IpPrefix::Parse("10.0.0.0/24"))),
        V1Payload::Make(V1PayloadType::kId,
                        V1IdPayload::FromPrefix(*IpPrefix::Parse("10.0.1.0/24"))),
        V1Payload::Make(V1PayloadType::kNatOa, V1NatOaPayload{*IpAddress::Parse("192.168.1.2")})},
       true},
      {"dpd",
       Header(V1Exchange::kInformational, 0x77),
       {hash,
        V1Payload::Make(V1PayloadType::kNotify, V1NotifyPayload{.type = V1NotifyType::kRUThere,
                                                                .spi = Bytes(16, 1),
                                                                .data = {0, 0, 0, 1}})},
       true},
      {"delete",
       Header(V1Exchange::kInformational, 0x78),
       {hash, V1Payload::Make(V1PayloadType::kDelete,
                              V1DeletePayload{.spis = {{1, 2, 3, 4}, {5, 6, 7, 8}}})},
       false},
      {"xauth",
       Header(V1Exchange::kTransaction, 0x79),
       {hash, V1Payload::Make(V1PayloadType::kAttribute,
                              V1AttributePayload{.type = V1CfgType::kRequest,
                                                 .identifier = 7,
                                                 .attributes = {V1Attribute::Tv(16520, 0),
                                                                V1Attribute::Tlv(16521, {}),
                                                                V1Attribute::Tlv(16522, {})}})},
       true},
      {"cert",
       Header(V1Exchange::kIdentityProtection),
       {id, V1Payload::Make(V1PayloadType::kCert, V1CertPayload{.data = Bytes(64, 0x30)}),
        V1Payload::Make(V1PayloadType::kCertReq, V1CertReqPayload{}),
        V1Payload::Make(V1PayloadType::kSig, V1SigPayload{Bytes(64, 0x51)})},
       false},
  };
  const Bytes gxi(128, 1), gxr(128, 2), key(16, 3);  // as in ikev1_message_fuzz.cc
  for (const Seed& s : seeds) {
    absl::StatusOr<Bytes> bytes = SerializeV1Message(s.header, s.payloads);
    if (!bytes.ok() || !Write(dir, s.name, *bytes)) return 1;
    if (s.encrypt) {
      // Sealed from a fresh chain each time, so the fuzz target's fresh protector opens it.
      auto fresh = V1Protector::Create(OpenSslIkeCrypto(), EncryptionAlgorithm::kAes128Cbc, key,
                                       pki::HashAlgorithm::kSha1, gxi, gxr);
      if (!fresh.ok()) return 1;
      absl::StatusOr<Bytes> sealed = (*fresh)->Seal(s.header, s.payloads);
      if (!sealed.ok() || !Write(dir, s.name + "_encrypted", *sealed)) return 1;
    }
  }
  return 0;
}
