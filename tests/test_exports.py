"""Bulk exports: the format table, the command line and /export/; only public records wherever the public asks;
CSV that a spreadsheet cannot run and that imports again; RIS and BibTeX read back; a BagIt bag that validates."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from pathlib import Path

import pytest

from readingroom.cli import build_parser, main
from readingroom.exports import csv_records
from readingroom.exports.formats import FORMATS
from readingroom.exports.selection import Selection
from readingroom.records.models import Authority, Record

from .conftest import CORPUS, SEED

pytestmark = pytest.mark.django_db

FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()
HIDDEN = [
    {"id": "x/draft", "title": "Draft Quokka Telegram", "status": "draft"},
    {"id": "x/review", "title": "In Review Quokka Telegram", "status": "in-review"},
    {"id": "x/embargoed", "title": "Embargoed Quokka Telegram", "embargo_until": FUTURE},
    {"id": "x/withdrawn", "title": "Withdrawn Quokka Telegram", "status": "withdrawn"},
]
VISIBLE = [
    {
        "id": "x/public-1",
        "title": "Public Quokka Telegram",
        "date": "1968-10-15",
        "creators": ["Rusk, Dean"],
        "subjects": ["Quokka Affairs"],
        "repository": "National Archives",
        "summary": "A telegram about quokkas.",
    },
    {"id": "x/public-2", "title": "Public Wombat Memorandum", "date": "1969-01", "subjects": ["Wombats"]},
]
STREAMED = ["jsonl", "csv", "ris", "bibtex"]


@pytest.fixture
def mixed(archive):
    """Two public records and one of each hidden kind, written through the store and indexed."""
    for doc in HIDDEN + VISIBLE:
        archive.store.save(doc)
    archive.indexer.process_outbox()
    return archive


@pytest.fixture
def cli_home(archive, monkeypatch):
    """`main([...])` works on the test's archive (its folder; the database is the test's)."""
    monkeypatch.setenv("READINGROOM_HOME", str(archive.home))
    archive.init()
    return archive


def hidden_leaks(text: str) -> list[str]:
    return [d["id"] for d in HIDDEN if d["id"] in text or d["title"] in text]


# -- the table ---------------------------------------------------------------------------------------------------


def test_the_table_has_every_format_and_the_command_line_reads_it():
    assert list(FORMATS) == ["jsonl", "csv", "ris", "bibtex", "bagit"]
    export = build_parser()._subparsers._group_actions[0].choices["export"]  # type: ignore[union-attr]
    choices = next(a.choices for a in export._actions if a.dest == "format")
    assert list(choices) == list(FORMATS)
    for fmt in FORMATS.values():
        assert fmt.name and fmt.label and (fmt.folder or fmt.extension)


def test_csv_columns_are_the_importers():
    from readingroom.ingest import csv_records as importer

    assert csv_records.COLUMNS == importer.COLUMNS


# -- only what the public may see ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", STREAMED)
def test_cli_public_export_leaves_out_hidden_records(mixed, cli_home, tmp_path, name, capsys):
    out = tmp_path / f"out.{name}"
    assert main(["export", "--format", name, "--public", "--quiet", "-o", str(out)]) == 0
    assert capsys.readouterr().err == "exported 2 records\n"
    text = out.read_text(encoding="utf-8")
    assert "Public Quokka Telegram" in text and "Public Wombat Memorandum" in text
    assert hidden_leaks(text) == []
    everything = tmp_path / f"all.{name}"
    assert main(["export", "--format", name, "--quiet", "-o", str(everything)]) == 0
    assert len(hidden_leaks(everything.read_text(encoding="utf-8"))) == len(HIDDEN)  # an archivist's backup


@pytest.mark.parametrize("name", STREAMED)
@pytest.mark.parametrize(
    "query, found",
    [
        ("", ["x/public-1", "x/public-2"]),
        ("q=quokka", ["x/public-1"]),
        ("q=telegram&sort=title", ["x/public-1"]),
        ("subject=Wombats", ["x/public-2"]),
    ],
)
def test_web_export_is_public_records_only(client, mixed, name, query, found):
    response = client.get(f"/export/?format={name}&{query}")
    assert response.status_code == 200 and response.streaming
    assert response["Content-Type"] == FORMATS[name].media_type
    filename = f"records-{dt.date.today()}.{FORMATS[name].extension}"
    assert response["Content-Disposition"] == f'attachment; filename="{filename}"'
    text = b"".join(response.streaming_content).decode()
    assert hidden_leaks(text) == []
    titles = {"x/public-1": "Public Quokka Telegram", "x/public-2": "Public Wombat Memorandum"}
    assert [i for i, title in titles.items() if title in text] == found


def test_web_export_follows_the_search(client, mixed):
    ids = [json.loads(line)["id"] for line in export_lines(client, "q=public&sort=title")]
    assert ids == ["x/public-1", "x/public-2"]  # "Public Quokka..." before "Public Wombat..."
    ids = [json.loads(line)["id"] for line in export_lines(client, "q=public&sort=-date")]
    assert ids == ["x/public-2", "x/public-1"]
    assert [json.loads(line)["id"] for line in export_lines(client, "q=wombat")] == ["x/public-2"]
    assert export_lines(client, "q=draft") == []  # the draft's title has the word; it is not public


def export_lines(client, query: str) -> list[str]:
    response = client.get(f"/export/?format=jsonl&{query}")
    assert response.status_code == 200
    return b"".join(response.streaming_content).decode().splitlines()


def test_a_record_withdrawn_after_indexing_is_not_exported(client, mixed):
    """The index may lag behind the store: the store's rule decides, for a search's hits too."""
    Record.objects.filter(pk="x/public-1").update(
        status="withdrawn"
    )  # not through the store: index unchanged
    assert [json.loads(line)["id"] for line in export_lines(client, "q=quokka")] == []


def test_web_export_refuses_unknown_and_folder_formats(client, mixed):
    response = client.get("/export/?format=xls")
    assert response.status_code == 400 and b"unknown export format" in response.content
    assert b"jsonl, csv, ris, bibtex" in response.content
    response = client.get("/export/?format=bagit")
    assert response.status_code == 400 and b"readingroom export --format bagit -o DIR" in response.content
    assert client.get("/export/").status_code == 400


def test_cli_query_exports_what_the_search_finds(mixed, cli_home, tmp_path, capsys):
    out = tmp_path / "found.jsonl"
    assert main(["export", "--query", "q=quokka", "--quiet", "-o", str(out)]) == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["x/public-1"]
    assert main(["export", "--query", "?subject=Wombats&page=x", "--quiet", "-o", str(out)]) == 0
    assert [json.loads(line)["id"] for line in out.read_text().splitlines()] == ["x/public-2"]
    assert "note: page= takes a number" in capsys.readouterr().err


class PagedBackend:
    """A search engine holding `ids`, answering a page at a time."""

    def __init__(self, ids):
        self.ids, self.requests = ids, []

    def search(self, request):
        from readingroom.search.backends.base import Hit, SearchResult

        self.requests.append(request)
        page = self.ids[request.offset : request.offset + request.page_size]
        return SearchResult(total=len(self.ids), hits=[Hit(i, "", "", "", "", "") for i in page])


def test_a_search_is_paged_to_its_limit():
    from readingroom.search.params import request_from_params

    ids = [f"r/{n:04d}" for n in range(600)]
    backend = PagedBackend(ids)
    selection = Selection.of_search(backend, request_from_params({"q": ["telegram"]}), limit=520)
    assert list(selection.ids or []) == ids[:520] and selection.found == 600 and selection.truncated
    assert [r.page for r in backend.requests] == [1, 2, 3] and {r.facets for r in backend.requests} == {()}
    whole = Selection.of_search(backend, request_from_params({"q": ["telegram"]}), limit=10_000)
    assert list(whole.ids or []) == ids and not whole.truncated
    everything = Selection.of_search(backend, request_from_params({"sort": ["title"]}), limit=10)
    assert everything.ids is None and everything.public  # narrows nothing: every public record, no limit


# -- CSV ---------------------------------------------------------------------------------------------------------

FORMULAS = {
    "id": "x/formulas",
    "title": '=HYPERLINK("http://evil.example","click")',
    "summary": "+1 more",
    "dateline_place": "-5 Street",
    "subjects": ["@mention", "Plain"],
    "places": ["-Minus Town"],
    "extra": {"note": "\tcmd|' /C calc'!A0", "count": 3, "nested": {"a": 1}},
    "text": "=1+2\n\nSecond paragraph [sic]",
}


def test_csv_cells_never_start_a_formula(archive):
    archive.store.save(FORMULAS)
    text = "".join(
        FORMATS["csv"].stream(
            Selection.everything(public=True), Selection.everything(public=True).records(), context()
        )
    )
    assert text.startswith("\ufeffid,title,")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == 1
    for column, cell in rows[0].items():
        for value in cell.split(";"):
            assert not value.strip().startswith(("=", "+", "-", "@", "\t", "\r")), (column, cell)
    row = rows[0]
    assert row["title"] == '\'=HYPERLINK("http://evil.example","click")'
    assert row["summary"] == "'+1 more" and row["dateline_place"] == "'-5 Street"
    assert row["subjects"] == "'@mention; Plain" and row["places"] == "'-Minus Town"
    assert row["extra.note"] == "'\tcmd|' /C calc'!A0" and row["extra.count"] == "3"
    assert "extra.nested" not in row  # not text: JSON Lines has it
    assert row["text"] == "'=1+2\n\nSecond paragraph [sic]"


def context():
    from readingroom.exports.formats import ExportContext

    return ExportContext(site_name="Test Archive", base_url="https://archive.example.org")


def csv_export() -> str:
    selection = Selection.everything(public=False)
    return "".join(FORMATS["csv"].stream(selection, selection.records(), context()))


def empty_archive():
    Record.objects.all().delete()
    Authority.objects.all().delete()


def test_csv_export_imports_again_as_it_was(import_files, archive, tmp_path):
    """export -> import into an empty archive -> export: the same bytes (for what CSV holds), formulas too."""
    report = import_files(SEED, CORPUS / "frus" / "frus1964-68v07-excerpt.xml")
    assert report.ok
    archive.store.save(FORMULAS)
    archive.store.save({**HIDDEN[2], "classification": ["Secret", "Nodis"], "languages": ["vie", "eng"]})
    first = csv_export()
    assert first.count("\r\n") > Record.objects.count()  # texts hold line breaks too
    dump = tmp_path / "export.csv"
    dump.write_text(first, encoding="utf-8", newline="")
    empty_archive()
    report = import_files(dump)
    assert report.ok and report.files[0].created == Record.objects.count(), report.files[0].problems
    assert csv_export() == first
    again = Record.objects.get(pk="x/formulas").document
    assert again["title"].startswith("=HYPERLINK") and again["summary"] == "+1 more"
    assert [s["name"] for s in again["subjects"]] == ["@mention", "Plain"]
    assert again["extra"] == {"count": "3", "note": "'\tcmd|' /C calc'!A0"}  # apostrophe kept before a tab
    embargoed = Record.objects.get(pk="x/embargoed")
    assert embargoed.embargo_until.isoformat() == FUTURE and embargoed.document["classification"] == [
        "Secret",
        "Nodis",
    ]


def test_csv_cell_escaping_rules():
    escape = csv_records.escape_cell
    assert [escape(v) for v in ("=1", "+1", "-1", "@a", "\t=1", "\rx", " =1", "a=b", "'quoted", "")] == [
        "'=1",
        "'+1",
        "'-1",
        "'@a",
        "'\t=1",
        "'\rx",
        "'=1",
        "a=b",
        "'quoted",
        "",
    ]


# -- RIS and BibTeX, read back as reference managers read them ------------------------------------------------


def test_ris_and_bibtex_read_back(mixed):
    import bibtexparser
    import rispy

    selection = Selection.everything(public=True)
    ris = "".join(FORMATS["ris"].stream(selection, selection.records(), context()))
    entries = {e["id"]: e for e in rispy.loads(ris)}
    assert set(entries) == {"x/public-1", "x/public-2"}
    first = entries["x/public-1"]
    assert first["type_of_reference"] == "MANSCPT" and first["title"] == "Public Quokka Telegram"
    assert first["authors"] == ["Rusk, Dean"] and first["year"] == "1968" and first["date"] == "1968/10/15/"
    assert first["urls"] == ["https://archive.example.org/records/x/public-1/"]
    assert first["keywords"] == ["Quokka Affairs"] and first["abstract"] == "A telegram about quokkas."
    assert entries["x/public-2"]["date"] == "1969/01//"

    bib = "".join(FORMATS["bibtex"].stream(selection, selection.records(), context()))
    library = bibtexparser.parse_string(bib)
    assert not library.failed_blocks
    by_key = {e.key: e.fields_dict for e in library.entries}
    assert set(by_key) == {"x_public-1", "x_public-2"}
    fields = by_key["x_public-1"]
    assert fields["title"].value == "{Public Quokka Telegram}" and fields["author"].value == "Rusk, Dean"
    assert fields["date"].value == "1968-10-15" and fields["note"].value == "National Archives"
    assert fields["url"].value == "https://archive.example.org/records/x/public-1/"
    assert by_key["x_public-2"]["date"].value == "1969-01"


# -- BagIt -------------------------------------------------------------------------------------------------------


def test_bagit_bag_of_public_records_and_their_files(mixed, cli_home, tmp_path, capsys):
    import bagit

    media = cli_home.settings.media_path
    (media / "x").mkdir(parents=True, exist_ok=True)
    (media / "x" / "public.pdf").write_bytes(b"%PDF-1.4 public scan")
    (media / "x" / "draft.pdf").write_bytes(b"%PDF-1.4 draft scan")
    cli_home.store.save({**VISIBLE[0], "media": [{"path": "x/public.pdf"}, {"path": "x/gone.pdf"}]})
    cli_home.store.save({**HIDDEN[0], "media": [{"path": "x/draft.pdf"}]})
    folder = tmp_path / "bag"
    assert main(["export", "--format", "bagit", "--public", "--quiet", "-o", str(folder)]) == 0
    err = capsys.readouterr().err
    assert (
        f"bag {folder}: 2 records, 1 media files; 1 files listed by records were not in the media folder"
        in err
    )
    bag = bagit.Bag(str(folder))
    bag.validate()  # raises BagValidationError when a file or checksum is wrong
    assert bag.info["Source-Organization"] == cli_home.settings.site_name
    assert bag.info["Bagging-Date"] == dt.date.today().isoformat()
    lines = (folder / "data" / "records.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line)["id"] for line in lines] == ["x/public-1", "x/public-2"]
    assert (folder / "data" / "media" / "x" / "public.pdf").read_bytes() == b"%PDF-1.4 public scan"
    assert not (folder / "data" / "media" / "x" / "draft.pdf").exists()
    assert not (tmp_path / "bag.part").exists()

    with pytest.raises(SystemExit, match="exists already"):
        main(["export", "--format", "bagit", "--public", "--quiet", "-o", str(folder)])
    with pytest.raises(SystemExit, match="bagit writes a folder: name a new one with -o DIR"):
        main(["export", "--format", "bagit", "--public"])


def test_bagit_tampering_is_caught(mixed, cli_home, tmp_path):
    import bagit

    folder = tmp_path / "bag"
    assert main(["export", "--format", "bagit", "--public", "--quiet", "-o", str(folder)]) == 0
    records = Path(folder / "data" / "records.jsonl")
    records.write_text(records.read_text().replace("Quokka", "Kangaroo"))
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(folder)).validate()
