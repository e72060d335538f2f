"""An Open Inference (KServe V2) model server stand-in for the plugin's tests.

It serves one iris "model", `iris`, that classifies by petal length alone (a rule, not a fit):
below 2.5 cm `setosa`, below 4.9 cm `versicolor`, else `virginica`, answering as MLServer does
(`outputs[0]` a BYTES tensor of labels, shape [rows, 1]). With a token, every request must carry
`Authorization: Bearer TOKEN` or gets 401. It refuses requests past `max_requests` with 503, so
a runaway client cannot keep it busy.

In a test: `server = start(token=...)` serves on 127.0.0.1 (a free port) in a thread until
`server.shutdown()`. As a program (`python oip_stub.py PORT`), it is a server `assay run
--allow-serve` stages, and exits by itself after two minutes if nobody stops it.
"""

import http.server
import json
import sys
import threading

MODEL = "iris"
FEATURES = ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"]


def species(row):
    petal_length = row[2]
    if petal_length < 2.5:
        return "setosa"
    return "versicolor" if petal_length < 4.9 else "virginica"


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def answer(self, status, body=None):
        data = b"" if body is None else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def admitted(self):
        server = self.server
        with server.lock:
            server.requests += 1
            over = server.requests > server.max_requests
        if over:
            self.answer(503, {"error": "the stub's request budget is spent"})
            return False
        token = server.token
        if token is not None and self.headers.get("Authorization") != f"Bearer {token}":
            self.answer(401, {"error": "missing or wrong bearer token"})
            return False
        return True

    def do_GET(self):
        if not self.admitted():
            return
        if self.path == f"/v2/models/{MODEL}/ready":
            self.answer(200, {"ready": True})
        elif self.path == f"/v2/models/{MODEL}":
            self.answer(200, {"name": MODEL, "versions": ["1"], "platform": "stub"})
        else:
            self.answer(404, {"error": f"no route {self.path}"})

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if not self.admitted():
            return
        if self.path != f"/v2/models/{MODEL}/infer":
            self.answer(404, {"error": f"no route {self.path}"})
            return
        tensor = json.loads(body)["inputs"][0]
        rows, width = tensor["shape"]
        data = tensor["data"]
        labels = [species(data[r * width : (r + 1) * width]) for r in range(rows)]
        self.answer(
            200,
            {
                "model_name": MODEL,
                "outputs": [
                    {"name": "predict", "shape": [rows, 1], "datatype": "BYTES", "data": labels}
                ],
            },
        )

    def log_message(self, *args):
        pass


def make_server(port=0, token=None, max_requests=1000):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.token = token
    server.max_requests = max_requests
    server.requests = 0
    server.lock = threading.Lock()
    return server


def start(token=None):
    """A server answering in a thread of this process; stop it with `shutdown()`."""
    server = make_server(token=token)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


if __name__ == "__main__":
    server = make_server(port=int(sys.argv[1]))
    # Bounded in time whatever happens to the process that staged it.
    threading.Timer(120, server.shutdown).start()
    server.serve_forever()
