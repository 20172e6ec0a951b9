"""The service commands: `serve`, `worker` and `add`, registered on the main CLI group."""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any

import click

from .cli_support import ENGINE_CHOICE, settings_from_env
from .config import Settings
from .errors import InputError, SynthesisError

log = logging.getLogger(__name__)

def _data_dir_option(f: Any) -> Any:
    return click.option("--data-dir", type=click.Path(path_type=Path, file_okay=False),
                        envvar="BANTIN_DATA_DIR",
                        help="Thư mục dữ liệu (cơ sở dữ liệu, âm thanh, bộ nhớ đệm).")(f)


def _engine_option(f: Any) -> Any:
    return click.option("--engine", type=ENGINE_CHOICE, envvar="BANTIN_ENGINE",
                        help="Giọng đọc: auto (Google, ngoại tuyến khi lỗi), gtts hoặc espeak.")(f)


def _base_url(settings: Settings) -> str:
    if settings.public_url:
        return settings.public_url.rstrip("/")
    host = settings.host if ":" not in settings.host else f"[{settings.host}]"
    return f"http://{host}:{settings.port}"


@click.command(help="Chạy dịch vụ web: trang đọc, âm thanh, podcast, API và quản trị.\n\n"
               "Mặc định dùng máy chủ WSGI waitress (dùng được cho sản xuất); --dev dùng máy "
               "chủ phát triển của Flask.")
@click.option("--host", envvar="BANTIN_HOST", help="Địa chỉ lắng nghe (mặc định 127.0.0.1).")
@click.option("--port", type=int, envvar="BANTIN_PORT", help="Cổng (mặc định 8000).")
@_data_dir_option
@_engine_option
@click.option("--workers", type=click.IntRange(0, 32), default=2, show_default=True,
              help="Số luồng tạo âm thanh trong tiến trình (0: dùng `bantin-audio worker`; "
                   "không dùng khi có BANTIN_QUEUE_URL).")
@click.option("--dev", is_flag=True,
              help="Dùng máy chủ phát triển của Flask thay cho waitress (chỉ để phát triển).")
@click.option("--production", is_flag=True, hidden=True,
              help="Giữ cho tương thích: waitress đã là mặc định.")
@click.option("--threads", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Số luồng phục vụ yêu cầu của waitress.")
@click.option("--connection-limit", type=click.IntRange(10, 100_000), default=500,
              show_default=True, help="Số kết nối tối đa cùng lúc.")
@click.option("--client-connections", type=click.IntRange(1, 10_000), default=20,
              show_default=True,
              help="Số kết nối tối đa từ một địa chỉ (khi không có proxy).")
@click.option("--watch/--no-watch", "watch", default=None,
              help="Theo dõi các nguồn (cổng thông tin) trong tiến trình này (mặc định có; "
                   "BANTIN_WATCH=0 để tắt).")
def serve(host: str | None, port: int | None, data_dir: Path | None, engine: str | None,
          workers: int, dev: bool, production: bool, threads: int, connection_limit: int,
          client_connections: int, watch: bool | None) -> None:
    from .jobs import open_store, start_workers
    from .services import build_queue, build_services
    from .web import create_app

    settings = settings_from_env(host=host, port=port, data_dir=data_dir, engine=engine,
                                 watch=watch)
    _check_port(settings.host, settings.port)
    services = build_services(settings)
    store = open_store(settings)
    wake, stop = threading.Event(), threading.Event()
    scaled = bool(settings.queue_url)
    queue = build_queue(settings, store, wake)
    app = create_app(settings, services, store=store, wake=wake, queue=queue)
    token = app.extensions["bantin"].admin_token
    if scaled:
        workers = 0  # worker machines run the jobs and the portal watcher
    start_workers(store, services.pipeline, settings, workers, stop, wake)
    if settings.watch and not scaled:
        from .sources.watcher import start_watcher

        watcher, _ = start_watcher(store, settings, stop, wake)
        app.extensions["bantin_watcher"] = watcher
    click.echo(f"bantin-audio đang chạy tại {_base_url(settings)}/")
    click.echo(f"Dữ liệu: {settings.data_dir}")
    if settings.api_token:
        click.echo("Mã quản trị: lấy từ biến BANTIN_API_TOKEN")
    else:
        click.echo(f"Mã quản trị: {token}")
    if scaled:
        click.echo("Hàng đợi chung (BANTIN_QUEUE_URL): âm thanh do `bantin-audio worker` tạo.")
    elif workers == 0:
        click.echo("Không có luồng tạo âm thanh: hãy chạy `bantin-audio worker`.")
    try:
        if dev:
            app.run(host=settings.host, port=settings.port, threaded=True, use_reloader=False)
        else:
            from .web.production import ServerLimits, create_server

            # Behind a trusted proxy every connection comes from it: nginx limits per client.
            limits = ServerLimits(threads=threads, connection_limit=connection_limit,
                                  per_client=None if settings.trusted_proxies else
                                  client_connections)
            create_server(app, settings.host, settings.port, limits).run()
    finally:
        stop.set()
        wake.set()
        if "bantin_watcher" in app.extensions:
            app.extensions["bantin_watcher"].wake.set()


def _check_port(host: str, port: int) -> None:
    import errno
    import socket

    try:
        with socket.create_server((host, port)):
            pass
    except OSError as exc:
        reason = "cổng đang được dùng" if exc.errno == errno.EADDRINUSE else \
            "không có quyền hoặc địa chỉ không hợp lệ"
        raise InputError(f"Không mở được {host}:{port}: {reason}",
                         "chọn cổng khác bằng --port hoặc dừng chương trình đang dùng cổng này") \
            from exc


@click.command(help="Chạy các luồng tạo âm thanh riêng, dùng chung cơ sở dữ liệu với serve.\n\n"
               "SIGTERM hoặc Ctrl-C: không nhận việc mới, chờ việc đang làm tối đa --grace "
               "giây, rồi trả việc chưa xong về hàng đợi (phần đã làm được giữ lại).\n\n"
               "Khi có BANTIN_QUEUE_URL: nhận việc từ hàng đợi chung (Celery trên Redis), "
               "cùng các máy tạo âm thanh khác.")
@_data_dir_option
@_engine_option
@click.option("--count", type=click.IntRange(1, 32), default=1, show_default=True,
              help="Số luồng tạo âm thanh.")
@click.option("--grace", type=click.FloatRange(0, 3600), default=20.0, show_default=True,
              help="Số giây chờ việc đang làm xong khi được yêu cầu dừng.")
def worker(data_dir: Path | None, engine: str | None, count: int, grace: float) -> None:
    import signal

    from .jobs import Worker, open_store, start_workers
    from .services import build_services

    settings = settings_from_env(data_dir=data_dir, engine=engine)
    services = build_services(settings)
    store = open_store(settings)
    if settings.queue_url:
        from .queue_celery import run_worker

        click.echo(f"Đang chạy {count} luồng tạo âm thanh, nhận việc từ hàng đợi chung")
        try:
            run_worker(settings, store, services.pipeline, concurrency=count, grace_s=grace,
                       watch=settings.watch)
        finally:
            services.pipeline.close()
        click.echo("Đã dừng các luồng tạo âm thanh.", err=True)
        return
    stop, wake, term = threading.Event(), threading.Event(), threading.Event()
    workers: list[Worker] = []
    previous = signal.signal(signal.SIGTERM, lambda *_: term.set())
    threads = start_workers(store, services.pipeline, settings, count, stop, wake,
                            on_worker=workers.append)
    click.echo(f"Đang chạy {count} luồng tạo âm thanh trên {settings.data_dir}")
    interrupted = False
    try:
        while any(t.is_alive() for t in threads) and not term.is_set():
            term.wait(0.5)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        _stop_workers(threads, workers, stop, wake, grace)
        signal.signal(signal.SIGTERM, previous)
        services.pipeline.close()
    if interrupted:
        raise KeyboardInterrupt


def _stop_workers(threads: list[threading.Thread], workers: list[Any], stop: threading.Event,
                  wake: threading.Event, grace: float) -> None:
    """Stop claiming; let running jobs finish for `grace` s, then hand them back."""
    stop.set()
    wake.set()
    log.info("stopping: waiting up to %.0f s for running jobs", grace)
    deadline = time.monotonic() + grace
    for t in threads:
        t.join(timeout=max(0.0, deadline - time.monotonic()))
    if any(t.is_alive() for t in threads):
        click.echo("Đang trả các việc chưa xong về hàng đợi...", err=True)
        for w in workers:
            w.hand_back()
        for t in threads:
            t.join(timeout=60)
    click.echo("Đã dừng các luồng tạo âm thanh.", err=True)


@click.command(help="Xếp một bài viết vào hàng đợi và in số bài cùng địa chỉ trang.\n\n"
               "INPUT là tệp .txt, tệp .html, địa chỉ http(s):// hoặc - (đọc từ stdin).")
@click.argument("source", metavar="INPUT")
@_data_dir_option
@_engine_option
@click.option("--wait", is_flag=True,
              help="Chờ đến khi âm thanh được tạo xong (tự tạo nếu không có máy chủ nào làm).")
def add(source: str, data_dir: Path | None, engine: str | None, wait: bool) -> None:
    from .ingest import load_article
    from .jobs import Worker, open_store, submit_article

    settings = settings_from_env(data_dir=data_dir, engine=engine)
    store = open_store(settings)
    article = load_article(source, settings)
    from .services import build_queue

    result = submit_article(store, article, settings,
                            build_queue(settings, store) if settings.queue_url else None)
    url = f"{_base_url(settings)}/bai/{result.article.slug}"
    click.echo(f"Bài số {result.article.id}: {url}")
    click.echo(f"Công việc số {result.job.id}: {result.job.status}")
    if not wait:
        return
    from .services import build_services

    services = build_services(settings)
    runner = Worker(store, services.pipeline, settings)
    shown = None
    while True:
        job = store.jobs.get(result.job.id)
        if (job.done, job.total, job.status) != shown:
            shown = (job.done, job.total, job.status)
            click.echo(f"Đang tạo âm thanh: {job.done}/{job.total} đoạn ({job.status})", err=True)
        if job.status == "done":
            break
        if job.status == "failed":
            raise SynthesisError(f"Không tạo được âm thanh: {job.error}",
                                 "thử lại sau hoặc dùng --engine espeak")
        if not runner.run_once(only_job=job.id):
            time.sleep(0.5)
    if job.error:
        click.echo(f"Lưu ý: {job.error}", err=True)
    click.echo(f"Xong: {url}")


def register(main_group: click.Group) -> None:
    """Add the service commands to the `bantin-audio` group."""
    for command in (serve, worker, add):
        main_group.add_command(command)
