#!/usr/bin/env python3
# A small patchwork for tests and benchmarks/watch.sh (Tests/TestSupport/FakePatchwork.swift drives it):
# python3 fake_patchwork.py DIR PREFIX serves DIR/world.json under /PREFIX on a free port of 127.0.0.1,
# written to DIR/port; requests go to DIR/requests.jsonl, accepted checks to DIR/checks.jsonl.
import json, os, signal, sys, threading, time, urllib.parse
signal.pthread_sigmask(signal.SIG_SETMASK, [])
signal.signal(signal.SIGTERM, lambda *args: os._exit(0))
from http.server import ThreadingHTTPServer, BaseHTTPRequestHandler

root, prefix = sys.argv[1], "/" + sys.argv[2]
lock = threading.Lock()
failures_served = {}

def world():
    with open(os.path.join(root, "world.json")) as f:
        return json.load(f)

def log(name, obj):
    with open(os.path.join(root, name), "a") as f:
        f.write(json.dumps(obj) + "\n")

class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=None, ctype="application/json"):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def base(self):
        return "http://127.0.0.1:%d%s" % (self.server.server_address[1], prefix)

    def route(self):
        # Requests are logged and routed without the server's prefix.
        return self.path[len(prefix):] if self.path.startswith(prefix + "/") else self.path

    def project(self, name):
        return {"id": abs(hash(name)) % 1000, "url": self.base() + "/api/1.2/projects/" + name + "/",
                "name": name.upper(), "link_name": name, "list_id": name + ".example.org"}

    def series_json(self, s):
        return {"id": s["id"], "url": "%s/api/1.2/series/%d/" % (self.base(), s["id"]), "name": s["name"],
                "date": s["date"], "version": s["version"], "total": len(s["patches"]),
                "received_total": len(s["patches"]) if s["receivedAll"] else max(0, len(s["patches"]) - 1),
                "received_all": s["receivedAll"], "mbox": "%s/series/%d/mbox/" % (self.base(), s["id"]),
                "project": self.project(s["project"]),
                "patches": [{"id": p, "msgid": (s["messageIDs"][i] if i < len(s["messageIDs"]) else "<p%d@x>" % p),
                             "name": "patch %d" % p} for i, p in enumerate(s["patches"])]}

    def do_GET(self):
        with lock:
            log("requests.jsonl", {"method": "GET", "path": self.route(), "headers": dict(self.headers.items())})
        w = world()
        url = urllib.parse.urlparse(self.route())
        q = urllib.parse.parse_qs(url.query)
        parts = [p for p in url.path.split("/") if p]
        series = {s["id"]: s for s in w["series"]}
        if parts[:3] in (["api", "1.2", "events"],):
            events = w["events"]
            if w.get("filters", True):
                events = [e for e in events
                          if ("project" not in q or e["project"] == q["project"][0])
                          and ("category" not in q or e["category"] == q["category"][0])
                          and ("since" not in q or e["date"] >= q["since"][0])]
            events = sorted(events, key=lambda e: (e["date"], e["id"]), reverse=True)
            page = int(q.get("page", ["1"])[0])
            size = w["pageSize"]
            chunk = events[(page - 1) * size: page * size]
            body = []
            for e in chunk:
                s = series.get(e["series"], {"id": e["series"], "name": "?", "version": 1, "date": e["date"]})
                body.append({"id": e["id"], "category": e["category"], "project": self.project(e["project"]),
                             "date": e["date"], "actor": None,
                             "payload": {"series": {"id": s["id"], "name": s["name"], "version": s["version"],
                                                    "date": s["date"], "url": "%s/api/1.2/series/%d/" % (self.base(), s["id"]),
                                                    "mbox": "%s/series/%d/mbox/" % (self.base(), s["id"])}}})
            links = []
            if page * size < len(events):
                nq = dict((k, v[0]) for k, v in q.items()); nq["page"] = str(page + 1)
                links.append('<%s%s?%s>; rel="next"' % (self.base(), url.path, urllib.parse.urlencode(nq)))
            if page > 1:
                pq = dict((k, v[0]) for k, v in q.items()); pq["page"] = str(page - 1)
                links.append('<%s%s?%s>; rel="prev"' % (self.base(), url.path, urllib.parse.urlencode(pq)))
            return self.reply(200, body, {"Link": ", ".join(links)} if links else {})
        if len(parts) == 4 and parts[0] == "api" and parts[2] == "series" and int(parts[3]) in series:
            return self.reply(200, self.series_json(series[int(parts[3])]))
        if len(parts) == 3 and parts[0] == "series" and parts[2] == "mbox" and int(parts[1]) in series:
            return self.reply(200, series[int(parts[1])]["mbox"].encode(), ctype="text/plain")
        return self.reply(404, {"detail": "Not found."})

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        with lock:
            log("requests.jsonl", {"method": "POST", "path": self.route(), "headers": dict(self.headers.items())})
        w = world()
        parts = [p for p in self.route().split("/") if p]
        if len(parts) != 5 or parts[0] != "api" or parts[2] != "patches" or parts[4] != "checks":
            return self.reply(404, {"detail": "Not found."})
        if self.headers.get("Authorization") != "Token " + w["token"]:
            return self.reply(403, {"detail": "Invalid token."})
        patch = parts[3]
        with lock:
            served = failures_served.get(patch, 0)
            if served < w.get("failPosts", {}).get(patch, 0):
                failures_served[patch] = served + 1
                return self.reply(500, {"detail": "Server Error (500)"})
            check = json.loads(body)
            check["patch"] = int(patch)
            log("checks.jsonl", check)
        return self.reply(201, check)

parent = os.getppid()
def watch_parent():
    while os.getppid() == parent:
        time.sleep(0.5)
    os._exit(0)
threading.Thread(target=watch_parent, daemon=True).start()

server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
server.daemon_threads = True
with open(os.path.join(root, "port.tmp"), "w") as f:
    f.write("%d\n" % server.server_address[1])
os.rename(os.path.join(root, "port.tmp"), os.path.join(root, "port"))
server.serve_forever()
