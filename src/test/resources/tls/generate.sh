#!/usr/bin/env bash
# Regenerates the TLS material the tests use (and, with --dev, the dev sample workload's material).
#
#   src/test/resources/tls/generate.sh          -> src/test/resources/tls/
#   src/test/resources/tls/generate.sh --dev    -> src/main/resources/dev-tls/
#
# Output per leaf <name>: <name>.pem (certificate), <name>-key.pem (PKCS#8, unencrypted), <name>.p12 (key,
# certificate and CA; password "changeit"), plus ca.pem. EC P-256 keys, 100-year validity, so the committed files
# never expire under a test run.
#
# The CA private key is NOT kept: it lives in a temporary directory for the run and is deleted, so a committed CA
# can sign nothing more. Each CA also carries name constraints (example.com, localhost, loopback addresses) so that
# even a CA someone trusted by mistake cannot vouch for any real site.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
mode="test"
if [ "${1:-}" = "--dev" ]; then
  mode="dev"
fi

if [ "$mode" = "dev" ]; then
  out="$(cd "$here/../../../main/resources/dev-tls" && pwd)"
  ca_cn="ghost dev CA (dev only, do not trust in production)"
else
  out="$here"
  ca_cn="ghost test CA (tests only)"
fi

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

days=36500
p12_password="changeit"

cat >"$work/ca.cnf" <<'EOF'
[req]
distinguished_name = dn
prompt = no
[dn]
[ca_ext]
basicConstraints = critical, CA:TRUE, pathlen:0
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
nameConstraints = critical, permitted;DNS:example.com, permitted;DNS:.example.com, permitted;DNS:localhost, permitted;IP:127.0.0.0/255.0.0.0, permitted;IP:0:0:0:0:0:0:0:1/FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF
EOF

openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$work/ca-key.pem" 2>/dev/null
openssl req -x509 -new -config "$work/ca.cnf" -extensions ca_ext -key "$work/ca-key.pem" -sha256 -days "$days" \
  -subj "/O=ghost ingress/CN=$ca_cn" -out "$out/ca.pem"

# leaf <name> <extra san>...: CN and first SAN are <name>.
leaf() {
  local name="$1"
  local cn="$1"
  local sans=""
  local san
  for san in "$@"; do
    if [[ "$san" =~ ^[0-9.]+$ || "$san" == *:* ]]; then
      sans="${sans:+$sans, }IP:$san"
    else
      sans="${sans:+$sans, }DNS:$san"
    fi
  done
  cat >"$work/$name.ext" <<EOF
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth, clientAuth
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
subjectAltName = $sans
EOF
  openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$out/$name-key.pem" 2>/dev/null
  openssl req -new -key "$out/$name-key.pem" -subj "/O=ghost ingress/CN=$cn" -out "$work/$name.csr"
  openssl x509 -req -in "$work/$name.csr" -CA "$out/ca.pem" -CAkey "$work/ca-key.pem" -CAcreateserial \
    -CAserial "$work/ca.srl" -sha256 -days "$days" -extfile "$work/$name.ext" -out "$out/$name.pem" 2>/dev/null
  openssl pkcs12 -export -name "$name" -inkey "$out/$name-key.pem" -in "$out/$name.pem" -certfile "$out/ca.pem" \
    -passout "pass:$p12_password" -out "$out/$name.p12"
  openssl verify -CAfile "$out/ca.pem" "$out/$name.pem" >/dev/null
}

if [ "$mode" = "dev" ]; then
  leaf myapp.example.com localhost 127.0.0.1 ::1
else
  # One leaf per backend, so a test can tell which backend answered by the certificate it presented.
  for host in myapp other tenant-a tenant-b raw; do
    leaf "$host.example.com"
  done
  # One leaf with several SANs (no wildcard), for tests that want a single certificate for everything.
  leaf multi.example.com myapp.example.com other.example.com \
    tenant-a.example.com tenant-b.example.com raw.example.com localhost 127.0.0.1 ::1
fi

echo "wrote $mode TLS material to $out"
