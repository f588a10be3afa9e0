// EnginePki: the certificates, keys and CA profiles a configuration names, loaded from the
// host's PKI directory (EngineOptions::pki_store) when the configuration is applied, with the
// chain verifier built over the profiles. Immutable; IKE's certificate authenticators share
// it. Control path.
#ifndef TUNNELISA_SRC_ENGINE_ENGINE_PKI_H_
#define TUNNELISA_SRC_ENGINE_ENGINE_PKI_H_

#include <memory>
#include <optional>
#include <string_view>

#include "absl/status/statusor.h"
#include "ike/auth/authenticator.h"
#include "ike/codec/id_payload.h"
#include "tunnelisa/config/model.h"
#include "tunnelisa/config/pki_files.h"
#include "tunnelisa/pki/store.h"
#include "tunnelisa/pki/verify.h"

namespace tunnelisa {

struct EnginePki {
  config::PkiMaterial material;
  std::shared_ptr<const pki::ChainVerifier> verifier;
};

// LoadEnginePki: nullptr for a configuration that names no PKI file; FailedPrecondition when it
// does and there is no store; InvalidArgument listing every bad file (ResolvePkiFiles'
// messages) when one does not load or check out.
absl::StatusOr<std::shared_ptr<const EnginePki>> LoadEnginePki(const config::Config& config,
                                                               const pki::PkiStore* store);

// IkeAuthFor: the authenticators of a tunnel or ipsec-gw under `policy` (own-auth-method proves
// us, auth-method checks the peer), and with certificates our identity (the certificate's
// subject DN, the guide's note) unless `local_id_configured`. FailedPrecondition with the
// reason the tunnel stays down ("no SA: ...").
struct IkeAuthSetup {
  ike::IkeAuthConfig auth;
  std::optional<ike::IdPayload> local_id;  // set: use it instead of the default identity
};
absl::StatusOr<IkeAuthSetup> IkeAuthFor(std::string_view what, const config::IkePolicy& policy,
                                        const std::optional<config::ConfigSecret>& psk,
                                        const std::optional<config::CertAuth>& cert,
                                        const EnginePki* pki);

}  // namespace tunnelisa

#endif  // TUNNELISA_SRC_ENGINE_ENGINE_PKI_H_
