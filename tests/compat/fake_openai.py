"""A tiny OpenAI-compatible upstream for compatibility tests (127.0.0.1 only): chat completions
(plain and streamed) and embeddings, recording every request."""
import json
import time
import uuid

from local_server import LocalServer, QuietHandler, send_json


class FakeOpenAI(LocalServer):
    def __init__(self):
        self.requests = []
        fake = self

        class Handler(QuietHandler):
            def do_POST(self):
                body = self.read_json()
                fake.requests.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()}, "body": body})
                model = body.get("model", "")
                if self.path.endswith("/embeddings"):
                    send_json(self, {"object": "list", "model": model, "data": [{"object": "embedding", "index": 0, "embedding": [0.1, 0.2]}],
                                    "usage": {"prompt_tokens": 3, "total_tokens": 3}})
                    return
                reply = f"upstream {model} heard: {body['messages'][-1]['content']}"
                created = int(time.time())
                response_id = f"chatcmpl-fake-{uuid.uuid4().hex[:12]}"
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.end_headers()
                    chunks = [{"role": "assistant", "content": reply[:6]}, {"content": reply[6:]}]
                    for delta in chunks:
                        event = {"id": response_id, "object": "chat.completion.chunk", "created": created, "model": model,
                                 "choices": [{"index": 0, "delta": delta, "finish_reason": None}]}
                        self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    final = {"id": response_id, "object": "chat.completion.chunk", "created": created, "model": model,
                             "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}]}
                    usage = {"id": response_id, "object": "chat.completion.chunk", "created": created, "model": model, "choices": [],
                             "usage": {"prompt_tokens": 9, "completion_tokens": 5, "total_tokens": 14}}
                    for event in (final, usage):
                        self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                    self.wfile.write(b"data: [DONE]\n\n")
                    self.wfile.flush()
                    return
                send_json(self, {
                    "id": response_id, "object": "chat.completion", "created": created, "model": model,
                    "choices": [{"index": 0, "message": {"role": "assistant", "content": reply}, "finish_reason": "stop"}],
                    "usage": {"prompt_tokens": 9, "completion_tokens": 5, "total_tokens": 14},
                })

        super().__init__(Handler)
        self.base_url = f"http://127.0.0.1:{self.port}/v1"
