// EapClient (eap_client.h): the methods a tunnelisa IKEv2 client answers.
#include "ike/auth/eap_client.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "absl/status/status.h"
#include "common/str_cat.h"

namespace tunnelisa::ike {
namespace {

// MSCHAPv2 OpCodes (draft-kamath-pppext-eap-mschapv2-02 2).
constexpr uint8_t kOpChallenge = 1;
constexpr uint8_t kOpResponse = 2;
constexpr uint8_t kOpSuccess = 3;
constexpr uint8_t kOpFailure = 4;

std::vector<uint8_t> Response(const EapPacket& request, uint8_t type, std::vector<uint8_t> data) {
  //= https://www.rfc-editor.org/rfc/rfc3748#section-4.1
  //# The Identifier field of the Response MUST match that of the currently outstanding
  //# Request.
  EapPacket r{EapCode::kResponse, request.identifier, type, std::move(data)};
  std::vector<uint8_t> out = r.Serialize();
  OPENSSL_cleanse(r.data.data(), r.data.size());
  return out;
}

}  // namespace

absl::StatusOr<std::vector<uint8_t>> EapClient::Respond(const EapPacket& request) {
  if (request.code != EapCode::kRequest) {
    return absl::InvalidArgumentError(
        StrCat("EAP ", EapCodeName(request.code), " where a Request was expected"));
  }
  switch (static_cast<EapType>(request.type)) {
    case EapType::kIdentity:
      return Response(request, request.type,
                      {credentials_.identity.begin(), credentials_.identity.end()});
    case EapType::kNotification:
      //= https://www.rfc-editor.org/rfc/rfc3748#section-5.2
      //# The peer MUST respond to a Notification Request with a Notification Response
      //# unless the EAP authentication method specification prohibits the use of
      //# Notification messages.
      return Response(request, request.type, {});
    case EapType::kMd5Challenge:
      return Md5Challenge(request);
    case EapType::kMsChapV2:
      return MsChapV2(request);
    default:
      //= https://www.rfc-editor.org/rfc/rfc3748#section-5.3.1
      //# The legacy Nak Type is valid only in Response messages.  It is sent in reply to a
      //# Request where the desired authentication Type is unacceptable.
      return Response(
          request, static_cast<uint8_t>(EapType::kNak),
          {static_cast<uint8_t>(EapType::kMsChapV2), static_cast<uint8_t>(EapType::kMd5Challenge)});
  }
}

absl::StatusOr<std::vector<uint8_t>> EapClient::Md5Challenge(const EapPacket& request) {
  //= https://www.rfc-editor.org/rfc/rfc3748#section-5.4
  //# The Type-Data field for the Request contains a "challenge" (Value-Size, Value, Name)
  if (request.data.empty() || request.data[0] == 0 || 1u + request.data[0] > request.data.size()) {
    return absl::InvalidArgumentError("EAP MD5-Challenge request with a malformed Value-Size");
  }
  if (credentials_.password == nullptr) return absl::FailedPreconditionError("no EAP password");
  method_ = "MD5-Challenge";
  const std::span<const uint8_t> challenge(request.data.data() + 1, request.data[0]);
  // RFC 1994 4.1, which MD5-Challenge follows: MD5(Identifier | secret | challenge).
  std::vector<uint8_t> value(16);
  unsigned int size = 0;
  EVP_MD_CTX* c = EVP_MD_CTX_new();
  const bool ok =
      c != nullptr && EVP_DigestInit_ex(c, EVP_md5(), nullptr) == 1 &&
      EVP_DigestUpdate(c, &request.identifier, 1) == 1 &&
      EVP_DigestUpdate(c, credentials_.password->data(), credentials_.password->size()) == 1 &&
      EVP_DigestUpdate(c, challenge.data(), challenge.size()) == 1 &&
      EVP_DigestFinal_ex(c, value.data(), &size) == 1 && size == 16;
  EVP_MD_CTX_free(c);
  if (!ok) return absl::InternalError("MD5 failed");
  std::vector<uint8_t> data = {16};
  data.insert(data.end(), value.begin(), value.end());
  data.insert(data.end(), credentials_.identity.begin(), credentials_.identity.end());
  return Response(request, request.type, std::move(data));
}

absl::StatusOr<std::vector<uint8_t>> EapClient::MsChapV2(const EapPacket& request) {
  // OpCode | MS-CHAPv2-ID | MS-Length (2) | ...; MS-Length counts from the OpCode.
  const std::vector<uint8_t>& d = request.data;
  if (d.size() < 4) return absl::InvalidArgumentError("EAP MSCHAPv2 request shorter than 4");
  const uint8_t op = d[0];
  const uint8_t ms_id = d[1];
  if (credentials_.password == nullptr) return absl::FailedPreconditionError("no EAP password");
  method_ = "MSCHAPv2";
  switch (op) {
    case kOpChallenge: {
      // Value-Size (16) | Challenge (16) | Name
      if (d.size() < 4 + 1 + 16 || d[4] != 16) {
        return absl::InvalidArgumentError("EAP MSCHAPv2 challenge without a 16-octet Challenge");
      }
      mschapv2::Challenge auth{}, peer{};
      std::copy(d.begin() + 5, d.begin() + 21, auth.begin());
      random_(peer);
      absl::StatusOr<mschapv2::NtResponse> nt =
          mschapv2::GenerateNtResponse(auth, peer, credentials_.identity, *credentials_.password);
      if (!nt.ok()) return nt.status();
      authenticator_challenge_ = auth;
      peer_challenge_ = peer;
      nt_response_ = *nt;
      //= https://www.rfc-editor.org/rfc/rfc2759#section-4
      //# Peer-Challenge (16), Reserved (8, zero), NT-Response (24), Flags (1, zero)
      std::vector<uint8_t> value(peer.begin(), peer.end());
      value.resize(24, 0);
      value.insert(value.end(), nt->begin(), nt->end());
      value.push_back(0);
      const size_t ms_length = 4 + 1 + value.size() + credentials_.identity.size();
      std::vector<uint8_t> data = {kOpResponse, ms_id, static_cast<uint8_t>(ms_length >> 8),
                                   static_cast<uint8_t>(ms_length), 49};
      data.insert(data.end(), value.begin(), value.end());
      data.insert(data.end(), credentials_.identity.begin(), credentials_.identity.end());
      return Response(request, request.type, std::move(data));
    }
    case kOpSuccess: {
      if (!nt_response_) {
        return absl::InvalidArgumentError("EAP MSCHAPv2 success request before any challenge");
      }
      // Message: "S=<40 hex digits> M=<text>".
      const std::string message(d.begin() + 4, d.end());
      absl::StatusOr<std::string> expected =
          mschapv2::AuthenticatorResponse(*credentials_.password, *nt_response_, *peer_challenge_,
                                          *authenticator_challenge_, credentials_.identity);
      if (!expected.ok()) return expected.status();
      //= https://www.rfc-editor.org/rfc/rfc2759#section-5
      //# The peer MUST verify the authenticator response when a Success packet is received.
      if (message.size() < expected->size() ||
          CRYPTO_memcmp(message.data(), expected->data(), expected->size()) != 0) {
        return absl::PermissionDeniedError(
            "the EAP server's MSCHAPv2 authenticator response is wrong: it does not know the "
            "password");
      }
      absl::StatusOr<SecretBytes> msk = mschapv2::PeerMsk(*credentials_.password, *nt_response_);
      if (!msk.ok()) return msk.status();
      msk_ = *std::move(msk);
      server_proven_ = true;
      return Response(request, request.type, {kOpSuccess});
    }
    case kOpFailure:
      failure_detail_.assign(d.begin() + 4, d.end());
      return Response(request, request.type, {kOpFailure});
    default:
      return absl::InvalidArgumentError(StrCat("EAP MSCHAPv2 OpCode ", int{op}, " unknown"));
  }
}

}  // namespace tunnelisa::ike
