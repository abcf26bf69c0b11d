"""An SMTP server for the email connector's tests, built on aiosmtpd.

It listens on 127.0.0.1 at a free port and prints "PORT <n>", then one JSON
line per message it receives: the envelope sender and recipients, the port
the client connected from (to tell sessions apart) and the raw message in
base64. It stops when its standard input closes, so it never outlives the
test that started it.

Recipients whose name is "tempfail" get a 451 answer, "nosuchuser" a 550.
"""

import argparse
import asyncio
import base64
import json
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Handler:
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0]
        if local == "tempfail":
            return "451 4.3.0 mailbox busy, try again later"
        if local == "nosuchuser":
            return "550 5.1.1 no such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        line = json.dumps({
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "peer_port": session.peer[1],
            "data": base64.b64encode(envelope.original_content).decode(),
        })
        print(line, flush=True)
        return "250 OK queued"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword)
              and auth_data.login.decode() == user
              and auth_data.password.decode() == password)
        # handled=False: aiosmtpd answers 535 itself on a failure.
        return AuthResult(success=ok, handled=False)
    return check


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", choices=["plain", "starttls", "tls"], default="plain")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()

    context = None
    if args.mode != "plain":
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    handler = Handler()

    def factory():
        return SMTP(
            handler,
            hostname="bistro-test",
            tls_context=context if args.mode == "starttls" else None,
            require_starttls=args.mode == "starttls",
            authenticator=authenticator(args.user, args.password) if args.user else None,
            auth_required=bool(args.user),
            # Implicit TLS is encrypted from the start; aiosmtpd only knows
            # about STARTTLS, so it must not ask for it before AUTH.
            auth_require_tls=args.mode != "tls",
            loop=loop,
        )

    server = loop.run_until_complete(loop.create_server(
        factory, host="127.0.0.1", port=0, ssl=context if args.mode == "tls" else None))
    print("PORT %d" % server.sockets[0].getsockname()[1], flush=True)

    def wait_for_stdin():
        sys.stdin.read()
        loop.call_soon_threadsafe(loop.stop)

    threading.Thread(target=wait_for_stdin, daemon=True).start()
    loop.run_forever()


if __name__ == "__main__":
    main()
