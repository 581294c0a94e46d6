"""A stand-in for a broken Redis: it answers every command a reader sends, but its SCAN cursor
never comes back to 0, and every page names new keys. A reader that trusts the cursor reads for
ever and keeps every key it is given.

    endless_scan.py [--port N]
"""
import argparse
import signal
import socketserver


def bulk(text):
    data = text.encode()
    return b"$%d\r\n%s\r\n" % (len(data), data)


class Handler(socketserver.StreamRequestHandler):
    def read_command(self):
        line = self.rfile.readline()
        if not line.startswith(b"*"):
            return None
        parts = []
        for _ in range(int(line[1:])):
            length = int(self.rfile.readline()[1:])
            parts.append(self.rfile.read(length + 2)[:-2].decode())
        return parts

    def handle(self):
        page = 0
        while True:
            command = self.read_command()
            if not command:
                return
            name = command[0].upper()
            if name == "SCAN":
                page += 1
                keys = [bulk(f"endless-{page}-{n}:clientInfo") for n in range(10)]
                self.wfile.write(b"*2\r\n" + bulk(str(page)) + b"*%d\r\n" % len(keys) + b"".join(keys))
            elif name == "PING":
                self.wfile.write(b"+PONG\r\n")
            elif name in ("GET",):
                self.wfile.write(b"$-1\r\n")
            elif name == "MGET":
                self.wfile.write(b"*%d\r\n" % (len(command) - 1) + b"$-1\r\n" * (len(command) - 1))
            else:
                self.wfile.write(b"+OK\r\n")
            self.wfile.flush()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=0)
    arguments = parser.parse_args()
    signal.pthread_sigmask(signal.SIG_UNBLOCK, set(signal.Signals))
    server = socketserver.ThreadingTCPServer(("127.0.0.1", arguments.port), Handler)
    server.daemon_threads = True
    print(f"listening on {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
