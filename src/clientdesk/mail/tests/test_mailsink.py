import signal
import smtplib
import socket
from collections.abc import Coroutine
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any

from clientdesk.mail.management.commands.mailsink import KeepToFolder
from clientdesk.mail.tests.factories import clientdesk, clientdesk_env, free_port, wait_for


def finish(coroutine: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine that never waits (no event loop needed: the browser tests may hold this thread's)."""
    try:
        coroutine.send(None)
    except StopIteration as done:
        return done.value
    raise AssertionError("the coroutine waited")


def listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_the_mail_sink_keeps_each_message_as_a_file_with_its_envelope_and_stops_on_sigterm(tmp_path):
    port, folder = free_port(), tmp_path / "mail"
    log = tmp_path / "sink.log"
    sink = clientdesk("mailsink", "--port", str(port), "--folder", str(folder), env=clientdesk_env(), log=log)
    try:
        wait_for(lambda: listening(port) or sink.poll() is not None, timeout=120, what="the sink")
        assert sink.poll() is None, log.read_text()
        message = EmailMessage()
        message["From"] = "Desk <desk@desk.example>"
        message["To"] = "grace@client.example"
        message["Subject"] = "Kept by the sink"
        message["Message-ID"] = "<sink-test@desk.example>"
        message.set_content("Hello from the test.")
        with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
            smtp.send_message(message, to_addrs=["grace@client.example", "hidden@client.example"])

        [kept] = list(folder.iterdir())
        assert kept.suffix == ".eml"
        raw = kept.read_bytes()
        assert raw.startswith(
            b"Return-Path: <desk@desk.example>\r\n"
            b"Delivered-To: grace@client.example\r\n"
            b"Delivered-To: hidden@client.example\r\n"
        )
        parsed = message_from_bytes(raw, policy=policy.default)
        assert (parsed["Subject"], parsed["Message-ID"]) == ("Kept by the sink", "<sink-test@desk.example>")
        assert "Bcc" not in parsed
        sink.send_signal(signal.SIGTERM)
        assert sink.wait(timeout=30) == 0
    finally:
        if sink.poll() is None:
            sink.kill()
            sink.wait()
    assert f"Mail sink on smtp://127.0.0.1:{port}/" in log.read_text()


def test_the_sink_never_overwrites_a_file_of_the_same_name(tmp_path):
    class Envelope:
        mail_from = "desk@desk.example"
        rcpt_tos = ("a@client.example",)
        original_content = b"Subject: again\r\n\r\nbody\r\n"

    first, restarted = KeepToFolder(tmp_path), KeepToFolder(tmp_path)  # a sink restarted within the second
    for handler in (first, restarted, first):
        assert finish(handler.handle_DATA(None, None, Envelope())) == "250 Message accepted for delivery"  # type: ignore[arg-type]
    assert len(list(tmp_path.iterdir())) == 3
