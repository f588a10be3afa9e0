#!/usr/bin/env bash
# tests/interop/strongswan/run_case.sh TUNNELISA WORKDIR CASE
#
# One interoperability case between `tunnelisa run` and strongSwan 5.9.8 (charon with the
# kernel-libipsec plugin, driven by swanctl over VICI), each in its own network namespace
# (lib.sh describes the set-up). The case name ends in the role of the IKE SA's initiator:
# -tl tunnelisa (`auto-establish`; the control socket's `initiate` for pfs, rekey, dpd and psk;
# a packet routed into the tunnel for 3des) or -ss strongSwan (`swanctl --initiate`).
# docs/testing.md lists the cases; in short:
#
#   aes128gcm16-ecp256-*    IKE aes128gcm16-prfsha256-ecp256, ESP aes128gcm16 (PFS ecp256)
#   aes256-sha256-modp2048-*  IKE aes256-sha256-modp2048, ESP aes256-sha256
#   3des-sha1-modp1024-*    IKE 3des-sha1-modp1024, ESP 3des-sha1 (legacy)
#   chacha20poly1305-x25519-*  IKE chacha20poly1305 with prf sha256 (-tl) / sha512 (-ss),
#                           x25519; ESP chacha20poly1305
#   pfs-*                   PFS: ESP with a D-H group; the CHILD SA rekey carries a KE
#     each of these: SA up, algorithms as configured on both sides, pings both ways, then a
#     CHILD SA rekey and an IKE SA rekey by strongSwan, pings again after each;
#   rekey-*                 pings both ways every 20 ms while strongSwan rekeys the CHILD SA,
#                           the IKE SA, and the CHILD SA again: nothing may be lost;
#   rekey-tl-*              the same, but tunnelisa starts the rekeys (the control socket's
#                           `rekey 101 to-ss child|ike`); also the request's error codes;
#   dpd-tl                  tunnelisa's DPD (interval 10, max-retries 1): its liveness check
#                           is answered, then charon is killed and the IKE SA must go down;
#   dpd-ss                  strongSwan's DPD (2 s): tunnelisa answers it, then tunnelisa is
#                           killed and charon must clear the SA;
#   psk-ss                  strongSwan initiates with a wrong PSK: tunnelisa refuses
#                           (auth-failed event), no SA anywhere;
#   psk-tl                  tunnelisa initiates with a wrong PSK: strongSwan refuses;
#   reboot-ss               strongSwan's IKE SA up, pings; charon is SIGKILLed and started
#                           again, and initiates anew with INITIAL_CONTACT: tunnelisa must
#                           drop the old IKE SA and CHILD SA at once (RFC 7296 2.4), leaving
#                           exactly one IKE session up; pings both ways over the new SA.
#   failover-ss             tunnel-group 1 (primary 1/1, backup 2/1): SA up (strongSwan
#                           initiates), pings; the control socket's `isa 1/1 fail`: tunnelisa
#                           renegotiates from 2/1 (INITIAL_CONTACT) and pings pass again within
#                           5 s; `show isa tunnel-group` lists 2/1 active, one IKE SA each side;
#                           `isa 1/1 recover` keeps 2/1 (no revert);
#   reload-ss               pings every 20 ms both ways while tunnelisa's configuration is
#                           reloaded (`config reload`) with another ESP transform: the SAs
#                           stay, nothing is lost; a forbidden change (the peer address of the
#                           up tunnel) is refused and changes nothing; SIGHUP reloads too;
#                           then tunnelisa rekeys the CHILD SA with the new transform.
#   cert-*                  certificate authentication: make_certs.sh (strongSwan's pki) makes
#                           the certificates, tunnelisa's are imported with `tunnelisa pki
#                           import`, its configuration passes `tunnelisa check --pki-dir`;
#   cert-rsa-*, cert-ecdsa-*  certificates both ways (RSA 2048 from the RSA root, ECDSA P-256
#                           from the ECDSA root): strongSwan shows tunnelisa's DN as the remote
#                           ID, logs both signature authentications and tunnelisa's certificate
#                           good in the CRL (revocation = strict); tunnelisa's sessions show
#                           strongSwan's DN; pings; strongSwan rekeys the IKE SA;
#   cert-chain-*            the same with end entities issued by the RSA intermediate, trust
#                           anchored at the root: each side sends the intermediate, charon's
#                           path has length 1;
#   cert-asym-*             tunnelisa proves itself with the PSK and checks strongSwan's
#                           certificate (strongSwan: local pubkey, remote psk);
#   cert-revoked-*          strongSwan presents a certificate its CA's CRL revokes: tunnelisa
#                           refuses ("certificate revoked" in the auth-failed event); as the
#                           initiator (-tl) it tells charon in an INFORMATIONAL; no SA anywhere;
#   ra-cp-ss                remote access: tunnelisa runs an ipsec-gw with a
#                           local-address-assignment pool; strongSwan, a remote-access client
#                           (`vips = 0.0.0.0`), gets the pool's first address through the
#                           configuration payload (CP), installs it, and pings tunnelisa's LAN
#                           host from it both ways; tunnelisa's sessions show the inner
#                           address; after a disconnect the address's route is gone, and the
#                           reconnected client gets the same address back (sticky).
#   eap-md5-ss              EAP relayed to RADIUS: tunnelisa's ipsec-gw has `auth-method eap`
#   eap-mschapv2-ss         (proving itself with the PSK) and a freeradius on 127.0.0.1 in its
#                           namespace (tests/radius/freeradius_lib.sh); strongSwan connects
#                           with eap-md5 / eap-mschapv2 as alice, gets 10.9.0.10, pings pass;
#                           MSCHAPv2's MSK (from the MS-MPPE keys) keys both AUTHs, MD5 has none
#   eap-reject-ss           the wrong password: freeradius rejects, EAP-Failure and
#                           AUTHENTICATION_FAILED, auth-failed "rejected by RADIUS server"
#   eap-timeout-ss          freeradius stopped: tunnelisa's RADIUS client gives up (1 s x 2),
#                           EAP-Failure, auth-failed "no RADIUS server answered"
#   cert-wrong-ca-ss        strongSwan wants tunnelisa's certificate from the ECDSA root and
#                           refuses tunnelisa's IKE_AUTH response: tunnelisa drops the SAs it
#                           had installed (auth-failed "peer refused our authentication").
#   v1-*                    IKEv1 (tunnelisa's ike-policy `ike-version 1`, swanctl `version = 1`),
#                           pre-shared keys; by default Figure 27's algorithms (IKE
#                           aes128-sha1-modp1536, ESP aes256-sha1) in Main Mode. Both sides must
#                           show IKEv1, the mode and the algorithms. The SAs an IKEv1 rekey
#                           replaces live on beside the new ones until a Delete, so a rekey is
#                           done when tunnelisa uses the new SA, and v1_converged checks later
#                           that one IKE SA and one CHILD SA are left:
#   v1-main-psk-*           Main Mode, IKE aes256-sha256-modp2048, ESP aes128-sha256: the suite
#                           (pings, CHILD SA and IKE SA rekeys by strongSwan), then the initiator
#                           deletes everything (swanctl --terminate / tunnelisa's SIGTERM) and the
#                           other side must drop the SAs at once;
#   v1-aggr-psk-*           Aggressive Mode (charon answers it only with
#                           i_dont_care_about_security_and_use_aggressive_mode_psk), IKE
#                           aes128-sha1-modp2048, ESP aes128gcm16: the suite;
#   v1-pfs-*                Quick Modes with a KE: modp2048 (-tl), ecp256 with charon's lifetime
#                           in kilobytes too (-ss); the rekeyed CHILD SA shows the group;
#   v1-rekey-*, v1-rekey-tl-*  as rekey-* and rekey-tl-* (tunnelisa's Quick Modes with PFS
#                           modp2048);
#   v1-dpd-tl, v1-dpd-ss    as dpd-*, with RFC 3706's R-U-THERE / R-U-THERE-ACK;
#   v1-psk-wrong-ss         strongSwan initiates with a wrong PSK: tunnelisa cannot decrypt
#                           message 5, logs auth-failed and says AUTHENTICATION-FAILED on 4500
#                           (unprotected: charon ignores it and gives up after its retransmits);
#   v1-psk-wrong-tl         tunnelisa initiates with a wrong PSK: charon cannot decrypt message 5
#                           and answers PAYLOAD-MALFORMED under its keys, which tunnelisa cannot
#                           open either: auth-failed; no SA anywhere;
#   v1-cert-tl, v1-cert-ss  Main Mode with RSA certificates (auth method 3: CR in messages 3-4,
#                           CERT and SIG in 5-6), as cert-rsa-*: both signature
#                           authentications in charon's log, the DNs on both sides, pings, and
#                           strongSwan renewing phase 1;
#   v1-cert-aggr-tl, v1-cert-aggr-ss  the same in Aggressive Mode (CERT and SIG in 2-3);
#   v1-figure27-tl          tunnelisa's ike-policy, ipsec-transform and dynamic-keying as the
#                           guide's Figure 27 writes them (checked in tl.cfg), started by a packet
#                           into the tunnel: the suite.
#   v1-xauth-ss             IKEv1 remote access: tunnelisa's ipsec-gw (auth-method
#                           plain-psk-xauth, a pool) checks strongSwan's XAUTH user alice with a
#                           freeradius on its namespace's loopback (PAP); charon gets 10.9.0.10
#                           from Mode Config, tunnelisa's sessions show user "alice" and inner
#                           10.9.0.10, freeradius logs the Access-Accept, pings both ways from
#                           and to the address; charon's Delete releases it, the reconnected
#                           client is checked by RADIUS again and gets it back;
#   v1-xauth-aggr-ss        the same in Aggressive Mode;
#   v1-xauth-wrong-ss       a wrong XAUTH password: freeradius rejects, tunnelisa's auth-failed
#                           event says XAUTH user "alice" refused, charon reports its XAUTH
#                           failed; no CHILD SA, no address on either side.
#   A v1-xauth-* case that fails with strongSwan's XAUTH race in charon's log runs once more.
#
# Needs root, iproute2, iputils-ping and strongSwan, and for cert-* its pki tool
# (scripts/deps.sh installs them); exits 77 (skipped) without them, or 1 with
# TUNNELISA_INTEROP_REQUIRED=1 (CI).
set -euo pipefail

TL=${1:?usage: run_case.sh TUNNELISA WORKDIR CASE}
WORK=${2:?usage: run_case.sh TUNNELISA WORKDIR CASE}
CASE=${3:?usage: run_case.sh TUNNELISA WORKDIR CASE}
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source-path=SCRIPTDIR source=lib.sh
. "$HERE/lib.sh"
# shellcheck source-path=SCRIPTDIR source=../../radius/freeradius_lib.sh
. "$HERE/../../radius/freeradius_lib.sh"

# strongSwan 5.9.8 sometimes races its XAUTH reply (lib.sh's xauth_race_seen; docs/testing.md):
# a v1-xauth-* case runs in a child, and when it fails with that race in charon's log (fail
# exits 75 then, on the first attempt only) the whole case runs once more from scratch, in
# new namespaces. Any other failure, and any failure of the second attempt, is final.
if [[ $CASE == v1-xauth-* ]] && [ -z "${TL_CASE_ATTEMPT:-}" ]; then
  rc=0
  TL_CASE_ATTEMPT=1 bash "$0" "$@" || rc=$?
  if [ "$rc" -eq 75 ]; then
    mkdir -p "$WORK/attempt1"
    cp "$WORK"/tl.log "$WORK"/ss/charon.log "$WORK"/radius/freeradius.log "$WORK/attempt1/" \
      2>/dev/null || true
    log "strongSwan's XAUTH race on the first attempt (logs in $WORK/attempt1): once more"
    rc=0
    TL_CASE_ATTEMPT=2 bash "$0" "$@" || rc=$?
  fi
  exit "$rc"
fi

require_tools
mkdir -p "$WORK"
WORK=$(cd "$WORK" && pwd)
rm -f "$WORK"/tl.* "$WORK"/*.out
# Unix socket paths are limited to 108 bytes: fall back to a short directory for deep trees.
SHORT_DIR=""
if [ ${#WORK} -gt 80 ]; then
  SHORT_DIR=$(mktemp -d /tmp/tlss.XXXXXX)
  SSDIR=$SHORT_DIR/ss
  TL_SOCK=$SHORT_DIR/tl.sock
else
  SSDIR=$WORK/ss
  TL_SOCK=$WORK/tl.sock
fi
rm -rf "$SSDIR"
mkdir -p "$SSDIR"
NS_T="" NS_S=""
trap cleanup EXIT

# ---- the case's parameters -------------------------------------------------------------
ROLE=${CASE##*-}
[ "$ROLE" = tl ] || [ "$ROLE" = ss ] || { echo "unknown case $CASE" >&2; exit 2; }
SCENARIO=suite
SS_VERSION=2 TL_IKE_VERSION=2 SS_AGGRESSIVE=no TL_FIGURE27=no
TEARDOWN=no  # suite: end with the initiator deleting everything (teardown_by_initiator)
TL_PSK="interop-strongswan-psk-0123" SS_PSK="interop-strongswan-psk-0123"
TL_DPD="" SS_DPD="" TL_PFS="" TL_AUTO=no TL_START=auto
SS_ESP_DH=""  # what strongSwan must show for the CHILD SA's D-H group after a rekey
REKEY_BY=ss   # who starts the rekeys: ss (swanctl --rekey) or tl (the control socket's rekey)
case $CASE in
  aes128gcm16-ecp256-*)
    TL_IKE_ENC=aes128gcm16 TL_IKE_AUTH=sha256 TL_IKE_DH=19
    TL_ESP_ENC=aes128gcm16 TL_ESP_AUTH="" TL_PFS=19
    SS_IKE=aes128gcm16-prfsha256-ecp256 SS_ESP=aes128gcm16-ecp256
    SS_IKE_SHOWN=AES_GCM_16-128/PRF_HMAC_SHA2_256/ECP_256 SS_ESP_SHOWN=AES_GCM_16-128
    SS_ESP_DH=ECP_256
    ;;
  aes256-sha256-modp2048-*)
    TL_IKE_ENC=aes256 TL_IKE_AUTH=sha256 TL_IKE_DH=14 TL_ESP_ENC=aes256 TL_ESP_AUTH=sha256
    SS_IKE=aes256-sha256-modp2048 SS_ESP=aes256-sha256
    SS_IKE_SHOWN=AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048
    SS_ESP_SHOWN=AES_CBC-256/HMAC_SHA2_256_128
    ;;
  3des-sha1-modp1024-*)
    TL_IKE_ENC=3des TL_IKE_AUTH=sha1 TL_IKE_DH=2 TL_ESP_ENC=3des TL_ESP_AUTH=sha1
    TL_START=traffic
    SS_IKE=3des-sha1-modp1024 SS_ESP=3des-sha1
    SS_IKE_SHOWN=3DES_CBC/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1024 SS_ESP_SHOWN=3DES_CBC/HMAC_SHA1_96
    ;;
  chacha20poly1305-x25519-*)
    TL_IKE_ENC=chacha20poly1305 TL_IKE_DH=31 TL_ESP_ENC=chacha20poly1305 TL_ESP_AUTH=""
    if [ "$ROLE" = tl ]; then prf=256; else prf=512; fi
    TL_IKE_AUTH=sha$prf
    SS_IKE=chacha20poly1305-prfsha$prf-x25519 SS_ESP=chacha20poly1305
    SS_IKE_SHOWN=CHACHA20_POLY1305/PRF_HMAC_SHA2_$prf/CURVE_25519
    SS_ESP_SHOWN=CHACHA20_POLY1305
    ;;
  pfs-tl)
    TL_IKE_ENC=aes256 TL_IKE_AUTH=sha256 TL_IKE_DH=14
    TL_ESP_ENC=aes256 TL_ESP_AUTH=sha256 TL_PFS=14 TL_START=control
    SS_IKE=aes256-sha256-modp2048 SS_ESP=aes256-sha256-modp2048
    SS_IKE_SHOWN=AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048
    SS_ESP_SHOWN=AES_CBC-256/HMAC_SHA2_256_128 SS_ESP_DH=MODP_2048
    ;;
  pfs-ss)
    TL_IKE_ENC=aes128gcm16 TL_IKE_AUTH=sha256 TL_IKE_DH=19
    TL_ESP_ENC=aes256gcm16 TL_ESP_AUTH="" TL_PFS=20
    SS_IKE=aes128gcm16-prfsha256-ecp256 SS_ESP=aes256gcm16-ecp384
    SS_IKE_SHOWN=AES_GCM_16-128/PRF_HMAC_SHA2_256/ECP_256 SS_ESP_SHOWN=AES_GCM_16-256
    SS_ESP_DH=ECP_384
    ;;
  rekey-*)
    SCENARIO=rekey TL_START=control
    case $CASE in rekey-tl-*) REKEY_BY=tl ;; esac
    TL_IKE_ENC=aes256gcm16 TL_IKE_AUTH=sha384 TL_IKE_DH=20 TL_ESP_ENC=aes256gcm16 TL_ESP_AUTH=""
    SS_IKE=aes256gcm16-prfsha384-ecp384 SS_ESP=aes256gcm16
    SS_IKE_SHOWN=AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_384 SS_ESP_SHOWN=AES_GCM_16-256
    ;;
  dpd-tl | dpd-ss)
    TL_IKE_ENC=aes128gcm16 TL_IKE_AUTH=sha256 TL_IKE_DH=19 TL_ESP_ENC=aes128gcm16 TL_ESP_AUTH=""
    SS_IKE=aes128gcm16-prfsha256-ecp256 SS_ESP=aes128gcm16
    SS_IKE_SHOWN=AES_GCM_16-128/PRF_HMAC_SHA2_256/ECP_256 SS_ESP_SHOWN=AES_GCM_16-128
    if [ "$ROLE" = tl ]; then
      SCENARIO=dpd-tunnelisa TL_DPD="interval 10 max-retries 1" TL_START=control
    else
      SCENARIO=dpd-strongswan SS_DPD=2s
    fi
    ;;
  psk-tl | psk-ss)
    TL_IKE_ENC=aes128gcm16 TL_IKE_AUTH=sha256 TL_IKE_DH=19 TL_ESP_ENC=aes128gcm16 TL_ESP_AUTH=""
    SS_IKE=aes128gcm16-prfsha256-ecp256 SS_ESP=aes128gcm16
    SS_IKE_SHOWN="" SS_ESP_SHOWN=""
    SCENARIO=wrong-psk TL_START=control
    # The initiator has the wrong key: the responder must refuse it.
    if [ "$ROLE" = tl ]; then TL_PSK="not-the-right-psk"; else SS_PSK="not-the-right-psk"; fi
    ;;
  reboot-ss)
    TL_IKE_ENC=aes128gcm16 TL_IKE_AUTH=sha256 TL_IKE_DH=19 TL_ESP_ENC=aes128gcm16 TL_ESP_AUTH=""
    SS_IKE=aes128gcm16-prfsha256-ecp256 SS_ESP=aes128gcm16
    SS_IKE_SHOWN=AES_GCM_16-128/PRF_HMAC_SHA2_256/ECP_256 SS_ESP_SHOWN=AES_GCM_16-128
    SCENARIO=reboot
    ;;
  failover-ss)
    SCENARIO=failover
    TL_IKE_ENC=aes128gcm16 TL_IKE_AUTH=sha256 TL_IKE_DH=19 TL_ESP_ENC=aes128gcm16 TL_ESP_AUTH=""
    SS_IKE=aes128gcm16-prfsha256-ecp256 SS_ESP=aes128gcm16
    SS_IKE_SHOWN=AES_GCM_16-128/PRF_HMAC_SHA2_256/ECP_256 SS_ESP_SHOWN=AES_GCM_16-128
    ;;
  reload-ss)
    SCENARIO=reload REKEY_BY=tl
    TL_IKE_ENC=aes128gcm16 TL_IKE_AUTH=sha256 TL_IKE_DH=19 TL_ESP_ENC=aes128gcm16 TL_ESP_AUTH=""
    SS_IKE=aes128gcm16-prfsha256-ecp256 SS_ESP=aes128gcm16,aes256gcm16
    SS_IKE_SHOWN=AES_GCM_16-128/PRF_HMAC_SHA2_256/ECP_256 SS_ESP_SHOWN=AES_GCM_16-128
    ;;
  cert-rsa-* | cert-ecdsa-* | cert-chain-* | cert-asym-* | cert-revoked-* | cert-wrong-ca-ss)
    # Certificates from strongSwan's pki (make_certs.sh), tunnelisa's imported with
    # `tunnelisa pki import`. Each side proves itself with its own certificate and checks the
    # other's against its CA and that CA's CRL, unless the case says otherwise.
    SCENARIO=cert
    TL_IKE_ENC=aes128gcm16 TL_IKE_AUTH=sha256 TL_IKE_DH=19 TL_ESP_ENC=aes128gcm16 TL_ESP_AUTH=""
    SS_IKE=aes128gcm16-prfsha256-ecp256 SS_ESP=aes128gcm16
    SS_IKE_SHOWN=AES_GCM_16-128/PRF_HMAC_SHA2_256/ECP_256 SS_ESP_SHOWN=AES_GCM_16-128
    TL_PEER_AUTH=cert-auth TL_OWN_AUTH=cert-auth SS_LOCAL_AUTH=pubkey SS_REMOTE_AUTH=pubkey
    TL_CA_PROFILES=ca-rsa TL_ANCHOR=ca-rsa SS_CAS=ca-rsa TL_CERT=tl-rsa SS_CERT=ss-rsa
    SIG=RSA  # the signatures' kind, as charon's log names it
    DN_O="C=US, O=tunnelisa interop"
    TL_DN="$DN_O, CN=tl.example.com" SS_DN="$DN_O, CN=ss.example.com"
    INT_DN="$DN_O, CN=RSA Intermediate CA"
    case $CASE in
      cert-ecdsa-*)
        TL_CA_PROFILES=ca-ecdsa TL_ANCHOR=ca-ecdsa SS_CAS=ca-ecdsa
        TL_CERT=tl-ecdsa SS_CERT=ss-ecdsa SIG=ECDSA
        # A subjectAltName of strongSwan's certificate. Only when strongSwan initiates: as
        # initiator we would send it as IDr, which charon (id = its DN) does not answer to.
        [ "$ROLE" = ss ] && TL_REMOTE_ID="fqdn ss.example.com"
        ;;
      cert-chain-*)
        # The end entities are issued by int-rsa; tunnelisa's trust anchor stays the root
        # (its ChainVerifier wants int-rsa's CRL too, hence the second ca-profile).
        TL_CA_PROFILES="ca-rsa int-rsa" SS_CAS="ca-rsa int-rsa" TL_CERT=tl-chain SS_CERT=ss-chain
        TL_REMOTE_ID="dn \"$SS_DN\""  # strongSwan's subject
        ;;
      cert-asym-*)
        # tunnelisa proves itself with the pre-shared key and checks strongSwan's certificate.
        TL_OWN_AUTH=psk SS_REMOTE_AUTH=psk TL_CERT=""
        ;;
      cert-revoked-*)
        # strongSwan presents a certificate its CA's CRL revokes: tunnelisa must refuse it.
        SCENARIO=cert-revoked TL_START=control
        SS_CERT=ss-revoked SS_DN="$DN_O, CN=ss-revoked.example.com"
        ;;
      cert-wrong-ca-ss)
        # strongSwan, the initiator, wants tunnelisa's certificate from the ECDSA root: it
        # refuses tunnelisa's IKE_AUTH response after tunnelisa has installed its SAs.
        SCENARIO=cert-refused-by-ss SS_CAS="ca-rsa ca-ecdsa" SS_REMOTE_CA=ca-ecdsa
        ;;
    esac
    SS_LOCAL_ID=$SS_DN
    if [ "$TL_OWN_AUTH" = cert-auth ]; then SS_REMOTE_ID=$TL_DN; else SS_REMOTE_ID=$TL_PUB; fi
    ;;
  v1-*)
    # IKEv1 (tunnelisa's ike-policy `ike-version 1`, swanctl `version = 1`), pre-shared keys.
    # Defaults: the algorithms of the guide's Figure 27 (aes128-sha1-modp1536, ESP
    # aes256-sha1), Main Mode.
    SS_VERSION=1 TL_IKE_VERSION=1 TL_IKE_MODE=main
    TL_IKE_ENC=aes128 TL_IKE_AUTH=sha1 TL_IKE_DH=5 TL_ESP_ENC=aes256 TL_ESP_AUTH=sha1
    SS_IKE=aes128-sha1-modp1536 SS_ESP=aes256-sha1
    SS_IKE_SHOWN=AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_1536
    SS_ESP_SHOWN=AES_CBC-256/HMAC_SHA1_96
    case $CASE in
      v1-main-psk-*)
        TEARDOWN=yes
        TL_IKE_ENC=aes256 TL_IKE_AUTH=sha256 TL_IKE_DH=14 TL_ESP_ENC=aes128 TL_ESP_AUTH=sha256
        SS_IKE=aes256-sha256-modp2048 SS_ESP=aes128-sha256
        SS_IKE_SHOWN=AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048
        SS_ESP_SHOWN=AES_CBC-128/HMAC_SHA2_256_128
        ;;
      v1-aggr-psk-*)
        TL_IKE_MODE=aggressive SS_AGGRESSIVE=yes
        TL_IKE_DH=14 TL_ESP_ENC=aes128gcm16 TL_ESP_AUTH=""
        SS_IKE=aes128-sha1-modp2048 SS_ESP=aes128gcm16
        SS_IKE_SHOWN=AES_CBC-128/HMAC_SHA1_96/PRF_HMAC_SHA1/MODP_2048 SS_ESP_SHOWN=AES_GCM_16-128
        ;;
      v1-pfs-tl)
        TL_START=control TL_PFS=14 SS_ESP=aes256-sha1-modp2048 SS_ESP_DH=MODP_2048
        ;;
      v1-pfs-ss)
        TL_PFS=19 SS_ESP=aes256-sha1-ecp256 SS_ESP_DH=ECP_256
        # charon's Quick Modes also say a lifetime in kilobytes (RFC 2407 4.5).
        SS_LIFE_BYTES=2000000000
        ;;
      v1-rekey-*)
        SCENARIO=rekey TL_START=control
        TL_IKE_ENC=aes256 TL_IKE_AUTH=sha256 TL_IKE_DH=14 TL_ESP_ENC=aes256 TL_ESP_AUTH=sha256
        SS_IKE=aes256-sha256-modp2048 SS_ESP=aes256-sha256
        # tunnelisa's rekeys with PFS: its Quick Modes carry a KE under traffic.
        case $CASE in
          v1-rekey-tl-*) REKEY_BY=tl TL_PFS=14 SS_ESP=aes256-sha256-modp2048 SS_ESP_DH=MODP_2048 ;;
        esac
        SS_IKE_SHOWN=AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048
        SS_ESP_SHOWN=AES_CBC-256/HMAC_SHA2_256_128
        ;;
      v1-dpd-tl)
        SCENARIO=dpd-tunnelisa TL_DPD="interval 10 max-retries 1" TL_START=control
        ;;
      v1-dpd-ss)
        SCENARIO=dpd-strongswan SS_DPD=2s
        ;;
      v1-psk-wrong-*)
        # The initiator has the wrong key: the responder must refuse it.
        SCENARIO=wrong-psk TL_START=control SS_IKE_SHOWN="" SS_ESP_SHOWN=""
        if [ "$ROLE" = tl ]; then TL_PSK="not-the-right-psk"; else SS_PSK="not-the-right-psk"; fi
        ;;
      v1-xauth-ss | v1-xauth-wrong-ss | v1-xauth-aggr-ss)
        # Remote access: tunnelisa's ipsec-gw as XAUTH server (auth-method plain-psk-xauth)
        # with freeradius on its namespace's loopback; charon a client with a second local
        # round `auth = xauth` as alice, `vips = 0.0.0.0` (Mode Config pull).
        SCENARIO=xauth SS_VIPS=0.0.0.0 SS_LOCAL_TS=dynamic
        TL_IKE_ENC=aes256 TL_IKE_AUTH=sha256 TL_IKE_DH=14 TL_ESP_ENC=aes128gcm16 TL_ESP_AUTH=""
        SS_IKE=aes256-sha256-modp2048 SS_ESP=aes128gcm16
        SS_IKE_SHOWN=AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/MODP_2048
        SS_ESP_SHOWN=AES_GCM_16-128
        TL_POOL="10.9.0.10 10.9.0.20" TL_POOL_IF=10.9.0.1/24 TL_DNS=10.9.0.1 TL_ROUTE=10.9.0.0/24
        TL_RADIUS_PORT=11812 TL_RADIUS_SECRET="interop-radius-$$"
        SS_XAUTH_USER=alice SS_XAUTH_PASSWORD=alice-password XAUTH_EXPECT=accept
        case $CASE in
          v1-xauth-wrong-ss) SS_XAUTH_PASSWORD=not-alices-password XAUTH_EXPECT=reject ;;
          v1-xauth-aggr-ss) TL_IKE_MODE=aggressive SS_AGGRESSIVE=yes ;;
        esac
        ;;
      v1-cert-tl | v1-cert-ss | v1-cert-aggr-tl | v1-cert-aggr-ss)
        # Certificates (RSA signatures, RFC 2409 5.1: auth method 3) in Main Mode (v1-cert-*)
        # or Aggressive Mode (v1-cert-aggr-*), from make_certs.sh as in cert-rsa-*: each side
        # proves itself with its RSA certificate and checks the other's against ca-rsa and
        # its CRL.
        SCENARIO=cert
        case $CASE in v1-cert-aggr-*) TL_IKE_MODE=aggressive SS_AGGRESSIVE=yes ;; esac
        TL_PEER_AUTH=cert-auth TL_OWN_AUTH=cert-auth SS_LOCAL_AUTH=pubkey SS_REMOTE_AUTH=pubkey
        TL_CA_PROFILES=ca-rsa TL_ANCHOR=ca-rsa SS_CAS=ca-rsa TL_CERT=tl-rsa SS_CERT=ss-rsa
        SIG=RSA
        DN_O="C=US, O=tunnelisa interop"
        TL_DN="$DN_O, CN=tl.example.com" SS_DN="$DN_O, CN=ss.example.com"
        SS_LOCAL_ID=$SS_DN SS_REMOTE_ID=$TL_DN
        ;;
      v1-figure27-tl)
        # tunnelisa's ike-policy, ipsec-transform and dynamic-keying as the guide's Figure 27
        # writes them (its pre-shared key "secret" too); the first packet into the tunnel
        # starts IKE, as nobody auto-establishes there.
        TL_FIGURE27=yes TL_PSK=secret SS_PSK=secret TL_START=traffic
        ;;
      *)
        echo "unknown case $CASE" >&2
        exit 2
        ;;
    esac
    ;;
  ra-cp-ss)
    SCENARIO=remote-access
    TL_IKE_ENC=aes128gcm16 TL_IKE_AUTH=sha256 TL_IKE_DH=19 TL_ESP_ENC=aes128gcm16 TL_ESP_AUTH=""
    SS_IKE=aes128gcm16-prfsha256-ecp256 SS_ESP=aes128gcm16
    SS_IKE_SHOWN=AES_GCM_16-128/PRF_HMAC_SHA2_256/ECP_256 SS_ESP_SHOWN=AES_GCM_16-128
    SS_VIPS=0.0.0.0 SS_LOCAL_TS=dynamic
    TL_POOL="10.9.0.10 10.9.0.20" TL_POOL_IF=10.9.0.1/24 TL_DNS=10.9.0.1 TL_ROUTE=10.9.0.0/24
    ;;
  eap-md5-ss | eap-mschapv2-ss | eap-reject-ss | eap-timeout-ss)
    SCENARIO=eap
    TL_IKE_ENC=aes128gcm16 TL_IKE_AUTH=sha256 TL_IKE_DH=19 TL_ESP_ENC=aes128gcm16 TL_ESP_AUTH=""
    SS_IKE=aes128gcm16-prfsha256-ecp256 SS_ESP=aes128gcm16
    SS_IKE_SHOWN=AES_GCM_16-128/PRF_HMAC_SHA2_256/ECP_256 SS_ESP_SHOWN=AES_GCM_16-128
    SS_VIPS=0.0.0.0 SS_LOCAL_TS=dynamic
    TL_POOL="10.9.0.10 10.9.0.20" TL_POOL_IF=10.9.0.1/24 TL_DNS=10.9.0.1 TL_ROUTE=10.9.0.0/24
    SS_LOCAL_AUTH=eap-md5 SS_EAP_ID=alice SS_EAP_SECRET=alice-password FR_EAP_TYPE=md5
    [ "$CASE" = eap-mschapv2-ss ] && SS_LOCAL_AUTH=eap-mschapv2 FR_EAP_TYPE=mschapv2
    [ "$CASE" = eap-reject-ss ] && SS_EAP_SECRET=not-alices-password
    FR_PORT=18120 FR_SECRET="interop-radius-secret"
    ;;
  *)
    echo "unknown case $CASE" >&2
    exit 2
    ;;
esac
[ "$ROLE" = tl ] && [ "$TL_START" = auto ] && TL_AUTO=yes
if [ "$SCENARIO" = xauth ]; then
  freeradius_require
  [ -e /usr/lib/ipsec/plugins/libstrongswan-xauth-generic.so ] ||
    skip_or_fail "needs the strongSwan plugin xauth-generic (scripts/deps.sh)"
fi
# How charon logs a liveness check it receives (DPD_REQ) and the answer to its own (DPD_ACK):
# IKEv2 an empty INFORMATIONAL, IKEv1 an R-U-THERE / R-U-THERE-ACK notify (RFC 3706).
if [ "$SS_VERSION" = 1 ]; then
  DPD_REQ="parsed INFORMATIONAL_V1 request [0-9]* \[ HASH N(DPD) \]"
  DPD_ACK="parsed INFORMATIONAL_V1 request [0-9]* \[ HASH N(DPD_ACK) \]"
else
  DPD_REQ="parsed INFORMATIONAL request [0-9]* \[ \]"
  DPD_ACK="parsed INFORMATIONAL response [0-9]* \[ \]"
fi
case $ROLE/$TL_START in
  tl/auto) initiator="tunnelisa (auto-establish)" ;;
  tl/control) initiator="tunnelisa (control socket: initiate)" ;;
  tl/traffic) initiator="tunnelisa (a packet into the tunnel)" ;;
  *) initiator="strongSwan (swanctl --initiate)" ;;
esac
log "case $CASE: IKE $SS_IKE, ESP $SS_ESP; initiator $initiator"

T0=$(now_ms)
if [ -n "${TL_PEER_AUTH:-}" ]; then
  require_cert_tools
  log "certificates: strongSwan's pki (make_certs.sh); tunnelisa pki import into $WORK/pki"
  make_certs
  tl_import_pki
fi
setup_namespaces
ss_write_conf
ss_install_certs
case $SCENARIO in
  remote-access | xauth) tl_write_ra_conf ;;
  eap) tl_write_ra_conf && tl_add_eap_conf ;;
  *) tl_write_conf ;;
esac
[ -n "$TL_PKI_DIR" ] && tl_check_conf
if [ "$SCENARIO" = eap ]; then
  freeradius_require
  tl_check_conf
  FR_DIR=$WORK/freeradius
  rm -rf "$FR_DIR"
  # shellcheck disable=SC2034  # read by freeradius_write_config (freeradius_lib.sh)
  FREERADIUS_EAP_TYPE=$FR_EAP_TYPE
  # shellcheck disable=SC2034
  FREERADIUS_USERS='alice Cleartext-Password := "alice-password"
bob Cleartext-Password := "bob-password"'
  freeradius_write_config "$FR_DIR" "$FR_PORT" yes "$FR_SECRET" tunnelisa
  freeradius_start "$FR_DIR" ip netns exec "$NS_T"
  FR_PID=$FREERADIUS_PID
  note "freeradius $FR_PID on 127.0.0.1:$FR_PORT in $NS_T (EAP $FR_EAP_TYPE first)"
fi
[ "$SCENARIO" = xauth ] && start_radius
start_charon
start_tunnelisa

# establish: the IKE SA and its first CHILD SA, by the case's initiator.
establish() {
  local t0
  t0=$(now_ms)
  if [ "$ROLE" = ss ]; then
    sw --initiate --child tl --timeout 15 >"$WORK/initiate.out" 2>&1 ||
      fail "swanctl --initiate: $(tail -n 5 "$WORK/initiate.out")"
  elif [ "$TL_START" = control ]; then
    tl_ctl initiate 101 to-ss >/dev/null || fail "control socket: initiate 101 to-ss refused"
  elif [ "$TL_START" = traffic ]; then
    # A packet routed into the tunnel without SAs starts IKE (and is dropped meanwhile).
    in_t ping -c 1 -W 1 -I "$TL_HOST" "$SS_HOST" >/dev/null 2>&1 || true
  fi
  wait_until 15 "tunnelisa's IKE session up" tl_up
  wait_until 15 "strongSwan's IKE and CHILD SA up" ss_established
  if [ "$SCENARIO" = remote-access ] || [ "$SCENARIO" = eap ] || [ "$SCENARIO" = xauth ]; then
    # An ipsec-gw session has no `show ipsec tunnel` of its own: its SPIs are not compared.
    note "IKE SA and CHILD SA up $(($(now_ms) - t0)) ms after initiation"
  else
    wait_until 5 "both sides agreeing on the CHILD SA's SPIs" spis_agree
    note "IKE SA and CHILD SA up $(($(now_ms) - t0)) ms after initiation; SPIs $(tl_spis) (in/out)"
  fi
  tl_sessions | sed 's/^/   tunnelisa: /'
  ss_sas | sed 's/^/   strongSwan: /'
}

# check_algorithms: strongSwan shows what both were configured with (each side offers only
# that), and talks to tunnelisa on 4500 with ESP-in-UDP: libipsec always encapsulates, so
# tunnelisa must have taken the faked NAT at its word and floated.
check_algorithms() {
  local sas
  sas=$(ss_sas)
  grep -q "$SS_IKE_SHOWN" <<<"$sas" || fail "strongSwan's IKE SA is not $SS_IKE_SHOWN"
  grep -q "$SS_ESP_SHOWN" <<<"$sas" || fail "strongSwan's CHILD SA is not $SS_ESP_SHOWN"
  grep -q "$TL_PUB\[4500\]" <<<"$sas" || fail "strongSwan does not talk to tunnelisa on 4500"
  grep -q "INSTALLED, TUNNEL-in-UDP" <<<"$sas" || fail "strongSwan's CHILD SA is not ESP-in-UDP"
  grep -q "ESTABLISHED, IKEv$SS_VERSION," <<<"$sas" ||
    fail "strongSwan's IKE SA is not IKEv$SS_VERSION: $(grep ESTABLISHED <<<"$sas")"
  if [ "$SS_VERSION" = 1 ]; then
    # tunnelisa's session names the mode and both phases' algorithms as swanctl writes them.
    local want="IKE $TL_IKE_MODE mode, $SS_IKE, ESP $SS_ESP"
    tl_sessions | grep -qF "$want" || fail "tunnelisa's session does not show '$want'"
  fi
}

# teardown_by_initiator: the IKE SA's initiator ends it: strongSwan with `swanctl --terminate
# --ike` (IKEv1: a Delete of the IPsec SA by its SPI, then of the ISAKMP SA by its cookies),
# tunnelisa at SIGTERM (its Shutdown's Deletes). The other side must drop both at once.
teardown_by_initiator() {
  local t0
  t0=$(now_ms)
  if [ "$ROLE" = ss ]; then
    log "strongSwan deletes the IKE SA and its CHILD SA (swanctl --terminate --ike)"
    sw --terminate --ike tl --timeout 10 >"$WORK/terminate.out" 2>&1 ||
      fail "swanctl --terminate: $(tail -n 3 "$WORK/terminate.out")"
    wait_until 5 "tunnelisa without an IKE session up" tl_none_up
    grep -q "event: ike child-down .*deleted by the peer" "$WORK/tl.log" ||
      fail "tunnelisa did not take the CHILD SA down as deleted by the peer"
    grep -q "event: ike ike-down .*deleted by the peer" "$WORK/tl.log" ||
      fail "tunnelisa did not take the IKE SA down as deleted by the peer"
    grep "event: ike \(child\|ike\)-down " "$WORK/tl.log" | sed 's/^/   /'
    in_t ping -c 1 -W 1 -I "$TL_HOST" "$SS_HOST" >/dev/null 2>&1 &&
      fail "ping passed after the SAs were deleted"
  else
    log "tunnelisa stops (SIGTERM): its Deletes must clear strongSwan's SAs"
    stop_pid "$TL_PID" TERM
    PIDS_TL=()
    wait_until 5 "strongSwan without SAs" ss_no_sa
    grep -q "received DELETE for ESP CHILD_SA with SPI" "$SSDIR/charon.log" ||
      fail "charon did not receive a Delete for the CHILD SA"
    grep -q "received DELETE for IKE_SA" "$SSDIR/charon.log" ||
      fail "charon did not receive a Delete for the IKE SA"
    grep "received DELETE for" "$SSDIR/charon.log" | sed 's/^[^]]*] /   charon: /'
  fi
  note "both sides clear $(($(now_ms) - t0)) ms after the teardown started"
}

# check_figure27_text: tunnelisa's configuration has the guide's Figure 27 text as written:
# its ike-policy and ipsec-transform, and the tunnel's dynamic-keying with `transform 1`.
check_figure27_text() {
  local conf part
  conf=$(cat "$WORK/tl.cfg")
  for part in "config ipsec
  ike-policy 1 create
    auth-algorithm sha1
    dh-group 5
    encryption-algorithm aes128
    ike-mode main
    ike-version 1
  exit
  ipsec-transform 1
    esp-auth-algorithm sha1
    esp-encryption-algorithm aes256
  exit" "      dynamic-keying
        ike-policy 1
        pre-shared-key \"secret\"
      transform 1"; do
    [[ $conf == *"$part"* ]] || fail "tl.cfg lacks Figure 27's text: $part"
  done
  note "tunnelisa's ike-policy 1, ipsec-transform 1 and dynamic-keying: Figure 27's text"
}

# tl_up_id_is ID: tunnelisa's one IKE session that is up has the peer ID ID (`sessions`: a
# session's first line ends in its ID, `id "..."`, its last in ", up").
tl_up_id_is() {
  local ids
  ids=$(tl_sessions |
    awk '/^[^ ]/ { id = "" }
         /^[^ ].* id "/ { id = $0; sub(/.* id "/, "", id); sub(/"$/, "", id) }
         /, up$/ { print id }')
  [ "$ids" = "$1" ]
}

# check_cert_auth: each side authenticated the other as configured, as each shows it.
# strongSwan: `--list-sas` names both identities (tunnelisa's certificate's DN, or its address
# with the pre-shared key), charon's log has tunnelisa's and its own authentication with the
# expected method, and with tunnelisa's certificate found good in the CRL (revocation =
# strict); tunnelisa: `sessions` names strongSwan's DN. The chain cases: each side sent the
# intermediate with its certificate, and charon's path to the root went through it.
check_cert_auth() {
  local sas line want
  sas=$(ss_sas)
  grep -qF "local  '$SS_DN' @ $SS_PUB" <<<"$sas" ||
    fail "strongSwan's IKE SA does not have '$SS_DN' as its own identity: $sas"
  grep -qF "remote '$SS_REMOTE_ID' @ $TL_PUB" <<<"$sas" ||
    fail "strongSwan's IKE SA does not name tunnelisa as '$SS_REMOTE_ID': $sas"
  note "strongSwan: $(grep -F "remote '" <<<"$sas" | head -n 1 | sed 's/^ *//')"
  if [ "$TL_OWN_AUTH" = cert-auth ]; then want="with $SIG"; else want="with pre-shared key"; fi
  line=$(grep -F "authentication of '$SS_REMOTE_ID' with" "$SSDIR/charon.log" | head -n 1)
  [[ $line == *"$want"*" successful" ]] ||
    fail "charon did not authenticate tunnelisa $want: '${line:-no such line}'"
  note "charon: ${line#*] }"
  if [ "$SS_VERSION" = 1 ]; then
    # IKEv1: charon does not name its own signature scheme ("(myself) successful"); its
    # SIG verified at tunnelisa, or no session would be up.
    line=$(grep -F "authentication of '$SS_DN' (myself) successful" "$SSDIR/charon.log" |
      head -n 1)
    [ -n "$line" ] || fail "charon did not authenticate itself"
  else
    line=$(grep -F "authentication of '$SS_DN' (myself) with" "$SSDIR/charon.log" | head -n 1)
    [[ $line == *"with $SIG"*" successful" ]] ||
      fail "charon did not authenticate itself with $SIG: '${line:-no such line}'"
  fi
  note "charon: ${line#*] }"
  if [ "$TL_OWN_AUTH" = cert-auth ]; then
    grep -q "certificate status is good" "$SSDIR/charon.log" ||
      fail "charon did not find tunnelisa's certificate good in the CRL"
    note "charon: $(grep -c "certificate status is good" "$SSDIR/charon.log") certificate(s)" \
      "checked against the CRLs: good"
  fi
  tl_up_id_is "$SS_DN" || fail "tunnelisa's sessions do not show strongSwan's DN: $(tl_sessions)"
  note "tunnelisa: $(tl_sessions | grep -F "id \"$SS_DN\"" | head -n 1)"
  if [ "$TL_CERT" = tl-chain ]; then
    grep -qF "received issuer cert \"$INT_DN\"" "$SSDIR/charon.log" ||
      fail "tunnelisa did not send the intermediate CA's certificate"
    grep -qF "sending issuer cert \"$INT_DN\"" "$SSDIR/charon.log" ||
      fail "strongSwan did not send the intermediate CA's certificate"
    grep -q "reached self-signed root ca with a path length of 1" "$SSDIR/charon.log" ||
      fail "charon's path from tunnelisa's certificate to the root is not through the intermediate"
    note "both sent \"$INT_DN\"; charon: root reached with a path length of 1"
  fi
}

# start_rekey child|ike: the rekey starts, by strongSwan (`swanctl --rekey`) or by tunnelisa
# (the control socket's `rekey`), as REKEY_BY says.
start_rekey() {
  if [ "$REKEY_BY" = tl ]; then
    tl_ctl rekey 101 to-ss "$1" >"$WORK/rekey.out" 2>&1 ||
      fail "control socket: rekey 101 to-ss $1: $(cat "$WORK/rekey.out")"
  else
    sw --rekey "--$1" tl >"$WORK/rekey.out" 2>&1 ||
      fail "swanctl --rekey --$1: $(cat "$WORK/rekey.out")"
  fi
}

# rekey_child / rekey_ike: a rekey (start_rekey); both sides must end up with new SPIs,
# tunnelisa must log the rekey, and strongSwan must keep exactly one CHILD SA.
rekey_child() {
  local before n_before t0
  before=$(ss_child_spis)
  n_before=$(tl_events child-rekeyed)
  t0=$(now_ms)
  start_rekey child
  wait_until 15 "tunnelisa logging the CHILD SA rekey" \
    test_gt "$n_before" tl_events child-rekeyed
  if [ "$SS_VERSION" = 1 ]; then
    # IKEv1: a Quick Mode makes the new IPsec SA beside the old one, which stays until its
    # Delete: tunnelisa's, rekeyed_child_linger (10 s) later, as charon keeps a rekeyed SA
    # (delete_rekeyed = no). Done when tunnelisa sends and receives on a new pair that
    # strongSwan lists installed; v1_converged checks later that the old ones went.
    wait_until 15 "tunnelisa on a new CHILD SA strongSwan lists" tl_on_new_child "$before"
  else
    wait_until 15 "strongSwan with one new CHILD SA" ss_child_changed "$before"
    # The responder of the rekey moves its outbound traffic when the initiator deletes the old
    # SA.
    wait_until 15 "both sides agreeing on the new CHILD SA's SPIs" spis_agree
  fi
  note "CHILD SA rekeyed in $(($(now_ms) - t0)) ms: $before-> $(ss_child_spis)" \
    "(tunnelisa $(tl_spis))"
  if [ -n "$SS_ESP_DH" ]; then
    local child
    child=$(ss_sas | grep "INSTALLED")
    # Every installed one (IKEv1: the old one too, until its Delete; its first Quick Mode
    # carried a KE as well).
    if grep -v -q "$SS_ESP_DH" <<<"$child"; then
      fail "a rekeyed CHILD SA has no $SS_ESP_DH (PFS): $child"
    fi
    note "rekeyed CHILD SA used PFS: $SS_ESP_DH"
  fi
}
# tl_on_new_child BEFORE: the CHILD SA of tunnelisa's last child-rekeyed event (in/out) is a
# pair strongSwan lists installed (as out/in) that was not among BEFORE (ss_child_spis's
# list), and tunnelisa sends on it. (`show ipsec tunnel` shows the oldest inbound SA while the
# replaced one lingers.)
tl_on_new_child() {
  local ev in out pair
  ev=$(grep "event: ike child-rekeyed " "$WORK/tl.log" | tail -n 1)
  in=$(sed -n 's/.*child-spi in 0x\([0-9a-f]*\) out 0x\([0-9a-f]*\).*/\1/p' <<<"$ev")
  out=$(sed -n 's/.*child-spi in 0x\([0-9a-f]*\) out 0x\([0-9a-f]*\).*/\2/p' <<<"$ev")
  [ -n "$in" ] && [ -n "$out" ] || return 1
  [ "$(tl_spis | cut -d/ -f2)" = "$((16#$out))" ] || return 1
  for pair in $(ss_child_spis); do
    [[ " $1 " == *" $pair "* ]] && continue
    [ "$pair" = "$out/$in" ] && return 0
  done
  return 1
}
# v1_converged: after IKEv1 rekeys, the replaced SAs are deleted (tunnelisa's Deletes after
# rekeyed_child_linger): strongSwan with one IKE SA and one CHILD SA, which tunnelisa uses.
v1_converged() {
  local t0
  t0=$(now_ms)
  ss_one_each() { [ "$(ss_ike_spis | wc -w)" -eq 1 ] && spis_agree; }
  wait_until 20 "strongSwan with one IKE SA and one CHILD SA, tunnelisa's" ss_one_each
  note "the replaced SAs deleted: one IKE SA and one CHILD SA left after $(($(now_ms) - t0)) ms"
}
rekey_ike() {
  local before n_before t0
  before=$(ss_ike_spis)
  n_before=$(tl_events ike-rekeyed)
  t0=$(now_ms)
  start_rekey ike
  wait_until 15 "tunnelisa logging the IKE SA rekey" \
    test_gt "$n_before" tl_events ike-rekeyed
  if [ "$SS_VERSION" = 1 ]; then
    # IKEv1: a new Main / Aggressive Mode beside the old ISAKMP SA, which lingers until a
    # Delete (tunnelisa's, rekeyed_child_linger later, or charon's): done when strongSwan has
    # a new IKE SA established (it moves its CHILD SAs to it in a job of its own).
    wait_until 15 "strongSwan with a new IKE SA" ss_new_ike "$before"
  else
    wait_until 15 "strongSwan with one new IKE SA" ss_ike_changed "$before"
    spis_agree || fail "the CHILD SA's SPIs differ after the IKE SA rekey"
  fi
  note "IKE SA rekeyed in $(($(now_ms) - t0)) ms: $before-> $(ss_ike_spis)"
}
# pings_start N: N pings every 20 ms each way in the background (-w bounds each at 30 s);
# pings_check WHAT: waits for them; every one must have been answered ("lost across WHAT").
pings_start() {
  ip netns exec "$NS_T" ping -q -c "$1" -i 0.02 -W 2 -w 30 -I "$TL_HOST" "$SS_HOST" \
    >"$WORK/ping_t.out" 2>&1 &
  P1=$!
  EXTRA_PIDS+=("$P1")
  ip netns exec "$NS_S" ping -q -c "$1" -i 0.02 -W 2 -w 30 -I "$SS_HOST" "$TL_HOST" \
    >"$WORK/ping_s.out" 2>&1 &
  P2=$!
  EXTRA_PIDS+=("$P2")
}
pings_check() {
  local rc1=0 rc2=0 f
  wait "$P1" || rc1=$?
  wait "$P2" || rc2=$?
  EXTRA_PIDS=()
  for f in ping_t ping_s; do note "$f: $(grep "packets transmitted" "$WORK/$f.out")"; done
  for f in ping_t ping_s; do
    grep -q " 0% packet loss" "$WORK/$f.out" || fail "packets lost across the $1 ($f)"
  done
  if [ "$rc1" -ne 0 ] || [ "$rc2" -ne 0 ]; then fail "ping exit codes $rc1 / $rc2"; fi
}
# test_gt N COMMAND...: COMMAND's output (a number) is above N.
test_gt() {
  local n=$1
  shift
  [ "$("$@")" -gt "$n" ]
}
ss_child_changed() {
  local now
  now=$(ss_child_spis)
  [ -n "$now" ] && [ "$now" != "$1" ] && [ "$(echo "$now" | wc -w)" -eq 1 ]
}
# ss_new_ike BEFORE: strongSwan lists an established IKE SA whose SPIs are not among BEFORE.
ss_new_ike() {
  local s
  s=$(ss_sas | grep "ESTABLISHED" | grep -o '[0-9a-f]\{16\}_i[*]\? [0-9a-f]\{16\}_r[*]\?' |
    tr -d '*' | tr ' ' '/') || return 1
  local spis
  for spis in $s; do
    [[ " $1 " == *" $spis "* ]] || return 0
  done
  return 1
}
ss_ike_changed() {
  local now
  now=$(ss_ike_spis)
  [ -n "$now" ] && [ "$now" != "$1" ] && [ "$(echo "$now" | wc -w)" -eq 1 ] && ss_established
}
# tl_one_session_up: tunnelisa lists exactly one IKE session as up.
tl_one_session_up() { [ "$(tl_sessions | grep -c ", up$")" -eq 1 ]; }

# check_rekey_refusals: the control socket's `rekey` before any SA: exit 1 (NOT_FOUND) for an
# unknown tunnel, 2 for bad usage and for a tunnel without an established IKE SA.
check_rekey_refusals() {
  local rc
  # expect_rc CODE TEXT WORDS...: the request WORDS exits CODE with TEXT in its message.
  expect_rc() {
    local want=$1 text=$2
    shift 2
    rc=0
    tl_ctl "$@" >"$WORK/rekey.out" 2>&1 || rc=$?
    [ "$rc" -eq "$want" ] || fail "control socket: $*: exit $rc, expected $want"
    grep -q "$text" "$WORK/rekey.out" ||
      fail "control socket: $*: no '$text' in: $(cat "$WORK/rekey.out")"
    note "$*: exit $rc: $(head -n 1 "$WORK/rekey.out")"
  }
  log "the control socket's rekey refuses what it cannot do"
  expect_rc 1 "no ipsec-tunnel" rekey 101 no-such-tunnel child
  expect_rc 2 "usage: rekey" rekey 101 to-ss both
  expect_rc 2 "usage: rekey" rekey 101 to-ss
  expect_rc 2 "usage: rekey" rekey x to-ss child
  # (IKEv1 names them as RFC 2409 does: IPsec SA and ISAKMP SA.)
  if [ "$SS_VERSION" = 1 ]; then
    expect_rc 2 "no established IPsec SA" rekey 101 to-ss child
    expect_rc 2 "no established ISAKMP SA" rekey 101 to-ss ike
  else
    expect_rc 2 "no established CHILD SA" rekey 101 to-ss child
    expect_rc 2 "no established IKE SA" rekey 101 to-ss ike
  fi
}

# ss_vip: the virtual IP strongSwan's IKE SA shows ("local ... [10.9.0.10]").
ss_vip() { ss_sas | grep -o '\[10\.9\.0\.[0-9]*\]' | head -n 1 | tr -d '[]' || true; }
# ra_ping NS FROM TO: three pings through the tunnel.
ra_ping() {
  local out
  out=$(ip netns exec "$1" ping -c 3 -i 0.2 -W 2 -I "$2" "$3" 2>&1) ||
    fail "ping $2 -> $3: $out"
  note "$2 -> $3: $(echo "$out" | grep "packets transmitted")"
}

# check_xauth_accepted VIP N: the N-th connection of the XAUTH client is up as it should be:
# charon authenticated as alice through XAUTH, got VIP from Mode Config, installed it and has
# its CHILD SA for VIP/32; tunnelisa's session shows the user and the inner address;
# freeradius has accepted alice N times.
check_xauth_accepted() {
  local vip=$1 n=$2 line s
  line=$(grep "XAuth authentication of 'alice' (myself) successful" "$SSDIR/charon.log" |
    tail -n 1)
  [ "$(grep -c "XAuth authentication of 'alice' (myself) successful" "$SSDIR/charon.log")" \
    -eq "$n" ] || fail "charon did not authenticate as alice through XAUTH (connection $n)"
  note "charon: ${line#*] }"
  [ "$(ss_vip)" = "$vip" ] || fail "strongSwan's virtual IP is '$(ss_vip)', not $vip: $(ss_sas)"
  grep -q "installing new virtual IP $vip" "$SSDIR/charon.log" ||
    fail "charon did not install the virtual IP $vip"
  note "charon: $(grep "installing new virtual IP" "$SSDIR/charon.log" | tail -n 1 |
    sed 's/^[^]]*] //')"
  grep -q "TS $vip/32 === $TL_LAN" "$SSDIR/charon.log" ||
    fail "strongSwan's CHILD SA is not $vip/32 === $TL_LAN: $(ss_sas)"
  # The session that is up (`sessions`: a session's first line has the peer, user and inner
  # address, its last ends in ", up").
  s=$(tl_sessions | awk '/^[^ ]/ { head = $0 } /, up$/ { print head }')
  [ "$(wc -l <<<"$s")" -eq 1 ] || fail "tunnelisa does not list one session up: $(tl_sessions)"
  grep -qF "user \"alice\"" <<<"$s" || fail "tunnelisa's session does not show user alice: $s"
  grep -qE "inner $vip\$" <<<"$s" || fail "tunnelisa's session does not show inner $vip: $s"
  note "tunnelisa: $s"
  [ "$(radius_count "Sent Access-Accept")" -eq "$n" ] ||
    fail "freeradius sent $(radius_count "Sent Access-Accept") Access-Accepts, expected $n"
  [ "$(radius_count "Login OK: [alice]")" -eq "$n" ] ||
    fail "freeradius logged $(radius_count "Login OK: [alice]") logins of alice, expected $n"
  note "freeradius: $(grep -F "Sent Access-Accept" "$RADIUS_DIR/freeradius.log" | tail -n 1)"
}

case $SCENARIO in
  suite)
    [ "$TL_FIGURE27" = yes ] && check_figure27_text
    establish
    check_algorithms
    log "pings both ways"
    ping_both 3
    log "strongSwan rekeys the CHILD SA$([ -n "$SS_ESP_DH" ] && echo " (with a KE: PFS)")"
    rekey_child
    ping_both 2
    log "strongSwan rekeys the IKE SA"
    rekey_ike
    tl_one_session_up || fail "tunnelisa does not list exactly one IKE session up"
    ping_both 2
    if [ "$SS_VERSION" = 1 ]; then
      v1_converged
      ping_both 2
    fi
    [ "$TEARDOWN" = yes ] && teardown_by_initiator
    ;;

  rekey)
    if [ "$REKEY_BY" = tl ]; then
      rekeyer=tunnelisa
      check_rekey_refusals
    else
      rekeyer=strongSwan
    fi
    establish
    check_algorithms
    log "pings every 20 ms both ways while $rekeyer rekeys CHILD, IKE, CHILD"
    # 400 pings at 20 ms: 8 s of traffic; -w bounds each ping at 30 s whatever happens.
    pings_start 400
    sleep 1
    rekey_child
    sleep 0.5
    rekey_ike
    sleep 0.5
    rekey_child
    pings_check "rekeys"
    tl_one_session_up || fail "tunnelisa does not list exactly one IKE session up"
    [ "$SS_VERSION" = 1 ] && v1_converged
    # For the record: what tunnelisa's engine dropped meanwhile (TUN chatter is no-route).
    tl_ctl counters | awk '/^engine drops by reason:/ { f = 1; next } /^[a-z]/ { f = 0 }
                           f { print "   tunnelisa drop: " $1 " " $2 }'
    ;;

  reload)
    establish
    check_algorithms
    spis=$(tl_spis)
    log "pings every 20 ms both ways while the configuration is reloaded"
    pings_start 250
    sleep 1
    # An allowed change: the transform's algorithm. Established SAs stay until renegotiated.
    TL_ESP_ENC=aes256gcm16
    tl_write_conf
    tl_ctl config reload >"$WORK/reload.out" 2>&1 ||
      fail "config reload (transform change) refused: $(cat "$WORK/reload.out")"
    note "config reload: $(head -n 1 "$WORK/reload.out")"
    sleep 0.5
    [ "$(tl_spis)" = "$spis" ] || fail "the CHILD SA changed at the reload: $spis -> $(tl_spis)"
    tl_one_session_up || fail "tunnelisa does not list exactly one IKE session up after reload"
    # A forbidden change: the peer address of the operationally up tunnel.
    cp "$WORK/tl.cfg" "$WORK/tl.good.cfg"
    sed "s/peer $SS_PUB /peer 10.99.0.9 /" "$WORK/tl.good.cfg" >"$WORK/tl.bad.cfg"
    rc=0
    tl_ctl config reload "$WORK/tl.bad.cfg" >"$WORK/reload_bad.out" 2>&1 || rc=$?
    [ "$rc" -eq 2 ] || fail "config reload of a peer change: exit $rc, expected 2"
    grep -q "cannot be changed while the tunnel is operationally up" "$WORK/reload_bad.out" ||
      fail "config reload of a peer change: not the guide's rule: $(cat "$WORK/reload_bad.out")"
    note "refused: $(grep -m 1 "operationally up" "$WORK/reload_bad.out")"
    [ "$(tl_spis)" = "$spis" ] || fail "the CHILD SA changed at a refused reload"
    # SIGHUP reloads the file tunnelisa runs from (the good one, unchanged).
    n_before=$(grep -c "configuration reloaded" "$WORK/tl.log" || true)
    kill -HUP "$TL_PID"
    reloaded() { [ "$(grep -c "configuration reloaded" "$WORK/tl.log")" -gt "$n_before" ]; }
    wait_until 5 "tunnelisa reloading at SIGHUP" reloaded
    pings_check "reloads"
    log "tunnelisa rekeys the CHILD SA: the new one uses the reloaded transform"
    rekey_child
    ss_sas | grep "INSTALLED" | grep -q "AES_GCM_16-256" ||
      fail "the rekeyed CHILD SA is not AES_GCM_16-256: $(ss_sas | grep INSTALLED)"
    ping_both 2
    ;;

  dpd-tunnelisa)
    establish
    ping_both 1
    log "idle: tunnelisa's liveness check (after 10 s without traffic) must be answered"
    liveness_seen() { grep -q "$DPD_REQ" "$SSDIR/charon.log"; }
    wait_until 30 "charon receiving tunnelisa's liveness check" liveness_seen
    sleep 0.5
    tl_up || fail "tunnelisa took the IKE SA down although charon answered"
    note "charon: $(grep -m 1 "$DPD_REQ" "$SSDIR/charon.log")"
    log "kill -KILL charon ($CHARON_PID): tunnelisa's DPD must take the IKE SA down"
    t0=$(now_ms)
    kill -KILL "$CHARON_PID"
    wait "$CHARON_PID" 2>/dev/null || true
    CHARON_PID=""
    # The last message from charon was just now: a check after 10 s, one retry 10 s later,
    # then down; 45 s is the bound.
    wait_until 45 "tunnelisa's DPD declaring the IKE SA down" tl_none_up
    note "IKE SA down $(($(now_ms) - t0)) ms after charon was killed"
    tl_sessions | sed 's/^/   tunnelisa: /'
    grep "event: ike ike-down" "$WORK/tl.log" | tail -n 1 | sed 's/^/   /'
    [ "$(tl_events ike-down)" -ge 1 ] || fail "no ike-down event in tunnelisa's log"
    ;;

  dpd-strongswan)
    establish
    ping_both 1
    log "idle: strongSwan's DPD (2 s) must be answered by tunnelisa"
    dpd_answered() { grep -q "$DPD_ACK" "$SSDIR/charon.log"; }
    wait_until 15 "tunnelisa answering strongSwan's DPD" dpd_answered
    ss_established || fail "strongSwan dropped the SA although tunnelisa answered"
    log "kill -KILL tunnelisa ($TL_PID): strongSwan's DPD must clear the SA"
    t0=$(now_ms)
    kill -KILL "$TL_PID"
    wait "$TL_PID" 2>/dev/null || true
    PIDS_TL=()  # reaped: its PID may be reused, never signal it again
    # 2 s DPD delay, then 3 retransmits (1 s, x1.4 each) and a last wait: about 10 s.
    wait_until 40 "strongSwan's DPD clearing the SA" ss_no_sa
    note "strongSwan cleared the SA $(($(now_ms) - t0)) ms after tunnelisa was killed"
    # (IKEv2: its retransmits unanswered; IKEv1: no R-U-THERE-ACK in time.)
    grep -E "giving up after|retransmit|DPD check timed out" "$SSDIR/charon.log" | tail -n 2 |
      sed 's/^/   charon: /'
    ;;

  failover)
    establish
    check_algorithms
    ping_both 3
    old_spis=$(tl_spis)
    tl_ctl isa tunnel-group | grep -E "^1 +1/1 +2/1 +1/1 " >/dev/null ||
      fail "tunnel-group 1 is not active on 1/1: $(tl_ctl isa tunnel-group)"
    log "the control socket's isa 1/1 fail: tunnel-group 1 must move to 2/1"
    t0=$(now_ms)
    tl_ctl isa 1/1 fail >"$WORK/isa.out" 2>&1 || fail "isa 1/1 fail: $(cat "$WORK/isa.out")"
    ping_once() { in_t ping -c 1 -W 1 -I "$TL_HOST" "$SS_HOST" >/dev/null 2>&1; }
    wait_until 5 "pings through the tunnel again after the failover" ping_once
    note "pings pass again $(($(now_ms) - t0)) ms after isa 1/1 fail"
    wait_until 5 "strongSwan with one new IKE SA" ss_established
    tl_ctl isa tunnel-group | tee "$WORK/groups.out" | grep -E "^1 +1/1 +2/1 +2/1 " >/dev/null ||
      fail "show isa tunnel-group does not list 2/1 active: $(cat "$WORK/groups.out")"
    tl_ctl isa tunnel-group 1 | sed 's/^/   /'
    [ "$(tl_spis)" != "$old_spis" ] || fail "tunnelisa still uses the old CHILD SA ($old_spis)"
    wait_until 5 "one IKE session up on tunnelisa" tl_one_session_up
    wait_until 5 "both sides agreeing on the new CHILD SA's SPIs" spis_agree
    [ "$(ss_ike_spis | wc -w)" -eq 1 ] || fail "strongSwan has $(ss_ike_spis | wc -w) IKE SAs"
    grep -E "event: isa " "$WORK/tl.log" | sed 's/^/   /'
    ping_both 3
    log "isa 1/1 recover: no revert, 2/1 stays active"
    tl_ctl isa 1/1 recover >/dev/null || fail "isa 1/1 recover refused"
    tl_ctl isa tunnel-group | grep -E "^1 +1/1 +2/1 +2/1 " >/dev/null ||
      fail "tunnel-group 1 left 2/1 after 1/1 recovered: $(tl_ctl isa tunnel-group)"
    ping_both 2
    ;;

  reboot)
    establish
    check_algorithms
    ping_both 3
    old_spis=$(tl_spis)
    cp "$SSDIR/charon.log" "$SSDIR/charon.first.log"
    log "kill -KILL charon ($CHARON_PID), then start it again: a rebooted peer"
    kill -KILL "$CHARON_PID"
    wait "$CHARON_PID" 2>/dev/null || true
    CHARON_PID=""
    # What the killed charon left in its run directory would fool start_charon's checks.
    rm -f "$SSDIR/run/charon.vici" "$SSDIR/run/charon.pid"
    start_charon
    tl_up || fail "tunnelisa dropped the old IKE SA before the peer came back"
    log "strongSwan initiates again (with INITIAL_CONTACT)"
    establish
    grep -q "IKE_AUTH request 1 \[.*N(INIT_CONTACT)" "$SSDIR/charon.log" ||
      fail "charon's IKE_AUTH request carried no INITIAL_CONTACT"
    note "charon: $(grep -m 1 -o "generating IKE_AUTH request 1 \[.*\]" "$SSDIR/charon.log")"
    ic_down() { tl_sessions | grep -q "down .*INITIAL_CONTACT"; }
    wait_until 5 "tunnelisa's old session down by INITIAL_CONTACT" ic_down
    tl_one_session_up || fail "tunnelisa does not list exactly one IKE session up"
    [ "$(tl_spis)" != "$old_spis" ] || fail "tunnelisa still uses the old CHILD SA ($old_spis)"
    spis_agree || fail "the new CHILD SA's SPIs differ"
    note "CHILD SA SPIs $old_spis -> $(tl_spis) (in/out)"
    grep -E "event: ike (ike-down|child-down) .*INITIAL_CONTACT" "$WORK/tl.log" | sed 's/^/   /'
    ping_both 3
    tl_sessions | sed 's/^/   tunnelisa: /'
    ;;

  cert)
    establish
    check_algorithms
    check_cert_auth
    ping_both 3
    log "strongSwan rekeys the IKE SA: the identities carry over"
    rekey_ike
    tl_one_session_up || fail "tunnelisa does not list exactly one IKE session up"
    tl_up_id_is "$SS_DN" ||
      fail "tunnelisa's rekeyed session does not show strongSwan's DN: $(tl_sessions)"
    ping_both 2
    ;;

  cert-revoked)
    if [ "$ROLE" = ss ]; then
      log "strongSwan initiates with its revoked certificate: tunnelisa must refuse"
      if sw --initiate --child tl --timeout 15 >"$WORK/initiate.out" 2>&1; then
        fail "swanctl --initiate succeeded with a revoked certificate"
      fi
    else
      log "tunnelisa initiates; strongSwan answers with its revoked certificate: refused"
      tl_ctl initiate 101 to-ss >/dev/null || fail "control socket: initiate 101 to-ss refused"
    fi
    auth_failed_logged() { [ "$(tl_events auth-failed)" -ge 1 ]; }
    wait_until 15 "an auth-failed event in tunnelisa's log" auth_failed_logged
    line=$(grep -m 1 "event: ike auth-failed " "$WORK/tl.log")
    note "tunnelisa: ${line#*event: }"
    [[ $line == *"certificate revoked"* ]] ||
      fail "the auth-failed event does not say 'certificate revoked'"
    [[ $line == *"$SS_DN"* ]] || fail "the auth-failed event does not name '$SS_DN'"
    # What strongSwan learnt of the refusal: in the IKE_AUTH response (-ss), or (-tl: it had
    # installed its SAs when it answered) in an INFORMATIONAL after it (RFC 7296 2.21.2).
    if [ "$ROLE" = ss ]; then
      told="received AUTHENTICATION_FAILED notify"
    else
      told="parsed INFORMATIONAL request [0-9]* \[ N(AUTH_FAILED) \]"
    fi
    told_ss() { grep -q "$told" "$SSDIR/charon.log"; }
    wait_until 5 "charon told of the refusal ('$told')" told_ss
    note "charon: $(grep -m 1 "$told" "$SSDIR/charon.log" | sed 's/^[^]]*] //')"
    sleep 1
    tl_none_up || fail "tunnelisa lists an IKE session up"
    ss_no_sa || fail "strongSwan has an SA: $(ss_sas)"
    in_t ping -c 1 -W 1 -I "$TL_HOST" "$SS_HOST" >/dev/null 2>&1 && fail "ping passed without an SA"
    note "no SA on either side; ping refused as expected"
    ;;

  cert-refused-by-ss)
    log "strongSwan initiates and refuses tunnelisa's certificate (not from $SS_REMOTE_CA)"
    if sw --initiate --child tl --timeout 15 >"$WORK/initiate.out" 2>&1; then
      fail "swanctl --initiate succeeded although tunnelisa's certificate is from another CA"
    fi
    line=$(grep -m 1 "constraint check failed" "$SSDIR/charon.log" || true)
    [ -n "$line" ] || fail "charon did not refuse tunnelisa's certificate by its CA constraint"
    note "charon: ${line#*] }"
    # RFC 7296 2.21.2: the initiator tells the responder in a separate INFORMATIONAL.
    line=$(grep -m 1 "generating INFORMATIONAL request [0-9]* \[ N(AUTH_FAILED) \]" \
      "$SSDIR/charon.log" || true)
    [ -n "$line" ] || fail "charon did not send AUTHENTICATION_FAILED in an INFORMATIONAL"
    note "charon: ${line#*] }"
    # tunnelisa, the responder, had installed its SAs when it answered: told, it drops them.
    auth_failed_logged() { [ "$(tl_events auth-failed)" -ge 1 ]; }
    wait_until 10 "an auth-failed event in tunnelisa's log" auth_failed_logged
    line=$(grep -m 1 "event: ike auth-failed " "$WORK/tl.log")
    note "tunnelisa: ${line#*event: }"
    [[ $line == *"peer refused our authentication"* ]] ||
      fail "the auth-failed event does not say that the peer refused tunnelisa"
    wait_until 5 "tunnelisa without an IKE session up" tl_none_up
    # `show ipsec tunnel` lists SPIs only while the tunnel has a CHILD SA.
    shown=$(tl_ctl ipsec tunnel to-ss) || fail "show ipsec tunnel to-ss failed"
    if ! grep -q "Oper State" <<<"$shown" || grep -q "Inbound SPI" <<<"$shown"; then
      fail "tunnelisa still has a CHILD SA: $shown"
    fi
    ss_no_sa || fail "strongSwan has an SA: $(ss_sas)"
    in_t ping -c 1 -W 1 -I "$TL_HOST" "$SS_HOST" >/dev/null 2>&1 && fail "ping passed without an SA"
    note "no SA on either side; ping refused as expected"
    ;;

  wrong-psk)
    if [ "$ROLE" = ss ]; then
      log "strongSwan initiates with a wrong PSK: tunnelisa must refuse"
      if sw --initiate --child tl --timeout 15 >"$WORK/initiate.out" 2>&1; then
        fail "swanctl --initiate succeeded with a wrong PSK"
      fi
      auth_failed_logged() { [ "$(tl_events auth-failed)" -ge 1 ]; }
      wait_until 10 "an auth-failed event in tunnelisa's log" auth_failed_logged
      if [ "$SS_VERSION" = 1 ]; then
        # IKEv1: with different keys nothing protected can pass, so tunnelisa's refusal is an
        # unprotected AUTHENTICATION-FAILED, which charon ignores once it has keys (it gives
        # up after its retransmits): it must at least arrive where charon floated to, 4500.
        line=$(awk '/received packet: from/ { split($2, t, "["); rx[t[1]] = $0 }
                    /parsed INFORMATIONAL_V1 request 0 \[ N\(AUTH_FAILED\) \]/ {
                      split($2, t, "["); print rx[t[1]]; exit }' "$SSDIR/charon.log")
        [[ $line == *"from ${TL_PUB}[4500]"* ]] ||
          fail "charon did not receive tunnelisa's AUTHENTICATION-FAILED on 4500 (${line:-none})"
        note "charon: ${line#*] } [ N(AUTH_FAILED) ]"
      else
        grep -q "received AUTHENTICATION_FAILED notify" "$SSDIR/charon.log" ||
          fail "charon did not receive AUTHENTICATION_FAILED"
      fi
    else
      log "tunnelisa initiates with a wrong PSK: strongSwan must refuse"
      tl_ctl initiate 101 to-ss >/dev/null || fail "control socket: initiate 101 to-ss refused"
      # IKEv2: IKE_AUTH's AUTH does not verify. IKEv1: Main Mode message 5 does not decrypt
      # (different keys), and charon answers with HASH(1), N(PAYLOAD-MALFORMED) under its
      # keys, which tunnelisa cannot open either.
      refusal="MAC mismatched"
      [ "$SS_VERSION" = 1 ] && refusal="could not decrypt payloads"
      refused() { grep -q "$refusal" "$SSDIR/charon.log"; }
      wait_until 15 "charon refusing tunnelisa's authentication" refused
      note "charon: $(grep "$refusal" "$SSDIR/charon.log" | head -n 1)"
      if [ "$SS_VERSION" = 1 ]; then
        note "charon: $(grep -m 1 "generating INFORMATIONAL_V1 request" "$SSDIR/charon.log")"
      fi
      # strongSwan answers with AUTHENTICATION_FAILED (IKEv2) or a PAYLOAD-MALFORMED tunnelisa
      # cannot decrypt (IKEv1): tunnelisa reports either as an authentication failure.
      tl_failed() { [ "$(tl_events auth-failed)" -ge 1 ]; }
      wait_until 15 "an auth-failed event in tunnelisa's log" tl_failed
    fi
    grep -E "event: ike (auth-failed|negotiation-failed|ike-down) " "$WORK/tl.log" | head -n 3 |
      sed 's/^/   /'
    sleep 1
    tl_none_up || fail "tunnelisa lists an IKE session up"
    ss_no_sa || fail "strongSwan has an SA: $(ss_sas)"
    in_t ping -c 1 -W 1 -I "$TL_HOST" "$SS_HOST" >/dev/null 2>&1 && fail "ping passed without an SA"
    note "no SA on either side; ping refused as expected"
    ;;
  remote-access)
    log "strongSwan connects as a remote-access client (vips = 0.0.0.0)"
    establish
    check_algorithms
    vip=$(ss_vip)
    [ "$vip" = 10.9.0.10 ] ||
      fail "strongSwan's virtual IP is '${vip:-none}', not 10.9.0.10: $(ss_sas)"
    grep -q "installing new virtual IP 10.9.0.10" "$SSDIR/charon.log" ||
      fail "charon did not install the virtual IP 10.9.0.10"
    note "charon: $(grep -m 1 "installing new virtual IP" "$SSDIR/charon.log" | sed 's/^[^]]*] //')"
    grep -q "TS 10.9.0.10/32 === $TL_LAN" "$SSDIR/charon.log" ||
      fail "strongSwan's CHILD SA is not 10.9.0.10/32 === $TL_LAN: $(ss_sas)"
    note "charon: $(grep -m 1 -o "CHILD_SA tl{1} established .*" "$SSDIR/charon.log")"
    grep -q "inner 10.9.0.10" <<<"$(tl_sessions)" ||
      fail "tunnelisa's sessions do not show the inner address: $(tl_sessions)"
    note "tunnelisa: $(tl_sessions | grep -m 1 "inner 10.9.0.10")"
    log "pings from the client's inner address and back"
    ra_ping "$NS_S" 10.9.0.10 "$TL_HOST"
    ra_ping "$NS_T" "$TL_HOST" 10.9.0.10
    log "the client disconnects: its address and route go; it reconnects and gets it back"
    sw --terminate --ike tl --timeout 10 >"$WORK/terminate.out" 2>&1 ||
      fail "swanctl --terminate: $(cat "$WORK/terminate.out")"
    wait_until 10 "tunnelisa without an IKE session up" tl_none_up
    in_t ping -c 1 -W 1 -I "$TL_HOST" 10.9.0.10 >/dev/null 2>&1 &&
      fail "a ping to the released address passed"
    note "ping to 10.9.0.10 after the disconnect: no answer (no route)"
    establish
    vip=$(ss_vip)
    [ "$vip" = 10.9.0.10 ] || fail "the reconnected client got '${vip:-none}', not 10.9.0.10"
    note "reconnected with 10.9.0.10 again"
    ra_ping "$NS_S" 10.9.0.10 "$TL_HOST"
    ra_ping "$NS_T" "$TL_HOST" 10.9.0.10
    ;;
  eap)
    # The EAP user's session: strongSwan authenticates as alice with EAP, which tunnelisa
    # relays to the freeradius in its namespace; the gateway proves itself with the PSK.
    ss_vip() { ss_sas | grep -o '\[10\.9\.0\.[0-9]*\]' | head -n 1 | tr -d '[]' || true; }
    case $CASE in
      eap-md5-ss | eap-mschapv2-ss)
        log "strongSwan connects with $SS_LOCAL_AUTH as alice; freeradius checks her"
        establish
        check_algorithms
        grep -q "authentication of 'alice' with EAP successful" "$SSDIR/charon.log" ||
          grep -q "EAP method EAP_[A-Z0-9]* succeeded" "$SSDIR/charon.log" ||
          fail "charon did not finish EAP: $(grep -i eap "$SSDIR/charon.log" | tail -n 5)"
        note "charon: $(grep -m 1 -o "EAP method [A-Z0-9_]* succeeded.*" "$SSDIR/charon.log")"
        if [ "$CASE" = eap-mschapv2-ss ]; then
          grep -q "MSK established" "$SSDIR/charon.log" ||
            fail "charon has no MSK from MSCHAPv2"
          note "charon: MSK established (tunnelisa's AUTH keyed with the MPPE keys)"
        fi
        grep -q "Login OK: \[alice\]" "$FR_DIR/freeradius.log" ||
          fail "freeradius did not log alice's login"
        note "freeradius: $(grep -m 1 -o "Login OK: \[alice\].*" "$FR_DIR/freeradius.log")"
        grep -q 'user alice (EAP' <<<"$(tl_sessions)" ||
          fail "tunnelisa's sessions do not name the EAP user: $(tl_sessions)"
        note "tunnelisa: $(tl_sessions | grep -m 1 'user alice')"
        vip=$(ss_vip)
        [ "$vip" = 10.9.0.10 ] || fail "strongSwan's virtual IP is '${vip:-none}', not 10.9.0.10"
        ra_ping() {
          local out
          out=$(ip netns exec "$1" ping -c 3 -i 0.2 -W 2 -I "$2" "$3" 2>&1) ||
            fail "ping $2 -> $3: $out"
          note "$2 -> $3: $(echo "$out" | grep "packets transmitted")"
        }
        ra_ping "$NS_S" 10.9.0.10 "$TL_HOST"
        ra_ping "$NS_T" "$TL_HOST" 10.9.0.10
        ;;
      eap-reject-ss | eap-timeout-ss)
        if [ "$CASE" = eap-timeout-ss ]; then
          log "freeradius stops: nobody answers tunnelisa's Access-Requests"
          stop_pid "$FR_PID"
        else
          log "strongSwan connects as alice with the wrong password"
        fi
        sw --initiate --child tl --timeout 20 >"$WORK/initiate.out" 2>&1 &&
          fail "swanctl --initiate succeeded: $(tail -n 3 "$WORK/initiate.out")"
        grep -qF "[ EAP/FAIL N(AUTH_FAILED) ]" "$SSDIR/charon.log" ||
          fail "charon got no EAP-Failure: $(grep -i eap "$SSDIR/charon.log" | tail -n 5)"
        note "charon: $(grep -m 1 -o "parsed IKE_AUTH response .*EAP/FAIL.*" "$SSDIR/charon.log")"
        want="rejected by RADIUS server 127.0.0.1:$FR_PORT"
        [ "$CASE" = eap-timeout-ss ] && want="no RADIUS server answered"
        grep -q "event: ike auth-failed .*$want" "$WORK/tl.log" ||
          fail "tunnelisa's log has no auth-failed '$want': $(grep "event: ike" "$WORK/tl.log" | tail -n 3)"
        note "tunnelisa: $(grep -m 1 -o "event: ike auth-failed.*" "$WORK/tl.log" | cut -c1-160)"
        tl_none_up || fail "tunnelisa lists an IKE session up"
        ss_no_sa || fail "strongSwan has an SA: $(ss_sas)"
        ;;
    esac
    ;;
  xauth)
    log "strongSwan connects as an IKEv1 XAUTH client ($TL_IKE_MODE mode, user alice," \
      "vips = 0.0.0.0); freeradius checks alice"
    if [ "$XAUTH_EXPECT" = reject ]; then
      if sw --initiate --child tl --timeout 20 >"$WORK/initiate.out" 2>&1; then
        fail "swanctl --initiate succeeded with a wrong XAUTH password"
      fi
      refused_logged() { grep -q "event: ike auth-failed .*XAUTH user \"alice\" refused" \
        "$WORK/tl.log"; }
      wait_until 15 "tunnelisa's auth-failed event 'XAUTH user \"alice\" refused'" refused_logged
      note "tunnelisa: $(grep -m 1 "event: ike auth-failed " "$WORK/tl.log" | sed 's/.*event: //')"
      line=$(grep -m 1 "XAuth authentication of 'alice' (myself) failed" "$SSDIR/charon.log" ||
        true)
      [ -n "$line" ] || fail "charon did not report its XAUTH authentication as failed"
      note "charon: ${line#*] }"
      [ "$(radius_count "Sent Access-Reject")" -ge 1 ] || fail "freeradius sent no Access-Reject"
      [ "$(radius_count "Sent Access-Accept")" -eq 0 ] || fail "freeradius accepted alice"
      note "freeradius: $(grep -m 1 -F "Login incorrect" "$RADIUS_DIR/freeradius.log" ||
        echo "(no Login incorrect line)")"
      sleep 1
      tl_none_up || fail "tunnelisa lists an IKE session up: $(tl_sessions)"
      ss_no_sa || fail "strongSwan has an SA: $(ss_sas)"
      ! grep -q "CHILD_SA tl{[0-9]*} established" "$SSDIR/charon.log" ||
        fail "charon established a CHILD SA although XAUTH failed"
      ! grep -q "installing new virtual IP" "$SSDIR/charon.log" ||
        fail "charon got a virtual IP although XAUTH failed"
      ! grep -q "inner 10\.9\.0\." <<<"$(tl_sessions)" ||
        fail "tunnelisa gave an inner address although XAUTH failed: $(tl_sessions)"
      note "no CHILD SA and no address on either side"
    else
      establish
      check_algorithms
      check_xauth_accepted 10.9.0.10 1
      log "pings from the client's inner address and back"
      ra_ping "$NS_S" 10.9.0.10 "$TL_HOST"
      ra_ping "$NS_T" "$TL_HOST" 10.9.0.10
      log "strongSwan deletes the SAs (swanctl --terminate --ike): the address goes back"
      sw --terminate --ike tl --timeout 10 >"$WORK/terminate.out" 2>&1 ||
        fail "swanctl --terminate: $(cat "$WORK/terminate.out")"
      wait_until 10 "tunnelisa without an IKE session up" tl_none_up
      grep -q "event: ike ike-down .*deleted by the peer" "$WORK/tl.log" ||
        fail "tunnelisa did not take the IKE SA down as deleted by the peer"
      grep "event: ike \(child\|ike\)-down " "$WORK/tl.log" | sed 's/^.*event: /   tunnelisa: /'
      in_t ping -c 1 -W 1 -I "$TL_HOST" 10.9.0.10 >/dev/null 2>&1 &&
        fail "a ping to the released address passed"
      note "ping to 10.9.0.10 after the Delete: no answer (no route)"
      log "strongSwan connects again: XAUTH again, and 10.9.0.10 again"
      establish
      check_xauth_accepted 10.9.0.10 2
      ra_ping "$NS_S" 10.9.0.10 "$TL_HOST"
      ra_ping "$NS_T" "$TL_HOST" 10.9.0.10
    fi
    ;;
esac

echo "OK: $CASE in $(($(now_ms) - T0)) ms"
