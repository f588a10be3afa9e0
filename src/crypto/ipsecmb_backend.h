// The Intel IPsec-MB backend's knobs that only tests and benchmarks need: which of the
// library's architecture managers to use. Hosts call CreateIpsecMbBackend()
// (tunnelisa/crypto_backend.h), which picks the best one for the CPU once.
#ifndef TUNNELISA_SRC_CRYPTO_IPSECMB_BACKEND_H_
#define TUNNELISA_SRC_CRYPTO_IPSECMB_BACKEND_H_

#include <cstdint>
#include <memory>

#include "tunnelisa/crypto_backend.h"

namespace tunnelisa::crypto {

// IpsecMbArch: the library's code paths (IMB_ARCH_SSE .. IMB_ARCH_AVX512); kAuto asks the
// library (init_mb_mgr_auto) for the fastest one this CPU runs.
enum class IpsecMbArch : uint8_t { kAuto, kSse, kAvx, kAvx2, kAvx512 };

// CreateIpsecMbBackendForArch: the "ipsecmb" backend on one architecture's code path, so tests
// can check every path this CPU runs against OpenSSL. nullptr when the library was not built
// in, the CPU lacks that path's features (or AES-NI), or the library cannot make a manager.
std::unique_ptr<CryptoBackend> CreateIpsecMbBackendForArch(IpsecMbArch arch);

}  // namespace tunnelisa::crypto

#endif  // TUNNELISA_SRC_CRYPTO_IPSECMB_BACKEND_H_
