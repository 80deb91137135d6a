"""Python's ssl module as a TLS peer for test/interop/python.test.ts.

Usage: python3 python-peer.py '<json options>'. Writes one JSON object per line to stdout:
  client mode: {"event": "connected", ...} or {"event": "error", ...} per connection
  server mode: {"event": "listening", "port": N}, then "connected"/"error" and "closed" per connection
Every socket has a timeout, so a stuck peer ends on its own; the test also kills it by PID.
"""
import hashlib
import json
import socket
import ssl
import sys

TIMEOUT_S = 15
ECHO_STEP = 64 * 1024


def report(**fields):
    print(json.dumps(fields), flush=True)


def pattern(n, seed):
    """The same xorshift32 byte pattern as patternBytes() in test/support/peers.ts."""
    out = bytearray(n)
    x = seed & 0xFFFFFFFF or 1
    for i in range(n):
        x ^= (x << 13) & 0xFFFFFFFF
        x ^= x >> 17
        x ^= (x << 5) & 0xFFFFFFFF
        out[i] = x & 0xFF
    return bytes(out)


def common_name(cert):
    for rdn in (cert or {}).get("subject", ()):
        for key, value in rdn:
            if key == "commonName":
                return value
    return None


def describe(s):
    return {
        "version": s.version(),
        "cipher": list(s.cipher()),
        "alpn": s.selected_alpn_protocol(),
        "reused": s.session_reused,
        "peer_cn": common_name(s.getpeercert()),
    }


def error_fields(e):
    return {
        "type": type(e).__name__,
        "reason": getattr(e, "reason", None),
        "verify_message": getattr(e, "verify_message", None),
        "message": str(e),
    }


def echo_exchange(s, payload):
    """Sends payload in steps and reads each step's echo back before the next step (an SSLSocket
    must not be read and written from two threads at once; one step fits in the socket buffers)."""
    got = bytearray()
    for off in range(0, len(payload), ECHO_STEP):
        s.sendall(payload[off:off + ECHO_STEP])
        want = min(len(payload), off + ECHO_STEP)
        while len(got) < want:
            d = s.recv(65536)
            if not d:
                return bytes(got)
            got += d
    return bytes(got)


def client(o):
    ctx = ssl.create_default_context(cafile=o["cafile"])
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    if o.get("cert"):
        ctx.load_cert_chain(o["cert"], o["key"])
    if o.get("alpn"):
        ctx.set_alpn_protocols(o["alpn"])
    session = None
    payload = pattern(o.get("bytes", 1024), 11)
    for _ in range(o.get("connections", 1)):
        with socket.create_connection(("127.0.0.1", o["port"]), timeout=TIMEOUT_S) as raw:
            try:
                s = ctx.wrap_socket(raw, server_hostname=o["servername"], session=session)
            except (ssl.SSLError, ssl.CertificateError, OSError) as e:
                report(event="error", **error_fields(e))
                continue
            with s:
                got = echo_exchange(s, payload)
                info = describe(s)
                # TLS 1.3 tickets arrive after the handshake: the session is complete once data was read.
                session = s.session
                report(event="connected", echoed=len(got), sha256=hashlib.sha256(got).hexdigest(),
                       sent_sha256=hashlib.sha256(payload).hexdigest(), **info)
                s.unwrap()


def server(o):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.load_cert_chain(o["cert"], o["key"])
    if o.get("alpn"):
        ctx.set_alpn_protocols(o["alpn"])
    if o.get("client_ca"):
        ctx.load_verify_locations(o["client_ca"])
        ctx.verify_mode = ssl.CERT_REQUIRED
    if o.get("curve"):
        ctx.set_ecdh_curve(o["curve"])
    sni = {}
    ctx.sni_callback = lambda sock, name, c: sni.__setitem__("name", name)
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(TIMEOUT_S)
        report(event="listening", port=listener.getsockname()[1])
        for _ in range(o.get("accept", 1)):
            raw, _addr = listener.accept()
            raw.settimeout(TIMEOUT_S)
            sni.clear()
            try:
                s = ctx.wrap_socket(raw, server_side=True)
            except (ssl.SSLError, OSError) as e:
                report(event="error", **error_fields(e))
                raw.close()
                continue
            report(event="connected", sni=sni.get("name"), **describe(s))
            h = hashlib.sha256()
            n = 0
            try:
                while True:
                    d = s.recv(65536)
                    if not d:
                        break
                    h.update(d)
                    n += len(d)
                    s.sendall(d)
                report(event="closed", received=n, sha256=h.hexdigest())
            except (ssl.SSLError, OSError) as e:
                report(event="error", **error_fields(e))
            finally:
                s.close()


if __name__ == "__main__":
    opts = json.loads(sys.argv[1])
    {"client": client, "server": server}[opts["mode"]](opts)
