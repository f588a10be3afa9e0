// ChainVerifier: OpenSSL builds and checks the chain (X509_STORE_CTX). The only trusted
// certificate is the trust anchor's, with X509_V_FLAG_PARTIAL_CHAIN so an intermediate CA
// can anchor (the guide: the expected CA must be in the chain before the root); the other
// ca-profiles' certificates help build the path as untrusted ones. A chain that does not
// reach the anchor is retried against every enabled profile to tell "trust anchor absent"
// (it chains to another known CA) from "unknown CA".
#include "tunnelisa/pki/verify.h"

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "common/str_cat.h"
#include "pki/ossl.h"

namespace tunnelisa::pki {

struct ChainVerifier::State {
  std::vector<CaProfile> profiles;
  // Per enabled profile: a store trusting that profile's certificate only.
  absl::flat_hash_map<std::string, ossl::StorePtr> anchor_stores;
  ossl::StorePtr all_enabled;      // trusts every enabled profile (the second opinion)
  ossl::X509StackPtr enabled_cas;  // untrusted helpers when building a path
  ossl::CrlStackPtr crls;          // every profile's CRL
  // Each profile's CA certificate and its CRL (verified against it at load): the fast path's
  // revocation check (CheckRevocation).
  std::vector<std::pair<X509*, X509_CRL*>> crl_of;
};

namespace {

struct CallbackData {
  bool allow_missing_crl = false;
};
int g_callback_index = -1;

bool IsCrlError(int err) {
  switch (err) {
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CRL_SIGNATURE:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_DIFFERENT_CRL_SCOPE:
      return true;
    default:
      return false;
  }
}

// VerifyCallback: OpenSSL calls it for every problem; returning 1 overrides one. We
// override CRL problems of the trust anchor itself (it is trusted by configuration; when it
// is an intermediate, its issuer is not in the chain, so its issuer's CRL can't even be
// checked), and "no CRL" below it when the caller allows missing CRLs.
int VerifyCallback(int ok, X509_STORE_CTX* ctx) {
  if (ok == 1) return 1;
  int err = X509_STORE_CTX_get_error(ctx);
  if (!IsCrlError(err)) return 0;
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_chain(ctx);
  int top = chain == nullptr ? -1 : sk_X509_num(chain) - 1;
  if (X509_STORE_CTX_get_error_depth(ctx) == top) return 1;
  const auto* data =
      static_cast<const CallbackData*>(X509_STORE_CTX_get_ex_data(ctx, g_callback_index));
  return data != nullptr && data->allow_missing_crl && err == X509_V_ERR_UNABLE_TO_GET_CRL ? 1 : 0;
}

VerifyFailure Classify(int err) {
  switch (err) {
    case X509_V_ERR_CERT_HAS_EXPIRED:
      return VerifyFailure::kExpired;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      return VerifyFailure::kNotYetValid;
    case X509_V_ERR_CERT_REVOKED:
      return VerifyFailure::kRevoked;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
      return VerifyFailure::kUnknownCa;
    case X509_V_ERR_CERT_SIGNATURE_FAILURE:
    case X509_V_ERR_UNABLE_TO_DECRYPT_CERT_SIGNATURE:
    case X509_V_ERR_CRL_SIGNATURE_FAILURE:
      return VerifyFailure::kBadSignature;
    case X509_V_ERR_KEYUSAGE_NO_CERTSIGN:
    case X509_V_ERR_KEYUSAGE_NO_CRL_SIGN:
    case X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE:
    case X509_V_ERR_INVALID_CA:
    case X509_V_ERR_INVALID_PURPOSE:
    case X509_V_ERR_PATH_LENGTH_EXCEEDED:
      return VerifyFailure::kBadKeyUsage;
    case X509_V_ERR_UNABLE_TO_GET_CRL:
    case X509_V_ERR_CRL_HAS_EXPIRED:
    case X509_V_ERR_CRL_NOT_YET_VALID:
    case X509_V_ERR_UNABLE_TO_GET_CRL_ISSUER:
      return VerifyFailure::kCrlUnavailable;
    case X509_V_ERR_ERROR_IN_CERT_NOT_BEFORE_FIELD:
    case X509_V_ERR_ERROR_IN_CERT_NOT_AFTER_FIELD:
    case X509_V_ERR_UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY:
    case X509_V_ERR_INVALID_EXTENSION:
    case X509_V_ERR_INVALID_NON_CA:
      return VerifyFailure::kMalformed;
    default:
      return VerifyFailure::kOther;
  }
}

struct Run {
  bool ok = false;
  int error = X509_V_OK;
  int depth = -1;
  std::string subject;  // the failing certificate's
  ossl::X509StackPtr chain;
};

Run RunOpenSsl(X509_STORE* store, X509* leaf, STACK_OF(X509) * untrusted, STACK_OF(X509_CRL) * crls,
               const VerifyRequest& request) {
  Run run;
  ossl::StoreCtxPtr ctx(X509_STORE_CTX_new());
  CallbackData data{.allow_missing_crl = request.allow_missing_crl};
  if (!ctx || X509_STORE_CTX_init(ctx.get(), store, leaf, untrusted) != 1) {
    run.error = X509_V_ERR_OUT_OF_MEM;
    return run;
  }
  if (crls != nullptr) {
    X509_STORE_CTX_set0_crls(ctx.get(), crls);
    X509_STORE_CTX_set_ex_data(ctx.get(), g_callback_index, &data);
    X509_STORE_CTX_set_verify_cb(ctx.get(), VerifyCallback);
  }
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
  // The caller's wall clock, never the system's (set_time also sets USE_CHECK_TIME).
  X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(request.now.unix_seconds));
  X509_VERIFY_PARAM_set_flags(
      param, crls != nullptr
                 ? X509_V_FLAG_CRL_CHECK | X509_V_FLAG_CRL_CHECK_ALL | X509_V_FLAG_PARTIAL_CHAIN
                 : X509_V_FLAG_PARTIAL_CHAIN);
  X509_VERIFY_PARAM_set_depth(param, 8);
  run.ok = X509_verify_cert(ctx.get()) == 1;
  run.error = X509_STORE_CTX_get_error(ctx.get());
  run.depth = X509_STORE_CTX_get_error_depth(ctx.get());
  if (X509* current = X509_STORE_CTX_get_current_cert(ctx.get()); current != nullptr) {
    run.subject = ossl::NameText(X509_get_subject_name(current));
  }
  run.chain.reset(X509_STORE_CTX_get1_chain(ctx.get()));
  ERR_clear_error();
  return run;
}

// Revocation: the fast path's own CRL check over a chain OpenSSL built and verified without
// CRLs. Each certificate below the top is looked up in its issuer's CRL, the issuer being a
// ca-profile's certificate whose CRL was verified against it when the profile was loaded
// (CaProfile::Create), so no CRL signature is verified again per handshake (OpenSSL's
// X509_V_FLAG_CRL_CHECK does, once per chain element: twice the cost of the peer's chain on
// a P-256 handshake). The lookup and the dates are OpenSSL's. nullopt: not revoked, every
// CRL current; otherwise the failure, its detail and depth. `fallback`: the case is one the
// full OpenSSL run must decide (no profile CRL for an issuer), with the same answer as before.
struct Revocation {
  VerifyFailure failure = VerifyFailure::kNone;
  std::string detail;
  int depth = -1;
  bool fallback = false;
};

Revocation CheckRevocation(STACK_OF(X509) * chain,
                           const std::vector<std::pair<X509*, X509_CRL*>>& crl_of, time_t now) {
  Revocation r;
  const int n = sk_X509_num(chain);
  for (int i = 0; i + 1 < n; ++i) {
    X509* cert = sk_X509_value(chain, i);
    X509* issuer = sk_X509_value(chain, i + 1);
    X509_CRL* crl = nullptr;
    for (const auto& [ca, ca_crl] : crl_of) {
      if (X509_cmp(ca, issuer) == 0) {
        crl = ca_crl;
        break;
      }
    }
    if (crl == nullptr) {
      r.fallback = true;  // an issuer the peer sent: OpenSSL's own lookup decides
      return r;
    }
    const ASN1_TIME* next = X509_CRL_get0_nextUpdate(crl);
    if (X509_cmp_time(X509_CRL_get0_lastUpdate(crl), &now) > 0 ||
        (next != nullptr && X509_cmp_time(next, &now) < 0)) {
      r.fallback = true;  // a stale CRL: the full run reports it as it always did
      return r;
    }
    X509_REVOKED* entry = nullptr;
    if (X509_CRL_get0_by_cert(crl, &entry, cert) == 1) {
      r.failure = VerifyFailure::kRevoked;
      r.detail = StrCat("certificate revoked at depth ", i, " (\"",
                        ossl::NameText(X509_get_subject_name(cert)), "\")");
      r.depth = i;
      return r;
    }
  }
  return r;
}

VerifyResult Failure(VerifyFailure failure, std::string detail, int depth = -1) {
  VerifyResult r;
  r.failure = failure;
  r.detail = std::move(detail);
  r.depth = depth;
  return r;
}

}  // namespace

std::string_view VerifyFailureName(VerifyFailure failure) {
  switch (failure) {
    case VerifyFailure::kNone:
      return "ok";
    case VerifyFailure::kMalformed:
      return "malformed";
    case VerifyFailure::kExpired:
      return "expired";
    case VerifyFailure::kNotYetValid:
      return "not-yet-valid";
    case VerifyFailure::kRevoked:
      return "revoked";
    case VerifyFailure::kUnknownCa:
      return "unknown-ca";
    case VerifyFailure::kTrustAnchorAbsent:
      return "trust-anchor-absent";
    case VerifyFailure::kTrustAnchorDown:
      return "trust-anchor-down";
    case VerifyFailure::kBadKeyUsage:
      return "bad-key-usage";
    case VerifyFailure::kBadSignature:
      return "bad-signature";
    case VerifyFailure::kCrlUnavailable:
      return "crl-unavailable";
    case VerifyFailure::kOther:
      return "other";
  }
  return "?";
}

ChainVerifier::ChainVerifier(std::unique_ptr<State> state) : state_(std::move(state)) {}
ChainVerifier::~ChainVerifier() = default;

absl::StatusOr<std::unique_ptr<ChainVerifier>> ChainVerifier::Create(
    std::span<const CaProfile> profiles) {
  // One ex_data slot for the callback's options, made once for the process.
  static const int index = X509_STORE_CTX_get_ex_new_index(0, nullptr, nullptr, nullptr, nullptr);
  g_callback_index = index;
  auto state = std::make_unique<State>();
  state->all_enabled.reset(X509_STORE_new());
  state->enabled_cas.reset(sk_X509_new_null());
  state->crls.reset(sk_X509_CRL_new_null());
  if (!state->all_enabled || !state->enabled_cas || !state->crls) {
    return absl::ResourceExhaustedError("out of memory");
  }
  for (const CaProfile& p : profiles) {
    if (state->anchor_stores.contains(p.name())) {
      return absl::InvalidArgumentError(StrCat("two ca-profiles named \"", p.name(), "\""));
    }
    state->profiles.push_back(p);
    X509_CRL_up_ref(p.crl().native());
    sk_X509_CRL_push(state->crls.get(), p.crl().native());
    // Borrowed: state->profiles keeps the certificate and CRL alive.
    state->crl_of.emplace_back(p.certificate().native(), p.crl().native());
    if (p.shutdown()) continue;
    ossl::StorePtr store(X509_STORE_new());
    if (!store || X509_STORE_add_cert(store.get(), p.certificate().native()) != 1 ||
        X509_STORE_add_cert(state->all_enabled.get(), p.certificate().native()) != 1) {
      ERR_clear_error();  // the same CA in two profiles: already in the all-store
    }
    X509_up_ref(p.certificate().native());
    sk_X509_push(state->enabled_cas.get(), p.certificate().native());
    state->anchor_stores.emplace(p.name(), std::move(store));
  }
  return std::unique_ptr<ChainVerifier>(new ChainVerifier(std::move(state)));
}

VerifyResult ChainVerifier::Verify(const VerifyRequest& request) const {
  auto leaf = request.peer_parsed != nullptr ? absl::StatusOr<Certificate>(*request.peer_parsed)
                                             : Certificate::FromDer(request.peer_cert);
  if (!leaf.ok()) {
    return Failure(VerifyFailure::kMalformed, StrCat("peer certificate: ", leaf.status().message()),
                   0);
  }
  auto anchor = state_->anchor_stores.find(std::string(request.trust_anchor));
  if (anchor == state_->anchor_stores.end()) {
    return Failure(VerifyFailure::kTrustAnchorDown,
                   StrCat("trust anchor \"", request.trust_anchor,
                          "\" is not a configured, enabled ca-profile"));
  }
  // Untrusted path material: what the peer sent, then the other known CAs.
  ossl::BorrowedX509StackPtr untrusted(sk_X509_new_null());
  std::vector<Certificate> sent;
  for (size_t i = 0; i < request.intermediates.size(); ++i) {
    auto cert = Certificate::FromDer(request.intermediates[i]);
    if (!cert.ok()) {
      return Failure(VerifyFailure::kMalformed,
                     StrCat("intermediate ", i + 1, ": ", cert.status().message()));
    }
    sent.push_back(*cert);
    sk_X509_push(untrusted.get(), cert->native());  // `sent` keeps them alive
  }
  for (int i = 0; i < sk_X509_num(state_->enabled_cas.get()); ++i) {
    sk_X509_push(untrusted.get(), sk_X509_value(state_->enabled_cas.get(), i));
  }

  // Fast path: the chain without CRLs, then revocation from the profiles' pre-verified CRLs.
  // Anything unusual (a failure, an issuer without a profile CRL, a stale CRL) runs the full
  // check below, whose answers are the reference.
  Run run = RunOpenSsl(anchor->second.get(), leaf->native(), untrusted.get(), nullptr, request);
  if (run.ok) {
    Revocation rev = CheckRevocation(run.chain.get(), state_->crl_of,
                                     static_cast<time_t>(request.now.unix_seconds));
    if (rev.failure != VerifyFailure::kNone) return Failure(rev.failure, rev.detail, rev.depth);
    if (rev.fallback) run.ok = false;
  }
  if (!run.ok) {
    run = RunOpenSsl(anchor->second.get(), leaf->native(), untrusted.get(), state_->crls.get(),
                     request);
  }
  if (!run.ok) {
    VerifyFailure failure = Classify(run.error);
    std::string why = X509_verify_cert_error_string(run.error);
    if (failure == VerifyFailure::kUnknownCa) {
      Run second = RunOpenSsl(state_->all_enabled.get(), leaf->native(), untrusted.get(),
                              state_->crls.get(), request);
      if (second.ok) {
        return Failure(VerifyFailure::kTrustAnchorAbsent,
                       StrCat("the chain reaches a known CA but not the trust anchor \"",
                              request.trust_anchor, "\""),
                       run.depth);
      }
    }
    if (failure == VerifyFailure::kCrlUnavailable) {
      // OpenSSL checks revocation before validity dates, so a chain checked long after
      // issue reports the stale CRL first; the certificate's own expiry says more.
      time_t t = static_cast<time_t>(request.now.unix_seconds);
      for (int i = 0; i < sk_X509_num(run.chain.get()); ++i) {
        X509* c = sk_X509_value(run.chain.get(), i);
        std::string subject = ossl::NameText(X509_get_subject_name(c));
        if (X509_cmp_time(X509_get0_notAfter(c), &t) < 0) {
          return Failure(VerifyFailure::kExpired,
                         StrCat("certificate has expired at depth ", i, " (\"", subject, "\")"), i);
        }
        if (X509_cmp_time(X509_get0_notBefore(c), &t) > 0) {
          return Failure(
              VerifyFailure::kNotYetValid,
              StrCat("certificate is not yet valid at depth ", i, " (\"", subject, "\")"), i);
        }
      }
    }
    return Failure(failure, StrCat(why, " at depth ", run.depth, " (\"", run.subject, "\")"),
                   run.depth);
  }

  VerifyResult result;
  for (int i = 0; i < sk_X509_num(run.chain.get()); ++i) {
    X509* c = sk_X509_value(run.chain.get(), i);
    X509_up_ref(c);
    result.chain.emplace_back(ossl::ShareX509(ossl::X509Ptr(c)));
  }
  if (request.require_digital_signature) {
    KeyUsage ku = leaf->key_usage();
    if (ku.present && !ku.digital_signature && !ku.non_repudiation) {
      // RFC 4945 section 5.1.3.2: an IKE end-entity key signs, so a keyUsage extension,
      // when present, must allow digitalSignature or nonRepudiation.
      return Failure(VerifyFailure::kBadKeyUsage,
                     StrCat("\"", leaf->SubjectText(),
                            "\": keyUsage allows neither digitalSignature nor "
                            "nonRepudiation"),
                     0);
    }
  }
  result.failure = VerifyFailure::kNone;
  result.detail = "ok";
  return result;
}

}  // namespace tunnelisa::pki
