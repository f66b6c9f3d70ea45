"""A real SMTP server for Carnet's tests (aiosmtpd): keeps each message it accepts as a file.

    python3 smtp_sink.py OUT_DIR [--drop-first N]

Prints the port it listens on (127.0.0.1), then serves until killed. Each accepted message is
written to OUT_DIR/NNNN.eml (written whole, then renamed). With --drop-first N, the first N
messages are received and then the connection is cut before the server answers the end of
the data: the sender never hears that they were accepted, and they are not kept.
"""

import asyncio
import os
import sys

from aiosmtpd.smtp import SMTP


class Sink:
    def __init__(self, out, drop_first):
        self.out = out
        self.drop = drop_first
        self.kept = 0

    async def handle_DATA(self, server, session, envelope):
        if self.drop > 0:
            self.drop -= 1
            server.transport.abort()
            return "421 dropped"
        self.kept += 1
        path = os.path.join(self.out, f"{self.kept:04}.eml")
        with open(path + ".part", "wb") as f:
            f.write(b"X-Envelope-To: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content)
        os.rename(path + ".part", path)
        return "250 OK"


def main():
    out = sys.argv[1]
    drop = int(sys.argv[3]) if len(sys.argv) > 3 and sys.argv[2] == "--drop-first" else 0
    handler = Sink(out, drop)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(lambda: SMTP(handler, enable_SMTPUTF8=True), "127.0.0.1", 0)
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    loop.run_forever()


if __name__ == "__main__":
    main()
