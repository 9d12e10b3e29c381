#!/usr/bin/env bash
# Regenerates the test-only CA and the leaf certificate the fake upstreams serve.
# The keys are committed on purpose: they protect nothing but loopback test servers.
set -euo pipefail
cd "$(dirname "$0")"
openssl req -x509 -newkey rsa:2048 -nodes -days 36500 -subj "/CN=citesnap test CA" \
  -keyout ca-key.pem -out ca.pem -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
openssl req -newkey rsa:2048 -nodes -subj "/CN=citesnap fake upstream" -keyout upstream-key.pem -out upstream.csr
cat > upstream.ext <<'EXT'
basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=@names
[names]
DNS.1=t.co
DNS.2=twitter.com
DNS.3=*.twitter.com
DNS.4=x.com
DNS.5=*.x.com
DNS.6=*.twimg.com
DNS.7=cdn.syndication.twimg.com
DNS.8=archive.org
DNS.9=*.archive.org
DNS.10=*.example
DNS.11=example.com
DNS.12=*.example.com
DNS.13=*.test
DNS.14=news.test
DNS.15=*.news.test
DNS.16=localhost
IP.1=127.0.0.1
IP.2=::1
EXT
openssl x509 -req -in upstream.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 36500 -sha256 \
  -extfile upstream.ext -out upstream.pem
rm -f upstream.csr upstream.ext ca.srl
