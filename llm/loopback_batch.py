"""The loopback server's Files and Batch API: the minimum ``llm.batch`` uses, answered by the same
offline model as chat completions.

Routes: ``POST /v1/files`` (multipart upload), ``GET /v1/files/{id}/content``, ``POST /v1/batches``,
``GET /v1/batches/{id}``. A batch is answered line by line when it is created (each line goes through
the server's chat-completions logic with the line's ``headers`` object as its request headers: see
``llm.request_channel``; so poisoned prompts come back malformed), unless ``hold`` is set:
then it stays ``in_progress`` until ``hold`` is cleared. Faults, one per batch from the ``faults``
queue: ``"expired"`` (only the first half of the lines is answered; the rest are in the error file with
code ``batch_expired``) and ``"fail_lines"`` (every other line fails with a server error). Counts
uploads, batches created and lines answered.
"""

from __future__ import annotations

import itertools
import json
import threading
import time
from collections import Counter
from email.parser import BytesParser
from email.policy import default as default_policy


def parse_upload(content_type: str, body: bytes) -> tuple[str, bytes, str]:
    """(filename, bytes, purpose) of a multipart/form-data file upload."""
    msg = BytesParser(policy=default_policy).parsebytes(b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + body)
    name, data, purpose = "upload.jsonl", b"", "batch"
    for part in msg.iter_parts():
        field = part.get_param("name", header="content-disposition")
        if field == "file":
            name, data = part.get_filename() or name, part.get_payload(decode=True) or b""
        elif field == "purpose":
            purpose = (part.get_payload(decode=True) or b"batch").decode()
    return name, data, purpose


class BatchAPI:
    """State of the fake Files and Batches endpoints; ``complete(body)`` answers one chat request as
    ``(status, payload)``."""

    def __init__(self, complete) -> None:
        self.complete = complete
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict] = {}
        self.pending: dict[str, list[dict]] = {}  # held batches: their input lines
        self.faults: list[str] = []
        self.hold = False
        self.uploads = 0
        self.created = 0
        self.lines_answered: Counter = Counter()  # custom_id -> times answered in some batch
        self._ids = itertools.count(1)
        self.lock = threading.Lock()

    def _file(self, data: bytes, name: str, purpose: str) -> dict:
        fid = f"file-{next(self._ids)}"
        self.files[fid] = data
        return {
            "id": fid,
            "object": "file",
            "bytes": len(data),
            "created_at": int(time.time()),
            "filename": name,
            "purpose": purpose,
            "status": "processed",
        }

    def upload(self, content_type: str, body: bytes) -> dict:
        name, data, purpose = parse_upload(content_type, body)
        with self.lock:
            self.uploads += 1
            return self._file(data, name, purpose)

    def create(self, request: dict) -> tuple[int, dict]:
        with self.lock:
            data = self.files.get(request.get("input_file_id", ""))
            if data is None:
                return 404, {"error": {"message": "no such file", "type": "invalid_request_error"}}
            self.created += 1
            bid = f"batch_{next(self._ids)}"
            batch = {
                "id": bid,
                "object": "batch",
                "endpoint": request.get("endpoint", "/v1/chat/completions"),
                "input_file_id": request["input_file_id"],
                "completion_window": request.get("completion_window", "24h"),
                "created_at": int(time.time()),
                "status": "in_progress",
                "request_counts": {"total": 0, "completed": 0, "failed": 0},
            }
            self.batches[bid] = batch
            self.pending[bid] = [json.loads(line) for line in data.decode().splitlines() if line.strip()]
            fault = self.faults.pop(0) if self.faults else None
            batch["_fault"] = fault
        if not self.hold:
            self._run(bid)
        return 200, self._public(bid)

    def retrieve(self, bid: str) -> tuple[int, dict]:
        if bid not in self.batches:
            return 404, {"error": {"message": "no such batch", "type": "invalid_request_error"}}
        if not self.hold and bid in self.pending:
            self._run(bid)
        return 200, self._public(bid)

    def _public(self, bid: str) -> dict:
        with self.lock:
            return {k: v for k, v in self.batches[bid].items() if not k.startswith("_")}

    def _run(self, bid: str) -> None:
        with self.lock:
            lines = self.pending.pop(bid, None)
            batch = self.batches[bid]
        if lines is None:
            return
        fault = batch["_fault"]
        n_answered = len(lines) // 2 if fault == "expired" else len(lines)
        out, errors = [], []
        for i, line in enumerate(lines):
            cid = line["custom_id"]
            if i >= n_answered or (fault == "fail_lines" and i % 2 == 1):
                code = "batch_expired" if fault == "expired" else "server_error"
                errors.append(
                    {"id": f"req_{i}", "custom_id": cid, "response": None, "error": {"code": code, "message": code}}
                )
                continue
            status, payload = self.complete(line["body"], headers=line.get("headers"))
            with self.lock:
                self.lines_answered[cid] += 1
            out.append(
                {
                    "id": f"req_{i}",
                    "custom_id": cid,
                    "response": {"status_code": status, "body": payload},
                    "error": None,
                }
            )
        with self.lock:
            if out:
                batch["output_file_id"] = self._file(
                    "".join(json.dumps(r) + "\n" for r in out).encode(), "out", "batch_output"
                )["id"]
            if errors:
                batch["error_file_id"] = self._file(
                    "".join(json.dumps(r) + "\n" for r in errors).encode(), "err", "batch_output"
                )["id"]
            batch["status"] = "expired" if fault == "expired" else "completed"
            batch["request_counts"] = {"total": len(lines), "completed": len(out), "failed": len(errors)}
            batch["completed_at"] = int(time.time())
