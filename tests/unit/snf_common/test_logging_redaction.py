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
