"""A loopback HTTPS proxy that plays Google's translate endpoint for another process.

Start a server subprocess with HTTPS_PROXY=<proxy.url>: gTTS sends CONNECT, the proxy answers
200, wraps the socket in TLS with a throw-away self-signed certificate (gTTS does not verify)
and answers the batchexecute POST through tests.fakes.FakeGoogle, so `delay`, `mode` and the
recorded texts work exactly as in-process. Connections are kept alive as a real server keeps
them; `handshake_delay` is added to each new one (the TCP and TLS round trips to a distant
server) and `connections` counts them. Nothing leaves 127.0.0.1.
"""

from __future__ import annotations

import functools
import socket
import socketserver
import ssl
import subprocess
import tempfile
import threading
import time
from pathlib import Path

from tests.fakes import FakeGoogle


@functools.cache
def _certificate() -> tuple[str, str]:
    folder = Path(tempfile.mkdtemp(prefix="fakegoogle-"))
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
                    "-subj", "/CN=translate.google.com", "-keyout", str(key), "-out", str(cert)],
                   check=True, capture_output=True)
    return str(cert), str(key)


def _read_head(conn: socket.socket | ssl.SSLSocket) -> tuple[bytes, bytes] | None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return None
        data += chunk
        if len(data) > 1 << 20:
            return None
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        conn: socket.socket = self.request
        conn.settimeout(30)
        try:
            got = _read_head(conn)
            if got is None:
                return
            head, _ = got
            line = head.split(b"\r\n", 1)[0].decode("latin-1")
            if not line.startswith("CONNECT "):
                conn.sendall(b"HTTP/1.1 405 Method Not Allowed\r\nContent-Length: 0\r\n\r\n")
                return
            self.server.count_connection()
            if self.server.handshake_delay:
                # The TCP and TLS round trips to a distant server, paid once per connection.
                time.sleep(self.server.handshake_delay)
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            tls = self.server.tls.wrap_socket(conn, server_side=True)
            try:
                while self._serve_https(tls):  # keep-alive: one request after another
                    pass
            finally:
                tls.close()
        except (OSError, ssl.SSLError):
            return

    def _serve_https(self, tls: ssl.SSLSocket) -> bool:
        """Answer one request; return whether the connection stays open for another."""
        got = _read_head(tls)
        if got is None:
            return False
        head, body = got
        lines = head.decode("latin-1").split("\r\n")
        method, path = lines[0].split(" ")[:2]
        headers = {k.strip().lower(): v.strip() for k, _, v in
                   (h.partition(":") for h in lines[1:])}
        length = int(headers.get("content-length", "0") or 0)
        while len(body) < length:
            chunk = tls.recv(65536)
            if not chunk:
                break
            body += chunk
        if method == "POST" and "batchexecute" in path:
            status, reply_headers, text = self.server.fake.answer(body.decode("ascii"))
        else:
            status, reply_headers, text = 429, {}, "sorry"
        if status == 0:  # a dropped connection or a read timeout
            if text == "timeout":
                time.sleep(min(self.server.timeout_sleep, 30))
            tls.close()
            return False
        payload = text.encode("utf-8")
        reason = {200: "OK", 302: "Found", 429: "Too Many Requests"}.get(status, "Error")
        close = headers.get("connection", "").lower() == "close"
        out = [f"HTTP/1.1 {status} {reason}", f"Content-Length: {len(payload)}",
               "Connection: " + ("close" if close else "keep-alive")]
        out += [f"{k}: {v}" for k, v in reply_headers.items()]
        tls.sendall(("\r\n".join(out) + "\r\n\r\n").encode("latin-1") + payload)
        if close:
            tls.close()
        return not close


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128
    fake: FakeGoogle
    tls: ssl.SSLContext
    timeout_sleep: float = 15.0
    handshake_delay: float = 0.0
    connections: int = 0
    _count_lock: threading.Lock

    def count_connection(self) -> None:
        with self._count_lock:
            self.connections += 1


class FakeGoogleProxy:
    """Run the fake Google endpoint behind a loopback HTTPS proxy in a background thread."""

    def __init__(self, fake: FakeGoogle | None = None, handshake_delay: float = 0.0) -> None:
        self.fake = fake or FakeGoogle()
        cert, key = _certificate()
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.fake = self.fake
        self._server.handshake_delay = handshake_delay
        self._server._count_lock = threading.Lock()
        self._server.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self._server.tls.load_cert_chain(cert, key)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True,
                                        name="fakegoogle-proxy")

    @property
    def connections(self) -> int:
        """Return how many connections (CONNECT tunnels, each one TLS handshake) were opened."""
        return self._server.connections

    @property
    def url(self) -> str:
        """Return the proxy URL to put in HTTPS_PROXY."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeGoogleProxy:
        """Start serving; return self."""
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> FakeGoogleProxy:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def proxy_env(proxy_url: str, base: dict[str, str] | None = None) -> dict[str, str]:
    """Return an environment whose HTTPS traffic goes through the fake proxy (and nothing else)."""
    import os

    env = dict(os.environ if base is None else base)
    for key in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"):
        env.pop(key, None)
    env["HTTPS_PROXY"] = env["https_proxy"] = proxy_url
    return env
