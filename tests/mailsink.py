"""A mail backend for the worker fault tests: one JSON line per message in a file.

    EMAIL_BACKEND=tests.mailsink.SinkBackend
    MAIL_SINK_PATH=/tmp/.../sink.jsonl   where the lines go (required)
    MAIL_SINK_DELAY_MS=300               sleep this long before "accepting" each message

The sleep stands in for a slow mail server, so that a test can kill a worker while messages are
in flight. A line is written only once the message counts as accepted (after the sleep), with
O_APPEND (one write per line, so lines of concurrent workers never interleave) and fsync'ed, so a
SIGKILL right after it cannot lose it. Each line records the sending process and the time, so a
test can tell where each worker process is in its cycle.
"""

import json
import os
import time

from django.core.mail.backends.base import BaseEmailBackend


class SinkBackend(BaseEmailBackend):
    def send_messages(self, messages) -> int:
        path = os.environ["MAIL_SINK_PATH"]
        delay = int(os.environ.get("MAIL_SINK_DELAY_MS") or 0) / 1000
        for message in messages:
            if delay:
                time.sleep(delay)
            line = {
                "message_id": message.extra_headers.get("Message-ID"),
                "to": message.to,
                "subject": message.subject,
                "pid": os.getpid(),
                "at": time.time(),
            }
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(fd, (json.dumps(line) + "\n").encode())
                os.fsync(fd)
            finally:
                os.close(fd)
        return len(messages)
