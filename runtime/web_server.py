"""The demo clinic page with the chat widget, served on loopback (`make run` and the browser tests).

Serves exactly four files: the page, its script and style from web/, and the
rasa-webchat bundle installed by npm (`make web`). Nothing else of the disk is
reachable. A strict Content-Security-Policy lets the page load only these files
and talk only to the Rasa server's socket: no third-party script, style or font
(the bundle's @import of Google Fonts is blocked) and no inline script, so text
that ever slipped through as HTML could not run.
"""
from __future__ import annotations

import argparse
import html
import threading
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Dict, Tuple
from urllib.parse import urlsplit

from answer_book.store import answer_store
from channels.incoming import READ_WINDOW_CHARACTERS, UNREAD_MARK

PROJECT_DIR = Path(__file__).resolve().parent.parent
WEB_DIR = PROJECT_DIR / "web"
WIDGET_BUNDLE = WEB_DIR / "node_modules" / "rasa-webchat" / "lib" / "index.js"

#: URL path -> (file, content type). The page is a template: the socket URL and the
#: clinic's name and phone (from answers.yml, their one home) are filled in.
ROUTES: Dict[str, Tuple[Path, str]] = {
    "/": (WEB_DIR / "index.html", "text/html; charset=utf-8"),
    "/bliss-chat.js": (WEB_DIR / "bliss-chat.js", "text/javascript; charset=utf-8"),
    "/bliss-chat.css": (WEB_DIR / "bliss-chat.css", "text/css; charset=utf-8"),
    "/vendor/rasa-webchat.js": (WIDGET_BUNDLE, "text/javascript; charset=utf-8"),
}


def content_security_policy(socket_url: str) -> str:
    """Only this site's files; network only to the socket (http polling and its ws:// upgrade)."""
    socket = urlsplit(socket_url)
    ws_scheme = "wss" if socket.scheme == "https" else "ws"
    origin = f"{socket.scheme}://{socket.netloc}"
    return (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; "  # the widget injects <style>
        f"img-src 'self' data:; font-src 'self' data:; connect-src {origin} {ws_scheme}://{socket.netloc}; "
        "base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
    )


def render_page(socket_url: str) -> bytes:
    book = answer_store().current()
    clinic = book.clinic
    values = {
        "socket_url": socket_url,
        "clinic_name": clinic.name,
        "clinic_phone": clinic.phone,
        "clinic_tel": clinic.tel_uri,
        # what the widget shows while it cannot reach the assistant (its Rasa server restarting, say)
        "unavailable_en": book.message("service_unavailable", "web"),
        "unavailable_es": book.in_language("es").message("service_unavailable", "web"),
        # how much of a long message the assistant reads: the widget sends only that
        "read_window": str(READ_WINDOW_CHARACTERS),
        "unread_mark": UNREAD_MARK,
    }
    page = ROUTES["/"][0].read_text(encoding="utf-8")
    for key, value in values.items():
        page = page.replace("{" + key + "}", html.escape(value, quote=True))
    return page.encode("utf-8")


def make_handler(socket_url: str) -> type:
    csp = content_security_policy(socket_url)

    class PageHandler(BaseHTTPRequestHandler):
        server_version = "BlissDemo"
        sys_version = ""

        def do_GET(self) -> None:
            self._serve(send_body=True)

        def do_HEAD(self) -> None:
            self._serve(send_body=False)

        def _serve(self, send_body: bool) -> None:
            path = urlsplit(self.path).path
            route = ROUTES.get("/" if path == "/index.html" else path)
            if route is None:
                self._send(HTTPStatus.NOT_FOUND, b"Not found\n", "text/plain; charset=utf-8", send_body)
                return
            file_path, content_type = route
            if not file_path.exists():
                body = f"{file_path.relative_to(PROJECT_DIR)} is missing: run `make web`\n".encode()
                self._send(HTTPStatus.SERVICE_UNAVAILABLE, body, "text/plain; charset=utf-8", send_body)
                return
            body = render_page(socket_url) if path in ("/", "/index.html") else file_path.read_bytes()
            self._send(HTTPStatus.OK, body, content_type, send_body)

        def _send(self, status: HTTPStatus, body: bytes, content_type: str, send_body: bool) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Content-Security-Policy", csp)
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            if send_body:
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:  # quiet: the Rasa log matters
            pass

    return PageHandler


@dataclass
class WebServer:
    httpd: ThreadingHTTPServer
    thread: threading.Thread

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=5)


def start_web_server(port: int, socket_url: str, host: str = "127.0.0.1") -> WebServer:
    """Serve the demo page on host:port (in a background thread) with the widget talking to socket_url."""
    httpd = ThreadingHTTPServer((host, port), make_handler(socket_url))
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, name="web-server", daemon=True)
    thread.start()
    return WebServer(httpd, thread)


def main() -> None:
    """`python -m runtime.web_server --port 8080 --socket-url http://127.0.0.1:5005`: the page, in the foreground."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    parser.add_argument("--socket-url", default="http://127.0.0.1:5005", help="the Rasa server the widget talks to")
    args = parser.parse_args()
    httpd = ThreadingHTTPServer((args.host, args.port), make_handler(args.socket_url))
    httpd.daemon_threads = True
    print(f"Serving the demo page on http://{args.host}:{args.port}/", flush=True)
    try:
        httpd.serve_forever()
    finally:
        httpd.server_close()


if __name__ == "__main__":
    main()
