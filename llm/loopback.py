"""A loopback server speaking the OpenAI chat-completions API: tests, benchmarks and keyless demos.

    python -m llm.loopback --port 8000      # then: tacit synth --backend openai --model loopback \
                                            #   --base-url http://127.0.0.1:8000/v1

Its "model" is Tacit's offline generator: it reads the call site and the request from the request's
``X-Tacit-Call-Site`` / ``X-Tacit-Request`` headers (``llm.request_channel``; a batch line carries them
in its ``headers`` object), rebuilds the request and answers with the offline output as JSON, so a run
against it must produce exactly the rows of an offline run. A chat without those headers goes to
``chat_model`` (evaluation's remote models and judges). Faults are injected from a queue: ``"429"`` (with
Retry-After), ``"500"``, ``"timeout"`` (sleeps past the client's timeout), ``"malformed"`` (not JSON),
``"no_schema"`` (rejects json_schema response formats with a 400), ``"truncated"`` (half the answer,
``finish_reason="length"``); with ``context_limit`` a longer prompt gets OpenAI's context-length 400.
Every request is counted. Persistent faults: a request whose key is in
``poison`` is always answered with malformed JSON (repairs too, batch lines too); ``rewrite(site, key,
answer)`` may change a synth answer (a schema-valid answer that breaks a rule, say); with ``api_key``
set, a request bearing another key gets OpenAI's 401, which quotes the key it was sent (the worst case
for a log). ``rate_headers``
(``x-ratelimit-remaining-requests`` ... in OpenAI's format) are sent with every answer. The Files and
Batch API are served by ``llm.loopback_batch.BatchAPI`` (``server.batch``).
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from llm.callsites import CALL_SITES
from llm.loopback_batch import BatchAPI
from llm.offline import OfflineGenerator
from llm.request_channel import decode


class FakeOpenAI:
    """Serves in a background thread on 127.0.0.1 (port 0: any free port); use as a context manager."""

    def __init__(self, seed: int = 0, latency: float = 0.0, port: int = 0, chat_model=None) -> None:
        self.generator = OfflineGenerator(seed=seed)
        self.chat_model = chat_model  # answers chats that are no synth call site: f(messages) -> text
        self.latency = latency
        self.faults: list[str] = []
        self.requests = 0
        self.completions = 0
        self.no_schema = False
        self.hold_after: int | None = None  # answer this many, then hold new requests until `release` is set
        self.release = threading.Event()
        self.held = 0
        self.answered: Counter = Counter()  # answers sent per prompt (a prompt answered twice was repeated)
        self.lock = threading.Lock()
        self.poison: set[str] = set()  # request keys always answered with malformed JSON
        self.rate_headers: dict[str, str] = {}  # sent with every chat answer (x-ratelimit-*)
        self.context_limit: int | None = None  # longer prompts (chars / 4) get the context-length 400
        self.rewrite = None  # f(call site name, request key, answer dict) -> answer dict
        self.api_key: str | None = None  # when set, any other bearer key gets a 401 quoting it
        self.last_body: dict | None = None  # the last chat request's JSON body, as received
        self.batch = BatchAPI(self.complete)
        self.server = ThreadingHTTPServer(("127.0.0.1", port), self._handler())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> FakeOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()

    def answer(self, body: dict, headers=None) -> str:
        """The model's reply: the offline output for the request named by ``headers``, else ``chat_model``."""
        found = decode(headers)
        if found is None or found[0] not in CALL_SITES:
            if self.chat_model is None:
                raise ValueError("not a synth call site (no X-Tacit-Request header) and no chat model is set")
            return self.chat_model(body["messages"])
        call_site = CALL_SITES[found[0]]
        parsed = call_site.input_model.model_validate_json(found[1])
        if parsed.key in self.poison:
            return "{not json"
        out = self.generator.generate(call_site, [parsed])[0]
        if self.rewrite is not None:
            return json.dumps(self.rewrite(call_site.name, parsed.key, out.model_dump(mode="json")))
        return out.model_dump_json()

    def complete(self, body: dict, fault: str | None = None, headers=None) -> tuple[int, dict]:
        """(status, chat.completion payload) for one request body and its headers; ``fault`` is malformed
        or truncated."""
        content = "{not json" if fault == "malformed" else self.answer(body, headers)
        finish = "stop"
        if fault == "truncated":
            content, finish = content[: len(content) // 2], "length"
        with self.lock:
            self.completions += 1
            self.answered[json.dumps(body["messages"], sort_keys=True)] += 1
            n = self.completions
        return 200, {
            "id": f"chatcmpl-{n}",
            "object": "chat.completion",
            "created": 0,
            "model": body["model"],
            "system_fingerprint": "fp_loopback",
            "choices": [{"index": 0, "finish_reason": finish, "message": {"role": "assistant", "content": content}}],
            "usage": {"prompt_tokens": 100, "completion_tokens": 50, "total_tokens": 150},
        }

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"  # keep-alive, as real servers: a connection serves many requests

            def log_message(self, *args) -> None:  # quiet
                pass

            def _send(self, status: int, payload: dict, headers: dict | None = None) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path.endswith("/files"):
                    return self._send(200, fake.batch.upload(self.headers["Content-Type"], raw))
                if self.path.endswith("/batches"):
                    return self._send(*fake.batch.create(json.loads(raw)))
                body = json.loads(raw)
                sent_key = (self.headers.get("Authorization") or "").removeprefix("Bearer ")
                if fake.api_key is not None and sent_key != fake.api_key:
                    with fake.lock:
                        fake.requests += 1
                    message = f"Incorrect API key provided: {sent_key}. You can find your API key in your account."
                    error = {"message": message, "type": "invalid_request_error", "code": "invalid_api_key"}
                    return self._send(401, {"error": error})
                with fake.lock:
                    fake.requests += 1
                    fault = fake.faults.pop(0) if fake.faults else None
                    fake.last_body = body
                if fake.latency:
                    time.sleep(fake.latency)
                with fake.lock:
                    hold = fake.hold_after is not None and fake.completions >= fake.hold_after
                    fake.held += hold
                if hold:
                    fake.release.wait()
                    return self._send(503, {"error": {"message": "held", "type": "server_error"}})
                if fault == "429":
                    return self._send(
                        429, {"error": {"message": "slow down", "type": "rate_limit"}}, {"Retry-After": "0.05"}
                    )
                if fault == "500":
                    return self._send(500, {"error": {"message": "boom", "type": "server_error"}})
                if fault == "timeout":
                    time.sleep(3)
                    return self._send(500, {"error": {"message": "late", "type": "server_error"}})
                fmt = body.get("response_format", {}).get("type")
                if fake.no_schema and fmt == "json_schema":
                    return self._send(
                        400,
                        {
                            "error": {
                                "message": "response_format json_schema unsupported",
                                "type": "invalid_request_error",
                            }
                        },
                    )
                size = sum(len(str(m.get("content", ""))) for m in body.get("messages", [])) // 4
                if fake.context_limit is not None and size > fake.context_limit:
                    message = (
                        f"This model's maximum context length is {fake.context_limit} tokens. However, your "
                        f"messages resulted in {size} tokens."
                    )
                    error = {"message": message, "type": "invalid_request_error", "code": "context_length_exceeded"}
                    return self._send(400, {"error": error})
                try:
                    status, payload = fake.complete(body, fault, self.headers)
                except ValueError as exc:
                    return self._send(400, {"error": {"message": str(exc), "type": "invalid_request_error"}})
                self._send(status, payload, dict(fake.rate_headers))

            def do_GET(self) -> None:
                parts = self.path.strip("/").split("/")  # v1/files/{id}/content, v1/batches/{id}
                if parts[1:2] == ["batches"] and len(parts) == 3:
                    return self._send(*fake.batch.retrieve(parts[2]))
                if parts[1:2] == ["files"] and len(parts) == 4 and parts[3] == "content":
                    data = fake.batch.files.get(parts[2])
                    if data is None:
                        return self._send(404, {"error": {"message": "no such file", "type": "invalid_request_error"}})
                    self.send_response(200)
                    self.send_header("Content-Type", "application/octet-stream")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                    return None
                return self._send(404, {"error": {"message": f"no route {self.path}", "type": "invalid_request_error"}})

        return Handler


def main() -> None:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=8000, help="port on 127.0.0.1")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to every response")
    parser.add_argument("--seed", type=int, default=0, help="seed of the offline model behind it")
    parser.add_argument(
        "--header",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="send this header with every answer, e.g. x-ratelimit-remaining-requests=0 (repeatable)",
    )
    parser.add_argument(
        "--poison", action="append", default=[], metavar="KEY", help="always answer this request key malformed"
    )
    parser.add_argument(
        "--batch-fault",
        action="append",
        default=[],
        choices=["expired", "fail_lines"],
        help="fault of the next batch created (repeatable, in order)",
    )
    args = parser.parse_args()
    with FakeOpenAI(seed=args.seed, latency=args.latency, port=args.port) as server:
        server.rate_headers = dict(h.split("=", 1) for h in args.header)
        server.poison = set(args.poison)
        server.batch.faults = list(args.batch_fault)
        print(f"OpenAI-compatible loopback server on {server.base_url} (Ctrl-C stops)", flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            server.thread.join()


if __name__ == "__main__":
    main()
