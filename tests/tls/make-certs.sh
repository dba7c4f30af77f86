#!/bin/sh
# SPDX-License-Identifier: MPL-2.0
# Generates throwaway TLS material for the amqps tests into DIR (created if missing) with the
# openssl CLI. Nothing here is secret and nothing is committed: tests run this at test time.
#   ca.pem                  test CA (ca.key)
#   server.pem/.key         CN=localhost, SAN localhost and 127.0.0.1, signed by the CA
#   server-enc.key          the same key encrypted with the password in server-enc.pass
#   client.pem/.key         good client, subject O=WarrenTest, CN=guest
#   stranger.pem/.key       good client whose CN names no user (CN=stranger)
#   expired.pem/.key        signed by the CA, valid only in January 2020
#   rogue.pem/.key          CN=guest, but signed by another CA (rogue-ca.pem)
set -eu
dir=${1:?usage: make-certs.sh DIR}
mkdir -p "$dir"
cd "$dir"
days=30
q() { "$@" >/dev/null 2>&1 || { echo "make-certs: failed: $*" >&2; exit 1; }; }

newkey() { q openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1.key"; }

# ca NAME SUBJECT: a self-signed CA
ca() {
    newkey "$1"
    q openssl req -x509 -new -key "$1.key" -subj "$2" -days "$days" -sha256 \
        -addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
        -out "$1.pem"
}

# leaf NAME SUBJECT CA EXTENSIONS: a certificate signed by CA
leaf() {
    newkey "$1"
    q openssl req -new -key "$1.key" -subj "$2" -out "$1.csr"
    printf '%s\n' "$4" >"$1.ext"
    q openssl x509 -req -in "$1.csr" -CA "$3.pem" -CAkey "$3.key" -CAcreateserial -days "$days" \
        -sha256 -extfile "$1.ext" -out "$1.pem"
    rm -f "$1.csr" "$1.ext"
}

client_ext='basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature
extendedKeyUsage=clientAuth'

ca ca "/O=WarrenTest/CN=Warren Test CA"
ca rogue-ca "/O=WarrenTest/CN=Warren Rogue CA"
leaf server "/O=WarrenTest/CN=localhost" ca 'basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1'
leaf client "/O=WarrenTest/CN=guest" ca "$client_ext"
leaf stranger "/O=WarrenTest/CN=stranger" ca "$client_ext"
leaf rogue "/O=WarrenTest/CN=guest" rogue-ca "$client_ext"

# `openssl x509 -req` cannot backdate, `openssl ca` can: a minimal CA database for one cert.
newkey expired
q openssl req -new -key expired.key -subj "/O=WarrenTest/CN=guest" -out expired.csr
mkdir -p cadb
: >cadb/index.txt
echo 1000 >cadb/serial
cat >cadb/ca.cnf <<CNF
[ca]
default_ca = test
[test]
database = cadb/index.txt
serial = cadb/serial
new_certs_dir = cadb
default_md = sha256
policy = any
unique_subject = no
[any]
organizationName = optional
commonName = supplied
[client]
$client_ext
CNF
q openssl ca -batch -config cadb/ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr \
    -out expired.pem -startdate 20200101000000Z -enddate 20200131000000Z -extensions client -notext
rm -rf cadb expired.csr

echo "warren-test-$$" >server-enc.pass
q openssl pkey -in server.key -aes256 -passout "file:server-enc.pass" -out server-enc.key
chmod 600 ./*.key
