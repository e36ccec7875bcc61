# notify-server.py LOG PORTFILE: a local HTTP server standing in for
# healthchecks.io, Uptime Kuma or ntfy in the notify tests.  It listens
# on a free port of 127.0.0.1 (written to PORTFILE once it listens) and
# appends one JSON line per request to LOG: method, path (with the query
# string), Content-Type and body.  The path chooses the answer:
# "/status-NNN" answers status NNN (e.g. 404, 500), "/close-mid-answer"
# promises 100 bytes, sends 2 and closes the connection; every other path
# answers 200 "OK".
import http.server
import json
import os
import re
import sys

log_path, port_path = sys.argv[1], sys.argv[2]


class Recorder(http.server.BaseHTTPRequestHandler):
    def record(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode("utf-8", "replace")
        with open(log_path, "a") as log:
            log.write(json.dumps({
                "method": self.command,
                "path": self.path,
                "type": self.headers.get("Content-Type"),
                "body": body,
            }) + "\n")
        m = re.search(r"/status-([0-9]{3})", self.path)
        code = int(m.group(1)) if m else 200
        self.send_response(code)
        self.send_header("Content-Length",
                         "100" if "/close-mid-answer" in self.path else "2")
        self.end_headers()
        self.wfile.write(b"OK")
        if "/close-mid-answer" in self.path:
            self.wfile.flush()
            self.close_connection = True

    do_GET = do_POST = do_HEAD = record

    def log_message(self, *args):
        pass


server = http.server.HTTPServer(("127.0.0.1", 0), Recorder)
with open(port_path + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
os.rename(port_path + ".tmp", port_path)
server.serve_forever()
