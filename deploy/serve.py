"""Serve the app the production way from a checkout: nginx in front, gunicorn behind it, the SMS dispatcher beside.

``python deploy/serve.py run`` (what ``make serve`` runs) renders the nginx configuration into a folder of its
own, starts gunicorn on a loopback port, the text-message worker and nginx, waits until ``/healthz`` answers
through nginx, and stops all three together on SIGTERM or Ctrl-C, or as soon as one of them dies.
``python deploy/serve.py nginx-config`` prints the site configuration for a system nginx (production).

It uses only the standard library, so it runs before anything else is installed.
"""

from __future__ import annotations

import argparse
import os
import pwd
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

DEPLOY_DIR = Path(__file__).resolve().parent
CHECKOUT_DIR = DEPLOY_DIR.parent
TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")


def render(template: str, values: dict[str, str]) -> str:
    """Fill the ``@NAME@`` words of a template; a word left unfilled is an error, not a silent blank."""
    text = (DEPLOY_DIR / "nginx" / template).read_text()
    for name, value in values.items():
        text = text.replace(f"@{name}@", value)
    unfilled = sorted(set(re.findall(r"@([A-Z_]+)@", text)))
    if unfilled:
        raise ValueError(f"{template}: nothing given for {unfilled}")
    return text


def site_config(
    listen: str,
    upstream: str,
    access_log: str = "/dev/stdout",
    max_body: str = "1m",
    tls_certificate: str | None = None,
    tls_key: str | None = None,
) -> str:
    """The ``server`` block (with its upstream) for nginx's ``http`` context.

    :param listen: ``HOST:PORT`` nginx listens on.
    :param upstream: ``HOST:PORT`` gunicorn listens on.
    """
    if tls_certificate:
        listen_lines = (
            f"listen {listen} ssl;\n    http2 on;" if _nginx_has_http2_directive() else f"listen {listen} ssl http2;"
        )
        extra = (
            f"\n    ssl_certificate {tls_certificate};\n    ssl_certificate_key {tls_key};\n"
            "    ssl_protocols TLSv1.2 TLSv1.3;\n    ssl_session_cache shared:advocate_app:10m;\n"
        )
    else:
        listen_lines, extra = f"listen {listen};", ""
    return render(
        "advocate-app.conf.in",
        {"LISTEN": listen_lines, "UPSTREAM": upstream, "ACCESS_LOG": access_log, "MAX_BODY": max_body, "EXTRA": extra},
    )


def _nginx_has_http2_directive() -> bool:
    """nginx 1.25.1 and later spell HTTP/2 as its own directive; older ones (Debian 12 has 1.22) on ``listen``."""
    try:
        version = subprocess.run([nginx_binary(), "-v"], capture_output=True, text=True, check=False).stderr
    except FileNotFoundError:
        return False
    numbers = version.rsplit("/", 1)[-1].split()[0].split(".")
    return tuple(int(n) for n in numbers[:3]) >= (1, 25, 1)


def nginx_binary() -> str:
    """nginx on the PATH, else where Debian puts it (``/usr/sbin`` is not on every user's PATH)."""
    return shutil.which("nginx") or "/usr/sbin/nginx"


def _worker_user() -> str | None:
    """Started as root, nginx runs its workers as an unprivileged user, who must be able to write its temp files."""
    if os.geteuid() != 0:
        return None
    for name in ("www-data", "nobody"):
        try:
            pwd.getpwnam(name)
        except KeyError:
            continue
        return name
    return None


def prepare_run_dir(run_dir: Path, listen: str, upstream: str) -> Path:
    """Write nginx's configuration and temporary folders into ``run_dir``; return the main configuration file."""
    run_dir.mkdir(parents=True, exist_ok=True)
    user = _worker_user()
    (run_dir / "advocate-app.conf").write_text(site_config(listen, upstream))
    main = run_dir / "nginx.conf"
    main.write_text(render("standalone.conf.in", {"RUN_DIR": str(run_dir), "USER": f"user {user};" if user else ""}))
    for name in TEMP_DIRS:
        (run_dir / name).mkdir(exist_ok=True)
        if user:
            entry = pwd.getpwnam(user)
            os.chown(run_dir / name, entry.pw_uid, entry.pw_gid)
    if user:
        run_dir.chmod(0o711)
    metrics = run_dir / "metrics"
    shutil.rmtree(metrics, ignore_errors=True)
    metrics.mkdir()
    return main


def wait_until_healthy(url: str, processes: list[subprocess.Popen], timeout: float = 60.0) -> None:
    """Poll ``url`` until it answers 200; give up if a process dies or the time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{process.args[0]} stopped during start-up (exit {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - our own loopback address
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def start(args: argparse.Namespace) -> list[subprocess.Popen]:
    """Start gunicorn, the dispatcher and nginx; return them in the order they should stop (front first)."""
    run_dir = Path(args.run_dir).resolve()
    listen, upstream = f"{args.host}:{args.port}", f"127.0.0.1:{args.app_port}"
    main_config = prepare_run_dir(run_dir, listen, upstream)
    nginx = [nginx_binary(), "-p", str(run_dir), "-e", "stderr", "-c", str(main_config)]
    subprocess.run([*nginx, "-t", "-q"], check=True)

    env = dict(os.environ)
    env.setdefault("PROXY_FIX_HOPS", "1")
    env["PROMETHEUS_MULTIPROC_DIR"] = str(run_dir / "metrics")
    bin_dir = Path(sys.executable).parent
    gunicorn = subprocess.Popen(
        [
            str(bin_dir / "gunicorn"),
            "--config",
            str(CHECKOUT_DIR / "gunicorn.conf.py"),
            "--bind",
            upstream,
            "--workers",
            str(args.workers),
            "advocate_app:create_app()",
        ],
        env=env,
        cwd=CHECKOUT_DIR,
    )
    processes = [gunicorn]
    try:
        if args.dispatcher:
            processes.append(
                subprocess.Popen([str(bin_dir / "advocate-app"), "sms", "worker"], env=env, cwd=CHECKOUT_DIR)
            )
        processes.append(subprocess.Popen(nginx, cwd=run_dir))
        wait_until_healthy(f"http://{_loopback_for(args.host)}:{args.port}/healthz", processes)
    except BaseException:
        stop(list(reversed(processes)))
        raise
    return list(reversed(processes))


def _loopback_for(host: str) -> str:
    """The address to check a server listening on ``host`` from this machine."""
    return "127.0.0.1" if host in ("0.0.0.0", "", "::") else host  # noqa: S104 - compared, not bound


def stop(processes: list[subprocess.Popen], grace: float = 15.0) -> None:
    """SIGTERM each process (front first), then wait; SIGKILL whatever is still there after ``grace`` seconds."""
    for process in processes:
        if process.poll() is None:
            # nginx finishes the requests in hand on SIGQUIT; gunicorn and the worker do on SIGTERM.
            process.send_signal(signal.SIGQUIT if Path(str(process.args[0])).name == "nginx" else signal.SIGTERM)
    deadline = time.monotonic() + grace
    for process in processes:
        try:
            process.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run(args: argparse.Namespace) -> int:
    """Serve until a signal arrives or a process dies; the exit status says which."""
    stopping: list[int] = []
    signal.signal(signal.SIGTERM, lambda signum, _frame: stopping.append(signum))
    signal.signal(signal.SIGINT, lambda signum, _frame: stopping.append(signum))
    processes = start(args)
    print(
        f"Serving on http://{args.host}:{args.port} (nginx → gunicorn on 127.0.0.1:{args.app_port}"
        f"{' + text-message worker' if args.dispatcher else ''}); Ctrl-C stops all.",
        flush=True,
    )
    try:
        while not stopping:
            dead = [p for p in processes if p.poll() is not None]
            if dead:
                print(f"{dead[0].args[0]} stopped (exit {dead[0].returncode}); stopping the rest.", file=sys.stderr)
                return 1
            time.sleep(0.5)
        return 0
    finally:
        stop(processes)


def main(argv: list[str] | None = None) -> int:
    """Command line: ``run`` (the default) or ``nginx-config``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    commands = parser.add_subparsers(dest="command")
    serve = commands.add_parser("run", help="nginx + gunicorn + text-message worker, in the foreground")
    config = commands.add_parser("nginx-config", help="print the nginx site configuration for a system nginx")
    for sub in (serve,):
        sub.add_argument("--host", default=os.environ.get("HOST", "127.0.0.1"))
        sub.add_argument("--port", type=int, default=int(os.environ.get("PORT", "5000")))
        sub.add_argument(
            "--app-port",
            type=int,
            default=int(os.environ.get("APP_PORT", "0")) or None,
            help="gunicorn's loopback port (default: PORT + 1)",
        )
        sub.add_argument("--workers", type=int, default=int(os.environ.get("WEB_CONCURRENCY", "2")))
        sub.add_argument("--run-dir", default=str(CHECKOUT_DIR / "instance" / "run"))
        sub.add_argument(
            "--no-dispatcher",
            dest="dispatcher",
            action="store_false",
            help="do not start the text-message worker (another machine runs it)",
        )
    config.add_argument("--listen", default="443", help="what nginx listens on, e.g. 443 or 127.0.0.1:8080")
    config.add_argument("--upstream", default="127.0.0.1:8000", help="where gunicorn listens")
    config.add_argument("--access-log", default="/var/log/nginx/advocate-app.access.log")
    config.add_argument("--max-body", default="1m", help="largest request body, as MAX_CONTENT_LENGTH")
    config.add_argument("--tls-certificate", help="certificate chain file (turns TLS on)")
    config.add_argument("--tls-key", help="the certificate's private key file")
    args = parser.parse_args(argv)
    if args.command == "nginx-config":
        print(
            site_config(args.listen, args.upstream, args.access_log, args.max_body, args.tls_certificate, args.tls_key)
        )
        return 0
    if args.command is None:
        args = parser.parse_args(["run", *(argv if argv is not None else sys.argv[1:])])
    args.app_port = args.app_port or args.port + 1
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
