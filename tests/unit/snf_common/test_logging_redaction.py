import logging

from snf_common.logging import RedactingFilter, redact


def test_tokens_passwords_and_url_credentials_are_redacted():
    line = ('X-Auth-Token: abc123 {"password": "hunter2"} token=zzz '
            'amqp://guest:sekrit@127.0.0.1:5672/')
    out = redact(line)
    for secret in ("abc123", "hunter2", "zzz", "sekrit"):
        assert secret not in out
    assert "127.0.0.1:5672" in out


def test_filter_redacts_formatted_arguments():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "login %s", ('{"password": "p4ss"}',),
                               None)
    RedactingFilter().filter(record)
    assert "p4ss" not in record.getMessage()


def test_credentials_in_url_paths_are_redacted():
    token = "VEWc2ukboLHHUdInU4y0WzN2RbjjfWEDQCcNK3jslUw"
    lines = {
        f"req-1 GET /identity/v2.0/tokens/{token} 404 0.3ms user=u": token,
        "req-2 GET /vmapi/v1.0/server-params/6f1c2a4e-0b7d-4c1e-9d3a-2b1f0e9c8d7a 200": "6f1c2a4e",
        "req-3 GET /public/Ab3dEf6hIj9kLm2n 200 1.0ms user=-": "Ab3dEf6hIj9kLm2n",
        "req-4 GET /ui/verify/MTIz:1tq9:abc-def 302": "MTIz:1tq9:abc-def",
        "req-5 POST /ui/password/reset/NDU2:1tq9:xyz 302": "NDU2:1tq9:xyz",
        f"req-6 GET http://127.0.0.1:1/identity/v2.0/tokens/{token}?belongsTo=x": token,
        "req-7 link http://127.0.0.1:8701/public/Zz3dEf6hIj9kLm2n shared": "Zz3dEf6hIj9kLm2n",
    }
    for line, secret in lines.items():
        out = redact(line)
        assert secret not in out, out
        assert out.split()[0] == line.split()[0]          # the rest of the line stays
    # paths that only look alike keep their names (Pithos objects, the v3 token path)
    for line in ("GET /object-store/v1/acc/c/public/report.pdf 200",
                 "POST /identity/v3/auth/tokens 201",
                 "GET /identity/v2.0/tokens 405"):
        assert redact(line) == line
