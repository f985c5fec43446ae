#!/usr/bin/env python3
"""Backends for the scale-out test: on each ADDRESS, port PORT, a TCP server that sends
"<id> <peer address>\n" on accept and then echoes, and a UDP server that answers every
datagram with the same line. The peer address tells the test which fulcrum instance
carried the flow.  Usage: id_backends.py PORT ID=ADDRESS...
"""
import selectors
import socket
import sys


def main():
    port = int(sys.argv[1])
    selector = selectors.DefaultSelector()
    for spec in sys.argv[2:]:
        backend_id, address = spec.split("=")
        tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        tcp.bind((address, port))
        tcp.listen(1024)
        tcp.setblocking(False)
        selector.register(tcp, selectors.EVENT_READ, ("accept", backend_id))
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        udp.bind((address, port))
        udp.setblocking(False)
        selector.register(udp, selectors.EVENT_READ, ("udp", backend_id))
    print("ready", flush=True)
    while True:
        for key, _ in selector.select():
            kind, backend_id = key.data
            sock = key.fileobj
            try:
                if kind == "accept":
                    connection, peer = sock.accept()
                    connection.setblocking(False)
                    connection.send(f"{backend_id} {peer[0]}\n".encode())
                    selector.register(connection, selectors.EVENT_READ, ("echo", backend_id))
                elif kind == "udp":
                    _, peer = sock.recvfrom(2048)
                    sock.sendto(f"{backend_id} {peer[0]}\n".encode(), peer)
                else:
                    data = sock.recv(4096)
                    if data:
                        sock.send(data)
                    else:
                        selector.unregister(sock)
                        sock.close()
            except (BlockingIOError, InterruptedError):
                pass
            except OSError:  # a health check's reset, a client gone
                if kind == "echo":
                    selector.unregister(sock)
                    sock.close()


if __name__ == "__main__":
    main()
