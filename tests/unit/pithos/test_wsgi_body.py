"""Upload bodies received straight from gunicorn's socket (real gunicorn readers over a
socketpair): buffered bytes come first, bytes after the body stay for the next request."""

from __future__ import annotations

import os
import socket
import threading

import pytest
from django.test import RequestFactory
from gunicorn.http.body import Body, LengthReader
from gunicorn.http.unreader import SocketUnreader

from pithos.api import wsgi_body

BLOCK = 1024


@pytest.fixture
def pair():
    server, client = socket.socketpair()
    yield server, client
    server.close()
    client.close()


def gunicorn_request(server_sock, length: int, *, buffered: bytes = b"", held: bytes = b"",
                     chunked: bool = False):
    """A Django request whose wsgi.input is gunicorn's Body over `server_sock`, with
    `buffered` already in the socket reader's buffer and `held` in the Body's."""
    unreader = SocketUnreader(server_sock)
    unreader.buf.write(buffered)
    reader = LengthReader(unreader, length - len(held))
    body = Body(reader)
    body.buf.write(held)
    headers = {"HTTP_TRANSFER_ENCODING": "chunked"} if chunked else {"CONTENT_LENGTH": str(length)}
    request = RequestFactory().generic("PUT", "/x", **headers)
    request.environ.update({"wsgi.input": body, "gunicorn.socket": server_sock})
    return request, body, reader, unreader


def send_later(sock, data: bytes) -> threading.Thread:
    thread = threading.Thread(target=sock.sendall, args=(data,))
    thread.start()
    return thread


def test_reads_held_buffered_then_socket_and_leaves_the_next_request(pair):
    server, client = pair
    data = os.urandom(3 * BLOCK + 17)
    following = b"GET /next HTTP/1.1\r\n\r\n"
    held, buffered, on_socket = data[:100], data[100:700], data[700:]
    request, body, reader, unreader = gunicorn_request(server, len(data), held=held,
                                                       buffered=buffered)
    sender = send_later(client, on_socket + following)
    blocks = list(wsgi_body.iter_body_blocks(request, BLOCK))
    sender.join()
    assert [len(b) for b in blocks] == [BLOCK, BLOCK, BLOCK, 17]
    assert b"".join(blocks) == data
    assert reader.length == 0 and body.read(10) == b""
    # what follows the body is still there for gunicorn's parser
    assert unreader.read(len(following)) == following


def test_body_entirely_buffered_keeps_the_pipelined_rest(pair):
    server, _ = pair
    data, following = b"small body", b"PUT /next HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
    request, body, reader, unreader = gunicorn_request(server, len(data),
                                                       buffered=data + following)
    assert list(wsgi_body.iter_body_blocks(request, BLOCK)) == [data]
    assert reader.length == 0
    assert unreader.read(len(following)) == following


def test_stopping_early_leaves_gunicorn_the_rest_to_discard(pair):
    server, client = pair
    data = os.urandom(4 * BLOCK)
    request, body, reader, _ = gunicorn_request(server, len(data))
    sender = send_later(client, data)
    blocks = wsgi_body.iter_body_blocks(request, BLOCK)
    assert next(blocks) == data[:BLOCK]
    blocks.close()
    assert reader.length == 3 * BLOCK
    rest = b""
    while chunk := body.read(BLOCK):  # what gunicorn does before the next request
        rest += chunk
    sender.join()
    assert rest == data[BLOCK:]


def test_client_going_away_gives_a_short_body(pair):
    server, client = pair
    request, _, _, _ = gunicorn_request(server, 3 * BLOCK)
    client.sendall(b"x" * (BLOCK + 5))
    client.shutdown(socket.SHUT_WR)
    assert [len(b) for b in wsgi_body.iter_body_blocks(request, BLOCK)] == [BLOCK, 5]


def test_other_bodies_use_the_plain_stream(pair, settings):
    server, client = pair
    request, body, reader, _ = gunicorn_request(server, 10, chunked=True)
    assert wsgi_body._direct_source(request) is None
    plain = RequestFactory().generic("PUT", "/x", data=b"abc", content_type="text/plain")
    assert wsgi_body._direct_source(plain) is None
    assert list(wsgi_body.iter_body_blocks(plain, BLOCK)) == [b"abc"]
    settings.PITHOS_DIRECT_BODY_READ = False
    request, _, _, _ = gunicorn_request(server, 10)
    assert wsgi_body._direct_source(request) is None
