"""The editors' lexicon in the database: one lexicon for every process of a deployment, on
SQLite and PostgreSQL; the old data dir's lexicon.tsv imported once; bad entries refused."""

from __future__ import annotations

import multiprocessing
import threading
from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from bantin_audio.cli import main
from bantin_audio.errors import InputError
from bantin_audio.jobs import current_lexicon
from bantin_audio.speech.normalize import normalize_text
from bantin_audio.store import Store
from bantin_audio.store.lexicon import MAX_TERM_CHARS
from tests.servers import PostgresServer
from tests.web.test_database import _check_legacy_rows, _legacy_data_dir

TEXT = "Các HTXDV của xã đã nhận vốn."


def _reader(url: str, inbox: multiprocessing.Queue, outbox: multiprocessing.Queue) -> None:  # type: ignore[type-arg]
    """A worker process: reads every text with the lexicon as the database has it now."""
    store = Store(url)
    while (text := inbox.get()) is not None:
        outbox.put(normalize_text(text, current_lexicon(store)))
    store.dispose()


def test_an_entry_saved_by_one_process_is_read_by_a_worker_process(db_url: str) -> None:
    editor = Store(db_url)
    ctx = multiprocessing.get_context("spawn")
    inbox, outbox = ctx.Queue(), ctx.Queue()
    worker = ctx.Process(target=_reader, args=(db_url, inbox, outbox))
    worker.start()
    try:
        inbox.put(TEXT)
        before = outbox.get(timeout=60)
        assert "hợp tác xã dịch vụ" not in before  # unknown: spelled out
        editor.lexicon.save("HTXDV", "hợp tác xã dịch vụ", "expand")
        inbox.put(TEXT)
        assert "Các hợp tác xã dịch vụ của xã" in outbox.get(timeout=60)
        editor.lexicon.save("HTXDV", "hợp tác xã dịch vụ nông nghiệp", "expand",
                                  original="HTXDV")
        inbox.put(TEXT)
        assert "hợp tác xã dịch vụ nông nghiệp của xã" in outbox.get(timeout=60)
        assert editor.lexicon.delete("HTXDV")
        inbox.put(TEXT)
        assert outbox.get(timeout=60) == before
    finally:
        inbox.put(None)
        worker.join(60)
        editor.dispose()
    assert worker.exitcode == 0


def test_the_cached_lexicon_costs_one_query_until_another_store_changes_it(
        db_url: str) -> None:
    web, worker = Store(db_url), Store(db_url)
    web.lexicon.save("PCTT", "phòng chống thiên tai", "expand")
    first = current_lexicon(worker)
    assert first.lookup("PCTT") is not None
    before = worker.statements_run()
    assert current_lexicon(worker) is first  # nothing changed: the same object
    # one SELECT of the revision, outside any write transaction; no re-read of entries
    assert worker.statements_run() - before == 1
    web.lexicon.save("PCTT", "phòng chống thiên tai và tìm kiếm cứu nạn", "expand")
    second = current_lexicon(worker)
    assert second is not first
    entry = second.lookup("PCTT")
    assert entry is not None and entry.spoken.endswith("tìm kiếm cứu nạn")
    web.dispose()
    worker.dispose()


def test_concurrent_saves_of_one_word_keep_one_row_and_lose_no_other_edit(
        db_url: str) -> None:
    Store(db_url).dispose()  # migrated once, before the race
    rounds, writers = 8, 4
    barrier = threading.Barrier(writers)
    errors: list[BaseException] = []
    words = ["một", "hai", "ba", "bốn"]

    def writer(n: int) -> None:
        store = Store(db_url)
        lexicon = store.lexicon
        try:
            barrier.wait()
            for k in range(rounds):
                lexicon.save("UBMTTQ", f"ủy ban mặt trận lần {words[n]}", "expand")
                lexicon.save(f"XA{n}K{k}", f"xã {words[n]}", "expand")
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            errors.append(exc)
        finally:
            store.dispose()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    store = Store(db_url)
    rows = store.lexicon.entries()
    same = [r for r in rows if r.term == "UBMTTQ"]
    assert len(same) == 1 and same[0].spoken in {f"ủy ban mặt trận lần {w}" for w in words}
    assert {r.term for r in rows} == {"UBMTTQ"} | {f"XA{n}K{k}" for n in range(writers)
                                                   for k in range(rounds)}
    # every save took its own turn: one revision each, none lost, the last one on the row
    revision = store.lexicon.version()[0]
    assert revision == 2 * rounds * writers
    assert max(r.revision for r in rows) == revision
    store.dispose()


@pytest.mark.parametrize(("term", "spoken", "kind", "message"), [
    ("X" * (MAX_TERM_CHARS + 1), "ích", "expand", f"Từ viết dài quá {MAX_TERM_CHARS} ký tự"),
    ("UBND", "", "expand", "Cần điền cả từ viết và cách đọc"),
    ("UBND", "   ", "word", "Cần điền cả từ viết và cách đọc"),
    ("", "ủy ban", "expand", "Cần điền cả từ viết và cách đọc"),
    ("QL1A", "quốc lộ 1 a", "expand", "Cách đọc không được chứa chữ số"),
    ("UBND", "ủy ban", "loud", "Kiểu đọc không hợp lệ"),
    ("UBND", "ủy " * 200, "expand", "Cách đọc dài quá"),
])
def test_bad_entries_are_refused_in_vietnamese_and_write_nothing(
        db_url: str, term: str, spoken: str, kind: str, message: str) -> None:
    store = Store(db_url)
    lexicon = store.lexicon
    lexicon.save("HĐND", "hội đồng nhân dân", "expand")
    version = lexicon.version()
    with pytest.raises(InputError) as caught:
        lexicon.save(term, spoken, kind, original="HĐND")  # a rename that must not happen
    assert caught.value.message.startswith(message)
    assert [(r.term, r.spoken) for r in lexicon.entries()] == [("HĐND", "hội đồng nhân dân")]
    assert lexicon.version() == version
    with pytest.raises(InputError):  # an import with one bad entry writes none of them
        lexicon.import_entries([("TTYT", "trung tâm y tế", "expand"), (term, spoken, kind)])
    assert [r.term for r in lexicon.entries()] == ["HĐND"]
    store.dispose()


OLD_LEXICON = ("# term\tspoken\tkind (expand | spell | word)\n"
               "HTXDV\thợp tác xã dịch vụ\texpand\n"
               "TTg\tthủ tướng\texpand\n"
               "hỏng\tchỉ hai cột\n"
               "PCTT\tphòng chống thiên tai\texpand\n")


def test_upgrading_an_old_data_dir_imports_its_lexicon_once_and_keeps_the_file(
        tmp_path: Path) -> None:
    data_dir = _legacy_data_dir(tmp_path / "data")
    old = data_dir / "lexicon.tsv"
    old.write_text(OLD_LEXICON, encoding="utf-8")
    result = CliRunner(mix_stderr=False).invoke(main, ["migrate", "--data-dir", str(data_dir)])
    assert result.exit_code == 0, result.stderr
    assert old.read_text(encoding="utf-8") == OLD_LEXICON  # kept, byte for byte, as a backup
    store = Store(data_dir / "bantin.sqlite3")
    _check_legacy_rows(store)
    rows = store.lexicon.entries()
    assert [(r.term, r.spoken, r.updated_by) for r in rows] == [
        ("HTXDV", "hợp tác xã dịch vụ", "lexicon.tsv"), ("PCTT", "phòng chống thiên tai",
                                                         "lexicon.tsv"),
        ("TTg", "thủ tướng", "lexicon.tsv")]  # the two-column line skipped
    assert "hợp tác xã dịch vụ" in normalize_text(TEXT, current_lexicon(store))
    # Once: an editor's later deletion is not undone by the file at the next start.
    assert store.lexicon.delete("PCTT")
    store.dispose()
    again = Store(data_dir / "bantin.sqlite3")
    assert again.migrate() is not None
    assert [r.term for r in again.lexicon.entries()] == ["HTXDV", "TTg"]
    again.dispose()


def test_lexicon_export_and_import_commands_round_trip(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    runner = CliRunner(mix_stderr=False)
    source = tmp_path / "tu-dien.tsv"
    source.write_text("PCTT\tphòng chống thiên tai\texpand\nTTg\tthủ tướng\texpand\n"
                      "PCTT\tlần hai\texpand\n", encoding="utf-8")
    refused = runner.invoke(main, ["lexicon", "import", str(source), "--data-dir",
                                   str(data_dir)])
    assert refused.exit_code == 1 and "đã có ở dòng 1" in refused.stderr
    store = Store(data_dir / "bantin.sqlite3")
    assert store.lexicon.entries() == []
    source.write_text("PCTT\tphòng chống thiên tai\texpand\nTTg\tthủ tướng\texpand\n",
                      encoding="utf-8")
    done = runner.invoke(main, ["lexicon", "import", str(source), "--data-dir", str(data_dir)])
    assert done.exit_code == 0, done.stderr
    assert "Đã ghi 2 mục" in done.output
    assert [j.status for j in store.jobs.recent(kind="lexicon")] == ["queued"]
    out = tmp_path / "ra.tsv"
    exported = runner.invoke(main, ["lexicon", "export", "-o", str(out), "--data-dir",
                                    str(data_dir)])
    assert exported.exit_code == 0, exported.stderr
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[1:] == ["PCTT\tphòng chống thiên tai\texpand", "TTg\tthủ tướng\texpand"]
    source.write_text("TTg\tthủ tướng chính phủ\texpand\n", encoding="utf-8")
    replaced = runner.invoke(main, ["lexicon", "import", str(source), "--replace",
                                    "--data-dir", str(data_dir)])
    assert replaced.exit_code == 0, replaced.stderr
    assert [(r.term, r.spoken) for r in store.lexicon.entries()] == [
        ("TTg", "thủ tướng chính phủ")]
    store.dispose()


def _sign_in(client: FlaskClient, token: str) -> str:
    from tests.web.test_admin import _csrf
    from tests.web.test_admin import _sign_in as sign_in

    sign_in(client, token)
    return _csrf(client, "/quan-tri/tu-dien")


def test_the_dictionary_page_saves_to_the_database_and_offers_a_download(
        client: FlaskClient, app: Flask, token: str) -> None:
    csrf = _sign_in(client, token)
    long_term = "X" * (MAX_TERM_CHARS + 5)
    client.post("/quan-tri/tu-dien", data={"csrf_token": csrf, "hanh_dong": "them",
                                           "term": long_term, "spoken": "ích",
                                           "kind": "expand"})
    page = client.get("/quan-tri/tu-dien").get_data(as_text=True)
    assert f"Chưa lưu: Từ viết dài quá {MAX_TERM_CHARS} ký tự" in page
    st = app.extensions["bantin"]
    assert st.lexicon.entries() == [] and st.store.jobs.recent(kind="lexicon") == []
    client.post("/quan-tri/tu-dien", data={"csrf_token": csrf, "hanh_dong": "them",
                                           "term": "NTM", "spoken": "nông thôn mới",
                                           "kind": "expand"})
    assert [(r.term, r.updated_by) for r in st.lexicon.entries()] == [("NTM", "trang từ điển")]
    assert not (st.settings.data_dir / "lexicon.tsv").exists()  # the database is the record
    resp = client.get("/quan-tri/tu-dien.tsv")
    assert resp.status_code == 200 and "attachment" in resp.headers["Content-Disposition"]
    assert resp.get_data(as_text=True).splitlines()[1:] == ["NTM\tnông thôn mới\texpand"]
    client.post("/quan-tri/tu-dien", data={"csrf_token": csrf, "hanh_dong": "xoa",
                                           "goc": "NTM"})
    client.post("/quan-tri/tu-dien", data={"csrf_token": csrf, "hanh_dong": "xoa",
                                           "goc": "NTM"})  # a second editor, a stale page
    page = client.get("/quan-tri/tu-dien").get_data(as_text=True)
    assert "Chưa lưu: Mục này không còn trong từ điển" in page
    signed_out = app.test_client().get("/quan-tri/tu-dien.tsv")
    assert signed_out.status_code == 401


def test_copy_data_moves_the_imported_lexicon_into_postgresql(tmp_path: Path,
                                                              postgres: PostgresServer) -> None:
    data_dir = _legacy_data_dir(tmp_path / "data")
    (data_dir / "lexicon.tsv").write_text(OLD_LEXICON, encoding="utf-8")
    target = postgres.create_database()
    try:
        result = CliRunner(mix_stderr=False).invoke(
            main, ["copy-data", "--data-dir", str(data_dir), "--to", target])
        assert result.exit_code == 0, result.stderr
        assert "lexicon_entries: 3 dòng" in result.stderr
        store = Store(target)
        assert [r.term for r in store.lexicon.entries()] == ["HTXDV", "PCTT", "TTg"]
        assert "hợp tác xã dịch vụ" in normalize_text(TEXT, current_lexicon(store))
        # the revision moved too: the next edit on PostgreSQL follows it
        assert store.lexicon.save("NTM", "nông thôn mới", "expand").revision == 2
        store.dispose()
    finally:
        postgres.drop_database(target)
