"""A tiny Anthropic Messages API upstream for compatibility tests (127.0.0.1 only)."""
import json

from local_server import LocalServer, QuietHandler, send_json


class FakeAnthropic(LocalServer):
    """Answers POST /v1/messages like Anthropic does, echoing the last user text."""

    def __init__(self):
        self.requests = []
        fake = self

        class Handler(QuietHandler):
            def do_POST(self):
                body = self.read_json()
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if self.path.endswith("/count_tokens"):
                    send_json(self, {"input_tokens": 11})
                    return
                last = body["messages"][-1]["content"]
                text = last if isinstance(last, str) else "".join(b.get("text", "") for b in last)
                reply = f"Claude heard: {text}"
                if body.get("stream"):
                    self.send_response(200)
                    self.send_header("content-type", "text/event-stream")
                    self.end_headers()
                    events = [
                        ("message_start", {"type": "message_start", "message": {"id": "msg_fake", "type": "message", "role": "assistant", "model": body["model"], "content": [], "stop_reason": None, "stop_sequence": None, "usage": {"input_tokens": 11, "output_tokens": 1}}}),
                        ("content_block_start", {"type": "content_block_start", "index": 0, "content_block": {"type": "text", "text": ""}}),
                        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": reply[:5]}}),
                        ("content_block_delta", {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": reply[5:]}}),
                        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
                        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn", "stop_sequence": None}, "usage": {"output_tokens": 4}}),
                        ("message_stop", {"type": "message_stop"}),
                    ]
                    for name, data in events:
                        self.wfile.write(f"event: {name}\ndata: {json.dumps(data)}\n\n".encode())
                        self.wfile.flush()
                    return
                send_json(self, {
                    "id": "msg_fake", "type": "message", "role": "assistant", "model": body["model"],
                    "content": [{"type": "text", "text": reply}], "stop_reason": "end_turn", "stop_sequence": None,
                    "usage": {"input_tokens": 11, "output_tokens": 4},
                })

        super().__init__(Handler)
