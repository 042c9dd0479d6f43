from pithos_testclient import body


def test_put_then_get_roundtrip(swift):
    alice = swift("alice")
    assert alice.call("PUT", "photos").status_code == 201
    r = alice.call("PUT", "photos/a.txt", data=b"hello world", content_type="text/plain")
    assert r.status_code == 201, r.content
    r = alice.call("GET", "photos/a.txt")
    assert r.status_code == 200 and body(r) == b"hello world"
