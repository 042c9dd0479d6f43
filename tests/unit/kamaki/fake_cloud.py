"""A small in-test cloud: Keystone v3/v2.0 tokens, a Pithos subset, a few compute calls.

Only for unit tests of the client library and the CLI while (or where) the real
services are not running. It speaks the protocol shapes of the notes, keeps
everything in memory, and records every request so tests can count block
transfers. Block size is small by default so multi-block files stay tiny.
"""

from __future__ import annotations

import json
import re
import threading
import time
import uuid
from socketserver import ThreadingMixIn
from urllib.parse import parse_qs, unquote
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from snf_common import hashing

TOKEN = "fake-token-0123456789"
USER_ID = "5e3b1c9a-0000-4000-8000-00000000000a"
USER_NAME = "demo@example.org"


class _Quiet(WSGIRequestHandler):
    def log_message(self, *args):  # keep pytest output clean
        pass


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class Reply(Exception):
    def __init__(self, status, body=b"", headers=None, ctype="text/plain"):
        self.status, self.body, self.headers, self.ctype = status, body, headers or {}, ctype


def _json(status, payload, headers=None):
    return Reply(status, json.dumps(payload).encode(), headers, "application/json")


class FakeCloud:
    def __init__(self, block_size: int = 64 * 1024):
        self.block_size = block_size
        self.blocks: dict[str, bytes] = {}
        self.containers: dict[str, dict] = {}
        self.requests: list[tuple[str, str, str]] = []
        self.servers: dict[str, dict] = {}
        self.public_ids = 0
        self.revoked = False   # True: the token is refused everywhere from now on
        self.lock = threading.RLock()
        self.server = make_server("127.0.0.1", 0, self.app, server_class=_ThreadingServer,
                                  handler_class=_Quiet)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,),
                                       daemon=True)

    # ---- lifecycle ---------------------------------------------------------
    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()

    def count(self, method: str, pattern: str = "") -> int:
        """How many requests with this method had a path+query matching `pattern`."""
        return sum(1 for m, p, q in self.requests
                   if m == method and re.search(pattern, p + "?" + q))

    def reset_counts(self):
        self.requests.clear()

    # ---- WSGI --------------------------------------------------------------
    def app(self, environ, start_response):
        method = environ["REQUEST_METHOD"]
        path = unquote(environ.get("PATH_INFO", ""))
        query = environ.get("QUERY_STRING", "")
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items()
                   if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        self.requests.append((method, path, query))
        try:
            with self.lock:
                self.dispatch(method, path, parse_qs(query, keep_blank_values=True),
                              headers, body)
            raise Reply(404, b"not found")
        except Reply as reply:
            status = f"{reply.status} X"
            out = [("Content-Type", reply.ctype)] + list(reply.headers.items())
            if not any(k == "Content-Length" for k, _ in out):
                out.append(("Content-Length", str(len(reply.body))))
            start_response(status, out)
            return [b"" if method == "HEAD" else reply.body]

    def dispatch(self, method, path, query, headers, body):
        if self.revoked:
            raise _json(401, {"unauthorized": {"code": 401, "message": "token revoked"}})
        if path.startswith("/identity/"):
            self.identity(method, path, body)
        if headers.get("x-auth-token") != TOKEN and not path.startswith("/public/"):
            raise _json(401, {"unauthorized": {"code": 401, "message": "bad token"}})
        if path.startswith("/account/v1.0/"):
            self.account_api(method, path[len("/account/v1.0/"):], body)
        match = re.match(r"^/object-store/v1/([^/]+)/?([^/]*)/?(.*)$", path)
        if match:
            account, container, obj = match.groups()
            if account != USER_ID:
                raise Reply(403, b"forbidden")
            if obj:
                self.object(method, container, obj, query, headers, body)
            if container:
                self.container(method, container, query, headers, body)
            self.account(method, query)
        if path.startswith("/compute/v2.1/"):
            self.compute(method, path[len("/compute/v2.1/"):], body)

    # ---- identity ----------------------------------------------------------
    def catalog_v3(self):
        def svc(kind, name, url):
            return {"type": kind, "name": name, "id": kind, "endpoints": [
                {"interface": "public", "region": "default", "region_id": "default",
                 "url": url, "id": kind + "-p"}]}
        return [svc("identity", "keystone", self.url + "/identity/v3"),
                svc("account", "astakos_account", self.url + "/account/v1.0"),
                svc("object-store", "swift", f"{self.url}/object-store/v1/{USER_ID}"),
                svc("compute", "nova", self.url + "/compute/v2.1")]

    def token_body(self):
        return {"token": {"methods": ["token"], "expires_at": "2099-01-01T00:00:00Z",
                          "user": {"id": USER_ID, "name": USER_NAME,
                                   "domain": {"id": "default", "name": "Default"}},
                          "project": {"id": USER_ID, "name": USER_NAME,
                                      "domain": {"id": "default", "name": "Default"}},
                          "roles": [{"id": "m", "name": "member"}],
                          "catalog": self.catalog_v3()}}

    def identity(self, method, path, body):
        if path == "/identity/v3/auth/tokens" and method == "POST":
            auth = json.loads(body or b"{}").get("auth", {}).get("identity", {})
            given = auth.get("token", {}).get("id") or \
                auth.get("password", {}).get("user", {}).get("password")
            if given != TOKEN:
                raise _json(401, {"error": {"code": 401, "title": "Unauthorized",
                                            "message": "bad credentials"}})
            raise _json(201, self.token_body(), {"X-Subject-Token": TOKEN})
        if path == "/identity/v2.0/tokens" and method == "POST":
            auth = json.loads(body or b"{}").get("auth", {})
            if auth.get("token", {}).get("id") != TOKEN:
                raise _json(401, {"unauthorized": {"code": 401, "message": "bad token"}})
            catalog = [{"type": s["type"], "name": s["name"], "endpoints": [
                {"publicURL": e["url"], "region": e["region"], "versionId": ""}
                for e in s["endpoints"]]} for s in self.catalog_v3()]
            raise _json(200, {"access": {
                "token": {"id": TOKEN, "expires": "2099-01-01T00:00:00Z",
                          "tenant": {"id": USER_ID, "name": USER_NAME}},
                "user": {"id": USER_ID, "name": USER_NAME, "roles": []},
                "serviceCatalog": catalog}})

    def account_api(self, method, rest, body):
        if rest == "quotas":
            used = sum(len(o["data"]) for c in self.containers.values()
                       for o in c["objects"].values())
            raise _json(200, {USER_ID: {"pithos.diskspace": {
                "limit": 10 * 2 ** 30, "usage": used, "pending": 0,
                "project_limit": 10 * 2 ** 30, "project_usage": used,
                "project_pending": 0}}})
        if rest == "user_catalogs" and method == "POST":
            req = json.loads(body)
            raise _json(200, {
                "uuid_catalog": {u: USER_NAME for u in req.get("uuids", []) if u == USER_ID},
                "displayname_catalog": {n: USER_ID for n in req.get("displaynames", [])
                                        if n == USER_NAME}})

    # ---- pithos: account ---------------------------------------------------
    def account(self, method, query):
        if method == "HEAD":
            raise Reply(204, headers={"X-Account-Container-Count": str(len(self.containers))})
        if method == "GET":
            items = [{"name": n, "count": len(c["objects"]),
                      "bytes": sum(o["size"] for o in c["objects"].values()),
                      "last_modified": "2024-01-01T00:00:00"}
                     for n, c in sorted(self.containers.items())]
            self.paginate(items, query)

    def paginate(self, items, query):
        marker = query.get("marker", [""])[0]
        limit = int(query.get("limit", ["10000"])[0])
        items = [i for i in items if (i.get("name") or i.get("subdir")) > marker][:limit]
        if not items:
            raise Reply(204)
        raise _json(200, items)

    # ---- pithos: container -------------------------------------------------
    def get_container(self, name):
        if name not in self.containers:
            raise Reply(404, b"container not found")
        return self.containers[name]

    def container(self, method, name, query, headers, body):
        if method == "PUT":
            if name in self.containers:
                raise Reply(202)
            self.containers[name] = {"objects": {}, "meta": {}}
            raise Reply(201)
        cont = self.get_container(name)
        if method == "HEAD":
            raise Reply(204, headers={
                "X-Container-Block-Size": str(self.block_size),
                "X-Container-Block-Hash": "sha256",
                "X-Container-Object-Count": str(len(cont["objects"]))})
        if method == "DELETE":
            if cont["objects"]:
                raise Reply(409, b"container not empty")
            del self.containers[name]
            raise Reply(204)
        if method == "POST" and headers.get("content-type") == "application/octet-stream":
            names = []
            for start in range(0, len(body), self.block_size):
                block = body[start:start + self.block_size]
                digest = hashing.block_hash_hex(block)
                self.blocks[digest] = block
                names.append(digest)
            raise _json(202, names)
        if method == "POST":
            raise Reply(202)
        if method == "GET":
            prefix = query.get("prefix", [""])[0]
            delimiter = query.get("delimiter", [""])[0]
            items, seen = [], set()
            for obj_name in sorted(cont["objects"]):
                if not obj_name.startswith(prefix):
                    continue
                rest = obj_name[len(prefix):]
                if delimiter and delimiter in rest:
                    subdir = prefix + rest.split(delimiter)[0] + delimiter
                    if subdir not in seen:
                        seen.add(subdir)
                        items.append({"subdir": subdir})
                    continue
                o = cont["objects"][obj_name]
                items.append({"name": obj_name, "bytes": o["size"], "hash": o["etag"],
                              "content_type": o["ctype"], "x_object_hash": o["etag"],
                              "last_modified": "2024-01-01T00:00:00"})
            self.paginate(items, query)

    # ---- pithos: object ----------------------------------------------------
    def object_headers(self, o):
        out = {"ETag": o["etag"], "X-Object-Hash": o["etag"], "X-Object-UUID": o["uuid"],
               "X-Object-Version": str(len(o["versions"])),
               "X-Object-Sharing": o["sharing"]}
        if o["public"]:
            out["X-Object-Public"] = f"{self.url}/public/{o['public']}"
        out.update({f"X-Object-Meta-{k}": v for k, v in o["meta"].items()})
        return out

    def store(self, cont, name, hashes, size, ctype, keep_uuid=None):
        old = cont["objects"].get(name)
        data = b"".join(self.blocks[h] for h in hashes)[:size] if size else b""
        data = data.ljust(size, b"\x00")
        versions = (old["versions"] if old else []) + [time.time()]
        cont["objects"][name] = {
            "hashes": hashes, "size": size, "data": data, "ctype": ctype,
            "etag": hashing.merkle_root_hex(hashes), "uuid": keep_uuid or
            (old["uuid"] if old else str(uuid.uuid4())), "versions": versions,
            "meta": old["meta"] if old else {}, "sharing": "", "public": ""}
        return cont["objects"][name]

    def object(self, method, cname, name, query, headers, body):
        cont = self.get_container(cname)
        ctype = headers.get("content-type", "application/octet-stream")
        if method == "PUT" and "hashmap" in query:
            req = json.loads(body)
            missing = [h for h in req["hashes"] if h not in self.blocks]
            if missing:
                raise _json(409, missing)
            o = self.store(cont, name, req["hashes"], req["bytes"], ctype)
            raise Reply(201, headers=self.object_headers(o))
        if method == "PUT" and ("x-copy-from" in headers or "x-move-from" in headers):
            source = headers.get("x-copy-from") or headers.get("x-move-from")
            scont, _, sname = source.lstrip("/").partition("/")
            src = self.get_container(scont)["objects"].get(sname)
            if src is None:
                raise Reply(404, b"source not found")
            moving = "x-move-from" in headers
            o = self.store(cont, name, src["hashes"], src["size"], src["ctype"],
                           keep_uuid=src["uuid"] if moving else None)
            o["meta"] = dict(src["meta"])
            if moving:
                del self.containers[scont]["objects"][sname]
            raise Reply(201, headers=self.object_headers(o))
        if method == "PUT":
            hashes = []
            for start in range(0, max(len(body), 1), self.block_size):
                block = body[start:start + self.block_size]
                hashes.append(hashing.block_hash_hex(block))
                self.blocks[hashes[-1]] = block
            o = self.store(cont, name, hashes, len(body), ctype)
            o["meta"].update({k[len("x-object-meta-"):].title(): v for k, v in headers.items()
                              if k.startswith("x-object-meta-")})
            raise Reply(201, headers=self.object_headers(o))
        o = cont["objects"].get(name)
        if o is None:
            raise Reply(404, b"object not found")
        if method == "HEAD":
            raise Reply(200, headers={**self.object_headers(o),
                                      "Content-Length": str(o["size"])}, ctype=o["ctype"])
        if method == "GET" and "hashmap" in query:
            raise _json(200, {"block_hash": "sha256", "block_size": self.block_size,
                              "bytes": o["size"], "hashes": o["hashes"]})
        if method == "GET" and query.get("version") == ["list"]:
            raise _json(200, {"versions": [[i + 1, t] for i, t in enumerate(o["versions"])]})
        if method == "GET":
            rng = headers.get("range")
            if rng:
                start, end = (int(x) for x in rng.split("=")[1].split("-"))
                raise Reply(206, o["data"][start:end + 1], self.object_headers(o), o["ctype"])
            raise Reply(200, o["data"], self.object_headers(o), o["ctype"])
        if method == "DELETE":
            del cont["objects"][name]
            raise Reply(204)
        if method == "POST":
            for key, value in headers.items():
                if key.startswith("x-object-meta-"):
                    meta_key = key[len("x-object-meta-"):].title()
                    if value:
                        o["meta"][meta_key] = value
                    else:
                        o["meta"].pop(meta_key, None)
            if "x-object-sharing" in headers:
                o["sharing"] = headers["x-object-sharing"]
            if headers.get("x-object-public") == "true" and not o["public"]:
                self.public_ids += 1
                o["public"] = f"pub{self.public_ids:013d}"
            if headers.get("x-object-public") == "false":
                o["public"] = ""
            raise Reply(202)

    # ---- a sliver of compute -----------------------------------------------
    def compute(self, method, rest, body):
        if rest == "flavors/detail":
            raise _json(200, {"flavors": [{"id": "1", "name": "C1R1024D20", "vcpus": 1,
                                           "ram": 1024, "disk": 20}]})
        if rest == "servers" and method == "POST":
            req = json.loads(body)["server"]
            sid = str(len(self.servers) + 1)
            self.servers[sid] = {"id": sid, "name": req["name"], "status": "BUILD",
                                 "flavor": {"id": req["flavorRef"]},
                                 "image": {"id": req["imageRef"]}, "polls": 0,
                                 "metadata": req.get("metadata", {})}
            raise _json(202, {"server": {"id": sid, "adminPass": "secretpass1",
                                         "name": req["name"]}})
        if rest == "servers/detail":
            raise _json(200, {"servers": [self.public_server(s)
                                          for s in self.servers.values()]})
        match = re.match(r"^servers/(\w+)(/action)?$", rest)
        if match:
            server = self.servers.get(match.group(1))
            if server is None:
                raise _json(404, {"itemNotFound": {"code": 404, "message": "no server"}})
            if match.group(2) and method == "POST":
                action = json.loads(body)
                if "os-stop" in action:
                    server["status"] = "STOPPED"
                elif "os-start" in action:
                    server["status"] = "ACTIVE"
                raise Reply(202)
            if method == "GET":
                server["polls"] += 1
                if server["status"] == "BUILD" and server["polls"] >= 3:
                    server["status"] = "ACTIVE"
                raise _json(200, {"server": self.public_server(server)})
            if method == "DELETE":
                del self.servers[server["id"]]
                raise Reply(204)

    @staticmethod
    def public_server(server):
        return {k: v for k, v in server.items() if k != "polls"}
