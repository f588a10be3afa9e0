// File: ike/auth/id_text.h
//
// IdText: an IKE identity as logs, events and `show` print it: a DN as OpenSSL's one-line text,
// an address, an FQDN / e-mail address as is, anything else (KEY_ID, unknown types) as
// "keyid:" and hex. Shared by IKEv1 and IKEv2. Pure; any thread.
#ifndef TUNNELISA_SRC_IKE_AUTH_ID_TEXT_H_
#define TUNNELISA_SRC_IKE_AUTH_ID_TEXT_H_

#include <string>

#include "ike/codec/id_payload.h"

namespace tunnelisa::ike {

std::string IdText(const IdPayload& id);

}  // namespace tunnelisa::ike

#endif  // TUNNELISA_SRC_IKE_AUTH_ID_TEXT_H_
