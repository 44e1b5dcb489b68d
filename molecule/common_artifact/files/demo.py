"""Demo service of the Molecule scenario common_artifact (stdlib only).

GET /health answers 200 "ok"; GET /version answers the release, read once at start from
the VERSION file of the release directory, so a new release is served only after a restart.
"""
import argparse
import http.server
from pathlib import Path

VERSION = (Path(__file__).resolve().parent.parent / "VERSION").read_text(encoding="utf-8").strip()


class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):  # the name BaseHTTPRequestHandler dispatches to
        body = {"/health": "ok", "/version": VERSION}.get(self.path)
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.end_headers()
        self.wfile.write(((body or "not found") + "\n").encode())


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bind", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    args = parser.parse_args()
    http.server.ThreadingHTTPServer((args.bind, args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
