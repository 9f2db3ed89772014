"""A real HTTP server on 127.0.0.1 that speaks the OpenAI chat-completions
protocol, answers from a script, and records every request it is sent.

No mock of the `openai` package: the reviewer talks to this server through
the real client, over a real socket.  A script entry is one of:

- a callable ``(request_json) -> dict`` giving the decisions JSON object
  (wrapped into a chat completion with a ``usage`` block);
- ``Reply(status=..., body=..., headers=..., delay=..., content=...)`` for
  exact control (errors, hangs, invalid output).

When the script runs out, the last entry answers again.
"""
from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Union


class Reply(NamedTuple):
    status: int = 200
    content: Optional[str] = None  # the assistant message's text (200 only)
    body: Optional[Any] = None  # a raw JSON body instead (errors)
    headers: Dict[str, str] = {}
    delay: float = 0.0
    usage: bool = True


Entry = Union[Reply, Callable[[dict], Any]]
ID = re.compile(r"### Finding ([0-9a-f]{6,64})")


def asked_ids(request: dict) -> List[str]:
    """The finding ids a request asks about (from its user message)."""
    text = "".join(m.get("content", "") for m in request.get("messages", []) if m.get("role") == "user")
    return ID.findall(text)


def decide_all(decision: str = "allow", confidence: float = 0.9, rationale: str = "ok") -> Callable[[dict], Any]:
    def answer(request: dict) -> Any:
        ids = asked_ids(request)
        if not ids:  # a repair request names the ids in prose
            last = request["messages"][-1]["content"]
            ids = re.findall(r"\b[0-9a-f]{16}\b", last)
        return {"decisions": [{"id": i, "decision": decision, "confidence": confidence,
                               "rationale": rationale} for i in ids]}
    return answer


class ChatServer:
    def __init__(self, script: List[Entry]):
        self.script = list(script)
        self.requests: List[dict] = []
        self.headers: List[Dict[str, str]] = []
        self.paths: List[str] = []
        self.lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802  # http.server's naming
                length = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(length)
                try:
                    request = json.loads(raw)
                except ValueError:
                    request = {"_raw": raw.decode("utf-8", "replace")}
                with server.lock:
                    index = len(server.requests)
                    server.requests.append(request)
                    server.headers.append({k.lower(): v for k, v in self.headers.items()})
                    server.paths.append(self.path)
                    entry = server.script[min(index, len(server.script) - 1)] if server.script else Reply()
                reply = entry if isinstance(entry, Reply) else Reply(content=json.dumps(entry(request)))
                if reply.delay:
                    time.sleep(reply.delay)
                if reply.status == 200 and reply.body is None:
                    prompt_chars = sum(len(m.get("content", "")) for m in request.get("messages", []))
                    body: Any = {
                        "id": f"chatcmpl-{index}", "object": "chat.completion", "created": 0,
                        "model": request.get("model", ""),
                        "choices": [{"index": 0, "finish_reason": "stop",
                                     "message": {"role": "assistant", "content": reply.content or ""}}],
                    }
                    if reply.usage:
                        completion = len(reply.content or "") // 4 + 1
                        body["usage"] = {"prompt_tokens": prompt_chars // 4 + 1, "completion_tokens": completion,
                                         "total_tokens": prompt_chars // 4 + 1 + completion}
                else:
                    body = reply.body if reply.body is not None else {"error": {"message": "scripted error"}}
                data = json.dumps(body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for key, value in reply.headers.items():
                        self.send_header(key, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (a timeout test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/v1"

    def __enter__(self) -> "ChatServer":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def all_text(self) -> str:
        return json.dumps(self.requests, ensure_ascii=False)
