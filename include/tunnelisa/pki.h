// File: tunnelisa/pki.h
//
// The PKI layer (X.509 for IKE certificate authentication), all of it: keys
// (pki/key.h), certificates, CRLs and requests (pki/certificate.h), import / export
// (pki/codec.h), enrollment (pki/enroll.h), the PKI directory (pki/store.h), ca-profiles
// (pki/ca_profile.h) and chain verification (pki/verify.h). docs/pki.md is the guide.
#ifndef TUNNELISA_PKI_H_
#define TUNNELISA_PKI_H_

#include "tunnelisa/pki/ca_profile.h"   // IWYU pragma: export
#include "tunnelisa/pki/certificate.h"  // IWYU pragma: export
#include "tunnelisa/pki/codec.h"        // IWYU pragma: export
#include "tunnelisa/pki/enroll.h"       // IWYU pragma: export
#include "tunnelisa/pki/key.h"          // IWYU pragma: export
#include "tunnelisa/pki/store.h"        // IWYU pragma: export
#include "tunnelisa/pki/verify.h"       // IWYU pragma: export

#endif  // TUNNELISA_PKI_H_
