"""A model server stand-in that `assay run --allow-serve` stages in the CLI's tests.

Usage: stub_server.py MODE MARKER, with PORT in the environment. MARKER only marks the process
(and any it starts) so a test can find whatever is left behind. Modes:
  serve        answer GET /health and POST /predict ({"y": 1}) until SIGTERM
  ignore-term  the same, but ignore SIGTERM
  crash        print a line (and the TOKEN variable, which must come out redacted) and exit 3
  never-ready  print a line and sleep, never listening
  fork         start a helper process that ignores SIGTERM, then serve
  touch        write the file `started` in the working folder, then serve
"""

import http.server
import json
import os
import signal
import subprocess
import sys
import time

mode, marker = sys.argv[1], sys.argv[2]


class Handler(http.server.BaseHTTPRequestHandler):
    def answer(self, body):
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        self.answer({"ready": True})

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        self.answer({"y": 1})

    def log_message(self, *args):
        pass


def serve():
    port = int(os.environ["PORT"])
    print(f"listening on {port}", flush=True)
    http.server.HTTPServer(("127.0.0.1", port), Handler).serve_forever()


if mode == "crash":
    print(f"boom: cannot load model.pkl (token {os.environ.get('TOKEN', '')})", file=sys.stderr)
    sys.exit(3)
if mode == "never-ready":
    print("loading the model...", flush=True)
    time.sleep(600)
if mode == "ignore-term":
    signal.signal(signal.SIGTERM, lambda *_: print("ignoring SIGTERM", flush=True))
if mode == "fork":
    # The helper says when it ignores SIGTERM, and only then is the server ready: otherwise a
    # quick test could stop it while it was still starting, and it would die as it should not.
    helper = subprocess.Popen(
        [sys.executable, "-c", "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('ignoring', flush=True); time.sleep(600)", marker],
        stdout=subprocess.PIPE,
    )
    helper.stdout.readline()
if mode == "touch":
    open("started", "w").close()
if mode != "ignore-term":
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
serve()
