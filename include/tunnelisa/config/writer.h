// File: tunnelisa/config/writer.h
//
// WriteConfig: the canonical text of a configuration, in the SR OS syntax the parser reads:
// `config system security pki`, `config isa`, `config ipsec` and `config service` trees,
// four-space indentation, every context closed by `exit`, objects in key order, names quoted.
// For every Config x that the validator accepts, ParseConfigText(WriteConfig(x)) gives back x
// (tested).
//
// The text contains the secrets (pre-shared keys, manual keys) as configured: treat it like
// the configuration file it is. Thread-safe; never fails.
#ifndef TUNNELISA_CONFIG_WRITER_H_
#define TUNNELISA_CONFIG_WRITER_H_

#include <string>

#include "tunnelisa/config/model.h"

namespace tunnelisa::config {

std::string WriteConfig(const Config& config);

}  // namespace tunnelisa::config

#endif  // TUNNELISA_CONFIG_WRITER_H_
