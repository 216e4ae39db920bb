# Sourced by test.sh: Debian packages some tests use, installed when this machine can
# (root with apt-get): Chromium for the browser tests, PostgreSQL for the Designer's
# database tests, Mosquitto for the MQTT telemetry tests (they start their own broker on a
# loopback port), the openssl command for the tests that check our Ed25519 PEM keys and
# signatures against OpenSSL's. Where it cannot, those tests skip and say why.
install_system_packages() {
  local wanted=()
  [ -x /usr/bin/chromium ] || wanted+=(chromium)
  command -v pg_ctl >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || wanted+=(postgresql)
  command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || wanted+=(mosquitto)
  command -v openssl >/dev/null 2>&1 || wanted+=(openssl)
  if [ ${#wanted[@]} -eq 0 ]; then
    return 0
  fi
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "system packages: cannot install ${wanted[*]} (needs root and apt-get); their tests will skip" >&2
    return 0
  fi
  echo "system packages: installing ${wanted[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends "${wanted[@]}" >/dev/null \
    || echo "system packages: apt-get could not install ${wanted[*]}; their tests will skip" >&2
}
