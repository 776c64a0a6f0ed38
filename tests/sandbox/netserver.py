#!/usr/bin/env python3
"""netserver.py: the HTTP server the sandbox network tests talk to.

Listens dual-stack on [::]:0 (so every address on lo reaches it: 127.0.0.1,
::1, 10.0.0.1, 169.254.169.254, 203.0.113.x inside the test's private
network namespace), prints the port on stdout, and serves:
  /ok               200 "hello"
  /redirect?to=URL  302 to URL
  /big?n=BYTES      200 with n bytes of 'x'
  /echo             200 with the method, the request headers and the body
  /whoami           200 with the local address the client connected to
With CERT KEY arguments it also serves the same routes over TLS on a
second port and prints "HTTP_PORT HTTPS_PORT".
Runs until stdin closes (the test holds the pipe)."""
import socket
import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, code, body, headers=()):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Test", "yes")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def handle_any(self):
        u = urlparse(self.path)
        q = parse_qs(u.query)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        if u.path == "/ok":
            self.reply(200, b"hello")
        elif u.path == "/redirect":
            self.reply(302, b"", [("Location", q["to"][0])])
        elif u.path == "/big":
            self.reply(200, b"x" * int(q["n"][0]))
        elif u.path == "/whoami":
            self.reply(200, self.connection.getsockname()[0].encode())
        elif u.path == "/echo":
            text = self.command + "\n" + str(self.headers) + body.decode("latin-1")
            self.reply(200, text.encode("latin-1"))
        else:
            self.reply(404, b"not found")

    do_GET = do_POST = do_PUT = do_HEAD = do_DELETE = handle_any


class DualStack(ThreadingHTTPServer):
    address_family = socket.AF_INET6
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # clients that stop reading (size caps) are expected

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        super().server_bind()


def main():
    srv = DualStack(("::", 0), Handler)
    ports = [str(srv.server_address[1])]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    if len(sys.argv) == 3:
        tls = DualStack(("::", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[1], sys.argv[2])
        tls.socket = ctx.wrap_socket(tls.socket, server_side=True)
        ports.append(str(tls.server_address[1]))
        threading.Thread(target=tls.serve_forever, daemon=True).start()
    print(" ".join(ports), flush=True)
    sys.stdin.read()


if __name__ == "__main__":
    main()
