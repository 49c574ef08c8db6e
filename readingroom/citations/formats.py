"""Download formats of a record's citation: one class per format, registered in FORMATS.

Each reads the record's CSL-JSON item (csl.py) and nothing else, so BibTeX, RIS and CSL-JSON always agree with
the citations on the page. A format is served at /records/<id>/@<name> (web/citations.py).
"""

from __future__ import annotations

import json
from typing import Any, ClassVar


class Format:
    name: ClassVar[str]  # the sub-resource name after "@": "cite.bib"
    label: ClassVar[str]
    media_type: ClassVar[str]

    def render(self, item: dict[str, Any]) -> str:
        raise NotImplementedError

    def filename(self, item: dict[str, Any]) -> str:
        # Record ids hold letters, digits and . _ : - / (records/vocabulary.py): the last two are not for file names.
        stem = str(item["id"]).replace("/", "-").replace(":", "-").strip("-.") or "record"
        return f"{stem}.{self.name.rsplit('.', 1)[1]}"


def _date(parts: list[int], sep: str = "-") -> str:
    return sep.join(f"{p:04d}" if i == 0 else f"{p:02d}" for i, p in enumerate(parts))


def _name(name: dict) -> str:
    return name["literal"] if "literal" in name else f"{name['family']}, {name['given']}"


class CslJson(Format):
    name = "cite.json"
    label = "CSL-JSON"
    media_type = "application/vnd.citationstyles.csl+json"

    def render(self, item):
        return json.dumps([item], ensure_ascii=False, indent=2) + "\n"


_BIBTEX_ESCAPES = {
    "\\": r"\textbackslash{}",
    "{": r"\{",
    "}": r"\}",
    "%": r"\%",
    "&": r"\&",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def bibtex_escape(text: str) -> str:
    return "".join(_BIBTEX_ESCAPES.get(ch, ch) for ch in " ".join(str(text).split()))


class BibTeX(Format):
    """A @misc entry (BibTeX knows no archival document), with biblatex's date, urldate and translator."""

    name = "cite.bib"
    label = "BibTeX"
    media_type = "application/x-bibtex"

    def render(self, item):
        key = str(item["id"]).replace("/", "_")  # a BibTeX key takes every other character of an id
        # Braced again so that a style keeps its capitals ("Secret North Vietnam Politburo Cable No. 323").
        fields: list[tuple[str, str]] = [("title", "{" + bibtex_escape(item["title"]) + "}")]
        for csl, bib in (("author", "author"), ("editor", "editor"), ("translator", "translator")):
            if item.get(csl):
                # A name kept whole is braced, so that BibTeX does not split "Department of State" into parts.
                fields.append(
                    (
                        bib,
                        " and ".join(
                            "{" + bibtex_escape(n["literal"]) + "}"
                            if "literal" in n
                            else bibtex_escape(_name(n))
                            for n in item[csl]
                        ),
                    )
                )
        for csl, bib in (
            ("container-title", "booktitle"),
            ("collection-title", "series"),
            ("number", "number"),
            ("publisher", "publisher"),
        ):
            if item.get(csl):
                fields.append((bib, bibtex_escape(item[csl])))
        issued = item.get("issued") or {}
        parts = issued.get("date-parts") or []
        if parts:
            fields.append(("year", str(parts[0][0])))
            if len(parts[0]) > 1:
                fields.append(("month", str(parts[0][1])))
            fields.append(("date", "/".join(_date(p) for p in parts)))
        archive = "; ".join(bibtex_escape(item[k]) for k in ("archive", "archive_location") if item.get(k))
        if archive:
            fields.append(("note", archive))
        if item.get("language"):
            fields.append(("language", bibtex_escape(item["language"])))
        if item.get("abstract"):
            fields.append(("abstract", bibtex_escape(item["abstract"])))
        if item.get("keyword"):
            fields.append(("keywords", bibtex_escape(item["keyword"])))
        if item.get("URL"):
            fields.append(("url", item["URL"].replace("{", "%7B").replace("}", "%7D")))
        if item.get("accessed"):
            fields.append(("urldate", _date(item["accessed"]["date-parts"][0])))
        body = ",\n".join(f"  {k} = {{{v}}}" for k, v in fields)
        return f"@misc{{{key},\n{body}\n}}\n"


class Ris(Format):
    """RIS: a chapter (CHAP) for a document of a published volume, a manuscript (MANSCPT) for an archive's
    document, else a generic entry (GEN)."""

    name = "cite.ris"
    label = "RIS"
    media_type = "application/x-research-info-systems"

    def render(self, item):
        kind = "CHAP" if item.get("container-title") else "MANSCPT" if item.get("archive") else "GEN"
        lines = [("TY", kind), ("ID", str(item["id"])), ("TI", item["title"])]
        for csl, tag in (("author", "AU"), ("editor", "A2"), ("translator", "A4")):
            lines += [(tag, _name(n)) for n in item.get(csl) or []]
        for csl, tag in (
            ("container-title", "T2"),
            ("collection-title", "T3"),
            ("number", "SE"),
            ("publisher", "PB"),
            ("archive", "DP"),
            ("archive_location", "AN"),
        ):
            if item.get(csl):
                lines.append((tag, item[csl]))
        parts = (item.get("issued") or {}).get("date-parts") or []
        if parts:
            lines.append(("PY", str(parts[0][0])))
            lines.append(("DA", _date(parts[0], "/") + "/" * (4 - len(parts[0]))))
        for csl, tag in (("abstract", "AB"), ("language", "LA"), ("URL", "UR")):
            if item.get(csl):
                lines.append((tag, item[csl]))
        lines += [("KW", name) for name in (item.get("custom") or {}).get("subjects") or []]
        if item.get("accessed"):
            lines.append(("Y2", _date(item["accessed"]["date-parts"][0], "/")))
        lines.append(("ER", ""))
        return "".join(f"{tag}  - {' '.join(str(value).split())}\r\n" for tag, value in lines)


FORMATS: dict[str, Format] = {f.name: f for f in (BibTeX(), Ris(), CslJson())}
