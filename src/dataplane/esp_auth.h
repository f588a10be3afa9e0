// SetEspAuthData: what a CryptoOp authenticates besides the ciphertext, shared by the outbound
// and inbound paths so both sides build it the same way.
#ifndef TUNNELISA_SRC_DATAPLANE_ESP_AUTH_H_
#define TUNNELISA_SRC_DATAPLANE_ESP_AUTH_H_

#include <cstdint>

#include "dataplane/ip_header.h"
#include "dataplane/sa.h"
#include "tunnelisa/crypto_backend.h"
#include "tunnelisa/wire_constants.h"

namespace tunnelisa::dataplane {

// SetEspAuthData: `esp` is the ESP header, followed by the IV and `ct_len` bytes of
// ciphertext; `seq` the full (64-bit with ESN) sequence number. Fast path.
inline void SetEspAuthData(CryptoOp& op, const SaHot& h, uint8_t* esp, uint32_t ct_len,
                           uint64_t seq) {
  if (h.aead) {
    //= https://www.rfc-editor.org/rfc/rfc4106#section-5
    //# the AAD consists of the SPI and (extended) sequence number
    Store32(op.aad, h.spi);
    if (h.esn) {
      Store32(op.aad + 4, static_cast<uint32_t>(seq >> 32));
      Store32(op.aad + 8, static_cast<uint32_t>(seq));
      op.aad_len = 12;
    } else {
      Store32(op.aad + 4, static_cast<uint32_t>(seq));
      op.aad_len = 8;
    }
    return;
  }
  op.auth = esp;
  op.auth_len = kEspHeaderSize + h.iv_size + ct_len;
  //= https://www.rfc-editor.org/rfc/rfc4303#appendix-A.2.1
  //# the high-order 32 bits are ... included in the ICV computation ... appended after the
  //# payload (they are not transmitted).
  if (h.esn) {
    Store32(op.aad, static_cast<uint32_t>(seq >> 32));
    op.aad_len = 4;
  }
}

}  // namespace tunnelisa::dataplane

#endif  // TUNNELISA_SRC_DATAPLANE_ESP_AUTH_H_
